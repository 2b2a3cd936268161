//! Website accounts as their organization's staff manage them: settings, allowed
//! origins, and the origins that were refused (with a way to allow one).

use super::public_base;
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
use axum::http::HeaderMap;
use axum::http::StatusCode;
use axum::routing::{get, post};
use natter_protocol::{AccountList, AccountSettings, CreateAccount, IdentitySecret, UpdateAccount};

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list).post(create))
        .route(
            "/accounts/{account_id}",
            get(detail).patch(update).delete(delete),
        )
        .route(
            "/accounts/{account_id}/identity-secret",
            post(rotate_identity_secret),
        )
}

/// Makes the website a new identity secret (owners and admins): user hashes made with
/// the old one are refused from now on.
#[utoipa::path(post, path = "/api/v1/accounts/{account_id}/identity-secret", tag = "accounts",
    security(("staff" = [])),
    params(("account_id" = String, Path, description = "The website account")),
    responses(
        (status = 200, description = "The new secret", body = IdentitySecret),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn rotate_identity_secret(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(account_id): Path<String>,
) -> ApiResult<Json<IdentitySecret>> {
    Ok(Json(
        chat::identity::rotate_secret(&state, &auth, &account_id).await?,
    ))
}

/// The organization's website accounts.
#[utoipa::path(get, path = "/api/v1/accounts", tag = "accounts",
    security(("staff" = [])),
    responses(
        (status = 200, description = "Every website account of the caller's organization", body = AccountList),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
    headers: HeaderMap,
) -> ApiResult<Json<AccountList>> {
    let accounts = chat::websites::list(&state, &auth, &public_base(&state, &headers)).await?;
    Ok(Json(AccountList { accounts }))
}

/// Adds a website (owners and admins); its id is made from its name.
#[utoipa::path(post, path = "/api/v1/accounts", tag = "accounts",
    security(("staff" = [])),
    request_body = CreateAccount,
    responses(
        (status = 201, description = "The new website, with its embed snippet", body = AccountSettings),
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
    headers: HeaderMap,
    Json(body): Json<CreateAccount>,
) -> ApiResult<(StatusCode, Json<AccountSettings>)> {
    let base = public_base(&state, &headers);
    let created = chat::websites::create(&state, &auth, body, &base).await?;
    Ok((StatusCode::CREATED, Json(created)))
}

/// Deletes a website and all of its visitors and conversations (owners and admins).
#[utoipa::path(delete, path = "/api/v1/accounts/{account_id}", tag = "accounts",
    security(("staff" = [])),
    params(("account_id" = String, Path, description = "The website account")),
    responses(
        (status = 204, description = "Deleted, with its visitors and conversations"),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn delete(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(account_id): Path<String>,
) -> ApiResult<StatusCode> {
    chat::websites::delete(&state, &auth, &account_id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// One website account, with the origins it refused.
#[utoipa::path(get, path = "/api/v1/accounts/{account_id}", tag = "accounts",
    security(("staff" = [])),
    params(("account_id" = String, Path, description = "The website account")),
    responses(
        (status = 200, description = "The account's settings", body = AccountSettings),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(account_id): Path<String>,
    headers: HeaderMap,
) -> ApiResult<Json<AccountSettings>> {
    let base = public_base(&state, &headers);
    Ok(Json(
        chat::websites::get(&state, &auth, &account_id, &base).await?,
    ))
}

/// Changes a website account's settings (owners and admins).
#[utoipa::path(patch, path = "/api/v1/accounts/{account_id}", tag = "accounts",
    security(("staff" = [])),
    params(("account_id" = String, Path, description = "The website account")),
    request_body = UpdateAccount,
    responses(
        (status = 200, description = "The account's new settings", body = AccountSettings),
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
    Path(account_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<UpdateAccount>,
) -> ApiResult<Json<AccountSettings>> {
    let base = public_base(&state, &headers);
    let settings = chat::websites::update(&state, &auth, &account_id, body, &base).await?;
    Ok(Json(settings))
}
