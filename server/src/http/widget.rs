//! What the widget needs before a visitor is known: its settings and lead creation.

use crate::auth::{new_visitor_token, token_digest};
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::hub::{Audience, Event};
use crate::limits::ClientIp;
use crate::state::AppState;
use crate::store::NewLead;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use natter_protocol::{CreateLead, LeadCreated, ServerFrame, WidgetConfig, validate};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/widget/{org_id}/{account_id}/config", get(config))
        .route("/widget/{org_id}/{account_id}/leads", post(create_lead))
}

async fn config(
    State(state): State<AppState>,
    Path((org_id, account_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<WidgetConfig>> {
    let account = state
        .store
        .account(&org_id, &account_id)
        .await?
        .ok_or(ApiError::NotFound("website account"))?;
    crate::origin::enforce(&account, &headers)?;
    Ok(Json(WidgetConfig {
        staff_online: state.hub.has_staff_online(&account.org_id),
        org_id: account.org_id,
        account_id: account.id,
        name: account.name,
        greeting: account.greeting,
        theme_color: account.theme_color,
    }))
}

/// An optional field: absent, `null` and blank all mean "not given".
fn optional(
    value: Option<String>,
    check: fn(&str) -> Result<String, validate::Invalid>,
) -> Result<Option<String>, validate::Invalid> {
    value
        .filter(|v| !v.trim().is_empty())
        .map(|v| check(&v))
        .transpose()
}

async fn create_lead(
    State(state): State<AppState>,
    Path((org_id, account_id)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<CreateLead>,
) -> ApiResult<(StatusCode, Json<LeadCreated>)> {
    let quota = state.settings.limits.rate_leads;
    state.limiter.check("lead", &ip.to_string(), quota).await?;
    let account = state
        .store
        .account(&org_id, &account_id)
        .await?
        .ok_or(ApiError::NotFound("website account"))?;
    crate::origin::enforce(&account, &headers)?;
    let name = validate::name(&body.name)?;
    let email = optional(body.email, validate::email)?;
    let phone = optional(body.phone, validate::phone)?;
    let page_url = optional(body.page_url, validate::page_url)?;
    let first_message = match optional(body.message, validate::text)? {
        Some(text) => {
            let client_msg_id = match body.client_msg_id {
                Some(id) => validate::client_msg_id(&id)?,
                None => format!("lead-{}", uuid::Uuid::new_v4().simple()),
            };
            Some((text, client_msg_id))
        }
        None => None,
    };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect());
    let token = new_visitor_token();
    let lead = NewLead {
        name,
        email,
        phone,
        page_url,
        user_agent,
        token_hash: token_digest(&token),
        first_message,
    };
    let (visitor, conv_id, messages) = state.store.create_lead(&account, lead).await?;

    // Committed: now tell the organization's staff.
    if let Some(detail) = state.store.conversation_detail(&conv_id).await? {
        state.hub.publish(Event {
            org_id: account.org_id.clone(),
            conv_id: conv_id.clone(),
            audience: Audience::Staff,
            frame: ServerFrame::ConversationCreated {
                conversation: Box::new(detail.summary),
            },
        });
    }
    for message in &messages {
        crate::telemetry::message_committed(message.direction);
        state.hub.publish(Event {
            org_id: account.org_id.clone(),
            conv_id: conv_id.clone(),
            audience: Audience::Staff,
            frame: ServerFrame::Message {
                message: message.clone(),
            },
        });
    }
    Ok((
        StatusCode::CREATED,
        Json(LeadCreated {
            conv_id,
            visitor_id: visitor.id,
            visitor_token: token,
            messages,
        }),
    ))
}
