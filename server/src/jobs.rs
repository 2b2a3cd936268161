//! The worker that runs durable jobs (`store::jobs`): every second it reads whether a job
//! is due and claims the due ones (the claim, a write, only then),
//! runs each, and records the result; a failure is retried with a growing delay, for
//! about a day, then given up with its reason kept. Today: staff alerts
//! and assignment emails (`chat::alerts`), visitor emails (`chat::continuity`) and
//! pushes (`chat::push`), and the alert that a webhook endpoint
//! is failing (`chat::webhooks`), and attachments' thumbnails (`chat::attachments`),
//! whose deleted files it also removes from the file store each round. A second loop sends webhook deliveries
//! ([`spawn_webhooks`]), woken by the commits that write them.

use crate::chat::JobOutcome;
use crate::state::AppState;
use crate::store::{
    ASSIGNMENT_ALERT, ATTACHMENT_THUMBNAIL, AttemptResult, ClaimedDelivery, Job, MENTION_ALERT,
    STAFF_ALERT, STAFF_PUSH, TRANSCRIPT_EMAIL, VISITOR_EMAIL, WEBHOOK_FAILING, now_ms,
};
use crate::webhooks;
use std::time::Duration;

/// How often the worker looks for due jobs.
const POLL: Duration = Duration::from_secs(1);
/// A claimed job is another instance's to take after this long without a result.
const LEASE_MS: i64 = 120_000;
/// Jobs claimed at once.
const BATCH: i64 = 10;
/// Attempts before a job is given up: with the delays below, about a day.
const MAX_ATTEMPTS: i64 = 16;

/// Runs the worker until shutdown.
pub fn spawn(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let wake = state.store.jobs_wake();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(POLL);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                // A thumbnail is wanted before the message that shows it is sent.
                () = wake.notified() => {}
                _ = shutdown.wait_for(|stop| *stop) => break,
            }
            crate::chat::attachments::sweep(&state).await;
            let jobs = match state.store.claim_jobs(LEASE_MS, BATCH).await {
                Ok(jobs) => jobs,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim jobs");
                    continue;
                }
            };
            for job in jobs {
                let outcome = run(&state, &job).await;
                if let Err(e) = record(&state, &job, outcome).await {
                    tracing::warn!(error = %e, job = %job.id, "could not record a job's result");
                }
            }
        }
    });
}

async fn run(state: &AppState, job: &Job) -> JobOutcome {
    let Ok(payload) = serde_json::from_str::<serde_json::Value>(&job.payload) else {
        return JobOutcome::GiveUp("the payload is not JSON".into());
    };
    if job.kind == WEBHOOK_FAILING {
        return match payload["webhook_id"].as_str() {
            Some(webhook) => crate::chat::webhooks::failing_alert(state, webhook)
                .await
                .into(),
            None => JobOutcome::GiveUp("no webhook_id".into()),
        };
    }
    let Some(conv_id) = payload["conv_id"].as_str() else {
        return JobOutcome::GiveUp("no conv_id".into());
    };
    match job.kind.as_str() {
        STAFF_ALERT => crate::chat::alerts::staff_alert(state, conv_id)
            .await
            .into(),
        VISITOR_EMAIL => crate::chat::continuity::visitor_email(state, conv_id)
            .await
            .into(),
        ASSIGNMENT_ALERT => match (payload["assignee_id"].as_str(), payload["by"].as_str()) {
            (Some(assignee), Some(by)) => {
                crate::chat::alerts::assignment_alert(state, conv_id, assignee, by)
                    .await
                    .into()
            }
            _ => JobOutcome::GiveUp("no assignee_id or by".into()),
        },
        MENTION_ALERT => match (payload["note_id"].as_str(), payload["staff_id"].as_str()) {
            (Some(note), Some(staff)) => {
                crate::chat::notes::mention_alert(state, conv_id, note, staff)
                    .await
                    .into()
            }
            _ => JobOutcome::GiveUp("no note_id or staff_id".into()),
        },
        TRANSCRIPT_EMAIL => match payload["email"].as_str() {
            Some(to) => crate::chat::transcripts::send(state, conv_id, to)
                .await
                .into(),
            None => JobOutcome::GiveUp("no email".into()),
        },
        ATTACHMENT_THUMBNAIL => match payload["attachment_id"].as_str() {
            Some(attachment) => crate::chat::attachments::make_thumbnail(state, attachment).await,
            None => JobOutcome::GiveUp("no attachment_id".into()),
        },
        STAFF_PUSH => match payload["subscription_id"].as_str() {
            Some(subscription) => crate::chat::push::staff_push(state, conv_id, subscription).await,
            None => JobOutcome::GiveUp("no subscription_id".into()),
        },
        other => JobOutcome::GiveUp(format!("unknown job kind {other:?}")),
    }
}

async fn record(state: &AppState, job: &Job, outcome: JobOutcome) -> crate::store::StoreResult<()> {
    match outcome {
        JobOutcome::Done => state.store.finish_job(&job.id, None).await,
        JobOutcome::GiveUp(e) => {
            tracing::warn!(job = %job.id, kind = %job.kind, error = %e, "job given up");
            state.store.finish_job(&job.id, Some(&e)).await
        }
        JobOutcome::Retry(e) if job.attempts >= MAX_ATTEMPTS => {
            tracing::warn!(job = %job.id, kind = %job.kind, error = %e, "job given up");
            state.store.finish_job(&job.id, Some(&e)).await
        }
        JobOutcome::Retry(e) => {
            tracing::info!(job = %job.id, kind = %job.kind, error = %e, "job failed; will retry");
            state
                .store
                .retry_job(
                    &job.id,
                    now_ms().saturating_add(retry_delay_ms(job.attempts)),
                    &e,
                )
                .await
        }
    }
}

/// 10 s after the first failure, doubling up to two hours.
fn retry_delay_ms(attempts: i64) -> i64 {
    let doublings = u32::try_from(attempts.clamp(1, 20) - 1).unwrap_or(0);
    (10_000_i64.saturating_mul(1 << doublings)).min(2 * 3600 * 1000)
}

/// Runs the dispatcher until shutdown: woken by every commit that wrote deliveries,
/// and once a second for retries that came due.
pub fn spawn_webhooks(state: AppState) {
    let mut shutdown = state.shutdown.clone();
    let wake = state.store.webhook_wake();
    tokio::spawn(async move {
        loop {
            let claimed = match state
                .store
                .claim_deliveries(webhooks::LEASE_MS, webhooks::BATCH)
                .await
            {
                Ok(claimed) => claimed,
                Err(e) => {
                    tracing::warn!(error = %e, "could not claim webhook deliveries");
                    Vec::new()
                }
            };
            if claimed.is_empty() {
                tokio::select! {
                    () = wake.notified() => {}
                    () = tokio::time::sleep(POLL) => {}
                    _ = shutdown.wait_for(|stop| *stop) => break,
                }
                continue;
            }
            // Each endpoint of the batch read once, however many of its deliveries it has.
            let mut targets = std::collections::HashMap::new();
            for d in &claimed {
                if !targets.contains_key(&d.webhook_id) {
                    let target = match state.store.webhook_target(&d.webhook_id).await {
                        Ok(target) => target,
                        Err(e) => {
                            tracing::warn!(error = %e, "could not read a webhook endpoint");
                            None
                        }
                    };
                    targets.insert(d.webhook_id.clone(), target);
                }
            }
            futures_util::future::join_all(claimed.iter().filter_map(|d| {
                // Deleted meanwhile (its deliveries went with it), or unreadable: the
                // lease runs out and the delivery is claimed again.
                let target = targets.get(&d.webhook_id)?.as_ref()?;
                Some(deliver(&state, d, target))
            }))
            .await;
        }
    });
}

/// Sends one delivery to its endpoint's `(url, secret)` and records how it went.
async fn deliver(state: &AppState, delivery: &ClaimedDelivery, target: &(String, String)) {
    let dispatcher = &state.webhooks;
    let attempt = dispatcher.attempt(&target.0, &target.1, delivery).await;
    let result = if attempt.error.is_none() {
        AttemptResult::Delivered
    } else if delivery.attempts >= webhooks::MAX_ATTEMPTS {
        AttemptResult::GiveUp
    } else {
        AttemptResult::RetryAt(
            crate::store::now_ms().saturating_add(dispatcher.retry_delay_ms(delivery.attempts)),
        )
    };
    crate::telemetry::webhook_attempt(result == AttemptResult::Delivered);
    if result != AttemptResult::Delivered {
        tracing::info!(
            delivery = delivery.id,
            webhook = %delivery.webhook_id,
            attempts = delivery.attempts,
            error = attempt.error.as_deref().unwrap_or_default(),
            "webhook delivery failed"
        );
    }
    if let Err(e) = state
        .store
        .finish_delivery(delivery, &attempt, result)
        .await
    {
        tracing::warn!(error = %e, delivery = delivery.id, "could not record a webhook attempt");
    }
}

#[cfg(test)]
mod tests {
    use super::retry_delay_ms;

    #[test]
    fn retries_back_off_to_two_hours() {
        for (attempts, delay) in [(1, 10_000), (2, 20_000), (5, 160_000), (16, 7_200_000)] {
            assert_eq!(retry_delay_ms(attempts), delay, "{attempts}");
        }
    }
}
