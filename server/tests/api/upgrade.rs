//! Migrations only move forward: a database an earlier release created and used opens
//! with this build, keeps everything it held, and takes new writes. (CI also runs the
//! whole suite on copies of it: `NATTER_TEST_SQLITE_FIXTURE`.)

use crate::backend::{TestDb, uses_postgres};
use crate::helpers::spawn_app_on;
use natter_protocol::{ConversationList, ConversationStatus, Direction};
use reqwest::StatusCode;
use std::path::Path;

#[tokio::test]
async fn a_database_of_release_0_1_0_opens_and_keeps_its_conversations() {
    if uses_postgres() {
        // The fixtures are SQLite files; Postgres runs the same migrations in the main pass.
        return;
    }
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/natter-0.1.0.db");
    let app = spawn_app_on(TestDb::copy_of(&fixture).await, |s| s.demo = false).await;
    assert_eq!(app.setup_url, None, "an old install has staff: no setup");
    let owner = app.login("owner@fixture.example", "fixture-password").await;
    assert_eq!(owner.staff.org_id, "fixture-org");

    let list: ConversationList = app.get_json("/conversations?limit=50", &owner.token).await;
    assert_eq!(
        list.conversations.len(),
        3,
        "the fixture's three conversations"
    );
    let resolved = list
        .conversations
        .iter()
        .filter(|c| c.status == ConversationStatus::Resolved)
        .count();
    assert_eq!(resolved, 1);
    for summary in &list.conversations {
        let history = app.history(&summary.conv_id, &owner.token, 0).await;
        let directions: Vec<_> = history.messages.iter().map(|m| m.direction).collect();
        assert_eq!(directions, [Direction::In, Direction::In, Direction::Out]);
        assert!(history.messages[2].text.starts_with("Staff reply"));
        // New writes land after the old ones.
        let reply = app
            .reply(
                &summary.conv_id,
                &owner.token,
                "after the upgrade",
                &format!("up-{}", summary.conv_id),
            )
            .await;
        assert_eq!(reply.status(), StatusCode::CREATED);
        let history = app.history(&summary.conv_id, &owner.token, 3).await;
        assert_eq!(history.messages.len(), 1);
        assert_eq!(history.messages[0].seq, 4);
    }
}
