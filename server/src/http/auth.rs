//! Staff sign-in and sign-out.

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json};
use crate::http::extract::ClientIp;
use crate::http::responses::{
    BadRequest, Busy, Forbidden, PayloadTooLarge, RateLimited, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use natter_protocol::{LoginRequest, LoginResponse};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/auth/login", post(login))
        .route("/auth/logout", post(logout))
}

/// A staff member signs in.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, description = "A session token and who it is for", body = LoginResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
        (status = 503, response = Busy),
    ))]
pub(crate) async fn login(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Json(body): Json<LoginRequest>,
) -> ApiResult<Json<LoginResponse>> {
    Ok(Json(chat::sessions::sign_in(&state, ip, body).await?))
}

/// Ends the session of the token used.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth",
    security(("staff" = [])),
    responses(
        (status = 204, description = "Signed out"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn logout(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<StatusCode> {
    chat::sessions::sign_out(&state, &auth.token_digest).await?;
    Ok(StatusCode::NO_CONTENT)
}
