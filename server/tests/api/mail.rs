//! Email against a real SMTP server on loopback (aiosmtpd, installed by
//! `scripts/setup.sh`): the test email, invitations by email, and the SMTP server's own
//! words when it fails.

use crate::helpers::{TestApp, assert_error, eventually, spawn_app, spawn_app_with};
use crate::smtp::{SmtpServer, decoded};
use natter_protocol::{Invitation, MailFailures, MailStatus};
use natter_server::config::MailArgs;
use reqwest::StatusCode;

async fn send_test(app: &TestApp, token: &str) -> reqwest::Response {
    app.client
        .post(app.url("/mail/test"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
}

async fn invite(app: &TestApp, token: &str, email: &str) -> Invitation {
    let response = app
        .client
        .post(app.url("/invitations"))
        .bearer_auth(token)
        .json(&serde_json::json!({ "email": email, "role": "agent" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

#[tokio::test]
async fn without_smtp_email_is_off_and_everything_else_works() {
    let app = spawn_app().await;
    let admin = app.staff_token().await;
    let status: MailStatus = app.get_json("/mail", &admin).await;
    assert_eq!(
        status,
        MailStatus {
            enabled: false,
            from: None
        }
    );
    let test = send_test(&app, &admin).await;
    assert_eq!(assert_error(test, StatusCode::CONFLICT).await, "email_off");
    let invitation = invite(&app, &admin, "off@shop.example").await;
    assert!(!invitation.emailed && invitation.email_error.is_none());
}

#[tokio::test]
async fn the_test_email_and_invitations_reach_a_real_smtp_server() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| s.mail = smtp.settings()).await;
    let admin = app.staff_token().await;
    let status: MailStatus = app.get_json("/mail", &admin).await;
    assert!(status.enabled);
    assert!(status.from.unwrap().contains("natter@shop.example"));

    let test = send_test(&app, &admin).await;
    assert_eq!(test.status(), StatusCode::NO_CONTENT);
    let received = smtp.messages();
    assert_eq!(received.len(), 1, "{received:?}");
    assert!(
        received[0].contains("To: demo@example.com"),
        "{}",
        received[0]
    );
    assert!(received[0].contains("Subject: Natter test email"));

    let invitation = invite(&app, &admin, "new.agent@shop.example").await;
    assert!(invitation.emailed, "{invitation:?}");
    assert!(
        invitation
            .invitation_url
            .starts_with("https://chat.shop.example/inbox/#/invite/ni_"),
        "NATTER_PUBLIC_URL is the base of links: {}",
        invitation.invitation_url
    );
    let received = smtp.messages();
    let mail = received
        .iter()
        .find(|m| m.contains("To: new.agent@shop.example"))
        .expect("the invitation email");
    let body = decoded(mail);
    assert!(body.contains(&invitation.invitation_url), "{mail}");
    assert!(
        mail.contains("multipart/alternative"),
        "plain text and HTML: {mail}"
    );
}

/// The app with email to a port nothing listens on any more (every connection is
/// refused), and staff alerts due after `alert_secs`.
async fn app_with_dead_smtp(alert_secs: u64) -> TestApp {
    let port = {
        let smtp = SmtpServer::start().await;
        smtp.port
    };
    spawn_app_with(|s| {
        s.mail = MailArgs {
            smtp_url: Some(format!("smtp://127.0.0.1:{port}")),
            mail_from: Some("natter@shop.example".into()),
            staff_alert_secs: alert_secs,
            ..MailArgs::default()
        }
    })
    .await
}

#[tokio::test]
async fn an_smtp_failure_is_reported_in_the_servers_own_words() {
    let app = app_with_dead_smtp(60).await;
    let admin = app.staff_token().await;
    let test = send_test(&app, &admin).await;
    assert_eq!(test.status(), StatusCode::BAD_GATEWAY);
    let body: serde_json::Value = test.json().await.unwrap();
    assert_eq!(body["error"]["code"], "smtp_failed");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.to_lowercase().contains("connect"), "{message}");

    // The invitation is still made: its link is shown, with why it was not emailed.
    let invitation = invite(&app, &admin, "later@shop.example").await;
    assert!(!invitation.emailed);
    assert!(invitation.email_error.is_some_and(|e| !e.is_empty()));
}

/// The app with email to `smtp` and staff alerts due at once.
async fn alerting_app(smtp: &SmtpServer) -> TestApp {
    spawn_app_with(|s| {
        s.mail = MailArgs {
            staff_alert_secs: 0,
            ..smtp.settings()
        }
    })
    .await
}

#[tokio::test]
async fn an_unanswered_lead_is_emailed_to_staff_once_when_nobody_is_online() {
    let smtp = SmtpServer::start().await;
    let app = alerting_app(&smtp).await;
    let lead = app.create_lead("Vera", Some("Do you ship to Hanoi?")).await;
    eventually("the alert email", async || {
        smtp.messages()
            .iter()
            .any(|m| m.contains("To: demo@example.com"))
    })
    .await;
    let received = smtp.messages();
    assert_eq!(received.len(), 1, "one email: {received:?}");
    let body = decoded(&received[0]);
    assert!(body.contains("Vera is waiting for an answer"), "{body}");
    assert!(body.contains("Do you ship to Hanoi?"), "{body}");
    assert!(
        body.contains(&format!(
            "https://chat.shop.example/inbox/#/c/{}",
            lead.conv_id
        )),
        "{body}"
    );
    // Its job is done: nothing will send it again.
    let pending = app
        .sql_i64("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL")
        .await;
    assert_eq!(pending, 0);
}

#[tokio::test]
async fn no_alert_while_a_staff_member_is_online() {
    let smtp = SmtpServer::start().await;
    let app = alerting_app(&smtp).await;
    let staff = app.staff_token().await;
    let _inbox = app.staff_socket(&staff).await;
    app.create_lead("Vera", Some("Hello?")).await;
    eventually("the alert job's end", async || {
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE done_at IS NOT NULL")
            .await
            == 1
    })
    .await;
    assert!(smtp.messages().is_empty(), "{:?}", smtp.messages());
}

#[tokio::test]
async fn an_inbox_left_open_while_away_does_not_hold_back_the_alert() {
    let smtp = SmtpServer::start().await;
    let app = alerting_app(&smtp).await;
    let staff = app.staff_token().await;
    let _inbox = app.staff_socket(&staff).await;
    let away = app
        .client
        .put(app.url("/me/availability"))
        .bearer_auth(&staff)
        .json(&serde_json::json!({ "away": true }))
        .send()
        .await
        .unwrap();
    assert_eq!(away.status(), StatusCode::OK);
    app.create_lead("Vera", Some("Anyone?")).await;
    eventually("the alert email", async || {
        smtp.messages()
            .iter()
            .any(|m| m.contains("To: demo@example.com"))
    })
    .await;
}

#[tokio::test]
async fn an_alert_the_smtp_server_refuses_is_listed_for_admins_with_its_words() {
    let app = app_with_dead_smtp(0).await;
    let admin = app.staff_token().await;
    let none: MailFailures = app.get_json("/mail/failures", &admin).await;
    assert!(none.failures.is_empty());
    let lead = app.create_lead("Vera", Some("Hello?")).await;
    eventually("the failure on the list", async || {
        let list: MailFailures = app.get_json("/mail/failures", &admin).await;
        !list.failures.is_empty()
    })
    .await;
    let list: MailFailures = app.get_json("/mail/failures", &admin).await;
    let failure = &list.failures[0];
    assert_eq!(failure.kind, "staff_alert");
    assert_eq!(failure.conv_id.as_ref(), Some(&lead.conv_id));
    assert!(!failure.given_up, "retried later");
    assert!(
        failure.error.to_lowercase().contains("connect"),
        "{}",
        failure.error
    );
    // Another organization sees none of it.
    app.other_org("mail-elsewhere").await;
    let (_, other_admin) = app.join("mail-elsewhere", "admin", "pw-other-admin").await;
    let theirs: MailFailures = app.get_json("/mail/failures", &other_admin).await;
    assert!(theirs.failures.is_empty());
}

#[tokio::test]
async fn a_visitor_who_writes_again_unanswered_alerts_those_who_want_it_once() {
    let smtp = SmtpServer::start().await;
    // One second: both follow-up messages arrive before the alert goes out.
    let app = spawn_app_with(|s| {
        s.mail = MailArgs {
            staff_alert_secs: 1,
            ..smtp.settings()
        }
    })
    .await;
    let staff = app.staff_token().await;
    let (_, quiet) = app.join("demo", "agent", "pw-quiet-agent").await;
    let off = serde_json::json!({ "email_new_conversation": true, "email_unanswered": false, "email_assignment": false, "push": true });
    let response = app
        .client
        .put(app.url("/me/notifications"))
        .bearer_auth(&quiet)
        .json(&off)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let quiet_email = app.login_of(&quiet).await.email;

    // Answered while the team was there; the visitor writes twice after everyone left.
    let lead = app
        .create_lead("Vera", Some("Is the blue one in stock?"))
        .await;
    app.reply_ok(&lead.conv_id, &staff, "Yes, it is.").await;
    for (text, key) in [
        ("Great, can I pick it up today?", "k1"),
        ("Around 5pm?", "k2"),
    ] {
        let sent = app
            .post_message(&lead.conv_id, &lead.visitor_token, text, key)
            .await;
        assert_eq!(sent.status(), StatusCode::CREATED);
    }
    eventually("the alert", async || {
        smtp.messages().iter().any(|m| m.contains("wrote again"))
    })
    .await;
    eventually("every alert job's end", async || {
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL")
            .await
            == 0
    })
    .await;
    let alerts: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| decoded(m))
        .filter(|m| m.contains("wrote again"))
        .collect();
    assert_eq!(alerts.len(), 1, "one alert for both messages: {alerts:?}");
    let alert = &alerts[0];
    for text in ["Great, can I pick it up today?", "Around 5pm?"] {
        assert!(alert.contains(text), "{text} in {alert}");
    }
    assert!(
        !alert.contains("Is the blue one in stock?"),
        "only what is unanswered"
    );
    assert!(alert.contains("demo@example.com"), "{alert}");
    assert!(
        !alert.contains(&quiet_email),
        "not to who turned it off: {alert}"
    );
    let settings: serde_json::Value = app.get_json("/me/notifications", &quiet).await;
    assert_eq!(settings, off);
}

#[tokio::test]
async fn an_assignment_by_someone_else_is_emailed_to_an_assignee_who_wants_it() {
    let smtp = SmtpServer::start().await;
    let app = spawn_app_with(|s| {
        s.mail = MailArgs {
            staff_alert_secs: 3600,
            ..smtp.settings()
        }
    })
    .await;
    let staff = app.staff_token().await;
    let (keen_id, keen) = app.join("demo", "agent", "pw-keen").await;
    let (quiet_id, _) = app.join("demo", "agent", "pw-quiet").await;
    let wants = serde_json::json!({
        "email_new_conversation": true, "email_unanswered": true, "email_assignment": true,
    });
    let response = app
        .client
        .put(app.url("/me/notifications"))
        .bearer_auth(&keen)
        .json(&wants)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    let keen_email = app.login_of(&keen).await.email;
    let lead = app
        .create_lead("Lan", Some("Can someone call me back?"))
        .await;
    let assign = |token: String, to: String| {
        let app = &app;
        let conv = lead.conv_id.0.clone();
        async move {
            let response = app
                .client
                .patch(app.url(&format!("/conversations/{conv}")))
                .bearer_auth(token)
                .json(&serde_json::json!({ "assignee_id": to }))
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), StatusCode::OK);
        }
    };
    // The keen member assigning it to themselves: no email. The quiet member (off by
    // default): none. Then assigned to the keen member by someone else: one.
    assign(keen.clone(), keen_id.clone()).await;
    assign(staff.clone(), quiet_id).await;
    assign(staff.clone(), keen_id).await;
    eventually("the assignment email", async || {
        smtp.messages().iter().any(|m| m.contains("assigned you"))
    })
    .await;
    eventually("every job's end", async || {
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE done_at IS NULL AND kind <> 'staff_alert'")
            .await
            == 0
    })
    .await;
    let emails: Vec<String> = smtp
        .messages()
        .iter()
        .map(|m| decoded(m))
        .filter(|m| m.contains("assigned you"))
        .collect();
    assert_eq!(emails.len(), 1, "{emails:?}");
    assert!(
        emails[0].contains(&keen_email),
        "to the assignee: {}",
        emails[0]
    );
    assert!(emails[0].contains("Demo Agent assigned you the conversation with Lan"));
    assert!(emails[0].contains("Can someone call me back?"));
    assert!(emails[0].contains(&format!("/inbox/#/c/{}", lead.conv_id)));
}
