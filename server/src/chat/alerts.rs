//! Staff alerts: a conversation whose last word is the visitor's, while no staff
//! member of the organization is online, is emailed to the members who want it — a
//! new conversation, or a visitor who wrote again — quoting what they wrote since the
//! last answer. Messages that arrive before the alert goes out join it. And a member
//! who wants it is emailed when someone else assigns them a conversation.

use crate::mail::{Email, html_escape};
use crate::state::AppState;
use natter_protocol::Message;

/// Emails the organization's staff about `conv_id` unless it was answered or someone
/// is online; the error (an SMTP refusal) makes the job retry.
pub async fn staff_alert(state: &AppState, conv_id: &str) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let err = |e: crate::store::StoreError| e.to_string();
    // Deleted meanwhile: nothing to say.
    let Some(owner) = state.store.conversation_owner(conv_id).await.map_err(err)? else {
        return Ok(());
    };
    if state.hub.has_staff_online(&owner.org_id) {
        return Ok(());
    }
    let (waiting, answered_before) = state.store.unanswered(conv_id).await.map_err(err)?;
    // Answered meanwhile (or nothing was said).
    let Some(last) = waiting.last() else {
        return Ok(());
    };
    let to = state
        .store
        .alert_recipients(&owner.org_id, !answered_before)
        .await
        .map_err(err)?;
    if to.is_empty() {
        return Ok(());
    }
    let visitor = last.sender.name.clone();
    let (subject, lead) = if answered_before {
        (
            format!("{visitor} wrote again and is waiting for an answer"),
            format!("{visitor} wrote again and nobody has answered yet:"),
        )
    } else {
        (
            format!("{visitor} is waiting for an answer"),
            format!("{visitor} started a conversation and nobody has answered yet:"),
        )
    };
    let said: Vec<String> = waiting.iter().map(Message::text_with_files).collect();
    let said: Vec<&str> = said.iter().map(String::as_str).collect();
    let email = quoting(state, conv_id, &lead, &said, "Answer in the inbox");
    mailer
        .send(Email {
            to,
            subject,
            ..email
        })
        .await
}

/// An email to staff: `lead`, then what the visitor said, quoted, and a link that
/// opens the conversation in the inbox.
pub(super) fn quoting(
    state: &AppState,
    conv_id: &str,
    lead: &str,
    said: &[&str],
    action: &str,
) -> Email {
    let link = format!(
        "{}/inbox/#/c/{conv_id}",
        super::continuity::link_base(state)
    );
    Email {
        text: format!("{lead}\n\n{}\n\n{action}: {link}\n", said.join("\n\n")),
        html: format!(
            "<p>{}</p>{}<p><a href=\"{}\">{}</a></p>",
            html_escape(lead),
            said.iter()
                .map(|t| format!("<blockquote>{}</blockquote>", html_escape(t)))
                .collect::<String>(),
            html_escape(&link),
            html_escape(action),
        ),
        ..Email::default()
    }
}

/// The email of `staff_id`, a member of `conv_id`'s organization, and the conversation;
/// `None` when either is gone (the alert then has nobody or nothing to tell).
pub(super) async fn member_and_conversation(
    state: &AppState,
    conv_id: &str,
    staff_id: &str,
) -> Result<Option<(String, natter_protocol::ConversationDetail)>, String> {
    let err = |e: crate::store::StoreError| e.to_string();
    let Some(owner) = state.store.conversation_owner(conv_id).await.map_err(err)? else {
        return Ok(None);
    };
    let Some(member) = state
        .store
        .staff_member(&owner.org_id, staff_id)
        .await
        .map_err(err)?
    else {
        return Ok(None);
    };
    let detail = state
        .store
        .conversation_detail(&owner.conv_id())
        .await
        .map_err(err)?;
    Ok(detail.map(|d| (member.staff.email, d)))
}

/// Emails `assignee` that `by` assigned them `conv_id`, with what the visitor said since
/// the last answer, unless it was assigned elsewhere (or deleted) meanwhile.
pub async fn assignment_alert(
    state: &AppState,
    conv_id: &str,
    assignee: &str,
    by: &str,
) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let Some((to, detail)) = member_and_conversation(state, conv_id, assignee).await? else {
        return Ok(());
    };
    if detail.summary.assignee_id.as_deref() != Some(assignee) {
        return Ok(());
    }
    let err = |e: crate::store::StoreError| e.to_string();
    let (waiting, _) = state.store.unanswered(conv_id).await.map_err(err)?;
    let visitor = detail.summary.visitor.name.clone();
    let lead = format!("{by} assigned you the conversation with {visitor}.");
    let said: Vec<String> = waiting.iter().map(Message::text_with_files).collect();
    let said: Vec<&str> = said.iter().map(String::as_str).collect();
    let email = quoting(state, conv_id, &lead, &said, "Open it in the inbox");
    mailer
        .send(Email {
            to: vec![to],
            subject: format!("{by} assigned you the conversation with {visitor}"),
            ..email
        })
        .await
}
