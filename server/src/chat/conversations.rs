//! A conversation's status.

use super::{Committed, access, commit};
use crate::auth::Principal;
use crate::error::{ApiError, ApiResult};
use crate::hub::{Audience, Event};
use crate::state::AppState;
use natter_protocol::{ConversationDetail, ConversationStatus, ServerFrame};

/// Resolves or re-opens a conversation, and tells both sides.
pub async fn set_status(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    status: ConversationStatus,
) -> ApiResult<ConversationDetail> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    let store = state.store.clone();
    commit(state, async move {
        let conv_id = conversation.conv_id();
        store.set_status(&conv_id, status).await?;
        let detail = store
            .conversation_detail(&conv_id)
            .await?
            .ok_or(ApiError::NotFound("conversation"))?;
        let event = Event {
            org_id: conversation.org_id,
            conv_id: conv_id.clone(),
            audience: Audience::Everyone,
            frame: ServerFrame::Conversation {
                conv_id,
                status,
                assignee_id: None,
            },
        };
        Ok(Committed {
            value: detail,
            events: vec![event],
        })
    })
    .await
}
