//! The application layer: every change to a conversation happens here, and each in
//! the same order: validate → the one access rule ([`access`]) → commit → telemetry →
//! publish. `http/` and `ws/` are adapters: they turn requests and frames into these
//! calls, and results into responses and frames.
//!
//! A change runs to completion in its own task ([`commit`]), so a caller that goes
//! away mid-way (a client hanging up, a socket closing) cannot leave a committed
//! change unannounced; and [`commit`] is the one place that publishes after a commit.

pub mod access;
pub mod alerts;
pub mod api_tokens;
pub mod attachments;
pub mod canned;
pub mod continuity;
pub mod conversations;
pub mod email;
pub mod hours;
pub mod identity;
pub mod labels;
pub mod leads;
pub mod messages;
pub mod notes;
pub mod privacy;
pub mod push;
pub mod reads;
pub mod search;
pub mod sessions;
pub mod setup;
pub mod team;
pub mod transcripts;
pub mod typing;
pub mod webhooks;
pub mod websites;

use crate::http::error::{ApiError, ApiResult};
use crate::hub::Event;
use crate::state::AppState;
use std::future::Future;

/// What became of one run of a durable job, for the jobs worker.
#[derive(Debug, PartialEq, Eq)]
pub enum JobOutcome {
    /// Done, or nothing left to do.
    Done,
    /// Failed; worth another try later.
    Retry(String),
    /// Failed for good: never tried again.
    GiveUp(String),
}

impl From<Result<(), String>> for JobOutcome {
    fn from(result: Result<(), String>) -> Self {
        result.map_or_else(Self::Retry, |()| Self::Done)
    }
}

/// Registers a socket with the hub: its handle and the receiving end of its bounded
/// queue (what it subscribes to goes through the handle).
pub fn connect(
    state: &AppState,
) -> (
    crate::hub::Connection,
    tokio::sync::mpsc::Receiver<crate::hub::Outbound>,
) {
    state.hub.connect()
}

/// Open sockets and their subscriptions on this instance, for the metrics.
pub fn socket_counts(state: &AppState) -> (usize, usize) {
    state.hub.counts()
}

/// Readiness: the database answers.
pub async fn ready(state: &AppState) -> crate::store::StoreResult<()> {
    state.store.ping().await
}

/// What a change committed: its result, the events to publish now that it is stored,
/// and the staff sessions it ended (their tokens' digests), whose sockets must close.
pub struct Committed<T> {
    pub value: T,
    pub events: Vec<Event>,
    pub ended_sessions: Vec<String>,
}

/// Runs `change` to completion in its own task, then publishes its events and closes
/// the sockets of the sessions it ended, on every instance.
async fn commit<T: Send + 'static>(
    state: &AppState,
    change: impl Future<Output = ApiResult<Committed<T>>> + Send + 'static,
) -> ApiResult<T> {
    let hub = state.hub.clone();
    tokio::spawn(async move {
        let Committed {
            value,
            events,
            ended_sessions,
        } = change.await?;
        for event in events {
            hub.publish(event);
        }
        for session in ended_sessions {
            hub.revoke_session(&session);
        }
        Ok(value)
    })
    .await
    .map_err(|err| ApiError::Internal(format!("a change's task failed: {err}")))?
}
