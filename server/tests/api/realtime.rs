//! The sockets: delivery the moment a message is committed, subscription
//! switching on one socket, resume by `after_seq` with nothing lost or doubled,
//! isolation of slow clients, and robustness against bad frames.

use crate::helpers::{Socket, TestApp, spawn_app, spawn_app_with};
use natter_protocol::{ClientFrame, Direction, LeadCreated, ServerFrame, Side, close_code};
use reqwest::StatusCode;
use std::time::{Duration, Instant};
use tokio_tungstenite::tungstenite::Message as WsMessage;

const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn a_staff_reply_reaches_the_visitor_socket_and_the_staff_socket_at_once() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("hello")).await;
    let token = app.staff_token().await;
    let mut visitor = app.visitor_socket().await;
    let (last_seq, replayed) = visitor
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;
    assert_eq!((last_seq, replayed.len()), (1, 1));
    let mut staff = app.staff_socket(&token).await;

    let started = Instant::now();
    let reply = app.reply_ok(&lead.conv_id, &token, "hi Ana").await;
    let to_visitor = visitor.next_message().await;
    let to_staff = staff.next_message().await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "took {:?}",
        started.elapsed()
    );
    assert_eq!(to_visitor, reply);
    assert_eq!(to_staff, reply);
    assert_eq!(to_visitor.direction, Direction::Out);

    // And the other way: a visitor message reaches staff.
    let response = app
        .post_message(&lead.conv_id, &lead.visitor_token, "thanks", "k2")
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let seen = staff.next_message().await;
    assert_eq!((seen.seq, seen.direction), (3, Direction::In));
    // The visitor's own socket gets its message too (it converges other tabs).
    assert_eq!(visitor.next_message().await.seq, 3);
}

#[tokio::test]
async fn visitor_sockets_hear_staff_come_online_and_go_away() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let mut visitor = app.visitor_socket().await;
    let wait = Duration::from_secs(5);
    let first = app.staff_socket(&token).await;
    assert_eq!(visitor.next_presence(wait).await, Some(true));
    // A second staff socket changes nothing; closing one of two neither.
    let second = app.staff_socket(&token).await;
    drop(first);
    assert_eq!(visitor.next_presence(QUIET).await, None);
    drop(second);
    assert_eq!(visitor.next_presence(wait).await, Some(false));
    // A visitor of another organization hears nothing of this one's staff.
    let other = app.other_org("presence-elsewhere").await;
    let _staff = app.staff_socket(&other).await;
    assert_eq!(visitor.next_presence(QUIET).await, None);
}

#[tokio::test]
async fn switching_conversations_happens_on_the_same_socket() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let a = app.create_lead("Ana", None).await;
    // The same visitor may start a second conversation; here it is another lead.
    let b = app.create_lead("Ana again", None).await;
    let mut socket = app.visitor_socket().await;
    socket
        .subscribe(&a.conv_id, Some(&a.visitor_token), 0)
        .await;
    app.reply_ok(&a.conv_id, &token, "to A").await;
    assert_eq!(socket.next_message().await.text, "to A");

    socket
        .send(&ClientFrame::Unsubscribe {
            conv_id: a.conv_id.clone(),
        })
        .await;
    assert_eq!(
        socket.next().await,
        ServerFrame::Unsubscribed {
            conv_id: a.conv_id.clone()
        }
    );
    socket
        .subscribe(&b.conv_id, Some(&b.visitor_token), 0)
        .await;

    app.reply_ok(&a.conv_id, &token, "to A again").await;
    app.reply_ok(&b.conv_id, &token, "to B").await;
    let got = socket.next_message().await;
    assert_eq!(
        (got.conv_id, got.text.as_str()),
        (b.conv_id.clone(), "to B")
    );
    assert!(
        socket.next_within(QUIET).await.is_none(),
        "nothing more, in particular nothing from A"
    );
    // The socket was never closed: it still answers.
    socket.send(&ClientFrame::Ping).await;
    assert_eq!(socket.next().await, ServerFrame::Pong);
}

#[tokio::test]
async fn resubscribing_with_after_seq_yields_exactly_the_missed_messages() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let mut socket = app.visitor_socket().await;
    let (last_seq, _) = socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;
    drop(socket);

    let mut sent = Vec::new();
    for text in ["one", "two", "three"] {
        sent.push(app.reply_ok(&lead.conv_id, &token, text).await);
    }
    let mut socket = app.visitor_socket().await;
    let (now_last, replayed) = socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), last_seq)
        .await;
    assert_eq!(now_last, 4);
    assert_eq!(replayed, sent, "exactly the three, in order");
    assert!(
        socket.next_within(QUIET).await.is_none(),
        "no duplicates after the replay"
    );
    // Live messages follow the replay with no gap.
    app.reply_ok(&lead.conv_id, &token, "live").await;
    assert_eq!(socket.next_message().await.seq, 5);
}

#[tokio::test]
async fn resume_works_across_a_server_restart() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let mut socket = app.visitor_socket().await;
    socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;
    app.reply_ok(&lead.conv_id, &token, "before restart").await;
    let seen = socket.next_message().await.seq;

    let app = app.restart().await;
    // The old socket was told to reconnect.
    let close = socket.closed(Duration::from_secs(5)).await;
    assert_eq!(
        close.map(|c| u16::from(c.code)),
        Some(close_code::GOING_AWAY)
    );
    let mut sent = Vec::new();
    for text in ["a", "b", "c"] {
        sent.push(app.reply_ok(&lead.conv_id, &token, text).await);
    }
    let mut socket = app.visitor_socket().await;
    let (_, replayed) = socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), seen)
        .await;
    assert_eq!(replayed, sent);
    assert!(socket.next_within(QUIET).await.is_none());
}

#[tokio::test]
async fn staff_sockets_resume_per_conversation_and_resync_the_list() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let lead = app.create_lead("Ana", Some("one")).await;
    app.post_message(&lead.conv_id, &lead.visitor_token, "two", "k2")
        .await;
    let mut staff = app.staff_socket(&token).await;
    let (last, replayed) = staff.subscribe(&lead.conv_id, None, 1).await;
    assert_eq!(
        (last, replayed.len(), replayed[0].text.as_str()),
        (2, 1, "two")
    );
    staff.send(&ClientFrame::Resync { status: None }).await;
    match staff.next().await {
        ServerFrame::Conversations { conversations } => {
            assert_eq!(conversations.len(), 1);
            assert_eq!(conversations[0].unread_count, 2);
        }
        other => panic!("expected conversations, got {other:?}"),
    }
    // A new conversation is announced to staff.
    let other = app.create_lead("Bo", Some("new here")).await;
    match staff.next().await {
        ServerFrame::ConversationCreated { conversation } => {
            assert_eq!(conversation.conv_id, other.conv_id)
        }
        other => panic!("expected conversation_created, got {other:?}"),
    }
    assert_eq!(staff.next_message().await.text, "new here");
}

/// Ana's conversation with her socket and a staff socket both subscribed to it.
async fn both_sides() -> (TestApp, LeadCreated, Socket, Socket) {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let mut visitor = app.visitor_socket().await;
    visitor
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;
    let mut staff = app.staff_socket(&token).await;
    staff.subscribe(&lead.conv_id, None, 1).await;
    (app, lead, visitor, staff)
}

#[tokio::test]
async fn typing_and_read_reach_the_other_side_only() {
    let (_app, lead, mut visitor, mut staff) = both_sides().await;

    visitor
        .send(&ClientFrame::Typing {
            conv_id: lead.conv_id.clone(),
            typing: true,
        })
        .await;
    match staff.next().await {
        ServerFrame::Typing {
            side, typing, name, ..
        } => {
            assert_eq!(
                (side, typing, name.as_deref()),
                (Side::Visitor, true, Some("Ana"))
            );
        }
        other => panic!("expected typing, got {other:?}"),
    }
    staff
        .send(&ClientFrame::Typing {
            conv_id: lead.conv_id.clone(),
            typing: true,
        })
        .await;
    match visitor.next().await {
        ServerFrame::Typing { side, name, .. } => {
            assert_eq!((side, name.as_deref()), (Side::Staff, Some("Demo Agent")))
        }
        other => panic!("expected typing, got {other:?}"),
    }
    assert!(
        staff.next_within(QUIET).await.is_none(),
        "staff do not hear their own typing"
    );
    staff
        .send(&ClientFrame::Read {
            conv_id: lead.conv_id.clone(),
            seq: 1,
        })
        .await;
    assert_eq!(
        visitor.next().await,
        ServerFrame::Read {
            conv_id: lead.conv_id.clone(),
            side: Side::Staff,
            seq: 1
        }
    );
}

#[tokio::test]
async fn typing_is_coalesced_and_repeated_reads_are_dropped() {
    let (_app, lead, mut visitor, mut staff) = both_sides().await;
    let typing = |typing| ClientFrame::Typing {
        conv_id: lead.conv_id.clone(),
        typing,
    };
    // A burst of keystrokes, then "stopped" twice: staff hear "typing" once, "stopped" once.
    for _ in 0..20 {
        visitor.send(&typing(true)).await;
    }
    visitor.send(&typing(false)).await;
    visitor.send(&typing(false)).await;
    let mut heard = Vec::new();
    while let Some(frame) = staff.next_within(QUIET).await {
        if let ServerFrame::Typing { typing, .. } = frame {
            heard.push(typing);
        }
    }
    assert_eq!(heard, [true, false]);

    // The same read position twice is one write and one frame.
    for _ in 0..3 {
        staff
            .send(&ClientFrame::Read {
                conv_id: lead.conv_id.clone(),
                seq: 1,
            })
            .await;
    }
    let mut reads = 0;
    while let Some(frame) = visitor.next_within(QUIET).await {
        if matches!(frame, ServerFrame::Read { .. }) {
            reads += 1;
        }
    }
    assert_eq!(reads, 1);
}

#[tokio::test]
async fn origins_tokens_and_bad_frames() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("private")).await;
    let other = app.create_lead("Bo", Some("Bo's secret")).await;

    // A page on an origin the account does not allow cannot even upgrade.
    match app.visitor_socket_from("https://evil.example").await {
        Err(tokio_tungstenite::tungstenite::Error::Http(response)) => {
            assert_eq!(response.status(), 403)
        }
        other => panic!("expected 403, got {:?}", other.map(|_| ())),
    }

    let mut socket = app.visitor_socket().await;
    // A bad token: an error frame for that subscription, and the socket stays up.
    socket
        .send(&ClientFrame::Subscribe {
            conv_id: lead.conv_id.clone(),
            token: Some("nv_bad".into()),
            after_seq: 0,
        })
        .await;
    assert!(
        matches!(socket.next().await, ServerFrame::Error { code, conv_id: Some(_), .. } if code == "unauthorized")
    );
    // Someone else's conversation with one's own token: refused, nothing leaked.
    let frame = ClientFrame::Subscribe {
        conv_id: other.conv_id.clone(),
        token: Some(lead.visitor_token.clone()),
        after_seq: 0,
    };
    socket.send(&frame).await;
    match socket.next().await {
        ServerFrame::Error { code, .. } => assert_eq!(code, "not_found"),
        frame => panic!("expected an error, got {frame:?}"),
    }
    assert!(
        socket.next_within(QUIET).await.is_none(),
        "no message of Bo's"
    );
    // Malformed frames get error frames.
    socket.send_raw(WsMessage::text("{not json")).await;
    assert!(matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "bad_frame"));
    socket
        .send_raw(WsMessage::text(r#"{"type":"launch_missiles"}"#))
        .await;
    assert!(matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "bad_frame"));
    socket.send_raw(WsMessage::binary(vec![1, 2, 3])).await;
    assert!(matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "bad_frame"));
    // Still usable.
    let (_, replayed) = socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;
    assert_eq!(replayed[0].text, "private");

    // An oversized frame closes that socket with a policy code; the server carries on.
    socket.send_raw(WsMessage::text("x".repeat(100_000))).await;
    let close = socket.closed(Duration::from_secs(5)).await;
    assert!(
        close.is_none_or(|c| u16::from(c.code) == close_code::POLICY || u16::from(c.code) == 1009)
    );
    let health = app
        .client
        .get(format!("{}/healthz", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), StatusCode::OK);
}

#[tokio::test]
async fn a_staff_socket_must_authenticate_first() {
    let app = spawn_app().await;
    let request = format!("{}/ws/staff", app.ws_base);
    let (stream, _) = tokio_tungstenite::connect_async(request.clone())
        .await
        .unwrap();
    let mut socket = Socket { stream };
    socket
        .send(&ClientFrame::Auth {
            token: "ns_wrong".into(),
        })
        .await;
    assert!(
        matches!(socket.next().await, ServerFrame::Error { code, .. } if code == "unauthorized")
    );
    let close = socket
        .closed(Duration::from_secs(5))
        .await
        .expect("a close frame");
    assert_eq!(u16::from(close.code), close_code::UNAUTHORIZED);

    let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    let mut socket = Socket { stream };
    socket.send(&ClientFrame::Ping).await;
    let close = socket
        .closed(Duration::from_secs(5))
        .await
        .expect("a close frame");
    assert_eq!(u16::from(close.code), close_code::UNAUTHORIZED);
}

#[tokio::test]
async fn a_client_that_never_reads_is_cut_off_and_delays_nobody() {
    let app = spawn_app_with(|s| s.ws_queue = 16).await;
    let token = app.staff_token().await;
    let chat = app.create_lead("Ana", None).await;
    let flood = app.create_lead("Bo", None).await;

    // The stalled client: a staff socket (it hears the whole organization) with a
    // tiny receive buffer, which authenticates and then never reads again.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let tcp = socket
        .connect(app.base.trim_start_matches("http://").parse().unwrap())
        .await
        .unwrap();
    let tcp = tokio_tungstenite::MaybeTlsStream::Plain(tcp);
    let (stream, _) = tokio_tungstenite::client_async(format!("{}/ws/staff", app.ws_base), tcp)
        .await
        .unwrap();
    let mut stalled = Socket { stream };
    stalled
        .send(&ClientFrame::Auth {
            token: token.clone(),
        })
        .await;
    assert!(matches!(
        stalled.next().await,
        ServerFrame::Authenticated { .. }
    ));

    let mut readers = Vec::new();
    for _ in 0..100 {
        let mut s = app.visitor_socket().await;
        s.subscribe(&chat.conv_id, Some(&chat.visitor_token), 0)
            .await;
        readers.push(s);
    }
    // More than the kernel will buffer for the stalled socket (send buffers grow to 4 MiB).
    let big = "x".repeat(4000);
    let keys: Vec<String> = (0..1500).map(|i| format!("f{i}")).collect();
    for chunk in keys.chunks(50) {
        let posts = chunk
            .iter()
            .map(|k| app.reply(&flood.conv_id, &token, &big, k));
        assert!(
            futures_util::future::join_all(posts)
                .await
                .iter()
                .all(|r| r.status() == StatusCode::CREATED)
        );
    }
    // It was cut off with the overflow code, which it reads after what it had buffered.
    let cut_off = tokio::spawn(async move { stalled.closed(Duration::from_secs(30)).await });
    // The organization's other sockets still get the chat at once.
    let sent = app.reply_ok(&chat.conv_id, &token, "still here?").await;
    for reader in &mut readers {
        assert_eq!(reader.next_message().await, sent);
    }
    let close = cut_off.await.unwrap();
    assert_eq!(
        close.map(|c| u16::from(c.code)),
        Some(close_code::QUEUE_OVERFLOW)
    );
}

#[tokio::test]
async fn a_thousand_sockets_each_get_their_own_reply_and_nobody_elses() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let mut pairs = Vec::new();
    for i in 0..1000 {
        let lead = app.create_lead(&format!("Visitor {i}"), None).await;
        let mut socket = app.visitor_socket().await;
        socket
            .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
            .await;
        pairs.push((lead, socket));
    }
    let texts: Vec<String> = pairs
        .iter()
        .map(|(lead, _)| format!("for {}", lead.conv_id))
        .collect();
    let replies = pairs
        .iter()
        .zip(&texts)
        .map(|((lead, _), text)| app.reply_ok(&lead.conv_id, &token, text));
    futures_util::future::join_all(replies).await;
    let checks = pairs.into_iter().map(|(lead, mut socket)| async move {
        let message = socket.next_message().await;
        assert_eq!(message.conv_id, lead.conv_id);
        assert_eq!(message.text, format!("for {}", lead.conv_id));
        assert!(
            socket
                .next_within(Duration::from_millis(50))
                .await
                .is_none(),
            "nobody else's reply"
        );
    });
    futures_util::future::join_all(checks).await;
}
