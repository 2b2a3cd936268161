//! A visitor's data rights: export everything about them, or erase it everywhere.
//! Owners and admins only: both hand over or destroy a customer's data.

use super::{Committed, commit};
use crate::auth::{Permission, StaffAuth};
use crate::http::error::{ApiError, ApiResult};
use crate::hub::{Audience, Event};
use crate::state::AppState;
use natter_protocol::{ConvId, Retention, ServerFrame, Transcript, VisitorExport, error_code};

/// Everything stored about a visitor of the caller's organization: who they are and
/// each conversation with every message (not the staff's internal notes).
pub async fn export(
    state: &AppState,
    auth: &StaffAuth,
    visitor_id: &str,
) -> ApiResult<VisitorExport> {
    auth.require(Permission::ManageWebsites)?;
    let (visitor, details) = state
        .store
        .visitor_with_conversations(&auth.staff.org_id, visitor_id)
        .await?
        .ok_or(ApiError::NotFound("visitor"))?;
    let mut conversations = Vec::with_capacity(details.len());
    for detail in details {
        let messages = super::conversations::all_messages(state, &detail.summary.conv_id).await?;
        conversations.push(Transcript {
            conversation: detail,
            messages,
        });
    }
    Ok(VisitorExport {
        visitor,
        conversations,
        exported_at: crate::store::now_ms(),
    })
}

/// Erases a visitor of the caller's organization and everything of theirs. Their open
/// widget is told the conversation is gone (it forgets it and starts afresh), and the
/// organization's inboxes drop it.
pub async fn erase(state: &AppState, auth: &StaffAuth, visitor_id: &str) -> ApiResult<()> {
    auth.require(Permission::ManageWebsites)?;
    let store = state.store.clone();
    let org_id = auth.staff.org_id.clone();
    let visitor_id = visitor_id.to_owned();
    commit(state, async move {
        let convs = store
            .erase_visitor(&org_id, &visitor_id)
            .await?
            .ok_or(ApiError::NotFound("visitor"))?;
        let mut events = Vec::new();
        for conv in convs {
            let conv_id = ConvId(conv);
            events.push(Event {
                org_id: org_id.clone(),
                conv_id: conv_id.clone(),
                audience: Audience::Visitor,
                frame: ServerFrame::Error {
                    code: error_code::NOT_FOUND.to_owned(),
                    message: "This conversation was erased.".to_owned(),
                    conv_id: Some(conv_id.clone()),
                },
            });
            events.push(Event {
                org_id: org_id.clone(),
                conv_id: conv_id.clone(),
                audience: Audience::Staff,
                frame: ServerFrame::ConversationDeleted { conv_id },
            });
        }
        Ok(Committed {
            value: (),
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}

/// How long the organization keeps an inactive conversation (every member may read it).
pub async fn retention(state: &AppState, auth: &StaffAuth) -> ApiResult<Retention> {
    let days = state.store.retention_days(&auth.staff.org_id).await?;
    Ok(Retention {
        retention_days: days.and_then(|d| u64::try_from(d).ok()),
    })
}

/// Longest retention that can be set, in days (ten years).
pub const MAX_RETENTION_DAYS: u64 = 3650;

/// Sets the retention (owners and admins); it is applied within the hour.
pub async fn set_retention(
    state: &AppState,
    auth: &StaffAuth,
    wanted: Retention,
) -> ApiResult<Retention> {
    auth.require(Permission::ManageWebsites)?;
    if wanted
        .retention_days
        .is_some_and(|d| !(1..=MAX_RETENTION_DAYS).contains(&d))
    {
        return Err(ApiError::Invalid {
            code: "invalid_retention_days".to_owned(),
            message: format!(
                "retention_days must be 1 to {MAX_RETENTION_DAYS}, or null to keep conversations"
            ),
        });
    }
    state
        .store
        .set_retention_days(
            &auth.staff.org_id,
            wanted.retention_days.and_then(|d| i64::try_from(d).ok()),
        )
        .await?;
    Ok(wanted)
}
