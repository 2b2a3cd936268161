//! Several instances on one database, fanned out through Redis: nothing that
//! works on one instance may stop working on two.

use crate::backend::{redis_or_skip, redis_url};
use crate::helpers::{TestApp, spawn_app_with};
use crate::proxy::Proxy;
use natter_protocol::{Direction, MessageEnvelope, close_code};
use reqwest::StatusCode;
use std::time::Duration;

fn prefix() -> String {
    format!("natter-test:{}:", uuid::Uuid::new_v4().simple())
}

/// Two instances sharing a database and a Redis prefix; `None` when Redis is absent (outside CI).
pub(crate) async fn two_instances(test: &str, redis: Option<String>) -> Option<(TestApp, TestApp)> {
    redis_or_skip(test).await?;
    let url = redis.unwrap_or_else(redis_url);
    let prefix = prefix();
    let (url_a, prefix_a) = (url.clone(), prefix.clone());
    let a = spawn_app_with(move |s| {
        s.redis_url = Some(url_a);
        s.redis_prefix = prefix_a;
    })
    .await;
    let b = a.another_instance(|s| s.redis_prefix = prefix).await;
    Some((a, b))
}

#[tokio::test]
async fn events_committed_on_one_instance_reach_sockets_on_the_other() {
    let Some((a, b)) = two_instances("events_cross_instances", None).await else {
        return;
    };
    let lead = a.create_lead("Ana", Some("hello")).await;
    let token = b.staff_token().await;
    let mut visitor_on_a = a.visitor_socket().await;
    visitor_on_a
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 1)
        .await;
    let mut staff_on_b = b.staff_socket(&token).await;

    let reply = b.reply_ok(&lead.conv_id, &token, "answered on B").await;
    assert_eq!(visitor_on_a.next_message().await, reply);
    assert_eq!(staff_on_b.next_message().await, reply);

    let posted = a
        .post_message(&lead.conv_id, &lead.visitor_token, "asked on A", "k-a")
        .await;
    assert_eq!(posted.status(), StatusCode::CREATED);
    let seen = staff_on_b.next_message().await;
    assert_eq!(
        (seen.seq, seen.direction, seen.text.as_str()),
        (3, Direction::In, "asked on A")
    );
    assert_eq!(visitor_on_a.next_message().await.seq, 3);

    // Typing crosses instances too.
    visitor_on_a
        .send(&natter_protocol::ClientFrame::Typing {
            conv_id: lead.conv_id.clone(),
            typing: true,
        })
        .await;
    loop {
        if let natter_protocol::ServerFrame::Typing { side, .. } = staff_on_b.next().await {
            assert_eq!(side, natter_protocol::Side::Visitor);
            break;
        }
    }
}

#[tokio::test]
async fn concurrent_writers_on_two_instances_get_gap_free_seqs() {
    let Some((a, b)) = two_instances("concurrent_writers", None).await else {
        return;
    };
    let lead = a.create_lead("Ana", None).await;
    let token = a.staff_token().await;
    let writers = (0..20).map(|w| {
        let (app, lead, token) = (if w % 2 == 0 { &a } else { &b }, &lead, &token);
        async move {
            for i in 0..5 {
                let key = format!("w{w}-{i}");
                let response = if w % 4 < 2 {
                    app.post_message(&lead.conv_id, &lead.visitor_token, &key, &key)
                        .await
                } else {
                    app.reply(&lead.conv_id, token, &key, &key).await
                };
                assert_eq!(response.status(), StatusCode::CREATED);
            }
        }
    });
    futures_util::future::join_all(writers).await;
    let history = a.history(&lead.conv_id, &token, 0).await;
    let seqs: Vec<u64> = history.messages.iter().map(|m| m.seq).collect();
    assert_eq!(seqs, (1..=100).collect::<Vec<_>>());
    let mut keys: Vec<&str> = history
        .messages
        .iter()
        .map(|m| m.client_msg_id.as_str())
        .collect();
    keys.sort_unstable();
    keys.dedup();
    assert_eq!(keys.len(), 100, "every message stored once");
}

#[tokio::test]
async fn cutting_redis_during_traffic_loses_and_doubles_nothing() {
    let Some(redis) = redis_or_skip("cutting_redis").await else {
        return;
    };
    let proxy = Proxy::start(redis).await;
    let Some((a, b)) =
        two_instances("cutting_redis", Some(format!("redis://{}", proxy.addr))).await
    else {
        return;
    };
    let lead = a.create_lead("Ana", None).await;
    let token = b.staff_token().await;
    let mut visitor_on_a = a.visitor_socket().await;
    visitor_on_a
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;

    let total = 60u64;
    for i in 0..total {
        if i % 15 == 7 {
            proxy.cut();
        }
        b.reply_ok(&lead.conv_id, &token, &format!("r{i}")).await;
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Every reply arrives exactly once and in order, through the bus or, after a
    // cut, through the catch-up from the store.
    for seq in 1..=total {
        let message = tokio::time::timeout(Duration::from_secs(15), visitor_on_a.next_message())
            .await
            .unwrap_or_else(|_| panic!("message {seq} never arrived"));
        assert_eq!(message.seq, seq);
    }
    assert!(
        visitor_on_a
            .next_within(Duration::from_millis(500))
            .await
            .is_none(),
        "nothing doubled"
    );
}

#[tokio::test]
async fn when_an_instance_goes_its_clients_resume_on_the_other() {
    let Some((a, b)) = two_instances("instance_goes", None).await else {
        return;
    };
    let lead = a.create_lead("Ana", Some("hi")).await;
    let token = b.staff_token().await;
    let mut socket = a.visitor_socket().await;
    socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), 0)
        .await;
    b.reply_ok(&lead.conv_id, &token, "before").await;
    let seen = socket.next_message().await.seq;

    a.stop().await;
    let close = socket.closed(Duration::from_secs(5)).await;
    assert_eq!(
        close.map(|c| u16::from(c.code)),
        Some(close_code::GOING_AWAY)
    );
    let mut missed = Vec::new();
    for text in ["while away 1", "while away 2"] {
        missed.push(b.reply_ok(&lead.conv_id, &token, text).await);
    }
    let mut socket = b.visitor_socket().await;
    let (_, replayed) = socket
        .subscribe(&lead.conv_id, Some(&lead.visitor_token), seen)
        .await;
    assert_eq!(replayed, missed);
    let posted = b
        .post_message(&lead.conv_id, &lead.visitor_token, "back", "k-back")
        .await;
    assert_eq!(
        posted.json::<MessageEnvelope>().await.unwrap().message.seq,
        5
    );
}
