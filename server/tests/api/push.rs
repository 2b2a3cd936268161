//! Browser push to staff, against a push service on loopback that checks what a real
//! one checks: an `aes128gcm` body and a VAPID `Authorization` signed for its origin.
//! The test holds the browser's private key and decrypts what arrived.

use crate::helpers::{TestApp, assert_error, eventually, spawn_app_with};
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use natter_protocol::{PushNotice, VapidPublicKey};
use reqwest::StatusCode;
use std::time::Duration;
use tokio::sync::mpsc;
use web_push_native::jwt_simple::algorithms::{ECDSAP256PublicKeyLike, ES256PublicKey};
use web_push_native::jwt_simple::claims::NoCustomClaims;
use web_push_native::jwt_simple::common::VerificationOptions;
use web_push_native::p256::elliptic_curve::sec1::ToEncodedPoint;
use web_push_native::{Auth, p256};

/// One request the push service received.
struct Received {
    path: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

/// A push service on loopback: `/gone/…` answers 410, anything else 201.
struct PushService {
    origin: String,
    received: mpsc::UnboundedReceiver<Received>,
}

impl PushService {
    async fn start() -> Self {
        let (tx, received) = mpsc::unbounded_channel();
        let app = axum::Router::new()
            .route(
                "/{kind}/{id}",
                axum::routing::post(
                    |State(tx): State<mpsc::UnboundedSender<Received>>,
                     Path((kind, id)): Path<(String, String)>,
                     headers: HeaderMap,
                     body: Bytes| async move {
                        let gone = kind == "gone";
                        let _ = tx.send(Received {
                            path: format!("/{kind}/{id}"),
                            headers,
                            body: body.to_vec(),
                        });
                        if gone {
                            AxumStatus::GONE
                        } else {
                            AxumStatus::CREATED
                        }
                    },
                ),
            )
            .with_state(tx);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let origin = format!("http://{}", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await });
        Self { origin, received }
    }

    async fn next(&mut self) -> Received {
        tokio::time::timeout(Duration::from_secs(10), self.received.recv())
            .await
            .expect("a push within 10 s")
            .expect("the service runs")
    }
}

/// A browser: its subscription keys, which only it (the test) can decrypt with.
struct Browser {
    secret: p256::SecretKey,
    auth: [u8; 16],
    endpoint: String,
}

impl Browser {
    fn new(endpoint: String) -> Self {
        Self {
            secret: p256::SecretKey::random(&mut rand::rngs::OsRng),
            auth: rand::random(),
            endpoint,
        }
    }

    fn subscription(&self) -> serde_json::Value {
        let public = self.secret.public_key().to_encoded_point(false);
        serde_json::json!({
            "endpoint": self.endpoint,
            "keys": {
                "p256dh": URL_SAFE_NO_PAD.encode(public.as_bytes()),
                "auth": URL_SAFE_NO_PAD.encode(self.auth),
            },
        })
    }

    async fn subscribe(&self, app: &TestApp, token: &str) {
        let response = app
            .client
            .post(app.url("/push/subscriptions"))
            .bearer_auth(token)
            .json(&self.subscription())
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::CREATED);
    }

    fn decrypt(&self, body: Vec<u8>) -> PushNotice {
        let plain =
            web_push_native::decrypt(body, &self.secret, &Auth::clone_from_slice(&self.auth))
                .expect("the payload decrypts with the browser's key");
        serde_json::from_slice(&plain).expect("a notice")
    }
}

async fn app_allowing_http() -> TestApp {
    spawn_app_with(|s| s.push.push_allow_http = true).await
}

/// Pushes due now have run (done or given up).
async fn pushes_settled(app: &TestApp) {
    eventually("the push jobs to finish", async || {
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'staff_push' AND done_at IS NULL")
            .await
            == 0
    })
    .await;
}

#[tokio::test]
async fn a_visitor_message_is_pushed_encrypted_and_signed_to_a_subscribed_browser() {
    let app = app_allowing_http().await;
    let mut service = PushService::start().await;
    let token = app.staff_token().await;
    let key: VapidPublicKey = app
        .client
        .get(app.url("/push/vapid-public-key"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let browser = Browser::new(format!("{}/push/one", service.origin));
    browser.subscribe(&app, &token).await;

    let lead = app
        .create_lead("Mai", Some("Is the blue one in stock?"))
        .await;
    let push = service.next().await;
    assert_eq!(push.path, "/push/one");
    assert_eq!(push.headers["content-encoding"], "aes128gcm");
    assert!(push.headers.contains_key("ttl"));
    assert_eq!(push.headers["urgency"], "high");

    // VAPID (RFC 8292): `vapid t=<JWT>, k=<the server's public key>`, the JWT signed by
    // that key for this push service's origin, with a subject and an expiry.
    let authorization = push.headers["authorization"].to_str().unwrap();
    let (t, k) = authorization
        .strip_prefix("vapid t=")
        .and_then(|rest| rest.split_once(", k="))
        .expect("vapid t=…, k=…");
    assert_eq!(k, key.key);
    let verifier = ES256PublicKey::from_bytes(&URL_SAFE_NO_PAD.decode(k).unwrap()).unwrap();
    let options = VerificationOptions {
        allowed_audiences: Some([service.origin.clone()].into()),
        ..VerificationOptions::default()
    };
    let claims = verifier
        .verify_token::<NoCustomClaims>(t, Some(options))
        .expect("signed by the server's key for this origin");
    assert!(claims.subject.is_some_and(|s| !s.is_empty()));
    assert!(claims.expires_at.is_some());

    let notice = browser.decrypt(push.body);
    assert_eq!(
        notice,
        PushNotice {
            conv_id: lead.conv_id.clone(),
            visitor: "Mai".into(),
            preview: "Is the blue one in stock?".into(),
            new_conversation: true,
        }
    );

    // A later message after an answer: pushed too, no longer a new conversation.
    app.reply_ok(&lead.conv_id, &token, "Yes!").await;
    let response = app
        .post_message(
            &lead.conv_id,
            &lead.visitor_token,
            "Great, I'll take it",
            "m2",
        )
        .await;
    assert_eq!(response.status(), StatusCode::CREATED);
    let notice = browser.decrypt(service.next().await.body);
    assert_eq!(notice.preview, "Great, I'll take it");
    assert!(!notice.new_conversation);
}

#[tokio::test]
async fn nothing_is_pushed_while_someone_is_online_or_to_a_member_who_turned_it_off() {
    let app = app_allowing_http().await;
    let mut service = PushService::start().await;
    let token = app.staff_token().await;
    Browser::new(format!("{}/push/watched", service.origin))
        .subscribe(&app, &token)
        .await;

    let inbox = app.staff_socket(&token).await;
    app.create_lead("Seen", Some("someone is looking")).await;
    pushes_settled(&app).await;
    drop(inbox);

    let response = app
        .client
        .put(app.url("/me/notifications"))
        .bearer_auth(&token)
        .json(&serde_json::json!({
            "email_new_conversation": true, "email_unanswered": true, "push": false,
        }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let settings: natter_protocol::NotificationSettings =
        app.get_json("/me/notifications", &token).await;
    assert!(!settings.push);
    app.create_lead("Muted", Some("nobody wants to hear")).await;
    pushes_settled(&app).await;
    assert!(service.received.try_recv().is_err(), "no push was sent");

    // Back on (a body without `push` means on): the next one arrives.
    let response = app
        .client
        .put(app.url("/me/notifications"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "email_new_conversation": true, "email_unanswered": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    app.create_lead("Heard", Some("now?")).await;
    assert_eq!(service.next().await.path, "/push/watched");
}

#[tokio::test]
async fn a_subscription_the_push_service_no_longer_knows_is_deleted() {
    let app = app_allowing_http().await;
    let mut service = PushService::start().await;
    let token = app.staff_token().await;
    Browser::new(format!("{}/gone/old-phone", service.origin))
        .subscribe(&app, &token)
        .await;
    let live = Browser::new(format!("{}/push/laptop", service.origin));
    live.subscribe(&app, &token).await;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM push_subscriptions").await,
        2
    );

    app.create_lead("Lan", Some("hello")).await;
    let mut paths = vec![service.next().await.path, service.next().await.path];
    paths.sort();
    assert_eq!(paths, ["/gone/old-phone", "/push/laptop"]);
    eventually("the gone subscription to be deleted", async || {
        app.sql_i64("SELECT COUNT(*) FROM push_subscriptions").await == 1
    })
    .await;

    // Unsubscribing the other: 204, and again 204 (nothing left to delete).
    for _ in 0..2 {
        let response = app
            .client
            .delete(app.url("/push/subscriptions"))
            .bearer_auth(&token)
            .json(&serde_json::json!({ "endpoint": live.endpoint }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM push_subscriptions").await,
        0
    );
}

#[tokio::test]
async fn subscriptions_must_be_https_with_valid_keys() {
    let strict = spawn_app_with(|_| {}).await;
    let token = strict.staff_token().await;
    let browser = Browser::new("http://127.0.0.1:9/push/x".into());
    let valid = browser.subscription();
    let cases = [
        (
            "plain http",
            serde_json::json!({"endpoint": "http://push.example/x", "keys": valid["keys"]}),
            "invalid_endpoint",
        ),
        (
            "a private host",
            serde_json::json!({"endpoint": "https://127.0.0.1/x", "keys": valid["keys"]}),
            "invalid_endpoint",
        ),
        (
            "not a URL",
            serde_json::json!({"endpoint": "push", "keys": valid["keys"]}),
            "invalid_endpoint",
        ),
        (
            "a bad key",
            serde_json::json!({"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": valid["keys"]["auth"]}}),
            "invalid_keys",
        ),
        (
            "a short secret",
            serde_json::json!({"endpoint": "https://push.example/x", "keys": {"p256dh": valid["keys"]["p256dh"], "auth": "AAAA"}}),
            "invalid_keys",
        ),
    ];
    for (what, body, code) in cases {
        let response = strict
            .client
            .post(strict.url("/push/subscriptions"))
            .bearer_auth(&token)
            .json(&body)
            .send()
            .await
            .unwrap();
        assert_eq!(
            assert_error(response, StatusCode::UNPROCESSABLE_ENTITY).await,
            code,
            "{what}"
        );
    }
    let response = strict
        .client
        .post(strict.url("/push/subscriptions"))
        .json(&valid)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn the_vapid_key_is_made_once_and_kept_across_restarts() {
    let app = app_allowing_http().await;
    let before: VapidPublicKey = app.get_json("/push/vapid-public-key", "").await;
    let app = app.restart().await;
    let after: VapidPublicKey = app.get_json("/push/vapid-public-key", "").await;
    assert_eq!(before, after);
}

#[tokio::test]
async fn a_subscription_belongs_to_its_member_and_hears_only_its_organization() {
    let app = app_allowing_http().await;
    let mut service = PushService::start().await;
    let token = app.staff_token().await;
    let browser = Browser::new(format!("{}/push/mine", service.origin));
    browser.subscribe(&app, &token).await;

    // A visitor's token subscribes nothing; a colleague's or a stranger's delete
    // leaves it in place.
    let lead = app.create_lead("Vy", Some("first")).await;
    service.next().await;
    let response = app
        .client
        .post(app.url("/push/subscriptions"))
        .bearer_auth(&lead.visitor_token)
        .json(&browser.subscription())
        .send()
        .await
        .unwrap();
    assert!(
        [StatusCode::UNAUTHORIZED, StatusCode::FORBIDDEN].contains(&response.status()),
        "{}",
        response.status()
    );
    let colleague = app.join("demo", "agent", "pw-colleague").await.1;
    let stranger = app.other_org("acme").await;
    for other in [&colleague, &stranger] {
        let response = app
            .client
            .delete(app.url("/push/subscriptions"))
            .bearer_auth(other)
            .json(&serde_json::json!({ "endpoint": browser.endpoint }))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM push_subscriptions").await,
        1
    );

    // Another organization's visitors never reach it.
    let response = app
        .client
        .post(app.url("/widget/acme/web/leads"))
        .json(&serde_json::json!({ "name": "Elsewhere", "message": "not yours" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    pushes_settled(&app).await;
    assert!(service.received.try_recv().is_err());
}
