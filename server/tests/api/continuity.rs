//! A conversation continues by email (against aiosmtpd on loopback): staff replies
//! the visitor has not seen are emailed once, grouped, with a one-time link back to
//! the chat and an unsubscribe link; replies the visitor saw are not.

use crate::helpers::{TestApp, assert_error, eventually, spawn_app_with};
use crate::smtp::{SmtpServer, decoded};
use natter_protocol::{ChatLink, LeadCreated, MessageList};
use natter_server::config::MailArgs;
use reqwest::StatusCode;

/// The app emailing unseen replies after one second, with no staff alerts.
async fn app(smtp: &SmtpServer) -> TestApp {
    spawn_app_with(|s| {
        s.mail = MailArgs {
            email_delay_secs: 1,
            staff_alert_secs: 3600,
            ..smtp.settings()
        }
    })
    .await
}

async fn lead(app: &TestApp, email: Option<&str>) -> LeadCreated {
    let response = app
        .client
        .post(app.url("/widget/demo/demo/leads"))
        .json(&serde_json::json!({ "name": "Vera", "email": email, "message": "Do you ship to Hanoi?" }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::CREATED);
    response.json().await.unwrap()
}

/// Waits until no visitor email job is left to run.
async fn jobs_done(app: &TestApp) {
    eventually("the visitor email jobs' end", async || {
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'visitor_email' AND done_at IS NULL")
            .await
            == 0
    })
    .await;
}

async fn emails_to(smtp: &SmtpServer, to: &str) -> Vec<String> {
    smtp.messages()
        .into_iter()
        .filter(|m| m.contains(&format!("To: {to}")))
        .collect()
}

/// The code after `prefix` in an email's text (`…/c/nl_…`).
fn code_after(body: &str, prefix: &str) -> String {
    let start = body
        .find(prefix)
        .unwrap_or_else(|| panic!("{prefix} in {body}"))
        + prefix.len();
    body[start..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
        .collect()
}

async fn open_link(app: &TestApp, code: &str) -> reqwest::Response {
    app.client
        .post(app.url(&format!("/chat-links/{code}")))
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn unseen_replies_are_emailed_once_together_with_a_link_that_opens_the_chat() {
    let smtp = SmtpServer::start().await;
    let app = app(&smtp).await;
    let staff = app.staff_token().await;
    let lead = lead(&app, Some("vera@mail.example")).await;
    // Two replies before the delay: one email with both.
    app.reply_ok(&lead.conv_id, &staff, "Yes, we ship to Hanoi.")
        .await;
    app.reply_ok(&lead.conv_id, &staff, "Delivery takes 3 days.")
        .await;
    eventually("the email", async || {
        !emails_to(&smtp, "vera@mail.example").await.is_empty()
    })
    .await;
    jobs_done(&app).await;
    let mails = emails_to(&smtp, "vera@mail.example").await;
    assert_eq!(mails.len(), 1, "one email for both replies: {mails:?}");
    let mail = &mails[0];
    let body = decoded(mail);
    for text in ["Yes, we ship to Hanoi.", "Delivery takes 3 days.", "Demo"] {
        assert!(body.contains(text), "{text} in {body}");
    }
    assert!(
        mail.contains(&format!("Message-ID: <{}.3@shop.example>", lead.conv_id)),
        "{mail}"
    );
    assert!(
        mail.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click"),
        "{mail}"
    );

    // The link opens the conversation once, with a fresh token that reads its history.
    let code = code_after(&body, "https://chat.shop.example/c/");
    let opened = open_link(&app, &code).await;
    assert_eq!(opened.status(), StatusCode::OK);
    let link: ChatLink = opened.json().await.unwrap();
    assert_eq!(link.conv_id, lead.conv_id);
    assert_eq!(link.email.as_deref(), Some("vera@mail.example"));
    assert_ne!(link.visitor_token, lead.visitor_token);
    let history: MessageList = app.history(&lead.conv_id, &link.visitor_token, 0).await;
    let texts: Vec<&str> = history.messages.iter().map(|m| m.text.as_str()).collect();
    assert_eq!(
        texts,
        [
            "Do you ship to Hanoi?",
            "Yes, we ship to Hanoi.",
            "Delivery takes 3 days."
        ]
    );
    // The old token still works: the visitor's other browser is not signed out.
    app.history(&lead.conv_id, &lead.visitor_token, 0).await;
    let again = open_link(&app, &code).await;
    assert_eq!(assert_error(again, StatusCode::GONE).await, "link_used");
    let forged = open_link(&app, "nl_not-a-real-code").await;
    assert_error(forged, StatusCode::NOT_FOUND).await;

    // A later reply is a second email in the same thread, with only what is new.
    app.reply_ok(&lead.conv_id, &staff, "It left the warehouse.")
        .await;
    eventually("the second email", async || {
        emails_to(&smtp, "vera@mail.example").await.len() == 2
    })
    .await;
    let second = emails_to(&smtp, "vera@mail.example")
        .await
        .into_iter()
        .find(|m| m.contains("warehouse"))
        .expect("the second email");
    assert!(
        !decoded(&second).contains("Delivery takes 3 days."),
        "{second}"
    );
    assert!(
        second.contains(&format!("In-Reply-To: <{}.3@shop.example>", lead.conv_id)),
        "{second}"
    );
}

#[tokio::test]
async fn a_visitor_who_saw_the_reply_gets_no_email() {
    let smtp = SmtpServer::start().await;
    let app = app(&smtp).await;
    let staff = app.staff_token().await;
    let lead = lead(&app, Some("seen@mail.example")).await;
    let reply = app.reply_ok(&lead.conv_id, &staff, "Hi Vera!").await;
    let read = app
        .client
        .post(app.url(&format!("/conversations/{}/read", lead.conv_id)))
        .bearer_auth(&lead.visitor_token)
        .json(&serde_json::json!({ "seq": reply.seq }))
        .send()
        .await
        .unwrap();
    assert_eq!(read.status(), StatusCode::NO_CONTENT);
    // The job ran (and found nothing unseen) only after the delay.
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'visitor_email'")
            .await,
        1
    );
    jobs_done(&app).await;
    assert!(emails_to(&smtp, "seen@mail.example").await.is_empty());
}

#[tokio::test]
async fn no_email_without_an_address_or_once_unsubscribed() {
    let smtp = SmtpServer::start().await;
    let app = app(&smtp).await;
    let staff = app.staff_token().await;
    let anonymous = lead(&app, None).await;
    app.reply_ok(&anonymous.conv_id, &staff, "Hello?").await;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'visitor_email'")
            .await,
        0,
        "no job for a visitor without an address"
    );

    let lead = lead(&app, Some("bye@mail.example")).await;
    app.reply_ok(&lead.conv_id, &staff, "First answer").await;
    eventually("the email", async || {
        !emails_to(&smtp, "bye@mail.example").await.is_empty()
    })
    .await;
    let mail = decoded(&emails_to(&smtp, "bye@mail.example").await[0]);
    let code = code_after(&mail, "https://chat.shop.example/unsubscribe/");
    for _ in 0..2 {
        let response = app
            .client
            .post(app.url(&format!("/unsubscribe/{code}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::NO_CONTENT, "again is fine");
    }
    let page = app
        .client
        .get(format!("{}/unsubscribe/{code}", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    assert_eq!(page.headers()["cache-control"], "no-store");
    jobs_done(&app).await;
    app.reply_ok(&lead.conv_id, &staff, "Second answer").await;
    assert_eq!(
        app.sql_i64("SELECT COUNT(*) FROM jobs WHERE kind = 'visitor_email' AND done_at IS NULL")
            .await,
        0,
        "no job once unsubscribed"
    );
    let wrong = app
        .client
        .post(app.url("/unsubscribe/nl_unknown"))
        .send()
        .await
        .unwrap();
    assert_error(wrong, StatusCode::NOT_FOUND).await;
}
