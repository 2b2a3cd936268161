//! Webhooks (issue 20): a receiver on loopback verifies every signature and, after
//! deduping by id, sees each event of a scripted conversation once, in order; one that
//! is down for a while gets everything when it is back; endpoints are for owners and
//! admins, on public https hosts (loopback only in tests), with secrets shown once.

use crate::helpers::{TestApp, assert_error, eventually, send, spawn_app, spawn_app_with};
use crate::receiver::{Receiver, verify};
use crate::smtp::{SmtpServer, decoded};
use natter_protocol::{ConvId, Webhook, WebhookDeliveries, Webhooks};
use natter_server::config::MailArgs;
use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use std::sync::atomic::Ordering;

async fn add_endpoint(app: &TestApp, token: &str, body: Value) -> Webhook {
    let response = send(app, Method::POST, "/webhooks", token, Some(body)).await;
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

fn all_events() -> Value {
    json!([
        "conversation.created",
        "conversation.updated",
        "message.created",
        "message.deleted",
        "visitor.updated",
        "visitor.deleted"
    ])
}

/// The events about `conv`, as `type` or `type:detail`.
fn script_of(events: &[Value], conv: &ConvId) -> Vec<String> {
    events
        .iter()
        .filter(|e| e["data"]["conv_id"] == conv.0)
        .map(|e| {
            let kind = e["type"].as_str().unwrap();
            let data = &e["data"];
            match kind {
                "message.created" => {
                    format!("{kind}:{}", data["message"]["text"].as_str().unwrap())
                }
                "conversation.updated" => format!("{kind}:{}", data["changes"]),
                _ => kind.to_owned(),
            }
        })
        .collect()
}

#[tokio::test]
async fn a_scripted_conversation_reaches_a_verifying_receiver_once_each_in_order() {
    let receiver = Receiver::start().await;
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let me = app.login_of(&admin).await;
    let endpoint = add_endpoint(
        &app,
        &admin,
        json!({ "url": receiver.url, "events": all_events() }),
    )
    .await;
    let secret = endpoint
        .secret
        .clone()
        .expect("the secret, shown at creation");
    assert!(
        secret.starts_with("whsec_") && secret.len() > 40,
        "{secret}"
    );
    // Never shown again.
    let listed: Webhooks = app.get_json("/webhooks", &admin).await;
    assert_eq!(listed.webhooks.len(), 1);
    assert_eq!(listed.webhooks[0].secret, None);
    assert!(!serde_json::to_string(&listed).unwrap().contains(&secret));

    // The script.
    let lead = app.create_lead("Vera", Some("Where is my order?")).await;
    let conv = &lead.conv_id;
    app.reply_ok(conv, &admin, "Let me look").await;
    let path = format!("/conversations/{conv}");
    let assign = json!({ "assignee_id": me.id });
    assert_eq!(
        send(&app, Method::PATCH, &path, &admin, Some(assign))
            .await
            .status(),
        StatusCode::OK
    );
    let labels = json!(["shipping"]);
    let labelled = send(
        &app,
        Method::PUT,
        &format!("{path}/labels"),
        &admin,
        Some(labels),
    )
    .await;
    assert_eq!(labelled.status(), StatusCode::OK);
    let note = json!({ "text": "internal: refund approved", "client_msg_id": "n1" });
    let noted = send(
        &app,
        Method::POST,
        &format!("{path}/notes"),
        &admin,
        Some(note),
    )
    .await;
    assert_eq!(noted.status(), StatusCode::CREATED);
    let mistake = app.reply_ok(conv, &admin, "Wrong window").await;
    let deleted = send(
        &app,
        Method::DELETE,
        &format!("{path}/messages/{}", mistake.id),
        &admin,
        None,
    )
    .await;
    assert_eq!(deleted.status(), StatusCode::OK);
    app.resolve(&admin, conv).await;
    let again = app
        .post_message(conv, &lead.visitor_token, "One more thing", "v2")
        .await;
    assert_eq!(again.status(), StatusCode::CREATED);
    // A retried post is one message, one event.
    let retried = app
        .post_message(conv, &lead.visitor_token, "One more thing", "v2")
        .await;
    assert_eq!(retried.status(), StatusCode::OK);
    // A label deleted is taken off its conversations: each is updated.
    let unlabelled = send(&app, Method::DELETE, "/labels/shipping", &admin, None).await;
    assert_eq!(unlabelled.status(), StatusCode::NO_CONTENT);

    let want = [
        "conversation.created".to_owned(),
        "message.created:Where is my order?".into(),
        "message.created:Let me look".into(),
        format!("conversation.updated:{}", json!({ "assignee_id": me.id })),
        format!("conversation.updated:{}", json!({ "labels": ["shipping"] })),
        "message.created:Wrong window".into(),
        "message.deleted".into(),
        format!("conversation.updated:{}", json!({ "status": "resolved" })),
        "message.created:One more thing".into(),
        format!("conversation.updated:{}", json!({ "status": "open" })),
        format!("conversation.updated:{}", json!({ "labels": [] })),
    ];
    eventually("every event delivered", async || {
        receiver.events().len() >= want.len()
    })
    .await;
    // Nothing more comes (the note was not asked for).
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    let events = receiver.events();
    assert_eq!(script_of(&events, conv), want);
    assert_eq!(events.len(), want.len(), "{events:#?}");
    for r in receiver.received() {
        assert!(verify(&secret, &r), "a signature did not verify: {r:?}");
        let body: Value = serde_json::from_str(&r.body).unwrap();
        assert_eq!(body["id"], r.id, "the header names the event");
        assert_eq!(body["org_id"], "demo");
        assert!(body["created_at"].as_i64().is_some());
        assert!(
            !r.body.contains("refund approved"),
            "a note reached an endpoint that did not ask"
        );
    }
    let seqs: Vec<u64> = events
        .iter()
        .filter(|e| e["type"] == "message.created")
        .map(|e| e["data"]["message"]["seq"].as_u64().unwrap())
        .collect();
    assert_eq!(seqs, [1, 2, 3, 4]);
    let created = &events[0]["data"];
    assert_eq!(created["visitor"]["name"], "Vera");
    assert_eq!(created["account_id"], "demo");

    // The log shows each delivery, delivered with the receiver's status and time.
    let log: WebhookDeliveries = app
        .get_json(&format!("/webhooks/{}/deliveries", endpoint.id), &admin)
        .await;
    assert_eq!(log.deliveries.len(), want.len());
    for d in &log.deliveries {
        assert_eq!(
            d.status,
            natter_protocol::DeliveryStatus::Delivered,
            "{d:?}"
        );
        assert_eq!(d.response_status, Some(200));
        assert!(d.response_ms.is_some() && d.done_at.is_some());
    }
}

#[tokio::test]
async fn a_receiver_down_for_a_while_gets_everything_in_order_when_back() {
    let receiver = Receiver::start().await;
    receiver.status.store(503, Ordering::SeqCst);
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let endpoint = add_endpoint(
        &app,
        &admin,
        json!({ "url": receiver.url, "events": ["message.created"] }),
    )
    .await;
    let secret = endpoint.secret.unwrap();
    let lead = app.create_lead("Dana", Some("m1")).await;
    for i in 2..=6 {
        app.reply_ok(&lead.conv_id, &admin, &format!("m{i}")).await;
    }
    // Down: the first event is tried again and again; the others wait their turn.
    eventually("three failed attempts", async || {
        receiver.received().len() >= 3
    })
    .await;
    assert!(
        receiver
            .received()
            .iter()
            .all(|r| r.body.contains("\"m1\"")),
        "a later event overtook the first"
    );
    let log: WebhookDeliveries = app
        .get_json(&format!("/webhooks/{}/deliveries", endpoint.id), &admin)
        .await;
    let first = log.deliveries.last().unwrap();
    assert_eq!(first.status, natter_protocol::DeliveryStatus::Pending);
    assert_eq!(first.response_status, Some(503));
    assert!(
        first.attempts >= 2 && first.next_attempt_at.is_some(),
        "{first:?}"
    );

    receiver.status.store(200, Ordering::SeqCst);
    eventually("everything delivered", async || {
        receiver.events().len() == 6
    })
    .await;
    let texts: Vec<String> = receiver
        .events()
        .iter()
        .map(|e| e["data"]["message"]["text"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(texts, ["m1", "m2", "m3", "m4", "m5", "m6"]);
    assert!(receiver.received().iter().all(|r| verify(&secret, r)));
}

#[tokio::test]
async fn endpoints_are_for_admins_on_public_https_hosts_with_secrets_shown_once() {
    let receiver = Receiver::start().await;
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let (_, agent) = app.join("demo", "agent", "agent-password").await;
    let body = json!({ "url": receiver.url, "events": ["message.created"] });

    // Agents may not, whatever they try.
    for (method, path) in [
        (Method::GET, "/webhooks".to_owned()),
        (Method::POST, "/webhooks".to_owned()),
    ] {
        let refused = send(&app, method, &path, &agent, Some(body.clone())).await;
        assert_eq!(
            assert_error(refused, StatusCode::FORBIDDEN).await,
            "forbidden"
        );
    }

    // Where an endpoint may not be (the tests allow loopback; nothing else private).
    for url in [
        "http://hooks.example.com/x",
        "https://10.0.0.7/x",
        "https://169.254.169.254/latest/meta-data",
        "https://user:pw@hooks.example.com/",
        "ftp://hooks.example.com/",
        "not a url",
    ] {
        let refused = send(
            &app,
            Method::POST,
            "/webhooks",
            &admin,
            Some(json!({ "url": url, "events": ["message.created"] })),
        )
        .await;
        assert_eq!(
            assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_url",
            "{url}"
        );
    }
    let no_events = send(
        &app,
        Method::POST,
        "/webhooks",
        &admin,
        Some(json!({ "url": receiver.url, "events": [] })),
    )
    .await;
    assert_eq!(
        assert_error(no_events, StatusCode::UNPROCESSABLE_ENTITY).await,
        "invalid_events"
    );

    let endpoint = add_endpoint(&app, &admin, body).await;
    let first_secret = endpoint.secret.clone().unwrap();
    let path = format!("/webhooks/{}", endpoint.id);
    let refused = send(
        &app,
        Method::PATCH,
        &path,
        &agent,
        Some(json!({ "enabled": false })),
    )
    .await;
    assert_eq!(refused.status(), StatusCode::FORBIDDEN);
    // Another organization's admin cannot see or touch it.
    app.other_org("elsewhere").await;
    let (_, stranger) = app.join("elsewhere", "admin", "stranger-password").await;
    for (method, p) in [
        (Method::PATCH, path.clone()),
        (Method::DELETE, path.clone()),
        (Method::GET, format!("{path}/deliveries")),
        (Method::POST, format!("{path}/test")),
    ] {
        let refused = send(&app, method, &p, &stranger, Some(json!({}))).await;
        assert_eq!(refused.status(), StatusCode::NOT_FOUND, "{p}");
    }

    // Rotation: a new secret, shown once, signs from then on.
    let rotated = send(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({ "rotate_secret": true })),
    )
    .await;
    assert_eq!(rotated.status(), StatusCode::OK);
    let rotated: Webhook = rotated.json().await.unwrap();
    let secret = rotated.secret.unwrap();
    assert_ne!(secret, first_secret);

    // "Send test event", then "redeliver" it: the same event id twice, both signed.
    let test = send(&app, Method::POST, &format!("{path}/test"), &admin, None).await;
    assert_eq!(test.status(), StatusCode::ACCEPTED);
    let test: natter_protocol::WebhookDelivery = test.json().await.unwrap();
    eventually("the test event", async || receiver.received().len() == 1).await;
    let redeliver = format!("{path}/deliveries/{}/redeliver", test.id);
    assert_eq!(
        send(&app, Method::POST, &redeliver, &admin, None)
            .await
            .status(),
        StatusCode::ACCEPTED
    );
    eventually("the redelivery", async || receiver.received().len() == 2).await;
    let got = receiver.received();
    assert_eq!(got[0].id, got[1].id);
    assert_eq!(got[0].id, test.event_id);
    assert!(got.iter().all(|r| verify(&secret, r)));
    assert!(
        !got.iter().any(|r| verify(&first_secret, r)),
        "the old secret still signs"
    );
    assert!(got[0].body.contains("\"webhook.test\""));
    let unknown = send(
        &app,
        Method::POST,
        &format!("{path}/deliveries/999999/redeliver"),
        &admin,
        None,
    )
    .await;
    assert_eq!(
        assert_error(unknown, StatusCode::NOT_FOUND).await,
        "not_found"
    );

    // Disabled: sent nothing new. Deleted: gone.
    let off = send(
        &app,
        Method::PATCH,
        &path,
        &admin,
        Some(json!({ "enabled": false })),
    )
    .await;
    assert_eq!(off.status(), StatusCode::OK);
    app.create_lead("Quiet", Some("nobody hears this")).await;
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(receiver.received().len(), 2);
    assert_eq!(
        send(&app, Method::DELETE, &path, &admin, None)
            .await
            .status(),
        StatusCode::NO_CONTENT
    );
    let gone = send(&app, Method::DELETE, &path, &admin, None).await;
    assert_eq!(assert_error(gone, StatusCode::NOT_FOUND).await, "not_found");
}

#[tokio::test]
async fn notes_only_to_endpoints_that_ask_and_an_erased_visitor_is_not_sent() {
    let asks = Receiver::start().await;
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    add_endpoint(
        &app,
        &admin,
        json!({ "url": asks.url, "events": all_events(), "include_notes": true }),
    )
    .await;
    let lead = app.create_lead("Erin", Some("Hello")).await;
    let conv = &lead.conv_id;
    let note = json!({ "text": "VIP customer", "client_msg_id": "n1" });
    let noted = send(
        &app,
        Method::POST,
        &format!("/conversations/{conv}/notes"),
        &admin,
        Some(note),
    )
    .await;
    assert_eq!(noted.status(), StatusCode::CREATED);
    eventually("the note", async || {
        asks.events().iter().any(|e| e["data"]["internal"] == true)
    })
    .await;
    let note = asks
        .events()
        .into_iter()
        .find(|e| e["data"]["internal"] == true)
        .unwrap();
    assert_eq!(note["type"], "message.created");
    assert_eq!(note["data"]["message"]["text"], "VIP customer");

    // Erasure: the visitor's pending events are dropped and `visitor.deleted` sent.
    let erase = format!("/visitors/{}", lead.visitor_id);
    let erased = send(&app, Method::DELETE, &erase, &admin, None).await;
    assert_eq!(erased.status(), StatusCode::NO_CONTENT);
    eventually("visitor.deleted", async || {
        asks.events().iter().any(|e| e["type"] == "visitor.deleted")
    })
    .await;
    let deleted = asks
        .events()
        .into_iter()
        .find(|e| e["type"] == "visitor.deleted")
        .unwrap();
    assert_eq!(deleted["data"]["visitor_id"], lead.visitor_id);
    let left = app
        .sql_i64(&format!(
            "SELECT COUNT(*) FROM webhook_deliveries WHERE ordering_key = '{}'",
            conv.0
        ))
        .await;
    assert_eq!(left, 0, "the log still holds the erased visitor's messages");
}

#[tokio::test]
async fn a_delivery_given_up_marks_the_endpoint_failing_and_emails_the_admins() {
    let smtp = SmtpServer::start().await;
    let receiver = Receiver::start().await;
    receiver.status.store(500, Ordering::SeqCst);
    let app = spawn_app_with(|s| {
        s.mail = MailArgs {
            staff_alert_secs: 3600,
            ..smtp.settings()
        }
    })
    .await;
    let admin = app.staff_token().await;
    let endpoint = add_endpoint(
        &app,
        &admin,
        json!({ "url": receiver.url, "events": ["conversation.created"] }),
    )
    .await;
    app.create_lead("Fay", None).await;
    eventually("a failed attempt", async || !receiver.received().is_empty()).await;
    // As if a day of retries had passed: the next failure is the last.
    app.sql("UPDATE webhook_deliveries SET attempts = 18").await;
    let path = format!("/webhooks/{}", endpoint.id);
    eventually("the endpoint marked failing", async || {
        let listed: Webhooks = app.get_json("/webhooks", &admin).await;
        listed.webhooks[0].failing_since.is_some()
    })
    .await;
    let log: WebhookDeliveries = app.get_json(&format!("{path}/deliveries"), &admin).await;
    assert_eq!(
        log.deliveries[0].status,
        natter_protocol::DeliveryStatus::Failed
    );
    assert_eq!(log.deliveries[0].response_status, Some(500));
    eventually("the email to the admins", async || {
        !smtp.messages().is_empty()
    })
    .await;
    let mail = decoded(&smtp.messages()[0]);
    assert!(mail.contains("A webhook endpoint is failing"), "{mail}");
    assert!(mail.contains(&receiver.url), "{mail}");

    // A later delivery that goes through clears it.
    receiver.status.store(200, Ordering::SeqCst);
    app.create_lead("Gus", None).await;
    eventually("the endpoint healthy again", async || {
        let listed: Webhooks = app.get_json("/webhooks", &admin).await;
        listed.webhooks[0].failing_since.is_none()
    })
    .await;
}

#[tokio::test]
async fn without_the_allow_flag_loopback_and_private_addresses_are_refused() {
    let receiver = Receiver::start().await;
    let app = spawn_app_with(|s| s.webhooks.webhook_allow_http = false).await;
    let admin = app.staff_token().await;
    for url in [
        receiver.url.as_str(),
        "https://127.0.0.1/hook",
        "https://127.8.9.10/hook",
        "https://localhost/hook",
        "https://app.localhost/hook",
        "https://[::1]/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://0.0.0.0/hook",
        "https://10.1.2.3/hook",
        "https://172.16.0.1/hook",
        "https://192.168.0.1/hook",
        "https://169.254.169.254/latest/meta-data",
        "https://[fd00::1]/hook",
        "https://[fe80::1]/hook",
    ] {
        let refused = send(
            &app,
            Method::POST,
            "/webhooks",
            &admin,
            Some(json!({ "url": url, "events": ["message.created"] })),
        )
        .await;
        assert_eq!(
            assert_error(refused, StatusCode::UNPROCESSABLE_ENTITY).await,
            "invalid_url",
            "{url}"
        );
    }
    let listed: Webhooks = app.get_json("/webhooks", &admin).await;
    assert!(listed.webhooks.is_empty());
    // Nothing reached the receiver on loopback.
    assert!(receiver.received().is_empty());
}

#[tokio::test]
async fn redirects_are_not_followed() {
    let endpoint = Receiver::start().await;
    let elsewhere = Receiver::start().await;
    *endpoint.redirect_to.lock().unwrap() = Some(elsewhere.url.clone());
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let hook = add_endpoint(
        &app,
        &admin,
        json!({ "url": endpoint.url, "events": ["conversation.created"] }),
    )
    .await;
    app.create_lead("Ivo", None).await;
    eventually("two attempts", async || endpoint.received().len() >= 2).await;
    assert!(elsewhere.received().is_empty(), "a redirect was followed");
    let log: WebhookDeliveries = app
        .get_json(&format!("/webhooks/{}/deliveries", hook.id), &admin)
        .await;
    assert_eq!(log.deliveries[0].response_status, Some(307));
    assert_eq!(
        log.deliveries[0].status,
        natter_protocol::DeliveryStatus::Pending
    );
}
