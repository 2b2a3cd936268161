//! The web layer: each resource module owns its `router()`; this merges them.

mod assets;
mod auth;
mod conversations;
mod health;
mod widget;

use crate::error::ApiError;
use crate::state::AppState;
use axum::Router;

pub fn router(state: AppState) -> Router {
    let api = Router::new()
        .merge(widget::router())
        .merge(conversations::router())
        .merge(auth::router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound("endpoint") });
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .merge(crate::ws::router())
        .merge(assets::router(&state.settings))
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .with_state(state)
}
