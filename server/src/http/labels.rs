//! Labels: `/labels`, `/labels/{name}` and a conversation's `/conversations/{conv_id}/labels`.

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json, JsonArray, Path};
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, put};
use natter_protocol::{ConversationDetail, Label, LabelList, NewLabel, UpdateLabel};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/labels", get(list).post(create))
        .route("/labels/{name}", patch(update).delete(remove))
        .route("/conversations/{conv_id}/labels", put(set))
}

/// The organization's labels with their colours, by name (every member).
#[utoipa::path(get, path = "/api/v1/labels", tag = "labels",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The labels", body = LabelList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<LabelList>> {
    Ok(Json(LabelList {
        labels: chat::labels::list(&state, &auth.staff).await?,
    }))
}

/// Adds a label (owners and admins); a name already used → 409.
#[utoipa::path(post, path = "/api/v1/labels", tag = "labels",
    security(("staff" = [])),
    request_body = NewLabel,
    responses(
        (status = 201, description = "Added", body = Label),
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
    Json(body): Json<NewLabel>,
) -> ApiResult<(StatusCode, Json<Label>)> {
    let label = chat::labels::create(&state, &auth, body).await?;
    Ok((StatusCode::CREATED, Json(label)))
}

/// Recolours a label (owners and admins).
#[utoipa::path(patch, path = "/api/v1/labels/{name}", tag = "labels",
    security(("staff" = [])),
    params(("name" = String, Path, description = "The label")),
    request_body = UpdateLabel,
    responses(
        (status = 200, description = "The label", body = Label),
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
    Path(name): Path<String>,
    Json(body): Json<UpdateLabel>,
) -> ApiResult<Json<Label>> {
    Ok(Json(
        chat::labels::update(&state, &auth, &name, body).await?,
    ))
}

/// Deletes a label and takes it off every conversation (owners and admins).
#[utoipa::path(delete, path = "/api/v1/labels/{name}", tag = "labels",
    security(("staff" = [])),
    params(("name" = String, Path, description = "The label")),
    responses(
        (status = 204, description = "Deleted"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(name): Path<String>,
) -> ApiResult<StatusCode> {
    chat::labels::delete(&state, &auth, &name).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Sets a conversation's labels, all of them (every member): `["billing", "vip"]`,
/// `[]` for none. A name the organization does not have yet is added to its list.
#[utoipa::path(put, path = "/api/v1/conversations/{conv_id}/labels", tag = "labels",
    security(("staff" = [])),
    params(("conv_id" = String, Path, description = "The conversation")),
    request_body(content = Vec<String>, description = "Label names"),
    responses(
        (status = 200, description = "The conversation", body = ConversationDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn set(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
    JsonArray(labels): JsonArray<Vec<String>>,
) -> ApiResult<Json<ConversationDetail>> {
    Ok(Json(
        chat::labels::set(&state, &auth.staff, &conv_id, labels).await?,
    ))
}
