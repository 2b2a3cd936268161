//! The web layer: each resource module owns its `router()`; this merges them.

pub(crate) mod accounts;
pub(crate) mod api_tokens;
mod assets;
pub(crate) mod attachments;
pub(crate) mod auth;
pub(crate) mod canned;
pub(crate) mod conversations;
pub(crate) mod error;
pub(crate) mod extract;
pub(crate) mod health;
pub(crate) mod labels;
pub(crate) mod links;
pub(crate) mod mail;
pub(crate) mod notes;
pub(crate) mod openapi;
pub(crate) mod push;
pub(crate) mod responses;
pub(crate) mod search;
pub(crate) mod setup;
pub(crate) mod team;
pub(crate) mod visitors;
pub(crate) mod webhooks;
pub(crate) mod widget;

use crate::http::error::ApiError;
use crate::state::AppState;
use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::http::request::Parts;
use axum::http::{HeaderName, HeaderValue, Method, StatusCode, header};
use std::time::Duration;
use tower_http::cors::{AllowOrigin, CorsLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::timeout::TimeoutLayer;

/// Largest request body. The largest valid body (a 4,000-character message) is far smaller.
pub const MAX_BODY_BYTES: usize = 64 * 1024;

/// Routes only staff call: a browser may call them from the server's own origin
/// (where the inbox is) and the configured `NATTER_STAFF_ORIGINS`, never from a
/// customer's page.
fn staff_only(path: &str) -> bool {
    path.starts_with("/auth/")
        || path == "/accounts"
        || path.starts_with("/accounts/")
        || path == "/setup"
        || path == "/staff"
        || path.starts_with("/staff/")
        || path == "/invitations"
        || path.starts_with("/invitations/")
        || path == "/me"
        || path.starts_with("/me/")
        || path == "/mail"
        || path.starts_with("/mail/")
        || path == "/conversations"
        || path.ends_with("/replies")
}

/// The widget calls the API from customers' pages, so the API answers
/// cross-origin requests: from an account's allowed origins on the widget routes,
/// and from any page on the token-gated routes visitors use (the token's account is
/// enforced by the `Principal` extractor). Staff-only routes answer only the inbox's
/// origins. Tokens travel in the Authorization header, never cookies.
fn cors(state: AppState) -> CorsLayer {
    let predicate = move |origin: HeaderValue, parts: &Parts| {
        let state = state.clone();
        let path = parts.uri.path().to_owned();
        let origin = origin.to_str().unwrap_or_default().to_owned();
        let own = crate::origin::is_own(&origin, &parts.headers);
        async move {
            // Inside the nested API router the path has lost its `/api/v1` prefix.
            let path = path.strip_prefix("/api/v1").unwrap_or(&path);
            if staff_only(path) {
                return own
                    || state
                        .settings
                        .staff_origins
                        .iter()
                        .any(|allowed| crate::origin::matches(allowed, &origin));
            }
            let Some(rest) = path.strip_prefix("/widget/") else {
                return true;
            };
            // Any page may read the config's answer, a refusal included: a widget on an
            // origin that is not allowed must learn so, not see a network error and retry.
            if rest.ends_with("/config") {
                return true;
            }
            let mut segments = rest.split('/');
            let (Some(org), Some(account)) = (segments.next(), segments.next()) else {
                return false;
            };
            crate::chat::websites::allows_origin(&state, org, account, &origin).await
        }
    };
    CorsLayer::new()
        .allow_origin(AllowOrigin::async_predicate(predicate))
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::AUTHORIZATION, header::CONTENT_TYPE])
        .max_age(Duration::from_secs(600))
}

fn header_default(name: HeaderName, value: &'static str) -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::if_not_present(name, HeaderValue::from_static(value))
}

pub fn router(state: AppState) -> Router {
    let timeout = Duration::from_secs(state.settings.limits.request_timeout_secs);
    let api = Router::new()
        .merge(widget::router())
        .merge(conversations::router())
        .merge(auth::router())
        .merge(setup::router())
        .merge(accounts::router())
        .merge(team::router())
        .merge(mail::router())
        .merge(push::router())
        .merge(canned::router())
        .merge(webhooks::router())
        .merge(api_tokens::router())
        .merge(notes::router())
        .merge(labels::router())
        .merge(search::router())
        .merge(visitors::router())
        .merge(links::router())
        .merge(attachments::router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .fallback(|| async { ApiError::NotFound("endpoint") })
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .layer(cors(state.clone()));
    Router::new()
        .nest("/api/v1", api)
        .merge(health::router())
        .merge(openapi::router())
        .merge(crate::ws::router())
        .merge(assets::router(&state.settings))
        .merge(setup::page_router())
        .method_not_allowed_fallback(|| async { ApiError::MethodNotAllowed })
        .layer(TimeoutLayer::with_status_code(
            StatusCode::REQUEST_TIMEOUT,
            timeout,
        ))
        .layer(header_default(header::X_CONTENT_TYPE_OPTIONS, "nosniff"))
        .layer(header_default(header::REFERRER_POLICY, "no-referrer"))
        // Pages that need more (the demo page, the inbox) set their own policy.
        .layer(header_default(
            header::CONTENT_SECURITY_POLICY,
            "default-src 'none'; frame-ancestors 'none'",
        ))
        .with_state(state)
}

/// This server's address for links and snippets: `NATTER_PUBLIC_URL` when set, else as
/// the browser reached it.
pub(crate) fn public_base(state: &AppState, headers: &axum::http::HeaderMap) -> String {
    state
        .settings
        .mail
        .public_base()
        .unwrap_or_else(|| request_base(headers))
}

/// The server's address as the request reached it (through a proxy: as the proxy says).
fn request_base(headers: &axum::http::HeaderMap) -> String {
    let header = |name: &str| headers.get(name).and_then(|v| v.to_str().ok());
    let host = header("x-forwarded-host")
        .or(header("host"))
        .filter(|h| !h.is_empty() && !h.contains(['/', '"', '<', '>', ' ']))
        .unwrap_or("YOUR-NATTER-HOST");
    let scheme = match header("x-forwarded-proto") {
        Some("https") => "https",
        _ => "http",
    };
    format!("{scheme}://{host}")
}

#[cfg(test)]
mod tests {
    use super::request_base;
    use axum::http::{HeaderMap, HeaderValue};

    #[test]
    fn the_base_url_comes_from_the_request() {
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("chat.shop.example"));
        assert_eq!(request_base(&headers), "http://chat.shop.example");
        headers.insert("x-forwarded-proto", HeaderValue::from_static("https"));
        assert_eq!(request_base(&headers), "https://chat.shop.example");
        headers.insert("host", HeaderValue::from_static("a\"><script>"));
        headers.remove("x-forwarded-proto");
        assert_eq!(request_base(&headers), "http://YOUR-NATTER-HOST");
    }
}
