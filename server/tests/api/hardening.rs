//! What an attacker tried and got through once (issue 15), each closed: sessions
//! that outlived their sign-out, slow and idle connections, locking a staff member
//! out from elsewhere, oversized limiter keys, page URLs that carried secrets,
//! unauthenticated sockets that lived too long, pings outside the frame budget,
//! `/metrics` and the staff API open to any page.

use crate::helpers::{assert_error, client_from, spawn_app_with};
use crate::scale_out::two_instances;
use futures_util::SinkExt;
use natter_protocol::close_code;
use natter_server::limits::Quota;
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

#[tokio::test]
async fn signing_out_closes_the_sessions_sockets_at_once() {
    let app = spawn_app_with(|_| {}).await;
    let token = app.staff_token().await;
    let other = app.staff_token().await;
    let mut signed_out = app.staff_socket(&token).await;
    let mut still_in = app.staff_socket(&other).await;
    app.logout(&token).await;
    let started = Instant::now();
    let frame = signed_out.closed(Duration::from_secs(2)).await;
    assert_eq!(
        frame.map(|f| u16::from(f.code)),
        Some(close_code::UNAUTHORIZED)
    );
    assert!(started.elapsed() < Duration::from_secs(1));
    // Another session's socket goes on hearing the organization.
    let lead = app.create_lead("Ana", Some("still heard")).await;
    loop {
        if let natter_protocol::ServerFrame::ConversationCreated { conversation } =
            still_in.next().await
        {
            assert_eq!(conversation.conv_id, lead.conv_id);
            break;
        }
    }
}

#[tokio::test]
async fn signing_out_on_one_instance_closes_sockets_on_the_other() {
    let Some((a, b)) = two_instances("logout_cross_instances", None).await else {
        return;
    };
    let token = a.staff_token().await;
    let mut on_b = b.staff_socket(&token).await;
    a.logout(&token).await;
    let frame = on_b.closed(Duration::from_secs(1)).await;
    assert_eq!(
        frame.map(|f| u16::from(f.code)),
        Some(close_code::UNAUTHORIZED)
    );
}

#[tokio::test]
async fn a_staff_socket_closes_when_its_session_expires() {
    let app = spawn_app_with(|_| {}).await;
    let staff = app.login("demo@example.com", "demo").await.staff;
    // A session that ends a moment from now.
    let token = natter_server::auth::new_staff_token();
    let soon = natter_server::store::now_ms() + 1_000;
    app.store
        .create_session(&natter_server::auth::token_digest(&token), &staff.id, soon)
        .await
        .unwrap();
    let mut socket = app.staff_socket(&token).await;
    let frame = socket.closed(Duration::from_secs(3)).await;
    assert_eq!(
        frame.map(|f| u16::from(f.code)),
        Some(close_code::UNAUTHORIZED)
    );
    // And the expired session is swept from the database.
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(app.store.delete_expired_sessions().await.unwrap(), 1);
}

#[tokio::test]
async fn an_unauthenticated_staff_socket_is_closed_after_ten_seconds() {
    let app = spawn_app_with(|_| {}).await;
    let (stream, _) = tokio_tungstenite::connect_async(format!("{}/ws/staff", app.ws_base))
        .await
        .unwrap();
    let mut socket = crate::helpers::Socket { stream };
    let started = Instant::now();
    let frame = socket.closed(Duration::from_secs(13)).await;
    let took = started.elapsed();
    assert_eq!(
        frame.map(|f| u16::from(f.code)),
        Some(close_code::UNAUTHORIZED)
    );
    assert!(
        (Duration::from_secs(9)..Duration::from_secs(12)).contains(&took),
        "closed after {took:?}"
    );
}

#[tokio::test]
async fn pings_count_against_the_frame_budget() {
    let app = spawn_app_with(|s| {
        s.limits.rate_frames = Quota {
            count: 20,
            per: Duration::from_secs(60),
        }
    })
    .await;
    let mut socket = app.visitor_socket().await;
    // Four times the budget closes the socket, whatever the frames are.
    for _ in 0..100 {
        if socket
            .stream
            .send(WsMessage::Ping(Default::default()))
            .await
            .is_err()
        {
            break;
        }
    }
    let frame = socket.closed(Duration::from_secs(5)).await;
    assert_eq!(frame.map(|f| u16::from(f.code)), Some(close_code::POLICY));
}

/// Reads until the server closes the connection; how long that took.
async fn until_closed(mut tcp: TcpStream, within: Duration) -> Duration {
    let started = Instant::now();
    let mut buf = [0u8; 1024];
    loop {
        match tokio::time::timeout(within.saturating_sub(started.elapsed()), tcp.read(&mut buf))
            .await
        {
            Err(_) => panic!("the server kept the connection open for {within:?}"),
            Ok(Ok(0) | Err(_)) => return started.elapsed(),
            Ok(Ok(_)) => {}
        }
    }
}

#[tokio::test]
async fn slow_headers_and_idle_connections_are_closed_and_connections_are_capped() {
    let app = spawn_app_with(|s| {
        s.limits.header_read_timeout_secs = 1;
        s.limits.idle_timeout_secs = 2;
        s.limits.max_connections_per_ip = 5;
    })
    .await;
    let addr = app.base.trim_start_matches("http://").to_owned();

    // Slowloris: headers that never end.
    let mut slow = TcpStream::connect(&addr).await.unwrap();
    slow.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let drip = tokio::spawn(async move {
        for _ in 0..10 {
            tokio::time::sleep(Duration::from_millis(300)).await;
            if slow.write_all(b"X-Drip: 1\r\n").await.is_err() {
                break;
            }
        }
        slow
    });
    // A silent one.
    let silent = TcpStream::connect(&addr).await.unwrap();
    // Closed by the header deadline (1 s), not the idle one (2 s).
    assert!(until_closed(silent, Duration::from_secs(4)).await < Duration::from_millis(1800));
    let slow = drip.await.unwrap();
    assert!(until_closed(slow, Duration::from_secs(2)).await < Duration::from_secs(2));

    // Idle keep-alive: one request answered, then nothing.
    let mut idle = TcpStream::connect(&addr).await.unwrap();
    idle.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let mut buf = [0u8; 512];
    let n = idle.read(&mut buf).await.unwrap();
    assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    assert!(until_closed(idle, Duration::from_secs(5)).await < Duration::from_secs(4));

    // Five connections from one address; the sixth is closed at once, another address is served.
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(TcpStream::connect(&addr).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    let sixth = TcpStream::connect(&addr).await.unwrap();
    assert!(until_closed(sixth, Duration::from_secs(1)).await < Duration::from_millis(500));
    let other = client_from([127, 0, 0, 9]);
    let ok = other
        .get(app.url("/healthz").replace("/api/v1", ""))
        .send()
        .await
        .unwrap();
    assert_eq!(ok.status(), StatusCode::OK);
    drop(held);
}

#[tokio::test]
async fn failed_sign_ins_elsewhere_never_lock_out_the_real_password() {
    let app = spawn_app_with(|s| {
        s.limits.rate_logins_per_email = Quota {
            count: 3,
            per: Duration::from_secs(3600),
        }
    })
    .await;
    let wrong = serde_json::json!({ "email": "demo@example.com", "password": "guess" });
    // Attackers on three addresses guess until they are backed off.
    for ip in [[127, 0, 0, 21], [127, 0, 0, 22], [127, 0, 0, 23]] {
        let attacker = client_from(ip);
        let mut statuses = Vec::new();
        for _ in 0..6 {
            let response = attacker
                .post(app.url("/auth/login"))
                .json(&wrong)
                .send()
                .await
                .unwrap();
            statuses.push(response.status());
        }
        assert_eq!(&statuses[..4], &[StatusCode::UNAUTHORIZED; 4], "{ip:?}");
        assert_eq!(
            statuses[4],
            StatusCode::TOO_MANY_REQUESTS,
            "{ip:?}: backed off"
        );
        // Even the right password waits out this address's backoff.
        let right = serde_json::json!({ "email": "demo@example.com", "password": "demo" });
        let response = attacker
            .post(app.url("/auth/login"))
            .json(&right)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::TOO_MANY_REQUESTS);
        assert!(response.headers().contains_key("retry-after"));
    }
    // The staff member, from their own address, signs in at once.
    let own = client_from([127, 0, 0, 24]);
    let response = own
        .post(app.url("/auth/login"))
        .json(&serde_json::json!({ "email": "demo@example.com", "password": "demo" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
}

#[tokio::test]
async fn an_oversized_email_is_refused_before_any_limiter_keeps_it() {
    let app = spawn_app_with(|s| {
        s.limits.rate_logins_per_email = Quota {
            count: 3,
            per: Duration::from_secs(3600),
        }
    })
    .await;
    let email = format!("{}@example.com", "a".repeat(1000));
    let response = app
        .client
        .post(app.url("/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": "guess" }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_email"
    );
}

#[tokio::test]
async fn page_urls_are_kept_without_query_or_fragment() {
    let app = spawn_app_with(|_| {}).await;
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .header("origin", crate::helpers::DEMO_ORIGIN)
        .json(&serde_json::json!({
            "name": "Ana",
            "page_url": "https://shop.example/checkout?session=s3cret#access_token=s3cret",
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let lead: natter_protocol::LeadCreated = response.json().await.unwrap();
    let token = app.staff_token().await;
    let conversation: serde_json::Value = app
        .get_json(&format!("/conversations/{}", lead.conv_id.0), &token)
        .await;
    let text = conversation.to_string();
    assert!(text.contains("https://shop.example/checkout"), "{text}");
    assert!(!text.contains("s3cret"), "{text}");
}

#[tokio::test]
async fn metrics_can_require_a_token() {
    let app = spawn_app_with(|s| s.metrics_token = Some("scrape-me".into())).await;
    let metrics = app.url("/metrics").replace("/api/v1", "");
    let response = app.client.get(&metrics).send().await.unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let wrong = app
        .client
        .get(&metrics)
        .bearer_auth("guess")
        .send()
        .await
        .unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let right = app
        .client
        .get(&metrics)
        .bearer_auth("scrape-me")
        .send()
        .await
        .unwrap();
    assert_eq!(right.status(), StatusCode::OK);
    assert!(right.text().await.unwrap().contains("natter_"));
}

#[tokio::test]
async fn the_staff_api_answers_only_the_inbox_origins_cross_origin() {
    let app = spawn_app_with(|s| s.staff_origins = vec!["https://inbox.example".into()]).await;
    let own = app.base.clone();
    let preflight = |origin: String, path: &'static str| {
        let request = app
            .client
            .request(reqwest::Method::OPTIONS, app.url(path))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header(
                "access-control-request-headers",
                "authorization,content-type",
            );
        async move {
            let response = request.send().await.unwrap();
            response
                .headers()
                .get("access-control-allow-origin")
                .map(|v| v.to_str().unwrap().to_owned())
        }
    };
    let cases = [
        ("https://evil.example", "/auth/login", None),
        ("https://evil.example", "/accounts", None),
        ("https://evil.example", "/conversations", None),
        (
            "https://inbox.example",
            "/auth/login",
            Some("https://inbox.example"),
        ),
        (own.as_str(), "/auth/login", Some(own.as_str())),
        // Visitors' routes still answer the customers' pages.
        (
            "https://evil.example",
            "/conversations/c/messages",
            Some("https://evil.example"),
        ),
    ];
    for (origin, path, expected) in cases {
        assert_eq!(
            preflight(origin.to_owned(), path).await.as_deref(),
            expected,
            "{origin} {path}"
        );
    }
}
