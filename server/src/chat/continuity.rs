//! A conversation continues by email: staff replies the visitor has not seen are
//! emailed to them (one email for all of them), with a one-time link that reopens the
//! chat in a browser, `/c/{code}`, and an unsubscribe link.

use crate::auth::{LINK_PREFIX, new_link_code, new_visitor_token, token_digest};
use crate::http::error::{ApiError, ApiResult};
use crate::mail::{Email, Thread, html_escape};
use crate::state::AppState;
use crate::store::{LinkRefusal, VisitorMailing};
use natter_protocol::{ChatLink, ConvId, Message, error_code};

/// How long an email's chat link works.
const OPEN_LINK_TTL_MS: i64 = 30 * 24 * 3600 * 1000;
/// How long an email's unsubscribe link works.
const UNSUBSCRIBE_TTL_MS: i64 = 365 * 24 * 3600 * 1000;

/// The job: emails `conv_id`'s visitor the replies they have not seen, unless they
/// have seen them, gave no address or unsubscribed. An error makes the job retry.
pub async fn visitor_email(state: &AppState, conv_id: &str) -> Result<(), String> {
    let Some(mailer) = &state.mailer else {
        return Ok(());
    };
    let err = |e: crate::store::StoreError| e.to_string();
    let Some(mailing) = state.store.visitor_mailing(conv_id).await.map_err(err)? else {
        return Ok(());
    };
    let Some(to) = mailing.email.clone().filter(|_| mailing.email_opt_out == 0) else {
        return Ok(());
    };
    let replies = state
        .store
        .replies_after(conv_id, mailing.seen_up_to())
        .await
        .map_err(err)?;
    let Some(last) = replies.last().map(|m| m.seq) else {
        // Seen in the widget meanwhile, or already in an earlier email.
        return Ok(());
    };
    let base = link_base(state);
    let open = format!(
        "{base}/c/{}",
        new_link(state, "open", &mailing, conv_id).await?
    );
    let unsubscribe_code = new_link(state, "unsubscribe", &mailing, conv_id).await?;
    let unsubscribe = format!("{base}/unsubscribe/{unsubscribe_code}");
    let domain = mailer.domain().to_owned();
    let mut email = compose(&mailing, &replies, &open, &unsubscribe);
    email.to = vec![to];
    // A mail client's one-click unsubscribe posts here (RFC 8058).
    email.unsubscribe = Some(format!("{base}/api/v1/unsubscribe/{unsubscribe_code}"));
    email.thread = Some(thread(conv_id, &mailing, last, &domain));
    mailer.send(email).await?;
    // Recorded only once sent: a crash before this sends the email again rather than
    // never (at least once).
    state
        .store
        .mark_visitor_emailed(conv_id, last)
        .await
        .map_err(err)
}

/// A new code of `kind` for this email; only its digest is stored.
async fn new_link(
    state: &AppState,
    kind: &str,
    mailing: &VisitorMailing,
    conv_id: &str,
) -> Result<String, String> {
    let code = new_link_code();
    let ttl = if kind == "open" {
        OPEN_LINK_TTL_MS
    } else {
        UNSUBSCRIBE_TTL_MS
    };
    state
        .store
        .add_visitor_link(&token_digest(&code), kind, mailing, conv_id, ttl)
        .await
        .map_err(|e| e.to_string())?;
    Ok(code)
}

/// Where links in emails point: `NATTER_PUBLIC_URL`, else the address the server
/// listens on (start-up warns that it should be set).
pub fn link_base(state: &AppState) -> String {
    state
        .settings
        .mail
        .public_base()
        .unwrap_or_else(|| format!("http://{}", state.settings.addr))
}

/// One conversation is one thread in the visitor's mail client: every email refers
/// to the conversation's root id and to the email before it.
fn thread(conv_id: &str, mailing: &VisitorMailing, last: u64, domain: &str) -> Thread {
    let id = |seq: u64| format!("{conv_id}.{seq}@{domain}");
    let mut references = vec![format!("{conv_id}@{domain}")];
    if let Ok(previous @ 1..) = u64::try_from(mailing.visitor_emailed_seq) {
        references.push(id(previous));
    }
    Thread {
        message_id: id(last),
        references,
    }
}

/// The email: who answered and what, the link back, and the unsubscribe link.
fn compose(mailing: &VisitorMailing, replies: &[Message], open: &str, unsubscribe: &str) -> Email {
    let business = &mailing.account_name;
    let count = replies.len();
    let lead = if count == 1 {
        format!("{business} replied to your message:")
    } else {
        format!("{business} sent you {count} replies:")
    };
    let text_replies: Vec<String> = replies
        .iter()
        .map(|m| format!("{}:\n{}\n", m.sender.name, m.text_with_files()))
        .collect();
    let html_replies: String = replies
        .iter()
        .map(|m| {
            format!(
                "<p style=\"margin:0 0 4px;color:#6b7280;font-size:13px\">{}</p>\
                 <div style=\"margin:0 0 16px;padding:10px 14px;border-radius:12px;background:#f3f4f6;white-space:pre-wrap\">{}</div>",
                html_escape(&m.sender.name),
                html_escape(&m.text_with_files())
            )
        })
        .collect();
    Email {
        subject: format!("Your conversation with {business}"),
        text: format!(
            "Hello {name},\n\n{lead}\n\n{replies}\nContinue the conversation: {open}\n\n--\n\
             You get this email because you chatted with {business} and left your address.\n\
             Unsubscribe: {unsubscribe}\n",
            name = mailing.visitor_name,
            replies = text_replies.join("\n"),
        ),
        html: format!(
            "<div style=\"font-family:system-ui,sans-serif;max-width:560px;color:#111827\">\
             <p>Hello {name},</p><p>{lead}</p>{html_replies}\
             <p><a href=\"{open}\" style=\"display:inline-block;padding:10px 18px;border-radius:8px;\
             background:#2563eb;color:#fff;text-decoration:none\">Continue the conversation</a></p>\
             <p style=\"color:#6b7280;font-size:12px\">You get this email because you chatted with \
             {business} and left your address. <a href=\"{unsubscribe}\" style=\"color:#6b7280\">Unsubscribe</a></p></div>",
            name = html_escape(&mailing.visitor_name),
            lead = html_escape(&lead),
            open = html_escape(open),
            unsubscribe = html_escape(unsubscribe),
            business = html_escape(business),
        ),
        ..Email::default()
    }
}

/// Exchanges an email's one-time chat link for a fresh visitor token in this browser.
pub async fn open_link(state: &AppState, code: &str) -> ApiResult<ChatLink> {
    if !code.starts_with(LINK_PREFIX) || code.len() > 64 {
        return Err(ApiError::NotFound("chat link"));
    }
    let token = new_visitor_token();
    let opened = state
        .store
        .open_visitor_link(&token_digest(code), &token_digest(&token))
        .await?;
    match opened {
        Ok(link) => Ok(ChatLink {
            org_id: link.org_id,
            account_id: link.account_id,
            conv_id: ConvId(link.conv_id),
            visitor_id: link.visitor_id,
            visitor_token: token,
            name: link.visitor_name,
            email: link.email,
        }),
        Err(LinkRefusal::Unknown) => Err(ApiError::NotFound("chat link")),
        Err(LinkRefusal::Used) => Err(ApiError::Gone {
            code: error_code::LINK_USED,
            message: "this chat link was already used: it works once. Open the chat in the \
                      browser where you used it, or wait for the next email"
                .into(),
        }),
        Err(LinkRefusal::Expired) => Err(ApiError::Gone {
            code: error_code::LINK_EXPIRED,
            message: "this chat link has expired".into(),
        }),
    }
}

/// Turns email off for the visitor an unsubscribe link was made for.
pub async fn unsubscribe(state: &AppState, code: &str) -> ApiResult<()> {
    if code.starts_with(LINK_PREFIX)
        && code.len() <= 64
        && state.store.unsubscribe_visitor(&token_digest(code)).await?
    {
        Ok(())
    } else {
        Err(ApiError::NotFound("unsubscribe link"))
    }
}
