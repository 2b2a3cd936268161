//! What the widget needs before a visitor is known: its settings and lead creation.

use crate::auth::Principal;
use crate::chat;
use crate::chat::leads::Returning;
use crate::http::error::ApiError;
use crate::http::error::{ApiResult, Json, Path};
use crate::http::extract::{ClientIp, optional_caller};
use crate::http::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, RateLimited, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::{get, post};
use natter_protocol::{CreateLead, Identified, Identify, LeadCreated, WidgetConfig};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/widget/{org_id}/{account_id}/config", get(config))
        .route("/widget/{org_id}/{account_id}/leads", post(create_lead))
        .route("/widget/{org_id}/{account_id}/identify", post(identify))
}

/// The widget's settings for a website account.
#[utoipa::path(get, path = "/api/v1/widget/{org_id}/{account_id}/config", tag = "widget",
    params(
        ("org_id" = String, Path, description = "The organization"),
        ("account_id" = String, Path, description = "The website account"),
    ),
    responses(
        (status = 200, description = "The widget's settings", body = WidgetConfig),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn config(
    State(state): State<AppState>,
    Path((org_id, account_id)): Path<(String, String)>,
    headers: HeaderMap,
) -> ApiResult<Json<WidgetConfig>> {
    let account = chat::websites::for_visitor(&state, &org_id, &account_id, &headers).await?;
    Ok(Json(chat::websites::widget_config(&state, account).await?))
}

/// A visitor introduces themselves: a new conversation, and the visitor's token. A
/// verified contact sends their visitor token to start another conversation of theirs.
#[utoipa::path(post, path = "/api/v1/widget/{org_id}/{account_id}/leads", tag = "widget",
    security((), ("visitor" = [])),
    params(
        ("org_id" = String, Path, description = "The organization"),
        ("account_id" = String, Path, description = "The website account"),
    ),
    request_body = CreateLead,
    responses(
        (status = 201, description = "The conversation, with the first message if one was given",
            body = LeadCreated),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn create_lead(
    State(state): State<AppState>,
    Path((org_id, account_id)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<CreateLead>,
) -> ApiResult<(StatusCode, Json<LeadCreated>)> {
    let account = limited_account(&state, ip, &org_id, &account_id, &headers).await?;
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let returning = match optional_caller(&state, &headers).await? {
        None => None,
        Some((Principal::Visitor(visitor), token)) => Some(Returning { visitor, token }),
        Some((Principal::Staff(_), _)) => {
            return Err(ApiError::Forbidden("leads are for visitors, not staff"));
        }
    };
    let created = chat::leads::create(&state, account, body, user_agent, returning).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// A website's signed-in user, vouched for by its server (`user_hash`): their contact
/// (made on first use), a visitor token for this browser, and their conversations. A
/// browser that holds this contact's token already sends it (`Authorization: Bearer
/// nv_…`, optional; any other is ignored) and keeps it.
#[utoipa::path(post, path = "/api/v1/widget/{org_id}/{account_id}/identify", tag = "widget",
    params(
        ("org_id" = String, Path, description = "The organization"),
        ("account_id" = String, Path, description = "The website account"),
    ),
    request_body = Identify,
    responses(
        (status = 200, description = "The contact, a token for this browser and their conversations",
            body = Identified),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn identify(
    State(state): State<AppState>,
    Path((org_id, account_id)): Path<(String, String)>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<Identify>,
) -> ApiResult<Json<Identified>> {
    // Each identify may issue a token: limited like leads.
    let account = limited_account(&state, ip, &org_id, &account_id, &headers).await?;
    // A browser that holds a token (of this contact, or another) sends it along.
    let holding = match optional_caller(&state, &headers).await {
        Ok(Some((Principal::Visitor(visitor), token))) => Some((visitor, token)),
        _ => None,
    };
    Ok(Json(
        chat::identity::identify(&state, account, body, holding).await?,
    ))
}

/// The website account for a request that may make a visitor, after the address's
/// quota of leads.
async fn limited_account(
    state: &AppState,
    ip: std::net::IpAddr,
    org_id: &str,
    account_id: &str,
    headers: &HeaderMap,
) -> ApiResult<crate::store::Account> {
    let quota = state.settings.limits.rate_leads;
    state.limiter.check("lead", &ip.to_string(), quota).await?;
    chat::websites::for_visitor(state, org_id, account_id, headers).await
}
