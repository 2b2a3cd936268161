//! The web layer: each resource module owns its `router()`; this merges them.

mod assets;
mod auth;
mod conversations;
mod health;
mod widget;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::{Method, header};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};

/// Largest request body. The largest valid body (a 4,000-character message) is far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// The widget calls the API from customers' pages, so the API answers
/// cross-origin requests. Tokens travel in the Authorization header, never cookies.
fn cors() -> CorsLayer {
    CorsLayer::new()
        .allow_origin(AllowOrigin::mirror_request())
        .allow_methods([Method::GET, Method::POST, Method::PATCH])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(widget::router())
        .merge(conversations::router())
        .merge(auth::router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound("endpoint") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors());
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .merge(crate::ws::router())
        .merge(assets::router(&state.settings))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
}
