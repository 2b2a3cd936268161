//! The visitor → staff → visitor round trip over HTTP.

use crate::helpers::spawn_app;
use natter_protocol::{Direction, MessageEnvelope, SenderKind};
use reqwest::StatusCode;

#[tokio::test]
async fn a_lead_then_three_messages_are_all_created() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("Hello")).await;
    assert_eq!(lead.messages.len(), 1);
    assert_eq!(lead.messages[0].seq, 1);
    for (i, text) in ["second", "third", "fourth"].iter().enumerate() {
        let response = app
            .post_message(&lead.conv_id, &lead.visitor_token, text, &format!("k{i}"))
            .await;
        // The old system answered 400 from the second message on.
        assert_eq!(response.status(), StatusCode::CREATED, "message {text}");
        let message = response.json::<MessageEnvelope>().await.unwrap().message;
        assert_eq!(message.seq, i as u64 + 2);
        assert_eq!(
            message.conv_id, lead.conv_id,
            "one id for the conversation, everywhere"
        );
        assert_eq!(message.direction, Direction::In);
        assert_eq!(message.sender.kind, SenderKind::Visitor);
        assert_eq!(message.sender.id, lead.visitor_id);
    }
    let history = app.history(&lead.conv_id, &lead.visitor_token, 0).await;
    let seqs: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, vec![1, 2, 3, 4]);
    assert_eq!(history.last_seq, 4);
}

#[tokio::test]
async fn a_lead_without_a_message_starts_an_empty_conversation() {
    let app = spawn_app().await;
    let lead = app.create_lead("Bo", None).await;
    assert!(lead.messages.is_empty());
    let response = app
        .post_message(&lead.conv_id, &lead.visitor_token, "first", "k1")
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    assert_eq!(
        response
            .json::<MessageEnvelope>()
            .await
            .unwrap()
            .message
            .seq,
        1
    );
}

#[tokio::test]
async fn a_staff_reply_is_stored_as_out_from_the_staff_member_and_stays_so_after_reload() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("Hi, my order?")).await;
    let login = app.login("demo@example.com", "demo").await;
    let reply = app
        .reply_ok(&lead.conv_id, &login.token, "It ships today")
        .await;
    assert_eq!(reply.direction, Direction::Out);
    assert_eq!(reply.sender.kind, SenderKind::Staff);
    assert_eq!(reply.sender.id, login.staff.id);
    assert_eq!(reply.sender.name, "Demo Agent");

    // A "reload": fresh reads, by each side.
    for token in [&lead.visitor_token, &login.token] {
        let history = app.history(&lead.conv_id, token, 0).await;
        let sides: Vec<(Direction, SenderKind, &str)> = history
            .messages
            .iter()
            .map(|m| (m.direction, m.sender.kind, m.sender.id.as_str()))
            .collect();
        assert_eq!(
            sides,
            vec![
                (Direction::In, SenderKind::Visitor, lead.visitor_id.as_str()),
                (Direction::Out, SenderKind::Staff, login.staff.id.as_str()),
            ]
        );
    }
}

#[tokio::test]
async fn the_reply_sender_ignores_anything_the_body_claims() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let token = app.staff_token().await;
    let body = serde_json::json!({
        "text": "hello", "client_msg_id": "spoof-1",
        "sender": { "kind": "visitor", "id": lead.visitor_id, "name": "Ana" }, "direction": "in"
    });
    let response = app
        .client
        .post(app.url(&format!("/conversations/{}/replies", lead.conv_id)))
        .bearer_auth(&token)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let message = response.json::<MessageEnvelope>().await.unwrap().message;
    assert_eq!(message.direction, Direction::Out);
    assert_eq!(message.sender.kind, SenderKind::Staff);
    assert_ne!(message.sender.id, lead.visitor_id);
}

#[tokio::test]
async fn history_pages_forward_and_backward() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    for i in 0..10 {
        let r = app
            .post_message(
                &lead.conv_id,
                &lead.visitor_token,
                &format!("m{i}"),
                &format!("k{i}"),
            )
            .await;
        assert_eq!(r.status(), StatusCode::CREATED);
    }
    let get = |query: String| {
        let app = &app;
        let token = lead.visitor_token.clone();
        let url = app.url(&format!("/conversations/{}/messages?{query}", lead.conv_id));
        async move {
            let r = app.client.get(url).bearer_auth(token).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK);
            r.json::<natter_protocol::MessageList>().await.unwrap()
        }
    };
    let page = get("after_seq=3&limit=4".into()).await;
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![4, 5, 6, 7]
    );
    assert_eq!(page.last_seq, 10);
    let page = get("before_seq=10&limit=3".into()).await;
    assert_eq!(
        page.messages.iter().map(|m| m.seq).collect::<Vec<_>>(),
        vec![7, 8, 9]
    );
}

#[tokio::test]
async fn read_positions_are_kept_per_side() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("one")).await;
    app.post_message(&lead.conv_id, &lead.visitor_token, "two", "k2")
        .await;
    let token = app.staff_token().await;
    let read = |token: String, seq: u64| {
        let url = app.url(&format!("/conversations/{}/read", lead.conv_id));
        let client = app.client.clone();
        async move {
            client
                .post(url)
                .bearer_auth(token)
                .json(&serde_json::json!({ "seq": seq }))
                .send()
                .await
                .unwrap()
        }
    };
    assert_eq!(
        read(token.clone(), 1).await.status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        read(lead.visitor_token.clone(), 99).await.status(),
        StatusCode::NO_CONTENT
    );
    let detail: natter_protocol::ConversationDetail = app
        .client
        .get(app.url(&format!("/conversations/{}", lead.conv_id)))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(detail.staff_read_seq, 1);
    assert_eq!(detail.visitor_read_seq, 2, "clamped to the last message");
    assert_eq!(detail.summary.unread_count, 1);
}
