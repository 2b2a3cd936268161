//! Canned replies: `/canned-responses` and `/canned-responses/{id}`.

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json, Path};
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch};
use natter_protocol::{CannedResponse, CannedResponses, NewCannedResponse, UpdateCannedResponse};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/canned-responses", get(list).post(create))
        .route("/canned-responses/{id}", patch(update).delete(remove))
}

/// The organization's canned replies, by shortcut (every member).
#[utoipa::path(get, path = "/api/v1/canned-responses", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The canned replies", body = CannedResponses),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<CannedResponses>> {
    Ok(Json(CannedResponses {
        canned_responses: chat::canned::list(&state, &auth).await?,
    }))
}

/// Adds a canned reply (owners and admins); a shortcut already used → 409.
#[utoipa::path(post, path = "/api/v1/canned-responses", tag = "team",
    security(("staff" = [])),
    request_body = NewCannedResponse,
    responses(
        (status = 201, description = "Added", body = CannedResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<NewCannedResponse>,
) -> ApiResult<(StatusCode, Json<CannedResponse>)> {
    let canned = chat::canned::create(&state, &auth, body).await?;
    Ok((StatusCode::CREATED, Json(canned)))
}

/// Changes a canned reply (owners and admins).
#[utoipa::path(patch, path = "/api/v1/canned-responses/{id}", tag = "team",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The canned reply")),
    request_body = UpdateCannedResponse,
    responses(
        (status = 200, description = "The canned reply", body = CannedResponse),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
    Json(body): Json<UpdateCannedResponse>,
) -> ApiResult<Json<CannedResponse>> {
    Ok(Json(chat::canned::update(&state, &auth, &id, body).await?))
}

/// Deletes a canned reply (owners and admins).
#[utoipa::path(delete, path = "/api/v1/canned-responses/{id}", tag = "team",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The canned reply")),
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
    chat::canned::delete(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
