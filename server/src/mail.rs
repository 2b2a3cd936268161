//! Outgoing email over SMTP (lettre): the transport `NATTER_SMTP_URL` names, and
//! messages with a plain-text and an HTML part. The SMTP server's own words come back
//! verbatim on failure: a misconfigured mail server is the most common support problem.

use crate::config::MailArgs;
use lettre::message::header::{HeaderName, HeaderValue};
use lettre::message::{Mailbox, MultiPart};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use std::time::Duration;

/// How long one SMTP conversation may take.
const SMTP_TIMEOUT: Duration = Duration::from_secs(15);

/// Sends email, when the server has an SMTP server configured.
pub struct Mailer {
    transport: AsyncSmtpTransport<Tokio1Executor>,
    from: Mailbox,
}

/// One email: a subject, and its body as plain text and as HTML.
#[derive(Default)]
pub struct Email {
    /// One or more addresses: one email, one send.
    pub to: Vec<String>,
    pub subject: String,
    pub text: String,
    pub html: String,
    /// Where this email sits in a thread the recipient's mail client keeps together.
    pub thread: Option<Thread>,
    /// The address of the recipient's one-click unsubscribe (RFC 8058).
    pub unsubscribe: Option<String>,
}

/// Threading headers: this email's `Message-ID` (without angle brackets) and the ids
/// of the thread's earlier emails, oldest first.
pub struct Thread {
    pub message_id: String,
    pub references: Vec<String>,
}

impl Mailer {
    /// The mailer the settings describe; `None` when email is off. A setting that
    /// cannot work is an error at start-up, not at the first email.
    pub fn from_settings(mail: &MailArgs) -> Result<Option<Self>, String> {
        let Some(url) = mail.smtp_url.as_deref().filter(|u| !u.trim().is_empty()) else {
            return Ok(None);
        };
        let from = mail
            .mail_from
            .as_deref()
            .ok_or("NATTER_MAIL_FROM is required with NATTER_SMTP_URL (the sender's address)")?
            .parse::<Mailbox>()
            .map_err(|e| format!("NATTER_MAIL_FROM is not an email address: {e}"))?;
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.trim())
            .map_err(|e| format!("NATTER_SMTP_URL cannot be used: {e}"))?
            .timeout(Some(SMTP_TIMEOUT))
            .build();
        Ok(Some(Self { transport, from }))
    }

    /// The sender, as configured.
    pub fn sender(&self) -> String {
        self.from.to_string()
    }

    /// The sender's domain, for the `Message-ID`s Natter makes.
    pub fn domain(&self) -> &str {
        self.from.email.domain()
    }

    /// Sends one email; the error is the SMTP server's answer (or why it could not be
    /// reached), verbatim.
    pub async fn send(&self, email: Email) -> Result<(), String> {
        let mut message = Message::builder().from(self.from.clone());
        for to in &email.to {
            let to = to
                .parse::<Mailbox>()
                .map_err(|e| format!("{to:?} is not an email address: {e}"))?;
            message = message.to(to);
        }
        if let Some(thread) = email.thread {
            message = message.message_id(Some(format!("<{}>", thread.message_id)));
            if let Some(last) = thread.references.last() {
                message = message.in_reply_to(format!("<{last}>")).references(
                    thread
                        .references
                        .iter()
                        .map(|id| format!("<{id}>"))
                        .collect::<Vec<_>>()
                        .join(" "),
                );
            }
        }
        if let Some(url) = email.unsubscribe {
            message = message
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{url}>"),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let message = message
            .subject(email.subject)
            .multipart(MultiPart::alternative_plain_html(email.text, email.html))
            .map_err(|e| e.to_string())?;
        self.transport
            .send(message)
            .await
            .map(drop)
            .map_err(|e| e.to_string())
    }
}

/// Escapes text for the HTML part.
pub fn html_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_that_cannot_work_are_refused_at_start() {
        let mail = |url: Option<&str>, from: Option<&str>| MailArgs {
            smtp_url: url.map(Into::into),
            mail_from: from.map(Into::into),
            public_url: None,
            staff_alert_secs: 60,
            email_delay_secs: 120,
        };
        let cases = [
            (mail(None, None), Ok(false)),
            (
                mail(Some("smtp://127.0.0.1:2525"), Some("Shop <s@shop.example>")),
                Ok(true),
            ),
            (
                mail(Some("smtp://127.0.0.1:2525"), None),
                Err("NATTER_MAIL_FROM is required"),
            ),
            (
                mail(Some("smtp://127.0.0.1:2525"), Some("not an address")),
                Err("not an email"),
            ),
            (
                mail(Some("ftp://host"), Some("s@shop.example")),
                Err("NATTER_SMTP_URL"),
            ),
        ];
        for (settings, expected) in cases {
            let got = Mailer::from_settings(&settings).map(|m| m.is_some());
            match (got, expected) {
                (Ok(got), Ok(want)) => assert_eq!(got, want, "{settings:?}"),
                (Err(e), Err(want)) => assert!(e.contains(want), "{e}"),
                (got, want) => panic!("{settings:?}: {:?} vs {want:?}", got.map(|_| ())),
            }
        }
    }

    #[test]
    fn html_is_escaped() {
        assert_eq!(
            html_escape("<b>\"A&B's\"</b>"),
            "&lt;b&gt;&quot;A&amp;B&#39;s&quot;&lt;/b&gt;"
        );
    }
}
