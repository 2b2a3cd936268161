//! Search: an organization's messages and visitors, ranked, highlighted, filtered,
//! kept in step with writes and deletions, never another organization's or a note.

use crate::helpers::{TestApp, assert_error, spawn_app};
use natter_protocol::{LeadCreated, MessageEnvelope, SearchResults};
use reqwest::StatusCode;

async fn lead(app: &TestApp, name: &str, email: Option<&str>, message: &str) -> LeadCreated {
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": name, "email": email, "message": message }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

async fn search(app: &TestApp, token: &str, query: &str) -> reqwest::Response {
    app.client
        .get(app.url(&format!("/search?{query}")))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn found(app: &TestApp, token: &str, query: &str) -> SearchResults {
    let response = search(app, token, query).await;
    assert_eq!(response.status(), StatusCode::OK, "{query}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn search_finds_messages_and_visitors_ranked_and_highlighted() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let stranger = app.other_org("acme").await;
    let vera = lead(
        &app,
        "Vera Lynn",
        Some("vera@mail.example"),
        "Where is my parcel?",
    )
    .await;
    let café = lead(&app, "Bob", None, "Le café était froid <b>vraiment</b>").await;
    app.reply_ok(
        &vera.conv_id,
        &admin,
        "Your parcel left the warehouse on Monday.",
    )
    .await;

    // A word prefix, whatever the case, in every message that has it; the visitor
    // hit comes first on the first page.
    let results = found(&app, &admin, "q=PARC").await;
    let seqs: Vec<(String, u64)> = results
        .results
        .iter()
        .map(|r| (r.conv_id.0.clone(), r.seq))
        .collect();
    assert_eq!(seqs.len(), 2, "{results:?}");
    assert!(
        seqs.contains(&(vera.conv_id.0.clone(), 1)) && seqs.contains(&(vera.conv_id.0.clone(), 2))
    );
    assert!(
        results
            .results
            .iter()
            .all(|r| r.snippet.contains("<mark>parcel</mark>")),
        "{results:?}"
    );
    assert_eq!(results.results[0].visitor.name, "Vera Lynn");

    // Accents folded; the snippet is escaped HTML with the match marked.
    let results = found(&app, &admin, "q=cafe").await;
    assert_eq!(results.results.len(), 1);
    assert_eq!(results.results[0].conv_id, café.conv_id);
    let snippet = &results.results[0].snippet;
    assert!(snippet.contains("&lt;b&gt;"), "{snippet}");
    assert!(
        snippet.contains("<mark>") && !snippet.contains("<b>"),
        "{snippet}"
    );

    // A visitor by name or email: seq 0, the conversation as a whole.
    for query in ["q=lynn", "q=vera%40mail.example"] {
        let results = found(&app, &admin, query).await;
        let first = &results.results[0];
        assert_eq!(
            (first.conv_id.clone(), first.seq),
            (vera.conv_id.clone(), 0),
            "{query}"
        );
        assert!(
            first.snippet.contains("<mark>"),
            "{query}: {}",
            first.snippet
        );
    }

    // All words must match; punctuation is not syntax.
    assert!(
        found(&app, &admin, "q=parcel+froid")
            .await
            .results
            .is_empty()
    );
    assert!(
        found(&app, &admin, "q=%22*%28NEAR")
            .await
            .results
            .is_empty()
    );

    // Filters: status, assignee, date range.
    app.resolve(&admin, &vera.conv_id).await;
    assert!(
        found(&app, &admin, "q=parcel&status=open")
            .await
            .results
            .is_empty()
    );
    assert_eq!(
        found(&app, &admin, "q=parcel&status=resolved")
            .await
            .results
            .len(),
        2
    );
    assert!(
        found(&app, &admin, "q=parcel&assignee=me")
            .await
            .results
            .is_empty()
    );
    assert_eq!(
        found(&app, &admin, "q=parcel&assignee=none")
            .await
            .results
            .len(),
        2
    );
    assert!(
        found(&app, &admin, "q=parcel&from=4102444800000")
            .await
            .results
            .is_empty()
    );
    assert!(
        found(&app, &admin, "q=parcel&to=1")
            .await
            .results
            .is_empty()
    );
    assert_eq!(
        found(&app, &admin, "q=parcel&from=1&to=4102444800000")
            .await
            .results
            .len(),
        2
    );

    // Another organization finds nothing of this one.
    assert!(found(&app, &stranger, "q=parcel").await.results.is_empty());
    assert!(found(&app, &stranger, "q=vera").await.results.is_empty());
}

#[tokio::test]
async fn the_index_follows_writes_deletions_and_pages() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let lead = lead(&app, "Ann", None, "first").await;
    let mut ids = Vec::new();
    for n in 0..5 {
        let response = app
            .post_message(
                &lead.conv_id,
                &lead.visitor_token,
                &format!("invoice number {n}"),
                &format!("k{n}"),
            )
            .await;
        ids.push(response.json::<MessageEnvelope>().await.unwrap().message.id);
    }
    // Pages of two, then the end.
    let page = found(&app, &admin, "q=invoice&limit=2").await;
    assert_eq!(page.results.len(), 2);
    let cursor = page.next_cursor.expect("a next page");
    let page2 = found(&app, &admin, &format!("q=invoice&limit=2&cursor={cursor}")).await;
    assert_eq!(page2.results.len(), 2);
    let page3 = found(
        &app,
        &admin,
        &format!("q=invoice&limit=2&cursor={}", page2.next_cursor.unwrap()),
    )
    .await;
    assert_eq!(page3.results.len(), 1);
    assert_eq!(page3.next_cursor, None);
    let mut seen: Vec<u64> = [page.results, page2.results, page3.results]
        .concat()
        .iter()
        .map(|r| r.seq)
        .collect();
    seen.sort();
    assert_eq!(seen, [2, 3, 4, 5, 6]);

    // A deleted message leaves the index.
    let response = app
        .client
        .delete(app.url(&format!(
            "/conversations/{}/messages/{}",
            lead.conv_id, ids[0]
        )))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let after = found(&app, &admin, "q=invoice+0").await;
    assert!(after.results.is_empty(), "{after:?}");
    assert_eq!(found(&app, &admin, "q=invoice").await.results.len(), 4);
}

#[tokio::test]
async fn bad_searches_are_refused_clearly() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let lead = lead(&app, "Ann", None, "hello").await;
    for query in [
        "",
        "q=",
        "q=%20%20",
        "q=a&limit=0",
        "q=a&limit=51",
        "q=a&cursor=x",
        "q=a&cursor=99999",
        "q=a&status=lost",
        "q=a&assignee=%2F",
        "q=a&from=-1",
        "q=a&nope=1",
    ] {
        let response = search(&app, &admin, query).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{query}");
        assert_error(response, StatusCode::BAD_REQUEST).await;
    }
    // Only punctuation: nothing to look for, nothing found.
    assert!(found(&app, &admin, "q=%21%21").await.results.is_empty());
    // Visitors cannot search.
    let response = search(&app, &lead.visitor_token, "q=hello").await;
    assert_error(response, StatusCode::FORBIDDEN).await;
}
