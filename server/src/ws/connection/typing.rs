//! `typing`: passed on to the other side, coalesced twice: per socket here ("typing"
//! at most once a second, "stopped" only after a "typing"), and per conversation and
//! side over all sockets in `chat::typing`.

use super::{Actor, Stop};
use crate::chat;
use natter_protocol::ConvId;
use std::time::Duration;
use tokio::time::Instant;

/// A socket passes on "still typing" at most this often per conversation.
const TYPING_EVERY: Duration = Duration::from_secs(1);

impl Actor {
    pub(super) async fn typing(&mut self, conv_id: ConvId, typing: bool) -> Result<(), Stop> {
        let side = self.side();
        let Some(sub) = self.subscriptions.get_mut(&conv_id) else {
            return self.not_subscribed(&conv_id).await;
        };
        let now = Instant::now();
        let news = match (typing, sub.typing_since) {
            (true, Some(since)) => now.duration_since(since) >= TYPING_EVERY,
            (true, None) => true,
            (false, since) => since.is_some(),
        };
        if news && chat::typing::typing(&self.state, &sub.org_id, &conv_id, side, typing, &sub.name)
        {
            sub.typing_since = typing.then_some(now);
        }
        Ok(())
    }
}
