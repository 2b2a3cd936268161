//! A visitor's data rights: an export of everything of theirs (never the staff's
//! notes), and erasure everywhere, told to their open chat and to the inboxes.

use crate::helpers::{TestApp, assert_error, spawn_app};
use natter_protocol::{LeadCreated, SearchResults, ServerFrame, VisitorExport};
use reqwest::{Method, StatusCode};

async fn send(app: &TestApp, method: Method, path: &str, token: &str) -> reqwest::Response {
    app.client
        .request(method, app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn lead(app: &TestApp) -> LeadCreated {
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": "Vera Quist", "email": "vera@mail.example", "message": "my passport number is X1234567" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_export_holds_everything_of_the_visitor_and_no_note() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "pw-agent").await;
    app.other_org("acme").await;
    let (_, stranger) = app.join("acme", "admin", "pw-acme").await;
    let lead = lead(&app).await;
    app.reply_ok(&lead.conv_id, &admin, "Thanks, noted.").await;
    let body = serde_json::json!({ "text": "staff-only-remark-5521", "client_msg_id": "n1" });
    let response = app
        .client
        .post(app.url(&format!("/conversations/{}/notes", lead.conv_id)))
        .bearer_auth(&admin)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    let visitor_id = app
        .get_json::<natter_protocol::ConversationDetail>(
            &format!("/conversations/{}", lead.conv_id),
            &admin,
        )
        .await
        .summary
        .visitor
        .id;
    let path = format!("/visitors/{visitor_id}/export");

    let response = send(&app, Method::GET, &path, &admin).await;
    assert_eq!(response.status(), StatusCode::OK);
    assert!(
        response.headers()[reqwest::header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .contains(&format!("visitor-{visitor_id}.json"))
    );
    let raw = response.text().await.unwrap();
    assert!(
        !raw.contains("staff-only-remark-5521"),
        "no note in an export"
    );
    let export: VisitorExport = serde_json::from_str(&raw).unwrap();
    assert_eq!(export.visitor.email.as_deref(), Some("vera@mail.example"));
    assert_eq!(export.conversations.len(), 1);
    let texts: Vec<&str> = export.conversations[0]
        .messages
        .iter()
        .map(|m| m.text.as_str())
        .collect();
    assert_eq!(texts, ["my passport number is X1234567", "Thanks, noted."]);

    assert_error(
        send(&app, Method::GET, &path, &agent).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_error(
        send(&app, Method::GET, &path, &stranger).await,
        StatusCode::NOT_FOUND,
    )
    .await;
    assert_error(
        send(&app, Method::GET, &path, &lead.visitor_token).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let unknown = send(&app, Method::GET, "/visitors/nobody/export", &admin).await;
    assert_error(unknown, StatusCode::NOT_FOUND).await;
}

#[tokio::test]
async fn erasing_a_visitor_removes_everything_and_tells_their_chat_and_the_inboxes() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "pw-agent").await;
    app.other_org("acme").await;
    let (_, stranger) = app.join("acme", "admin", "pw-acme").await;
    let lead = lead(&app).await;
    let conv = &lead.conv_id;
    app.reply_ok(conv, &admin, "We will look into X1234567.")
        .await;
    let mut visitor = app.visitor_socket().await;
    visitor.subscribe(conv, Some(&lead.visitor_token), 0).await;
    let mut staff = app.staff_socket(&agent).await;
    let visitor_id = app
        .get_json::<natter_protocol::ConversationDetail>(&format!("/conversations/{conv}"), &admin)
        .await
        .summary
        .visitor
        .id;
    let path = format!("/visitors/{visitor_id}");

    for (token, status) in [
        (&agent, StatusCode::FORBIDDEN),
        (&stranger, StatusCode::NOT_FOUND),
    ] {
        assert_error(send(&app, Method::DELETE, &path, token).await, status).await;
    }
    assert_eq!(
        send(&app, Method::DELETE, &path, &admin).await.status(),
        StatusCode::NO_CONTENT
    );

    match visitor.next().await {
        ServerFrame::Error { code, conv_id, .. } => {
            assert_eq!((code.as_str(), conv_id.as_ref()), ("not_found", Some(conv)));
        }
        other => panic!("the visitor's chat was sent {other:?}"),
    }
    loop {
        if let ServerFrame::ConversationDeleted { conv_id } = staff.next().await {
            assert_eq!(&conv_id, conv);
            break;
        }
    }
    for (table, filter) in [
        ("visitors", format!("id = '{visitor_id}'")),
        ("conversations", format!("id = '{conv}'")),
        ("messages", format!("conv_id = '{conv}'")),
        ("notes", format!("conv_id = '{conv}'")),
        ("visitor_tokens", format!("visitor_id = '{visitor_id}'")),
    ] {
        let left = app
            .sql_i64(&format!("SELECT COUNT(*) FROM {table} WHERE {filter}"))
            .await;
        assert_eq!(left, 0, "{table}");
    }
    let found: SearchResults = app.get_json("/search?q=X1234567", &admin).await;
    assert!(
        found.results.is_empty(),
        "gone from the search index: {found:?}"
    );
    let found: SearchResults = app.get_json("/search?q=vera", &admin).await;
    assert!(
        found.results.is_empty(),
        "the visitor is gone from the index too"
    );
    let history = app
        .client
        .get(app.url(&format!("/conversations/{conv}/messages")))
        .bearer_auth(&lead.visitor_token)
        .send()
        .await
        .unwrap();
    assert!(history.status().is_client_error());
    assert_error(
        send(&app, Method::DELETE, &path, &admin).await,
        StatusCode::NOT_FOUND,
    )
    .await;
}

#[tokio::test]
async fn retention_deletes_what_went_quiet_and_keeps_the_rest() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "pw-agent").await;
    let old = lead(&app).await;
    let recent = lead(&app).await;
    let put = |token: &str, body: serde_json::Value| {
        app.client
            .put(app.url("/retention"))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    let kept: natter_protocol::Retention = app.get_json("/retention", &agent).await;
    assert_eq!(kept.retention_days, None, "kept for ever by default");
    assert_error(
        put(&agent, serde_json::json!({ "retention_days": 30 }))
            .await
            .unwrap(),
        StatusCode::FORBIDDEN,
    )
    .await;
    for bad in [
        serde_json::json!({ "retention_days": 0 }),
        serde_json::json!({ "retention_days": 4000 }),
    ] {
        let response = put(&admin, bad).await.unwrap();
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_retention_days"
        );
    }
    let response = put(&admin, serde_json::json!({ "retention_days": 30 }))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let set: natter_protocol::Retention = app.get_json("/retention", &agent).await;
    assert_eq!(set.retention_days, Some(30));

    let now = natter_server::store::now_ms();
    app.sql(&format!(
        "UPDATE conversations SET last_activity_at = {} WHERE id = '{}'",
        now - 31 * 86_400_000,
        old.conv_id
    ))
    .await;
    assert_eq!(app.store.apply_retention(now).await.unwrap(), 1);
    let left = app
        .sql_i64(&format!(
            "SELECT COUNT(*) FROM conversations WHERE id IN ('{}', '{}')",
            old.conv_id, recent.conv_id
        ))
        .await;
    assert_eq!(left, 1, "only the quiet one went");
    let orphans = app
        .sql_i64("SELECT COUNT(*) FROM visitors v WHERE NOT EXISTS (SELECT 1 FROM conversations c WHERE c.visitor_id = v.id)")
        .await;
    assert_eq!(orphans, 0, "its visitor went with it");
    let found: SearchResults = app.get_json("/search?q=passport", &admin).await;
    assert_eq!(found.results.len(), 1, "the index follows: {found:?}");
    // Back to keeping everything.
    let response = put(&admin, serde_json::json!({ "retention_days": null }))
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(
        app.store
            .apply_retention(now + 10 * 365 * 86_400_000)
            .await
            .unwrap(),
        0
    );
}

#[tokio::test]
async fn a_transcript_by_email_is_the_visitors_to_ask_for() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let lead = lead(&app).await;
    let post = |token: &str, body: serde_json::Value| {
        app.client
            .post(app.url(&format!("/conversations/{}/transcript-email", lead.conv_id)))
            .bearer_auth(token.to_owned())
            .json(&body)
            .send()
    };
    // Without email configured: said so, nothing queued.
    let off = post(&lead.visitor_token, serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(assert_error(off, StatusCode::CONFLICT).await, "email_off");
    let staff = post(&admin, serde_json::json!({})).await.unwrap();
    assert_error(staff, StatusCode::FORBIDDEN).await;
    let other = app.create_lead("Other", Some("hello")).await;
    let foreign = post(&other.visitor_token, serde_json::json!({}))
        .await
        .unwrap();
    assert_error(foreign, StatusCode::NOT_FOUND).await;
}
