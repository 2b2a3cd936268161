//! `read`: the caller's side's read position (`chat::reads`).

use super::{Actor, Stop};
use crate::chat;
use natter_protocol::ConvId;

impl Actor {
    pub(super) async fn read(&mut self, conv_id: ConvId, seq: u64) -> Result<(), Stop> {
        let Some(sub) = self.subscriptions.get_mut(&conv_id) else {
            return self.not_subscribed(&conv_id).await;
        };
        // A position already reported costs no write and tells nobody anything new.
        if seq <= sub.read {
            return Ok(());
        }
        sub.read = seq;
        let principal = sub.principal.clone();
        if let Err(e) = chat::reads::mark_read(&self.state, &principal, &conv_id.0, seq).await {
            return self.api_error(e, &conv_id).await;
        }
        Ok(())
    }
}
