//! Messages: a visitor writes, staff answer. The sender is always the caller.

use super::{Committed, access, commit};
use crate::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::hub::{Audience, Event};
use crate::state::AppState;
use crate::store::Author;
use natter_protocol::{ConversationStatus, Direction, Message, PostMessage, ServerFrame, validate};

/// A posted message, and whether this call stored it (`false`: the same
/// `client_msg_id` was stored before, and this is that message).
pub struct Posted {
    pub message: Message,
    pub created: bool,
}

/// `principal` writes into a conversation they may open. A visitor message re-opens
/// a resolved conversation; a staff reply does not.
pub async fn post(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    body: PostMessage,
) -> ApiResult<Posted> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    let attachment_ids = validate::attachment_ids(&body.attachment_ids)?;
    let text = validate::text_with(&body.text, attachment_ids.len())?;
    let client_msg_id = validate::client_msg_id(&body.client_msg_id)?;
    let author = match principal {
        Principal::Visitor(visitor) => Author::visitor(visitor),
        Principal::Staff(staff) => Author::staff(staff),
    };
    let store = state.store.clone();
    commit(state, async move {
        let conv_id = conversation.conv_id();
        let appended = store
            .append_message(
                &conversation.org_id,
                &conv_id,
                &author,
                &text,
                &client_msg_id,
                &attachment_ids,
            )
            .await?;
        let mut events = Vec::new();
        if appended.created {
            crate::telemetry::message_committed(appended.message.direction);
            let event = |frame| Event {
                org_id: conversation.org_id.clone(),
                conv_id: conv_id.clone(),
                audience: Audience::Everyone,
                frame,
            };
            if appended.reopened {
                events.push(event(ServerFrame::Conversation {
                    conv_id: conv_id.clone(),
                    status: ConversationStatus::Open,
                    assignee_id: None,
                }));
            }
            events.push(event(ServerFrame::Message {
                message: appended.message.clone(),
            }));
        }
        Ok(Committed {
            value: Posted {
                message: appended.message,
                created: appended.created,
            },
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}

/// How long a visitor may delete a message of their own.
pub const VISITOR_DELETE_WINDOW_MS: i64 = 10 * 60 * 1000;

/// Deletes a message: its text is erased from storage and its `seq` stays as a
/// tombstone, which both sides are sent. Staff delete any message of their
/// organization's conversations, a visitor their own for [`VISITOR_DELETE_WINDOW_MS`].
/// Deleting a deleted message answers its tombstone again.
pub async fn delete(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    message_id: &str,
) -> ApiResult<Message> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    let message = state
        .store
        .message(conv_id, message_id)
        .await?
        .ok_or(ApiError::NotFound("message"))?;
    if message.deleted_at.is_some() {
        return Ok(message);
    }
    if let Principal::Visitor(visitor) = principal {
        let own = message.direction == Direction::In && message.sender.id == visitor.id;
        if !own {
            return Err(ApiError::Forbidden(
                "visitors may delete only their own messages",
            ));
        }
        if crate::store::now_ms() - message.created_at > VISITOR_DELETE_WINDOW_MS {
            return Err(ApiError::Forbidden(
                "a message can be deleted only in the 10 minutes after it was sent",
            ));
        }
    }
    let store = state.store.clone();
    let message_id = message_id.to_owned();
    commit(state, async move {
        let conv_id = conversation.conv_id();
        let tombstone = store
            .delete_message(&conversation.org_id, &conv_id.0, &message_id)
            .await?
            .ok_or(ApiError::NotFound("message"))?;
        let events = vec![Event {
            org_id: conversation.org_id.clone(),
            conv_id,
            audience: Audience::Everyone,
            frame: ServerFrame::MessageDeleted {
                message: tombstone.clone(),
            },
        }];
        Ok(Committed {
            value: tombstone,
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}
