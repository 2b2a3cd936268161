//! Bad input gets a clear 4xx with `{"error":{"code","message"}}`, never a 500.

use crate::helpers::{assert_error, spawn_app};
use reqwest::StatusCode;
use reqwest::header::CONTENT_TYPE;

#[tokio::test]
async fn malformed_bodies_are_refused_with_the_error_shape() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let url = app.url(&format!("/conversations/{}/messages", lead.conv_id));
    let cases: Vec<(&str, Option<&str>, StatusCode, &str)> = vec![
        (
            "",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "empty body",
        ),
        (
            "{",
            Some("application/json"),
            StatusCode::BAD_REQUEST,
            "truncated JSON",
        ),
        (
            "[1,2]",
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong shape",
        ),
        (
            r#"{"text":5,"client_msg_id":"k"}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "wrong type",
        ),
        (
            r#"{"text":"hi"}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "missing field",
        ),
        (
            r#"{"text":"   ","client_msg_id":"k"}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "blank text",
        ),
        (
            r#"{"text":"hi","client_msg_id":""}"#,
            Some("application/json"),
            StatusCode::UNPROCESSABLE_ENTITY,
            "empty key",
        ),
        (
            r#"{"text":"hi","client_msg_id":"k"}"#,
            None,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "no content type",
        ),
    ];
    for (body, content_type, status, what) in cases {
        let mut request = app
            .client
            .post(&url)
            .bearer_auth(&lead.visitor_token)
            .body(body.to_owned());
        if let Some(ct) = content_type {
            request = request.header(CONTENT_TYPE, ct);
        }
        let response = request.send().await.unwrap();
        assert_eq!(response.status(), status, "{what}");
        assert_error(response, status).await;
    }
    assert!(
        app.history(&lead.conv_id, &lead.visitor_token, 0)
            .await
            .messages
            .is_empty()
    );
}

#[tokio::test]
async fn text_over_4000_characters_and_oversized_bodies_are_refused() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let at_limit = app
        .post_message(&lead.conv_id, &lead.visitor_token, &"é".repeat(4000), "k1")
        .await;
    assert_eq!(at_limit.status(), StatusCode::CREATED);
    let over = app
        .post_message(&lead.conv_id, &lead.visitor_token, &"x".repeat(4001), "k2")
        .await;
    assert_eq!(
        assert_error(over, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_text"
    );
    let huge = app
        .post_message(
            &lead.conv_id,
            &lead.visitor_token,
            &"x".repeat(200_000),
            "k3",
        )
        .await;
    assert_eq!(
        assert_error(huge, StatusCode::PAYLOAD_TOO_LARGE).await,
        "payload_too_large"
    );
}

#[tokio::test]
async fn lead_fields_are_validated() {
    let app = spawn_app().await;
    let url = app.url("/widget/demo/demo/leads");
    let cases = vec![
        (serde_json::json!({ "name": "" }), "invalid_name"),
        (
            serde_json::json!({ "name": "x".repeat(121) }),
            "invalid_name",
        ),
        (
            serde_json::json!({ "name": "Ana", "email": "not-an-email" }),
            "invalid_email",
        ),
        (
            serde_json::json!({ "name": "Ana", "phone": "call me" }),
            "invalid_phone",
        ),
        (
            serde_json::json!({ "name": "Ana", "message": "x".repeat(4001) }),
            "invalid_text",
        ),
        (
            serde_json::json!({ "name": "Ana", "page_url": "javascript:alert(1)" }),
            "invalid_page_url",
        ),
        (
            serde_json::json!({ "name": "Ana", "message": "hi", "client_msg_id": "has space" }),
            "invalid_client_msg_id",
        ),
    ];
    for (body, code) in cases {
        let response = app.client.post(&url).json(&body).send().await.unwrap();
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{body}"
        );
    }
    // Blank optional fields mean "not given".
    let ok = app
        .client
        .post(&url)
        .json(&serde_json::json!({ "name": "Ana", "email": "", "phone": " " }))
        .send()
        .await;
    assert_eq!(ok.unwrap().status(), StatusCode::CREATED);
}

#[tokio::test]
async fn unknown_ids_missing_and_bad_tokens() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let config = app
        .client
        .get(app.url("/widget/demo/nope/config"))
        .send()
        .await
        .unwrap();
    assert_error(config, StatusCode::NOT_FOUND).await;
    let lead_unknown = app
        .client
        .post(app.url("/widget/nope/demo/leads"))
        .json(&serde_json::json!({"name":"A"}))
        .send();
    assert_error(lead_unknown.await.unwrap(), StatusCode::NOT_FOUND).await;

    let unknown_conv = app
        .post_message(&"no-such-conv".into(), &lead.visitor_token, "hi", "k")
        .await;
    assert_error(unknown_conv, StatusCode::NOT_FOUND).await;

    let url = app.url(&format!("/conversations/{}/messages", lead.conv_id));
    let missing = app.client.get(&url).send().await.unwrap();
    assert_error(missing, StatusCode::UNAUTHORIZED).await;
    for token in ["garbage", "nv_forged", "ns_forged", ""] {
        let response = app
            .client
            .get(&url)
            .header("authorization", format!("Bearer {token}"))
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::UNAUTHORIZED).await;
    }
    let basic = app
        .client
        .get(&url)
        .header("authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .unwrap();
    assert_error(basic, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn bad_queries_routes_and_methods() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", None).await;
    let token = app.staff_token().await;
    for query in [
        "after_seq=-1",
        "after_seq=abc",
        "limit=0",
        "limit=100000",
        "bogus=1",
    ] {
        let url = app.url(&format!("/conversations/{}/messages?{query}", lead.conv_id));
        let response = app
            .client
            .get(url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_error(response, StatusCode::BAD_REQUEST).await;
    }
    for query in ["status=maybe", "cursor=junk", "limit=0"] {
        let response = app
            .client
            .get(app.url(&format!("/conversations?{query}")))
            .bearer_auth(&token)
            .send()
            .await;
        assert_error(response.unwrap(), StatusCode::BAD_REQUEST).await;
    }
    let patch = app
        .client
        .patch(app.url(&format!("/conversations/{}", lead.conv_id)))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "status": "archived" }))
        .send()
        .await
        .unwrap();
    assert_error(patch, StatusCode::UNPROCESSABLE_ENTITY).await;
    assert_error(
        app.client
            .get(app.url("/no/such/route"))
            .send()
            .await
            .unwrap(),
        StatusCode::NOT_FOUND,
    )
    .await;
    let wrong_method = app
        .client
        .delete(app.url("/auth/login"))
        .send()
        .await
        .unwrap();
    assert_error(wrong_method, StatusCode::METHOD_NOT_ALLOWED).await;
}
