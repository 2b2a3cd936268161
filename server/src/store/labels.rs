//! Labels: an organization's, with colours, and the ones each conversation carries.

use super::{Store, StoreError, StoreResult, now_ms};
use natter_protocol::Label;

/// An organization's labels, by name.
pub(super) const LABELS_OF_SQL: &str =
    "SELECT name, color FROM labels WHERE org_id = $1 ORDER BY name";

#[derive(sqlx::FromRow)]
struct LabelRow {
    name: String,
    color: String,
}

impl Store {
    pub async fn labels(&self, org_id: &str) -> StoreResult<Vec<Label>> {
        let rows: Vec<LabelRow> = sqlx::query_as(LABELS_OF_SQL)
            .bind(org_id)
            .fetch_all(&self.pool)
            .await?;
        Ok(rows
            .into_iter()
            .map(|r| Label {
                name: r.name,
                color: r.color,
            })
            .collect())
    }

    /// Adds one; `AlreadyExists` when the name is taken.
    pub async fn create_label(&self, org_id: &str, label: &Label) -> StoreResult<()> {
        sqlx::query("INSERT INTO labels (org_id, name, color, created_at) VALUES ($1, $2, $3, $4)")
            .bind(org_id)
            .bind(&label.name)
            .bind(&label.color)
            .bind(now_ms())
            .execute(&self.pool)
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.is_unique_violation() => {
                    StoreError::AlreadyExists("label".into())
                }
                _ => e.into(),
            })?;
        Ok(())
    }

    /// Recolours one; false when the organization has no such label.
    pub async fn update_label(&self, org_id: &str, label: &Label) -> StoreResult<bool> {
        let done = sqlx::query("UPDATE labels SET color = $3 WHERE org_id = $1 AND name = $2")
            .bind(org_id)
            .bind(&label.name)
            .bind(&label.color)
            .execute(&self.pool)
            .await?;
        Ok(done.rows_affected() == 1)
    }

    /// Deletes one and takes it off every conversation of the organization, returning
    /// those conversations (each a `conversation.updated` webhook event with its labels
    /// left); `None` when there was no such label.
    pub async fn delete_label(&self, org_id: &str, name: &str) -> StoreResult<Option<Vec<String>>> {
        let hooks = self.webhooks_wanted(org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let done = sqlx::query("DELETE FROM labels WHERE org_id = $1 AND name = $2")
            .bind(org_id)
            .bind(name)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        let convs: Vec<(String,)> = sqlx::query_as(
            "DELETE FROM conversation_labels WHERE label = $2 AND conv_id IN \
             (SELECT cl.conv_id FROM conversation_labels cl JOIN conversations c ON c.id = cl.conv_id \
              WHERE cl.label = $2 AND c.org_id = $1) RETURNING conv_id",
        )
        .bind(org_id)
        .bind(name)
        .fetch_all(&mut *tx)
        .await?;
        if hooks {
            for (conv_id,) in &convs {
                let left: Vec<String> = sqlx::query_scalar(
                    "SELECT label FROM conversation_labels WHERE conv_id = $1 ORDER BY label",
                )
                .bind(conv_id)
                .fetch_all(&mut *tx)
                .await?;
                let changes = serde_json::json!({ "labels": left });
                super::webhooks::conversation_updated(&mut tx, org_id, conv_id, changes).await?;
            }
        }
        tx.commit().await?;
        if hooks && !convs.is_empty() {
            self.wake_webhooks();
        }
        Ok(Some(convs.into_iter().map(|(c,)| c).collect()))
    }

    /// Sets a conversation's labels to `labels`; a name the organization does not have
    /// yet is added with the colour `color_of` gives it.
    pub async fn set_labels(
        &self,
        org_id: &str,
        conv_id: &str,
        labels: &[String],
        color_of: impl Fn(&str) -> String,
    ) -> StoreResult<()> {
        let hooks = self.webhooks_wanted(org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let before: Vec<String> = if hooks {
            sqlx::query_scalar("SELECT label FROM conversation_labels WHERE conv_id = $1")
                .bind(conv_id)
                .fetch_all(&mut *tx)
                .await?
        } else {
            Vec::new()
        };
        let now = now_ms();
        for name in labels {
            sqlx::query(
                "INSERT INTO labels (org_id, name, color, created_at) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (org_id, name) DO NOTHING",
            )
            .bind(org_id)
            .bind(name)
            .bind(color_of(name))
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        sqlx::query("DELETE FROM conversation_labels WHERE conv_id = $1")
            .bind(conv_id)
            .execute(&mut *tx)
            .await?;
        for name in labels {
            sqlx::query("INSERT INTO conversation_labels (conv_id, label) VALUES ($1, $2)")
                .bind(conv_id)
                .bind(name)
                .execute(&mut *tx)
                .await?;
        }
        let mut after = labels.to_vec();
        after.sort();
        after.dedup();
        let changed = hooks && {
            let mut before = before;
            before.sort();
            before != after
        };
        if changed {
            let changes = serde_json::json!({ "labels": after });
            super::webhooks::conversation_updated(&mut tx, org_id, conv_id, changes).await?;
        }
        tx.commit().await?;
        if changed {
            self.wake_webhooks();
        }
        Ok(())
    }
}
