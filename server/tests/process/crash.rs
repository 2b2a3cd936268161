//! While 10,000 messages flow in 100 conversations, with clients retrying on
//! failure, the server is SIGKILLed and restarted 20 times at random moments.
//! Every acknowledged message is there exactly once, every conversation's `seq`
//! is gap-free, and every client ends with the full history.

use crate::server::Server;
use futures_util::{SinkExt, StreamExt};
use natter_protocol::{ClientFrame, LeadCreated, MessageEnvelope, ServerFrame};
use rand::Rng;
use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;

const CONVERSATIONS: usize = 100;
const MESSAGES_EACH: usize = 100;
const KILLS: usize = 20;

/// Posts until the server acknowledges, as the widget does: same `client_msg_id` every try.
async fn post_until_acknowledged(
    client: &reqwest::Client,
    base: &str,
    lead: &LeadCreated,
    key: &str,
) -> u64 {
    let url = format!("{base}/api/v1/conversations/{}/messages", lead.conv_id);
    let body = serde_json::json!({ "text": format!("text of {key}"), "client_msg_id": key });
    loop {
        let sent = client
            .post(&url)
            .bearer_auth(&lead.visitor_token)
            .json(&body)
            .send()
            .await;
        if let Ok(response) = sent {
            let status = response.status();
            if status.is_success() {
                if let Ok(envelope) = response.json::<MessageEnvelope>().await {
                    return envelope.message.seq;
                }
            } else {
                assert!(status.is_server_error(), "refused with {status}");
            }
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigkill_twenty_times_loses_and_doubles_nothing() {
    let mut server = Server::start(&["--sqlite-synchronous", "normal"]).await;
    let base = server.base.clone();
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .build()
        .unwrap();
    let mut leads = Vec::new();
    for i in 0..CONVERSATIONS {
        let lead = server
            .create_lead(&client, &format!("Visitor {i}"), None)
            .await;
        leads.push(Arc::new(lead));
    }

    let acked_so_far = Arc::new(AtomicUsize::new(0));
    let writers: Vec<_> = leads
        .iter()
        .enumerate()
        .map(|(c, lead)| {
            let (client, base, lead) = (client.clone(), base.clone(), lead.clone());
            let acked_so_far = acked_so_far.clone();
            tokio::spawn(async move {
                let mut acknowledged = HashMap::new();
                for m in 0..MESSAGES_EACH {
                    let key = format!("c{c}-m{m}");
                    let seq = post_until_acknowledged(&client, &base, &lead, &key).await;
                    acknowledged.insert(key, seq);
                    acked_so_far.fetch_add(1, Ordering::Relaxed);
                }
                acknowledged
            })
        })
        .collect();
    let killer = {
        let acked_so_far = acked_so_far.clone();
        tokio::spawn(async move {
            for _ in 0..KILLS {
                let pause = rand::thread_rng().gen_range(50..300);
                tokio::time::sleep(Duration::from_millis(pause)).await;
                server.restart().await;
            }
            (server, acked_so_far.load(Ordering::Relaxed))
        })
    };
    let mut acknowledged = Vec::new();
    for writer in writers {
        acknowledged.push(writer.await.unwrap());
    }
    let (server, acked_at_last_kill) = killer.await.unwrap();
    let total = CONVERSATIONS * MESSAGES_EACH;
    assert!(
        acked_at_last_kill < total,
        "all {KILLS} kills happened while messages flowed"
    );

    for (lead, acked) in leads.iter().zip(&acknowledged) {
        let history = server.history(&client, lead, 500).await;
        let seqs: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
        assert_eq!(
            seqs,
            (1..=MESSAGES_EACH as u64).collect::<Vec<_>>(),
            "gap-free, none doubled"
        );
        for message in &history.messages {
            assert_eq!(
                acked.get(&message.client_msg_id),
                Some(&message.seq),
                "stored once, as acknowledged"
            );
        }
    }

    // Every client, reconnecting, ends with the full history over its socket.
    for lead in leads.iter().take(20) {
        let mut request = format!(
            "ws://127.0.0.1:{}/ws?org_id=demo&account_id=demo",
            server.port
        )
        .into_client_request()
        .unwrap();
        request
            .headers_mut()
            .insert("origin", "http://localhost:3000".parse().unwrap());
        let (mut socket, _) = tokio_tungstenite::connect_async(request).await.unwrap();
        let subscribe = ClientFrame::Subscribe {
            conv_id: lead.conv_id.clone(),
            token: Some(lead.visitor_token.clone()),
            after_seq: 0,
        };
        socket
            .send(WsMessage::text(serde_json::to_string(&subscribe).unwrap()))
            .await
            .unwrap();
        let mut seqs = Vec::new();
        while seqs.len() < MESSAGES_EACH {
            let frame = tokio::time::timeout(Duration::from_secs(5), socket.next())
                .await
                .unwrap()
                .unwrap()
                .unwrap();
            if let WsMessage::Text(text) = frame
                && let ServerFrame::Message { message } =
                    serde_json::from_str(text.as_str()).unwrap()
            {
                seqs.push(message.seq);
            }
        }
        assert_eq!(seqs, (1..=MESSAGES_EACH as u64).collect::<Vec<_>>());
    }
}
