//! Liveness and readiness probes, and the Prometheus metrics.

use crate::http::error::ApiError;
use crate::state::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::get;
use axum::{Json, Router};
use natter_protocol::ErrorDetail;
use natter_protocol::error_code;
use serde::Serialize;
use utoipa::ToSchema;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/healthz", get(healthz))
        .route("/readyz", get(readyz))
        .route("/metrics", get(metrics))
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Health {
    /// Always `ok`.
    status: &'static str,
}

/// The process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations",
    responses((status = 200, description = "The process is up", body = Health)))]
pub(crate) async fn healthz() -> Json<Health> {
    Json(Health { status: "ok" })
}

#[derive(Serialize, ToSchema)]
pub(crate) struct Readiness {
    /// `ready` or `unavailable`.
    status: &'static str,
    /// `ok` or `unreachable`.
    database: &'static str,
    /// `ok`, `unreachable`, or `disabled` without Redis.
    redis: &'static str,
    /// Why the instance is not ready.
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorDetail>,
}

/// The process can serve: its database answers. Also reports the Redis bus: without
/// it this instance still serves its own clients, who converge from the store.
#[utoipa::path(get, path = "/readyz", tag = "operations",
    responses(
        (status = 200, description = "Ready", body = Readiness),
        (status = 503, description = "The database is unreachable", body = Readiness),
    ))]
pub(crate) async fn readyz(State(state): State<AppState>) -> (StatusCode, Json<Readiness>) {
    let redis = match &state.bus {
        None => "disabled",
        Some(bus) if bus.is_connected() => "ok",
        Some(_) => "unreachable",
    };
    match crate::chat::ready(&state).await {
        Ok(()) => (
            StatusCode::OK,
            Json(Readiness {
                status: "ready",
                database: "ok",
                redis,
                error: None,
            }),
        ),
        Err(e) => {
            tracing::warn!(error = %e, "readiness: database unreachable");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(Readiness {
                    status: "unavailable",
                    database: "unreachable",
                    redis,
                    error: Some(ErrorDetail {
                        code: error_code::DATABASE_UNAVAILABLE.into(),
                        message: "the database is unreachable".into(),
                    }),
                }),
            )
        }
    }
}

/// Prometheus metrics: sockets, subscriptions, messages, delivery latency, queue
/// overflows and errors by code, labelled by instance. With `NATTER_METRICS_TOKEN`
/// set, only a scraper presenting it as a bearer token reads them.
#[utoipa::path(get, path = "/metrics", tag = "operations",
    responses((status = 200, description = "Prometheus text exposition format",
        content_type = "text/plain", body = String),
        (status = 401, response = crate::http::responses::Unauthorized)))]
pub(crate) async fn metrics(
    state: State<AppState>,
    headers: axum::http::HeaderMap,
) -> Result<impl IntoResponse, ApiError> {
    if let Some(expected) = &state.settings.metrics_token {
        let given = headers
            .get(axum::http::header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .unwrap_or_default();
        // Digests compared, so the comparison's time says nothing about the token.
        if crate::auth::token_digest(given) != crate::auth::token_digest(expected) {
            return Err(ApiError::Unauthorized(
                "/metrics needs Authorization: Bearer <NATTER_METRICS_TOKEN>",
            ));
        }
    }
    let (sockets, subscriptions) = crate::chat::socket_counts(&state);
    let body = crate::telemetry::render(sockets, subscriptions);
    Ok((
        [(
            axum::http::header::CONTENT_TYPE,
            "text/plain; version=0.0.4",
        )],
        body,
    ))
}
