//! Emails to visitors: the staff replies they have not seen, and the codes in those
//! emails (a one-time link back to the conversation, an unsubscribe link).

use super::rows::{MESSAGE_COLUMNS, MessageRow, to_i64, to_u64};
use super::{Store, StoreError, StoreResult, now_ms};
use natter_protocol::{Direction, Message, NotificationSettings};
use sqlx::{Any, Transaction};

/// Emails a visitor the replies of a conversation they have not seen.
pub const VISITOR_EMAIL: &str = "visitor_email";

/// Replies one email carries at most; the rest are in the conversation it links to.
const MAX_REPLIES: i64 = 50;

/// A job for conversation `$6`, only if its visitor gave an address and still wants
/// email; a job already waiting for this conversation (same key) takes the reply.
const ENQUEUE_SQL: &str = "INSERT INTO jobs (id, kind, payload, run_at, created_at, dedupe_key, org_id) \
     SELECT $1, $2, $3, $4, $5, $7, c.org_id FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
     WHERE c.id = $6 AND v.email IS NOT NULL AND v.email_opt_out = 0 \
     ON CONFLICT DO NOTHING";

/// A staff alert for conversation `$7` in its organization; a pending one (same key)
/// takes this message.
const ENQUEUE_ALERT_SQL: &str = "INSERT INTO jobs (id, kind, payload, run_at, created_at, dedupe_key, org_id) \
     SELECT $1, $2, $3, $4, $5, $6, c.org_id FROM conversations c WHERE c.id = $7 \
     ON CONFLICT DO NOTHING";

/// With `message` in `tx`: a visitor message is pushed to the staff's browsers now
/// and, with `email_at`, alerts the staff by email then unless answered; a staff reply
/// is emailed to the visitor at `email_at` unless they saw it.
pub(super) async fn enqueue_follow_up(
    tx: &mut Transaction<'_, Any>,
    message: &Message,
    email_at: Option<i64>,
) -> sqlx::Result<()> {
    let conv_id = &message.conv_id.0;
    match (message.direction, email_at) {
        (Direction::Out, Some(run_at)) => {
            enqueue_visitor_email(tx, conv_id, message.seq, run_at).await
        }
        (Direction::Out, None) => Ok(()),
        (Direction::In, email_at) => {
            super::push::enqueue(tx, conv_id).await?;
            let Some(run_at) = email_at else {
                return Ok(());
            };
            sqlx::query(ENQUEUE_ALERT_SQL)
                .bind(uuid::Uuid::new_v4().to_string())
                .bind(super::jobs::STAFF_ALERT)
                .bind(serde_json::json!({ "conv_id": conv_id }).to_string())
                .bind(run_at)
                .bind(now_ms())
                .bind(format!("{}:{conv_id}", super::jobs::STAFF_ALERT))
                .bind(conv_id)
                .execute(&mut **tx)
                .await?;
            Ok(())
        }
    }
}

/// After a staff reply with `seq` is committed in `tx`: email the visitor at `run_at`
/// unless they have seen it by then.
async fn enqueue_visitor_email(
    tx: &mut Transaction<'_, Any>,
    conv_id: &str,
    seq: u64,
    run_at: i64,
) -> sqlx::Result<()> {
    sqlx::query(ENQUEUE_SQL)
        .bind(format!("{VISITOR_EMAIL}:{conv_id}:{seq}"))
        .bind(VISITOR_EMAIL)
        .bind(serde_json::json!({ "conv_id": conv_id }).to_string())
        .bind(run_at)
        .bind(now_ms())
        .bind(conv_id)
        .bind(format!("{VISITOR_EMAIL}:{conv_id}"))
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// What an email to a conversation's visitor needs.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct VisitorMailing {
    pub org_id: String,
    pub account_id: String,
    /// The website's name, which the visitor knows the business by.
    pub account_name: String,
    pub visitor_id: String,
    pub visitor_name: String,
    pub email: Option<String>,
    pub email_opt_out: i64,
    pub visitor_read_seq: i64,
    pub visitor_emailed_seq: i64,
}

impl VisitorMailing {
    /// Replies after this seq are news to the visitor.
    pub fn seen_up_to(&self) -> u64 {
        to_u64(self.visitor_read_seq.max(self.visitor_emailed_seq))
    }
}

/// Why a one-time link opens nothing.
#[derive(Debug, PartialEq, Eq)]
pub enum LinkRefusal {
    Unknown,
    Used,
    Expired,
}

/// An opened link: the conversation and the visitor, with a fresh token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct OpenedLink {
    pub org_id: String,
    pub account_id: String,
    pub conv_id: String,
    pub visitor_id: String,
    pub visitor_name: String,
    pub email: Option<String>,
}

/// Visitor messages one alert quotes at most.
const MAX_QUOTED: i64 = 10;

impl Store {
    /// The visitor's messages since the last staff reply, oldest first (at most
    /// [`MAX_QUOTED`], the latest), and whether staff ever replied.
    pub async fn unanswered(&self, conv_id: &str) -> StoreResult<(Vec<Message>, bool)> {
        let (last_reply,): (Option<i64>,) = sqlx::query_as(
            "SELECT MAX(seq) FROM messages WHERE conv_id = $1 AND direction = 'out'",
        )
        .bind(conv_id)
        .fetch_one(&self.pool)
        .await?;
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conv_id = $1 AND seq > $2 \
             AND direction = 'in' AND deleted_at IS NULL ORDER BY seq DESC LIMIT $3"
        ))
        .bind(conv_id)
        .bind(last_reply.unwrap_or(0))
        .bind(MAX_QUOTED)
        .fetch_all(&self.pool)
        .await?;
        let mut messages: Vec<Message> = rows
            .into_iter()
            .map(|r| r.into_message(&self.signer))
            .collect();
        messages.reverse();
        Ok((messages, last_reply.is_some()))
    }

    /// The organization's members who want an alert email of this kind.
    pub async fn alert_recipients(
        &self,
        org_id: &str,
        new_conversation: bool,
    ) -> StoreResult<Vec<String>> {
        let sql = if new_conversation {
            "SELECT email FROM staff WHERE org_id = $1 AND email_new_conversation = 1 ORDER BY created_at"
        } else {
            "SELECT email FROM staff WHERE org_id = $1 AND email_unanswered = 1 ORDER BY created_at"
        };
        let rows: Vec<(String,)> = sqlx::query_as(sql)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(|(email,)| email).collect())
    }

    /// A member's choice of alerts.
    pub async fn notification_settings(&self, staff_id: &str) -> StoreResult<NotificationSettings> {
        let (new, unanswered, assignment, push): (i64, i64, i64, i64) = sqlx::query_as(
            "SELECT email_new_conversation, email_unanswered, email_assignment, push_enabled \
             FROM staff WHERE id = $1",
        )
        .bind(staff_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        Ok(NotificationSettings {
            email_new_conversation: new != 0,
            email_unanswered: unanswered != 0,
            email_assignment: assignment != 0,
            push: push != 0,
        })
    }

    /// Sets a member's choice of alerts.
    pub async fn set_notification_settings(
        &self,
        staff_id: &str,
        wanted: &NotificationSettings,
    ) -> StoreResult<()> {
        sqlx::query(
            "UPDATE staff SET email_new_conversation = $2, email_unanswered = $3, push_enabled = $4, \
             email_assignment = $5 WHERE id = $1",
        )
        .bind(staff_id)
        .bind(i64::from(wanted.email_new_conversation))
        .bind(i64::from(wanted.email_unanswered))
        .bind(i64::from(wanted.push))
        .bind(i64::from(wanted.email_assignment))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// The conversation's website and visitor, for an email; `None` once deleted.
    pub async fn visitor_mailing(&self, conv_id: &str) -> StoreResult<Option<VisitorMailing>> {
        Ok(sqlx::query_as(
            "SELECT c.org_id, c.account_id, a.name AS account_name, v.id AS visitor_id, \
             v.name AS visitor_name, v.email, v.email_opt_out, c.visitor_read_seq, c.visitor_emailed_seq \
             FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
             JOIN accounts a ON a.org_id = c.org_id AND a.id = c.account_id WHERE c.id = $1",
        )
        .bind(conv_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Staff replies after `after_seq`, oldest first, at most [`MAX_REPLIES`].
    pub async fn replies_after(&self, conv_id: &str, after_seq: u64) -> StoreResult<Vec<Message>> {
        let rows: Vec<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conv_id = $1 AND seq > $2 \
             AND direction = 'out' AND deleted_at IS NULL ORDER BY seq ASC LIMIT $3"
        ))
        .bind(conv_id)
        .bind(to_i64(after_seq))
        .bind(MAX_REPLIES)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .into_iter()
            .map(|r| r.into_message(&self.signer))
            .collect())
    }

    /// Stores a code (its digest) of `kind` (`open`, `unsubscribe`) for an email.
    pub async fn add_visitor_link(
        &self,
        code_hash: &str,
        kind: &str,
        mailing: &VisitorMailing,
        conv_id: &str,
        ttl_ms: i64,
    ) -> StoreResult<()> {
        let now = now_ms();
        sqlx::query(
            "INSERT INTO visitor_links (code_hash, kind, visitor_id, conv_id, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(code_hash)
        .bind(kind)
        .bind(&mailing.visitor_id)
        .bind(conv_id)
        .bind(now)
        .bind(now.saturating_add(ttl_ms))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Records that the visitor was emailed the replies up to `seq`.
    pub async fn mark_visitor_emailed(&self, conv_id: &str, seq: u64) -> StoreResult<()> {
        sqlx::query(
            "UPDATE conversations SET visitor_emailed_seq = $2 WHERE id = $1 AND visitor_emailed_seq < $2",
        )
        .bind(conv_id)
        .bind(to_i64(seq))
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Uses the one-time code `code_hash` once: the visitor gets the new token
    /// `token_hash`, beside any they hold.
    pub async fn open_visitor_link(
        &self,
        code_hash: &str,
        token_hash: &str,
    ) -> StoreResult<Result<OpenedLink, LinkRefusal>> {
        let now = now_ms();
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        // Claiming first takes the write lock (SQLite) or the row lock (Postgres): of two
        // uses at once, one updates the row and the other finds it used.
        let claimed = sqlx::query(
            "UPDATE visitor_links SET used_at = $2 WHERE code_hash = $1 AND kind = 'open' \
             AND used_at IS NULL AND expires_at > $2",
        )
        .bind(code_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if claimed == 0 {
            let found: Option<(Option<i64>, i64)> = sqlx::query_as(
                "SELECT used_at, expires_at FROM visitor_links WHERE code_hash = $1 AND kind = 'open'",
            )
            .bind(code_hash)
            .fetch_optional(&mut *tx)
            .await?;
            return Ok(Err(match found {
                None => LinkRefusal::Unknown,
                Some((Some(_), _)) => LinkRefusal::Used,
                Some((None, _)) => LinkRefusal::Expired,
            }));
        }
        let opened: OpenedLink = sqlx::query_as(
            "SELECT c.org_id, c.account_id, c.id AS conv_id, v.id AS visitor_id, \
             v.name AS visitor_name, v.email FROM visitor_links l \
             JOIN conversations c ON c.id = l.conv_id JOIN visitors v ON v.id = l.visitor_id \
             WHERE l.code_hash = $1",
        )
        .bind(code_hash)
        .fetch_optional(&mut *tx)
        .await?
        .ok_or(StoreError::NotFound)?;
        sqlx::query(
            "INSERT INTO visitor_tokens (token_hash, visitor_id, created_at) VALUES ($1, $2, $3)",
        )
        .bind(token_hash)
        .bind(&opened.visitor_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(Ok(opened))
    }

    /// Turns email off for the visitor an unsubscribe code was made for; `false` when
    /// the code is unknown or expired. Using it again changes nothing and succeeds.
    pub async fn unsubscribe_visitor(&self, code_hash: &str) -> StoreResult<bool> {
        let done = sqlx::query(
            "UPDATE visitors SET email_opt_out = 1 WHERE id = (SELECT visitor_id FROM visitor_links \
             WHERE code_hash = $1 AND kind = 'unsubscribe' AND expires_at > $2)",
        )
        .bind(code_hash)
        .bind(now_ms())
        .execute(&self.pool)
        .await?
        .rows_affected();
        Ok(done > 0)
    }

    /// Deletes codes that expired before `before` (ms); returns how many.
    pub async fn delete_expired_visitor_links(&self, before: i64) -> StoreResult<u64> {
        Ok(
            sqlx::query("DELETE FROM visitor_links WHERE expires_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?
                .rows_affected(),
        )
    }
}
