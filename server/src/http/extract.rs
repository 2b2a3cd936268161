//! The extractors every handler uses to learn who calls: the caller's IP, and the
//! principal behind the bearer token (resolved by the application layer).

use crate::auth::{Principal, StaffAuth, token_digest};
use crate::http::error::ApiError;
use crate::state::AppState;
use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use axum::http::request::Parts;
use std::net::{IpAddr, SocketAddr};

/// The client's IP: the peer address, or with `--trust-forwarded-for` the address
/// the (trusted) proxy in front saw, i.e. the right-most `X-Forwarded-For` entry
/// (the one that proxy appended). Earlier entries are the client's to write, so
/// they are never used: an unreadable last entry falls back to the peer address.
pub struct ClientIp(pub IpAddr);

/// An `X-Forwarded-For` entry as proxies write it: `1.2.3.4`, `1.2.3.4:5678`,
/// `2001:db8::1`, `[2001:db8::1]` or `[2001:db8::1]:443`.
fn forwarded_ip(entry: &str) -> Option<IpAddr> {
    let entry = entry.trim();
    entry
        .parse()
        .ok()
        .or_else(|| entry.parse::<SocketAddr>().ok().map(|a| a.ip()))
        .or_else(|| entry.strip_prefix('[')?.strip_suffix(']')?.parse().ok())
}

/// The right-most entry of the request's `X-Forwarded-For` headers.
fn last_forwarded(headers: &axum::http::HeaderMap) -> Option<IpAddr> {
    let last = headers.get_all("x-forwarded-for").iter().next_back()?;
    forwarded_ip(last.to_str().ok()?.rsplit(',').next()?)
}

impl FromRequestParts<AppState> for ClientIp {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        if state.settings.limits.trust_forwarded_for
            && let Some(ip) = last_forwarded(&parts.headers)
        {
            return Ok(Self(ip));
        }
        let peer = parts
            .extensions
            .get::<ConnectInfo<SocketAddr>>()
            .map(|c| c.0.ip());
        Ok(Self(peer.unwrap_or(IpAddr::from([0, 0, 0, 0]))))
    }
}

/// The bearer token of a request, if it has one.
pub fn bearer(headers: &HeaderMap) -> Result<&str, ApiError> {
    let value = headers.get(AUTHORIZATION).ok_or(ApiError::Unauthorized(
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

/// The caller when the request carries a token, `None` when it carries none.
pub async fn optional_caller(
    state: &AppState,
    headers: &HeaderMap,
) -> Result<Option<(Principal, String)>, ApiError> {
    if !headers.contains_key(AUTHORIZATION) {
        return Ok(None);
    }
    let token = bearer(headers)?;
    let principal = crate::chat::access::caller(state, token, headers)
        .await?
        .ok_or(INVALID_TOKEN)?;
    Ok(Some((principal, token.to_owned())))
}

const INVALID_TOKEN: ApiError =
    ApiError::Unauthorized("the token is invalid or has expired; sign in again");

impl FromRequestParts<AppState> for Principal {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        crate::chat::access::caller(state, token, &parts.headers)
            .await?
            .ok_or(INVALID_TOKEN)
    }
}

impl FromRequestParts<AppState> for StaffAuth {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let token = bearer(&parts.headers)?;
        // Under `nest`, `parts.uri` lost its prefix; the original keeps it.
        let path = parts
            .extensions
            .get::<axum::extract::OriginalUri>()
            .map_or_else(|| parts.uri.path(), |o| o.0.path());
        if crate::auth::is_api_token(token) && !crate::auth::api_token_may_call(path) {
            return Err(ApiError::Forbidden(
                "an API token cannot call this; sign in as a member",
            ));
        }
        match crate::chat::access::holder(state, token).await? {
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
    fn only_the_right_most_forwarded_entry_counts() {
        let cases: &[(&[&str], Option<[u8; 4]>)] = &[
            (&["9.9.9.9"], Some([9, 9, 9, 9])),
            (&["1.1.1.1, 9.9.9.9"], Some([9, 9, 9, 9])),
            (&["1.1.1.1", "9.9.9.9:4711"], Some([9, 9, 9, 9])),
            // The proxy's own entry is unreadable: never fall back to the client's.
            (&["1.1.1.1, garbage"], None),
            (&["1.1.1.1, "], None),
            (&["1.1.1.1:80, 9.9.9.9:443"], Some([9, 9, 9, 9])),
        ];
        for (values, expected) in cases {
            let mut headers = axum::http::HeaderMap::new();
            for v in *values {
                headers.append("x-forwarded-for", v.parse().unwrap());
            }
            assert_eq!(
                last_forwarded(&headers),
                expected.map(IpAddr::from),
                "{values:?}"
            );
        }
        let v6 = "2001:db8::1".parse::<IpAddr>().ok();
        for entry in ["2001:db8::1", "[2001:db8::1]", "[2001:db8::1]:443"] {
            assert_eq!(forwarded_ip(entry), v6, "{entry}");
        }
    }
}
