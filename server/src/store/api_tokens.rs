//! API tokens (issue 20): stored as their SHA-256 only, each acting as a member of its
//! organization with a role and a name.

use super::{Lookup, Store, StoreResult, now_ms};
use natter_protocol::StaffMember;

/// A token, as listed (never the token itself).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ApiTokenRow {
    pub id: String,
    pub name: String,
    pub role: String,
    /// The name of the member who made it.
    pub created_by: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub last_used_at: Option<i64>,
}

/// What a new token is.
pub struct NewApiToken<'a> {
    pub org_id: &'a str,
    pub name: &'a str,
    pub role: &'a str,
    pub token_hash: &'a str,
    pub created_by: &'a str,
    pub expires_at: Option<i64>,
}

/// The token whose digest is `$1`.
pub(super) const TOKEN_SQL: &str = "SELECT id, org_id, name, role, expires_at, last_used_at \
     FROM api_tokens WHERE token_hash = $1";

/// Who a token signs in, as stored.
#[derive(sqlx::FromRow)]
struct TokenHolder {
    id: String,
    org_id: String,
    name: String,
    role: String,
    expires_at: Option<i64>,
    last_used_at: Option<i64>,
}

/// `last_used_at` is written at most this often per token.
const LAST_USED_PRECISION_MS: i64 = 60_000;

const COLUMNS: &str = "t.id, t.name, t.role, COALESCE(s.name, '') AS created_by, t.created_at, \
     t.expires_at, t.last_used_at";

impl Store {
    pub async fn create_api_token(&self, token: NewApiToken<'_>) -> StoreResult<ApiTokenRow> {
        let id = format!("tok_{}", uuid::Uuid::new_v4().simple());
        sqlx::query(
            "INSERT INTO api_tokens (id, org_id, name, role, token_hash, created_by, created_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .bind(&id)
        .bind(token.org_id)
        .bind(token.name)
        .bind(token.role)
        .bind(token.token_hash)
        .bind(token.created_by)
        .bind(now_ms())
        .bind(token.expires_at)
        .execute(&self.pool)
        .await?;
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM api_tokens t LEFT JOIN staff s ON s.id = t.created_by WHERE t.id = $1"
        ))
        .bind(&id)
        .fetch_one(&self.pool)
        .await?)
    }

    /// The organization's tokens, newest first.
    pub async fn api_tokens(&self, org_id: &str) -> StoreResult<Vec<ApiTokenRow>> {
        Ok(sqlx::query_as(&format!(
            "SELECT {COLUMNS} FROM api_tokens t LEFT JOIN staff s ON s.id = t.created_by \
             WHERE t.org_id = $1 ORDER BY t.created_at DESC, t.id"
        ))
        .bind(org_id)
        .fetch_all(&self.pool)
        .await?)
    }

    /// Revokes (deletes) a token of the organization; `false` when there is none. It
    /// stops working here at once, on other instances within the session cache's time.
    pub async fn revoke_api_token(&self, org_id: &str, id: &str) -> StoreResult<bool> {
        let digest: Option<String> = sqlx::query_scalar(
            "DELETE FROM api_tokens WHERE id = $1 AND org_id = $2 RETURNING token_hash",
        )
        .bind(id)
        .bind(org_id)
        .fetch_optional(&self.pool)
        .await?;
        if let Some(digest) = &digest {
            self.caches.sessions.invalidate(digest);
        }
        Ok(digest.is_some())
    }

    /// The member an API token acts as (its id, name and role; no email), unless it is
    /// unknown or expired. Notes when it was used, to the minute.
    pub async fn staff_by_api_token(
        &self,
        token_hash: &str,
        lookup: Lookup,
    ) -> StoreResult<Option<StaffMember>> {
        let now = now_ms();
        let cached = lookup == Lookup::Cached;
        if cached && let Some((staff, expires_at)) = self.caches.sessions.get(token_hash) {
            return Ok((expires_at > now).then_some(staff));
        }
        let row: Option<TokenHolder> = sqlx::query_as(TOKEN_SQL)
            .bind(token_hash)
            .fetch_optional(&self.pool)
            .await?;
        let Some(TokenHolder {
            id,
            org_id,
            name,
            role,
            expires_at,
            last_used_at,
        }) = row
        else {
            return Ok(None);
        };
        let expires_at = expires_at.unwrap_or(i64::MAX);
        if expires_at <= now {
            return Ok(None);
        }
        if last_used_at.is_none_or(|t| now - t >= LAST_USED_PRECISION_MS) {
            sqlx::query("UPDATE api_tokens SET last_used_at = $2 WHERE id = $1")
                .bind(&id)
                .bind(now)
                .execute(&self.pool)
                .await?;
        }
        let staff = StaffMember {
            id,
            org_id,
            name,
            email: String::new(),
            role,
        };
        if cached {
            self.caches
                .sessions
                .insert(token_hash.to_owned(), (staff.clone(), expires_at));
        }
        Ok(Some(staff))
    }
}
