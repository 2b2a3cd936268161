//! Conversations: the inbox's list, one conversation and its history, and changes of
//! status and assignee.

use super::{Committed, access, commit};
use crate::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::hub::{Audience, Event};
use crate::state::AppState;
use crate::store::{Assignee, ListCursor};
use natter_protocol::{
    ConvId, ConversationDetail, ConversationStatus, ConversationSummary, Message, MessageList,
    ServerFrame, StaffMember, Transcript, UpdateConversation,
};

/// Changes a conversation's status, its assignee, both or (an empty change) nothing,
/// and tells who should know: both sides of a status, the staff of an assignment. The assignee is a member of the
/// conversation's organization.
pub async fn update(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    change: UpdateConversation,
) -> ApiResult<ConversationDetail> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    if let Some(Some(staff_id)) = &change.assignee_id {
        let member = state
            .store
            .staff_member(&conversation.org_id, staff_id)
            .await?;
        if member.is_none() {
            return Err(ApiError::Invalid {
                code: "invalid_assignee_id".to_owned(),
                message: "No member of this organization has that id.".to_owned(),
            });
        }
    }
    // Someone else's assignment is emailed to the assignee (if they want it).
    let alert_by = match (principal, &change.assignee_id) {
        (Principal::Staff(me), Some(Some(assignee)))
            if state.mailer.is_some() && *assignee != me.id =>
        {
            Some(me.name.clone())
        }
        _ => None,
    };
    let store = state.store.clone();
    commit(state, async move {
        let conv_id = conversation.conv_id();
        let mut events = Vec::new();
        if let Some(status) = change.status {
            store
                .set_status(&conversation.org_id, &conv_id, status)
                .await?;
            events.push(Event {
                org_id: conversation.org_id.clone(),
                conv_id: conv_id.clone(),
                audience: Audience::Everyone,
                frame: ServerFrame::Conversation {
                    conv_id: conv_id.clone(),
                    status,
                    assignee_id: None,
                },
            });
        }
        if let Some(assignee_id) = change.assignee_id {
            store
                .set_assignee(
                    &conversation.org_id,
                    &conv_id,
                    assignee_id.as_deref(),
                    alert_by.as_deref(),
                )
                .await?;
            events.push(Event {
                org_id: conversation.org_id.clone(),
                conv_id: conv_id.clone(),
                audience: Audience::Staff,
                frame: ServerFrame::Assigned {
                    conv_id: conv_id.clone(),
                    assignee_id,
                },
            });
        }
        let detail = store
            .conversation_detail(&conv_id)
            .await?
            .ok_or(ApiError::NotFound("conversation"))?;
        Ok(Committed {
            value: detail,
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}

/// A page of the organization's conversations, latest activity first, and the cursor of
/// the next page.
pub async fn list(
    state: &AppState,
    staff: &StaffMember,
    status: Option<ConversationStatus>,
    assignee: Option<&str>,
    label: Option<&str>,
    cursor: Option<&ListCursor>,
    limit: u32,
) -> ApiResult<(Vec<ConversationSummary>, Option<ListCursor>)> {
    let assignee = assignee_filter(staff, assignee);
    let label = label.map(str::to_ascii_lowercase);
    Ok(state
        .store
        .list_conversations(
            &staff.org_id,
            status,
            &assignee,
            label.as_deref(),
            cursor,
            limit,
        )
        .await?)
}

/// Whose conversations a filter `assignee` (`me`, `none` or a member's id) means.
pub fn assignee_filter(staff: &StaffMember, assignee: Option<&str>) -> Assignee {
    match assignee {
        None => Assignee::Anyone,
        Some("me") => Assignee::Staff(staff.id.clone()),
        Some("none") => Assignee::Nobody,
        // Another organization's member simply has none here.
        Some(staff_id) => Assignee::Staff(staff_id.to_owned()),
    }
}

/// A conversation with its visitor's details and both read positions.
pub async fn detail(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
) -> ApiResult<ConversationDetail> {
    let conversation = access::conversation(state, principal, conv_id).await?;
    state
        .store
        .conversation_detail(&conversation.conv_id())
        .await?
        .ok_or(ApiError::NotFound("conversation"))
}

/// Messages read per statement while a transcript is gathered.
const TRANSCRIPT_PAGE: u32 = 500;

/// The whole conversation, for staff of its organization: its details and every
/// message, ascending.
pub async fn transcript(
    state: &AppState,
    staff: &StaffMember,
    conv_id: &str,
) -> ApiResult<Transcript> {
    let principal = Principal::Staff(staff.clone());
    let conversation = access::conversation(state, &principal, conv_id).await?;
    let conv_id = conversation.conv_id();
    let detail = state
        .store
        .conversation_detail(&conv_id)
        .await?
        .ok_or(ApiError::NotFound("conversation"))?;
    Ok(Transcript {
        conversation: detail,
        messages: all_messages(state, &conv_id).await?,
    })
}

/// Every message of a conversation, ascending, read a page at a time.
pub async fn all_messages(state: &AppState, conv_id: &ConvId) -> ApiResult<Vec<Message>> {
    let mut messages: Vec<Message> = Vec::new();
    loop {
        let after = messages.last().map_or(0, |m| m.seq);
        let page = state
            .store
            .messages(conv_id, after, None, TRANSCRIPT_PAGE)
            .await?;
        let full = page.len() == TRANSCRIPT_PAGE as usize;
        messages.extend(page);
        if !full {
            break;
        }
    }
    Ok(messages)
}

/// A transcript as plain text: who and when, then a line per message (later lines of a
/// message indented), times in UTC.
pub fn transcript_text(transcript: &Transcript) -> String {
    let when = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.strftime("%Y-%m-%d %H:%M:%S UTC").to_string())
            .unwrap_or_default()
    };
    let summary = &transcript.conversation.summary;
    let visitor = &summary.visitor;
    let mut out = format!(
        "Conversation with {}{} on {}\nStarted {} · {}\n\n",
        visitor.name,
        visitor
            .email
            .as_deref()
            .map(|e| format!(" <{e}>"))
            .unwrap_or_default(),
        summary.account_id,
        when(summary.created_at),
        summary.status.as_str(),
    );
    for m in &transcript.messages {
        let who = match m.direction {
            natter_protocol::Direction::In => m.sender.name.clone(),
            natter_protocol::Direction::Out => format!("{} (staff)", m.sender.name),
        };
        let text = m.text.replace('\n', "\n    ");
        out.push_str(&format!("[{}] {who}: {text}\n", when(m.created_at)));
    }
    out
}

/// Which messages of a conversation: after a `seq`, or the newest before one.
pub struct Range {
    pub after_seq: u64,
    pub before_seq: Option<u64>,
    pub limit: u32,
}

/// A conversation's messages in `range`, ascending, with its current last `seq` and
/// staff's read position (read fresh, not from the cached owner).
pub async fn history(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    range: Range,
) -> ApiResult<MessageList> {
    let conversation = access::conversation_now(state, principal, conv_id).await?;
    let messages = state
        .store
        .messages(
            &conversation.owner.conv_id(),
            range.after_seq,
            range.before_seq,
            range.limit,
        )
        .await?;
    let last_seq = messages
        .last()
        .map_or(0, |m| m.seq)
        .max(conversation.last_seq());
    Ok(MessageList {
        messages,
        last_seq,
        staff_read_seq: conversation.staff_read_seq(),
    })
}

/// Up to `limit` messages after `after_seq`, ascending, for a socket replaying what its
/// subscriber missed (access checked on the cached owner: it was checked fresh at
/// subscribe, and ownership never changes).
pub async fn replay(
    state: &AppState,
    principal: &Principal,
    conv_id: &ConvId,
    after_seq: u64,
    limit: u32,
) -> ApiResult<Vec<Message>> {
    access::conversation(state, principal, &conv_id.0).await?;
    Ok(state
        .store
        .messages(conv_id, after_seq, None, limit)
        .await?)
}
