//! A retried message, however it is retried, is stored once.

use crate::helpers::{assert_error, spawn_app};
use natter_protocol::MessageEnvelope;
use reqwest::StatusCode;

#[tokio::test]
async fn a_retry_with_the_same_client_msg_id_returns_the_original() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let first = app
        .post_message(&lead.conv_id, &lead.visitor_token, "hello", "k-1")
        .await;
    assert_eq!(first.status(), StatusCode::CREATED);
    let first = first.json::<MessageEnvelope>().await.unwrap().message;
    let again = app
        .post_message(&lead.conv_id, &lead.visitor_token, "hello", "k-1")
        .await;
    assert_eq!(again.status(), StatusCode::OK);
    assert_eq!(
        again.json::<MessageEnvelope>().await.unwrap().message,
        first
    );

    let conflict = app
        .post_message(&lead.conv_id, &lead.visitor_token, "something else", "k-1")
        .await;
    assert_eq!(
        assert_error(conflict, StatusCode::CONFLICT).await,
        "client_msg_id_conflict"
    );

    // The next new message follows with no gap left by the retries.
    let next = app
        .post_message(&lead.conv_id, &lead.visitor_token, "next", "k-2")
        .await;
    assert_eq!(next.json::<MessageEnvelope>().await.unwrap().message.seq, 2);
    assert_eq!(
        app.history(&lead.conv_id, &lead.visitor_token, 0)
            .await
            .messages
            .len(),
        2
    );
}

#[tokio::test]
async fn concurrent_retries_store_one_message() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let attempts =
        (0..12).map(|_| app.post_message(&lead.conv_id, &lead.visitor_token, "once", "same-key"));
    let responses = futures_util::future::join_all(attempts).await;
    let mut created = 0;
    let mut ids = Vec::new();
    for response in responses {
        match response.status() {
            StatusCode::CREATED => created += 1,
            StatusCode::OK => {}
            other => panic!("unexpected status {other}"),
        }
        ids.push(response.json::<MessageEnvelope>().await.unwrap().message.id);
    }
    assert_eq!(created, 1, "exactly one attempt creates the message");
    ids.dedup();
    assert_eq!(ids.len(), 1, "every attempt sees the same message");
    let history = app.history(&lead.conv_id, &lead.visitor_token, 0).await;
    assert_eq!(history.messages.len(), 1);
    assert_eq!(history.last_seq, 1);
}

#[tokio::test]
async fn staff_replies_are_idempotent_too() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let token = app.staff_token().await;
    assert_eq!(
        app.reply(&lead.conv_id, &token, "on it", "r-1")
            .await
            .status(),
        StatusCode::CREATED
    );
    assert_eq!(
        app.reply(&lead.conv_id, &token, "on it", "r-1")
            .await
            .status(),
        StatusCode::OK
    );
    // The visitor cannot claim the staff member's key.
    let clash = app
        .post_message(&lead.conv_id, &lead.visitor_token, "on it", "r-1")
        .await;
    assert_eq!(clash.status(), StatusCode::CONFLICT);
    assert_eq!(
        app.history(&lead.conv_id, &token, 0).await.messages.len(),
        2
    );
}

#[tokio::test]
async fn concurrent_distinct_messages_get_gap_free_seqs() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let token = app.staff_token().await;
    let visitor_keys: Vec<String> = (0..10).map(|i| format!("v{i}")).collect();
    let staff_keys: Vec<String> = (0..10).map(|i| format!("s{i}")).collect();
    let visitor = visitor_keys
        .iter()
        .map(|k| app.post_message(&lead.conv_id, &lead.visitor_token, "v", k));
    let staff = staff_keys
        .iter()
        .map(|k| app.reply(&lead.conv_id, &token, "s", k));
    let (a, b) = tokio::join!(
        futures_util::future::join_all(visitor),
        futures_util::future::join_all(staff)
    );
    assert!(
        a.iter()
            .chain(b.iter())
            .all(|r| r.status() == StatusCode::CREATED)
    );
    let seqs: Vec<u64> = app
        .history(&lead.conv_id, &token, 0)
        .await
        .messages
        .iter()
        .map(|m| m.seq)
        .collect();
    assert_eq!(seqs, (1..=20).collect::<Vec<_>>());
}
