//! What the hub sends this socket, passed on in `seq` order exactly once: duplicates
//! dropped, a gap filled from the store first, a page at a time.

use super::{Actor, Identity, REPLAY_PAGE, SIGNED_OUT, Stop};
use crate::chat;
use crate::hub::Outbound;
use crate::telemetry;
use axum::extract::ws::Message as WsMessage;
use natter_protocol::{ConvId, ServerFrame};

impl Actor {
    /// An item from the hub queue.
    pub(super) async fn on_outbound(&mut self, outbound: Outbound) -> Result<(), Stop> {
        let frame = match outbound {
            Outbound::Frame(frame) => frame,
            Outbound::CatchUp => return self.catch_up().await,
            Outbound::Revoked => return Err(SIGNED_OUT),
            Outbound::StaffOnline | Outbound::StaffAway => {
                let staff_online = matches!(outbound, Outbound::StaffOnline);
                return self
                    .send_frame(&ServerFrame::Presence { staff_online })
                    .await;
            }
        };
        let (conv_id, seq) = (&frame.conv_id, frame.seq);
        let sub = self
            .subscriptions
            .get(conv_id)
            .map(|s| (s.delivered, s.paused));
        match (seq, sub) {
            // Left over from a conversation this visitor socket unsubscribed from.
            (_, None) if self.is_visitor() => return Ok(()),
            // The client is paging through the backlog: this comes in a later page.
            (Some(_), Some((_, true))) => return Ok(()),
            (Some(seq), Some((delivered, _))) if seq <= delivered => return Ok(()),
            _ => {}
        }
        // A live message ahead of a missing one: fill the gap first (unless it is longer
        // than a page, in which case the client pages through it and this comes later).
        let gap = matches!((seq, sub), (Some(seq), Some((delivered, _))) if seq > delivered + 1);
        if gap && !self.replay(conv_id, seq).await? {
            return Ok(());
        }
        self.send(WsMessage::Text(frame.text.clone())).await?;
        telemetry::frame_delivered(frame.published.elapsed());
        if let (Some(seq), Some(sub)) = (seq, self.subscriptions.get_mut(conv_id)) {
            sub.delivered = sub.delivered.max(seq);
        }
        Ok(())
    }

    /// Events may have been lost on their way here: re-read every subscription
    /// from the store, and give a staff socket a fresh conversation list.
    async fn catch_up(&mut self) -> Result<(), Stop> {
        // A sign-out elsewhere may have been among the events lost.
        if let Identity::Staff(_, session) = &self.identity {
            match chat::sessions::is_live(&self.state, &session.digest).await {
                Ok(true) => {}
                Ok(false) => return Err(SIGNED_OUT),
                Err(e) => tracing::warn!(error = %e, "could not re-check a staff session"),
            }
        }
        // A paused subscription resumes when its client asks for the next page.
        let conversations: Vec<ConvId> = self
            .subscriptions
            .iter()
            .filter(|(_, s)| !s.paused)
            .map(|(c, _)| c.clone())
            .collect();
        for conv_id in conversations {
            self.replay(&conv_id, None).await?;
        }
        if matches!(self.identity, Identity::Staff(..)) {
            self.resync(None).await?;
        }
        Ok(())
    }

    /// Sends the stored messages after the subscription's `delivered`, up to
    /// (not including) `until`, in order, advancing `delivered` as it goes; at most
    /// [`REPLAY_PAGE`] of them. Whether it got to the end: if not, the client is
    /// told `more` and the subscription pauses until it subscribes again.
    pub(super) async fn replay(
        &mut self,
        conv_id: &ConvId,
        until: Option<u64>,
    ) -> Result<bool, Stop> {
        let Some((after, principal)) = self
            .subscriptions
            .get(conv_id)
            .map(|s| (s.delivered, s.principal.clone()))
        else {
            return Ok(true);
        };
        // One more than a page tells whether anything is left after it.
        let limit = REPLAY_PAGE + 1;
        let mut page =
            match chat::conversations::replay(&self.state, &principal, conv_id, after, limit).await
            {
                Ok(page) => page,
                Err(e) => return self.api_error(e, conv_id).await.map(|()| false),
            };
        if let Some(u) = until {
            page.retain(|m| m.seq < u);
        }
        let more = page.len() > REPLAY_PAGE as usize;
        page.truncate(REPLAY_PAGE as usize);
        for message in page {
            let seq = message.seq;
            self.send_frame(&ServerFrame::Message { message }).await?;
            if let Some(sub) = self.subscriptions.get_mut(conv_id) {
                sub.delivered = seq;
            }
        }
        if !more {
            return Ok(true);
        }
        let Some(sub) = self.subscriptions.get_mut(conv_id) else {
            return Ok(true);
        };
        sub.paused = true;
        let frame = ServerFrame::More {
            conv_id: conv_id.clone(),
            after_seq: sub.delivered,
        };
        self.send_frame(&frame).await?;
        Ok(false)
    }
}
