//! Internal notes: staff only, in a table no visitor path reads.

use super::rows::to_u64;
use super::{Store, StoreError, StoreResult, now_ms};
use natter_protocol::{ConvId, Note, Sender, SenderKind, StaffMember};

/// Emails a member that a note mentions them.
pub const MENTION_ALERT: &str = "mention_alert";

const NOTE_COLUMNS: &str =
    "id, conv_id, after_seq, author_id, author_name, text, client_msg_id, mentions, created_at";

#[derive(sqlx::FromRow)]
struct NoteRow {
    id: String,
    conv_id: String,
    after_seq: i64,
    author_id: String,
    author_name: String,
    text: String,
    client_msg_id: String,
    /// Member ids, space-separated.
    mentions: String,
    created_at: i64,
}

impl From<NoteRow> for Note {
    fn from(row: NoteRow) -> Self {
        Note {
            id: row.id,
            conv_id: ConvId(row.conv_id),
            after_seq: to_u64(row.after_seq),
            author: Sender {
                kind: SenderKind::Staff,
                id: row.author_id,
                name: row.author_name,
            },
            text: row.text,
            client_msg_id: row.client_msg_id,
            mentions: row.mentions.split_whitespace().map(str::to_owned).collect(),
            created_at: row.created_at,
        }
    }
}

/// A conversation's notes, oldest first.
pub(super) fn notes_of_sql() -> String {
    format!("SELECT {NOTE_COLUMNS} FROM notes WHERE conv_id = $1 ORDER BY created_at, id")
}

/// A note to write: its author, text, idempotency key and whom it mentions.
pub struct NewNote<'a> {
    pub author: &'a StaffMember,
    pub text: &'a str,
    pub client_msg_id: &'a str,
    pub mentions: &'a [String],
    /// Write a mention alert job for each mentioned member (email is on).
    pub alert: bool,
}

impl Store {
    /// Writes a note after the conversation's last message, with a mention alert job
    /// per mentioned member, in one transaction. `created: false` with the note stored
    /// earlier under the same `client_msg_id` (`IdempotencyConflict` when that one
    /// differs).
    pub async fn add_note(&self, conv_id: &ConvId, note: NewNote<'_>) -> StoreResult<(Note, bool)> {
        let id = super::new_id();
        let now = now_ms();
        let hooks = self.webhooks_wanted(&note.author.org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let inserted = sqlx::query(&format!(
            "INSERT INTO notes ({NOTE_COLUMNS}) \
             SELECT $1, c.id, c.last_seq, $3, $4, $5, $6, $7, $8 FROM conversations c WHERE c.id = $2 \
             ON CONFLICT (conv_id, client_msg_id) DO NOTHING"
        ))
        .bind(&id)
        .bind(&conv_id.0)
        .bind(&note.author.id)
        .bind(&note.author.name)
        .bind(note.text)
        .bind(note.client_msg_id)
        .bind(note.mentions.join(" "))
        .bind(now)
        .execute(&mut *tx)
        .await?
        .rows_affected()
            == 1;
        if inserted && note.alert {
            for member in note.mentions.iter().filter(|m| **m != note.author.id) {
                let payload = serde_json::json!({
                    "conv_id": conv_id.0,
                    "note_id": id,
                    "staff_id": member,
                });
                super::jobs::enqueue(
                    &mut tx,
                    &note.author.org_id,
                    MENTION_ALERT,
                    &payload.to_string(),
                    now,
                    None,
                )
                .await?;
            }
        }
        if inserted && hooks {
            super::webhooks::note_created(&mut tx, &note.author.org_id, &conv_id.0, &id).await?;
        }
        tx.commit().await?;
        if inserted && hooks {
            self.wake_webhooks();
        }
        let stored: NoteRow = sqlx::query_as(&format!(
            "SELECT {NOTE_COLUMNS} FROM notes WHERE conv_id = $1 AND client_msg_id = $2"
        ))
        .bind(&conv_id.0)
        .bind(note.client_msg_id)
        .fetch_optional(&self.pool)
        .await?
        .ok_or(StoreError::NotFound)?;
        if !inserted && (stored.author_id != note.author.id || stored.text != note.text) {
            return Err(StoreError::IdempotencyConflict);
        }
        Ok((stored.into(), inserted))
    }

    /// A conversation's notes, oldest first.
    pub async fn notes(&self, conv_id: &ConvId) -> StoreResult<Vec<Note>> {
        let rows: Vec<NoteRow> = sqlx::query_as(&notes_of_sql())
            .bind(&conv_id.0)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// One note of a conversation.
    pub async fn note(&self, conv_id: &str, note_id: &str) -> StoreResult<Option<Note>> {
        let row: Option<NoteRow> = sqlx::query_as(&format!(
            "SELECT {NOTE_COLUMNS} FROM notes WHERE id = $1 AND conv_id = $2"
        ))
        .bind(note_id)
        .bind(conv_id)
        .fetch_optional(&self.pool)
        .await?;
        Ok(row.map(Into::into))
    }
}
