//! Cross-instance fan-out over Redis pub/sub, behind the hub.
//!
//! Every instance publishes the events it commits to one channel and dispatches
//! what the others publish. Pub/sub delivers at most once, so the store stays the
//! source of truth: whenever the bus may have lost events (a publish failed, or the
//! subscription dropped), every affected instance tells its sockets to catch up
//! from the store, and clients resubscribe by `after_seq` on any instance.

use crate::hub::{Event, Forward, Hub};
use crate::telemetry;
use futures_util::StreamExt;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;
use tokio::sync::mpsc;

/// Events waiting for Redis; past this the newest are dropped (and caught up later).
const BACKLOG: usize = 10_000;
const RETRY_MIN: Duration = Duration::from_millis(100);
const RETRY_MAX: Duration = Duration::from_secs(2);

#[derive(Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Envelope {
    Event {
        from: String,
        event: Box<Event>,
    },
    /// The sender lost events on their way out: everyone re-reads from the store.
    CatchUp {
        from: String,
    },
    /// A staff session ended: its sockets close, wherever they are.
    Revoke {
        from: String,
        session: String,
    },
}

/// The hub's handle for forwarding events to the other instances.
pub struct Publisher {
    tx: mpsc::Sender<String>,
    instance: String,
    lost: Arc<AtomicBool>,
}

impl Publisher {
    /// Queues `event` for the other instances without waiting.
    pub fn forward(&self, event: &Event) {
        self.send(&Envelope::Event {
            from: self.instance.clone(),
            event: Box::new(event.clone()),
        });
    }

    /// Tells the other instances to close a staff session's sockets. If this is
    /// lost, their catch-up (which every gap causes) re-checks each session.
    pub fn forward_revocation(&self, session: &str) {
        self.send(&Envelope::Revoke {
            from: self.instance.clone(),
            session: session.to_owned(),
        });
    }

    fn send(&self, envelope: &Envelope) {
        let Ok(json) = serde_json::to_string(envelope) else {
            return;
        };
        if self.tx.try_send(json).is_err() {
            telemetry::bus_dropped();
            self.lost.store(true, Ordering::Relaxed);
        }
    }
}

/// Whether this instance currently hears the other instances.
#[derive(Clone)]
pub struct Status {
    subscribed: Arc<AtomicBool>,
}

impl Status {
    pub fn is_connected(&self) -> bool {
        self.subscribed.load(Ordering::Relaxed)
    }
}

/// Connects to Redis (failing fast if it is unreachable at start-up), attaches the
/// publisher to `hub` and starts the subscriber.
pub async fn start(
    url: &str,
    prefix: &str,
    instance: &str,
    hub: &Hub,
) -> Result<Status, redis::RedisError> {
    let client = redis::Client::open(url)?;
    let connection = client.get_multiplexed_async_connection().await?;
    let channel = format!("{prefix}events");
    let (tx, rx) = mpsc::channel(BACKLOG);
    let lost = Arc::new(AtomicBool::new(false));
    let publisher = Publisher {
        tx,
        instance: instance.to_owned(),
        lost: lost.clone(),
    };
    hub.attach_forwarder(Box::new(move |forward| match forward {
        Forward::Event(event) => publisher.forward(event),
        Forward::Revoke(session) => publisher.forward_revocation(session),
    }));
    let subscribed = Arc::new(AtomicBool::new(false));
    tokio::spawn(publish(
        client.clone(),
        connection,
        channel.clone(),
        rx,
        instance.to_owned(),
        lost,
    ));
    tokio::spawn(subscribe(
        client,
        channel,
        instance.to_owned(),
        hub.clone(),
        subscribed.clone(),
    ));
    Ok(Status { subscribed })
}

fn backoff(attempt: u32) -> Duration {
    RETRY_MIN
        .saturating_mul(2u32.saturating_pow(attempt.min(5)))
        .min(RETRY_MAX)
}

async fn publish(
    client: redis::Client,
    mut connection: redis::aio::MultiplexedConnection,
    channel: String,
    mut rx: mpsc::Receiver<String>,
    instance: String,
    lost: Arc<AtomicBool>,
) {
    let catch_up = serde_json::to_string(&Envelope::CatchUp { from: instance }).unwrap_or_default();
    while let Some(payload) = rx.recv().await {
        if lost.load(Ordering::Relaxed)
            && redis::AsyncCommands::publish::<_, _, ()>(&mut connection, &channel, &catch_up)
                .await
                .is_ok()
        {
            lost.store(false, Ordering::Relaxed);
        }
        if let Err(e) =
            redis::AsyncCommands::publish::<_, _, ()>(&mut connection, &channel, &payload).await
        {
            tracing::warn!(error = %e, "redis publish failed; reconnecting");
            lost.store(true, Ordering::Relaxed);
            telemetry::bus_dropped();
            let mut attempt = 0;
            connection = loop {
                tokio::time::sleep(backoff(attempt)).await;
                attempt += 1;
                match client.get_multiplexed_async_connection().await {
                    Ok(c) => break c,
                    Err(e) => tracing::debug!(error = %e, "redis still unreachable"),
                }
            };
            tracing::info!("redis publisher reconnected");
        }
    }
}

async fn subscribe(
    client: redis::Client,
    channel: String,
    instance: String,
    hub: Hub,
    subscribed: Arc<AtomicBool>,
) {
    let mut first = true;
    let mut attempt = 0;
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.subscribe(&channel).await {
                Ok(()) => {
                    subscribed.store(true, Ordering::Relaxed);
                    attempt = 0;
                    if !first {
                        tracing::info!(
                            "redis subscription restored; sockets catch up from the store"
                        );
                        hub.catch_up_all();
                    }
                    first = false;
                    let mut messages = pubsub.on_message();
                    while let Some(message) = messages.next().await {
                        let Ok(payload) = message.get_payload::<String>() else {
                            continue;
                        };
                        match serde_json::from_str::<Envelope>(&payload) {
                            Ok(Envelope::Event { from, event }) if from != instance => {
                                hub.dispatch(&event)
                            }
                            Ok(Envelope::CatchUp { from }) if from != instance => {
                                hub.catch_up_all()
                            }
                            Ok(Envelope::Revoke { from, session }) if from != instance => {
                                hub.end_session(&session)
                            }
                            Ok(_) => {}
                            Err(e) => tracing::warn!(error = %e, "unreadable bus message"),
                        }
                    }
                    subscribed.store(false, Ordering::Relaxed);
                    tracing::warn!("redis subscription lost; reconnecting");
                }
                Err(e) => tracing::warn!(error = %e, "redis subscribe failed"),
            },
            Err(e) => tracing::debug!(error = %e, "redis unreachable"),
        }
        tokio::time::sleep(backoff(attempt)).await;
        attempt += 1;
    }
}
