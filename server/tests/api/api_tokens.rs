//! API tokens (issue 20): made by owners and admins, shown once, acting as a member
//! with a role whose name signs what it sends; revocable and expiring; refused where
//! only a signed-in member may go.

use crate::helpers::{assert_error, send, spawn_app};
use natter_protocol::{ApiToken, ApiTokens, ConversationList, MessageEnvelope};
use reqwest::{Method, StatusCode};
use serde_json::json;

#[tokio::test]
async fn a_token_replies_under_its_name_and_stops_when_revoked() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let made = send(
        &app,
        Method::POST,
        "/api-tokens",
        &admin,
        Some(json!({ "name": "CRM sync", "role": "agent", "expires_in_days": 30 })),
    )
    .await;
    assert_eq!(made.status(), StatusCode::CREATED);
    let made: ApiToken = made.json().await.unwrap();
    let token = made.token.clone().expect("the token, shown at creation");
    assert!(token.starts_with("nk_") && token.len() > 40);
    assert!(made.expires_at.is_some());
    assert!(!made.created_by.is_empty(), "who made it");

    // It fetches and replies; the reply's sender is the token, by name, on the staff side.
    let lead = app.create_lead("Hana", Some("Do you ship to Hue?")).await;
    let list: ConversationList = app.get_json("/conversations", &token).await;
    assert!(list.conversations.iter().any(|c| c.conv_id == lead.conv_id));
    let replied = app
        .reply(&lead.conv_id, &token, "Yes, in two days.", "crm-1")
        .await;
    assert_eq!(replied.status(), StatusCode::CREATED);
    let reply = replied.json::<MessageEnvelope>().await.unwrap().message;
    assert_eq!(reply.sender.name, "CRM sync");
    assert_eq!(reply.direction, natter_protocol::Direction::Out);
    let history = app.history(&lead.conv_id, &lead.visitor_token, 0).await;
    assert_eq!(history.messages.last().unwrap().sender.name, "CRM sync");

    // Listed without the token, with when it was last used.
    let listed: ApiTokens = app.get_json("/api-tokens", &admin).await;
    assert_eq!(listed.api_tokens.len(), 1);
    assert_eq!(listed.api_tokens[0].token, None);
    assert!(listed.api_tokens[0].last_used_at.is_some());
    assert!(!serde_json::to_string(&listed).unwrap().contains(&token));

    // Not where only a signed-in member goes, and it cannot make tokens.
    for (method, path) in [
        (Method::GET, "/me"),
        (Method::POST, "/auth/logout"),
        (Method::GET, "/api-tokens"),
        (Method::POST, "/push/subscriptions"),
    ] {
        let refused = send(&app, method, path, &token, Some(json!({}))).await;
        assert_eq!(
            assert_error(refused, StatusCode::FORBIDDEN).await,
            "forbidden",
            "{path}"
        );
    }
    // Its role holds: an agent token cannot manage webhooks.
    let refused = send(&app, Method::GET, "/webhooks", &token, None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);

    // Revoked: refused at once.
    let path = format!("/api-tokens/{}", made.id);
    assert_eq!(
        send(&app, Method::DELETE, &path, &admin, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let refused = send(&app, Method::GET, "/conversations", &token, None).await;
    assert_eq!(
        assert_error(refused, StatusCode::UNAUTHORIZED).await,
        "unauthorized"
    );
    let again = send(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!(
        assert_error(again, StatusCode::NOT_FOUND).await,
        "not_found"
    );
}

#[tokio::test]
async fn only_owners_and_admins_make_tokens_and_expired_ones_sign_in_nobody() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "agent-password").await;
    let (_, owner) = app.join("demo", "owner", "owner-password").await;
    let body = json!({ "name": "Bot", "role": "agent" });
    let refused = send(
        &app,
        Method::POST,
        "/api-tokens",
        &agent,
        Some(body.clone()),
    )
    .await;
    assert_eq!(
        assert_error(refused, StatusCode::FORBIDDEN).await,
        "forbidden"
    );
    let refused = send(&app, Method::GET, "/api-tokens", &agent, None).await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // An owner token only by an owner.
    let owner_token = json!({ "name": "Root", "role": "owner" });
    let refused = send(
        &app,
        Method::POST,
        "/api-tokens",
        &admin,
        Some(owner_token.clone()),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    let made = send(&app, Method::POST, "/api-tokens", &owner, Some(owner_token)).await;
    assert_eq!(made.status(), StatusCode::CREATED);
    for bad in [
        json!({ "name": "", "role": "agent" }),
        json!({ "name": "Bot", "role": "agent", "expires_in_days": 0 }),
    ] {
        let refused = send(&app, Method::POST, "/api-tokens", &admin, Some(bad.clone())).await;
        assert!(refused.status().is_client_error(), "{bad}");
    }

    // Another organization's admin sees none and revokes none.
    app.other_org("elsewhere").await;
    let (_, stranger) = app.join("elsewhere", "admin", "stranger-password").await;
    let made: ApiToken = send(&app, Method::POST, "/api-tokens", &admin, Some(body))
        .await
        .json()
        .await
        .unwrap();
    let theirs: ApiTokens = app.get_json("/api-tokens", &stranger).await;
    assert!(theirs.api_tokens.is_empty());
    let path = format!("/api-tokens/{}", made.id);
    assert_eq!(
        send(&app, Method::DELETE, &path, &stranger, None)
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    // Expired: nobody.
    let token = made.token.unwrap();
    assert_eq!(
        send(&app, Method::GET, "/conversations", &token, None)
            .await
            .status(),
        StatusCode::OK
    );
    app.sql("UPDATE api_tokens SET expires_at = 1").await;
    // The session cache holds an identity for a few seconds; a fresh token shows expiry.
    let fresh: ApiToken = send(
        &app,
        Method::POST,
        "/api-tokens",
        &admin,
        Some(json!({ "name": "Short", "role": "agent", "expires_in_days": 1 })),
    )
    .await
    .json()
    .await
    .unwrap();
    app.sql("UPDATE api_tokens SET expires_at = 1").await;
    let refused = send(
        &app,
        Method::GET,
        "/conversations",
        &fresh.token.unwrap(),
        None,
    )
    .await;
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
}
