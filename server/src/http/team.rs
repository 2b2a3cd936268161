//! The team and each member's own profile: `/staff`, `/invitations`, `/me`,
//! `/me/password`, `/me/availability`, `/me/notifications`.

use super::public_base;

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
use axum::http::{HeaderMap, StatusCode};
use axum::routing::{get, patch, post};
use natter_protocol::{
    AcceptInvitation, Availability, ChangePassword, CreateInvitation, Invitation, LoginResponse,
    NotificationSettings, StaffList, StaffMember, UpdateMe, UpdateStaff,
};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/staff", get(list))
        .route("/staff/{staff_id}", patch(update).delete(remove))
        .route("/invitations", post(invite))
        .route("/invitations/{code}/accept", post(accept))
        .route("/me", get(me).patch(update_me))
        .route("/me/password", post(change_password))
        .route("/me/availability", get(availability).put(set_availability))
        .route(
            "/me/notifications",
            get(notifications).put(set_notifications),
        )
        .route("/me/sessions", axum::routing::delete(end_other_sessions))
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

/// Invites someone to the team: a one-time link, valid for 7 days (owners and admins;
/// only an owner invites an owner).
#[utoipa::path(post, path = "/api/v1/invitations", tag = "team",
    security(("staff" = [])),
    request_body = CreateInvitation,
    responses(
        (status = 201, description = "The link to hand to the invitee", body = Invitation),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn invite(
    State(state): State<AppState>,
    auth: StaffAuth,
    headers: HeaderMap,
    Json(body): Json<CreateInvitation>,
) -> ApiResult<(StatusCode, Json<Invitation>)> {
    let base = public_base(&state, &headers);
    let invitation = chat::team::invite(&state, &auth, body, &base).await?;
    Ok((StatusCode::CREATED, Json(invitation)))
}

/// Joins the team with an invitation's code (once), and signs in.
#[utoipa::path(post, path = "/api/v1/invitations/{code}/accept", tag = "team",
    params(("code" = String, Path, description = "The code from the invitation link")),
    request_body = AcceptInvitation,
    responses(
        (status = 200, description = "The new member, signed in", body = LoginResponse),
        (status = 400, response = BadRequest),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 503, response = Busy),
    ))]
pub(crate) async fn accept(
    State(state): State<AppState>,
    Path(code): Path<String>,
    Json(body): Json<AcceptInvitation>,
) -> ApiResult<Json<LoginResponse>> {
    Ok(Json(chat::team::accept(&state, &code, body).await?))
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

/// Whether the signed-in member set themselves away.
#[utoipa::path(get, path = "/api/v1/me/availability", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The member's availability", body = Availability),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn availability(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<Availability>> {
    Ok(Json(chat::team::availability(&state, &auth).await?))
}

/// Sets the signed-in member away or back. Away, their open inbox does not count as
/// online: visitors see the team away (live) and email alerts go out.
#[utoipa::path(put, path = "/api/v1/me/availability", tag = "team",
    security(("staff" = [])),
    request_body = Availability,
    responses(
        (status = 200, description = "The member's availability", body = Availability),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn set_availability(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<Availability>,
) -> ApiResult<Json<Availability>> {
    Ok(Json(
        chat::team::set_availability(&state, &auth, body).await?,
    ))
}

/// Which alert emails reach the signed-in member.
#[utoipa::path(get, path = "/api/v1/me/notifications", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The member's alert emails", body = NotificationSettings),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn notifications(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(chat::team::notifications(&state, &auth).await?))
}

/// Chooses which alert emails reach the signed-in member (a new conversation nobody
/// answered; a visitor who wrote again and is waiting).
#[utoipa::path(put, path = "/api/v1/me/notifications", tag = "team",
    security(("staff" = [])),
    request_body = NotificationSettings,
    responses(
        (status = 200, description = "The member's alert emails", body = NotificationSettings),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn set_notifications(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<NotificationSettings>,
) -> ApiResult<Json<NotificationSettings>> {
    Ok(Json(
        chat::team::set_notifications(&state, &auth, body).await?,
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

/// Signs the member out of every other browser: their other sessions end and their
/// sockets close. (Signing out here too is `POST /auth/logout`.)
#[utoipa::path(delete, path = "/api/v1/me/sessions", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 204, description = "Every other session of this member ended"),
        (status = 401, response = Unauthorized),
    ))]
pub(crate) async fn end_other_sessions(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<StatusCode> {
    chat::team::end_other_sessions(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}
