//! Read positions: how far each side has read.

use super::{Committed, access, commit};
use crate::auth::Principal;
use crate::http::error::ApiResult;
use crate::hub::{Audience, Event};
use crate::state::AppState;
use natter_protocol::{ServerFrame, Side};

/// Moves the caller's side's read position forward (never back, never past the last
/// message) and tells the other side and, for a staff read, the other staff members,
/// whose unread counts change too. Returns the position stored.
pub async fn mark_read(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    seq: u64,
) -> ApiResult<u64> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    let side = principal.side();
    let (store, conv_id) = (state.store.clone(), conversation.conv_id());
    commit(state, async move {
        let seq = store.mark_read(&conv_id, side, seq).await?;
        let audience = match side {
            Side::Visitor => Audience::Staff,
            Side::Staff => Audience::Everyone,
        };
        let event = Event {
            org_id: conversation.org_id,
            conv_id: conv_id.clone(),
            audience,
            frame: ServerFrame::Read { conv_id, side, seq },
        };
        Ok(Committed {
            value: seq,
            events: vec![event],
            ended_sessions: Vec::new(),
        })
    })
    .await
}
