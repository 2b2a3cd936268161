//! Webhook endpoints and their deliveries: `/webhooks…` (owners and admins).

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json, Path};
use crate::http::responses::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use natter_protocol::{
    NewWebhook, UpdateWebhook, Webhook, WebhookDeliveries, WebhookDelivery, Webhooks,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/webhooks", get(list).post(create))
        .route("/webhooks/{id}", patch(update).delete(remove))
        .route("/webhooks/{id}/deliveries", get(deliveries))
        .route(
            "/webhooks/{id}/deliveries/{delivery_id}/redeliver",
            post(redeliver),
        )
        .route("/webhooks/{id}/test", post(test))
}

/// The organization's webhook endpoints (their secrets are never shown again).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "integrations",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The endpoints", body = Webhooks),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<Webhooks>> {
    Ok(Json(Webhooks {
        webhooks: chat::webhooks::list(&state, &auth).await?,
    }))
}

/// Adds an endpoint. The answer holds its signing secret, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "integrations",
    security(("staff" = [])),
    request_body = NewWebhook,
    responses(
        (status = 201, description = "Added, with its secret", body = Webhook),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<NewWebhook>,
) -> ApiResult<(StatusCode, Json<Webhook>)> {
    let webhook = chat::webhooks::create(&state, &auth, body).await?;
    Ok((StatusCode::CREATED, Json(webhook)))
}

/// Changes an endpoint: its URL, events, notes, whether it is enabled; with
/// `rotate_secret`, a new secret (in the answer; the old one stops at once).
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "integrations",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The endpoint")),
    request_body = UpdateWebhook,
    responses(
        (status = 200, description = "The endpoint", body = Webhook),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
    Json(body): Json<UpdateWebhook>,
) -> ApiResult<Json<Webhook>> {
    Ok(Json(
        chat::webhooks::update(&state, &auth, &id, body).await?,
    ))
}

/// Deletes an endpoint and its delivery log; what it was still owed is not sent.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "integrations",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The endpoint")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    chat::webhooks::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The endpoint's 50 most recent deliveries, newest first: status, attempts, the last
/// answer's status code, time and the start of its body.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "integrations",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The endpoint")),
    responses(
        (status = 200, description = "The deliveries", body = WebhookDeliveries),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn deliveries(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<Json<WebhookDeliveries>> {
    Ok(Json(WebhookDeliveries {
        deliveries: chat::webhooks::deliveries(&state, &auth, &id).await?,
    }))
}

/// Sends a delivery's event again, with the same event id, as a new delivery.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/deliveries/{delivery_id}/redeliver", tag = "integrations",
    security(("staff" = [])),
    params(
        ("id" = String, Path, description = "The endpoint"),
        ("delivery_id" = String, Path, description = "The delivery to send again"),
    ),
    responses(
        (status = 202, description = "Queued", body = WebhookDelivery),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn redeliver(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path((id, delivery_id)): Path<(String, String)>,
) -> ApiResult<(StatusCode, Json<WebhookDelivery>)> {
    let delivery = chat::webhooks::redeliver(&state, &auth, &id, &delivery_id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}

/// Sends the endpoint a `webhook.test` event, whatever events it chose.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "integrations",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The endpoint")),
    responses(
        (status = 202, description = "Queued", body = WebhookDelivery),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn test(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<(StatusCode, Json<WebhookDelivery>)> {
    let delivery = chat::webhooks::test(&state, &auth, &id).await?;
    Ok((StatusCode::ACCEPTED, Json(delivery)))
}
