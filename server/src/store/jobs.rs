//! Durable jobs: written with the change that causes them, claimed with a lease, and
//! finished or rescheduled after each attempt.

use super::{Store, StoreResult, now_ms};
use sqlx::{Any, Transaction};

/// Emails the organization's staff about a conversation nobody answered.
pub const STAFF_ALERT: &str = "staff_alert";
/// Emails a member that someone assigned them a conversation.
pub const ASSIGNMENT_ALERT: &str = "assignment_alert";

/// Emails the organization's owners and admins that a webhook endpoint is failing.
pub const WEBHOOK_FAILING: &str = "webhook_failing";

/// Emails a visitor the transcript of their conversation.
pub const TRANSCRIPT_EMAIL: &str = "transcript_email";

/// A claimed job.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct Job {
    pub id: String,
    pub kind: String,
    /// JSON.
    pub payload: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// Claims up to `$3` jobs due at `$1`, leasing each until `$1 + $2`. The outer
/// conditions repeat the inner ones: a row another instance claimed meanwhile no
/// longer matches when Postgres re-reads it, so no job is taken twice.
pub(super) const CLAIM_SQL: &str = "UPDATE jobs SET locked_until = $1 + $2, attempts = attempts + 1 \
     WHERE id IN (SELECT id FROM jobs WHERE done_at IS NULL AND run_at <= $1 \
     AND (locked_until IS NULL OR locked_until < $1) ORDER BY run_at LIMIT $3) \
     AND done_at IS NULL AND (locked_until IS NULL OR locked_until < $1) \
     RETURNING id, kind, payload, attempts";

/// Whether any job is due (`$1`: now): a read on the partial index, so an idle worker
/// does not take the write lock the claim needs every second.
pub(super) const JOBS_DUE_SQL: &str =
    "SELECT run_at FROM jobs WHERE done_at IS NULL AND run_at <= $1 LIMIT 1";

/// A job that failed: still retrying, or given up (`done_at` set).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct FailedJob {
    pub kind: String,
    /// JSON.
    pub payload: String,
    pub attempts: i64,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

/// Adds a job of organization `org_id` inside the transaction of the change that
/// causes it. With `dedupe_key`, a job of that key not yet attempted takes this one's
/// place (its run looks at the state then, so nothing is missed).
pub(super) async fn enqueue(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    kind: &str,
    payload: &str,
    run_at: i64,
    dedupe_key: Option<&str>,
) -> sqlx::Result<()> {
    sqlx::query(
        "INSERT INTO jobs (id, org_id, kind, payload, run_at, created_at, dedupe_key) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING",
    )
    .bind(uuid::Uuid::new_v4().to_string())
    .bind(org_id)
    .bind(kind)
    .bind(payload)
    .bind(run_at)
    .bind(now_ms())
    .bind(dedupe_key)
    .execute(&mut **tx)
    .await?;
    Ok(())
}

/// An organization's failed emails, newest first.
pub(super) const FAILED_JOBS_SQL: &str = "SELECT kind, payload, attempts, last_error, created_at, done_at \
     FROM jobs WHERE org_id = $1 AND last_error IS NOT NULL \
     AND kind IN ('staff_alert', 'visitor_email', 'assignment_alert') ORDER BY created_at DESC LIMIT $2";

impl Store {
    /// Adds a job of organization `org_id`, due now, on its own.
    pub async fn add_job(&self, org_id: &str, kind: &str, payload: &str) -> StoreResult<()> {
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        enqueue(&mut tx, org_id, kind, payload, now_ms(), None).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The organization's most recent failed jobs (retrying or given up).
    pub async fn failed_jobs(&self, org_id: &str, limit: i64) -> StoreResult<Vec<FailedJob>> {
        Ok(sqlx::query_as(FAILED_JOBS_SQL)
            .bind(org_id)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Claims due jobs for `lease_ms`; the attempt is counted before the job runs.
    pub async fn claim_jobs(&self, lease_ms: i64, limit: i64) -> StoreResult<Vec<Job>> {
        if !self.anything_due(JOBS_DUE_SQL).await? {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(CLAIM_SQL)
            .bind(now_ms())
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// Records a job's success (or that it is given up, with why): it never runs again.
    pub async fn finish_job(&self, id: &str, error: Option<&str>) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET done_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(now_ms())
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes jobs and webhook deliveries finished before `before` (ms); returns how many.
    pub async fn delete_finished_jobs(&self, before: i64) -> StoreResult<u64> {
        let jobs = sqlx::query("DELETE FROM jobs WHERE done_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        let deliveries = sqlx::query("DELETE FROM webhook_deliveries WHERE done_at < $1")
            .bind(before)
            .execute(&self.pool)
            .await?
            .rows_affected();
        Ok(jobs + deliveries)
    }

    /// Runs a failed job again at `run_at`, keeping why it failed.
    pub async fn retry_job(&self, id: &str, run_at: i64, error: &str) -> StoreResult<()> {
        sqlx::query(
            "UPDATE jobs SET run_at = $2, locked_until = NULL, last_error = $3 WHERE id = $1",
        )
        .bind(id)
        .bind(run_at)
        .bind(error)
        .execute(&self.pool)
        .await?;
        Ok(())
    }
}
