//! The authorization matrix: two organizations × two website accounts × two
//! visitors, against every endpoint and socket subscription, with swapped,
//! guessed and foreign ids and tokens. Every attempt is refused, and no refused
//! answer carries anything of the conversation it aimed at.

use crate::helpers::{DEMO_ORIGIN, Socket, TestApp, spawn_app};
use natter_protocol::{ClientFrame, ConvId, LeadCreated, ServerFrame};
use natter_server::store::NewAccount;
use reqwest::StatusCode;
use std::time::Duration;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

struct Visitor {
    org: &'static str,
    account: &'static str,
    lead: LeadCreated,
    secret: String,
}

async fn add_account(app: &TestApp, org: &str, id: &str) {
    let origins = vec!["http://localhost:*".to_owned()];
    let account = NewAccount {
        org_id: org,
        id,
        name: id,
        greeting: "hi",
        theme_color: "#000000",
        allowed_origins: &origins,
    };
    app.store.create_account(account).await.unwrap();
}

async fn lead(app: &TestApp, org: &'static str, account: &'static str, n: usize) -> Visitor {
    let secret = format!(
        "secret-{org}-{account}-{n}-{}",
        uuid::Uuid::new_v4().simple()
    );
    let response = app
        .client
        .post(app.url(&format!("/widget/{org}/{account}/leads")))
        .json(&serde_json::json!({ "name": format!("V{n}"), "message": secret }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    Visitor {
        org,
        account,
        lead: response.json().await.unwrap(),
        secret,
    }
}

async fn socket_for(app: &TestApp, org: &str, account: &str) -> Socket {
    let mut request = format!("{}/ws?org_id={org}&account_id={account}", app.ws_base)
        .into_client_request()
        .unwrap();
    request
        .headers_mut()
        .insert("origin", DEMO_ORIGIN.parse().unwrap());
    let (stream, _) = tokio_tungstenite::connect_async(request).await.unwrap();
    Socket { stream }
}

/// One call on a conversation: the method, the path after `/conversations/{conv_id}`,
/// and the body.
struct Attempt(Method, &'static str, Body);

#[derive(Clone, Copy)]
enum Method {
    Get,
    Post,
    Patch,
    Put,
    Delete,
}

#[derive(Clone, Copy)]
enum Body {
    None,
    Text,
    Read,
    Status,
    Labels,
}

impl Attempt {
    async fn send(&self, app: &TestApp, token: &str, conv: &ConvId) -> reqwest::Response {
        let Attempt(method, path, body) = self;
        let url = app.url(&format!("/conversations/{conv}{path}"));
        let request = match method {
            Method::Get => app.client.get(url),
            Method::Post => app.client.post(url),
            Method::Patch => app.client.patch(url),
            Method::Put => app.client.put(url),
            Method::Delete => app.client.delete(url),
        };
        let request = match body {
            Body::None => request,
            Body::Text => {
                request.json(&serde_json::json!({ "text": "intrusion", "client_msg_id": "x" }))
            }
            Body::Read => request.json(&serde_json::json!({ "seq": 1 })),
            Body::Status => request.json(&serde_json::json!({ "status": "resolved" })),
            Body::Labels => request.json(&serde_json::json!(["intrusion"])),
        };
        request.bearer_auth(token).send().await.unwrap()
    }
}

/// A visitor's token on a conversation not its own: the visitor endpoints do not know
/// it, and the staff-only ones refuse a visitor token outright.
const VISITOR_ON_OTHERS: &[(Attempt, StatusCode)] = &[
    (
        Attempt(Method::Get, "/messages", Body::None),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Post, "/messages", Body::Text),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Post, "/read", Body::Read),
        StatusCode::NOT_FOUND,
    ),
    (Attempt(Method::Get, "", Body::None), StatusCode::FORBIDDEN),
    (
        Attempt(Method::Post, "/replies", Body::Text),
        StatusCode::FORBIDDEN,
    ),
    (
        Attempt(Method::Patch, "", Body::Status),
        StatusCode::FORBIDDEN,
    ),
    (
        Attempt(Method::Get, "/notes", Body::None),
        StatusCode::FORBIDDEN,
    ),
    (
        Attempt(Method::Post, "/notes", Body::Text),
        StatusCode::FORBIDDEN,
    ),
    (
        Attempt(Method::Delete, DELETE_FIRST, Body::None),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Put, "/labels", Body::Labels),
        StatusCode::FORBIDDEN,
    ),
];

/// A message id that exists in no conversation: the conversation is refused first.
const DELETE_FIRST: &str = "/messages/0190c0de-0000-7000-8000-000000000000";

/// A staff token on another organization's conversation: nothing exists there, and a
/// visitor's own endpoint refuses a staff token.
const STAFF_ON_FOREIGN: &[(Attempt, StatusCode)] = &[
    (Attempt(Method::Get, "", Body::None), StatusCode::NOT_FOUND),
    (
        Attempt(Method::Get, "/messages", Body::None),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Post, "/replies", Body::Text),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Patch, "", Body::Status),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Post, "/read", Body::Read),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Post, "/messages", Body::Text),
        StatusCode::FORBIDDEN,
    ),
    (
        Attempt(Method::Get, "/notes", Body::None),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Post, "/notes", Body::Text),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Delete, DELETE_FIRST, Body::None),
        StatusCode::NOT_FOUND,
    ),
    (
        Attempt(Method::Put, "/labels", Body::Labels),
        StatusCode::NOT_FOUND,
    ),
];

/// Asserts a refused answer: the status, and none of the secrets in the body.
async fn refused(response: reqwest::Response, status: StatusCode, secrets: &[String]) {
    let got = response.status();
    let body = response.text().await.unwrap();
    assert_eq!(got, status, "{body}");
    for secret in secrets {
        assert!(
            !body.contains(secret.as_str()),
            "a refused answer leaked {secret}"
        );
    }
}

#[tokio::test]
async fn no_token_opens_what_is_not_its_own() {
    let app = spawn_app().await;
    let acme_staff = app.other_org("acme").await;
    let demo_staff = app.staff_token().await;
    add_account(&app, "demo", "second").await;
    add_account(&app, "acme", "second").await;
    let mut visitors = Vec::new();
    for (org, account) in [
        ("demo", "demo"),
        ("demo", "second"),
        ("acme", "web"),
        ("acme", "second"),
    ] {
        for n in 0..2 {
            visitors.push(lead(&app, org, account, n).await);
        }
    }
    let secrets: Vec<String> = visitors.iter().map(|v| v.secret.clone()).collect();
    let guessed = ConvId(uuid::Uuid::new_v4().to_string());

    // Visitors: every conversation but their own, plus a guessed one.
    for me in &visitors {
        let token = &me.lead.visitor_token;
        let targets = visitors
            .iter()
            .map(|v| &v.lead.conv_id)
            .filter(|c| **c != me.lead.conv_id);
        for conv in targets.chain([&guessed]) {
            for (attempt, status) in VISITOR_ON_OTHERS {
                let response = attempt.send(&app, token, conv).await;
                refused(response, *status, &secrets).await;
            }
        }
        refused(
            app.client
                .get(app.url("/conversations"))
                .bearer_auth(token)
                .send()
                .await
                .unwrap(),
            StatusCode::FORBIDDEN,
            &secrets,
        )
        .await;
    }

    // Sockets: on one's own account's socket and on each other account's socket,
    // subscribing to anything not one's own gets an error frame and nothing else.
    for me in visitors.iter().step_by(2) {
        for (org, account) in [("demo", "demo"), ("acme", "web")] {
            let mut socket = socket_for(&app, org, account).await;
            for target in &visitors {
                let own_here = target.lead.conv_id == me.lead.conv_id
                    && me.org == org
                    && me.account == account;
                if own_here {
                    continue;
                }
                let frame = ClientFrame::Subscribe {
                    conv_id: target.lead.conv_id.clone(),
                    token: Some(me.lead.visitor_token.clone()),
                    after_seq: 0,
                };
                socket.send(&frame).await;
                assert!(
                    matches!(socket.next().await, ServerFrame::Error { .. }),
                    "{} into {}",
                    me.secret,
                    target.secret
                );
            }
            // Guessed tokens, staff tokens on a visitor socket, and no token at all.
            for token in [
                Some(format!("nv_{}", uuid::Uuid::new_v4().simple())),
                Some(demo_staff.clone()),
                None,
            ] {
                let frame = ClientFrame::Subscribe {
                    conv_id: me.lead.conv_id.clone(),
                    token,
                    after_seq: 0,
                };
                socket.send(&frame).await;
                assert!(matches!(socket.next().await, ServerFrame::Error { .. }));
            }
            assert!(
                socket
                    .next_within(Duration::from_millis(100))
                    .await
                    .is_none(),
                "no data over the socket"
            );
        }
    }

    // Staff: nothing of the other organization, by any endpoint or socket.
    for (token, own_org) in [(&demo_staff, "demo"), (&acme_staff, "acme")] {
        let foreign: Vec<&Visitor> = visitors.iter().filter(|v| v.org != own_org).collect();
        for v in &foreign {
            for (attempt, status) in STAFF_ON_FOREIGN {
                let response = attempt.send(&app, token, &v.lead.conv_id).await;
                refused(response, *status, &secrets).await;
            }
        }
        let list = app
            .client
            .get(app.url("/conversations"))
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        for v in &foreign {
            assert!(!list.contains(&v.secret) && !list.contains(&v.lead.conv_id.0));
        }
        let mut staff = app.staff_socket(token).await;
        for v in &foreign {
            staff
                .send(&ClientFrame::Subscribe {
                    conv_id: v.lead.conv_id.clone(),
                    token: None,
                    after_seq: 0,
                })
                .await;
            assert!(matches!(staff.next().await, ServerFrame::Error { .. }));
        }
        // Traffic in the other organization never reaches this staff socket.
        for v in &foreign {
            app.post_message(
                &v.lead.conv_id,
                &v.lead.visitor_token,
                "more",
                &uuid::Uuid::new_v4().to_string(),
            )
            .await;
        }
        assert!(
            staff
                .next_within(Duration::from_millis(300))
                .await
                .is_none()
        );
    }

    // Swapped path ids: an account id under the wrong organization does not exist.
    for (org, account) in [("demo", "web"), ("acme", "demo")] {
        let config = app
            .client
            .get(app.url(&format!("/widget/{org}/{account}/config")))
            .send()
            .await
            .unwrap();
        refused(config, StatusCode::NOT_FOUND, &secrets).await;
    }
    // A guessed token is simply unknown.
    let guess = format!("nv_{}", uuid::Uuid::new_v4().simple());
    let url = app.url(&format!(
        "/conversations/{}/messages",
        visitors[0].lead.conv_id
    ));
    refused(
        app.client.get(url).bearer_auth(guess).send().await.unwrap(),
        StatusCode::UNAUTHORIZED,
        &secrets,
    )
    .await;
}

/// A member of `org` with `role`; returns their token.
async fn member(app: &TestApp, org: &str, role: &str) -> String {
    app.join(org, role, "pw-member").await.1
}

#[tokio::test]
async fn website_settings_by_role_and_organization() {
    let app = spawn_app().await;
    app.other_org("acme").await;
    // (org, role, reads demo's website, changes it)
    let cases = [
        ("demo", "owner", StatusCode::OK, StatusCode::OK),
        ("demo", "admin", StatusCode::OK, StatusCode::OK),
        ("demo", "agent", StatusCode::OK, StatusCode::FORBIDDEN),
        (
            "acme",
            "owner",
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
        ),
        (
            "acme",
            "agent",
            StatusCode::NOT_FOUND,
            StatusCode::NOT_FOUND,
        ),
    ];
    let url = app.url("/accounts/demo");
    for (org, role, read, write) in cases {
        let token = member(&app, org, role).await;
        let got = app
            .client
            .get(&url)
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), read, "{role} of {org} reads");
        let got = app
            .client
            .patch(&url)
            .bearer_auth(&token)
            .json(&serde_json::json!({ "greeting": format!("by {role} of {org}") }))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), write, "{role} of {org} changes");
    }
}

/// What a role may do to a member of its organization's team (issue 16), and that
/// another organization's staff find no one: (actor's org, actor's role, target's role,
/// the change, the answer). Each case has its own actor and target, so no case
/// depends on another; `demo` also has its admin, and gets an owner first.
#[tokio::test]
async fn team_changes_by_role_and_organization() {
    let app = spawn_app().await;
    app.other_org("acme").await;
    member(&app, "demo", "owner").await;
    use Change::{Remove, Role};
    let (ok, no, none) = (StatusCode::OK, StatusCode::FORBIDDEN, StatusCode::NOT_FOUND);
    let gone = StatusCode::NO_CONTENT;
    let cases = [
        ("demo", "owner", "agent", Role("admin"), ok),
        ("demo", "owner", "admin", Role("owner"), ok),
        ("demo", "owner", "owner", Role("agent"), ok),
        ("demo", "owner", "agent", Remove, gone),
        ("demo", "owner", "owner", Remove, gone),
        ("demo", "admin", "agent", Role("admin"), ok),
        ("demo", "admin", "admin", Role("agent"), ok),
        ("demo", "admin", "agent", Role("owner"), no),
        ("demo", "admin", "owner", Role("admin"), no),
        ("demo", "admin", "agent", Remove, gone),
        ("demo", "admin", "owner", Remove, no),
        ("demo", "agent", "agent", Role("admin"), no),
        ("demo", "agent", "agent", Remove, no),
        ("acme", "owner", "agent", Role("admin"), none),
        ("acme", "owner", "agent", Remove, none),
        ("acme", "agent", "agent", Remove, none),
    ];
    for (org, role, target_role, change, want) in cases {
        let actor = member(&app, org, role).await;
        let target = member(&app, "demo", target_role).await;
        let target_id = app.login_of(&target).await.id;
        let url = app.url(&format!("/staff/{target_id}"));
        let request = match change {
            Role(new) => app
                .client
                .patch(&url)
                .json(&serde_json::json!({ "role": new })),
            Remove => app.client.delete(&url),
        };
        let got = request.bearer_auth(&actor).send().await.unwrap();
        assert_eq!(
            got.status(),
            want,
            "{role} of {org} → {target_role}: {change:?}"
        );
        let listed: natter_protocol::StaffList = app.get_json("/staff", &actor).await;
        assert_eq!(
            listed.staff.iter().any(|s| s.member.id == target_id),
            org == "demo" && want != gone,
            "{role} of {org} sees the demo member it tried to change"
        );
        if let (Role(new), StatusCode::OK) = (change, want) {
            let changed: natter_protocol::StaffMember = got.json().await.unwrap();
            assert_eq!(changed.role, new);
            // The member's own session sees the new role at once.
            assert_eq!(app.login_of(&target).await.role, new);
        }
    }
}

#[derive(Clone, Copy, Debug)]
enum Change {
    Role(&'static str),
    Remove,
}

/// Adding and deleting websites: owners and admins of the organization only.
#[tokio::test]
async fn websites_are_added_and_deleted_by_owners_and_admins() {
    let app = spawn_app().await;
    app.other_org("acme").await;
    let cases = [
        ("demo", "owner", StatusCode::CREATED, StatusCode::NO_CONTENT),
        ("demo", "admin", StatusCode::CREATED, StatusCode::NO_CONTENT),
        (
            "demo",
            "agent",
            StatusCode::FORBIDDEN,
            StatusCode::FORBIDDEN,
        ),
        ("acme", "owner", StatusCode::CREATED, StatusCode::NOT_FOUND),
    ];
    let admin = app.staff_token().await;
    for (org, role, create, delete) in cases {
        let token = member(&app, org, role).await;
        let got = app
            .client
            .post(app.url("/accounts"))
            .bearer_auth(&token)
            .json(&serde_json::json!({
                "name": "Shop Two", "allowed_origins": ["https://two.example"]
            }))
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), create, "{role} of {org} adds");
        // A demo website to delete, made by demo's admin.
        let target: natter_protocol::AccountSettings = app
            .client
            .post(app.url("/accounts"))
            .bearer_auth(&admin)
            .json(&serde_json::json!({
                "name": "Doomed", "allowed_origins": ["https://doomed.example"]
            }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let got = app
            .client
            .delete(app.url(&format!("/accounts/{}", target.id)))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), delete, "{role} of {org} deletes");
    }
}

#[tokio::test]
async fn identity_secrets_are_rotated_and_shown_to_owners_and_admins_only() {
    let app = spawn_app().await;
    app.other_org("acme").await;
    let cases = [
        ("demo", "owner", StatusCode::OK, true),
        ("demo", "admin", StatusCode::OK, true),
        ("demo", "agent", StatusCode::FORBIDDEN, false),
        ("acme", "owner", StatusCode::NOT_FOUND, false),
    ];
    for (org, role, rotate, sees) in cases {
        let token = member(&app, org, role).await;
        let got = app
            .client
            .post(app.url("/accounts/demo/identity-secret"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap();
        assert_eq!(got.status(), rotate, "{role} of {org} rotates");
        if org == "demo" {
            let settings: natter_protocol::AccountSettings =
                app.get_json("/accounts/demo", &token).await;
            assert_eq!(
                settings.identity_secret.is_some(),
                sees,
                "{role} sees the secret"
            );
        }
    }
}

#[tokio::test]
async fn email_settings_are_for_owners_and_admins() {
    let app = spawn_app().await;
    for (role, allowed) in [("owner", true), ("admin", true), ("agent", false)] {
        let token = member(&app, "demo", role).await;
        let status = app
            .client
            .get(app.url("/mail"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        // Email is off in these tests: the test email is a 409 for those who may send it.
        let test = app
            .client
            .post(app.url("/mail/test"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        let failures = app
            .client
            .get(app.url("/mail/failures"))
            .bearer_auth(&token)
            .send()
            .await
            .unwrap()
            .status();
        let (want_status, want_test) = if allowed {
            (StatusCode::OK, StatusCode::CONFLICT)
        } else {
            (StatusCode::FORBIDDEN, StatusCode::FORBIDDEN)
        };
        assert_eq!(
            (status, test, failures),
            (want_status, want_test, want_status),
            "{role}"
        );
    }
}

/// The staff tools of issue 18, by caller: no token, a visitor's token, each role of
/// the organization, and an owner of another. `{conv}`, `{visitor}` and `{message}`
/// are the demo organization's.
#[tokio::test]
async fn staff_tools_by_role_and_organization() {
    use reqwest::Method as M;
    let app = spawn_app().await;
    app.other_org("acme").await;
    let lead = lead(&app, "demo", "demo", 0).await;
    let conv = lead.lead.conv_id.0.clone();
    let detail: natter_protocol::ConversationDetail = app
        .get_json(&format!("/conversations/{conv}"), &app.staff_token().await)
        .await;
    let visitor = detail.summary.visitor.id;
    // A staff reply: the visitor may delete only their own messages.
    let message = app
        .reply_ok(&lead.lead.conv_id, &app.staff_token().await, "a reply")
        .await
        .id;
    const S: StatusCode = StatusCode::OK;
    const F: StatusCode = StatusCode::FORBIDDEN;
    const N: StatusCode = StatusCode::NOT_FOUND;
    // (method, path, body, owner, admin, agent, another organization's owner)
    let cases: Vec<(M, String, serde_json::Value, [StatusCode; 4])> = vec![
        (
            M::GET,
            "/search?q=hello".into(),
            serde_json::Value::Null,
            [S, S, S, S],
        ),
        (
            M::GET,
            "/labels".into(),
            serde_json::Value::Null,
            [S, S, S, S],
        ),
        (
            M::PATCH,
            "/labels/nope".into(),
            serde_json::json!({ "color": "#123456" }),
            [N, N, F, N],
        ),
        (
            M::DELETE,
            "/labels/nope".into(),
            serde_json::Value::Null,
            [N, N, F, N],
        ),
        (
            M::PUT,
            format!("/conversations/{conv}/labels"),
            serde_json::json!(["x"]),
            [S, S, S, N],
        ),
        (
            M::GET,
            format!("/conversations/{conv}/notes"),
            serde_json::Value::Null,
            [S, S, S, N],
        ),
        (
            M::GET,
            format!("/visitors/{visitor}/export"),
            serde_json::Value::Null,
            [S, S, F, N],
        ),
        (
            M::GET,
            "/retention".into(),
            serde_json::Value::Null,
            [S, S, S, S],
        ),
        (
            M::PUT,
            "/retention".into(),
            serde_json::json!({ "retention_days": null }),
            [S, S, F, S],
        ),
        (
            M::DELETE,
            format!("/conversations/{conv}/messages/{message}"),
            serde_json::Value::Null,
            [S, S, S, N],
        ),
        // Last: the admin (asked before the owner) erases, so the owner finds nothing.
        (
            M::DELETE,
            format!("/visitors/{visitor}"),
            serde_json::Value::Null,
            [N, StatusCode::NO_CONTENT, F, N],
        ),
    ];
    let callers = [
        member(&app, "demo", "owner").await,
        member(&app, "demo", "admin").await,
        member(&app, "demo", "agent").await,
        member(&app, "acme", "owner").await,
    ];
    let send = |method: M, path: &str, body: &serde_json::Value, token: Option<&str>| {
        let mut request = app.client.request(method, app.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        if !body.is_null() {
            request = request.json(body);
        }
        request.send()
    };
    for (method, path, body, expected) in &cases {
        let anonymous = send(method.clone(), path, body, None).await.unwrap();
        assert_eq!(
            anonymous.status(),
            StatusCode::UNAUTHORIZED,
            "{method} {path} without a token"
        );
        let visitor = send(method.clone(), path, body, Some(&lead.lead.visitor_token))
            .await
            .unwrap();
        assert_eq!(
            visitor.status(),
            StatusCode::FORBIDDEN,
            "{method} {path} with a visitor's token"
        );
        // The other organization and the agent first, who change nothing.
        for i in [3, 2, 1, 0] {
            let got = send(method.clone(), path, body, Some(&callers[i]))
                .await
                .unwrap();
            assert_eq!(got.status(), expected[i], "{method} {path} as caller {i}");
        }
    }
}
