//! Internal notes on a conversation: staff of its organization only.

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
use axum::routing::get;
use natter_protocol::{Note, NoteList, PostMessage};

pub fn router() -> Router<AppState> {
    Router::new().route("/conversations/{conv_id}/notes", get(list).post(create))
}

/// Writes an internal note: staff see it in the thread, the visitor never. `@name`
/// mentions email that member (when email is on). The same `client_msg_id` again
/// answers the note stored before.
#[utoipa::path(post, path = "/api/v1/conversations/{conv_id}/notes", tag = "notes",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("staff" = [])),
    request_body = PostMessage,
    responses(
        (status = 201, description = "The note, stored", body = Note),
        (status = 200, description = "The note stored earlier under this `client_msg_id`", body = Note),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
    Json(body): Json<PostMessage>,
) -> ApiResult<(StatusCode, Json<Note>)> {
    let written = chat::notes::post(&state, &auth.staff, &conv_id, body).await?;
    let status = if written.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((status, Json(written.note)))
}

/// A conversation's internal notes, oldest first.
#[utoipa::path(get, path = "/api/v1/conversations/{conv_id}/notes", tag = "notes",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("staff" = [])),
    responses(
        (status = 200, description = "The notes", body = NoteList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
) -> ApiResult<Json<NoteList>> {
    let notes = chat::notes::list(&state, &auth.staff, &conv_id).await?;
    Ok(Json(NoteList { notes }))
}
