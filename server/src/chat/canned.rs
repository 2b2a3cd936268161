//! Canned replies: every member of the organization uses them; owners and admins
//! write them.

use crate::auth::{Permission, StaffAuth};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use natter_protocol::{CannedResponse, NewCannedResponse, UpdateCannedResponse, validate};

/// The organization's canned replies, by shortcut.
pub async fn list(state: &AppState, auth: &StaffAuth) -> ApiResult<Vec<CannedResponse>> {
    Ok(state.store.canned_responses(&auth.staff.org_id).await?)
}

pub async fn create(
    state: &AppState,
    auth: &StaffAuth,
    new: NewCannedResponse,
) -> ApiResult<CannedResponse> {
    auth.require(Permission::ManageWebsites)?;
    let shortcut = validate::shortcut(&new.shortcut)?;
    let title = validate::title(&new.title)?;
    let text = validate::text(&new.text)?;
    Ok(state
        .store
        .create_canned_response(&auth.staff.org_id, &shortcut, &title, &text)
        .await?)
}

/// Changes the fields given; another organization's (or an unknown) id is 404.
pub async fn update(
    state: &AppState,
    auth: &StaffAuth,
    id: &str,
    change: UpdateCannedResponse,
) -> ApiResult<CannedResponse> {
    auth.require(Permission::ManageWebsites)?;
    let org_id = &auth.staff.org_id;
    let mut canned = state
        .store
        .canned_responses(org_id)
        .await?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or(ApiError::NotFound("canned response"))?;
    if let Some(shortcut) = &change.shortcut {
        canned.shortcut = validate::shortcut(shortcut)?;
    }
    if let Some(title) = &change.title {
        canned.title = validate::title(title)?;
    }
    if let Some(text) = &change.text {
        canned.text = validate::text(text)?;
    }
    state
        .store
        .update_canned_response(org_id, &canned)
        .await?
        .ok_or(ApiError::NotFound("canned response"))
}

pub async fn delete(state: &AppState, auth: &StaffAuth, id: &str) -> ApiResult<()> {
    auth.require(Permission::ManageWebsites)?;
    if state
        .store
        .delete_canned_response(&auth.staff.org_id, id)
        .await?
    {
        Ok(())
    } else {
        Err(ApiError::NotFound("canned response"))
    }
}
