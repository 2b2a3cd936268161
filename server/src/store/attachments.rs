//! Attachments: the row made at upload, claimed by the one message that sends it,
//! and the files queued for deletion when rows go (a trigger, see migration 0017).

use super::{Store, StoreResult, now_ms};
use crate::files::{Signer, Variant};
use natter_protocol::{Attachment, Uploaded};
use serde::{Deserialize, Serialize};
use sqlx::{Any, Transaction};

/// Makes a thumbnail of an uploaded image.
pub const ATTACHMENT_THUMBNAIL: &str = "attachment_thumbnail";

/// An attachment as a message row keeps it (JSON in `messages.attachments`).
#[derive(Clone, Debug, Serialize, Deserialize, sqlx::FromRow)]
pub(super) struct Stored {
    id: String,
    name: String,
    content_type: String,
    size: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    width: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    height: Option<i32>,
}

impl Stored {
    fn uploaded(self) -> Uploaded {
        Uploaded {
            id: self.id,
            name: self.name,
            content_type: self.content_type,
            size: u64::try_from(self.size).unwrap_or(0),
            width: self.width.and_then(|w| u32::try_from(w).ok()),
            height: self.height.and_then(|h| u32::try_from(h).ok()),
        }
    }
}

/// A message's attachments column as the protocol shows them, with URLs signed now.
pub(super) fn materialize(column: Option<&str>, signer: &Signer) -> Vec<Attachment> {
    let Some(json) = column else {
        return Vec::new();
    };
    let stored: Vec<Stored> = serde_json::from_str(json).unwrap_or_default();
    let now = now_ms() / 1000;
    stored
        .into_iter()
        .map(|s| {
            let url = signer.url(&s.id, Variant::Original, now);
            let thumbnail_url = crate::files::inline(&s.content_type)
                .then(|| signer.url(&s.id, Variant::Thumbnail, now));
            s.uploaded().into_attachment(url, thumbnail_url)
        })
        .collect()
}

/// A file stored, for its row.
pub struct NewAttachment<'a> {
    pub id: &'a str,
    pub org_id: &'a str,
    pub conv_id: &'a str,
    pub uploader_id: &'a str,
    pub name: &'a str,
    pub content_type: &'a str,
    pub size: u64,
    pub dimensions: Option<(u32, u32)>,
    pub sha256: &'a str,
    pub storage_key: &'a str,
    /// An image: a thumbnail job is committed with the row.
    pub image: bool,
}

/// Where an attachment's bytes are, for serving them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AttachmentFile {
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub storage_key: String,
    pub thumbnail_key: Option<String>,
}

const COLUMNS: &str = "id, name, content_type, size, width, height";

/// The uploader's unsent attachment of these bytes and name (a retried upload).
pub(super) fn unsent_sql() -> String {
    format!(
        "SELECT {COLUMNS} FROM attachments WHERE conv_id = $1 AND uploader_id = $2 \
         AND sha256 = $3 AND name = $4 AND message_id IS NULL"
    )
}

/// Gives `n` unsent uploads to a message.
pub(super) fn claim_sql(n: usize) -> String {
    let placeholders: Vec<String> = (4..4 + n).map(|i| format!("${i}")).collect();
    format!(
        "UPDATE attachments SET message_id = $1 WHERE conv_id = $2 AND uploader_id = $3 \
         AND message_id IS NULL AND id IN ({}) RETURNING {COLUMNS}",
        placeholders.join(", ")
    )
}

pub(super) const FILE_SQL: &str =
    "SELECT name, content_type, size, storage_key, thumbnail_key FROM attachments WHERE id = $1";
/// The files due for deletion by `$1`, oldest first. `file_deletions.created_at` is when
/// a deletion falls due: at once for a row that went (the trigger), later for a file
/// being written ([`Store::file_pending`]).
pub(super) const FILE_DELETIONS_SQL: &str =
    "SELECT storage_key FROM file_deletions WHERE created_at <= $1 ORDER BY created_at LIMIT $2";
/// A file's queued deletion, cancelled by the commit that records the file's row.
pub(super) const CANCEL_DELETION_SQL: &str = "DELETE FROM file_deletions WHERE storage_key = $1";
pub(super) const DELETE_OF_MESSAGE_SQL: &str = "DELETE FROM attachments WHERE message_id = $1";

/// The key attachment URLs are signed with: the deployment's (made by the first
/// instance to start), so any instance checks what another signed.
pub(super) async fn url_key(pool: &sqlx::AnyPool) -> StoreResult<Vec<u8>> {
    let generated: String = {
        use rand::RngCore;
        let mut bytes = [0u8; 32];
        rand::thread_rng().fill_bytes(&mut bytes);
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    };
    Ok(super::server_key(pool, "attachment_url_key", &generated)
        .await?
        .into_bytes())
}

impl Store {
    /// The uploader's unsent attachment of these bytes and name in this
    /// conversation: an upload retried is answered with it.
    pub async fn unsent_attachment(
        &self,
        conv_id: &str,
        uploader_id: &str,
        sha256: &str,
        name: &str,
    ) -> StoreResult<Option<Uploaded>> {
        let row: Option<Stored> = sqlx::query_as(&unsent_sql())
            .bind(conv_id)
            .bind(uploader_id)
            .bind(sha256)
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        Ok(row.map(Stored::uploaded))
    }

    /// Records a stored file, with its thumbnail job for an image. `None`: the same
    /// upload was recorded meanwhile (the caller deletes its copy and answers
    /// [`Store::unsent_attachment`]).
    pub async fn add_attachment(&self, new: NewAttachment<'_>) -> StoreResult<Option<Uploaded>> {
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let (width, height) = match new.dimensions {
            Some((w, h)) => (i32::try_from(w).ok(), i32::try_from(h).ok()),
            None => (None, None),
        };
        let row: Option<Stored> = sqlx::query_as(&format!(
            "INSERT INTO attachments (id, org_id, conv_id, uploader_id, name, content_type, size, \
             width, height, sha256, storage_key, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) \
             ON CONFLICT (conv_id, uploader_id, sha256, name) WHERE message_id IS NULL DO NOTHING \
             RETURNING {COLUMNS}"
        ))
        .bind(new.id)
        .bind(new.org_id)
        .bind(new.conv_id)
        .bind(new.uploader_id)
        .bind(new.name)
        .bind(new.content_type)
        .bind(i64::try_from(new.size).unwrap_or(i64::MAX))
        .bind(width)
        .bind(height)
        .bind(new.sha256)
        .bind(new.storage_key)
        .bind(now_ms())
        .fetch_optional(&mut *tx)
        .await?;
        if row.is_some() {
            // The file is the row's now: not an orphan to delete.
            sqlx::query(CANCEL_DELETION_SQL)
                .bind(new.storage_key)
                .execute(&mut *tx)
                .await?;
        }
        if row.is_some() && new.image {
            let payload =
                serde_json::json!({ "attachment_id": new.id, "conv_id": new.conv_id }).to_string();
            super::jobs::enqueue(
                &mut tx,
                new.org_id,
                ATTACHMENT_THUMBNAIL,
                &payload,
                now_ms(),
                None,
            )
            .await?;
        }
        tx.commit().await?;
        if row.is_some() && new.image {
            self.jobs_wake.notify_one();
        }
        Ok(row.map(Stored::uploaded))
    }

    /// Where an attachment's bytes are (`None`: no such attachment, or its message
    /// was deleted).
    pub async fn attachment_file(&self, id: &str) -> StoreResult<Option<AttachmentFile>> {
        Ok(sqlx::query_as(FILE_SQL)
            .bind(id)
            .fetch_optional(&self.pool)
            .await?)
    }

    /// What the jobs worker waits on between its polls.
    pub fn jobs_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.jobs_wake.clone()
    }

    /// Poked whenever this instance records a thumbnail (another instance's are seen
    /// only by reading the row again).
    pub fn thumbnail_made(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.thumbnail_made.clone()
    }

    /// Records an attachment's thumbnail (`""`: none can be made), cancelling the
    /// deletion queued while it was written; `false` if the attachment is gone.
    pub async fn set_thumbnail(&self, id: &str, key: &str) -> StoreResult<bool> {
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let done = sqlx::query("UPDATE attachments SET thumbnail_key = $2 WHERE id = $1")
            .bind(id)
            .bind(key)
            .execute(&mut *tx)
            .await?;
        let recorded = done.rows_affected() > 0;
        if recorded && !key.is_empty() {
            sqlx::query(CANCEL_DELETION_SQL)
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        if recorded {
            self.thumbnail_made.notify_waiters();
        }
        Ok(recorded)
    }

    /// Queues the deletion of a file about to be written, due at `due` (ms): the commit
    /// that records its row cancels it, so a file whose writer dies before that commit
    /// (between the file store and the database) is deleted when it falls due instead
    /// of staying behind with no row.
    pub async fn file_pending(&self, key: &str, due: i64) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO file_deletions (storage_key, created_at) VALUES ($1, $2) \
             ON CONFLICT (storage_key) DO NOTHING",
        )
        .bind(key)
        .bind(due)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Files due for deletion by `now` (ms), oldest first, for the file store to delete.
    pub async fn file_deletions(&self, now: i64, limit: i64) -> StoreResult<Vec<String>> {
        let keys: Vec<(String,)> = sqlx::query_as(FILE_DELETIONS_SQL)
            .bind(now)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?;
        Ok(keys.into_iter().map(|(k,)| k).collect())
    }

    pub async fn file_deleted(&self, key: &str) -> StoreResult<()> {
        sqlx::query(CANCEL_DELETION_SQL)
            .bind(key)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes uploads never sent that are older than `before` (their files follow).
    pub async fn delete_unsent_attachments(&self, before: i64) -> StoreResult<u64> {
        let done =
            sqlx::query("DELETE FROM attachments WHERE message_id IS NULL AND created_at < $1")
                .bind(before)
                .execute(&self.pool)
                .await?;
        Ok(done.rows_affected())
    }
}

/// What claiming a message's attachments came to.
#[derive(Debug)]
pub(super) enum Claim {
    /// The attachments column to store with the message.
    Claimed(Option<String>),
    /// One of the ids is not the sender's unsent upload in this conversation.
    Refused,
}

/// Gives the uploader's unsent attachments `ids` (in this conversation) to message
/// `message_id`, inside the message's transaction; the column to store with it, in
/// the order given.
pub(super) async fn claim(
    tx: &mut Transaction<'static, Any>,
    conv_id: &str,
    uploader_id: &str,
    message_id: &str,
    ids: &[String],
) -> sqlx::Result<Claim> {
    if ids.is_empty() {
        return Ok(Claim::Claimed(None));
    }
    let sql = claim_sql(ids.len());
    let mut query = sqlx::query_as::<_, Stored>(&sql)
        .persistent(false)
        .bind(message_id)
        .bind(conv_id)
        .bind(uploader_id);
    for id in ids {
        query = query.bind(id);
    }
    let mut claimed = query.fetch_all(&mut **tx).await?;
    if claimed.len() != ids.len() {
        return Ok(Claim::Refused);
    }
    claimed.sort_by_key(|s| ids.iter().position(|id| *id == s.id));
    let json = serde_json::to_string(&claimed).map_err(|e| sqlx::Error::Encode(e.into()))?;
    Ok(Claim::Claimed(Some(json)))
}

/// The attachment ids a message column names, in order.
pub(super) fn ids_of(column: &[Attachment]) -> Vec<&str> {
    column.iter().map(|a| a.id.as_str()).collect()
}

/// When a message is deleted, its attachments go (their files follow).
pub(super) async fn delete_of_message(
    tx: &mut Transaction<'static, Any>,
    message_id: &str,
) -> sqlx::Result<()> {
    sqlx::query(DELETE_OF_MESSAGE_SQL)
        .bind(message_id)
        .execute(&mut **tx)
        .await?;
    Ok(())
}
