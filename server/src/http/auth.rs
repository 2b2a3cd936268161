//! Staff sign-in and sign-out.

use crate::auth::{StaffAuth, open_session, verify_password};
use crate::error::{ApiError, ApiResult, Json};
use crate::limits::ClientIp;
use crate::openapi::{
    BadRequest, Busy, Forbidden, PayloadTooLarge, RateLimited, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use natter_protocol::validate::{self, Invalid};
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
    // Before any limiter: nothing an attacker sends sizes what is kept.
    if body.email.trim().chars().count() > validate::MAX_EMAIL_CHARS {
        return Err(Invalid {
            field: "email",
            message: format!(
                "email must be at most {} characters",
                validate::MAX_EMAIL_CHARS
            ),
        }
        .into());
    }
    let email = body.email.trim().to_lowercase();
    let limits = &state.settings.limits;
    state
        .limiter
        .check("login", &ip.to_string(), limits.rate_logins)
        .await?;
    // Failures count per (email, IP): others' wrong guesses never lock out the
    // owner of the address signing in from elsewhere.
    let pair = format!("{email}|{ip}");
    let failures = limits.rate_logins_per_email;
    state
        .limiter
        .refuse_if_locked("login_failures", &pair, failures)
        .await?;
    let found = state.store.staff_by_email(&email).await?;
    let password = body.password;
    let hash = found.as_ref().map(|c| c.password_hash.clone());
    // argon2 is deliberately slow and large: a few bounded threads run it.
    let ok = state
        .passwords
        .run(move || verify_password(&password, hash.as_deref()))
        .await?;
    let Some(credentials) = found.filter(|_| ok) else {
        state
            .limiter
            .record_failure("login_failures", &pair, failures)
            .await;
        return Err(ApiError::Unauthorized("wrong email or password"));
    };
    state.limiter.clear_failures("login_failures", &pair).await;
    Ok(Json(open_session(&state, credentials.staff).await?))
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
    state.store.delete_session(&auth.token_digest).await?;
    // Its open sockets close too, on every instance.
    state.hub.revoke_session(&auth.token_digest);
    Ok(StatusCode::NO_CONTENT)
}
