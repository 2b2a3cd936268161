//! The store: every read and write of Natter's data, over SQLite (default) or Postgres.
//!
//! The SQL is portable and runs unchanged on both backends through sqlx's `Any`
//! driver; only the connection set-up and the migrations folder differ. A message
//! is committed, with its `seq`, before any caller can acknowledge or publish it.

mod api_tokens;
mod attachments;
mod cache;
mod canned;
mod conversations;
mod directory;
mod emails;
mod identity;
mod jobs;
mod labels;
mod messages;
mod notes;
mod plans;
mod privacy;
mod push;
mod rows;
mod search;
mod wal;
mod webhooks;
mod writer;

pub use api_tokens::{ApiTokenRow, NewApiToken};
pub use attachments::{ATTACHMENT_THUMBNAIL, NewAttachment};
pub use cache::Lookup;
pub use conversations::{Assignee, ConversationOwner, ConversationRow, ListCursor};
pub use directory::{
    Account, NewAccount, NewStaff, StaffCredentials, StaffSession, Team, VisitorIdentity,
};
pub use emails::{LinkRefusal, VISITOR_EMAIL, VisitorMailing};
pub use identity::NewContact;
pub use jobs::{ASSIGNMENT_ALERT, Job, STAFF_ALERT, TRANSCRIPT_EMAIL, WEBHOOK_FAILING};
pub use messages::{Author, NewLead};
pub use notes::{MENTION_ALERT, NewNote};
pub use push::STAFF_PUSH;
pub use search::{Search, terms as search_terms};
pub use webhooks::{
    Attempt, AttemptResult, ClaimedDelivery, DeliveryRow, WebhookChanges, WebhookRow, events_column,
};

use sqlx::any::{AnyPoolOptions, install_default_drivers};
use sqlx::{AnyPool, Executor};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Which database a URL points at.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("the same client_msg_id was already used for a different message")]
    IdempotencyConflict,
    #[error("not found")]
    NotFound,
    #[error("an attachment is not an unsent upload of the sender in this conversation")]
    AttachmentsRefused,
    #[error("already exists: {0}")]
    AlreadyExists(String),
    #[error(transparent)]
    Database(#[from] sqlx::Error),
    #[error("{0}")]
    Unsupported(&'static str),
    #[error(transparent)]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

pub type StoreResult<T> = Result<T, StoreError>;

/// The deployment's secret called `name`: the one stored, or `generated` stored now.
/// Every instance ends up with the first one written.
pub(crate) async fn server_key(
    pool: &sqlx::AnyPool,
    name: &str,
    generated: &str,
) -> StoreResult<String> {
    sqlx::query(
        "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) \
         ON CONFLICT (name) DO NOTHING",
    )
    .bind(name)
    .bind(generated)
    .bind(now_ms())
    .execute(pool)
    .await?;
    let (value,): (String,) = sqlx::query_as("SELECT value FROM server_keys WHERE name = $1")
        .bind(name)
        .fetch_one(pool)
        .await?;
    Ok(value)
}

/// How a write transaction begins. On SQLite it takes the write lock at once
/// (`BEGIN IMMEDIATE`), waiting in the busy handler if another commit holds it: a
/// deferred transaction whose snapshot another commit overtakes before its first
/// write fails at once with "database is locked", busy handler or not.
pub(super) fn begin_write(backend: Backend) -> &'static str {
    match backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN",
    }
}

/// How SQLite makes a commit durable (`PRAGMA synchronous`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum SqliteSync {
    /// Durable against application crashes; a power loss may lose the last commits (WAL).
    Normal,
    /// Every commit is fsynced before it is acknowledged.
    Full,
}

#[derive(Clone, Debug)]
pub struct StoreOptions {
    pub database_url: String,
    pub max_connections: u32,
    pub sqlite_synchronous: SqliteSync,
    /// SQLite: the WAL size past which it is checkpointed and truncated (see `wal`);
    /// 0 leaves checkpoints to another process, such as Litestream.
    pub sqlite_wal_limit_bytes: u64,
}

#[derive(Clone, Debug)]
pub struct Store {
    pool: AnyPool,
    backend: Backend,
    /// The group-commit writer that every message append goes through.
    appends: tokio::sync::mpsc::Sender<writer::AppendJob>,
    caches: cache::Caches,
    /// Poked after a commit that wrote webhook deliveries.
    webhook_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Poked after a commit that wrote a job to run now (a thumbnail).
    jobs_wake: std::sync::Arc<tokio::sync::Notify>,
    /// Poked after this instance recorded a thumbnail, for the requests waiting on one.
    thumbnail_made: std::sync::Arc<tokio::sync::Notify>,
    /// Signs the URLs of the attachments in the messages it reads.
    signer: crate::files::Signer,
    /// A visitor token unused for longer than this opens nothing (ms; 0: never).
    visitor_token_ttl_ms: i64,
    /// A staff reply the visitor has not seen this long after is emailed to them
    /// (ms; `None`: email is off).
    visitor_email_delay_ms: Option<i64>,
    /// A visitor message nobody answered this long after alerts the staff (ms;
    /// `None`: email is off).
    staff_alert_delay_ms: Option<i64>,
}

/// A new row id for conversations, visitors, messages and notes: a UUIDv7, ordered
/// by creation time. A shop's busy rows are its recent ones, so in every index keyed
/// by these ids (a conversation's messages by `(conv_id, seq)`, a visitor's
/// conversations) they sit together at the index's right edge; random (v4) ids put
/// each on its own page across a year of data, and a commit then wrote (and a
/// checkpoint copied back) a page per index per message. Measured in BENCHMARKS.md,
/// "A year of a busy shop".
pub fn new_id() -> String {
    uuid::Uuid::now_v7().to_string()
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

/// Accepts `sqlite://path`, `sqlite:path`, a bare file path, or `postgres://…`.
fn normalise_url(url: &str) -> (Backend, String) {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        return (Backend::Postgres, url.to_owned());
    }
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))
        .unwrap_or(url);
    let url = if rest.contains("mode=") {
        format!("sqlite://{rest}")
    } else if rest.contains('?') {
        format!("sqlite://{rest}&mode=rwc")
    } else {
        format!("sqlite://{rest}?mode=rwc")
    };
    (Backend::Sqlite, url)
}

impl Store {
    /// Connects and applies the backend's embedded migrations.
    pub async fn connect(options: &StoreOptions) -> StoreResult<Self> {
        install_default_drivers();
        let (backend, url) = normalise_url(&options.database_url);
        let sync = match options.sqlite_synchronous {
            SqliteSync::Normal => "NORMAL",
            SqliteSync::Full => "FULL",
        };
        let wal_limit = options.sqlite_wal_limit_bytes;
        let pool = AnyPoolOptions::new()
            .max_connections(options.max_connections)
            .acquire_timeout(Duration::from_secs(10))
            .after_connect(move |conn, _meta| {
                Box::pin(async move {
                    if backend == Backend::Sqlite {
                        conn.execute("PRAGMA journal_mode = WAL").await?;
                        conn.execute(format!("PRAGMA synchronous = {sync}").as_str())
                            .await?;
                        conn.execute("PRAGMA foreign_keys = ON").await?;
                        conn.execute(
                            format!("PRAGMA busy_timeout = {}", wal::BUSY_TIMEOUT_MS).as_str(),
                        )
                        .await?;
                        // Checkpoints run in the background (`wal`), not inside
                        // whichever commit happens to fill the WAL.
                        conn.execute("PRAGMA wal_autocheckpoint = 0").await?;
                        if wal_limit > 0 {
                            let keep = wal::keep_bytes(wal_limit);
                            conn.execute(format!("PRAGMA journal_size_limit = {keep}").as_str())
                                .await?;
                        }
                    }
                    Ok(())
                })
            })
            .connect(&url)
            .await?;
        match backend {
            Backend::Sqlite => sqlx::migrate!("./migrations/sqlite").run(&pool).await?,
            Backend::Postgres => sqlx::migrate!("./migrations/postgres").run(&pool).await?,
        }
        // A limit of 0 leaves checkpoints to another process (Litestream).
        let wal_control = (backend == Backend::Sqlite && wal_limit > 0).then(|| {
            let control = std::sync::Arc::new(wal::WalControl::default());
            wal::spawn_checkpoints(
                pool.clone(),
                wal::wal_path(&url),
                wal_limit,
                control.clone(),
            );
            control
        });
        let webhook_wake = std::sync::Arc::new(tokio::sync::Notify::new());
        let signer = crate::files::Signer::new(&attachments::url_key(&pool).await?);
        let appends = writer::spawn(
            pool.clone(),
            backend,
            wal_control,
            webhook_wake.clone(),
            signer.clone(),
        );
        Ok(Self {
            pool,
            backend,
            appends,
            caches: cache::Caches::new(),
            webhook_wake,
            jobs_wake: std::sync::Arc::new(tokio::sync::Notify::new()),
            thumbnail_made: std::sync::Arc::new(tokio::sync::Notify::new()),
            signer,
            visitor_token_ttl_ms: 0,
            visitor_email_delay_ms: None,
            staff_alert_delay_ms: None,
        })
    }

    /// Whether `due_sql` (a read of one row due at `$1`, now) finds any. The job and
    /// webhook claims are writes: asking first keeps an idle install off the write lock.
    async fn anything_due(&self, due_sql: &str) -> StoreResult<bool> {
        let due: Option<i64> = sqlx::query_scalar(due_sql)
            .bind(now_ms())
            .fetch_optional(&self.pool)
            .await?;
        Ok(due.is_some())
    }

    /// What signs and checks the attachment URLs in the messages this store reads.
    pub fn signer(&self) -> &crate::files::Signer {
        &self.signer
    }

    /// Visitor tokens unused for longer than `ttl` stop working (`None`: never).
    pub fn expire_visitor_tokens_after(mut self, ttl: Option<std::time::Duration>) -> Self {
        self.visitor_token_ttl_ms =
            ttl.map_or(0, |t| i64::try_from(t.as_millis()).unwrap_or(i64::MAX));
        self
    }

    /// Staff replies a visitor has not seen after `delay` are emailed to them (a job
    /// committed with each reply; `None`: never).
    pub fn email_visitors_after(mut self, delay: Option<std::time::Duration>) -> Self {
        self.visitor_email_delay_ms =
            delay.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self
    }

    /// A visitor message nobody answered within `delay` alerts the staff (a job
    /// committed with each message; `None`: never).
    pub fn alert_staff_after(mut self, delay: Option<std::time::Duration>) -> Self {
        self.staff_alert_delay_ms = delay.map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX));
        self
    }

    /// Readiness: the database answers a query.
    pub async fn ping(&self) -> StoreResult<()> {
        sqlx::query("SELECT 1").execute(&self.pool).await?;
        Ok(())
    }

    pub async fn close(&self) {
        self.pool.close().await;
    }

    /// Writes a consistent copy of the live SQLite database to `path` (a new file),
    /// while the server keeps serving. Postgres is backed up with its own tools.
    pub async fn backup(&self, path: &std::path::Path) -> StoreResult<()> {
        if self.backend == Backend::Postgres {
            return Err(StoreError::Unsupported(
                "a Postgres database is backed up with pg_dump or base backups, not by Natter",
            ));
        }
        if path.exists() {
            return Err(StoreError::AlreadyExists(path.display().to_string()));
        }
        let target = path.to_str().ok_or(StoreError::Unsupported(
            "the backup path must be valid UTF-8",
        ))?;
        // VACUUM INTO reads one snapshot (writers go on) and writes a compact copy.
        sqlx::query("VACUUM INTO $1")
            .bind(target)
            .execute(&self.pool)
            .await?;
        Ok(())
    }
}

/// Maps a unique-constraint violation to `AlreadyExists`.
fn on_unique(err: sqlx::Error, what: &str) -> StoreError {
    match &err {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::AlreadyExists(what.to_owned())
        }
        _ => StoreError::Database(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_urls_are_normalised() {
        assert_eq!(
            normalise_url("data/natter.db"),
            (Backend::Sqlite, "sqlite://data/natter.db?mode=rwc".into())
        );
        assert_eq!(
            normalise_url("sqlite://x.db"),
            (Backend::Sqlite, "sqlite://x.db?mode=rwc".into())
        );
        assert_eq!(
            normalise_url("sqlite:x.db?mode=ro"),
            (Backend::Sqlite, "sqlite://x.db?mode=ro".into())
        );
        assert_eq!(
            normalise_url("postgres://h/db"),
            (Backend::Postgres, "postgres://h/db".into())
        );
    }
}
