//! Static pages and files: the widget's loader and bundle, the demo host page,
//! and the staff inbox.

use crate::config::Settings;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, Redirect};
use axum::routing::get;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

pub fn router(settings: &Settings) -> Router<AppState> {
    let widget = &settings.widget_dir;
    let inbox = &settings.inbox_dir;
    // The loader runs on customers' pages and imports the bundle from here, so
    // these public files may be read from any origin.
    let widget_files = Router::new()
        .route_service("/embed.js", ServeFile::new(widget.join("embed.js")))
        .nest_service("/widget", ServeDir::new(widget))
        .layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        ))
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=300"),
        ));
    // The inbox is a single-page app: unknown paths under it get its index.html.
    let inbox_files = ServeDir::new(inbox).fallback(ServeFile::new(inbox.join("index.html")));
    let inbox_page = std::fs::read_to_string(inbox.join("index.html")).unwrap_or_default();
    let inbox = Router::new().nest_service("/inbox/", inbox_files).layer(
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, page_csp(&inbox_page)),
    );
    let demo_csp =
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, page_csp(DEMO_PAGE));
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo") }))
        .route("/demo", get(|| async { Html(DEMO_PAGE) }).layer(demo_csp))
        .route("/inbox", get(|| async { Redirect::permanent("/inbox/") }))
        .merge(inbox)
        .merge(widget_files)
}

/// The policy of a page served here: scripts only from this server, plus the
/// page's own inline scripts by hash (trunk's bootstrap), WebAssembly allowed.
fn page_csp(html: &str) -> HeaderValue {
    let hashes: String = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(
                " 'sha256-{}'",
                base64::engine::general_purpose::STANDARD.encode(digest)
            )
        })
        .collect();
    let policy = format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self' 'unsafe-inline'; \
         img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    );
    HeaderValue::from_str(&policy).unwrap_or(HeaderValue::from_static("default-src 'self'"))
}

/// The bodies of a page's inline `<script>` elements (those without `src`).
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        let (body, _) = rest.split_once("</script>")?;
        (!attributes.contains("src=")).then_some(body)
    })
}

/// A host page that embeds the widget exactly as a customer's website would.
const DEMO_PAGE: &str = include_str!("demo.html");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn inline_scripts_are_allowed_by_hash_and_nothing_else() {
        let html = r#"<script src="/a.js"></script><script type="module">init()</script>"#;
        assert_eq!(inline_scripts(html).collect::<Vec<_>>(), vec!["init()"]);
        let csp = page_csp(html);
        let csp = csp.to_str().unwrap();
        assert!(csp.contains("'sha256-"));
        assert!(!csp.contains("unsafe-eval'") || csp.contains("wasm-unsafe-eval"));
        assert!(csp.contains("frame-ancestors 'none'"));
    }
}
