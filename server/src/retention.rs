//! The hourly clean-up: expired staff sessions and team invitations (they already
//! open nothing; this keeps the tables from growing) and abandoned leads, visitors who never wrote a
//! message and have not been seen for `--abandoned-lead-days`. A lead that holds
//! any message is business data and is never deleted here, unless its organization set a
//! retention: conversations inactive for longer go, with visitors left with none.
//! Finished jobs and webhook deliveries go after a week, uploads never sent after a day, the links of emails to visitors when they expire.

use crate::store::{Store, now_ms};
use std::time::Duration;
use tokio::sync::watch;

const EVERY: Duration = Duration::from_secs(3600);

/// Runs the clean-up now and every hour, until shutdown. `abandoned_after`: how
/// long a silent lead is kept (`None`: for ever).
pub fn spawn(store: Store, abandoned_after: Option<Duration>, mut shutdown: watch::Receiver<bool>) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(EVERY);
        loop {
            tokio::select! {
                _ = tick.tick() => {}
                _ = shutdown.wait_for(|stop| *stop) => break,
            }
            match store.delete_expired_sessions().await {
                Ok(0) => {}
                Ok(n) => tracing::debug!(rows = n, "deleted expired sessions and invitations"),
                Err(e) => {
                    tracing::warn!(error = %e, "could not delete expired sessions and invitations")
                }
            }
            // A finished job or delivery is kept a week, for what failed to be looked at.
            let week_ago = now_ms() - 7 * 24 * 3600 * 1000;
            if let Err(e) = store.delete_finished_jobs(week_ago).await {
                tracing::warn!(error = %e, "could not delete finished jobs");
            }
            // An upload never sent within a day was abandoned (its file follows).
            let day_ago = now_ms() - 24 * 3600 * 1000;
            if let Err(e) = store.delete_unsent_attachments(day_ago).await {
                tracing::warn!(error = %e, "could not delete unsent attachments");
            }
            if let Err(e) = store.delete_expired_visitor_links(now_ms()).await {
                tracing::warn!(error = %e, "could not delete expired email links");
            }
            match store.apply_retention(now_ms()).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(conversations = n, "deleted conversations past retention"),
                Err(e) => tracing::warn!(error = %e, "could not apply the retention settings"),
            }
            let Some(after) = abandoned_after else {
                continue;
            };
            let before = now_ms() - i64::try_from(after.as_millis()).unwrap_or(i64::MAX);
            match store.delete_abandoned_leads(before).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(visitors = n, "deleted abandoned leads"),
                Err(e) => tracing::warn!(error = %e, "could not delete abandoned leads"),
            }
        }
    });
}
