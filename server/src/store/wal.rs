//! Keeps SQLite's write-ahead log bounded, under sustained writes and when idle.
//!
//! A `PASSIVE` checkpoint copies the WAL into the database without blocking anyone,
//! but it never restarts the log: SQLite rewinds the WAL only when a writer finds
//! every frame copied and no reader inside it, which a steady stream of commits
//! never allows. So the WAL grew without bound (1.75 GB after 30,000 leads).
//!
//! Every second, and as soon as the WAL file passes the limit (its size is looked
//! at every 50 ms), this task runs a `PASSIVE` checkpoint (the bulk of the copying,
//! off the writers' path), then, when the log has passed the limit or has just
//! been copied whole (the server went quiet), a `TRUNCATE` checkpoint, which
//! rewinds the log and cuts its file to zero. That one takes the write lock, so it
//! is first tried without waiting (`busy_timeout = 0`: if a commit or a reader is
//! in the way it gives up at once and is retried a few milliseconds later), and
//! waits for the lock only once the log is past twice the limit. The WAL's size
//! thus stays near the limit under any load and returns to zero when idle;
//! `journal_size_limit` also shrinks the file whenever SQLite rewinds it itself.

use sqlx::{AnyPool, Executor};
use std::path::PathBuf;
use std::time::{Duration, Instant};

/// `journal_size_limit`: the WAL file is cut back to this whenever it restarts.
pub(super) const KEEP_BYTES: u64 = 4 << 20;
/// A WAL frame is a page plus this header.
const FRAME_HEADER: u64 = 24;
/// Quick, non-blocking `TRUNCATE` attempts per tick before giving up until the next.
const ATTEMPTS: u32 = 20;
/// How long a `TRUNCATE` may wait for the write lock once the WAL is far past its limit.
const FORCED_WAIT_MS: u32 = 2000;

/// How often the WAL file's size is looked at (a `stat`, nothing more).
const LOOK_EVERY: Duration = Duration::from_millis(50);
/// How often a checkpoint runs whatever the size.
const CHECKPOINT_EVERY: Duration = Duration::from_secs(1);

/// The file a SQLite database URL's WAL lives in.
pub(super) fn wal_path(url: &str) -> PathBuf {
    let path = url.strip_prefix("sqlite://").unwrap_or(url);
    let path = path.split_once('?').map_or(path, |(p, _)| p);
    PathBuf::from(format!("{path}-wal"))
}

/// Checkpoints until the pool is closed.
pub(super) fn spawn_checkpoints(pool: AnyPool, wal: PathBuf, limit_bytes: u64) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(LOOK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut last = Instant::now();
        loop {
            tick.tick().await;
            let size = std::fs::metadata(&wal).map_or(0, |m| m.len());
            if size < limit_bytes && last.elapsed() < CHECKPOINT_EVERY {
                continue;
            }
            last = Instant::now();
            match checkpoint(&pool, size, limit_bytes).await {
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

async fn checkpoint(pool: &AnyPool, file_bytes: u64, limit_bytes: u64) -> Result<(), sqlx::Error> {
    let mut conn = pool.acquire().await?;
    // Far past the limit, writes outpace the copying: hold them back while the
    // whole log is copied (a pause of a few tens of milliseconds), not after.
    let forced = file_bytes >= limit_bytes.saturating_mul(2);
    if !forced {
        let passive: Checkpoint = sqlx::query_as("PRAGMA wal_checkpoint(PASSIVE)")
            .fetch_one(&mut *conn)
            .await?;
        if passive.log <= 0 {
            return Ok(());
        }
        let (page_size,): (i64,) = sqlx::query_as("PRAGMA page_size")
            .fetch_one(&mut *conn)
            .await?;
        let frame = u64::try_from(page_size).unwrap_or(4096) + FRAME_HEADER;
        let log_bytes = u64::try_from(passive.log).unwrap_or(0) * frame;
        let quiet = passive.checkpointed == passive.log;
        if log_bytes < limit_bytes && !quiet {
            return Ok(());
        }
    }
    let result = truncate(&mut conn, forced).await;
    // The connection goes back to the pool with the busy timeout every other has.
    conn.execute("PRAGMA busy_timeout = 10000").await?;
    if !result? && forced {
        tracing::warn!(
            file_bytes,
            limit_bytes,
            "the WAL could not be truncated: a long read is holding it"
        );
    }
    Ok(())
}

/// Tries to checkpoint, rewind and truncate the whole log; true once done.
async fn truncate(conn: &mut sqlx::AnyConnection, forced: bool) -> Result<bool, sqlx::Error> {
    let wait = if forced { FORCED_WAIT_MS } else { 0 };
    conn.execute(format!("PRAGMA busy_timeout = {wait}").as_str())
        .await?;
    for _ in 0..ATTEMPTS {
        let done: Checkpoint = sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)")
            .fetch_one(&mut *conn)
            .await?;
        if done.busy == 0 {
            return Ok(true);
        }
        tokio::time::sleep(Duration::from_millis(3)).await;
    }
    Ok(false)
}
