//! API tokens (issue 20): owners and admins make named tokens for integrations, each
//! acting as a member with a role (an owner token only by an owner), shown once.

use crate::auth::{Permission, StaffAuth, new_api_token, token_digest};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::ApiTokenRow;
use natter_protocol::{ApiToken, NewApiToken, StaffRole, validate};

/// Tokens per organization.
const MAX_TOKENS: usize = 50;

fn to_api(row: ApiTokenRow, token: Option<String>) -> ApiToken {
    let role = match row.role.as_str() {
        "owner" => StaffRole::Owner,
        "admin" => StaffRole::Admin,
        _ => StaffRole::Agent,
    };
    ApiToken {
        id: row.id,
        name: row.name,
        role,
        created_by: row.created_by,
        created_at: row.created_at,
        expires_at: row.expires_at,
        last_used_at: row.last_used_at,
        token,
    }
}

pub async fn list(state: &AppState, auth: &StaffAuth) -> ApiResult<Vec<ApiToken>> {
    auth.require(Permission::ManageIntegrations)?;
    let rows = state.store.api_tokens(&auth.staff.org_id).await?;
    Ok(rows.into_iter().map(|r| to_api(r, None)).collect())
}

/// Makes a token; the answer holds it, this once.
pub async fn create(state: &AppState, auth: &StaffAuth, new: NewApiToken) -> ApiResult<ApiToken> {
    auth.require(Permission::ManageIntegrations)?;
    if new.role == StaffRole::Owner {
        auth.require(Permission::ManageOwners)?;
    }
    let name = validate::name(&new.name)?;
    let expires_at = match new.expires_in_days {
        None => None,
        Some(days @ 1..=3650) => {
            Some(crate::store::now_ms().saturating_add(i64::from(days) * 24 * 3600 * 1000))
        }
        Some(_) => {
            return Err(ApiError::Invalid {
                code: "invalid_expires_in_days".to_owned(),
                message: "expires_in_days must be between 1 and 3650.".to_owned(),
            });
        }
    };
    let org_id = &auth.staff.org_id;
    if state.store.api_tokens(org_id).await?.len() >= MAX_TOKENS {
        return Err(ApiError::Invalid {
            code: "too_many_api_tokens".to_owned(),
            message: "An organization has at most 50 API tokens; revoke one first.".to_owned(),
        });
    }
    let token = new_api_token();
    let digest = token_digest(&token);
    let row = state
        .store
        .create_api_token(crate::store::NewApiToken {
            org_id,
            name: &name,
            role: new.role.as_str(),
            token_hash: &digest,
            created_by: &auth.staff.id,
            expires_at,
        })
        .await?;
    Ok(to_api(row, Some(token)))
}

pub async fn revoke(state: &AppState, auth: &StaffAuth, id: &str) -> ApiResult<()> {
    auth.require(Permission::ManageIntegrations)?;
    if state.store.revoke_api_token(&auth.staff.org_id, id).await? {
        Ok(())
    } else {
        Err(ApiError::NotFound("API token"))
    }
}
