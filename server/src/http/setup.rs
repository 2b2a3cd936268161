//! The first-run page (`GET /setup?token=…`) and its API (`POST /api/v1/setup`).

use crate::chat;
use crate::http::error::{ApiResult, Json, Query};
use crate::http::extract::ClientIp;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, PayloadTooLarge, RateLimited, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Response};
use axum::routing::{get, post};
use natter_protocol::{SetupRequest, SetupResponse};
use serde::Deserialize;

/// The API half, nested under `/api/v1`.
pub fn router() -> Router<AppState> {
    Router::new().route("/setup", post(complete))
}

/// The page half, at the site's root.
pub fn page_router() -> Router<AppState> {
    let csp = super::assets::page_csp(SETUP_PAGE);
    Router::new().route(
        "/setup",
        get(page).layer(tower_http::set_header::SetResponseHeaderLayer::overriding(
            header::CONTENT_SECURITY_POLICY,
            csp,
        )),
    )
}

#[derive(Deserialize)]
struct PageQuery {
    #[serde(default)]
    token: String,
}

async fn page(
    State(state): State<AppState>,
    Query(query): Query<PageQuery>,
) -> ApiResult<Response> {
    let admitted = chat::setup::admits(&state, &query.token).await?;
    let no_store = [(header::CACHE_CONTROL, HeaderValue::from_static("no-store"))];
    if !admitted {
        return Ok((StatusCode::FORBIDDEN, no_store, Html(INVALID_LINK_PAGE)).into_response());
    }
    Ok((no_store, Html(SETUP_PAGE)).into_response())
}

/// The first run: creates the organization, its owner (signed in) and its first website.
#[utoipa::path(post, path = "/api/v1/setup", tag = "setup",
    request_body = SetupRequest,
    responses(
        (status = 201, description = "Set up; the owner is signed in", body = SetupResponse),
        (status = 400, response = BadRequest),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn complete(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    Json(body): Json<SetupRequest>,
) -> ApiResult<(StatusCode, Json<SetupResponse>)> {
    state
        .limiter
        .check("login", &ip.to_string(), state.settings.limits.rate_logins)
        .await?;
    let (owner, session) = chat::setup::complete(&state, body).await?;
    let snippet = crate::setup::snippet(
        &super::public_base(&state, &headers),
        &owner.org_id,
        &owner.account_id,
        None,
        false,
    );
    Ok((
        StatusCode::CREATED,
        Json(SetupResponse {
            token: session.token,
            expires_at: session.expires_at,
            staff: session.staff,
            org_id: owner.org_id,
            account_id: owner.account_id,
            snippet,
        }),
    ))
}

const SETUP_PAGE: &str = include_str!("setup.html");

const INVALID_LINK_PAGE: &str = "<!doctype html><html lang=\"en\"><meta charset=\"utf-8\">\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Natter setup</title>\
<body style=\"font:16px/1.5 system-ui,sans-serif;max-width:34rem;margin:3rem auto;padding:0 1rem\">\
<h1>This setup link is not valid</h1><p>Open the setup URL that Natter printed in its log when it \
started (it looks like <code>http://…/setup?token=…</code>). Restarting Natter prints a new one.</p></body></html>";
