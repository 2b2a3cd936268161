//! A visitor's data rights: `/visitors/{visitor_id}/export`, erasing
//! `/visitors/{visitor_id}`, and the organization's `/retention`.

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
use axum::http::{StatusCode, header};
use axum::response::IntoResponse;
use axum::routing::{delete, get};
use natter_protocol::{Retention, VisitorExport};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/visitors/{visitor_id}/export", get(export))
        .route("/visitors/{visitor_id}", delete(erase))
        .route("/retention", get(retention).put(set_retention))
}

/// How long the organization keeps a conversation after its last activity (every member).
#[utoipa::path(get, path = "/api/v1/retention", tag = "visitors",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The retention", body = Retention),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn retention(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<Retention>> {
    Ok(Json(chat::privacy::retention(&state, &auth).await?))
}

/// Sets how long conversations are kept after their last activity (owners and admins):
/// a background job deletes older ones, within the hour, with their messages, notes and
/// visitors left with none. `null` keeps them for ever.
#[utoipa::path(put, path = "/api/v1/retention", tag = "visitors",
    security(("staff" = [])),
    request_body = Retention,
    responses(
        (status = 200, description = "Stored", body = Retention),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn set_retention(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<Retention>,
) -> ApiResult<Json<Retention>> {
    Ok(Json(
        chat::privacy::set_retention(&state, &auth, body).await?,
    ))
}

/// Everything stored about a visitor, as a JSON file (owners and admins): who they are
/// and every conversation with every message. Internal notes are left out.
#[utoipa::path(get, path = "/api/v1/visitors/{visitor_id}/export", tag = "visitors",
    params(("visitor_id" = String, Path, description = "The visitor")),
    security(("staff" = [])),
    responses(
        (status = 200, description = "The visitor's data", body = VisitorExport),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn export(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(visitor_id): Path<String>,
) -> ApiResult<impl IntoResponse> {
    let export = chat::privacy::export(&state, &auth, &visitor_id).await?;
    let disposition = format!(
        "attachment; filename=\"visitor-{}.json\"",
        export.visitor.id
    );
    Ok(([(header::CONTENT_DISPOSITION, disposition)], Json(export)))
}

/// Erases a visitor and everything of theirs, for good (owners and admins): their
/// details, conversations, messages and notes, from storage and the search index.
/// Their open chat is told and starts afresh.
#[utoipa::path(delete, path = "/api/v1/visitors/{visitor_id}", tag = "visitors",
    params(("visitor_id" = String, Path, description = "The visitor")),
    security(("staff" = [])),
    responses(
        (status = 204, description = "Erased"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn erase(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(visitor_id): Path<String>,
) -> ApiResult<StatusCode> {
    chat::privacy::erase(&state, &auth, &visitor_id).await?;
    Ok(StatusCode::NO_CONTENT)
}
