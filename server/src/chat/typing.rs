//! Typing indicators: nothing is stored, so nothing is committed; only passed on,
//! within a budget per conversation and side (`Hub::typing_passes`).

use crate::hub::{Audience, Event};
use crate::state::AppState;
use natter_protocol::{ConvId, ServerFrame, Side};

/// Someone on `side` started (or stopped) typing in a conversation they are
/// subscribed to (access was checked when they subscribed). Whether it went out.
pub fn typing(
    state: &AppState,
    org_id: &str,
    conv_id: &ConvId,
    side: Side,
    typing: bool,
    name: &str,
) -> bool {
    // "Stopped" always goes out: each one ends a "typing" that went out, so the budget
    // on "typing" bounds them too.
    if typing && !state.hub.typing_passes(conv_id, side) {
        return false;
    }
    let audience = match side {
        Side::Visitor => Audience::Staff,
        Side::Staff => Audience::Visitor,
    };
    state.hub.publish(Event {
        org_id: org_id.to_owned(),
        conv_id: conv_id.clone(),
        audience,
        frame: ServerFrame::Typing {
            conv_id: conv_id.clone(),
            side,
            typing,
            name: Some(name.to_owned()),
        },
    });
    true
}
