//! The first run of a new install. A server that starts on a database with nobody in it
//! (and without `--demo`) logs a one-time setup URL; whoever can read the server's log
//! opens it and creates the organization, its owner and its first website. The token is
//! random, kept only as its digest in this process, and dies with its first use; once
//! anyone can sign in, setup is gone for good (404 for the page, 409 for the API).

use crate::auth::{hash_password, token_digest};
use crate::http::error::{ApiError, ApiResult};
use crate::store::{NewAccount, NewStaff, Store};
use natter_protocol::error_code;
use natter_protocol::{SetupRequest, StaffMember, validate};
use rand::RngCore;
use tokio::sync::Mutex;

/// The role of the first member: everything, including other owners.
pub const OWNER_ROLE: &str = "owner";
pub(crate) const DEFAULT_GREETING: &str = "Hi! How can we help?";
pub(crate) const DEFAULT_COLOR: &str = "#4f46e5";

/// Whether setup is still possible, and with which token.
pub struct SetupGate {
    /// The token's digest while setup is open; also serializes setups.
    token_digest: Mutex<Option<String>>,
}

/// What a completed setup created.
pub struct FirstOwner {
    pub staff: StaffMember,
    pub org_id: String,
    pub account_id: String,
}

impl SetupGate {
    /// Opens the gate when nobody can sign in yet; returns the token to log.
    pub async fn for_store(store: &Store, demo: bool) -> Result<(Self, Option<String>), ApiError> {
        if demo || store.has_staff().await? {
            return Ok((Self::closed(), None));
        }
        // Hex, unlike session tokens: it is meant to be read from the log.
        let mut bytes = [0u8; 32];
        rand::rngs::OsRng.fill_bytes(&mut bytes);
        let token: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
        let gate = Self {
            token_digest: Mutex::new(Some(token_digest(&token))),
        };
        Ok((gate, Some(token)))
    }

    pub fn closed() -> Self {
        Self {
            token_digest: Mutex::new(None),
        }
    }

    /// Whether `token` opens the setup page now.
    pub async fn admits(&self, store: &Store, token: &str) -> ApiResult<bool> {
        let mut open = self.token_digest.lock().await;
        if open.is_none() || self.close_if_done(store, &mut open).await? {
            return Err(ApiError::NotFound("page"));
        }
        Ok(open.as_deref() == Some(token_digest(token).as_str()))
    }

    /// Creates the organization, its first website and its owner, once.
    pub async fn complete(&self, store: &Store, request: SetupRequest) -> ApiResult<FirstOwner> {
        let mut open = self.token_digest.lock().await;
        if open.is_none() || self.close_if_done(store, &mut open).await? {
            return Err(already_set_up());
        }
        if open.as_deref() != Some(token_digest(&request.token).as_str()) {
            return Err(ApiError::Forbidden(
                "this setup token is not valid: use the setup URL the server printed in its log",
            ));
        }
        let organization = validate::name(&request.organization).map_err(|mut e| {
            e.field = "organization";
            e.message = e.message.replacen("name", "organization", 1);
            e
        })?;
        let name = validate::name(&request.name)?;
        let email = validate::email(&request.email)?;
        let password = validate::password(&request.password)?;
        let website = validate::name(&request.website.name).map_err(|mut e| {
            e.field = "website_name";
            e.message = e.message.replacen("name", "website name", 1);
            e
        })?;
        let origin = validate::origin(&request.website.origin)?;
        let hash = tokio::task::spawn_blocking(move || hash_password(&password))
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?
            .map_err(ApiError::Internal)?;
        let mut org_id = slug(&organization, "org");
        if store.org_exists(&org_id).await? {
            let mut suffix = [0u8; 3];
            rand::rngs::OsRng.fill_bytes(&mut suffix);
            org_id = format!(
                "{org_id}-{:02x}{:02x}{:02x}",
                suffix[0], suffix[1], suffix[2]
            );
        }
        let account_id = slug(&website, "website");
        let origins = [origin];
        let staff = store
            .create_first_owner(
                &organization,
                NewAccount {
                    org_id: &org_id,
                    id: &account_id,
                    name: &website,
                    greeting: DEFAULT_GREETING,
                    theme_color: DEFAULT_COLOR,
                    allowed_origins: &origins,
                },
                NewStaff {
                    org_id: &org_id,
                    email: &email,
                    name: &name,
                    role: OWNER_ROLE,
                    password_hash: &hash,
                },
            )
            .await?;
        *open = None;
        tracing::info!(org = %org_id, account = %account_id, "first run complete: setup is closed");
        Ok(FirstOwner {
            staff,
            org_id,
            account_id,
        })
    }

    /// Another instance (or `natter admin`) may have created staff since this one started.
    async fn close_if_done(&self, store: &Store, open: &mut Option<String>) -> ApiResult<bool> {
        if store.has_staff().await? {
            *open = None;
            return Ok(true);
        }
        Ok(false)
    }
}

fn already_set_up() -> ApiError {
    ApiError::Conflict {
        code: error_code::ALREADY_SET_UP,
        message: "this server is already set up: sign in at /inbox/".into(),
    }
}

/// The embed snippet for a website account, served from `base` (e.g. `https://chat.shop.example`),
/// with the account's colour when it has one and a left-hand launcher, so the launcher
/// has them from the first paint.
pub fn snippet(
    base: &str,
    org_id: &str,
    account_id: &str,
    color: Option<&str>,
    left: bool,
) -> String {
    let color = color
        .filter(|c| {
            c.len() == 7 && c.starts_with('#') && c[1..].bytes().all(|b| b.is_ascii_hexdigit())
        })
        .map(|c| format!(" data-color=\"{c}\""))
        .unwrap_or_default();
    let position = if left { " data-position=\"left\"" } else { "" };
    format!(
        "<script src=\"{base}/embed.js\" data-org=\"{org_id}\" data-account=\"{account_id}\"{color}{position} async></script>"
    )
}

/// An id made from a name: `Acme Shop!` → `acme-shop`.
pub(crate) fn slug(name: &str, fallback: &str) -> String {
    let mut slug = String::new();
    for c in name.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
        if slug.len() >= 40 {
            break;
        }
    }
    let slug = slug.trim_end_matches('-');
    if slug.is_empty() {
        fallback.to_owned()
    } else {
        slug.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::slug;

    #[test]
    fn slugs_from_names() {
        for (name, expected) in [
            ("Acme Shop", "acme-shop"),
            ("  Acme -- Shop!  ", "acme-shop"),
            ("Cà phê Sữa", "c-ph-s-a"),
            ("日本", "org"),
            ("", "org"),
        ] {
            assert_eq!(slug(name, "org"), expected, "{name}");
        }
        assert!(slug(&"a".repeat(100), "org").len() <= 40);
    }
}
