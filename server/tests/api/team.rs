//! The team and each member's own profile (issue 16): one owner always remains,
//! removing a member closes their inbox at once, and a new password ends the other
//! sessions. Who may do what is in `matrix.rs`.

use crate::helpers::{Socket, TestApp, assert_error, spawn_app};
use natter_protocol::StaffMember;
use reqwest::StatusCode;
use std::time::Duration;

#[tokio::test]
async fn an_organization_always_keeps_an_owner() {
    let app = spawn_app().await;
    let (owner_id, owner) = app.join("demo", "owner", "pw-owner").await;
    let url = app.url(&format!("/staff/{owner_id}"));
    let demote = || {
        app.client
            .patch(&url)
            .bearer_auth(&owner)
            .json(&serde_json::json!({ "role": "admin" }))
    };
    let code = assert_error(demote().send().await.unwrap(), StatusCode::CONFLICT).await;
    assert_eq!(code, "last_owner");
    let removal = app.client.delete(&url).bearer_auth(&owner).send().await;
    assert_eq!(
        assert_error(removal.unwrap(), StatusCode::CONFLICT).await,
        "last_owner"
    );
    assert_eq!(app.login_of(&owner).await.role, "owner", "nothing changed");
    // With a second owner, the first may step down.
    let (second_id, _) = app.join("demo", "agent", "pw-second").await;
    let promote = app
        .client
        .patch(app.url(&format!("/staff/{second_id}")))
        .bearer_auth(&owner)
        .json(&serde_json::json!({ "role": "owner" }))
        .send()
        .await
        .unwrap();
    assert_eq!(promote.status(), StatusCode::OK);
    assert_eq!(demote().send().await.unwrap().status(), StatusCode::OK);
    assert_eq!(app.login_of(&owner).await.role, "admin");
}

#[tokio::test]
async fn a_removed_member_is_signed_out_and_their_inbox_closes_at_once() {
    let app = spawn_app().await;
    let (_, owner) = app.join("demo", "owner", "pw-owner").await;
    let (agent_id, agent) = app.join("demo", "agent", "pw-agent").await;
    let mut inbox = app.staff_socket(&agent).await;
    let removed = app
        .client
        .delete(app.url(&format!("/staff/{agent_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(removed.status(), StatusCode::NO_CONTENT);
    inbox.closed(Duration::from_secs(5)).await;
    let refused = app
        .client
        .get(app.url("/conversations"))
        .bearer_auth(&agent)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    let again = app
        .client
        .delete(app.url(&format!("/staff/{agent_id}")))
        .bearer_auth(&owner)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_member_renames_themself() {
    let app = spawn_app().await;
    let (_, token) = app.join("demo", "agent", "pw-agent").await;
    let rename = |name: &'static str| {
        app.client
            .patch(app.url("/me"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "name": name }))
            .send()
    };
    let renamed: StaffMember = rename("  Ann Agent ").await.unwrap().json().await.unwrap();
    assert_eq!(renamed.name, "Ann Agent");
    assert_eq!(app.login_of(&token).await.name, "Ann Agent");
    for bad in ["", "   ", "a\u{0}b"] {
        let got = rename(bad).await.unwrap();
        assert_eq!(
            assert_error(got, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_name"
        );
    }
}

#[tokio::test]
async fn a_new_password_ends_the_other_sessions_and_needs_the_current_one() {
    let app = spawn_app().await;
    let (here, elsewhere, email, mut other_inbox) = signed_in_twice(&app, "old-password").await;
    let change = |current: &str, new: &str| {
        app.client
            .post(app.url("/me/password"))
            .bearer_auth(&here)
            .json(&serde_json::json!({ "current_password": current, "new_password": new }))
            .send()
    };
    let cases = [
        (
            "wrong-password",
            "new-password",
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "old-password",
            "short",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_new_password",
        ),
    ];
    for (current, new, status, code) in cases {
        let got = change(current, new).await.unwrap();
        assert_eq!(assert_error(got, status).await, code);
    }
    assert_eq!(
        app.login_of(&elsewhere).await.email,
        email,
        "a refused change ends nothing"
    );
    let done = change("old-password", "new-password").await.unwrap();
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    other_inbox.closed(Duration::from_secs(5)).await;
    let refused = app
        .client
        .get(app.url("/me"))
        .bearer_auth(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_of(&here).await.email,
        email,
        "this session goes on"
    );
    let old = app
        .client
        .post(app.url("/auth/login"))
        .json(&serde_json::json!({ "email": email, "password": "old-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), StatusCode::UNAUTHORIZED);
    app.login(&email, "new-password").await;
}

#[tokio::test]
async fn an_invitation_is_accepted_once_and_signs_the_new_member_in() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let invite = |email: &str, role: &str| {
        app.client
            .post(app.url("/invitations"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({ "email": email, "role": role }))
            .send()
    };
    // An admin does not make owners, and an address with an account is not invited.
    let refused = [
        (
            "new@example.com",
            "owner",
            StatusCode::FORBIDDEN,
            "forbidden",
        ),
        (
            "demo@example.com",
            "agent",
            StatusCode::CONFLICT,
            "already_exists",
        ),
        (
            "not an email",
            "agent",
            StatusCode::UNPROCESSABLE_ENTITY,
            "invalid_email",
        ),
    ];
    for (email, role, status, code) in refused {
        let got = invite(email, role).await.unwrap();
        assert_eq!(assert_error(got, status).await, code, "{email} as {role}");
    }
    let created = invite(" New@Example.com ", "agent").await.unwrap();
    assert_eq!(created.status(), StatusCode::CREATED);
    let invitation: natter_protocol::Invitation = created.json().await.unwrap();
    let week = 7 * 24 * 3600 * 1000;
    let left = invitation.expires_at - natter_server::store::now_ms();
    assert!(left > week - 60_000 && left <= week, "{left}");
    let (page, code) = invitation
        .invitation_url
        .split_once("/inbox/#/invite/")
        .expect("a link to the inbox's accept page");
    assert_eq!(page, app.base);
    let accept = |name: &str, password: &str| {
        app.client
            .post(app.url(&format!("/invitations/{code}/accept")))
            .json(&serde_json::json!({ "name": name, "password": password }))
            .send()
    };
    let short = accept("Nia", "short").await.unwrap();
    assert_eq!(
        assert_error(short, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_password"
    );
    let joined: natter_protocol::LoginResponse = accept("Nia", "nia-password")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        (
            joined.staff.email.as_str(),
            joined.staff.role.as_str(),
            joined.staff.org_id.as_str()
        ),
        ("new@example.com", "agent", "demo")
    );
    assert_eq!(app.login_of(&joined.token).await.id, joined.staff.id);
    app.login("new@example.com", "nia-password").await;
    let again = accept("Mallory", "mallory-password").await.unwrap();
    assert_eq!(
        assert_error(again, StatusCode::NOT_FOUND).await,
        "not_found"
    );
    let unknown = app
        .client
        .post(app.url("/invitations/ni_guessed/accept"))
        .json(&serde_json::json!({ "name": "Eve", "password": "eve-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
    // After its 7 days a link opens nothing.
    let late: natter_protocol::Invitation = invite("late@example.com", "agent")
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    app.sql("UPDATE invitations SET expires_at = 1").await;
    let (_, code) = late.invitation_url.split_once("#/invite/").unwrap();
    let expired = app
        .client
        .post(app.url(&format!("/invitations/{code}/accept")))
        .json(&serde_json::json!({ "name": "Late", "password": "late-password" }))
        .send()
        .await
        .unwrap();
    assert_eq!(expired.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn a_new_website_serves_its_widget_at_once_and_a_deleted_one_stops() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let create = || {
        app.client
            .post(app.url("/accounts"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({
                "name": "Corner Shop!",
                "greeting": "Hello from the corner",
                "theme_color": "#112233",
                "theme": "dark",
                "allowed_origins": ["http://localhost:*"]
            }))
            .send()
    };
    let first: natter_protocol::AccountSettings = create().await.unwrap().json().await.unwrap();
    let second: natter_protocol::AccountSettings = create().await.unwrap().json().await.unwrap();
    assert_eq!(
        (first.id.as_str(), second.id.as_str()),
        ("corner-shop", "corner-shop-2")
    );
    assert!(
        first.snippet.contains("data-account=\"corner-shop\""),
        "{}",
        first.snippet
    );
    let config = app
        .client
        .get(app.url("/widget/demo/corner-shop/config"))
        .header("origin", crate::helpers::DEMO_ORIGIN)
        .send()
        .await
        .unwrap();
    let config: natter_protocol::WidgetConfig = config.json().await.unwrap();
    assert_eq!(
        (config.greeting.as_str(), config.theme_color.as_str()),
        ("Hello from the corner", "#112233")
    );
    assert_eq!(config.theme, natter_protocol::WidgetTheme::Dark);
    // A lead there, then the website goes, and its visitor's token with it.
    let lead: natter_protocol::LeadCreated = app
        .client
        .post(app.url("/widget/demo/corner-shop/leads"))
        .header("origin", crate::helpers::DEMO_ORIGIN)
        .json(&serde_json::json!({ "name": "Vi", "message": "hello" }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let deleted = app
        .client
        .delete(app.url("/accounts/corner-shop"))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(deleted.status(), StatusCode::NO_CONTENT);
    let gone = app
        .client
        .get(app.url("/widget/demo/corner-shop/config"))
        .send()
        .await
        .unwrap();
    assert_eq!(gone.status(), StatusCode::NOT_FOUND);
    let post = app
        .client
        .post(app.url(&format!("/conversations/{}/messages", lead.conv_id)))
        .bearer_auth(&lead.visitor_token)
        .json(&serde_json::json!({ "text": "still there?", "client_msg_id": "k1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(post.status(), StatusCode::UNAUTHORIZED);
    let invalid = app
        .client
        .post(app.url("/accounts"))
        .bearer_auth(&admin)
        .json(&serde_json::json!({ "name": "X", "allowed_origins": [] }))
        .send()
        .await
        .unwrap();
    assert_eq!(
        assert_error(invalid, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_allowed_origins"
    );
}

#[tokio::test]
async fn signing_out_everywhere_else_closes_the_other_inboxes_at_once() {
    let app = spawn_app().await;
    let (here, elsewhere, email, mut other_inbox) = signed_in_twice(&app, "a-password").await;
    let done = app
        .client
        .delete(app.url("/me/sessions"))
        .bearer_auth(&here)
        .send()
        .await
        .unwrap();
    assert_eq!(done.status(), StatusCode::NO_CONTENT);
    assert!(other_inbox.closed(Duration::from_secs(5)).await.is_some());
    let refused = app
        .client
        .get(app.url("/me"))
        .bearer_auth(&elsewhere)
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(
        app.login_of(&here).await.email,
        email,
        "this session goes on"
    );
}

#[tokio::test]
async fn the_team_list_says_when_each_inbox_was_last_open() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (never, _) = app.join("demo", "agent", "a-password").await;
    let (seen, token) = app.join("demo", "agent", "a-password").await;
    let socket = app.staff_socket(&token).await;
    let list: natter_protocol::StaffList = app.get_json("/staff", &admin).await;
    let last_seen = |id: &str| {
        list.staff
            .iter()
            .find(|m| m.member.id == id)
            .map(|m| m.last_seen_at)
            .unwrap()
    };
    assert_eq!(last_seen(&never), None);
    assert!(last_seen(&seen).is_some_and(|at| at > 0));
    drop(socket);
}

/// A new agent signed in twice, the second time with an inbox open: (this session's
/// token, the other's, their email, the other inbox's socket).
async fn signed_in_twice(app: &TestApp, password: &str) -> (String, String, String, Socket) {
    let (_, here) = app.join("demo", "agent", password).await;
    let email = app.login_of(&here).await.email;
    let elsewhere = app.login(&email, password).await.token;
    let socket = app.staff_socket(&elsewhere).await;
    (here, elsewhere, email, socket)
}
