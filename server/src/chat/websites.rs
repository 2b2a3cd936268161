//! Website accounts: what a visitor's widget may do on a website, and the settings its
//! organization's owners and admins manage (allowed origins, colour, greeting, theme).

use crate::auth::{Permission, StaffAuth};
use crate::http::error::{ApiError, ApiResult};
use crate::state::AppState;
use crate::store::{Account, NewAccount, StoreError};
use axum::http::HeaderMap;
use natter_protocol::{
    AccountSettings, CreateAccount, UpdateAccount, WidgetConfig, WidgetPosition, WidgetTheme,
    validate,
};

/// Origins an account may list.
const MAX_ALLOWED_ORIGINS: usize = 100;

/// The website account, for a visitor's request: 404 if there is none, 403 (with the
/// origin recorded for its staff to see) if the request's `Origin` is not allowed.
pub async fn for_visitor(
    state: &AppState,
    org_id: &str,
    account_id: &str,
    headers: &HeaderMap,
) -> ApiResult<Account> {
    let account = any(state, org_id, account_id).await?;
    crate::origin::enforce(&account, headers, &state.refusals)?;
    Ok(account)
}

/// The website account, whoever asks (a socket upgrade checks the origin itself).
pub async fn any(state: &AppState, org_id: &str, account_id: &str) -> ApiResult<Account> {
    state
        .store
        .account(org_id, account_id)
        .await?
        .ok_or(ApiError::NotFound("website account"))
}

/// Whether a browser on `origin` may call the widget routes of this account (CORS).
pub async fn allows_origin(state: &AppState, org_id: &str, account_id: &str, origin: &str) -> bool {
    match state.store.account(org_id, account_id).await {
        Ok(Some(account)) => crate::origin::allowed(account.origin_patterns(), origin),
        _ => false,
    }
}

/// What the widget shows before a visitor is known.
pub async fn widget_config(state: &AppState, account: Account) -> ApiResult<WidgetConfig> {
    let team = state.store.team(&account.org_id).await?;
    let now = jiff::Timestamp::now();
    let (open_now, changes_at) = super::hours::status(
        &super::hours::from_column(account.business_hours.as_deref()),
        now,
    );
    Ok(WidgetConfig {
        open_now,
        open_changes_in_secs: changes_at
            .map(|at| u64::try_from(at.as_second() - now.as_second()).unwrap_or(0)),
        hide_when_closed: account.hide_when_closed != 0,
        email_transcripts: state.mailer.is_some(),
        staff_online: state.hub.has_staff_online(&account.org_id),
        team: team.names,
        reply_secs: team.reply_secs,
        org_id: account.org_id,
        account_id: account.id,
        name: account.name,
        greeting: account.greeting,
        theme_color: account.theme_color,
        theme: WidgetTheme::parse(&account.theme),
        position: WidgetPosition::parse(&account.position),
        require_identity: account.require_identity != 0,
        away_message: account.away_message,
    })
}

/// Every website account of the caller's organization. `base`: the server's public
/// address, for the embed snippet.
pub async fn list(
    state: &AppState,
    auth: &StaffAuth,
    base: &str,
) -> ApiResult<Vec<AccountSettings>> {
    state.refusals.flush(&state.store).await?;
    let mut accounts = Vec::new();
    for account in state.store.accounts(&auth.staff.org_id).await? {
        accounts.push(settings(state, account, base, auth).await?);
    }
    Ok(accounts)
}

/// One website account of the caller's organization, with the origins it refused.
pub async fn get(
    state: &AppState,
    auth: &StaffAuth,
    account_id: &str,
    base: &str,
) -> ApiResult<AccountSettings> {
    let account = find(state, auth, account_id).await?;
    state.refusals.flush(&state.store).await?;
    settings(state, account, base, auth).await
}

/// Changes a website account's settings (owners and admins).
pub async fn update(
    state: &AppState,
    auth: &StaffAuth,
    account_id: &str,
    body: UpdateAccount,
    base: &str,
) -> ApiResult<AccountSettings> {
    let mut account = find(state, auth, account_id).await?;
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
    if let Some(position) = body.position {
        account.position = position.as_str().to_owned();
    }
    if let Some(message) = body.away_message {
        account.away_message = validate::away_message(&message)?;
    }
    if let Some(hours) = body.business_hours {
        account.business_hours = super::hours::to_column(&super::hours::validate(hours)?);
    }
    if let Some(hide) = body.hide_when_closed {
        account.hide_when_closed = i64::from(hide);
    }
    if let Some(auto) = body.auto_assign {
        account.auto_assign = i64::from(auto);
    }
    if let Some(require) = body.require_identity {
        if require && account.identity_secret.is_none() {
            return Err(ApiError::Conflict {
                code: natter_protocol::error_code::NO_IDENTITY_SECRET,
                message: "make an identity secret first: without one no visitor could chat".into(),
            });
        }
        account.require_identity = i64::from(require);
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
    settings(state, account, base, auth).await
}

/// A new website of the caller's organization (owners and admins), its id made from
/// its name (`-2`, `-3`… when taken).
pub async fn create(
    state: &AppState,
    auth: &StaffAuth,
    body: CreateAccount,
    base: &str,
) -> ApiResult<AccountSettings> {
    auth.require(Permission::ManageWebsites)?;
    let name = validate::name(&body.name)?;
    let greeting = match body.greeting {
        Some(greeting) => validate::greeting(&greeting)?,
        None => crate::setup::DEFAULT_GREETING.to_owned(),
    };
    let theme_color = match body.theme_color {
        Some(colour) => validate::theme_color(&colour)?,
        None => crate::setup::DEFAULT_COLOR.to_owned(),
    };
    let origins = allowed_origins(&body.allowed_origins)?;
    let org_id = &auth.staff.org_id;
    let base_id = crate::setup::slug(&name, "website");
    for n in 1..=MAX_ID_TRIES {
        let id = if n == 1 {
            base_id.clone()
        } else {
            format!("{base_id}-{n}")
        };
        let account = NewAccount {
            org_id,
            id: &id,
            name: &name,
            greeting: &greeting,
            theme_color: &theme_color,
            allowed_origins: &origins,
        };
        match state.store.create_account(account).await {
            Ok(()) => {}
            Err(StoreError::AlreadyExists(_)) => continue,
            Err(e) => return Err(e.into()),
        }
        let mut account = find(state, auth, &id).await?;
        if let Some(theme) = body.theme {
            account.theme = theme.as_str().to_owned();
            state.store.update_account(&account).await?;
        }
        return settings(state, account, base, auth).await;
    }
    Err(ApiError::Conflict {
        code: natter_protocol::error_code::ALREADY_EXISTS,
        message: format!("websites named {name:?} exist already: choose another name"),
    })
}

/// Deletes a website of the caller's organization and everything of it (owners and
/// admins). Its widgets stop at their next request.
pub async fn delete(state: &AppState, auth: &StaffAuth, account_id: &str) -> ApiResult<()> {
    find(state, auth, account_id).await?;
    auth.require(Permission::ManageWebsites)?;
    if !state
        .store
        .delete_account(&auth.staff.org_id, account_id)
        .await?
    {
        return Err(ApiError::NotFound("website account"));
    }
    Ok(())
}

/// Ids tried for a new website before giving up.
const MAX_ID_TRIES: usize = 20;

/// The caller's organization's account, else 404 (another org's looks the same as none).
pub(crate) async fn find(
    state: &AppState,
    auth: &StaffAuth,
    account_id: &str,
) -> ApiResult<Account> {
    state
        .store
        .account(&auth.staff.org_id, account_id)
        .await?
        .ok_or(ApiError::NotFound("website account"))
}

/// What staff see of a website; the identity secret only for those who manage it.
async fn settings(
    state: &AppState,
    account: Account,
    base: &str,
    auth: &StaffAuth,
) -> ApiResult<AccountSettings> {
    let refused_origins = state
        .store
        .refused_origins(&account.org_id, &account.id)
        .await?;
    let snippet = crate::setup::snippet(
        base,
        &account.org_id,
        &account.id,
        Some(&account.theme_color),
        account.position == WidgetPosition::Left.as_str(),
    );
    Ok(AccountSettings {
        allowed_origins: account.origin_patterns().map(str::to_owned).collect(),
        id: account.id,
        org_id: account.org_id,
        name: account.name,
        greeting: account.greeting,
        theme_color: account.theme_color,
        theme: WidgetTheme::parse(&account.theme),
        position: WidgetPosition::parse(&account.position),
        require_identity: account.require_identity != 0,
        away_message: account.away_message,
        business_hours: super::hours::from_column(account.business_hours.as_deref()),
        hide_when_closed: account.hide_when_closed != 0,
        auto_assign: account.auto_assign != 0,
        identity_secret: account
            .identity_secret
            .filter(|_| auth.require(Permission::ManageWebsites).is_ok()),
        refused_origins,
        snippet,
    })
}

/// A new list of allowed origins: each an origin or pattern (or `*`), at least one,
/// without repeats.
pub(crate) fn allowed_origins(origins: &[String]) -> Result<Vec<String>, validate::Invalid> {
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
