//! Verified visitor identity: a website's server vouches for its user with an HMAC of
//! the user's id; that contact then has the same conversations in every browser.

use crate::helpers::{TestApp, assert_error, spawn_app};
use hmac::{Hmac, Mac};
use natter_protocol::{
    AccountSettings, ConversationDetail, Identified, IdentitySecret, LeadCreated, WidgetConfig,
};
use reqwest::StatusCode;
use sha2::Sha256;

fn user_hash(secret: &str, id: &str) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(id.as_bytes());
    mac.finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

async fn rotate(app: &TestApp, staff: &str) -> String {
    let response = app
        .client
        .post(app.url("/accounts/demo/identity-secret"))
        .bearer_auth(staff)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    response.json::<IdentitySecret>().await.unwrap().secret
}

async fn identify(app: &TestApp, id: &str, hash: &str) -> reqwest::Response {
    app.client
        .post(app.url("/widget/demo/demo/identify"))
        .json(&serde_json::json!({ "id": id, "user_hash": hash, "name": "Ana Verified", "email": "ana@shop.example" }))
        .send()
        .await
        .unwrap()
}

async fn identified(app: &TestApp, id: &str, hash: &str) -> Identified {
    let response = identify(app, id, hash).await;
    assert_eq!(response.status(), StatusCode::OK);
    response.json().await.unwrap()
}

/// A lead, with the visitor token of a verified contact when one is given.
async fn lead(app: &TestApp, token: Option<&str>) -> reqwest::Response {
    let mut request = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": "Ana", "message": "Where is my order?" }));
    if let Some(token) = token {
        request = request.bearer_auth(token);
    }
    request.send().await.unwrap()
}

#[tokio::test]
async fn a_verified_contact_has_the_same_conversations_in_every_browser() {
    let app = spawn_app().await;
    let staff = app.staff_token().await;

    // No secret yet: nobody can be verified.
    let response = identify(&app, "user-42", &"0".repeat(64)).await;
    assert_error(response, StatusCode::FORBIDDEN).await;

    let secret = rotate(&app, &staff).await;
    let hash = user_hash(&secret, "user-42");
    let first = identified(&app, "user-42", &hash).await;
    assert!(first.conversations.is_empty());

    let started: LeadCreated = lead(&app, Some(&first.visitor_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(started.visitor_id, first.visitor_id);
    assert_eq!(started.visitor_token, first.visitor_token);

    // Another browser: the same contact, the conversation there, readable and writable.
    let second = identified(&app, "user-42", &hash).await;
    assert_eq!(second.visitor_id, first.visitor_id);
    assert_ne!(second.visitor_token, first.visitor_token);
    assert_eq!(second.conversations.len(), 1);
    assert_eq!(second.conversations[0].conv_id, started.conv_id);
    assert_eq!(second.conversations[0].last_seq, 1);

    // A page view in a browser that holds the contact's token keeps it; another
    // contact's token gets this one a token of its own.
    let again = |token: String| {
        app.client
            .post(app.url("/widget/demo/demo/identify"))
            .bearer_auth(token)
            .json(&serde_json::json!({ "id": "user-42", "user_hash": hash }))
            .send()
    };
    let kept: Identified = again(second.visitor_token.clone())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(kept.visitor_token, second.visitor_token);
    let other = identified(&app, "user-99", &user_hash(&secret, "user-99")).await;
    let fresh: Identified = again(other.visitor_token)
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(fresh.visitor_id, first.visitor_id);
    assert_ne!(fresh.visitor_token, second.visitor_token);
    let sent = app
        .post_message(
            &started.conv_id,
            &second.visitor_token,
            "From my phone",
            "phone-1",
        )
        .await;
    assert!(sent.status().is_success());
    let history = app.history(&started.conv_id, &first.visitor_token, 0).await;
    assert_eq!(history.messages.len(), 2);

    // Staff see who it is, and that the website vouched for them.
    let detail: ConversationDetail = app
        .get_json(&format!("/conversations/{}", started.conv_id), &staff)
        .await;
    assert!(detail.summary.visitor.verified);
    assert_eq!(detail.summary.visitor.name, "Ana Verified");
    assert_eq!(
        detail.summary.visitor.email.as_deref(),
        Some("ana@shop.example")
    );
    let anonymous = app.create_lead("Bob", Some("hi")).await;
    let detail: ConversationDetail = app
        .get_json(&format!("/conversations/{}", anonymous.conv_id), &staff)
        .await;
    assert!(!detail.summary.visitor.verified);

    // Another user's id with this hash, a wrong hash, or the old secret's hash: refused.
    for (id, hash) in [
        ("user-43", hash.clone()),
        ("user-42", user_hash("not the secret", "user-42")),
    ] {
        assert_error(identify(&app, id, &hash).await, StatusCode::FORBIDDEN).await;
    }
    let rotated = rotate(&app, &staff).await;
    assert_error(
        identify(&app, "user-42", &hash).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    let again = identified(&app, "user-42", &user_hash(&rotated, "user-42")).await;
    assert_eq!(again.visitor_id, first.visitor_id);

    // Malformed input is a 4xx naming the field.
    for (id, hash) in [("", "0".repeat(64)), ("user-42", "xyz".to_owned())] {
        let status = identify(&app, id, &hash).await.status();
        assert!(status.is_client_error(), "{id:?} {hash:?}: {status}");
    }
}

#[tokio::test]
async fn a_verified_contact_is_live_in_both_browsers() {
    let app = spawn_app().await;
    let staff = app.staff_token().await;
    let secret = rotate(&app, &staff).await;
    let hash = user_hash(&secret, "user-7");
    let laptop = identified(&app, "user-7", &hash).await;
    let started: LeadCreated = lead(&app, Some(&laptop.visitor_token))
        .await
        .json()
        .await
        .unwrap();
    let phone = identified(&app, "user-7", &hash).await;

    let mut laptop_socket = app.visitor_socket().await;
    laptop_socket
        .subscribe(&started.conv_id, Some(&laptop.visitor_token), 1)
        .await;
    let mut phone_socket = app.visitor_socket().await;
    phone_socket
        .subscribe(&started.conv_id, Some(&phone.visitor_token), 1)
        .await;
    let replied = app
        .reply(&started.conv_id, &staff, "Shipped today", "r-1")
        .await;
    assert!(replied.status().is_success());
    assert_eq!(laptop_socket.next_message().await.text, "Shipped today");
    assert_eq!(phone_socket.next_message().await.text, "Shipped today");
    let sent = app
        .post_message(&started.conv_id, &phone.visitor_token, "Thanks", "p-1")
        .await;
    assert!(sent.status().is_success());
    assert_eq!(laptop_socket.next_message().await.text, "Thanks");
}

#[tokio::test]
async fn a_website_that_requires_identity_refuses_anonymous_leads() {
    let app = spawn_app().await;
    let staff = app.staff_token().await;
    let patch = |body: serde_json::Value| {
        app.client
            .patch(app.url("/accounts/demo"))
            .bearer_auth(&staff)
            .json(&body)
            .send()
    };
    // Without a secret nobody could chat: refused.
    let response = patch(serde_json::json!({ "require_identity": true }))
        .await
        .unwrap();
    assert_eq!(
        assert_error(response, StatusCode::CONFLICT).await,
        "no_identity_secret"
    );
    let secret = rotate(&app, &staff).await;
    let settings: AccountSettings = patch(serde_json::json!({ "require_identity": true }))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert!(settings.require_identity);
    assert!(app.widget_config().await.require_identity);

    assert_error(lead(&app, None).await, StatusCode::FORBIDDEN).await;
    let contact = identified(&app, "user-9", &user_hash(&secret, "user-9")).await;
    assert_eq!(
        lead(&app, Some(&contact.visitor_token)).await.status(),
        StatusCode::CREATED
    );
}

#[tokio::test]
async fn only_a_verified_contact_starts_another_conversation_with_a_token() {
    let app = spawn_app().await;
    let anonymous = app.create_lead("Ana", Some("hi")).await;
    assert_error(
        lead(&app, Some(&anonymous.visitor_token)).await,
        StatusCode::FORBIDDEN,
    )
    .await;
    assert_error(
        lead(&app, Some("nv_unknown")).await,
        StatusCode::UNAUTHORIZED,
    )
    .await;
    let staff = app.staff_token().await;
    assert_error(lead(&app, Some(&staff)).await, StatusCode::FORBIDDEN).await;
}

#[tokio::test]
async fn launcher_side_and_away_message_reach_the_widget_and_the_snippet() {
    let app = spawn_app().await;
    let staff = app.staff_token().await;
    let settings: AccountSettings = app
        .client
        .patch(app.url("/accounts/demo"))
        .bearer_auth(&staff)
        .json(&serde_json::json!({ "position": "left", "away_message": " Back at 9 " }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings.away_message, "Back at 9");
    assert!(
        settings.snippet.contains("data-position=\"left\""),
        "{}",
        settings.snippet
    );
    let config: WidgetConfig = app.widget_config().await;
    assert_eq!(config.position, natter_protocol::WidgetPosition::Left);
    assert_eq!(config.away_message, "Back at 9");

    for body in [
        serde_json::json!({ "position": "top" }),
        serde_json::json!({ "away_message": "x".repeat(501) }),
        serde_json::json!({ "require_identity": "yes" }),
    ] {
        let response = app
            .client
            .patch(app.url("/accounts/demo"))
            .bearer_auth(&staff)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert!(response.status().is_client_error(), "{body}");
    }
    // A blank away message clears it.
    let settings: AccountSettings = app
        .client
        .patch(app.url("/accounts/demo"))
        .bearer_auth(&staff)
        .json(&serde_json::json!({ "away_message": "  " }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(settings.away_message, "");
}
