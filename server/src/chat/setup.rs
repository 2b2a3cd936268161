//! The first run: whoever holds the one-time token the server logged creates the
//! organization, its first website and its owner, who is signed in at once.

use super::sessions::open_session;
use crate::http::error::ApiResult;
use crate::setup::FirstOwner;
use crate::state::AppState;
use natter_protocol::{LoginResponse, SetupRequest};

/// Whether `token` opens the setup page (404 once anyone can sign in).
pub async fn admits(state: &AppState, token: &str) -> ApiResult<bool> {
    state.setup.admits(&state.store, token).await
}

/// Sets up, once, and signs the new owner in.
pub async fn complete(
    state: &AppState,
    request: SetupRequest,
) -> ApiResult<(FirstOwner, LoginResponse)> {
    let owner = state.setup.complete(&state.store, request).await?;
    let session = open_session(state, owner.staff.clone()).await?;
    Ok((owner, session))
}
