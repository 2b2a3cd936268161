//! `/api/openapi.json`: it parses, lists every HTTP route, and each operation in it is
//! served and answers a bare request with a status the document lists for it.
//! `scripts/schemathesis.sh` fuzzes the server against it in depth.

use crate::helpers::{assert_error, spawn_app};
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every HTTP operation of the API (docs/API.md), the probes and the document itself.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/widget/{org_id}/{account_id}/config"),
    ("post", "/api/v1/widget/{org_id}/{account_id}/leads"),
    ("post", "/api/v1/widget/{org_id}/{account_id}/identify"),
    ("post", "/api/v1/chat-links/{code}"),
    ("post", "/api/v1/conversations/{conv_id}/attachments"),
    ("get", "/api/v1/attachments/{id}"),
    ("get", "/api/v1/attachments/{id}/thumbnail"),
    ("post", "/api/v1/unsubscribe/{code}"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
    ("post", "/api/v1/setup"),
    ("get", "/api/v1/accounts"),
    ("get", "/api/v1/accounts/{account_id}"),
    ("patch", "/api/v1/accounts/{account_id}"),
    ("post", "/api/v1/accounts"),
    ("delete", "/api/v1/accounts/{account_id}"),
    ("post", "/api/v1/accounts/{account_id}/identity-secret"),
    ("get", "/api/v1/staff"),
    ("patch", "/api/v1/staff/{staff_id}"),
    ("delete", "/api/v1/staff/{staff_id}"),
    ("post", "/api/v1/invitations"),
    ("post", "/api/v1/invitations/{code}/accept"),
    ("get", "/api/v1/me"),
    ("patch", "/api/v1/me"),
    ("post", "/api/v1/me/password"),
    ("get", "/api/v1/me/availability"),
    ("put", "/api/v1/me/availability"),
    ("get", "/api/v1/me/notifications"),
    ("put", "/api/v1/me/notifications"),
    ("delete", "/api/v1/me/sessions"),
    ("get", "/api/v1/mail"),
    ("post", "/api/v1/mail/test"),
    ("get", "/api/v1/mail/failures"),
    ("get", "/api/v1/push/vapid-public-key"),
    ("post", "/api/v1/push/subscriptions"),
    ("delete", "/api/v1/push/subscriptions"),
    ("get", "/api/v1/conversations/{conv_id}/transcript"),
    (
        "delete",
        "/api/v1/conversations/{conv_id}/messages/{message_id}",
    ),
    ("get", "/api/v1/conversations/{conv_id}/notes"),
    ("post", "/api/v1/conversations/{conv_id}/notes"),
    ("get", "/api/v1/search"),
    ("get", "/api/v1/webhooks"),
    ("post", "/api/v1/webhooks"),
    ("patch", "/api/v1/webhooks/{id}"),
    ("delete", "/api/v1/webhooks/{id}"),
    ("get", "/api/v1/webhooks/{id}/deliveries"),
    (
        "post",
        "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver",
    ),
    ("post", "/api/v1/webhooks/{id}/test"),
    ("get", "/api/v1/api-tokens"),
    ("post", "/api/v1/api-tokens"),
    ("delete", "/api/v1/api-tokens/{id}"),
    ("post", "/api/v1/conversations/{conv_id}/transcript-email"),
    ("get", "/api/v1/visitors/{visitor_id}/export"),
    ("delete", "/api/v1/visitors/{visitor_id}"),
    ("get", "/api/v1/retention"),
    ("put", "/api/v1/retention"),
    ("get", "/api/v1/labels"),
    ("post", "/api/v1/labels"),
    ("patch", "/api/v1/labels/{name}"),
    ("delete", "/api/v1/labels/{name}"),
    ("put", "/api/v1/conversations/{conv_id}/labels"),
    ("get", "/api/v1/canned-responses"),
    ("post", "/api/v1/canned-responses"),
    ("patch", "/api/v1/canned-responses/{id}"),
    ("delete", "/api/v1/canned-responses/{id}"),
    ("get", "/api/v1/conversations"),
    ("get", "/api/v1/conversations/{conv_id}"),
    ("patch", "/api/v1/conversations/{conv_id}"),
    ("get", "/api/v1/conversations/{conv_id}/messages"),
    ("post", "/api/v1/conversations/{conv_id}/messages"),
    ("post", "/api/v1/conversations/{conv_id}/replies"),
    ("post", "/api/v1/conversations/{conv_id}/read"),
    ("get", "/healthz"),
    ("get", "/readyz"),
    ("get", "/metrics"),
    ("get", "/api/openapi.json"),
];

#[tokio::test]
async fn the_document_lists_every_route_and_each_is_served_as_documented() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/api/openapi.json", app.base))
        .send()
        .await
        .expect("document");
    assert_eq!(response.status(), StatusCode::OK);
    let doc: Value = response.json().await.expect("the document is JSON");
    assert_eq!(doc["openapi"], "3.1.0");

    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("path item") {
            documented.insert((method.clone(), path.clone()));
            let statuses = operation["responses"].as_object().expect("responses");
            if operation.get("security").is_some() {
                assert!(statuses.contains_key("401"), "{method} {path}: no 401");
            }
            // A bare request (placeholder ids, no token, no body) reaches the handler
            // and gets an answer the document lists.
            let url = format!("{}{}", app.base, path.replace(['{', '}'], ""));
            let method = Method::from_bytes(method.to_uppercase().as_bytes()).expect("method");
            let response = app.client.request(method.clone(), &url).send().await;
            let response = response.expect("request");
            let status = response.status();
            assert!(
                statuses.contains_key(status.as_str()),
                "{method} {path} answered {status}, which the document does not list"
            );
            if status == StatusCode::NOT_FOUND {
                let body: Value = response.json().await.expect("error body");
                assert_ne!(
                    body["error"]["message"], "endpoint not found",
                    "{method} {path} is not served"
                );
            }
        }
    }
    let expected: BTreeSet<_> = ROUTES
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(documented, expected);

    // Error answers all point at the one error body.
    let responses = doc["components"]["responses"]
        .as_object()
        .expect("responses");
    assert!(!responses.is_empty());
    for (name, response) in responses {
        assert_eq!(
            response["content"]["application/json"]["schema"]["$ref"],
            "#/components/schemas/ErrorBody",
            "{name}"
        );
    }
}

// What Schemathesis found: requests the document calls invalid were accepted, or valid
// ones refused.

#[tokio::test]
async fn a_leads_malformed_client_msg_id_is_refused_even_without_a_message() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": "Ana", "client_msg_id": "has space" }))
        .send()
        .await
        .expect("lead");
    let code = assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_eq!(code, "invalid_client_msg_id");
}

#[tokio::test]
async fn a_read_position_may_be_written_as_an_integral_float() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("Hello")).await;
    let read = |seq: Value| {
        app.client
            .post(app.url(&format!("/conversations/{}/read", lead.conv_id)))
            .bearer_auth(&lead.visitor_token)
            .json(&serde_json::json!({ "seq": seq }))
            .send()
    };
    let response = read(1.0.into()).await.expect("read");
    assert_eq!(response.status(), StatusCode::NO_CONTENT);
    let response = read(1.5.into()).await.expect("read");
    assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await;
}
