//! Email as owners and admins manage it: whether it is on, and a test email to oneself
//! that shows the SMTP server's answer verbatim when it fails.

use crate::auth::{Permission, StaffAuth};
use crate::http::error::{ApiError, ApiResult};
use crate::mail::{Email, html_escape};
use crate::state::AppState;
use natter_protocol::{ConvId, MailFailure, MailFailures, MailStatus, error_code};

/// Whether this server sends email, and as whom.
pub fn status(state: &AppState, auth: &StaffAuth) -> ApiResult<MailStatus> {
    auth.require(Permission::ManageTeam)?;
    Ok(MailStatus {
        enabled: state.mailer.is_some(),
        from: state.mailer.as_ref().map(|m| m.sender()),
    })
}

/// Failed emails listed at most.
const MAX_FAILURES: i64 = 50;

/// The organization's emails that failed (retrying or given up), newest first, with
/// the SMTP server's words.
pub async fn failures(state: &AppState, auth: &StaffAuth) -> ApiResult<MailFailures> {
    auth.require(Permission::ManageTeam)?;
    let jobs = state
        .store
        .failed_jobs(&auth.staff.org_id, MAX_FAILURES)
        .await?;
    let failures = jobs
        .into_iter()
        .map(|job| MailFailure {
            conv_id: serde_json::from_str::<serde_json::Value>(&job.payload)
                .ok()
                .and_then(|p| p["conv_id"].as_str().map(|c| ConvId(c.to_owned()))),
            kind: job.kind,
            attempts: u64::try_from(job.attempts).unwrap_or(0),
            error: job.last_error.unwrap_or_default(),
            given_up: job.done_at.is_some(),
            created_at: job.created_at,
        })
        .collect();
    Ok(MailFailures { failures })
}

/// Sends a test email to the caller's own address.
pub async fn send_test(state: &AppState, auth: &StaffAuth) -> ApiResult<()> {
    auth.require(Permission::ManageTeam)?;
    let email = Email {
        to: vec![auth.staff.email.clone()],
        subject: "Natter test email".into(),
        text: format!(
            "Hello {},\n\nThis is a test email from Natter: email works.\n",
            auth.staff.name
        ),
        html: format!(
            "<p>Hello {},</p><p>This is a test email from Natter: email works.</p>",
            html_escape(&auth.staff.name)
        ),
        ..Email::default()
    };
    send(state, email).await
}

/// Sends one email now; email off → 409 `email_off`, a refusal → 502 `smtp_failed`
/// with the SMTP server's words.
pub async fn send(state: &AppState, email: Email) -> ApiResult<()> {
    let Some(mailer) = &state.mailer else {
        return Err(ApiError::Conflict {
            code: error_code::EMAIL_OFF,
            message: "email is off: set NATTER_SMTP_URL and NATTER_MAIL_FROM".into(),
        });
    };
    mailer
        .send(email)
        .await
        .map_err(|message| ApiError::Upstream {
            code: error_code::SMTP_FAILED,
            message,
        })
}

/// The invitation email: who invites, to which organization, and the link.
pub fn invitation(to: &str, inviter: &str, role: &str, url: &str) -> Email {
    Email {
        to: vec![to.to_owned()],
        subject: format!("{inviter} invited you to answer chats in Natter"),
        text: format!(
            "{inviter} invited you to join their team in Natter as {role}.\n\n\
             Choose your name and password here (the link works once, for 7 days):\n{url}\n"
        ),
        html: format!(
            "<p>{} invited you to join their team in Natter as {role}.</p>\
             <p><a href=\"{url}\">Join the team</a> (the link works once, for 7 days).</p>",
            html_escape(inviter),
            url = html_escape(url),
        ),
        ..Email::default()
    }
}
