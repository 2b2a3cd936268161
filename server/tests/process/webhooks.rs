//! Webhooks survive SIGKILL (issue 20): while visitors write and a slow receiver
//! takes deliveries, the server is killed and restarted at random moments. The
//! receiver, deduping by event id, ends with one `message.created` for every stored
//! message, in `seq` order per conversation, each signature verified.

use crate::receiver::{Receiver, verify};
use crate::server::Server;
use natter_protocol::{LeadCreated, Webhook};
use rand::Rng;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

const CONVERSATIONS: usize = 10;
const MESSAGES_EACH: usize = 20;
const KILLS: usize = 6;

/// Posts until the server acknowledges, with the same `client_msg_id` every try.
async fn post_until_acknowledged(
    client: &reqwest::Client,
    base: &str,
    lead: &LeadCreated,
    key: &str,
) {
    let url = format!("{base}/api/v1/conversations/{}/messages", lead.conv_id);
    let body = serde_json::json!({ "text": key, "client_msg_id": key });
    loop {
        let sent = client
            .post(&url)
            .bearer_auth(&lead.visitor_token)
            .json(&body)
            .send()
            .await;
        if sent.is_ok_and(|r| r.status().is_success()) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_mid_delivery_loses_no_event() {
    let receiver = Receiver::start().await;
    // Slow enough that kills land while deliveries are in flight.
    receiver.delay_ms.store(30, Ordering::SeqCst);
    let mut server = Server::start(&[
        "--sqlite-synchronous",
        "normal",
        "--webhook-allow-http",
        "--webhook-retry-secs",
        "0.2",
    ])
    .await;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let token = server.login(&client).await.token;
    let endpoint: Webhook = client
        .post(format!("{base}/api/v1/webhooks"))
        .bearer_auth(&token)
        .json(&serde_json::json!({ "url": receiver.url, "events": ["message.created"] }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let secret = endpoint.secret.unwrap();
    let mut leads = Vec::new();
    for i in 0..CONVERSATIONS {
        leads.push(Arc::new(
            server.create_lead(&client, &format!("V{i}"), None).await,
        ));
    }
    let writers: Vec<_> = leads
        .iter()
        .enumerate()
        .map(|(c, lead)| {
            let (client, base, lead) = (client.clone(), base.clone(), lead.clone());
            tokio::spawn(async move {
                for m in 0..MESSAGES_EACH {
                    post_until_acknowledged(&client, &base, &lead, &format!("c{c}-m{m}")).await;
                }
            })
        })
        .collect();
    let received_at_kills = {
        let receiver = receiver.clone();
        let mut counts = Vec::new();
        for _ in 0..KILLS {
            let pause = rand::thread_rng().gen_range(100..400);
            tokio::time::sleep(Duration::from_millis(pause)).await;
            server.restart().await;
            counts.push(receiver.received().len());
        }
        counts
    };
    for writer in writers {
        writer.await.unwrap();
    }
    let total = CONVERSATIONS * MESSAGES_EACH;
    assert!(
        received_at_kills.iter().any(|&n| n > 0 && n < total),
        "no kill landed while deliveries flowed: {received_at_kills:?}"
    );

    // A delivery in flight at a kill is taken again when its lease ends (20 s).
    for _ in 0..1200 {
        if receiver.events().len() >= total {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let events = receiver.events();
    assert_eq!(
        events.len(),
        total,
        "each stored message once, after dedupe by id"
    );
    for r in receiver.received() {
        assert!(verify(&secret, &r), "a signature did not verify");
    }
    let mut seqs: HashMap<String, Vec<u64>> = HashMap::new();
    for e in &events {
        let message = &e["data"]["message"];
        seqs.entry(message["conv_id"].as_str().unwrap().to_owned())
            .or_default()
            .push(message["seq"].as_u64().unwrap());
    }
    for lead in &leads {
        let history = server.history(&client, lead, 500).await;
        let stored: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
        assert_eq!(
            seqs.get(&lead.conv_id.0),
            Some(&stored),
            "the conversation's events, in order, are its stored messages"
        );
    }
}
