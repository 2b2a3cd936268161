//! `/api/openapi.json`: it parses, lists every HTTP route, and each operation in it is
//! served and answers a bare request with a status the document lists for it.
//! `scripts/schemathesis.sh` fuzzes the server against it in depth.

use crate::helpers::spawn_app;
use reqwest::{Method, StatusCode};
use serde_json::Value;
use std::collections::BTreeSet;

/// Every HTTP operation of the API (docs/API.md), the probes and the document itself.
const ROUTES: &[(&str, &str)] = &[
    ("get", "/api/v1/widget/{org_id}/{account_id}/config"),
    ("post", "/api/v1/widget/{org_id}/{account_id}/leads"),
    ("post", "/api/v1/auth/login"),
    ("post", "/api/v1/auth/logout"),
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
