//! The team and each member's own profile: `/staff`, `/me`, `/me/password`.

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json, Path};
use crate::http::responses::{
    BadRequest, Busy, Conflict, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, patch, post};
use natter_protocol::{ChangePassword, StaffList, StaffMember, UpdateMe, UpdateStaff};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list))
        .route("/staff/{staff_id}", patch(update).delete(remove))
        .route("/me", get(me).patch(update_me))
        .route("/me/password", post(change_password))
}

/// The members of the caller's organization, oldest first.
#[utoipa::path(get, path = "/api/v1/staff", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Every member, with their role", body = StaffList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<StaffList>> {
    let staff = chat::team::list(&state, &auth).await?;
    Ok(Json(StaffList { staff }))
}

/// Changes a member's role: owners and admins; only an owner makes, changes or
/// removes an owner, and one owner always remains (409 `last_owner`).
#[utoipa::path(patch, path = "/api/v1/staff/{staff_id}", tag = "team",
    security(("staff" = [])),
    params(("staff_id" = String, Path, description = "The member")),
    request_body = UpdateStaff,
    responses(
        (status = 200, description = "The member with the new role", body = StaffMember),
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
    Path(staff_id): Path<String>,
    Json(body): Json<UpdateStaff>,
) -> ApiResult<Json<StaffMember>> {
    Ok(Json(
        chat::team::set_role(&state, &auth, &staff_id, body.role).await?,
    ))
}

/// Removes a member: their sessions end and their open inboxes close at once.
#[utoipa::path(delete, path = "/api/v1/staff/{staff_id}", tag = "team",
    security(("staff" = [])),
    params(("staff_id" = String, Path, description = "The member")),
    responses(
        (status = 204, description = "Removed"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
    ))]
pub(crate) async fn remove(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(staff_id): Path<String>,
) -> ApiResult<StatusCode> {
    chat::team::remove(&state, &auth, &staff_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The signed-in member.
#[utoipa::path(get, path = "/api/v1/me", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Who the token is for", body = StaffMember),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn me(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<StaffMember>> {
    Ok(Json(chat::team::me(&state, &auth).await?))
}

/// Renames the signed-in member.
#[utoipa::path(patch, path = "/api/v1/me", tag = "team",
    security(("staff" = [])),
    request_body = UpdateMe,
    responses(
        (status = 200, description = "The member renamed", body = StaffMember),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn update_me(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<UpdateMe>,
) -> ApiResult<Json<StaffMember>> {
    Ok(Json(
        chat::team::rename_me(&state, &auth, &body.name).await?,
    ))
}

/// Changes the signed-in member's password; their other sessions end.
#[utoipa::path(post, path = "/api/v1/me/password", tag = "team",
    security(("staff" = [])),
    request_body = ChangePassword,
    responses(
        (status = 204, description = "Changed; every other session of this member ended"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = Busy),
    ))]
pub(crate) async fn change_password(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<ChangePassword>,
) -> ApiResult<StatusCode> {
    chat::team::change_password(&state, &auth, body).await?;
    Ok(StatusCode::NO_CONTENT)
}
