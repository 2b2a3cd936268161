//! An email is a job committed with its cause: SIGKILLed after the lead was committed
//! and before the alert was sent, the server sends it after the restart, once.

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
async fn a_staff_alert_survives_a_sigkill_and_is_sent_once() {
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
    ])
    .await;
    let client = reqwest::Client::new();
    let lead = server
        .create_lead(&client, "Vera", Some("Is anyone there?"))
        .await;
    // Committed, not yet due: killed before any worker could send it.
    server.kill();
    assert!(smtp.messages().is_empty());
    assert_eq!(
        count(&server, "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").await,
        1,
        "the alert was committed with the lead"
    );

    server.restart().await;
    for _ in 0..200 {
        if count(&server, "SELECT COUNT(*) FROM jobs WHERE done_at IS NULL").await == 0 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let received = smtp.messages();
    assert_eq!(
        received.len(),
        1,
        "sent once after the restart: {received:?}"
    );
    let body = decoded(&received[0]);
    assert!(body.contains("Is anyone there?"), "{body}");
    assert!(body.contains("To: demo@example.com"), "{body}");
    assert!(!lead.conv_id.0.is_empty());
}
