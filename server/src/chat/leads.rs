//! Leads: a visitor introduces themselves on a website, which starts a conversation.

use super::{Committed, commit};
use crate::auth::{new_visitor_token, token_digest};
use crate::http::error::ApiError;
use crate::http::error::ApiResult;
use crate::hub::{Audience, Event};
use crate::state::AppState;
use crate::store::{Account, NewLead, VisitorIdentity};
use natter_protocol::validate::{self, optional};
use natter_protocol::{CreateLead, LeadCreated, ServerFrame};

/// A verified contact starting another conversation, with the token they called with.
pub struct Returning {
    pub visitor: VisitorIdentity,
    pub token: String,
}

/// A new visitor of `account` with its conversation (and first message, if given),
/// announced to the organization's staff. The answer carries the visitor's token,
/// which exists nowhere else (only its digest is stored). A verified contact
/// (`returning`) gets a new conversation of their own instead; a website that requires
/// identity takes only those.
pub async fn create(
    state: &AppState,
    account: Account,
    body: CreateLead,
    user_agent: Option<String>,
    returning: Option<Returning>,
) -> ApiResult<LeadCreated> {
    let returning = match returning {
        Some(r) if r.visitor.org_id != account.org_id || r.visitor.account_id != account.id => {
            return Err(ApiError::Forbidden(
                "this visitor token belongs to another website",
            ));
        }
        Some(r) if r.visitor.external_id.is_none() => {
            return Err(ApiError::Forbidden(
                "only a verified visitor (Natter.setUser with a user_hash) starts another \
                 conversation with a token; start a new lead without one",
            ));
        }
        other => other,
    };
    if account.requires_identity() && returning.is_none() {
        return Err(ApiError::Forbidden(
            "this website chats only with its signed-in users: sign in on the website first",
        ));
    }
    let name = validate::name(&body.name)?;
    // Absent, `null` and blank all mean "not given".
    let email = optional(body.email.as_deref(), validate::email)?;
    let phone = optional(body.phone.as_deref(), validate::phone)?;
    let page_url = optional(body.page_url.as_deref(), validate::page_url)?;
    // A malformed key is refused even without a message: a field means one thing.
    let client_msg_id = body
        .client_msg_id
        .map(|id| validate::client_msg_id(&id))
        .transpose()?;
    let first_message = optional(body.message.as_deref(), validate::text)?.map(|text| {
        let id = client_msg_id.unwrap_or_else(|| format!("lead-{}", uuid::Uuid::new_v4().simple()));
        (text, id)
    });
    let (token, contact) = match returning {
        Some(r) => (r.token, Some(r.visitor)),
        None => (new_visitor_token(), None),
    };
    let lead = NewLead {
        name,
        email,
        phone,
        page_url,
        user_agent: user_agent.map(|ua| ua.chars().take(512).collect()),
        token_hash: token_digest(&token),
        contact,
        alert_at: state.mailer.as_ref().map(|_| {
            crate::store::now_ms().saturating_add(
                i64::try_from(state.settings.mail.staff_alert_secs.saturating_mul(1000))
                    .unwrap_or(i64::MAX),
            )
        }),
        first_message,
    };
    // Round robin among the members online here, when the website wants it.
    let candidates = if account.auto_assign != 0 {
        state.hub.available_staff(&account.org_id)
    } else {
        Vec::new()
    };
    let store = state.store.clone();
    commit(state, async move {
        let (visitor, conv_id, messages) = store.create_lead(&account, lead).await?;
        if !candidates.is_empty() {
            store
                .auto_assign(&account.org_id, &conv_id, &candidates)
                .await?;
        }
        let event = |frame| Event {
            org_id: account.org_id.clone(),
            conv_id: conv_id.clone(),
            audience: Audience::Staff,
            frame,
        };
        let mut events = Vec::new();
        if let Some(detail) = store.conversation_detail(&conv_id).await? {
            events.push(event(ServerFrame::ConversationCreated {
                conversation: Box::new(detail.summary),
            }));
        }
        for message in &messages {
            crate::telemetry::message_committed(message.direction);
            events.push(event(ServerFrame::Message {
                message: message.clone(),
            }));
        }
        Ok(Committed {
            value: LeadCreated {
                conv_id,
                visitor_id: visitor.id,
                visitor_token: token,
                messages,
            },
            events,
            ended_sessions: Vec::new(),
        })
    })
    .await
}
