//! `typing`: passed on to the other side, coalesced (`chat::typing`).

use super::{Actor, Stop};
use crate::chat;
use natter_protocol::ConvId;

impl Actor {
    pub(super) async fn typing(&mut self, conv_id: ConvId, typing: bool) -> Result<(), Stop> {
        let side = self.side();
        let Some(sub) = self.subscriptions.get_mut(&conv_id) else {
            return self.not_subscribed(&conv_id).await;
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
