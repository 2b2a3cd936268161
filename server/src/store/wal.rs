//! Keeps SQLite's write-ahead log bounded, under sustained writes and when idle.
//!
//! A `PASSIVE` checkpoint copies the WAL into the database without blocking anyone,
//! but it never restarts the log: SQLite rewinds the WAL only when a writer finds
//! every frame copied and no reader inside it, which a steady stream of commits
//! never allows. So the WAL grew without bound (1.75 GB after 30,000 leads).
//!
//! The work is split so that no commit ever sleeps in SQLite's busy handler:
//! - This task looks at the WAL file's size every 50 ms. Past the limit, it runs a
//!   `PASSIVE` checkpoint (the bulk of the copying, off the writers' path) and asks
//!   the group-commit writer to restart the log.
//! - The writer, between two batches, runs `wal_checkpoint(RESTART)` on its own
//!   connection: it copies the few frames written since, waits (at most
//!   [`RESTART_WAIT_MS`]) for readers to leave the log, and the next commit then
//!   writes from the start of the file. Appends queue meanwhile and resume at once.
//!   If the writer has not come by within one look (no appends are flowing, but
//!   leads or status changes may be), the task rewinds and truncates the log itself.
//! - Every second, if the log has been copied whole (the server went quiet), this
//!   task truncates the file to zero, without waiting for any lock.
//!
//! `journal_size_limit` is half the limit: each restart cuts a larger file back to
//! that, so the file passes the limit again only once the log itself has.

use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Executor};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// How often the WAL file's size is looked at (a `stat`, nothing more).
const LOOK_EVERY: Duration = Duration::from_millis(50);
/// How often a quiet log is checkpointed and truncated.
const IDLE_EVERY: Duration = Duration::from_secs(1);
/// How long a restart waits for readers to leave the log (a backup is a long
/// reader: the log then grows until it ends, rather than stall the writer).
const RESTART_WAIT_MS: u32 = 50;
/// The busy timeout every pooled connection has (see `Store::connect`).
pub(super) const BUSY_TIMEOUT_MS: u32 = 10_000;

/// What the checkpoint task tells the writer.
#[derive(Debug, Default)]
pub(super) struct WalControl {
    restart_wanted: AtomicBool,
}

/// The file a SQLite database URL's WAL lives in.
pub(super) fn wal_path(url: &str) -> PathBuf {
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    PathBuf::from(format!("{path}-wal"))
}

/// `journal_size_limit` for a WAL limit.
pub(super) fn keep_bytes(limit_bytes: u64) -> u64 {
    limit_bytes / 2
}

/// Watches the WAL until the pool is closed.
pub(super) fn spawn_checkpoints(
    pool: AnyPool,
    wal: PathBuf,
    limit_bytes: u64,
    control: Arc<WalControl>,
) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LOOK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = Instant::now();
        loop {
            tick.tick().await;
            let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
            let result = if size >= limit_bytes {
                last = Instant::now();
                if control.restart_wanted.swap(false, Ordering::Relaxed) {
                    // Still unclaimed since the last look: no append is flowing
                    // (leads and status changes commit without the writer, or
                    // nothing does), so rewind and truncate the log from here.
                    truncate(&pool, RESTART_WAIT_MS).await
                } else {
                    let copied = passive(&pool).await;
                    control.restart_wanted.store(true, Ordering::Relaxed);
                    copied.map(drop)
                }
            } else if size > 0 && last.elapsed() >= IDLE_EVERY {
                last = Instant::now();
                truncate_if_quiet(&pool).await
            } else {
                Ok(())
            };
            match result {
                Ok(()) => {}
                Err(sqlx::Error::PoolClosed) => break,
                Err(err) => tracing::warn!(error = %err, "WAL checkpoint failed"),
            }
        }
    });
}

/// `PRAGMA wal_checkpoint`'s answer: whether it was blocked, the frames in the
/// log, and how many of them are now in the database (-1 when not in WAL mode).
#[derive(Debug, sqlx::FromRow)]
struct Checkpoint {
    busy: i64,
    log: i64,
    checkpointed: i64,
}

async fn passive(pool: &AnyPool) -> Result<Checkpoint, sqlx::Error> {
    sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
        .fetch_one(pool)
        .await
}

/// Rewinds and truncates the log from the checkpoint task, waiting at most
/// `wait_ms` for the write lock and for readers to leave the log.
async fn truncate(pool: &AnyPool, wait_ms: u32) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    if !checkpoint_waiting(&mut conn, "TRUNCATE", wait_ms).await? {
        tracing::debug!("WAL truncation deferred: a commit or a reader is in the way");
    }
    Ok(())
}

/// Copies what is left; if that was everything (nobody is writing), truncates the
/// file, giving up at once if a commit or a reader is in the way.
async fn truncate_if_quiet(pool: &AnyPool) -> Result<(), sqlx::Error> {
    let copied = passive(pool).await?;
    if copied.log <= 0 || copied.checkpointed != copied.log {
        return Ok(());
    }
    truncate(pool, 0).await
}

/// `wal_checkpoint(mode)` with the busy handler waiting at most `wait_ms`;
/// true when it completed.
async fn checkpoint_waiting(
    conn: &mut PoolConnection<Any>,
    mode: &str,
    wait_ms: u32,
) -> Result<bool, sqlx::Error> {
    (&mut **conn)
        .execute(format!("PRAGMA busy_timeout = {wait_ms}").as_str())
        .await?;
    let done = sqlx::query_as::<_, Checkpoint>(&format!("PRAGMA wal_checkpoint({mode})"))
        .persistent(false)
        .fetch_one(&mut **conn)
        .await;
    (&mut **conn)
        .execute(format!("PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}").as_str())
        .await?;
    Ok(done?.busy == 0)
}

/// The writer's part: restart the log on its own connection, between batches,
/// when the checkpoint task asked for it.
pub(super) async fn restart_if_wanted(control: &WalControl, conn: &mut PoolConnection<Any>) {
    if !control.restart_wanted.swap(false, Ordering::Relaxed) {
        return;
    }
    let started = Instant::now();
    let done = checkpoint_waiting(conn, "RESTART", RESTART_WAIT_MS).await;
    crate::telemetry::wal_restart(started.elapsed());
    match done {
        Ok(true) => {}
        // A reader held the log: the next look at the file asks again.
        Ok(false) => tracing::debug!("WAL restart deferred: a reader is in the log"),
        Err(err) => tracing::warn!(error = %err, "WAL restart failed"),
    }
}
