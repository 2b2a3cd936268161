//! A website account's allowed origins are enforced on the API (CORS and the
//! requests themselves) and on the socket; every response carries security headers.

use crate::helpers::{assert_error, spawn_app};
use natter_protocol::{AccountList, AccountSettings};
use reqwest::StatusCode;
use serde_json::json;

#[tokio::test]
async fn cors_answers_only_allowed_origins_on_the_widget_routes() {
    let app = spawn_app().await;
    let preflight = |origin: &'static str| {
        app.client
            .request(reqwest::Method::OPTIONS, app.url("/widget/demo/demo/leads"))
            .header("origin", origin)
            .header("access-control-request-method", "POST")
            .header("access-control-request-headers", "content-type")
            .send()
    };
    let allowed = preflight("http://localhost:5173").await.unwrap();
    assert_eq!(
        allowed.headers()["access-control-allow-origin"],
        "http://localhost:5173"
    );
    let refused = preflight("https://evil.example").await.unwrap();
    assert!(
        refused
            .headers()
            .get("access-control-allow-origin")
            .is_none()
    );

    // A page on another site gets a 403, not a conversation.
    let lead = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .header("origin", "https://evil.example")
        .json(&serde_json::json!({ "name": "Eve" }))
        .send()
        .await
        .unwrap();
    assert_error(lead, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn a_visitor_token_only_works_from_its_accounts_origins() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let url = app.url(&format!("/conversations/{}/messages", lead.conv_id));
    let from = |origin: &'static str| {
        app.client
            .get(&url)
            .bearer_auth(&lead.visitor_token)
            .header("origin", origin)
            .send()
    };
    assert_eq!(
        from("http://127.0.0.1:8080").await.unwrap().status(),
        StatusCode::OK
    );
    let stolen = from("https://evil.example").await.unwrap();
    let body = stolen.text().await.unwrap();
    assert!(body.contains("forbidden") && !body.contains("\"hi\""));
}

#[tokio::test]
async fn every_page_carries_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/demo",
        "/api/v1/widget/demo/demo/config",
        "/healthz",
        "/api/v1/nope",
    ] {
        let response = app
            .client
            .get(format!("{}{path}", app.base))
            .send()
            .await
            .unwrap();
        let headers = response.headers();
        assert_eq!(headers["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(headers["referrer-policy"], "no-referrer", "{path}");
        let csp = headers["content-security-policy"].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{path}: {csp}");
    }
    let demo = app
        .client
        .get(format!("{}/demo", app.base))
        .send()
        .await
        .unwrap();
    let csp = demo.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("script-src 'self' 'wasm-unsafe-eval'"),
        "{csp}"
    );
}

fn refused_count(account: &AccountSettings, origin: &str) -> Option<u64> {
    account
        .refused_origins
        .iter()
        .find(|r| r.origin == origin)
        .map(|r| r.count)
}

#[tokio::test]
async fn refused_origins_are_listed_for_the_owner_and_allowed_in_one_call() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let blog = "https://blog.example";
    // The widget's config, its socket and a lead, all from a page that is not allowed.
    for _ in 0..2 {
        let config = app
            .client
            .get(app.url("/widget/demo/demo/config"))
            .header("origin", blog)
            .send()
            .await
            .unwrap();
        // The widget can read the refusal (CORS allows reading it), so it stops instead
        // of retrying what looks like a network error.
        assert_eq!(config.headers()["access-control-allow-origin"], blog);
        assert_error(config, StatusCode::FORBIDDEN).await;
    }
    assert!(app.visitor_socket_from(blog).await.is_err());

    let account: AccountSettings = app.get_json("/accounts/demo", &token).await;
    assert_eq!(refused_count(&account, blog), Some(3));
    assert!(
        account
            .snippet
            .contains("data-org=\"demo\" data-account=\"demo\"")
    );
    let list: AccountList = app.get_json("/accounts", &token).await;
    assert_eq!(list.accounts.len(), 1);
    assert_eq!(list.accounts[0].id, "demo");

    // One click: the owner allows it, and it is no longer refused.
    let mut origins = account.allowed_origins.clone();
    origins.push(blog.to_owned());
    let updated = app
        .client
        .patch(app.url("/accounts/demo"))
        .bearer_auth(&token)
        .json(&json!({ "allowed_origins": origins }))
        .send()
        .await
        .unwrap();
    assert_eq!(updated.status(), StatusCode::OK);
    let updated: AccountSettings = updated.json().await.unwrap();
    assert!(updated.allowed_origins.contains(&blog.to_owned()));
    assert_eq!(refused_count(&updated, blog), None);
    let config = app
        .client
        .get(app.url("/widget/demo/demo/config"))
        .header("origin", blog)
        .send()
        .await
        .unwrap();
    assert_eq!(
        config.status(),
        StatusCode::OK,
        "allowed at once on this instance"
    );
}

#[tokio::test]
async fn only_owners_and_admins_change_a_website_and_only_with_valid_origins() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    let patch = |token: String, body: serde_json::Value| {
        app.client
            .patch(app.url("/accounts/demo"))
            .bearer_auth(token)
            .json(&body)
            .send()
    };
    for (body, code) in [
        (json!({"allowed_origins": []}), "invalid_allowed_origins"),
        (
            json!({"allowed_origins": ["shop.example"]}),
            "invalid_allowed_origins",
        ),
        (
            json!({"allowed_origins": ["https://shop.example/path"]}),
            "invalid_allowed_origins",
        ),
        (json!({"theme_color": "blue"}), "invalid_theme_color"),
        (json!({"greeting": " "}), "invalid_greeting"),
        (json!({"name": ""}), "invalid_name"),
        (json!({"greeting": "a\0b"}), "invalid_greeting"),
        (
            json!({"allowed_origins": ["https://shop.example:080"]}),
            "invalid_allowed_origins",
        ),
        // A struct of options must not be read from an array.
        (json!([null, null]), "invalid_body"),
    ] {
        let response = patch(token.clone(), body.clone()).await.unwrap();
        let got = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
        assert_eq!(got, code, "{body}");
    }
    let renamed = patch(
        token.clone(),
        json!({"greeting": "Hello there", "theme_color": "#0F766E"}),
    )
    .await
    .unwrap();
    let renamed: AccountSettings = renamed.json().await.unwrap();
    assert_eq!(
        (renamed.greeting.as_str(), renamed.theme_color.as_str()),
        ("Hello there", "#0f766e")
    );
    assert_eq!(renamed.allowed_origins.len(), 2, "untouched");

    // An agent of another organization sees neither the account nor a way to change it.
    let other = app.other_org("acme").await;
    let response = app
        .client
        .get(app.url("/accounts/demo"))
        .bearer_auth(&other)
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::NOT_FOUND).await;
    let response = app
        .client
        .patch(app.url("/accounts/web"))
        .bearer_auth(&other)
        .json(&json!({"greeting": "hijacked"}))
        .send()
        .await
        .unwrap();
    assert_error(response, StatusCode::FORBIDDEN).await;
    let own: AccountSettings = app.get_json("/accounts/web", &other).await;
    assert_eq!(
        own.greeting, "hi",
        "an agent reads, but does not change, its website"
    );
}

#[tokio::test]
async fn made_up_origins_cannot_fill_the_refused_list() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    for i in 0..70 {
        let response = app
            .client
            .get(app.url("/widget/demo/demo/config"))
            .header("origin", format!("https://spam{i}.example"))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::FORBIDDEN);
    }
    let account: AccountSettings = app.get_json("/accounts/demo", &token).await;
    assert_eq!(account.refused_origins.len(), 50);
    // A listed origin is still counted once the list is full.
    let listed = account.refused_origins[0].origin.clone();
    let again = app
        .client
        .get(app.url("/widget/demo/demo/config"))
        .header("origin", &listed)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::FORBIDDEN);
    let account: AccountSettings = app.get_json("/accounts/demo", &token).await;
    assert_eq!(account.refused_origins.len(), 50);
    assert_eq!(refused_count(&account, &listed), Some(2));
}
