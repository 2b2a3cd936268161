//! Verified visitors: one contact per website and user id the website vouched for,
//! signed in from any number of browsers, each with its own token.

use super::conversations::{detail_from_row, summary_sql};
use super::{Account, Store, StoreResult, VisitorIdentity, now_ms, on_unique};
use natter_protocol::VisitorConversation;

/// The contact behind a website's user id.
pub(super) const VISITOR_BY_EXTERNAL_ID_SQL: &str = "SELECT id, org_id, account_id, name, external_id FROM visitors \
     WHERE org_id = $1 AND account_id = $2 AND external_id = $3";

/// The conversations shown to a returning contact: the most recent ones.
const VISITOR_CONVERSATIONS: u32 = 20;

pub(super) fn visitor_conversations_sql() -> String {
    summary_sql("c.visitor_id = $1 ORDER BY c.last_activity_at DESC, c.id DESC LIMIT $2")
}

/// A verified user of a website, as its server described them.
pub struct NewContact<'a> {
    pub external_id: &'a str,
    pub name: Option<&'a str>,
    pub email: Option<&'a str>,
    /// The digest of a new token for this browser; `None` when the browser keeps the
    /// token it already holds for this contact.
    pub token_hash: Option<&'a str>,
}

impl Store {
    /// The contact for `contact.external_id` on `account`, made on first use; the
    /// token is added to theirs. A name or email given replaces the stored one.
    pub async fn identify_visitor(
        &self,
        account: &Account,
        contact: NewContact<'_>,
    ) -> StoreResult<VisitorIdentity> {
        // Two browsers identifying the same new contact at once: the second insert
        // meets the unique index and finds the first's row on its next try.
        for _ in 0..2 {
            if let Some(visitor) = self.existing_contact(account, &contact).await? {
                return Ok(visitor);
            }
            // A kept token belongs to a contact that exists; gone meanwhile: sign in anew.
            let token_hash = contact.token_hash.ok_or(super::StoreError::NotFound)?;
            let now = now_ms();
            let id = super::new_id();
            let name = contact.name.unwrap_or(contact.external_id);
            let inserted = sqlx::query(
                "INSERT INTO visitors (id, org_id, account_id, token_hash, name, email, external_id, created_at, last_seen_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8)",
            )
            .bind(&id)
            .bind(&account.org_id)
            .bind(&account.id)
            .bind(token_hash)
            .bind(name)
            .bind(contact.email)
            .bind(contact.external_id)
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(|e| on_unique(e, "visitor"));
            match inserted {
                Ok(_) => {
                    return Ok(VisitorIdentity {
                        id,
                        org_id: account.org_id.clone(),
                        account_id: account.id.clone(),
                        name: name.to_owned(),
                        external_id: Some(contact.external_id.to_owned()),
                    });
                }
                Err(super::StoreError::AlreadyExists(_)) => continue,
                Err(e) => return Err(e),
            }
        }
        Err(super::StoreError::AlreadyExists("visitor".into()))
    }

    async fn existing_contact(
        &self,
        account: &Account,
        contact: &NewContact<'_>,
    ) -> StoreResult<Option<VisitorIdentity>> {
        let Some(mut visitor): Option<VisitorIdentity> = sqlx::query_as(VISITOR_BY_EXTERNAL_ID_SQL)
            .bind(&account.org_id)
            .bind(&account.id)
            .bind(contact.external_id)
            .fetch_optional(&self.pool)
            .await?
        else {
            return Ok(None);
        };
        let now = now_ms();
        let hooks = self.webhooks_wanted(&account.org_id).await?;
        let mut tx = self
            .pool
            .begin_with(super::begin_write(self.backend))
            .await?;
        let before = if hooks {
            Some(super::webhooks::visitor(&mut tx, &visitor.id).await?)
        } else {
            None
        };
        sqlx::query(
            "UPDATE visitors SET name = COALESCE($2, name), email = COALESCE($3, email), \
             last_seen_at = $4 WHERE id = $1",
        )
        .bind(&visitor.id)
        .bind(contact.name)
        .bind(contact.email)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if let Some(token_hash) = contact.token_hash {
            sqlx::query(
                "INSERT INTO visitor_tokens (token_hash, visitor_id, created_at) VALUES ($1, $2, $3)",
            )
            .bind(token_hash)
            .bind(&visitor.id)
            .bind(now)
            .execute(&mut *tx)
            .await?;
        }
        let mut changed = false;
        if let Some(before) = before {
            let after = super::webhooks::visitor(&mut tx, &visitor.id).await?;
            if after != before {
                changed = true;
                super::webhooks::visitor_updated(&mut tx, &account.org_id, after).await?;
            }
        }
        tx.commit().await?;
        if changed {
            self.wake_webhooks();
        }
        if let Some(name) = contact.name {
            visitor.name = name.to_owned();
        }
        Ok(Some(visitor))
    }

    /// A visitor's most recent conversations, as the visitor sees them.
    pub async fn visitor_conversations(
        &self,
        visitor_id: &str,
    ) -> StoreResult<Vec<VisitorConversation>> {
        let rows = sqlx::query(&visitor_conversations_sql())
            .bind(visitor_id)
            .bind(i64::from(VISITOR_CONVERSATIONS))
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|row| {
                detail_from_row(row, &self.signer).map(|d| VisitorConversation {
                    conv_id: d.summary.conv_id,
                    status: d.summary.status,
                    last_seq: d.summary.last_seq,
                    last_message: d.summary.last_message,
                    last_activity_at: d.summary.last_activity_at,
                })
            })
            .collect::<Result<Vec<_>, _>>()
            .map_err(Into::into)
    }
}
