//! Every statement run per request is served by an index on the backend under
//! test: its plan (`EXPLAIN QUERY PLAN` on SQLite, `EXPLAIN` on Postgres, with
//! sequential scans and sorts priced out so that a few rows still show whether an
//! index exists) has no full scan and no sort. The inbox list is checked page by
//! page through the API as well, so its keyset paging is exercised, not only planned.

use crate::helpers::spawn_app;
use natter_protocol::ConversationList;

#[tokio::test]
async fn no_request_scans_a_table_or_sorts_it() {
    let app = spawn_app().await;
    let staff = app.staff_token().await;
    for i in 0..12 {
        let lead = app.create_lead(&format!("Visitor {i}"), Some("hi")).await;
        if i % 3 == 0 {
            app.reply_ok(&lead.conv_id, &staff, "hello").await;
        }
        if i % 4 == 0 {
            app.resolve(&staff, &lead.conv_id).await;
        }
    }
    let plans = app.store.query_plans(true).await.unwrap();
    assert!(plans.len() >= 15, "every per-request statement is planned");
    let slow: Vec<String> = plans
        .iter()
        .filter_map(|p| {
            let problem = p.problem()?;
            Some(format!("{}: {problem}\n  {}", p.name, p.plan.join("\n  ")))
        })
        .collect();
    assert!(
        slow.is_empty(),
        "queries not served by an index:\n{}",
        slow.join("\n")
    );

    // Keyset paging through both list statements returns every conversation once,
    // newest activity first.
    for (filter, expected) in [("", 12), ("&status=open", 9), ("&status=resolved", 3)] {
        let mut seen = Vec::new();
        let mut cursor = String::new();
        loop {
            let page: ConversationList = app
                .get_json(&format!("/conversations?limit=5{filter}{cursor}"), &staff)
                .await;
            seen.extend(
                page.conversations
                    .iter()
                    .map(|c| (c.last_activity_at, c.conv_id.0.clone())),
            );
            match page.next_cursor {
                Some(next) => cursor = format!("&cursor={next}"),
                None => break,
            }
        }
        assert_eq!(seen.len(), expected, "filter {filter:?}");
        let mut sorted = seen.clone();
        sorted.sort_by(|a, b| b.cmp(a));
        assert_eq!(seen, sorted, "filter {filter:?}: newest first, each once");
    }
}
