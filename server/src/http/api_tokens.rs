//! API tokens: `/api-tokens` and `/api-tokens/{id}` (owners and admins).

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
use axum::http::StatusCode;
use axum::routing::{delete, get};
use natter_protocol::{ApiToken, ApiTokens, NewApiToken};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api-tokens", get(list).post(create))
        .route("/api-tokens/{id}", delete(revoke))
}

/// The organization's API tokens, newest first, with when each was last used.
#[utoipa::path(get, path = "/api/v1/api-tokens", tag = "integrations",
    security(("staff" = [])),
    responses(
        (status = 200, description = "The tokens (never the tokens themselves)", body = ApiTokens),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
) -> ApiResult<Json<ApiTokens>> {
    Ok(Json(ApiTokens {
        api_tokens: chat::api_tokens::list(&state, &auth).await?,
    }))
}

/// Makes a named token acting as a member with `role`; the answer holds the token
/// (`nk_…`), shown this once. Use it as `Authorization: Bearer nk_…`.
#[utoipa::path(post, path = "/api/v1/api-tokens", tag = "integrations",
    security(("staff" = [])),
    request_body = NewApiToken,
    responses(
        (status = 201, description = "Made, with the token", body = ApiToken),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn create(
    State(state): State<AppState>,
    auth: StaffAuth,
    Json(body): Json<NewApiToken>,
) -> ApiResult<(StatusCode, Json<ApiToken>)> {
    let token = chat::api_tokens::create(&state, &auth, body).await?;
    Ok((StatusCode::CREATED, Json(token)))
}

/// Revokes a token: it signs nothing in from now on.
#[utoipa::path(delete, path = "/api/v1/api-tokens/{id}", tag = "integrations",
    security(("staff" = [])),
    params(("id" = String, Path, description = "The token's id (not the token)")),
    responses(
        (status = 204, description = "Revoked"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn revoke(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(id): Path<String>,
) -> ApiResult<StatusCode> {
    chat::api_tokens::revoke(&state, &auth, &id).await?;
    Ok(StatusCode::NO_CONTENT)
}
