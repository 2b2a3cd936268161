//! Tokens, passwords and the authenticated principal.
//!
//! Tokens are 256 random bits, handed out once and stored only as their SHA-256,
//! so a database leak yields no usable token; lookups are by digest, which leaks
//! nothing usable through timing. Passwords are hashed with argon2id.

use crate::error::ApiError;
use crate::state::AppState;
use crate::store::{ConversationOwner, Lookup, Store, StoreResult, VisitorIdentity};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use axum::extract::FromRequestParts;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use base64::Engine;
use natter_protocol::{LoginResponse, StaffMember};
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const VISITOR_PREFIX: &str = "nv_";
const STAFF_PREFIX: &str = "ns_";

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn new_visitor_token() -> String {
    random_token(VISITOR_PREFIX)
}

pub fn new_staff_token() -> String {
    random_token(STAFF_PREFIX)
}

/// The digest under which a token is stored.
pub fn token_digest(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// Starts a session for `staff`: a new token, stored only as its digest.
pub async fn open_session(state: &AppState, staff: StaffMember) -> StoreResult<LoginResponse> {
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

/// A hash to verify against when the email is unknown, so both paths cost the same.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("natter-dummy").unwrap_or_default());

/// Verifies `password` against `hash`, or against a dummy hash when there is none.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    Argon2::default()
        .verify_password(password.as_bytes(), &parsed)
        .is_ok()
        && real
}

/// Who a request or socket speaks for.
#[derive(Clone, Debug)]
pub enum Principal {
    Visitor(VisitorIdentity),
    Staff(StaffMember),
}

impl Principal {
    /// Resolves a token of either kind; `None` when unknown or expired.
    pub async fn from_token(
        store: &Store,
        token: &str,
        lookup: Lookup,
    ) -> StoreResult<Option<Self>> {
        let digest = token_digest(token);
        if token.starts_with(STAFF_PREFIX) {
            Ok(store
                .staff_by_session(&digest, lookup)
                .await?
                .map(Self::Staff))
        } else if token.starts_with(VISITOR_PREFIX) {
            Ok(store
                .visitor_by_token(&digest, lookup)
                .await?
                .map(Self::Visitor))
        } else {
            Ok(None)
        }
    }

    /// A visitor sees its own conversations; staff see their organization's.
    pub fn can_access(&self, conversation: &ConversationOwner) -> bool {
        match self {
            Self::Visitor(v) => v.id == conversation.visitor_id,
            Self::Staff(s) => s.org_id == conversation.org_id,
        }
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(parts: &Parts) -> Result<&str, ApiError> {
    let value = parts
        .headers
        .get(AUTHORIZATION)
        .ok_or(ApiError::Unauthorized(
            "missing Authorization: Bearer token",
        ))?;
    value
        .to_str()
        .ok()
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or(ApiError::Unauthorized(
            "the Authorization header must be: Bearer <token>",
        ))
}

const INVALID_TOKEN: ApiError =
    ApiError::Unauthorized("the token is invalid or has expired; sign in again");

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        let principal = Principal::from_token(&state.store, token, Lookup::Cached)
            .await?
            .ok_or(INVALID_TOKEN)?;
        // A visitor's browser may only call from its website account's origins.
        if let Principal::Visitor(v) = &principal
            && let Some(account) = state.store.account(&v.org_id, &v.account_id).await?
        {
            crate::origin::enforce(&account, &parts.headers, &state.refusals)?;
        }
        Ok(principal)
    }
}

/// An authenticated staff member (and the digest of the session token used).
pub struct StaffAuth {
    pub staff: StaffMember,
    pub token_digest: String,
}

impl FromRequestParts<AppState> for StaffAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(parts)?;
        match Principal::from_token(&state.store, token, Lookup::Cached).await? {
            Some(Principal::Staff(staff)) => Ok(Self {
                staff,
                token_digest: token_digest(token),
            }),
            Some(Principal::Visitor(_)) => {
                Err(ApiError::Forbidden("this endpoint is for staff only"))
            }
            None => Err(INVALID_TOKEN),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_digested() {
        let a = new_visitor_token();
        let b = new_visitor_token();
        assert!(a.starts_with("nv_") && a.len() > 40);
        assert_ne!(a, b);
        assert!(new_staff_token().starts_with("ns_"));
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), token_digest(&b));
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", Some(&hash)));
        assert!(!verify_password("wrong", Some(&hash)));
        assert!(!verify_password("natter-dummy", None));
    }
}
