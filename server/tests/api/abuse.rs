//! Abuse that costs the attacker little and the server much (issue 15, finding 6):
//! messages from many cheap visitors on one address, read positions, typing from
//! many tabs, sockets per visitor, subscriptions and their replays, visitor tokens
//! that live for ever and leads that never said anything.

use crate::helpers::{Socket, TestApp, assert_error, client_from, spawn_app, spawn_app_with};
use natter_protocol::{ClientFrame, ConvId, LeadCreated, ServerFrame, Side};
use natter_server::limits::Quota;
use natter_server::store::now_ms;
use reqwest::StatusCode;
use std::time::Duration;

fn per_minute(count: u32) -> Quota {
    Quota {
        count,
        per: Duration::from_secs(60),
    }
}

const DAY_MS: i64 = 24 * 3600 * 1000;

#[tokio::test]
async fn visitors_on_one_address_share_a_message_quota() {
    let app = spawn_app_with(|s| s.limits.rate_messages_per_ip = per_minute(5)).await;
    let (a, b) = (
        app.create_lead("A", None).await,
        app.create_lead("B", None).await,
    );
    for i in 0..3 {
        let r = app
            .post_message(&a.conv_id, &a.visitor_token, "hi", &format!("a{i}"))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    for i in 0..2 {
        let r = app
            .post_message(&b.conv_id, &b.visitor_token, "hi", &format!("b{i}"))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    // A fresh visitor is no way around it: the address's sixth message is refused.
    let r = app
        .post_message(&b.conv_id, &b.visitor_token, "hi", "b-over")
        .await;
    assert_error(r, StatusCode::TOO_MANY_REQUESTS).await;
    // The same visitor from another address is counted there.
    let r = client_from([127, 0, 0, 3])
        .post(app.url(&format!("/conversations/{}/messages", b.conv_id)))
        .bearer_auth(&b.visitor_token)
        .json(&serde_json::json!({ "text": "hi", "client_msg_id": "b-elsewhere" }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
}

#[tokio::test]
async fn read_positions_over_http_are_rate_limited_per_caller() {
    let app = spawn_app_with(|s| s.limits.rate_reads = per_minute(5)).await;
    let lead = app.create_lead("Ana", Some("hello")).await;
    let read = |token: String| {
        app.client
            .post(app.url(&format!("/conversations/{}/read", lead.conv_id)))
            .bearer_auth(token)
            .json(&serde_json::json!({ "seq": 1 }))
            .send()
    };
    for _ in 0..5 {
        let r = read(lead.visitor_token.clone()).await.unwrap();
        assert_eq!(r.status(), StatusCode::NO_CONTENT);
    }
    let r = read(lead.visitor_token.clone()).await.unwrap();
    assert_error(r, StatusCode::TOO_MANY_REQUESTS).await;
    // Staff reading the same conversation have a quota of their own.
    let staff = app.staff_token().await;
    assert_eq!(read(staff).await.unwrap().status(), StatusCode::NO_CONTENT);
}

/// A visitor socket subscribed to the lead's conversation.
async fn subscribed(app: &TestApp, lead: &LeadCreated) -> Socket {
    let mut socket = app.visitor_socket().await;
    socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), u64::MAX)
        .await;
    socket
}

#[tokio::test]
async fn typing_from_many_tabs_reaches_staff_within_one_budget() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let mut staff = app.staff_socket(&app.staff_token().await).await;
    let mut tabs = Vec::new();
    for _ in 0..10 {
        tabs.push(subscribed(&app, &lead).await);
    }
    let typing = ClientFrame::Typing {
        conv_id: lead.conv_id.clone(),
        typing: true,
    };
    // Every tab types all the time for two seconds: a burst of four, then one a second,
    // where ten sockets on their own would each pass one a second (twenty).
    let started = tokio::time::Instant::now();
    let window = Duration::from_millis(1900);
    let mut heard = 0;
    while started.elapsed() < window {
        for tab in &mut tabs {
            tab.send(&typing).await;
        }
        while let Some(frame) = staff.next_within(Duration::from_millis(50)).await {
            if let ServerFrame::Typing {
                side: Side::Visitor,
                typing: true,
                ..
            } = frame
            {
                heard += 1;
            }
        }
    }
    assert!(
        (1..=6).contains(&heard),
        "staff heard {heard} typing frames"
    );
}

#[tokio::test]
async fn one_visitor_token_opens_a_bounded_number_of_sockets() {
    let app = spawn_app_with(|s| s.limits.max_sockets_per_visitor = 2).await;
    let lead = app.create_lead("Ana", None).await;
    let first = subscribed(&app, &lead).await;
    let _second = subscribed(&app, &lead).await;
    let mut third = app.visitor_socket().await;
    let subscribe = ClientFrame::Subscribe {
        conv_id: lead.conv_id.clone(),
        token: Some(lead.visitor_token.clone()),
        after_seq: 0,
    };
    third.send(&subscribe).await;
    match third.next().await {
        ServerFrame::Error { code, conv_id, .. } => {
            assert_eq!(code, "too_many_sockets");
            assert_eq!(conv_id.as_ref(), Some(&lead.conv_id));
        }
        other => panic!("expected too_many_sockets, got {other:?}"),
    }
    // Another visitor is not affected.
    let other = app.create_lead("Bo", None).await;
    third
        .subscribe(&other.conv_id, Some(&other.visitor_token), 0)
        .await;
    // A tab that closes gives its place back.
    let mut first = first;
    first.stream.close(None).await.unwrap();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        third.send(&subscribe).await;
        match third.next().await {
            ServerFrame::Subscribed { .. } => break,
            ServerFrame::Error { code, .. } if code == "too_many_sockets" => {
                assert!(tokio::time::Instant::now() < deadline, "the slot came back");
                tokio::time::sleep(Duration::from_millis(50)).await;
            }
            other => panic!("expected subscribed, got {other:?}"),
        }
    }
}

#[tokio::test]
async fn subscriptions_are_rate_limited_per_visitor_over_all_sockets() {
    let app = spawn_app_with(|s| s.limits.rate_subscribes = per_minute(3)).await;
    let lead = app.create_lead("Ana", None).await;
    let mut one = app.visitor_socket().await;
    for _ in 0..3 {
        one.subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
            .await;
    }
    let mut two = app.visitor_socket().await;
    two.send(&ClientFrame::Subscribe {
        conv_id: lead.conv_id.clone(),
        token: Some(lead.visitor_token.clone()),
        after_seq: 0,
    })
    .await;
    match two.next().await {
        ServerFrame::Error { code, .. } => assert_eq!(code, "rate_limited"),
        other => panic!("expected rate_limited, got {other:?}"),
    }
}

/// Reads `subscribed`, then messages until `more` (its `after_seq`) or quiet (`None`).
async fn replay_page(
    socket: &mut Socket,
    conv_id: &ConvId,
    after_seq: u64,
) -> (Vec<u64>, Option<u64>) {
    socket
        .send(&ClientFrame::Subscribe {
            conv_id: conv_id.clone(),
            token: None,
            after_seq,
        })
        .await;
    assert!(matches!(
        socket.next().await,
        ServerFrame::Subscribed { .. }
    ));
    let mut seqs = Vec::new();
    while let Some(frame) = socket.next_within(Duration::from_millis(500)).await {
        match frame {
            ServerFrame::Message { message } => seqs.push(message.seq),
            ServerFrame::More { after_seq, .. } => return (seqs, Some(after_seq)),
            other => panic!("expected a replayed message, got {other:?}"),
        }
    }
    (seqs, None)
}

#[tokio::test]
async fn a_replay_sends_one_page_and_the_client_asks_for_the_next() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    for i in 0..230 {
        let r = app
            .post_message(&lead.conv_id, &lead.visitor_token, "m", &format!("k{i}"))
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let staff_token = app.staff_token().await;
    let mut socket = app.staff_socket(&staff_token).await;
    let (page, more) = replay_page(&mut socket, &lead.conv_id, 0).await;
    assert_eq!(page, (1..=200).collect::<Vec<_>>());
    assert_eq!(more, Some(200));
    // While paused, a new message waits for the next page rather than jumping the queue.
    app.reply_ok(&lead.conv_id, &staff_token, "new").await;
    let (page, more) = replay_page(&mut socket, &lead.conv_id, 200).await;
    assert_eq!(page, (201..=231).collect::<Vec<_>>());
    assert_eq!(more, None);
    // Live again: the next message comes at once.
    app.reply_ok(&lead.conv_id, &staff_token, "newer").await;
    assert_eq!(socket.next_message().await.seq, 232);
}

#[tokio::test]
async fn a_visitor_token_unused_for_long_stops_working_and_use_keeps_it_alive() {
    let app = spawn_app_with(|s| s.visitor_token_days = 90).await;
    let (stale, alive) = (
        app.create_lead("Old", None).await,
        app.create_lead("Regular", None).await,
    );
    let at = |days: i64| now_ms() - days * DAY_MS;
    app.sql(&format!(
        "UPDATE visitors SET last_seen_at = {} WHERE id = '{}'",
        at(91),
        stale.visitor_id
    ))
    .await;
    app.sql(&format!(
        "UPDATE visitors SET last_seen_at = {} WHERE id = '{}'",
        at(89),
        alive.visitor_id
    ))
    .await;
    let history = |lead: &LeadCreated| {
        app.client
            .get(app.url(&format!("/conversations/{}/messages", lead.conv_id)))
            .bearer_auth(&lead.visitor_token)
            .send()
    };
    assert_error(history(&stale).await.unwrap(), StatusCode::UNAUTHORIZED).await;
    assert_eq!(history(&alive).await.unwrap().status(), StatusCode::OK);
    let seen = app
        .sql_i64(&format!(
            "SELECT last_seen_at FROM visitors WHERE id = '{}'",
            alive.visitor_id
        ))
        .await;
    assert!(seen > at(1), "using the token marked the visitor seen");
}

#[tokio::test]
async fn leads_that_never_wrote_are_deleted_after_a_while_and_real_ones_kept() {
    let app = spawn_app().await;
    let silent_old = app.create_lead("Silent", None).await;
    let talked_old = app.create_lead("Talked", Some("I need a quote")).await;
    let silent_new = app.create_lead("Just arrived", None).await;
    let long_ago = now_ms() - 31 * DAY_MS;
    for lead in [&silent_old, &talked_old] {
        app.sql(&format!(
            "UPDATE visitors SET last_seen_at = {long_ago} WHERE id = '{}'",
            lead.visitor_id
        ))
        .await;
    }
    let deleted = app
        .store
        .delete_abandoned_leads(now_ms() - 30 * DAY_MS)
        .await
        .unwrap();
    assert_eq!(deleted, 1);
    for (lead, left) in [(&silent_old, 0), (&talked_old, 1), (&silent_new, 1)] {
        let sql = format!(
            "SELECT COUNT(*) FROM conversations WHERE visitor_id = '{}'",
            lead.visitor_id
        );
        assert_eq!(
            app.sql_i64(&sql).await,
            left,
            "conversations of {}",
            lead.visitor_id
        );
    }
    let staff = app.staff_token().await;
    let r = app
        .client
        .get(app.url(&format!("/conversations/{}", silent_old.conv_id)))
        .bearer_auth(&staff)
        .send()
        .await
        .unwrap();
    assert_error(r, StatusCode::NOT_FOUND).await;
}
