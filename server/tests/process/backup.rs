//! `natter admin backup` copies a live SQLite database while messages keep
//! arriving, and the copy restores: a server started on it has every message
//! acknowledged before the backup began, gap-free, and nothing written after it.

use crate::server::Server;
use natter_protocol::LeadCreated;
use std::process::Command;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

async fn post(client: &reqwest::Client, base: &str, lead: &LeadCreated, key: &str) {
    let response = client
        .post(format!(
            "{base}/api/v1/conversations/{}/messages",
            lead.conv_id
        ))
        .bearer_auth(&lead.visitor_token)
        .json(&serde_json::json!({ "text": key, "client_msg_id": key }))
        .send()
        .await
        .unwrap();
    assert!(response.status().is_success(), "{}", response.status());
}

fn admin(db: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_natter"))
        .args([
            "admin",
            "--database-url",
            &format!("sqlite://{}", db.display()),
        ])
        .args(args)
        .output()
        .expect("natter admin runs")
}

#[tokio::test]
async fn a_live_backup_restores_every_message_acknowledged_before_it() {
    let mut server = Server::start(&[]).await;
    let base = server.base.clone();
    let client = reqwest::Client::new();
    let lead = server.create_lead(&client, "Ana", Some("first")).await;
    for i in 0..20 {
        post(&client, &base, &lead, &format!("before-{i}")).await;
    }

    // Writes go on during the backup.
    let writing = Arc::new(AtomicBool::new(true));
    let writer = {
        let (client, base, lead, writing) =
            (client.clone(), base.clone(), lead.clone(), writing.clone());
        tokio::spawn(async move {
            let mut i = 0;
            while writing.load(Ordering::Relaxed) {
                post(&client, &base, &lead, &format!("during-{i}")).await;
                i += 1;
            }
        })
    };
    let dir = tempfile::tempdir().unwrap();
    let copy = dir.path().join("backup.db");
    let db = server.db_path().to_owned();
    let output = tokio::task::spawn_blocking({
        let (db, copy) = (db.clone(), copy.clone());
        move || admin(&db, &["backup", copy.to_str().unwrap()])
    })
    .await
    .unwrap();
    writing.store(false, Ordering::Relaxed);
    writer.await.unwrap();
    assert!(
        output.status.success(),
        "backup failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    post(&client, &base, &lead, "after").await;

    // A second backup to the same path is refused, and the first copy is kept.
    let again = admin(&db, &["backup", copy.to_str().unwrap()]);
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already exists"));

    // Restore: stop, put the copy in place of the database, start.
    server.kill();
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    std::fs::copy(&copy, &db).unwrap();
    server.restart().await;
    let history = server.history(&client, &lead, 200).await;
    let texts: Vec<&str> = history.messages.iter().map(|m| m.text.as_str()).collect();
    let seqs: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
    assert_eq!(
        seqs,
        (1..=seqs.len() as u64).collect::<Vec<_>>(),
        "gap-free"
    );
    assert!(
        texts.len() >= 21,
        "every message before the backup: {texts:?}"
    );
    assert_eq!(texts[0], "first");
    for i in 0..20 {
        assert_eq!(texts[i + 1], format!("before-{i}"));
    }
    assert!(
        !texts.contains(&"after"),
        "nothing written after the backup"
    );
}
