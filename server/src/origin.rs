//! Origin allow-lists: patterns like `https://shop.example`, `http://localhost:*`
//! (any port), `https://*.example.com` (any subdomain) or `*` (anywhere).

use crate::http::error::ApiError;
use crate::store::{Account, Store, StoreResult, now_ms};
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;
use tokio::sync::watch;

/// An origin or pattern, parsed as a URL: scheme, host and port, nothing else.
struct Parts {
    scheme: String,
    host: String,
    /// `None`: any port (a pattern's `:*`).
    port: Option<u16>,
    /// A pattern's `*.`: any subdomain of `host`.
    any_subdomain: bool,
}

/// Parses `value` strictly: an `http`/`https` URL with a host, an optional port, no
/// user info, path, query or fragment (`http://localhost:3000@evil.com` is a user
/// `localhost` at `evil.com`, and is refused). Patterns may use `*.` and `:*`.
fn parts(value: &str, pattern: bool) -> Option<Parts> {
    let (mut rest, mut port_any, mut any_subdomain) = (value.to_owned(), false, false);
    if pattern {
        if let Some(stripped) = rest.strip_suffix(":*") {
            rest = stripped.to_owned();
            port_any = true;
        }
        if let Some((scheme, host)) = rest.split_once("://*.") {
            rest = format!("{scheme}://{host}");
            any_subdomain = true;
        }
    }
    let url = url::Url::parse(&rest).ok()?;
    let bare = url.username().is_empty()
        && url.password().is_none()
        && url.path() == "/"
        && url.query().is_none()
        && url.fragment().is_none()
        // The URL parser drops an empty `?` or `#` and reads `\` as `/`: none may appear.
        && !rest.contains(['?', '#', '\\', '@'])
        && rest.split_once("://").is_some_and(|(_, r)| !r.contains('/'));
    let scheme = url.scheme();
    if !bare || !matches!(scheme, "http" | "https") {
        return None;
    }
    Some(Parts {
        scheme: scheme.to_owned(),
        host: url.host_str()?.to_owned(),
        port: if port_any {
            None
        } else {
            Some(url.port_or_known_default()?)
        },
        any_subdomain,
    })
}

/// Whether `origin` (an `Origin` header value) matches `pattern`.
pub fn matches(pattern: &str, origin: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some(p), Some(o)) = (parts(pattern, true), parts(origin, false)) else {
        return false;
    };
    let host_ok = if p.any_subdomain {
        o.host.len() > p.host.len() + 1
            && o.host.ends_with(&p.host)
            && o.host[..o.host.len() - p.host.len()].ends_with('.')
    } else {
        p.host == o.host
    };
    p.scheme == o.scheme && host_ok && p.port.is_none_or(|port| Some(port) == o.port)
}

/// Whether `origin` is this server's own, as the request reached it (its `Host`): the
/// server's own pages (the inbox, the chat pages of `/c/` and `/chat/`).
pub fn is_own(origin: &str, headers: &HeaderMap) -> bool {
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or_default();
    let authority = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    !host.is_empty() && authority.is_some_and(|a| a.eq_ignore_ascii_case(host))
}

/// Whether a browser on `origin` may use `account`'s chat: one of its allowed
/// origins, or the server's own chat pages.
pub fn permits(account: &Account, origin: &str, headers: &HeaderMap) -> bool {
    allowed(account.origin_patterns(), origin) || is_own(origin, headers)
}

/// Refuses a browser request whose `Origin` the account does not allow, and notes the
/// refusal for the account's owner. Requests without an `Origin` (servers, scripts) are
/// not a browser page's: they pass.
pub fn enforce(
    account: &Account,
    headers: &HeaderMap,
    refusals: &Refusals,
) -> Result<(), ApiError> {
    match headers.get(ORIGIN).map(|o| o.to_str().unwrap_or_default()) {
        Some(origin) if !permits(account, origin, headers) => {
            refusals.record(account, origin);
            Err(ApiError::Forbidden(
                "this website is not allowed to use this chat; add its origin to the account",
            ))
        }
        _ => Ok(()),
    }
}

/// Whether `origin` matches any of `patterns`.
pub fn allowed<'a>(mut patterns: impl Iterator<Item = &'a str>, origin: &str) -> bool {
    patterns.any(|p| matches(p, origin))
}

/// Longest origin worth remembering; anything longer is not a real site's.
const MAX_ORIGIN_LEN: usize = 255;
/// Distinct refusals held between flushes; beyond it, new ones are dropped (a flood of
/// made-up origins must not cost memory).
const MAX_PENDING: usize = 10_000;

type RefusalKey = (String, String, String);

/// Refused origins per website account, counted in memory and folded into the store
/// every second (and before they are read), so a refused page costs no write of its own.
#[derive(Default)]
pub struct Refusals {
    pending: Mutex<HashMap<RefusalKey, (u64, i64)>>,
}

impl Refusals {
    pub fn record(&self, account: &Account, origin: &str) {
        if origin.is_empty() || origin.len() > MAX_ORIGIN_LEN {
            return;
        }
        let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
        let key = (
            account.org_id.clone(),
            account.id.clone(),
            origin.to_owned(),
        );
        if pending.len() >= MAX_PENDING && !pending.contains_key(&key) {
            return;
        }
        let entry = pending.entry(key).or_insert((0, 0));
        entry.0 += 1;
        entry.1 = now_ms();
    }

    /// Writes what was counted since the last flush.
    pub async fn flush(&self, store: &Store) -> StoreResult<()> {
        let batch: Vec<_> = {
            let mut pending = self.pending.lock().unwrap_or_else(PoisonError::into_inner);
            pending.drain().collect()
        };
        for ((org_id, account_id, origin), (count, last_seen_at)) in batch {
            store
                .record_refused_origin(&org_id, &account_id, &origin, count, last_seen_at)
                .await?;
        }
        Ok(())
    }

    /// Flushes every second until the server shuts down.
    pub fn spawn_flusher(self: &Arc<Self>, store: Store, mut shutdown: watch::Receiver<bool>) {
        let refusals = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tokio::select! {
                    _ = tick.tick() => {}
                    _ = shutdown.wait_for(|stop| *stop) => break,
                }
                let Some(refusals) = refusals.upgrade() else {
                    break;
                };
                if let Err(e) = refusals.flush(&store).await {
                    tracing::warn!(error = %e, "could not record refused origins");
                }
            }
        });
    }
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn exact_wildcard_port_and_subdomain_patterns() {
        assert!(matches("https://shop.example", "https://shop.example"));
        assert!(matches("https://shop.example", "https://shop.example:443"));
        assert!(!matches("https://shop.example", "http://shop.example"));
        assert!(!matches(
            "https://shop.example",
            "https://shop.example.evil.com"
        ));
        assert!(matches("http://localhost:*", "http://localhost:5173"));
        assert!(matches("http://localhost:*", "http://localhost"));
        assert!(!matches(
            "http://localhost:*",
            "http://localhost.evil.com:80"
        ));
        assert!(matches("https://*.example.com", "https://a.example.com"));
        assert!(!matches("https://*.example.com", "https://example.com"));
        assert!(!matches("https://*.example.com", "https://badexample.com"));
        assert!(matches("*", "null"));
        assert!(!matches("http://127.0.0.1:*", "null"));
    }

    #[test]
    fn only_a_bare_origin_matches() {
        let refused = [
            "http://localhost:3000@evil.com",
            "http://localhost@evil.com",
            "http://user:pw@localhost:3000",
            "http://localhost:3000/",
            "http://localhost:3000/path",
            "http://localhost:3000?x",
            "http://localhost:3000#x",
            "http://localhost:3000\\@evil.com",
            "http://localhost:99999",
            "http://localhost:30x0",
            "ftp://localhost:21",
            "localhost:3000",
            "http://",
        ];
        for origin in refused {
            assert!(!matches("http://localhost:*", origin), "{origin}");
        }
        assert!(matches("http://localhost:*", "http://localhost:3000"));
        assert!(matches("http://[::1]:*", "http://[::1]:8080"));
        assert!(matches("https://shop.example", "HTTPS://SHOP.EXAMPLE"));
    }
}
