//! Website accounts as their organization's staff manage them: settings, allowed
//! origins, and the origins that were refused (with a way to allow one).

use crate::auth::{Permission, StaffAuth};
use crate::error::{ApiError, ApiResult, Json, Path};
use crate::openapi::{
    BadRequest, Forbidden, NotFound, PayloadTooLarge, Unauthorized, Unprocessable,
    UnsupportedMediaType,
};
use crate::state::AppState;
use crate::store::Account;
use axum::Router;
use axum::extract::State;
use axum::http::HeaderMap;
use axum::routing::get;
use natter_protocol::{AccountList, AccountSettings, UpdateAccount, WidgetTheme, validate};

/// Origins an account may list.
const MAX_ALLOWED_ORIGINS: usize = 100;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/accounts", get(list))
        .route("/accounts/{account_id}", get(detail).patch(update))
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
    state.refusals.flush(&state.store).await?;
    let mut accounts = Vec::new();
    for account in state.store.accounts(&auth.staff.org_id).await? {
        accounts.push(settings(&state, account, &headers).await?);
    }
    Ok(Json(AccountList { accounts }))
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
    let account = find(&state, &auth, &account_id).await?;
    state.refusals.flush(&state.store).await?;
    Ok(Json(settings(&state, account, &headers).await?))
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
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(account_id): Path<String>,
    headers: HeaderMap,
    Json(body): Json<serde_json::Map<String, serde_json::Value>>,
) -> ApiResult<Json<AccountSettings>> {
    // Read as an object first: serde would also take a struct of options from an array.
    let body: UpdateAccount =
        serde_json::from_value(serde_json::Value::Object(body)).map_err(|e| ApiError::Invalid {
            code: "invalid_body".into(),
            message: e.to_string(),
        })?;
    let mut account = find(&state, &auth, &account_id).await?;
    auth.require(Permission::ManageWebsites)?;
    if let Some(name) = body.name {
        account.name = validate::name(&name)?;
    }
    if let Some(greeting) = body.greeting {
        account.greeting = validate::greeting(&greeting)?;
    }
    if let Some(colour) = body.theme_color {
        account.theme_color = validate::theme_color(&colour)?;
    }
    if let Some(theme) = body.theme {
        account.theme = theme.as_str().to_owned();
    }
    if let Some(origins) = body.allowed_origins {
        account.allowed_origins = allowed_origins(&origins)?.join("\n");
    }
    state.store.update_account(&account).await?;
    // What is allowed now is no longer refused.
    state.refusals.flush(&state.store).await?;
    for refused in state
        .store
        .refused_origins(&account.org_id, &account.id)
        .await?
    {
        if crate::origin::allowed(account.origin_patterns(), &refused.origin) {
            state
                .store
                .forget_refused_origin(&account.org_id, &account.id, &refused.origin)
                .await?;
        }
    }
    Ok(Json(settings(&state, account, &headers).await?))
}

/// The caller's organization's account, else 404 (another org's looks the same as none).
async fn find(state: &AppState, auth: &StaffAuth, account_id: &str) -> ApiResult<Account> {
    state
        .store
        .account(&auth.staff.org_id, account_id)
        .await?
        .ok_or(ApiError::NotFound("website account"))
}

async fn settings(
    state: &AppState,
    account: Account,
    headers: &HeaderMap,
) -> ApiResult<AccountSettings> {
    let refused_origins = state
        .store
        .refused_origins(&account.org_id, &account.id)
        .await?;
    let snippet = crate::setup::snippet(
        &super::public_base(headers),
        &account.org_id,
        &account.id,
        Some(&account.theme_color),
    );
    Ok(AccountSettings {
        allowed_origins: account.origin_patterns().map(str::to_owned).collect(),
        id: account.id,
        org_id: account.org_id,
        name: account.name,
        greeting: account.greeting,
        theme_color: account.theme_color,
        theme: WidgetTheme::parse(&account.theme),
        refused_origins,
        snippet,
    })
}

/// A new list of allowed origins: each an origin or pattern (or `*`), at least one,
/// without repeats.
fn allowed_origins(origins: &[String]) -> Result<Vec<String>, validate::Invalid> {
    let invalid = |message: &str| validate::Invalid {
        field: "allowed_origins",
        message: message.to_owned(),
    };
    if origins.is_empty() {
        return Err(invalid("allowed_origins must list at least one origin"));
    }
    if origins.len() > MAX_ALLOWED_ORIGINS {
        return Err(invalid("allowed_origins may list at most 100 origins"));
    }
    let mut list: Vec<String> = Vec::with_capacity(origins.len());
    for origin in origins {
        if origin.chars().count() > validate::MAX_ORIGIN_CHARS {
            return Err(invalid("each origin must be at most 300 characters"));
        }
        let origin = if origin.trim() == "*" {
            "*".to_owned()
        } else {
            validate::origin(origin).map_err(|e| invalid(&e.message))?
        };
        if !list.contains(&origin) {
            list.push(origin);
        }
    }
    Ok(list)
}
