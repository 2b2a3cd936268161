//! A visitor's transcript by email: asked for from the widget, sent by a job. It holds
//! the conversation's messages as the visitor saw them: never an internal note.

use super::access;
use crate::auth::Principal;
use crate::http::error::{ApiError, ApiResult};
use crate::mail::{Email, html_escape};
use crate::state::AppState;
use crate::store::TRANSCRIPT_EMAIL;
use natter_protocol::{
    Direction, Message, TranscriptEmailQueued, TranscriptEmailRequest, error_code, validate,
};

/// The visitor asks for their conversation by email: to the address given, or the
/// one they left before. Sent by a job, at once.
pub async fn request(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
    body: TranscriptEmailRequest,
) -> ApiResult<TranscriptEmailQueued> {
    let Principal::Visitor(visitor) = principal else {
        return Err(ApiError::Forbidden(
            "a transcript by email is the visitor's to ask for",
        ));
    };
    let conversation = access::conversation(state, principal, conv_id).await?;
    if state.mailer.is_none() {
        return Err(ApiError::Conflict {
            code: error_code::EMAIL_OFF,
            message: "this website does not send email".into(),
        });
    }
    let email = match body.email.as_deref().filter(|e| !e.trim().is_empty()) {
        Some(email) => validate::email(email)?,
        None => state
            .store
            .visitor_mailing(conv_id)
            .await?
            .and_then(|m| m.email)
            .ok_or(ApiError::Invalid {
                code: "invalid_email".to_owned(),
                message: "Which email address should it go to?".to_owned(),
            })?,
    };
    state
        .limiter
        .check(
            "transcript",
            &visitor.id,
            state.settings.limits.rate_transcripts,
        )
        .await?;
    let payload = serde_json::json!({ "conv_id": conversation.id, "email": email });
    state
        .store
        .add_job(&conversation.org_id, TRANSCRIPT_EMAIL, &payload.to_string())
        .await?;
    Ok(TranscriptEmailQueued { email })
}

/// The job: emails the conversation's messages to `to`.
pub async fn send(state: &AppState, conv_id: &str, to: &str) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let err = |e: crate::store::StoreError| e.to_string();
    let Some(mailing) = state.store.visitor_mailing(conv_id).await.map_err(err)? else {
        return Ok(());
    };
    let conv = natter_protocol::ConvId(conv_id.to_owned());
    let messages = super::conversations::all_messages(state, &conv)
        .await
        .map_err(|e| e.to_string())?;
    let business = mailing.account_name;
    let email = compose(&business, &mailing.visitor_name, &messages);
    mailer
        .send(Email {
            to: vec![to.to_owned()],
            subject: format!("Transcript of your conversation with {business}"),
            ..email
        })
        .await
}

/// The transcript as text and HTML: who wrote, when (UTC), what; a deleted message as such.
fn compose(business: &str, visitor: &str, messages: &[Message]) -> Email {
    let when = |ms: i64| {
        jiff::Timestamp::from_millisecond(ms)
            .map(|t| t.strftime("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default()
    };
    let lines: Vec<(String, String, String)> = messages
        .iter()
        .map(|m| {
            let who = match m.direction {
                Direction::In => visitor.to_owned(),
                Direction::Out => format!("{} ({business})", m.sender.name),
            };
            let text = if m.deleted_at.is_some() {
                "(message deleted)".to_owned()
            } else {
                m.text_with_files()
            };
            (when(m.created_at), who, text)
        })
        .collect();
    let text = format!(
        "Your conversation with {business}, as you asked.\n\n{}",
        lines
            .iter()
            .map(|(at, who, text)| format!("[{at}] {who}:\n{text}\n"))
            .collect::<Vec<_>>()
            .join("\n")
    );
    let html = format!(
        "<p>Your conversation with {}, as you asked.</p>{}",
        html_escape(business),
        lines
            .iter()
            .map(|(at, who, text)| format!(
                "<p><strong>{}</strong> <small>{}</small><br>{}</p>",
                html_escape(who),
                html_escape(at),
                html_escape(text).replace('\n', "<br>")
            ))
            .collect::<String>()
    );
    Email {
        text,
        html,
        ..Email::default()
    }
}
