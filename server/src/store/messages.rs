//! Leads and messages: the write path whose guarantees are the product.

use super::attachments::{Claim, claim};
use super::rows::{MESSAGE_COLUMNS, MessageRow, to_i64, to_u64};
use super::{Account, Store, StoreError, StoreResult, VisitorIdentity, now_ms};
use crate::files::Signer;
use natter_protocol::{
    ConvId, ConversationStatus, Direction, Message, Sender, SenderKind, StaffMember,
};
use sqlx::{Any, AnyPool, Transaction};

/// Who is writing a message. Direction and sender are derived from this alone,
/// and it is built only from an authenticated principal, never from a request body.
#[derive(Clone, Debug)]
pub enum Author {
    Visitor { id: String, name: String },
    Staff { id: String, name: String },
}

impl Author {
    pub fn visitor(visitor: &VisitorIdentity) -> Self {
        Self::Visitor {
            id: visitor.id.clone(),
            name: visitor.name.clone(),
        }
    }

    pub fn staff(staff: &StaffMember) -> Self {
        Self::Staff {
            id: staff.id.clone(),
            name: staff.name.clone(),
        }
    }

    pub(super) fn direction(&self) -> Direction {
        match self {
            Self::Visitor { .. } => Direction::In,
            Self::Staff { .. } => Direction::Out,
        }
    }

    pub(super) fn sender(&self) -> Sender {
        match self {
            Self::Visitor { id, name } => Sender {
                kind: SenderKind::Visitor,
                id: id.clone(),
                name: name.clone(),
            },
            Self::Staff { id, name } => Sender {
                kind: SenderKind::Staff,
                id: id.clone(),
                name: name.clone(),
            },
        }
    }
}

/// History forward from a `seq` (replay, resync, paging down).
pub(super) fn history_after_sql() -> String {
    format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conv_id = $1 AND seq > $2 ORDER BY seq ASC LIMIT $3"
    )
}

/// History backward from a `seq` (paging up), newest first.
pub(super) fn history_before_sql() -> String {
    format!(
        "SELECT {MESSAGE_COLUMNS} FROM messages WHERE conv_id = $1 AND seq > $2 AND seq < $3 \
         ORDER BY seq DESC LIMIT $4"
    )
}

pub(super) fn message_by_client_id_sql() -> String {
    format!("SELECT {MESSAGE_COLUMNS} FROM messages WHERE conv_id = $1 AND client_msg_id = $2")
}

/// A validated lead.
pub struct NewLead {
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub page_url: Option<String>,
    pub user_agent: Option<String>,
    pub token_hash: String,
    /// A verified contact starting another conversation: no new visitor is made.
    pub contact: Option<VisitorIdentity>,
    /// When to alert the organization's staff by email if nobody has answered (a job
    /// written with the lead); `None` when email is off.
    pub alert_at: Option<i64>,
    /// The optional first message: text and client_msg_id.
    pub first_message: Option<(String, String)>,
}

/// The outcome of an append.
#[derive(Clone, Debug)]
pub struct Appended {
    pub message: Message,
    /// False when the client_msg_id was already stored: `message` is the original.
    pub created: bool,
    /// A visitor message re-opened a resolved conversation.
    pub reopened: bool,
}

impl Store {
    /// Creates the visitor, the conversation and the optional first message, atomically.
    pub async fn create_lead(
        &self,
        account: &Account,
        lead: NewLead,
    ) -> StoreResult<(VisitorIdentity, ConvId, Vec<Message>)> {
        let now = now_ms();
        let conv_id = ConvId(super::new_id());
        // Asked before the transaction: inside it, a second connection could wait on a
        // pool that the transactions themselves have emptied.
        let hooks = self.webhooks_wanted(&account.org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let visitor = if let Some(contact) = lead.contact {
            contact
        } else {
            let visitor = VisitorIdentity {
                id: super::new_id(),
                org_id: account.org_id.clone(),
                account_id: account.id.clone(),
                name: lead.name.clone(),
                external_id: None,
            };
            sqlx::query(
            "INSERT INTO visitors (id, org_id, account_id, token_hash, name, email, phone, page_url, user_agent, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10)",
        )
        .bind(&visitor.id)
        .bind(&visitor.org_id)
        .bind(&visitor.account_id)
        .bind(&lead.token_hash)
        .bind(&lead.name)
        .bind(&lead.email)
        .bind(&lead.phone)
        .bind(&lead.page_url)
        .bind(&lead.user_agent)
        .bind(now)
        .execute(&mut *tx)
        .await?;
            visitor
        };
        sqlx::query(
            "INSERT INTO conversations (id, org_id, account_id, visitor_id, status, last_seq, created_at, last_activity_at) \
             VALUES ($1, $2, $3, $4, 'open', 0, $5, $5)",
        )
        .bind(&conv_id.0)
        .bind(&visitor.org_id)
        .bind(&visitor.account_id)
        .bind(&visitor.id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        let mut messages = Vec::new();
        if let Some((text, client_msg_id)) = lead.first_message {
            let author = Author::visitor(&visitor);
            let new = NewMessage {
                conv_id: &conv_id,
                author: &author,
                text: &text,
                client_msg_id: &client_msg_id,
                attachment_ids: &[],
            };
            let id = super::new_id();
            let (message, _) = insert_message(&mut tx, &id, &new, None, &self.signer)
                .await?
                .ok_or(StoreError::IdempotencyConflict)?;
            messages.push(message);
        }
        super::push::enqueue(&mut tx, &conv_id.0).await?;
        if hooks {
            super::webhooks::conversation_created(&mut tx, &account.org_id, &conv_id.0).await?;
            for message in &messages {
                super::webhooks::message_created(&mut tx, &account.org_id, message, false).await?;
            }
        }
        if let Some(run_at) = lead.alert_at {
            let payload = serde_json::json!({ "conv_id": conv_id.0 }).to_string();
            super::jobs::enqueue(
                &mut tx,
                &account.org_id,
                super::jobs::STAFF_ALERT,
                &payload,
                run_at,
                Some(&format!("{}:{}", super::jobs::STAFF_ALERT, conv_id.0)),
            )
            .await?;
        }
        tx.commit().await?;
        if hooks {
            self.wake_webhooks();
        }
        Ok((visitor, conv_id, messages))
    }

    /// Messages with `after_seq < seq < before_seq`, ascending. With `before_seq`
    /// set, the newest `limit` of that range (for paging back through history).
    pub async fn messages(
        &self,
        conv_id: &ConvId,
        after_seq: u64,
        before_seq: Option<u64>,
        limit: u32,
    ) -> StoreResult<Vec<Message>> {
        let rows: Vec<MessageRow> = match before_seq {
            None => {
                sqlx::query_as(&history_after_sql())
                    .bind(&conv_id.0)
                    .bind(to_i64(after_seq))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?
            }
            Some(before) => {
                let mut rows: Vec<MessageRow> = sqlx::query_as(&history_before_sql())
                    .bind(&conv_id.0)
                    .bind(to_i64(after_seq))
                    .bind(to_i64(before))
                    .bind(i64::from(limit))
                    .fetch_all(&self.pool)
                    .await?;
                rows.reverse();
                rows
            }
        };
        Ok(rows
            .into_iter()
            .map(|r| r.into_message(&self.signer))
            .collect())
    }
}

impl Store {
    /// One message of a conversation, by id.
    pub async fn message(&self, conv_id: &str, message_id: &str) -> StoreResult<Option<Message>> {
        let row: Option<MessageRow> = sqlx::query_as(&format!(
            "SELECT {MESSAGE_COLUMNS} FROM messages WHERE id = $1 AND conv_id = $2"
        ))
        .bind(message_id)
        .bind(conv_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(|r| r.into_message(&self.signer)))
    }

    /// Erases a message's text and attachments from storage (the files follow), keeping
    /// its row as the tombstone (its seq stays taken). `None` when no such message; a message deleted before answers
    /// its tombstone unchanged.
    pub async fn delete_message(
        &self,
        org_id: &str,
        conv_id: &str,
        message_id: &str,
    ) -> StoreResult<Option<Message>> {
        let hooks = self.webhooks_wanted(org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let deleted: Option<i64> = sqlx::query_scalar(
            "UPDATE messages SET text = '', attachments = NULL, deleted_at = $3 \
             WHERE id = $1 AND conv_id = $2 AND deleted_at IS NULL RETURNING seq",
        )
        .bind(message_id)
        .bind(conv_id)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        if deleted.is_some() {
            super::attachments::delete_of_message(&mut tx, message_id).await?;
        }
        if let (true, Some(seq)) = (hooks, deleted) {
            let data =
                serde_json::json!({ "conv_id": conv_id, "message_id": message_id, "seq": seq });
            super::webhooks::record(
                &mut tx,
                org_id,
                conv_id,
                natter_protocol::WebhookEvent::MessageDeleted,
                data,
                false,
            )
            .await?;
        }
        tx.commit().await?;
        if hooks && deleted.is_some() {
            self.wake_webhooks();
        }
        self.message(conv_id, message_id).await
    }
}

/// What is committed with an appended message besides it.
pub(super) struct FollowUps<'a> {
    /// When to follow it up by email (see `writer::AppendJob`).
    pub notify_at: Option<i64>,
    /// Its organization, when that has webhook endpoints.
    pub webhook_org: Option<&'a str>,
}

/// One append in its own transaction: the writer's path when a batch cannot be
/// committed as a whole, and every message that sends attachments (claimed in the
/// same transaction).
pub(super) async fn append_one(
    pool: &AnyPool,
    begin: &'static str,
    signer: &Signer,
    new: &NewMessage<'_>,
    follow: FollowUps<'_>,
) -> StoreResult<Appended> {
    let mut tx = pool.begin_with(begin).await?;
    // Time-ordered ids keep inserts at the end of the primary-key index.
    let id = super::new_id();
    let sender_id = new.author.sender().id;
    let claim = claim(&mut tx, &new.conv_id.0, &sender_id, &id, new.attachment_ids).await?;
    let inserted = match &claim {
        Claim::Claimed(column) => {
            insert_message(&mut tx, &id, new, column.as_deref(), signer).await?
        }
        Claim::Refused => None,
    };
    match inserted {
        Some((message, reopened)) => {
            super::emails::enqueue_follow_up(&mut tx, &message, follow.notify_at).await?;
            if let Some(org_id) = follow.webhook_org {
                super::webhooks::message_created(&mut tx, org_id, &message, reopened).await?;
            }
            tx.commit().await?;
            Ok(Appended {
                message,
                created: true,
                reopened,
            })
        }
        None => {
            // The seq increment is rolled back with the transaction, so no gap is left.
            tx.rollback().await?;
            let original =
                message_by_client_id(pool, signer, new.conv_id, new.client_msg_id).await?;
            let Some(original) = original else {
                return Err(match claim {
                    Claim::Refused => StoreError::AttachmentsRefused,
                    Claim::Claimed(_) => StoreError::NotFound,
                });
            };
            let same_author =
                original.sender.id == sender_id && original.direction == new.author.direction();
            let ids: Vec<&str> = new.attachment_ids.iter().map(String::as_str).collect();
            if same_author
                && original.text == new.text
                && super::attachments::ids_of(&original.attachments) == ids
            {
                Ok(Appended {
                    message: original,
                    created: false,
                    reopened: false,
                })
            } else {
                Err(StoreError::IdempotencyConflict)
            }
        }
    }
}

/// A message to append, as validated.
pub(super) struct NewMessage<'a> {
    pub conv_id: &'a ConvId,
    pub author: &'a Author,
    pub text: &'a str,
    pub client_msg_id: &'a str,
    /// The sender's unsent uploads in this conversation, sent with it.
    pub attachment_ids: &'a [String],
}

async fn message_by_client_id(
    pool: &AnyPool,
    signer: &Signer,
    conv_id: &ConvId,
    client_msg_id: &str,
) -> StoreResult<Option<Message>> {
    let row: Option<MessageRow> = sqlx::query_as(&message_by_client_id_sql())
        .bind(&conv_id.0)
        .bind(client_msg_id)
        .fetch_optional(pool)
        .await?;
    Ok(row.map(|r| r.into_message(signer)))
}

/// Allocates the next `seq` and inserts the message inside `tx`. `None` when the
/// `client_msg_id` is already taken in this conversation (the caller rolls back).
/// Returns the message and whether a resolved conversation was re-opened.
async fn insert_message(
    tx: &mut Transaction<'static, Any>,
    id: &str,
    new: &NewMessage<'_>,
    attachments: Option<&str>,
    signer: &Signer,
) -> StoreResult<Option<(Message, bool)>> {
    let NewMessage {
        conv_id,
        author,
        text,
        client_msg_id,
        ..
    } = *new;
    let now = now_ms();
    let direction = author.direction();
    // Writing first takes the row lock (Postgres) or the write lock (SQLite) before
    // anything is read, so concurrent writers serialise here and seq has no gap.
    let (seq, status): (i64, String) = sqlx::query_as(
        "UPDATE conversations SET last_seq = last_seq + 1, last_activity_at = $2 WHERE id = $1 \
         RETURNING last_seq, status",
    )
    .bind(&conv_id.0)
    .bind(now)
    .fetch_optional(&mut **tx)
    .await?
    .ok_or(StoreError::NotFound)?;
    // A visitor writing into a resolved conversation re-opens it.
    let reopened = direction == Direction::In && status == ConversationStatus::Resolved.as_str();
    if reopened {
        sqlx::query("UPDATE conversations SET status = 'open' WHERE id = $1")
            .bind(&conv_id.0)
            .execute(&mut **tx)
            .await?;
    }
    let sender = author.sender();
    let inserted: Option<(String,)> = sqlx::query_as(
        "INSERT INTO messages (id, conv_id, seq, direction, sender_kind, sender_id, sender_name, text, client_msg_id, created_at, attachments) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) \
         ON CONFLICT (conv_id, client_msg_id) DO NOTHING RETURNING id",
    )
    .bind(id)
    .bind(&conv_id.0)
    .bind(seq)
    .bind(direction.as_str())
    .bind(sender.kind.as_str())
    .bind(&sender.id)
    .bind(&sender.name)
    .bind(text)
    .bind(client_msg_id)
    .bind(now)
    .bind(attachments)
    .fetch_optional(&mut **tx)
    .await?;
    if inserted.is_none() {
        return Ok(None);
    }
    let message = Message {
        id: id.to_owned(),
        conv_id: conv_id.clone(),
        seq: to_u64(seq),
        direction,
        sender,
        text: text.to_owned(),
        client_msg_id: client_msg_id.to_owned(),
        created_at: now,
        deleted_at: None,
        attachments: super::attachments::materialize(attachments, signer),
    };
    Ok(Some((message, reopened)))
}
