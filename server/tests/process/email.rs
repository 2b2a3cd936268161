//! An email is a job committed with its cause: SIGKILLed after the lead and a staff
//! reply were committed and before their emails were sent (the staff alert, the
//! visitor's copy of the reply), the server sends each after the restart, once.

use crate::server::Server;
use crate::smtp::{SmtpServer, decoded};
use std::time::Duration;

/// The number `query` counts in the server's SQLite file.
async fn count(server: &Server, query: &str) -> i64 {
    sqlx::any::install_default_drivers();
    let url = format!("sqlite://{}", server.db_path().display());
    let pool = sqlx::AnyPool::connect(&url).await.unwrap();
    let (n,): (i64,) = sqlx::query_as(query).fetch_one(&pool).await.unwrap();
    pool.close().await;
    n
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emails_survive_a_sigkill_and_are_sent_once() {
    let smtp = SmtpServer::start().await;
    let mail = smtp.settings();
    let (url, from) = (mail.smtp_url.unwrap(), mail.mail_from.unwrap());
    let mut server = Server::start(&[
        "--smtp-url",
        &url,
        "--mail-from",
        &from,
        "--staff-alert-secs",
        "2",
        "--email-delay-secs",
        "2",
    ])
    .await;
    let client = reqwest::Client::new();
    let lead = server
        .create_lead(&client, "Vera", Some("Is anyone there?"))
        .await;
    let with_email = server
        .post_lead(
            &client,
            &serde_json::json!({ "name": "Ann", "email": "ann@mail.example", "message": "Hi" }),
        )
        .await;
    let login = server.login(&client).await;
    let reply = client
        .post(format!(
            "{}/api/v1/conversations/{}/replies",
            server.base, with_email.conv_id
        ))
        .bearer_auth(&login.token)
        .json(&serde_json::json!({ "text": "Hello Ann, how can I help?", "client_msg_id": "r1" }))
        .send()
        .await
        .unwrap();
    assert_eq!(reply.status(), reqwest::StatusCode::CREATED);
    // Committed, not yet due: killed before any worker could send them.
    server.kill();
    assert!(smtp.messages().is_empty());
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").await,
        3,
        "two alerts committed with the leads, the visitor's email with the reply"
    );

    server.restart().await;
    for _ in 0..200 {
        if count(&server, "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received: Vec<String> = smtp.messages().iter().map(|m| decoded(m)).collect();
    assert_eq!(
        received.len(),
        2,
        "sent once after the restart: {received:?}"
    );
    let to = |address: &str| {
        received
            .iter()
            .find(|m| m.contains(&format!("To: {address}")))
            .unwrap_or_else(|| panic!("an email to {address}: {received:?}"))
    };
    // Ann was answered before her alert was due: only Vera's alert goes out.
    assert!(to("demo@example.com").contains("waiting for an answer"));
    assert!(to("ann@mail.example").contains("Hello Ann, how can I help?"));
    assert!(!lead.conv_id.0.is_empty());
}
