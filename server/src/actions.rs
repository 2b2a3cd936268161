//! What both the HTTP handlers and the sockets do: commit, then tell the hub.

use crate::hub::{Audience, Event};
use crate::state::AppState;
use crate::store::StoreResult;
use natter_protocol::{ConvId, ServerFrame, Side};

/// Moves `side`'s read position forward and tells the other side (and, for a
/// staff read, the other staff members, whose unread counts change too).
pub async fn mark_read(
    state: &AppState,
    org_id: &str,
    conv_id: &ConvId,
    side: Side,
    seq: u64,
) -> StoreResult<u64> {
    let seq = state.store.mark_read(conv_id, side, seq).await?;
    let audience = match side {
        Side::Visitor => Audience::Staff,
        Side::Staff => Audience::Everyone,
    };
    state.hub.publish(Event {
        org_id: org_id.to_owned(),
        conv_id: conv_id.clone(),
        audience,
        frame: ServerFrame::Read {
            conv_id: conv_id.clone(),
            side,
            seq,
        },
    });
    Ok(seq)
}
