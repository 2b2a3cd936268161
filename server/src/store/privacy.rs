//! A visitor's data rights: everything about them, and erasing it.

use super::conversations::{detail_from_row, summary_sql};
use super::rows::{VISITOR_COLUMNS, VisitorRow};
use super::{Store, StoreResult};
use natter_protocol::{ConversationDetail, Visitor};

/// A visitor of an organization, by id.
fn visitor_of_org_sql() -> String {
    format!("SELECT {VISITOR_COLUMNS} FROM visitors v WHERE v.id = $1 AND v.org_id = $2")
}

impl Store {
    /// A visitor of `org_id`, with every conversation of theirs, newest first.
    pub async fn visitor_with_conversations(
        &self,
        org_id: &str,
        visitor_id: &str,
    ) -> StoreResult<Option<(Visitor, Vec<ConversationDetail>)>> {
        let visitor: Option<VisitorRow> = sqlx::query_as(&visitor_of_org_sql())
            .bind(visitor_id)
            .bind(org_id)
            .fetch_optional(&self.pool)
            .await?;
        let Some(visitor) = visitor else {
            return Ok(None);
        };
        let rows = sqlx::query(&summary_sql(
            "c.visitor_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC",
        ))
        .bind(visitor_id)
        .fetch_all(&self.pool)
        .await?;
        let conversations = rows
            .iter()
            .map(|r| detail_from_row(r, &self.signer))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Some((visitor.into(), conversations)))
    }

    /// Deletes a visitor of `org_id` and with them everything of theirs: conversations,
    /// messages (and so their search index entries), notes, tokens, email links. The
    /// ids of the conversations erased; `None` when there was no such visitor.
    pub async fn erase_visitor(
        &self,
        org_id: &str,
        visitor_id: &str,
    ) -> StoreResult<Option<Vec<String>>> {
        let hooks = self.webhooks_wanted(org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let convs: Vec<(String,)> = sqlx::query_as(
            "SELECT c.id FROM conversations c JOIN visitors v ON v.id = c.visitor_id \
             WHERE c.visitor_id = $1 AND v.org_id = $2",
        )
        .bind(visitor_id)
        .bind(org_id)
        .fetch_all(&mut *tx)
        .await?;
        // Messages first, explicitly: the search index follows their deletion.
        sqlx::query(
            "DELETE FROM messages WHERE conv_id IN (SELECT c.id FROM conversations c \
             JOIN visitors v ON v.id = c.visitor_id WHERE c.visitor_id = $1 AND v.org_id = $2)",
        )
        .bind(visitor_id)
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
        let done = sqlx::query("DELETE FROM visitors WHERE id = $1 AND org_id = $2")
            .bind(visitor_id)
            .bind(org_id)
            .execute(&mut *tx)
            .await?;
        if done.rows_affected() == 0 {
            return Ok(None);
        }
        // What webhooks have not yet sent of theirs is not sent, and the log forgets
        // what was; then `visitor.deleted` says so.
        let visitor_key = format!("visitor:{visitor_id}");
        for key in convs.iter().map(|(c,)| c).chain([&visitor_key]) {
            sqlx::query("DELETE FROM webhook_deliveries WHERE ordering_key = $1")
                .bind(key)
                .execute(&mut *tx)
                .await?;
        }
        if hooks {
            super::webhooks::visitor_deleted(&mut tx, org_id, visitor_id).await?;
        }
        tx.commit().await?;
        if hooks {
            self.wake_webhooks();
        }
        // Their cached owners and tokens must not outlive them here.
        self.caches.owners.invalidate_all();
        self.caches.visitors.invalidate_all();
        Ok(Some(convs.into_iter().map(|(c,)| c).collect()))
    }
}

/// Conversations deleted per statement by the retention job.
const RETENTION_BATCH: i64 = 500;

impl Store {
    /// How many days the organization keeps an inactive conversation (`None`: for ever).
    pub async fn retention_days(&self, org_id: &str) -> StoreResult<Option<i64>> {
        let row: Option<(Option<i64>,)> =
            sqlx::query_as("SELECT retention_days FROM organizations WHERE id = $1")
                .bind(org_id)
                .fetch_optional(&self.pool)
                .await?;
        Ok(row.and_then(|(days,)| days))
    }

    pub async fn set_retention_days(&self, org_id: &str, days: Option<i64>) -> StoreResult<()> {
        sqlx::query("UPDATE organizations SET retention_days = $2 WHERE id = $1")
            .bind(org_id)
            .bind(days)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// Deletes every organization's conversations inactive past its retention (their
    /// messages first, so the search index follows), then visitors left with none.
    /// Returns how many conversations went.
    pub async fn apply_retention(&self, now: i64) -> StoreResult<u64> {
        let orgs: Vec<(String, i64)> = sqlx::query_as(
            "SELECT id, retention_days FROM organizations WHERE retention_days IS NOT NULL",
        )
        .fetch_all(&self.pool)
        .await?;
        let mut deleted = 0;
        for (org_id, days) in orgs {
            let before = now.saturating_sub(days.saturating_mul(86_400_000));
            loop {
                let mut tx = self
                    .pool
                    .begin_with(super::begin_write(self.backend))
                    .await?;
                let convs: Vec<(String, String)> = sqlx::query_as(
                    "SELECT id, visitor_id FROM conversations WHERE org_id = $1 AND last_activity_at < $2 LIMIT $3",
                )
                .bind(&org_id)
                .bind(before)
                .bind(RETENTION_BATCH)
                .fetch_all(&mut *tx)
                .await?;
                for (conv_id, _) in &convs {
                    sqlx::query("DELETE FROM messages WHERE conv_id = $1")
                        .bind(conv_id)
                        .execute(&mut *tx)
                        .await?;
                    sqlx::query("DELETE FROM conversations WHERE id = $1")
                        .bind(conv_id)
                        .execute(&mut *tx)
                        .await?;
                }
                for (_, visitor_id) in &convs {
                    sqlx::query(
                        "DELETE FROM visitors WHERE id = $1 AND NOT EXISTS \
                         (SELECT 1 FROM conversations c WHERE c.visitor_id = $1)",
                    )
                    .bind(visitor_id)
                    .execute(&mut *tx)
                    .await?;
                }
                tx.commit().await?;
                deleted += convs.len() as u64;
                if (convs.len() as i64) < RETENTION_BATCH {
                    break;
                }
            }
        }
        if deleted > 0 {
            self.caches.owners.invalidate_all();
            self.caches.visitors.invalidate_all();
        }
        Ok(deleted)
    }
}
