//! `subscribe` and `unsubscribe`: which conversations this socket follows.

use super::{Actor, Identity, Stop, Subscription, error_frame};
use crate::auth::Principal;
use crate::chat;
use crate::http::error::ApiError;
use natter_protocol::{ConvId, ServerFrame, close_code, error_code};

impl Actor {
    pub(super) async fn subscribe(
        &mut self,
        conv_id: ConvId,
        token: Option<String>,
        after_seq: u64,
    ) -> Result<(), Stop> {
        let refuse = |code: &str, message: &str| error_frame(code, message, Some(&conv_id));
        let principal = match &self.identity {
            Identity::Staff(staff, _) => Principal::Staff(staff.clone()),
            Identity::Visitor { org_id, account_id } => {
                let Some(token) = token else {
                    return self
                        .send_frame(&refuse(
                            error_code::UNAUTHORIZED,
                            "subscribe needs the visitor token",
                        ))
                        .await;
                };
                match chat::access::visitor_of(&self.state, &token, org_id, account_id).await {
                    Ok(Some(visitor)) => visitor,
                    Ok(None) => {
                        return self
                            .send_frame(&refuse(
                                error_code::UNAUTHORIZED,
                                "the visitor token is not valid here",
                            ))
                            .await;
                    }
                    Err(e) => return self.api_error(e, &conv_id).await,
                }
            }
            Identity::AwaitingAuth => {
                return Err(Stop::Close(close_code::UNAUTHORIZED, "not authenticated"));
            }
        };
        let conversation =
            match chat::access::conversation_now(&self.state, &principal, &conv_id.0).await {
                Ok(c) => c,
                Err(ApiError::NotFound(_)) => {
                    return self
                        .send_frame(&refuse(error_code::NOT_FOUND, "conversation not found"))
                        .await;
                }
                Err(e) => return self.api_error(e, &conv_id).await,
            };
        let name = match &principal {
            Principal::Visitor(v) => v.name.clone(),
            Principal::Staff(s) => s.name.clone(),
        };
        let quota = self.state.settings.limits.rate_subscribes;
        if let Err(ApiError::RateLimited { .. }) = self
            .state
            .limiter
            .check("subscribe", principal.id(), quota)
            .await
        {
            return self
                .send_frame(&refuse(
                    error_code::RATE_LIMITED,
                    "too many subscriptions; slow down",
                ))
                .await;
        }
        if let Principal::Visitor(v) = &principal
            && !self.visitor_slots.contains_key(&v.id)
        {
            let max = self.state.settings.limits.max_sockets_per_visitor;
            let Some(slot) = self
                .state
                .sockets_per_visitor
                .try_acquire(v.id.clone(), max)
            else {
                return self
                    .send_frame(&refuse(
                        error_code::TOO_MANY_SOCKETS,
                        "this visitor has too many open chats; close a tab",
                    ))
                    .await;
            };
            self.visitor_slots.insert(v.id.clone(), slot);
        }
        // Listen before reading the backlog, so nothing committed in between is missed;
        // duplicates between the two are dropped by seq.
        if self.is_visitor() {
            self.hub.subscribe_conversation(&conv_id);
        }
        let last_seq = conversation.last_seq();
        let subscription = Subscription {
            principal,
            org_id: conversation.owner.org_id,
            delivered: after_seq.min(last_seq),
            name,
            typing_since: None,
            read: 0,
            paused: false,
        };
        self.subscriptions.insert(conv_id.clone(), subscription);
        self.send_frame(&ServerFrame::Subscribed {
            conv_id: conv_id.clone(),
            last_seq,
        })
        .await?;
        self.replay(&conv_id, None).await.map(drop)
    }

    pub(super) async fn unsubscribe(&mut self, conv_id: ConvId) -> Result<(), Stop> {
        if self.subscriptions.remove(&conv_id).is_some() && self.is_visitor() {
            self.hub.unsubscribe_conversation(&conv_id);
        }
        self.send_frame(&ServerFrame::Unsubscribed { conv_id })
            .await
    }
}
