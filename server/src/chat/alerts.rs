//! Staff alerts: a conversation whose last word is the visitor's, while no staff
//! member of the organization is online, is emailed to the organization's staff.

use crate::mail::{Email, html_escape};
use crate::state::AppState;
use natter_protocol::{ConvId, Direction};

/// Emails the organization's staff about `conv_id` unless it was answered or someone
/// is online; the error (an SMTP refusal) makes the job retry.
pub async fn staff_alert(state: &AppState, conv_id: &str) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let detail = state
        .store
        .conversation_detail(&ConvId(conv_id.to_owned()))
        .await
        .map_err(|e| e.to_string())?;
    // Deleted meanwhile, or answered: nothing to say.
    let Some(detail) = detail else { return Ok(()) };
    let summary = detail.summary;
    let unanswered = summary
        .last_message
        .as_ref()
        .is_none_or(|m| m.direction == Direction::In);
    let org_id = state
        .store
        .conversation_owner(conv_id)
        .await
        .map_err(|e| e.to_string())?
        .map(|o| o.org_id);
    let Some(org_id) = org_id else { return Ok(()) };
    if !unanswered || state.hub.has_staff_online(&org_id) {
        return Ok(());
    }
    let staff: Vec<String> = state
        .store
        .staff_of(&org_id)
        .await
        .map_err(|e| e.to_string())?
        .into_iter()
        .map(|m| m.member.email)
        .collect();
    if staff.is_empty() {
        return Ok(());
    }
    let visitor = &summary.visitor.name;
    let said = summary
        .last_message
        .as_ref()
        .map_or_else(String::new, |m| m.text.clone());
    let link = state
        .settings
        .mail
        .public_url
        .as_deref()
        .map(|base| format!("{}/inbox/#/c/{conv_id}", base.trim_end_matches('/')));
    let open = link.as_deref().map_or_else(
        || "Open your Natter inbox to answer.".to_owned(),
        |l| format!("Answer: {l}"),
    );
    let email = Email {
        to: staff,
        subject: format!("{visitor} is waiting for an answer"),
        text: format!(
            "{visitor} started a conversation and nobody has answered yet.\n\n{said}\n\n{open}\n"
        ),
        html: format!(
            "<p>{} started a conversation and nobody has answered yet.</p><blockquote>{}</blockquote><p>{}</p>",
            html_escape(visitor),
            html_escape(&said),
            link.as_deref().map_or_else(
                || "Open your Natter inbox to answer.".to_owned(),
                |l| format!("<a href=\"{0}\">Answer in the inbox</a>", html_escape(l)),
            ),
        ),
        ..Email::default()
    };
    mailer.send(email).await
}
