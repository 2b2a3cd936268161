//! Staff sessions: signing in (with its per-address backoff) and out.

use crate::auth::{Principal, new_staff_token, token_digest, verify_password};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Lookup, StaffSession};
use natter_protocol::validate::{self, Invalid};
use natter_protocol::{LoginRequest, LoginResponse, StaffMember};
use std::net::IpAddr;

/// A staff member signs in from `ip` with an email and password.
pub async fn sign_in(
    state: &AppState,
    ip: IpAddr,
    request: LoginRequest,
) -> ApiResult<LoginResponse> {
    // Before any limiter: nothing an attacker sends sizes what is kept.
    if request.email.trim().chars().count() > validate::MAX_EMAIL_CHARS {
        return Err(Invalid {
            field: "email",
            message: format!(
                "email must be at most {} characters",
                validate::MAX_EMAIL_CHARS
            ),
        }
        .into());
    }
    let email = request.email.trim().to_lowercase();
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
    let password = request.password;
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
    open_session(state, credentials.staff).await
}

/// Ends a session (by its token's digest): it signs nothing in any more, and its open
/// sockets close, on every instance.
pub async fn sign_out(state: &AppState, token_digest: &str) -> ApiResult<()> {
    let store = state.store.clone();
    let digest = token_digest.to_owned();
    super::commit(state, async move {
        store.delete_session(&digest).await?;
        Ok(super::Committed {
            value: (),
            events: Vec::new(),
            ended_sessions: vec![digest],
        })
    })
    .await
}

/// The staff session behind `token`, read fresh, for a socket that must close when it
/// ends; `None` for a visitor token or an unknown or expired one.
pub async fn for_socket(state: &AppState, token: &str) -> ApiResult<Option<StaffSession>> {
    Ok(Principal::staff_session(&state.store, token).await?)
}

/// Whether the session with this token digest still signs anyone in (read fresh).
pub async fn is_live(state: &AppState, token_digest: &str) -> ApiResult<bool> {
    Ok(state
        .store
        .staff_by_session(token_digest, Lookup::Fresh)
        .await?
        .is_some())
}

/// Starts a session for `staff`: a new token, stored only as its digest.
pub async fn open_session(state: &AppState, staff: StaffMember) -> ApiResult<LoginResponse> {
    let token = new_staff_token();
    let ttl = i64::try_from(state.settings.session_ttl().as_millis()).unwrap_or(i64::MAX);
    let expires_at = crate::store::now_ms().saturating_add(ttl);
    state
        .store
        .create_session(&token_digest(&token), &staff.id, expires_at)
        .await?;
    Ok(LoginResponse {
        token,
        expires_at,
        staff,
    })
}
