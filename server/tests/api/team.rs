//! The team and each member's own profile (issue 16): one owner always remains,
//! removing a member closes their inbox at once, and a new password ends the other
//! sessions. Who may do what is in `matrix.rs`.

use crate::helpers::{TestApp, assert_error, spawn_app};
use natter_protocol::StaffMember;
use natter_server::store::NewStaff;
use reqwest::StatusCode;
use std::time::Duration;

/// A new member of `org` with `role` and `password`: (their id, a session token).
async fn join(app: &TestApp, org: &str, role: &str, password: &str) -> (String, String) {
    let email = format!("{role}-{}@{org}.example", uuid::Uuid::new_v4().simple());
    let hash = natter_server::auth::hash_password(password).unwrap();
    let staff = NewStaff {
        org_id: org,
        email: &email,
        name: "Member",
        role,
        password_hash: &hash,
    };
    let member = app.store.create_staff(staff).await.unwrap();
    (member.id, app.login(&email, password).await.token)
}

#[tokio::test]
async fn an_organization_always_keeps_an_owner() {
    let app = spawn_app().await;
    let (owner_id, owner) = join(&app, "demo", "owner", "pw-owner").await;
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
    let (second_id, _) = join(&app, "demo", "agent", "pw-second").await;
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
    let (_, owner) = join(&app, "demo", "owner", "pw-owner").await;
    let (agent_id, agent) = join(&app, "demo", "agent", "pw-agent").await;
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
    let (_, token) = join(&app, "demo", "agent", "pw-agent").await;
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
    let (_, here) = join(&app, "demo", "agent", "old-password").await;
    let email = app.login_of(&here).await.email;
    let elsewhere = app.login(&email, "old-password").await.token;
    let mut other_inbox = app.staff_socket(&elsewhere).await;
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
