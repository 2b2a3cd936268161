//! Floods are limited per IP, per visitor and per socket, with 429 and
//! `Retry-After`, while everyone else keeps chatting.

use crate::helpers::{Socket, assert_error, client_from, spawn_app_with};
use natter_protocol::{ClientFrame, ServerFrame};
use natter_server::limits::Quota;
use reqwest::StatusCode;
use std::time::Duration;

/// `count` an hour. Windows are fixed (aligned to the clock): an hour-long one makes a
/// test that straddles a window's end (its counts start again) rare; a minute-long one
/// did it once in a CI run.
fn quota(count: u32) -> Quota {
    Quota {
        count,
        per: Duration::from_secs(3600),
    }
}

#[tokio::test]
async fn a_flood_from_one_ip_is_limited_while_other_visitors_chat() {
    let app = spawn_app_with(|s| {
        s.limits.rate_leads = quota(5);
        s.limits.rate_messages = quota(10);
    })
    .await;
    let flooder = client_from([127, 0, 0, 2]);
    let url = app.url("/widget/demo/demo/leads");
    let mut limited = 0;
    for _ in 0..30 {
        let response = flooder
            .post(&url)
            .json(&serde_json::json!({ "name": "Bot" }))
            .send()
            .await
            .unwrap();
        if response.status() == StatusCode::TOO_MANY_REQUESTS {
            let retry_after: u64 = response.headers()["retry-after"]
                .to_str()
                .unwrap()
                .parse()
                .unwrap();
            assert!((1..=3600).contains(&retry_after));
            assert_eq!(
                assert_error(response, StatusCode::TOO_MANY_REQUESTS).await,
                "rate_limited"
            );
            limited += 1;
        } else {
            assert_eq!(response.status(), StatusCode::CREATED);
        }
    }
    assert_eq!(
        limited, 25,
        "5 leads a minute from that IP, the rest refused"
    );

    // Meanwhile a visitor from another address chats normally.
    let lead = app.create_lead("Ana", Some("hello")).await;
    for i in 0..10 {
        let r = app
            .post_message(
                &lead.conv_id,
                &lead.visitor_token,
                "still fine",
                &format!("k{i}"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // Its own flood is limited per visitor…
    let r = app
        .post_message(&lead.conv_id, &lead.visitor_token, "one too many", "k-over")
        .await;
    assert_error(r, StatusCode::TOO_MANY_REQUESTS).await;
    // …and another visitor is not affected.
    let other = app.create_lead("Bo", None).await;
    let r = app
        .post_message(&other.conv_id, &other.visitor_token, "hi", "k")
        .await;
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn sign_in_is_throttled() {
    let app = spawn_app_with(|s| s.limits.rate_logins = quota(3)).await;
    let attacker = client_from([127, 0, 0, 3]);
    let body = serde_json::json!({ "email": "demo@example.com", "password": "guess" });
    let mut statuses = Vec::new();
    for _ in 0..5 {
        statuses.push(
            attacker
                .post(app.url("/auth/login"))
                .json(&body)
                .send()
                .await
                .unwrap()
                .status(),
        );
    }
    assert_eq!(&statuses[..3], &[StatusCode::UNAUTHORIZED; 3]);
    assert_eq!(&statuses[3..], &[StatusCode::TOO_MANY_REQUESTS; 2]);
    // The real staff member, elsewhere, still signs in.
    app.login("demo@example.com", "demo").await;
}

#[tokio::test]
async fn sockets_per_ip_and_frames_per_socket_are_capped() {
    let app = spawn_app_with(|s| {
        s.limits.max_sockets_per_ip = 3;
        s.limits.rate_frames = Quota {
            count: 5,
            per: Duration::from_secs(60),
        };
    })
    .await;
    let mut sockets = Vec::new();
    for _ in 0..3 {
        sockets.push(app.visitor_socket().await);
    }
    match app.visitor_socket_from(crate::helpers::DEMO_ORIGIN).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 429)
        }
        other => panic!("expected 429, got {:?}", other.map(|_| ())),
    }
    drop(sockets.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut socket: Socket = app.visitor_socket().await;
    for _ in 0..5 {
        socket.send(&ClientFrame::Ping).await;
        assert_eq!(socket.next().await, ServerFrame::Pong);
    }
    socket.send(&ClientFrame::Ping).await;
    assert!(
        matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "rate_limited")
    );
    // Far past the quota, the socket is closed.
    for _ in 0..20 {
        socket.send(&ClientFrame::Ping).await;
    }
    assert!(
        socket
            .closed(Duration::from_secs(5))
            .await
            .is_some_and(|c| u16::from(c.code) == 1008)
    );
}
