//! A website account's allowed origins are enforced on the API (CORS and the
//! requests themselves) and on the socket; every response carries security headers.

use crate::helpers::{assert_error, spawn_app};
use reqwest::StatusCode;

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
