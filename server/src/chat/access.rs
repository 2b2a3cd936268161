//! Who calls, and the one access rule: a visitor opens its own conversations, staff
//! their organization's. Everyone else is told the conversation does not exist (404), so
//! nobody learns whether one they cannot open exists.

use crate::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{ConversationOwner, ConversationRow, Lookup};
use axum::http::HeaderMap;

/// Who owns the conversation (cached: ownership never changes), if `principal` may open it.
pub async fn conversation(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
) -> ApiResult<ConversationOwner> {
    state
        .store
        .conversation_owner(conv_id)
        .await?
        .filter(|c| principal.can_access(c))
        .ok_or(ApiError::NotFound("conversation"))
}

/// The conversation read fresh (its current `last_seq` and read positions), if
/// `principal` may open it.
pub async fn conversation_now(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
) -> ApiResult<ConversationRow> {
    state
        .store
        .conversation(conv_id)
        .await?
        .filter(|c| principal.can_access(&c.owner))
        .ok_or(ApiError::NotFound("conversation"))
}

/// The visitor behind `token` (read fresh), if it belongs to this website account.
pub async fn visitor_of(
    state: &AppState,
    token: &str,
    org_id: &str,
    account_id: &str,
) -> ApiResult<Option<Principal>> {
    Ok(
        match Principal::from_token(&state.store, token, Lookup::Fresh).await? {
            Some(Principal::Visitor(v)) if v.org_id == org_id && v.account_id == account_id => {
                Some(Principal::Visitor(v))
            }
            _ => None,
        },
    )
}

/// Who holds `token` (`None`: nobody, or expired), with no check of where they call
/// from: for staff routes, which refuse a visitor's token whatever its website.
pub async fn holder(state: &AppState, token: &str) -> ApiResult<Option<Principal>> {
    Ok(Principal::from_token(&state.store, token, Lookup::Cached).await?)
}

/// Who a request's bearer token speaks for (`None`: nobody, or expired). A visitor's
/// browser may only call from its website's origins, and a website that no longer
/// exists takes nobody's calls.
pub async fn caller(
    state: &AppState,
    token: &str,
    headers: &HeaderMap,
) -> ApiResult<Option<Principal>> {
    let Some(principal) = holder(state, token).await? else {
        return Ok(None);
    };
    if let Principal::Visitor(v) = &principal {
        let account = state
            .store
            .account(&v.org_id, &v.account_id)
            .await?
            .ok_or(ApiError::Forbidden("this website no longer takes chats"))?;
        crate::origin::enforce(&account, headers, &state.refusals)?;
    }
    Ok(Some(principal))
}
