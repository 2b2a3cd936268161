//! Webhook endpoints and their deliveries (issue 20).
//!
//! An event is written as one delivery row per endpoint that wants it, inside the
//! transaction of the change that causes it ([`record`]): nothing committed is left
//! unsent, and nothing is sent that was not committed. The dispatcher (`crate::webhooks`)
//! claims, for each endpoint and conversation, only the oldest pending delivery, so an
//! endpoint receives one conversation's events in the order they were committed.

use super::{Store, StoreError, StoreResult, now_ms};
use natter_protocol::WebhookEvent;
use sqlx::{Any, Transaction};

/// An endpoint, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct WebhookRow {
    pub id: String,
    pub org_id: String,
    pub url: String,
    /// `,a,b,`: see the migration.
    pub events: String,
    pub include_notes: i64,
    pub secret: String,
    pub enabled: i64,
    pub failing_since: Option<i64>,
    pub created_at: i64,
}

impl WebhookRow {
    pub fn events(&self) -> Vec<WebhookEvent> {
        self.events
            .split(',')
            .filter_map(WebhookEvent::parse)
            .collect()
    }
}

/// The stored form of an event list.
pub fn events_column(events: &[WebhookEvent]) -> String {
    let names: Vec<&str> = WebhookEvent::ALL
        .into_iter()
        .filter(|e| events.contains(e))
        .map(WebhookEvent::as_str)
        .collect();
    format!(",{},", names.join(","))
}

/// What may change in an endpoint.
#[derive(Clone, Debug, Default)]
pub struct WebhookChanges {
    pub url: Option<String>,
    pub events: Option<String>,
    pub include_notes: Option<bool>,
    pub enabled: Option<bool>,
    pub secret: Option<String>,
}

/// One delivery, as stored.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DeliveryRow {
    pub id: i64,
    pub webhook_id: String,
    pub event_id: String,
    pub event_type: String,
    pub status: String,
    pub attempts: i64,
    pub run_at: i64,
    pub response_status: Option<i64>,
    pub response_ms: Option<i64>,
    pub response_excerpt: Option<String>,
    pub last_error: Option<String>,
    pub created_at: i64,
    pub done_at: Option<i64>,
}

const DELIVERY_COLUMNS: &str = "id, webhook_id, event_id, event_type, status, attempts, run_at, \
     response_status, response_ms, response_excerpt, last_error, created_at, done_at";

/// A delivery claimed for an attempt, with where and how to send it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ClaimedDelivery {
    pub id: i64,
    pub webhook_id: String,
    pub event_id: String,
    pub body: String,
    /// Attempts so far, this one included.
    pub attempts: i64,
}

/// What became of one attempt.
#[derive(Clone, Debug)]
pub struct Attempt {
    pub response_status: Option<u16>,
    pub response_ms: u64,
    pub response_excerpt: Option<String>,
    pub error: Option<String>,
}

/// Where a delivery goes after an attempt.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AttemptResult {
    Delivered,
    RetryAt(i64),
    GiveUp,
}

/// One delivery per enabled endpoint of organization `$6` whose events match `$7`.
pub(super) const RECORD_SQL: &str = "INSERT INTO webhook_deliveries \
     (webhook_id, event_id, event_type, ordering_key, body, run_at, created_at) \
     SELECT id, $1, $2, $3, $4, $5, $5 FROM webhooks \
     WHERE org_id = $6 AND enabled = 1 AND events LIKE $7";

/// How many enabled endpoints organization `$1` has.
pub(super) const WANTED_SQL: &str =
    "SELECT COUNT(*) FROM webhooks WHERE org_id = $1 AND enabled = 1";

/// An endpoint's `$2` most recent deliveries.
pub(super) fn deliveries_of_sql() -> String {
    format!(
        "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE webhook_id = $1 \
         ORDER BY id DESC LIMIT $2"
    )
}

/// Records `event` for every enabled endpoint of `org_id` that wants it, inside `tx`.
/// `ordering_key` names the sequence it belongs to (a conversation's id); `internal`
/// events (notes) go only to endpoints that opted in. Returns how many deliveries.
pub(super) async fn record(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    ordering_key: &str,
    event: WebhookEvent,
    data: serde_json::Value,
    internal: bool,
) -> sqlx::Result<u64> {
    let id = format!("evt_{}", uuid::Uuid::now_v7().simple());
    let now = now_ms();
    let body = serde_json::json!({
        "id": id,
        "type": event.as_str(),
        "created_at": now,
        "org_id": org_id,
        "data": data,
    })
    .to_string();
    let sql = if internal {
        format!("{RECORD_SQL} AND include_notes = 1")
    } else {
        RECORD_SQL.to_owned()
    };
    let done = sqlx::query(&sql)
        .bind(&id)
        .bind(event.as_str())
        .bind(ordering_key)
        .bind(&body)
        .bind(now)
        .bind(org_id)
        .bind(format!("%,{},%", event.as_str()))
        .execute(&mut **tx)
        .await?;
    Ok(done.rows_affected())
}

/// `message.created` for a visitor message or staff reply, and `conversation.updated`
/// when it re-opened its conversation.
pub(super) async fn message_created(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    message: &natter_protocol::Message,
    reopened: bool,
) -> sqlx::Result<u64> {
    let conv_id = &message.conv_id.0;
    let data = serde_json::json!({ "conv_id": conv_id, "message": message, "internal": false });
    let mut n = record(
        tx,
        org_id,
        conv_id,
        WebhookEvent::MessageCreated,
        data,
        false,
    )
    .await?;
    if reopened {
        let changes = serde_json::json!({ "status": "open" });
        n += conversation_updated(tx, org_id, conv_id, changes).await?;
    }
    Ok(n)
}

/// `conversation.created`: the conversation and its visitor, as stored.
pub(super) async fn conversation_created(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    conv_id: &str,
) -> sqlx::Result<u64> {
    let (account_id, status, created_at, visitor_id): (String, String, i64, String) =
        sqlx::query_as(
            "SELECT account_id, status, created_at, visitor_id FROM conversations WHERE id = $1",
        )
        .bind(conv_id)
        .fetch_one(&mut **tx)
        .await?;
    let data = serde_json::json!({
        "conv_id": conv_id,
        "account_id": account_id,
        "status": status,
        "created_at": created_at,
        "visitor": visitor(tx, &visitor_id).await?,
    });
    record(
        tx,
        org_id,
        conv_id,
        WebhookEvent::ConversationCreated,
        data,
        false,
    )
    .await
}

/// A visitor as webhooks show it: id, name and the contact details they gave.
pub(super) async fn visitor(
    tx: &mut Transaction<'_, Any>,
    visitor_id: &str,
) -> sqlx::Result<serde_json::Value> {
    let row: Option<(String, Option<String>, Option<String>)> =
        sqlx::query_as("SELECT name, email, phone FROM visitors WHERE id = $1")
            .bind(visitor_id)
            .fetch_optional(&mut **tx)
            .await?;
    let (name, email, phone) = row.unwrap_or_default();
    Ok(serde_json::json!({ "id": visitor_id, "name": name, "email": email, "phone": phone }))
}

/// `message.created` for an internal note: only to endpoints that opted in.
pub(super) async fn note_created(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    conv_id: &str,
    note_id: &str,
) -> sqlx::Result<u64> {
    let (author_id, author_name, text, created_at): (String, String, String, i64) =
        sqlx::query_as("SELECT author_id, author_name, text, created_at FROM notes WHERE id = $1")
            .bind(note_id)
            .fetch_one(&mut **tx)
            .await?;
    let data = serde_json::json!({
        "conv_id": conv_id,
        "internal": true,
        "message": {
            "id": note_id,
            "conv_id": conv_id,
            "sender": { "kind": "staff", "id": author_id, "name": author_name },
            "text": text,
            "created_at": created_at,
        },
    });
    record(
        tx,
        org_id,
        conv_id,
        WebhookEvent::MessageCreated,
        data,
        true,
    )
    .await
}

/// `visitor.updated`, with the visitor as it is now.
pub(super) async fn visitor_updated(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    visitor: serde_json::Value,
) -> sqlx::Result<u64> {
    let key = format!("visitor:{}", visitor["id"].as_str().unwrap_or_default());
    let data = serde_json::json!({ "visitor": visitor });
    record(tx, org_id, &key, WebhookEvent::VisitorUpdated, data, false).await
}

/// `visitor.deleted`: only the id is left to say.
pub(super) async fn visitor_deleted(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    visitor_id: &str,
) -> sqlx::Result<u64> {
    let data = serde_json::json!({ "visitor_id": visitor_id });
    let key = format!("visitor:{visitor_id}");
    record(tx, org_id, &key, WebhookEvent::VisitorDeleted, data, false).await
}

/// `conversation.updated` with what changed (`status`, `assignee_id`, `labels`).
pub(super) async fn conversation_updated(
    tx: &mut Transaction<'_, Any>,
    org_id: &str,
    conv_id: &str,
    changes: serde_json::Value,
) -> sqlx::Result<u64> {
    let data = serde_json::json!({ "conv_id": conv_id, "changes": changes });
    record(
        tx,
        org_id,
        conv_id,
        WebhookEvent::ConversationUpdated,
        data,
        false,
    )
    .await
}

/// Claims up to `$3` deliveries due at `$1`, leasing each until `$1 + $2`: of each
/// endpoint's conversation only the oldest pending one, and only while its endpoint is
/// enabled; the earliest due first. The outer conditions repeat the inner ones (see
/// `jobs::CLAIM_SQL`).
pub(super) const CLAIM_SQL: &str = "UPDATE webhook_deliveries SET locked_until = $1 + $2, attempts = attempts + 1 \
     WHERE id IN (SELECT d.id FROM webhook_deliveries d WHERE d.status = 'pending' AND d.run_at <= $1 \
       AND (d.locked_until IS NULL OR d.locked_until < $1) \
       AND NOT EXISTS (SELECT 1 FROM webhook_deliveries e WHERE e.status = 'pending' \
         AND e.webhook_id = d.webhook_id AND e.ordering_key = d.ordering_key AND e.id < d.id) \
       AND EXISTS (SELECT 1 FROM webhooks w WHERE w.id = d.webhook_id AND w.enabled = 1) \
       ORDER BY d.run_at LIMIT $3) \
     AND status = 'pending' AND (locked_until IS NULL OR locked_until < $1) \
     RETURNING id, webhook_id, event_id, body, attempts";

/// Whether any delivery is due (`$1`: now): a read on the partial index, so an idle
/// dispatcher does not take the write lock the claim needs every second.
pub(super) const DUE_SQL: &str =
    "SELECT run_at FROM webhook_deliveries WHERE status = 'pending' AND run_at <= $1 LIMIT 1";

impl Store {
    /// Whether `org_id` has an enabled endpoint: the changes that cause events ask
    /// this before writing any, so an organization without webhooks pays nothing.
    pub(super) async fn webhooks_wanted(&self, org_id: &str) -> StoreResult<bool> {
        if let Some(wanted) = self.caches.webhook_orgs.get(org_id) {
            return Ok(wanted);
        }
        let wanted = sqlx::query_scalar::<_, i64>(WANTED_SQL)
            .bind(org_id)
            .fetch_one(&self.pool)
            .await?
            > 0;
        self.caches.webhook_orgs.insert(org_id.to_owned(), wanted);
        Ok(wanted)
    }

    /// Tells the dispatcher that deliveries were committed.
    pub(super) fn wake_webhooks(&self) {
        self.webhook_wake.notify_one();
    }

    /// What the dispatcher waits on between its polls.
    pub fn webhook_wake(&self) -> std::sync::Arc<tokio::sync::Notify> {
        self.webhook_wake.clone()
    }

    pub async fn webhooks(&self, org_id: &str) -> StoreResult<Vec<WebhookRow>> {
        Ok(sqlx::query_as(
            "SELECT id, org_id, url, events, include_notes, secret, enabled, failing_since, created_at \
             FROM webhooks WHERE org_id = $1 ORDER BY created_at, id",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    pub async fn webhook(&self, org_id: &str, id: &str) -> StoreResult<Option<WebhookRow>> {
        Ok(sqlx::query_as(
            "SELECT id, org_id, url, events, include_notes, secret, enabled, failing_since, created_at \
             FROM webhooks WHERE id = $1 AND org_id = $2",
        )
        .bind(id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?)
    }

    pub async fn create_webhook(
        &self,
        org_id: &str,
        url: &str,
        events: &str,
        include_notes: bool,
        secret: &str,
    ) -> StoreResult<WebhookRow> {
        let id = format!("wh_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO webhooks (id, org_id, url, events, include_notes, secret, enabled, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, 1, $7)",
        )
        .bind(&id)
        .bind(org_id)
        .bind(url)
        .bind(events)
        .bind(i64::from(include_notes))
        .bind(secret)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        self.caches.webhook_orgs.invalidate(org_id);
        self.webhook(org_id, &id).await?.ok_or(StoreError::NotFound)
    }

    /// `None` when the organization has no such endpoint.
    pub async fn update_webhook(
        &self,
        org_id: &str,
        id: &str,
        changes: WebhookChanges,
    ) -> StoreResult<Option<WebhookRow>> {
        let updated = sqlx::query(
            "UPDATE webhooks SET url = COALESCE($3, url), events = COALESCE($4, events), \
             include_notes = COALESCE($5, include_notes), enabled = COALESCE($6, enabled), \
             secret = COALESCE($7, secret) WHERE id = $1 AND org_id = $2",
        )
        .bind(id)
        .bind(org_id)
        .bind(changes.url)
        .bind(changes.events)
        .bind(changes.include_notes.map(i64::from))
        .bind(changes.enabled.map(i64::from))
        .bind(changes.secret)
        .execute(&self.pool)
        .await?
        .rows_affected();
        self.caches.webhook_orgs.invalidate(org_id);
        if updated == 0 {
            return Ok(None);
        }
        // Re-enabled: what waited is due now.
        self.wake_webhooks();
        self.webhook(org_id, id).await
    }

    /// Deletes an endpoint and (by cascade) its deliveries; `false` when there was none.
    pub async fn delete_webhook(&self, org_id: &str, id: &str) -> StoreResult<bool> {
        let deleted = sqlx::query("DELETE FROM webhooks WHERE id = $1 AND org_id = $2")
            .bind(id)
            .bind(org_id)
            .execute(&self.pool)
            .await?
            .rows_affected();
        self.caches.webhook_orgs.invalidate(org_id);
        Ok(deleted > 0)
    }

    /// An endpoint's most recent deliveries, newest first.
    pub async fn webhook_deliveries(
        &self,
        webhook_id: &str,
        limit: u32,
    ) -> StoreResult<Vec<DeliveryRow>> {
        Ok(sqlx::query_as(&deliveries_of_sql())
            .bind(webhook_id)
            .bind(i64::from(limit))
            .fetch_all(&self.pool)
            .await?)
    }

    /// Sends a delivery's event again, as a new delivery with the same event id (a
    /// receiver that dedupes by id sees it once). `None` when there is no such delivery.
    pub async fn redeliver(
        &self,
        webhook_id: &str,
        delivery_id: i64,
    ) -> StoreResult<Option<DeliveryRow>> {
        let now = now_ms();
        let id: Option<i64> = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, ordering_key, body, run_at, created_at) \
             SELECT webhook_id, event_id, event_type, ordering_key, body, $3, $3 FROM webhook_deliveries \
             WHERE id = $1 AND webhook_id = $2 RETURNING id",
        )
        .bind(delivery_id)
        .bind(webhook_id)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        let Some(id) = id else {
            return Ok(None);
        };
        self.wake_webhooks();
        self.delivery(id).await
    }

    /// Queues a `webhook.test` event for one endpoint, whatever events it wants.
    pub async fn test_webhook(&self, org_id: &str, webhook_id: &str) -> StoreResult<DeliveryRow> {
        let now = now_ms();
        let event_id = format!("evt_{}", uuid::Uuid::now_v7().simple());
        let body = serde_json::json!({
            "id": event_id,
            "type": "webhook.test",
            "created_at": now,
            "org_id": org_id,
            "data": { "webhook_id": webhook_id },
        })
        .to_string();
        let id: i64 = sqlx::query_scalar(
            "INSERT INTO webhook_deliveries (webhook_id, event_id, event_type, ordering_key, body, run_at, created_at) \
             VALUES ($1, $2, 'webhook.test', $3, $4, $5, $5) RETURNING id",
        )
        .bind(webhook_id)
        .bind(&event_id)
        .bind(format!("test:{event_id}"))
        .bind(body)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        self.wake_webhooks();
        self.delivery(id).await?.ok_or(StoreError::NotFound)
    }

    async fn delivery(&self, id: i64) -> StoreResult<Option<DeliveryRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }

    /// Claims due deliveries for the dispatcher (see [`CLAIM_SQL`]).
    pub async fn claim_deliveries(
        &self,
        lease_ms: i64,
        limit: i64,
    ) -> StoreResult<Vec<ClaimedDelivery>> {
        if !self.anything_due(DUE_SQL).await? {
            return Ok(Vec::new());
        }
        Ok(sqlx::query_as(CLAIM_SQL)
            .bind(now_ms())
            .bind(lease_ms)
            .bind(limit)
            .fetch_all(&self.pool)
            .await?)
    }

    /// An endpoint's organization and URL, whatever organization asks.
    pub async fn webhook_org(&self, webhook_id: &str) -> StoreResult<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT org_id, url FROM webhooks WHERE id = $1")
                .bind(webhook_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// The addresses of the organization's owners and admins.
    pub async fn admin_emails(&self, org_id: &str) -> StoreResult<Vec<String>> {
        Ok(sqlx::query_scalar(
            "SELECT email FROM staff WHERE org_id = $1 AND role IN ('owner', 'admin') ORDER BY email",
        )
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Where and how to send an endpoint's deliveries: its URL and secret.
    pub async fn webhook_target(&self, webhook_id: &str) -> StoreResult<Option<(String, String)>> {
        Ok(
            sqlx::query_as("SELECT url, secret FROM webhooks WHERE id = $1")
                .bind(webhook_id)
                .fetch_optional(&self.pool)
                .await?,
        )
    }

    /// Records an attempt. A delivery given up marks its endpoint failing; returns
    /// the endpoint's organization when that is new (its admins are told).
    pub async fn finish_delivery(
        &self,
        delivery: &ClaimedDelivery,
        attempt: &Attempt,
        result: AttemptResult,
    ) -> StoreResult<Option<String>> {
        let now = now_ms();
        let (status, run_at, done_at) = match result {
            AttemptResult::Delivered => ("delivered", None, Some(now)),
            AttemptResult::RetryAt(at) => ("pending", Some(at), None),
            AttemptResult::GiveUp => ("failed", None, Some(now)),
        };
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        sqlx::query(
            "UPDATE webhook_deliveries SET status = $2, run_at = COALESCE($3, run_at), done_at = $4, \
             locked_until = NULL, response_status = $5, response_ms = $6, response_excerpt = $7, \
             last_error = $8 WHERE id = $1",
        )
        .bind(delivery.id)
        .bind(status)
        .bind(run_at)
        .bind(done_at)
        .bind(attempt.response_status.map(i64::from))
        .bind(i64::try_from(attempt.response_ms).unwrap_or(i64::MAX))
        .bind(attempt.response_excerpt.as_deref())
        .bind(attempt.error.as_deref())
        .execute(&mut *tx)
        .await?;
        let newly_failing = match result {
            AttemptResult::Delivered => {
                sqlx::query(
                    "UPDATE webhooks SET failing_since = NULL WHERE id = $1 AND failing_since IS NOT NULL",
                )
                .bind(&delivery.webhook_id)
                .execute(&mut *tx)
                .await?;
                None
            }
            AttemptResult::RetryAt(_) => None,
            AttemptResult::GiveUp => sqlx::query_scalar::<_, String>(
                "UPDATE webhooks SET failing_since = $2 WHERE id = $1 AND failing_since IS NULL \
                     RETURNING org_id",
            )
            .bind(&delivery.webhook_id)
            .bind(now)
            .fetch_optional(&mut *tx)
            .await?,
        };
        if let Some(org_id) = &newly_failing {
            let payload = serde_json::json!({ "webhook_id": delivery.webhook_id }).to_string();
            super::jobs::enqueue(
                &mut tx,
                org_id,
                super::jobs::WEBHOOK_FAILING,
                &payload,
                now,
                None,
            )
            .await?;
        }
        tx.commit().await?;
        Ok(newly_failing)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn event_lists_are_stored_in_one_order_with_commas_around() {
        let cases: [(&[WebhookEvent], &str); 3] = [
            (&[WebhookEvent::MessageCreated], ",message.created,"),
            (
                &[
                    WebhookEvent::VisitorDeleted,
                    WebhookEvent::ConversationCreated,
                    WebhookEvent::VisitorDeleted,
                ],
                ",conversation.created,visitor.deleted,",
            ),
            (&[], ",,"),
        ];
        for (events, stored) in cases {
            assert_eq!(events_column(events), stored);
        }
        let row = WebhookRow {
            id: String::new(),
            org_id: String::new(),
            url: String::new(),
            events: ",conversation.created,visitor.deleted,".into(),
            include_notes: 0,
            secret: String::new(),
            enabled: 1,
            failing_since: None,
            created_at: 0,
        };
        assert_eq!(
            row.events(),
            [
                WebhookEvent::ConversationCreated,
                WebhookEvent::VisitorDeleted
            ]
        );
    }
}
