//! Group commit: every message append goes through one writer task, which commits
//! everything waiting (up to [`MAX_BATCH`]) in one transaction and only then
//! answers each caller. A commit is the expensive part of an append (a round trip
//! to SQLite's worker thread or to Postgres, and an fsync in FULL mode), so sharing
//! it among all concurrent appends raises throughput without acknowledging
//! anything before it is durable.
//!
//! A batch allocates each conversation's `seq` block with one `UPDATE … FROM` and
//! inserts all its messages with one `INSERT … SELECT`, both reading the batch
//! from a single JSON parameter (see [`Statements`]). Whenever
//! that fast path cannot be taken as a whole (a reused `client_msg_id`, a race with
//! another instance, any database error) the batch is rolled back and its appends
//! are replayed one by one through [`append_one`], which has the precise
//! idempotency and error semantics. A rollback leaves no `seq` gap.

use super::messages::{Appended, Author, FollowUps, NewMessage, append_one};
use super::rows::to_u64;
use super::wal::WalControl;
use super::{Backend, Store, StoreError, StoreResult, now_ms};
use natter_protocol::{ConvId, ConversationStatus, Direction, Message};
use serde::Serialize;
use sqlx::pool::PoolConnection;
use sqlx::{Any, AnyPool, Connection, Transaction};
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::{Notify, mpsc, oneshot};

/// At most this many appends share one transaction (10 parameters each stays far
/// below SQLite's and Postgres's limits on bound parameters).
const MAX_BATCH: usize = 256;
/// Appends waiting for the writer; senders wait (backpressure) beyond this.
const QUEUE: usize = 4096;

/// One append waiting for its commit.
pub(super) struct AppendJob {
    pub conv_id: ConvId,
    pub author: Author,
    pub text: String,
    pub client_msg_id: String,
    /// When to follow the message up by email if nothing happened meanwhile (a job
    /// committed with it): a staff reply the visitor has not seen, a visitor message
    /// nobody answered.
    pub notify_at: Option<i64>,
    /// The conversation's organization, when it has webhook endpoints (an event is
    /// committed with the message).
    pub webhook_org: Option<String>,
    pub done: oneshot::Sender<StoreResult<Appended>>,
}

/// Starts the writer task; it ends when every sender is dropped. With `wal`, it
/// also restarts SQLite's log between batches when asked (see `wal`).
pub(super) fn spawn(
    pool: AnyPool,
    backend: Backend,
    wal: Option<Arc<WalControl>>,
    webhook_wake: Arc<Notify>,
    signer: crate::files::Signer,
) -> mpsc::Sender<AppendJob> {
    let (tx, mut rx) = mpsc::channel::<AppendJob>(QUEUE);
    let statements = Statements::new(backend);
    tokio::spawn(async move {
        let mut jobs = Vec::with_capacity(MAX_BATCH);
        // The writer keeps its connection (no pool round trip per batch, its
        // statements stay prepared) and replaces it after any error.
        let mut conn = None;
        while rx.recv_many(&mut jobs, MAX_BATCH).await > 0 {
            let hooks = jobs.iter().any(|j| j.webhook_org.is_some());
            let batch = std::mem::take(&mut jobs);
            commit_batch(&pool, &statements, &signer, &mut conn, batch).await;
            if hooks {
                webhook_wake.notify_one();
            }
            if let (Some(wal), Some(conn)) = (&wal, conn.as_mut()) {
                super::wal::restart_if_wanted(wal, conn).await;
            }
        }
    });
    tx
}

async fn commit_batch(
    pool: &AnyPool,
    statements: &Statements,
    signer: &crate::files::Signer,
    conn: &mut Option<PoolConnection<Any>>,
    jobs: Vec<AppendJob>,
) {
    crate::telemetry::append_batch(jobs.len());
    let fast = match conn {
        Some(c) => try_batch(c, statements, &jobs).await,
        None => match pool.acquire().await {
            Ok(c) => try_batch(conn.insert(c), statements, &jobs).await,
            Err(err) => Err(err.into()),
        },
    };
    if matches!(fast, Err(BatchError::Database(_))) {
        *conn = None;
    }
    match fast {
        Ok(outcomes) => {
            for (job, outcome) in jobs.into_iter().zip(outcomes) {
                // A caller that went away still had its message committed.
                let _ = job.done.send(outcome);
            }
        }
        Err(err) => {
            tracing::debug!(error = %err, size = jobs.len(), "batch replayed one by one");
            for job in jobs {
                let follow = FollowUps {
                    notify_at: job.notify_at,
                    webhook_org: job.webhook_org.as_deref(),
                };
                let new = NewMessage {
                    conv_id: &job.conv_id,
                    author: &job.author,
                    text: &job.text,
                    client_msg_id: &job.client_msg_id,
                    attachment_ids: &[],
                };
                let outcome = append_one(pool, statements.begin, signer, &new, follow).await;
                let _ = job.done.send(outcome);
            }
        }
    }
}

/// Why the fast path was abandoned (the transaction is rolled back on drop).
#[derive(Debug, thiserror::Error)]
enum BatchError {
    #[error("a client_msg_id in the batch is already stored")]
    Duplicate,
    #[error(transparent)]
    Database(#[from] sqlx::Error),
}

/// The batch's statements. Each batch travels as one JSON parameter, so the SQL
/// is the same whatever the batch size (prepared once on the writer's connection)
/// and binding costs nothing per row. Only the function that turns a JSON array
/// into rows differs between the backends.
struct Statements {
    allocate: String,
    insert: String,
    begin: &'static str,
}

impl Statements {
    fn new(backend: Backend) -> Self {
        let rows = match backend {
            Backend::Sqlite => "json_each($2)",
            Backend::Postgres => "json_array_elements($2::json)",
        };
        Self {
            begin: super::begin_write(backend),
            // Writing first takes the write lock (SQLite) or the row locks (Postgres)
            // before anything is read, so seq blocks never overlap between writers.
            allocate: format!(
                "UPDATE conversations SET last_seq = last_seq + CAST(b.value ->> 'n' AS BIGINT), \
                 last_activity_at = $1 FROM {rows} AS b WHERE conversations.id = b.value ->> 'id' \
                 RETURNING id, last_seq, status"
            ),
            // `WHERE true` lets SQLite parse an upsert after INSERT … SELECT.
            insert: format!(
                "INSERT INTO messages (id, conv_id, seq, direction, sender_kind, sender_id, sender_name, text, client_msg_id, created_at) \
                 SELECT m.value ->> 'id', m.value ->> 'conv_id', CAST(m.value ->> 'seq' AS BIGINT), \
                 m.value ->> 'direction', m.value ->> 'sender_kind', m.value ->> 'sender_id', \
                 m.value ->> 'sender_name', m.value ->> 'text', m.value ->> 'client_msg_id', $1 \
                 FROM {rows} AS m WHERE true ON CONFLICT (conv_id, client_msg_id) DO NOTHING"
            ),
        }
    }
}

/// A conversation's share of a batch, as the allocate statement reads it.
#[derive(Serialize)]
struct SeqRequest<'a> {
    id: &'a str,
    n: i64,
}

/// A message row, as the insert statement reads it.
#[derive(Serialize)]
struct MessageRow<'a> {
    id: &'a str,
    conv_id: &'a str,
    seq: u64,
    direction: &'a str,
    sender_kind: &'a str,
    sender_id: &'a str,
    sender_name: &'a str,
    text: &'a str,
    client_msg_id: &'a str,
}

fn json<T: Serialize>(value: &T) -> Result<String, BatchError> {
    serde_json::to_string(value).map_err(|e| BatchError::Database(sqlx::Error::Encode(e.into())))
}

/// The whole batch in one transaction, or an error after which nothing is stored.
async fn try_batch(
    conn: &mut PoolConnection<Any>,
    statements: &Statements,
    jobs: &[AppendJob],
) -> Result<Vec<StoreResult<Appended>>, BatchError> {
    let mut tx = conn.begin_with(statements.begin).await?;
    match write_batch(&mut tx, statements, jobs).await {
        Ok(outcomes) => {
            tx.commit().await?;
            Ok(outcomes)
        }
        Err(err) => {
            // Roll back now, not on drop: the replay runs on other connections and
            // would wait for the locks this transaction holds.
            tx.rollback().await?;
            Err(err)
        }
    }
}

async fn write_batch(
    tx: &mut Transaction<'_, Any>,
    statements: &Statements,
    jobs: &[AppendJob],
) -> Result<Vec<StoreResult<Appended>>, BatchError> {
    // Each conversation's count, in order of first appearance.
    let mut counts: Vec<SeqRequest<'_>> = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for job in jobs {
        let at = *index.entry(&job.conv_id.0).or_insert_with(|| {
            counts.push(SeqRequest {
                id: &job.conv_id.0,
                n: 0,
            });
            counts.len() - 1
        });
        counts[at].n += 1;
    }

    let now = now_ms();
    let mut blocks: HashMap<String, Block> =
        sqlx::query_as::<_, (String, i64, String)>(&statements.allocate)
            .bind(now)
            .bind(json(&counts)?)
            .fetch_all(&mut **tx)
            .await?
            .into_iter()
            .filter_map(|(id, last_seq, status)| {
                let count = counts[*index.get(id.as_str())?].n;
                let block = Block {
                    next: last_seq - count + 1,
                    resolved: status == ConversationStatus::Resolved.as_str(),
                };
                Some((id, block))
            })
            .collect();

    let mut outcomes = Vec::with_capacity(jobs.len());
    let mut reopened_convs: Vec<&str> = Vec::new();
    for job in jobs {
        let Some(block) = blocks.get_mut(&job.conv_id.0) else {
            outcomes.push(Err(StoreError::NotFound));
            continue;
        };
        let direction = job.author.direction();
        // The first visitor message into a resolved conversation re-opens it.
        let reopened = block.resolved && direction == Direction::In;
        if reopened {
            block.resolved = false;
            reopened_convs.push(&job.conv_id.0);
        }
        let message = Message {
            id: super::new_id(),
            conv_id: job.conv_id.clone(),
            seq: to_u64(block.next),
            direction,
            sender: job.author.sender(),
            text: job.text.clone(),
            client_msg_id: job.client_msg_id.clone(),
            created_at: now,
            deleted_at: None,
            attachments: Vec::new(),
        };
        block.next += 1;
        outcomes.push(Ok(Appended {
            message,
            created: true,
            reopened,
        }));
    }

    if !reopened_convs.is_empty() {
        let placeholders: Vec<String> = (1..=reopened_convs.len())
            .map(|i| format!("${i}"))
            .collect();
        let sql = format!(
            "UPDATE conversations SET status = 'open' WHERE id IN ({})",
            placeholders.join(", ")
        );
        let mut reopen = sqlx::query(&sql).persistent(false);
        for conv_id in &reopened_convs {
            reopen = reopen.bind(*conv_id);
        }
        reopen.execute(&mut **tx).await?;
    }

    let rows: Vec<MessageRow<'_>> = outcomes
        .iter()
        .filter_map(|o| o.as_ref().ok())
        .map(|a| MessageRow {
            id: &a.message.id,
            conv_id: &a.message.conv_id.0,
            seq: a.message.seq,
            direction: a.message.direction.as_str(),
            sender_kind: a.message.sender.kind.as_str(),
            sender_id: &a.message.sender.id,
            sender_name: &a.message.sender.name,
            text: &a.message.text,
            client_msg_id: &a.message.client_msg_id,
        })
        .collect();
    // One follow-up job per conversation and direction, from its first message here.
    let mut followed: Vec<(&str, Direction)> = Vec::new();
    for (job, outcome) in jobs.iter().zip(&outcomes) {
        if let Ok(appended) = outcome {
            let key = (job.conv_id.0.as_str(), appended.message.direction);
            if !followed.contains(&key) {
                followed.push(key);
                super::emails::enqueue_follow_up(tx, &appended.message, job.notify_at).await?;
            }
            if let Some(org_id) = &job.webhook_org {
                super::webhooks::message_created(tx, org_id, &appended.message, appended.reopened)
                    .await?;
            }
        }
    }

    if !rows.is_empty() {
        let inserted = sqlx::query(&statements.insert)
            .bind(now)
            .bind(json(&rows)?)
            .execute(&mut **tx)
            .await?
            .rows_affected();
        if usize::try_from(inserted).ok() != Some(rows.len()) {
            return Err(BatchError::Duplicate);
        }
    }
    Ok(outcomes)
}

/// The seqs being handed out in one conversation during a batch.
struct Block {
    next: i64,
    resolved: bool,
}

impl Store {
    /// Appends a message with the next `seq`, committed before this returns.
    ///
    /// Idempotent on `client_msg_id`: the same id and text from the same author
    /// returns the stored original; the same id with anything else is a conflict.
    /// Concurrent appends share one commit (see `writer`).
    pub async fn append_message(
        &self,
        org_id: &str,
        conv_id: &ConvId,
        author: &Author,
        text: &str,
        client_msg_id: &str,
        attachment_ids: &[String],
    ) -> StoreResult<Appended> {
        let (done, outcome) = oneshot::channel();
        let delay = match author {
            Author::Staff { .. } => self.visitor_email_delay_ms,
            Author::Visitor { .. } => self.staff_alert_delay_ms,
        };
        let notify_at = delay.map(|d| now_ms().saturating_add(d));
        let webhook_org = self
            .webhooks_wanted(org_id)
            .await?
            .then(|| org_id.to_owned());
        if !attachment_ids.is_empty() {
            // Claiming the uploads is per message: these take the one-by-one path.
            let new = NewMessage {
                conv_id,
                author,
                text,
                client_msg_id,
                attachment_ids,
            };
            let follow = FollowUps {
                notify_at,
                webhook_org: webhook_org.as_deref(),
            };
            let begin = super::begin_write(self.backend);
            let appended = append_one(&self.pool, begin, &self.signer, &new, follow).await?;
            if webhook_org.is_some() {
                self.wake_webhooks();
            }
            return Ok(appended);
        }
        let job = AppendJob {
            conv_id: conv_id.clone(),
            author: author.clone(),
            text: text.to_owned(),
            client_msg_id: client_msg_id.to_owned(),
            notify_at,
            webhook_org,
            done,
        };
        self.appends
            .send(job)
            .await
            .map_err(|_| sqlx::Error::PoolClosed)?;
        outcome.await.map_err(|_| sqlx::Error::PoolClosed)?
    }
}

#[cfg(test)]
mod tests {
    use super::super::{NewAccount, NewLead, SqliteSync, StoreOptions, VisitorIdentity};
    use super::*;
    use futures_util::future::join_all;

    /// A store on a fresh SQLite file, with `n` conversations.
    async fn store_with(n: usize) -> (Store, Vec<ConvId>, VisitorIdentity, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let options = StoreOptions {
            database_url: format!("sqlite://{}", dir.path().join("t.db").display()),
            max_connections: 4,
            sqlite_synchronous: SqliteSync::Normal,
            sqlite_wal_limit_bytes: 0,
        };
        let store = Store::connect(&options).await.unwrap();
        store.create_org("o", "O").await.unwrap();
        let origins = vec!["*".to_owned()];
        let account = NewAccount {
            org_id: "o",
            id: "a",
            name: "A",
            greeting: "hi",
            theme_color: "#000000",
            allowed_origins: &origins,
        };
        store.create_account(account).await.unwrap();
        let account = store.account("o", "a").await.unwrap().unwrap();
        let mut convs = Vec::new();
        let mut visitor = None;
        for i in 0..n {
            let lead = NewLead {
                name: format!("V{i}"),
                email: None,
                phone: None,
                page_url: None,
                user_agent: None,
                token_hash: format!("t{i}"),
                contact: None,
                alert_at: None,
                first_message: None,
            };
            let (v, conv, _) = store.create_lead(&account, lead).await.unwrap();
            convs.push(conv);
            visitor = Some(v);
        }
        (store, convs, visitor.unwrap(), dir)
    }

    /// Commits `jobs` as one batch; their outcomes in order.
    async fn batch(store: &Store, jobs: &[(&ConvId, &Author, &str)]) -> Vec<StoreResult<Appended>> {
        let statements = Statements::new(store.backend);
        let (jobs, outcomes): (Vec<_>, Vec<_>) = jobs
            .iter()
            .map(|(conv, author, key)| job(conv, author, key))
            .unzip();
        commit_batch(&store.pool, &statements, &store.signer, &mut None, jobs).await;
        join_all(outcomes)
            .await
            .into_iter()
            .map(Result::unwrap)
            .collect()
    }

    #[tokio::test]
    async fn a_batch_hands_each_conversation_a_block_of_seqs_in_order() {
        let (store, convs, visitor, _dir) = store_with(2).await;
        let author = Author::visitor(&visitor);
        let keys: Vec<String> = (0..6).map(|i| format!("k{i}")).collect();
        // Interleaved: a, b, a, b, a, b.
        let jobs: Vec<(&ConvId, &Author, &str)> = keys
            .iter()
            .enumerate()
            .map(|(i, k)| (&convs[i % 2], &author, k.as_str()))
            .collect();
        let seqs: Vec<(String, u64)> = batch(&store, &jobs)
            .await
            .into_iter()
            .map(|r| {
                let m = r.unwrap().message;
                (m.conv_id.0, m.seq)
            })
            .collect();
        let (a, b) = (convs[0].0.clone(), convs[1].0.clone());
        assert_eq!(
            seqs,
            [
                (a.clone(), 1),
                (b.clone(), 1),
                (a.clone(), 2),
                (b.clone(), 2),
                (a, 3),
                (b, 3)
            ]
        );
    }

    fn job(
        conv: &ConvId,
        author: &Author,
        key: &str,
    ) -> (AppendJob, oneshot::Receiver<StoreResult<Appended>>) {
        let (done, outcome) = oneshot::channel();
        let job = AppendJob {
            conv_id: conv.clone(),
            author: author.clone(),
            text: "hello".into(),
            client_msg_id: key.into(),
            notify_at: None,
            webhook_org: None,
            done,
        };
        (job, outcome)
    }

    #[tokio::test]
    async fn a_repeated_key_in_a_batch_falls_back_to_one_by_one_without_a_gap() {
        let (store, convs, visitor, _dir) = store_with(1).await;
        let author = Author::visitor(&visitor);
        let conv = &convs[0];
        let statements = Statements::new(store.backend);
        let ((first, _), (again, _)) = (job(conv, &author, "same"), job(conv, &author, "same"));
        let mut conn = store.pool.acquire().await.unwrap();
        let fast = try_batch(&mut conn, &statements, &[first, again]).await;
        assert!(matches!(fast, Err(BatchError::Duplicate)), "{fast:?}");
        drop(conn);

        let ((first, first_rx), (again, again_rx)) =
            (job(conv, &author, "same"), job(conv, &author, "same"));
        commit_batch(
            &store.pool,
            &statements,
            &store.signer,
            &mut None,
            vec![first, again],
        )
        .await;
        let first = first_rx.await.unwrap().unwrap();
        let again = again_rx.await.unwrap().unwrap();
        assert!(
            first.created && !again.created,
            "stored once; the retry answers it"
        );
        assert_eq!(
            (first.message.seq, &again.message.id),
            (1, &first.message.id)
        );
        let next = store
            .append_message(&visitor.org_id, conv, &author, "hello", "next", &[])
            .await
            .unwrap();
        assert_eq!(next.message.seq, 2, "the rolled-back block left no gap");
    }

    #[tokio::test]
    async fn an_unknown_conversation_fails_alone() {
        let (store, convs, visitor, _dir) = store_with(1).await;
        let author = Author::visitor(&visitor);
        let gone = ConvId("no-such-conversation".into());
        let outcomes = batch(
            &store,
            &[(&convs[0], &author, "k1"), (&gone, &author, "k2")],
        )
        .await;
        assert_eq!(outcomes[0].as_ref().unwrap().message.seq, 1);
        assert!(matches!(outcomes[1], Err(StoreError::NotFound)));
    }
}
