//! Browser push to staff: each browser's subscription, the jobs that push to them,
//! and the server's VAPID key.

use super::{Store, StoreResult, now_ms};
use sqlx::{Any, Transaction};

/// Pushes a conversation's news to one subscription.
pub const STAFF_PUSH: &str = "staff_push";

/// The VAPID private key's name in `server_keys`.
const VAPID_KEY: &str = "vapid_private_key";

/// One job per subscription of conversation `$3`'s organization whose member wants
/// pushes: each is retried (or dropped) on its own, so a browser that failed never
/// makes the others see a notification twice. `$1` makes the ids unique, `$2` starts
/// the JSON payload that the subscription's id completes.
pub(super) const ENQUEUE_PUSH_SQL: &str = "INSERT INTO jobs (id, org_id, kind, payload, run_at, created_at) \
     SELECT $1 || ps.id, ps.org_id, $4, $2 || ps.id || '\"}', $5, $5 \
     FROM conversations c JOIN push_subscriptions ps ON ps.org_id = c.org_id \
     JOIN staff s ON s.id = ps.staff_id WHERE c.id = $3 AND s.push_enabled = 1";

/// After a visitor message of `conv_id` is written in `tx`: a push job for each
/// browser that wants one, due now (whether anyone is looking is asked then).
pub(super) async fn enqueue(tx: &mut Transaction<'_, Any>, conv_id: &str) -> sqlx::Result<()> {
    let payload_head = format!(
        "{{\"conv_id\":{},\"subscription_id\":\"",
        serde_json::Value::from(conv_id)
    );
    sqlx::query(ENQUEUE_PUSH_SQL)
        .bind(format!("{}:", uuid::Uuid::new_v4().simple()))
        .bind(payload_head)
        .bind(conv_id)
        .bind(STAFF_PUSH)
        .bind(now_ms())
        .execute(&mut **tx)
        .await?;
    Ok(())
}

/// Where and how to push to one browser.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PushTarget {
    pub endpoint: String,
    /// Base64url, as the browser gave it.
    pub p256dh: String,
    pub auth: String,
    pub push_enabled: i64,
}

impl Store {
    /// The server's VAPID private key (base64url): the one stored, or `generated`
    /// stored now. Every instance ends up with the first one written.
    pub async fn vapid_private_key(&self, generated: &str) -> StoreResult<String> {
        super::server_key(&self.pool, VAPID_KEY, generated).await
    }

    /// Saves a browser's subscription for a member; a browser that was subscribed
    /// (by anyone) is theirs now, with its new keys.
    pub async fn save_push_subscription(
        &self,
        org_id: &str,
        staff_id: &str,
        endpoint: &str,
        p256dh: &str,
        auth: &str,
    ) -> StoreResult<()> {
        sqlx::query(
            "INSERT INTO push_subscriptions (id, org_id, staff_id, endpoint, p256dh, auth, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (endpoint) DO UPDATE SET \
             org_id = excluded.org_id, staff_id = excluded.staff_id, p256dh = excluded.p256dh, \
             auth = excluded.auth, created_at = excluded.created_at",
        )
        .bind(uuid::Uuid::new_v4().to_string())
        .bind(org_id)
        .bind(staff_id)
        .bind(endpoint)
        .bind(p256dh)
        .bind(auth)
        .bind(now_ms())
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Deletes a member's subscription by its endpoint; whether there was one.
    pub async fn delete_push_subscription(
        &self,
        staff_id: &str,
        endpoint: &str,
    ) -> StoreResult<bool> {
        Ok(
            sqlx::query("DELETE FROM push_subscriptions WHERE staff_id = $1 AND endpoint = $2")
                .bind(staff_id)
                .bind(endpoint)
                .execute(&self.pool)
                .await?
                .rows_affected()
                > 0,
        )
    }

    /// Deletes a subscription the push service no longer knows.
    pub async fn forget_push_subscription(&self, id: &str) -> StoreResult<()> {
        sqlx::query("DELETE FROM push_subscriptions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// A subscription and whether its member still wants pushes; `None` once deleted.
    pub async fn push_target(&self, id: &str) -> StoreResult<Option<PushTarget>> {
        Ok(sqlx::query_as(
            "SELECT ps.endpoint, ps.p256dh, ps.auth, s.push_enabled FROM push_subscriptions ps \
             JOIN staff s ON s.id = ps.staff_id WHERE ps.id = $1",
        )
        .bind(id)
        .fetch_optional(&self.pool)
        .await?)
    }
}
