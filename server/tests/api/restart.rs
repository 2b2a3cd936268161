//! Stop the server, start it on the same database file: nothing is lost.

use crate::helpers::spawn_app;
use natter_protocol::{Direction, MessageEnvelope};
use reqwest::StatusCode;

#[tokio::test]
async fn everything_survives_a_restart_and_seq_continues() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("before")).await;
    let token = app.staff_token().await;
    app.reply_ok(&lead.conv_id, &token, "reply before").await;

    let app = app.restart().await;
    // Sessions survive too.
    let history = app.history(&lead.conv_id, &token, 0).await;
    let seen: Vec<(u64, Direction, &str)> = history
        .messages
        .iter()
        .map(|m| (m.seq, m.direction, m.text.as_str()))
        .collect();
    assert_eq!(
        seen,
        vec![
            (1, Direction::In, "before"),
            (2, Direction::Out, "reply before")
        ]
    );
    let after = app
        .post_message(&lead.conv_id, &lead.visitor_token, "after", "k-after")
        .await;
    assert_eq!(after.status(), StatusCode::CREATED);
    assert_eq!(
        after.json::<MessageEnvelope>().await.unwrap().message.seq,
        3
    );
}
