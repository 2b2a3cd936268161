//! Liveness and readiness probes.

use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::get;
use axum::{Json, Router};
use serde_json::{Value, json};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
}

/// The process is up.
async fn healthz() -> Json<Value> {
    Json(json!({ "status": "ok" }))
}

/// The process can serve: its database answers. Also reports the Redis bus: without
/// it this instance still serves its own clients, who converge from the store.
async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Value>) {
    let redis = match &state.bus {
        None => "disabled",
        Some(bus) if bus.is_connected() => "ok",
        Some(_) => "unreachable",
    };
    match state.store.ping().await {
        Ok(()) => (
            StatusCode::OK,
            Json(json!({ "status": "ready", "database": "ok", "redis": redis })),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({
                    "status": "unavailable",
                    "database": "unreachable",
                    "redis": redis,
                    "error": { "code": "database_unavailable", "message": "the database is unreachable" }
                })),
            )
        }
    }
}
