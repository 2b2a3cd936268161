//! A visitor token opens its own conversation only; a staff token its own
//! organization only; anything else is 404, leaking nothing.

use crate::helpers::{assert_error, spawn_app};
use reqwest::StatusCode;

#[tokio::test]
async fn visitor_a_cannot_read_or_post_to_conversation_b() {
    let app = spawn_app().await;
    let a = app.create_lead("Ana", Some("mine")).await;
    let b = app.create_lead("Bo", Some("secret of Bo")).await;

    let post = app
        .post_message(&b.conv_id, &a.visitor_token, "intrusion", "x-1")
        .await;
    assert_eq!(assert_error(post, StatusCode::NOT_FOUND).await, "not_found");
    let read = app
        .client
        .get(app.url(&format!("/conversations/{}/messages", b.conv_id)))
        .bearer_auth(&a.visitor_token)
        .send()
        .await
        .unwrap();
    let body = read.text().await.unwrap();
    assert!(!body.contains("secret of Bo"));
    assert!(body.contains("not_found"));
    let mark = app
        .client
        .post(app.url(&format!("/conversations/{}/read", b.conv_id)))
        .bearer_auth(&a.visitor_token)
        .json(&serde_json::json!({ "seq": 1 }))
        .send()
        .await
        .unwrap();
    assert_error(mark, StatusCode::NOT_FOUND).await;
    // B's conversation is untouched.
    assert_eq!(
        app.history(&b.conv_id, &b.visitor_token, 0)
            .await
            .messages
            .len(),
        1
    );
}

#[tokio::test]
async fn staff_of_one_organization_cannot_see_another() {
    let app = spawn_app().await;
    let demo_lead = app.create_lead("Ana", Some("demo org secret")).await;
    let other_token = app.other_org("acme").await;

    let list: natter_protocol::ConversationList = app
        .client
        .get(app.url("/conversations"))
        .bearer_auth(&other_token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(
        list.conversations.is_empty(),
        "acme sees none of demo's conversations"
    );

    let conv = format!("/conversations/{}", demo_lead.conv_id);
    let requests = vec![
        app.client.get(app.url(&conv)),
        app.client.get(app.url(&format!("{conv}/messages"))),
        app.client
            .post(app.url(&format!("{conv}/replies")))
            .json(&serde_json::json!({"text":"x","client_msg_id":"k"})),
        app.client
            .patch(app.url(&conv))
            .json(&serde_json::json!({"status":"resolved"})),
        app.client
            .post(app.url(&format!("{conv}/read")))
            .json(&serde_json::json!({"seq":1})),
    ];
    for request in requests {
        let response = request.bearer_auth(&other_token).send().await.unwrap();
        assert_error(response, StatusCode::NOT_FOUND).await;
    }
    let demo_token = app.staff_token().await;
    assert_eq!(
        app.history(&demo_lead.conv_id, &demo_token, 0)
            .await
            .messages
            .len(),
        1
    );
}

#[tokio::test]
async fn a_visitor_token_is_not_a_staff_token() {
    let app = spawn_app().await;
    let lead = app.create_lead("Ana", Some("hi")).await;
    let list = app
        .client
        .get(app.url("/conversations"))
        .bearer_auth(&lead.visitor_token)
        .send()
        .await
        .unwrap();
    assert_error(list, StatusCode::FORBIDDEN).await;
    let reply = app
        .reply(
            &lead.conv_id,
            &lead.visitor_token,
            "pretending to be staff",
            "k",
        )
        .await;
    assert_error(reply, StatusCode::FORBIDDEN).await;
    assert_eq!(
        app.history(&lead.conv_id, &lead.visitor_token, 0)
            .await
            .messages
            .len(),
        1
    );
}

#[tokio::test]
async fn logout_ends_the_session() {
    let app = spawn_app().await;
    let token = app.staff_token().await;
    app.logout(&token).await;
    let list = app
        .client
        .get(app.url("/conversations"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_error(list, StatusCode::UNAUTHORIZED).await;
}

#[tokio::test]
async fn wrong_passwords_and_unknown_staff_are_refused_alike() {
    let app = spawn_app().await;
    for (email, password) in [("demo@example.com", "nope"), ("nobody@example.com", "demo")] {
        let response = app
            .client
            .post(app.url("/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .unwrap();
        assert_eq!(
            assert_error(response, StatusCode::UNAUTHORIZED).await,
            "unauthorized"
        );
    }
}
