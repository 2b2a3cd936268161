//! The web layer: each resource module owns its `router()`; this merges them.

mod assets;
// Visible to `crate::openapi`, which lists their handlers.
pub(crate) mod auth;
pub(crate) mod conversations;
pub(crate) mod health;
pub(crate) mod setup;
pub(crate) mod widget;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest request body. The largest valid body (a 4,000-character message) is far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The widget calls the API from customers' pages, so the API answers
/// cross-origin requests: from an account's allowed origins on the widget routes,
/// and from any page on token-gated routes (the token's account is enforced by the
/// `Principal` extractor). Tokens travel in the Authorization header, never cookies.
fn cors(state: AppState) -> CorsLayer {
    let predicate = move |origin: HeaderValue, parts: &Parts| {
        let state = state.clone();
        let path = parts.uri.path().to_owned();
        async move {
            // Inside the nested API router the path has lost its `/api/v1` prefix.
            let path = path.strip_prefix("/api/v1").unwrap_or(&path);
            let Some(rest) = path.strip_prefix("/widget/") else {
                return true;
            };
            let mut segments = rest.split('/');
            let (Some(org), Some(account)) = (segments.next(), segments.next()) else {
                return false;
            };
            match state.store.account(org, account).await {
                Ok(Some(account)) => crate::origin::allowed(
                    account.origin_patterns(),
                    origin.to_str().unwrap_or_default(),
                ),
                _ => false,
            }
        }
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(predicate))
        .allow_methods([Method::GET, Method::POST, Method::PATCH])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}

fn header_default(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.settings.limits.request_timeout_secs);
    let api = Router::new()
        .merge(widget::router())
        .merge(conversations::router())
        .merge(auth::router())
        .merge(setup::router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound("endpoint") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(state.clone()));
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .merge(crate::openapi::router())
        .merge(crate::ws::router())
        .merge(assets::router(&state.settings))
        .merge(setup::page_router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(header_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_default(header::REFERRER_POLICY, "no-referrer"))
        // Pages that need more (the demo page, the inbox) set their own policy.
        .layer(header_default(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .with_state(state)
}
