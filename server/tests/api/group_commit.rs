//! Concurrent appends share commits (the store's group-commit writer) without
//! giving up anything an append promises: gap-free seqs per conversation, each
//! message once, the author's side, idempotent retries and conflicts per message,
//! and a resolved conversation re-opened by its visitor's message.

use crate::helpers::{TestApp, spawn_app};
use futures_util::future::join_all;
use natter_protocol::{ConversationDetail, ConversationStatus, Direction, MessageEnvelope};
use reqwest::StatusCode;

const CONVERSATIONS: usize = 6;
const PER_SIDE: usize = 20;

/// Sums a counter of `/metrics` over its series.
pub(crate) async fn counter(app: &TestApp, name: &str) -> f64 {
    let body = app
        .client
        .get(format!("{}/metrics", app.base))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    body.lines()
        .filter(|l| l.starts_with(name))
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

#[tokio::test]
async fn concurrent_appends_keep_every_guarantee() {
    let app = spawn_app().await;
    let staff = app.staff_token().await;
    let mut leads = Vec::new();
    for i in 0..CONVERSATIONS {
        leads.push(
            app.create_lead(&format!("Visitor {i}"), Some("first"))
                .await,
        );
    }
    // One conversation is resolved: exactly one of its new visitor messages re-opens it.
    app.resolve(&staff, &leads[0].conv_id).await;
    // A retry of a stored message and a conflicting reuse of its key, mixed into the load.
    let stored = app
        .post_message(&leads[1].conv_id, &leads[1].visitor_token, "stored", "kept")
        .await;
    assert_eq!(stored.status(), StatusCode::CREATED);
    let stored = stored.json::<MessageEnvelope>().await.unwrap().message;

    let keys: Vec<(String, String)> = (0..PER_SIDE)
        .map(|n| (format!("v{n}"), format!("s{n}")))
        .collect();
    let mut messages = Vec::new();
    let mut replies = Vec::new();
    for lead in &leads {
        for (visitor_key, staff_key) in &keys {
            messages.push(app.post_message(&lead.conv_id, &lead.visitor_token, "v", visitor_key));
            replies.push(app.reply(&lead.conv_id, &staff, "s", staff_key));
        }
    }
    let (messages, replies, retry, conflict) = tokio::join!(
        join_all(messages),
        join_all(replies),
        app.post_message(&leads[1].conv_id, &leads[1].visitor_token, "stored", "kept"),
        app.post_message(&leads[1].conv_id, &leads[1].visitor_token, "other", "kept"),
    );
    for response in messages.into_iter().chain(replies) {
        assert_eq!(response.status(), StatusCode::CREATED);
    }
    assert_eq!(retry.status(), StatusCode::OK);
    assert_eq!(
        retry.json::<MessageEnvelope>().await.unwrap().message,
        stored
    );
    assert_eq!(conflict.status(), StatusCode::CONFLICT);

    for (i, lead) in leads.iter().enumerate() {
        let history = app.history(&lead.conv_id, &staff, 0).await;
        let extra = usize::from(i == 1);
        let expected = 1 + extra + 2 * PER_SIDE;
        let seqs: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
        assert_eq!(
            seqs,
            (1..=expected as u64).collect::<Vec<_>>(),
            "conversation {i}"
        );
        assert_eq!(history.last_seq, expected as u64);
        for m in &history.messages {
            let staff_side = m.client_msg_id.starts_with('s');
            assert_eq!(m.direction == Direction::Out, staff_side, "{m:?}");
            assert_eq!(m.sender.id != lead.visitor_id, staff_side, "{m:?}");
        }
    }
    let detail: ConversationDetail = app
        .get_json(&format!("/conversations/{}", leads[0].conv_id), &staff)
        .await;
    assert_eq!(detail.summary.status, ConversationStatus::Open);
    // The commits were shared: fewer batches than appends.
    let appends = counter(&app, "natter_appends_total").await;
    let batches = counter(&app, "natter_append_batches_total").await;
    assert!(appends > batches, "{appends} appends in {batches} batches");
}
