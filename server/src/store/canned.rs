//! Canned replies: an organization's, unique by shortcut.

use super::{Store, StoreError, StoreResult, now_ms};
use natter_protocol::CannedResponse;

/// An organization's canned replies, by shortcut.
pub(super) const CANNED_OF_SQL: &str =
    "SELECT id, shortcut, title, text FROM canned_responses WHERE org_id = $1 ORDER BY shortcut";

#[derive(sqlx::FromRow)]
struct CannedRow {
    id: String,
    shortcut: String,
    title: String,
    text: String,
}

impl From<CannedRow> for CannedResponse {
    fn from(row: CannedRow) -> Self {
        Self {
            id: row.id,
            shortcut: row.shortcut,
            title: row.title,
            text: row.text,
        }
    }
}

/// A unique violation is a shortcut already taken.
fn taken(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => {
            StoreError::AlreadyExists("shortcut".into())
        }
        _ => e.into(),
    }
}

impl Store {
    pub async fn canned_responses(&self, org_id: &str) -> StoreResult<Vec<CannedResponse>> {
        let rows: Vec<CannedRow> = sqlx::query_as(CANNED_OF_SQL)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Adds one; `AlreadyExists` when the shortcut is taken.
    pub async fn create_canned_response(
        &self,
        org_id: &str,
        shortcut: &str,
        title: &str,
        text: &str,
    ) -> StoreResult<CannedResponse> {
        let id = uuid::Uuid::new_v4().to_string();
        sqlx::query(
            "INSERT INTO canned_responses (id, org_id, shortcut, title, text, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(shortcut)
        .bind(title)
        .bind(text)
        .bind(now_ms())
        .execute(&self.pool)
        .await
        .map_err(taken)?;
        Ok(CannedResponse {
            id,
            shortcut: shortcut.to_owned(),
            title: title.to_owned(),
            text: text.to_owned(),
        })
    }

    /// Replaces one of the organization's; `None` if it has none with `id`,
    /// `AlreadyExists` when the shortcut is taken.
    pub async fn update_canned_response(
        &self,
        org_id: &str,
        updated: &CannedResponse,
    ) -> StoreResult<Option<CannedResponse>> {
        let done = sqlx::query(
            "UPDATE canned_responses SET shortcut = $3, title = $4, text = $5 \
             WHERE id = $1 AND org_id = $2",
        )
        .bind(&updated.id)
        .bind(org_id)
        .bind(&updated.shortcut)
        .bind(&updated.title)
        .bind(&updated.text)
        .execute(&self.pool)
        .await
        .map_err(taken)?;
        Ok((done.rows_affected() > 0).then(|| updated.clone()))
    }

    /// Deletes one of the organization's; whether there was one.
    pub async fn delete_canned_response(&self, org_id: &str, id: &str) -> StoreResult<bool> {
        Ok(
            sqlx::query("DELETE FROM canned_responses WHERE id = $1 AND org_id = $2")
                .bind(id)
                .bind(org_id)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }
}
