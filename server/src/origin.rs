//! Origin allow-lists: patterns like `https://shop.example`, `http://localhost:*`
//! (any port), `https://*.example.com` (any subdomain) or `*` (anywhere).

use crate::error::ApiError;
use crate::store::Account;
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;

/// `scheme`, `host`, `port` of an origin or pattern; the port is filled in from the scheme.
fn parts(value: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = value.split_once("://")?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains('/') {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && !port.is_empty() => (host, port),
        Some(_) => return None,
        None => (rest, if scheme == "https" { "443" } else { "80" }),
    };
    Some((scheme, host, port))
}

/// Whether `origin` (an `Origin` header value) matches `pattern`.
pub fn matches(pattern: &str, origin: &str) -> bool {
    if pattern == "*" {
        return true;
    }
    let (Some((ps, ph, pp)), Some((os, oh, op))) = (parts(pattern), parts(origin)) else {
        return false;
    };
    let host_ok = match ph.strip_prefix("*.") {
        Some(suffix) => {
            oh.len() > suffix.len() + 1
                && oh.ends_with(suffix)
                && oh[..oh.len() - suffix.len()].ends_with('.')
        }
        None => ph.eq_ignore_ascii_case(oh),
    };
    ps.eq_ignore_ascii_case(os) && host_ok && (pp == "*" || pp == op)
}

/// Refuses a browser request whose `Origin` the account does not allow. Requests
/// without an `Origin` (servers, scripts) are not a browser page's: they pass.
pub fn enforce(account: &Account, headers: &HeaderMap) -> Result<(), ApiError> {
    match headers.get(ORIGIN).map(|o| o.to_str().unwrap_or_default()) {
        Some(origin) if !allowed(account.origin_patterns(), origin) => Err(ApiError::Forbidden(
            "this website is not allowed to use this chat; add its origin to the account",
        )),
        _ => Ok(()),
    }
}

/// Whether `origin` matches any of `patterns`.
pub fn allowed<'a>(mut patterns: impl Iterator<Item = &'a str>, origin: &str) -> bool {
    patterns.any(|p| matches(p, origin))
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
}
