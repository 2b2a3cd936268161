//! `typing`: passed on to the other side, coalesced (`chat::typing`).

use super::{Actor, Stop, error_frame};
use crate::chat;
use natter_protocol::{ConvId, error_code};

impl Actor {
    pub(super) async fn typing(&mut self, conv_id: ConvId, typing: bool) -> Result<(), Stop> {
        let side = self.side();
        let Some(sub) = self.subscriptions.get_mut(&conv_id) else {
            return self
                .send_frame(&error_frame(
                    error_code::NOT_SUBSCRIBED,
                    "subscribe first",
                    Some(&conv_id),
                ))
                .await;
        };
        if chat::typing::typing(
            &self.state,
            &sub.org_id,
            &conv_id,
            side,
            typing,
            &sub.name,
            sub.typing,
        ) {
            sub.typing = typing;
        }
        Ok(())
    }
}
