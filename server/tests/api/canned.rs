//! Canned replies: the organization's, used by every member, written by owners and admins.

use crate::helpers::{assert_error, send, spawn_app};
use natter_protocol::{CannedResponse, CannedResponses};
use reqwest::{Method, StatusCode};

#[tokio::test]
async fn admins_write_canned_replies_and_every_member_reads_them() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "pw-agent").await;
    let stranger = app.other_org("acme").await;

    let body = serde_json::json!({
        "shortcut": " /Refund ",
        "title": "Refund policy",
        "text": "Hi {{visitor.name}}, refunds take 5 days. — {{staff.name}}",
    });
    let response = send(
        &app,
        Method::POST,
        "/canned-responses",
        &admin,
        Some(body.clone()),
    )
    .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let refund: CannedResponse = response.json().await.unwrap();
    assert_eq!(
        refund.shortcut, "refund",
        "trimmed, without the slash, lower-cased"
    );
    let response = send(&app, Method::POST, "/canned-responses", &admin, Some(body)).await;
    assert_eq!(
        assert_error(response, StatusCode::CONFLICT).await,
        "already_exists"
    );
    let hours = serde_json::json!({ "shortcut": "hours", "title": "Hours", "text": "9 to 5." });
    assert_eq!(
        send(&app, Method::POST, "/canned-responses", &admin, Some(hours))
            .await
            .status(),
        StatusCode::CREATED
    );

    // Every member reads them, by shortcut; another organization sees none of them.
    let listed: CannedResponses = app.get_json("/canned-responses", &agent).await;
    let shortcuts: Vec<&str> = listed
        .canned_responses
        .iter()
        .map(|c| c.shortcut.as_str())
        .collect();
    assert_eq!(shortcuts, ["hours", "refund"]);
    let theirs: CannedResponses = app.get_json("/canned-responses", &stranger).await;
    assert!(theirs.canned_responses.is_empty());

    // An agent writes none; a stranger finds none to change.
    let path = format!("/canned-responses/{}", refund.id);
    for (who, token, status) in [
        ("agent", &agent, StatusCode::FORBIDDEN),
        ("stranger", &stranger, StatusCode::FORBIDDEN),
    ] {
        let change = serde_json::json!({ "title": "Mine now" });
        assert_eq!(
            send(&app, Method::PATCH, &path, token, Some(change))
                .await
                .status(),
            status,
            "{who} PATCH"
        );
        assert_eq!(
            send(&app, Method::DELETE, &path, token, None)
                .await
                .status(),
            status,
            "{who} DELETE"
        );
        let new = serde_json::json!({ "shortcut": "x", "title": "x", "text": "x" });
        assert_eq!(
            send(&app, Method::POST, "/canned-responses", token, Some(new))
                .await
                .status(),
            status,
            "{who} POST"
        );
    }
    let other_admin = app.join("acme", "admin", "pw-acme-admin").await.1;
    let change = serde_json::json!({ "title": "Mine now" });
    assert_eq!(
        send(&app, Method::PATCH, &path, &other_admin, Some(change))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        send(&app, Method::DELETE, &path, &other_admin, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // The admin changes one field, then deletes it.
    let response = send(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(serde_json::json!({ "text": "Refunds take 3 days." })),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
    let changed: CannedResponse = response.json().await.unwrap();
    assert_eq!(
        (changed.title.as_str(), changed.text.as_str()),
        ("Refund policy", "Refunds take 3 days.")
    );
    let response = send(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(serde_json::json!({ "shortcut": "hours" })),
    )
    .await;
    assert_eq!(
        assert_error(response, StatusCode::CONFLICT).await,
        "already_exists"
    );
    assert_eq!(
        send(&app, Method::DELETE, &path, &admin, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    assert_eq!(
        send(&app, Method::DELETE, &path, &admin, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
}

#[tokio::test]
async fn a_canned_reply_is_refused_clearly_when_a_field_is_wrong() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    for (body, code) in [
        (
            serde_json::json!({ "shortcut": "two words", "title": "t", "text": "x" }),
            "invalid_shortcut",
        ),
        (
            serde_json::json!({ "shortcut": "", "title": "t", "text": "x" }),
            "invalid_shortcut",
        ),
        (
            serde_json::json!({ "shortcut": "a".repeat(33), "title": "t", "text": "x" }),
            "invalid_shortcut",
        ),
        (
            serde_json::json!({ "shortcut": "ok", "title": " ", "text": "x" }),
            "invalid_title",
        ),
        (
            serde_json::json!({ "shortcut": "ok", "title": "t", "text": "" }),
            "invalid_text",
        ),
        (
            serde_json::json!({ "shortcut": "ok", "title": "t" }),
            "invalid_body",
        ),
    ] {
        let response = send(
            &app,
            Method::POST,
            "/canned-responses",
            &admin,
            Some(body.clone()),
        )
        .await;
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{body}"
        );
    }
}
