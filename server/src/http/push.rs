//! Browser notifications for staff: `/push/vapid-public-key` (what browsers subscribe
//! with) and `/push/subscriptions` (each browser of the signed-in member).

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json};
use crate::http::responses::{
    BadRequest, Forbidden, PayloadTooLarge, Unauthorized, Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use natter_protocol::{PushEndpoint, PushSubscription, VapidPublicKey};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/push/vapid-public-key", get(vapid_public_key))
        .route("/push/subscriptions", post(subscribe).delete(unsubscribe))
}

/// The server's VAPID public key: `applicationServerKey` for `PushManager.subscribe`.
#[utoipa::path(get, path = "/api/v1/push/vapid-public-key", tag = "team",
    responses(
        (status = 200, description = "The key, base64url", body = VapidPublicKey),
    ))]
pub(crate) async fn vapid_public_key(State(state): State<AppState>) -> Json<VapidPublicKey> {
    Json(chat::push::vapid_public_key(&state))
}

/// Subscribes this browser of the signed-in member to notifications of new
/// conversations and visitor messages nobody is looking at (`PushSubscription.toJSON()`).
/// The endpoint must be https (`invalid_endpoint`), the keys valid (`invalid_keys`).
#[utoipa::path(post, path = "/api/v1/push/subscriptions", tag = "team",
    security(("staff" = [])),
    request_body = PushSubscription,
    responses(
        (status = 201, description = "Subscribed"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn subscribe(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<PushSubscription>,
) -> ApiResult<StatusCode> {
    chat::push::subscribe(&state, &auth, body).await?;
    Ok(StatusCode::CREATED)
}

/// Unsubscribes a browser of the signed-in member (also when it was not subscribed).
#[utoipa::path(delete, path = "/api/v1/push/subscriptions", tag = "team",
    security(("staff" = [])),
    request_body = PushEndpoint,
    responses(
        (status = 204, description = "Not subscribed (any more)"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<PushEndpoint>,
) -> ApiResult<StatusCode> {
    chat::push::unsubscribe(&state, &auth, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
