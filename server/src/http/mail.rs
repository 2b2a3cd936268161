//! Email settings: `/mail` (is it on), `/mail/test` (a test email to oneself) and
//! `/mail/failures` (what could not be sent).

use crate::auth::StaffAuth;
use crate::chat;
use crate::http::error::{ApiResult, Json};
use crate::http::responses::{BadGateway, Conflict, Forbidden, Unauthorized};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use natter_protocol::{MailFailures, MailStatus};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/mail", get(status))
        .route("/mail/test", post(test))
        .route("/mail/failures", get(failures))
}

/// Whether this server sends email (owners and admins).
#[utoipa::path(get, path = "/api/v1/mail", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Whether email is on, and its sender", body = MailStatus),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn status(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<MailStatus>> {
    Ok(Json(chat::email::status(&state, &auth)?))
}

/// Sends a test email to the caller's own address (owners and admins); a failure
/// answers with the SMTP server's own words.
#[utoipa::path(post, path = "/api/v1/mail/test", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 204, description = "The SMTP server took the email"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 409, response = Conflict),
        (status = 502, response = BadGateway),
    ))]
pub(crate) async fn test(State(state): State<AppState>, auth: StaffAuth) -> ApiResult<StatusCode> {
    chat::email::send_test(&state, &auth).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The organization's emails that could not be sent, newest first (owners and admins):
/// retried with a growing delay for about a day, then given up.
#[utoipa::path(get, path = "/api/v1/mail/failures", tag = "team",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Failed emails, with the SMTP server's last answer", body = MailFailures),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn failures(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<MailFailures>> {
    Ok(Json(chat::email::failures(&state, &auth).await?))
}
