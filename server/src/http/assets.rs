//! Static pages and files: the widget's loader and app, the demo host page, and the
//! staff inbox.
//!
//! A release binary carries the built widget (`dist/`) and inbox (`inbox/dist/`) inside
//! it, with the brotli and gzip variants `scripts/build.sh` made beside each file, so the
//! one file serves everything from any directory. `--widget-dir` / `--inbox-dir` serve
//! from disk instead, for development.

use crate::config::Settings;
use crate::http::error::Path;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::get;
use base64::Engine;
use rust_embed::RustEmbed;
use sha2::{Digest, Sha256};
use std::borrow::Cow;
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tower_http::services::{ServeDir, ServeFile};
use tower_http::set_header::SetResponseHeaderLayer;

#[derive(RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../dist"]
#[allow_missing = true]
struct EmbeddedWidget;

#[derive(RustEmbed)]
#[folder = "$CARGO_MANIFEST_DIR/../inbox/dist"]
#[allow_missing = true]
struct EmbeddedInbox;

/// Short enough that a new release reaches every page within minutes: the stable URLs
/// (`/embed.js`, unhashed names) that customers' pages and old loaders ask for.
const SHORT_CACHE: &str = "public, max-age=300";
/// Content-hashed names never change meaning.
const IMMUTABLE: &str = "public, max-age=31536000, immutable";
/// The inbox page names its hashed files: revalidate it every time (cheap, by ETag).
const REVALIDATE: &str = "no-cache";
/// What browsers ask for on every page of the server (the inbox, the demo, the setup page).
const FAVICON: &[u8] = include_bytes!("favicon.ico");

pub fn router(settings: &Settings) -> Router<AppState> {
    let widget = match &settings.widget_dir {
        Some(dir) => widget_from_disk(dir.clone()),
        None => widget_embedded(Bundle::load::<EmbeddedWidget>()),
    };
    let (inbox, inbox_page) = match &settings.inbox_dir {
        Some(dir) => inbox_from_disk(dir.clone()),
        None => inbox_embedded(Bundle::load::<EmbeddedInbox>()),
    };
    let inbox = inbox.layer(SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        page_csp(&inbox_page),
    ));
    let demo_csp =
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, page_csp(DEMO_PAGE));
    let chat_csp =
        SetResponseHeaderLayer::overriding(header::CONTENT_SECURITY_POLICY, page_csp(CHAT_PAGE));
    let unsubscribe_csp = SetResponseHeaderLayer::overriding(
        header::CONTENT_SECURITY_POLICY,
        page_csp(UNSUBSCRIBE_PAGE),
    );
    // The links in emails: never cached, never indexed, never sent on as a referrer.
    let private = SetResponseHeaderLayer::overriding(
        header::CACHE_CONTROL,
        HeaderValue::from_static("no-store"),
    );
    Router::new()
        .route("/c/{code}", get(|| async { Html(CHAT_PAGE) }))
        .route(
            "/chat/{org_id}/{account_id}",
            get(|| async { Html(CHAT_PAGE) }),
        )
        .layer(chat_csp)
        .route(
            "/unsubscribe/{code}",
            get(|| async { Html(UNSUBSCRIBE_PAGE) }).layer(unsubscribe_csp),
        )
        .layer(private)
        .route("/", get(|| async { Redirect::temporary("/demo") }))
        .route("/demo", get(|| async { Html(DEMO_PAGE) }).layer(demo_csp))
        .route("/inbox", get(|| async { Redirect::permanent("/inbox/") }))
        .route(
            "/favicon.ico",
            get(|| async {
                (
                    [
                        (header::CONTENT_TYPE, "image/x-icon"),
                        (header::CACHE_CONTROL, "public, max-age=86400"),
                    ],
                    FAVICON,
                )
            }),
        )
        .merge(inbox)
        // The loader runs on customers' pages and imports the app from here, so these
        // public files may be read from any origin.
        .merge(widget.layer(SetResponseHeaderLayer::overriding(
            header::ACCESS_CONTROL_ALLOW_ORIGIN,
            HeaderValue::from_static("*"),
        )))
}

fn widget_embedded(bundle: Bundle) -> Router<AppState> {
    if bundle.get("embed.js").is_none() {
        tracing::error!(
            "this binary carries no widget: /embed.js and /widget/ will answer 404. \
             Build it with scripts/build.sh (or serve a built widget with --widget-dir)"
        );
    }
    let bundle = Arc::new(bundle);
    let loader = bundle.clone();
    Router::new()
        .route(
            "/embed.js",
            get(move |headers: HeaderMap| async move {
                loader.respond("embed.js", &headers, SHORT_CACHE)
            }),
        )
        .route(
            "/widget/{*path}",
            get(
                move |Path(path): Path<String>, headers: HeaderMap| async move {
                    bundle.respond(&path, &headers, cache_policy(&path, SHORT_CACHE))
                },
            ),
        )
}

fn widget_from_disk(dir: PathBuf) -> Router<AppState> {
    if !dir.join("embed.js").is_file() {
        tracing::error!(dir = %dir.display(), "--widget-dir holds no embed.js: the widget will answer 404");
    }
    Router::new()
        .route_service(
            "/embed.js",
            ServeFile::new(dir.join("embed.js"))
                .precompressed_br()
                .precompressed_gzip(),
        )
        .nest_service(
            "/widget",
            ServeDir::new(dir).precompressed_br().precompressed_gzip(),
        )
        .layer(SetResponseHeaderLayer::overriding(
            header::CACHE_CONTROL,
            HeaderValue::from_static(SHORT_CACHE),
        ))
}

/// The inbox is a single-page app: paths under it that name no file get its index.html.
fn inbox_embedded(bundle: Bundle) -> (Router<AppState>, String) {
    let page = match bundle.get("index.html") {
        Some(file) => String::from_utf8_lossy(&file.body).into_owned(),
        None => {
            tracing::error!(
                "this binary carries no staff inbox: /inbox/ will answer 404. \
                 Build it with scripts/build.sh (or serve a built inbox with --inbox-dir)"
            );
            String::new()
        }
    };
    let bundle = Arc::new(bundle);
    let index = bundle.clone();
    let router = Router::new()
        .route(
            "/inbox/",
            get(move |headers: HeaderMap| async move {
                index.respond("index.html", &headers, REVALIDATE)
            }),
        )
        .route(
            "/inbox/{*path}",
            get(
                move |Path(path): Path<String>, headers: HeaderMap| async move {
                    let is_file = path
                        .rsplit('/')
                        .next()
                        .is_some_and(|name| name.contains('.'));
                    if !is_file {
                        return bundle.respond("index.html", &headers, REVALIDATE);
                    }
                    bundle.respond(&path, &headers, cache_policy(&path, REVALIDATE))
                },
            ),
        );
    (router, page)
}

fn inbox_from_disk(dir: PathBuf) -> (Router<AppState>, String) {
    let page = std::fs::read_to_string(dir.join("index.html")).unwrap_or_else(|_| {
        tracing::error!(dir = %dir.display(), "--inbox-dir holds no index.html: the inbox will answer 404");
        String::new()
    });
    let files = ServeDir::new(&dir)
        .precompressed_br()
        .precompressed_gzip()
        .fallback(ServeFile::new(dir.join("index.html")));
    (Router::new().nest_service("/inbox/", files), page)
}

/// One file and the compressed variants built beside it.
struct File {
    body: Cow<'static, [u8]>,
    br: Option<Cow<'static, [u8]>>,
    gzip: Option<Cow<'static, [u8]>>,
    content_type: HeaderValue,
    etag: HeaderValue,
}

/// A built front-end held in memory (in a release build, borrowed from the binary itself).
struct Bundle {
    files: HashMap<String, File>,
}

impl Bundle {
    fn load<E: RustEmbed>() -> Self {
        let mut files = HashMap::new();
        for name in E::iter() {
            if name.ends_with(".br") || name.ends_with(".gz") {
                continue;
            }
            let Some(file) = E::get(&name) else { continue };
            let variant = |ext: &str| E::get(&format!("{name}.{ext}")).map(|f| f.data);
            let hash = file.metadata.sha256_hash();
            let etag = format!("\"{}\"", hex(&hash[..16]));
            let content_type = mime_guess::from_path(name.as_ref())
                .first_raw()
                .unwrap_or("application/octet-stream");
            let text = content_type.starts_with("text/")
                || content_type.ends_with("javascript")
                || content_type.ends_with("json");
            let content_type = if text {
                format!("{content_type}; charset=utf-8")
            } else {
                content_type.to_owned()
            };
            let file = File {
                br: variant("br"),
                gzip: variant("gz"),
                body: file.data,
                content_type: HeaderValue::from_str(&content_type)
                    .unwrap_or(HeaderValue::from_static("application/octet-stream")),
                etag: HeaderValue::from_str(&etag).unwrap_or(HeaderValue::from_static("\"\"")),
            };
            files.insert(name.into_owned(), file);
        }
        Self { files }
    }

    fn get(&self, name: &str) -> Option<&File> {
        self.files.get(name)
    }

    /// The file, compressed as the client accepts, revalidated by ETag.
    fn respond(&self, name: &str, request: &HeaderMap, cache: &'static str) -> Response {
        let Some(file) = self.get(name) else {
            let why = if self.files.is_empty() {
                "not found: this Natter binary was built without this front-end \
                 (build it with scripts/build.sh, or pass --widget-dir / --inbox-dir)"
            } else {
                "not found"
            };
            return (StatusCode::NOT_FOUND, why).into_response();
        };
        let mut headers = HeaderMap::new();
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static(cache));
        headers.insert(header::ETAG, file.etag.clone());
        headers.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
        let fresh = request
            .get(header::IF_NONE_MATCH)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|tags| tags.split(',').any(|t| t.trim() == file.etag));
        if fresh {
            return (StatusCode::NOT_MODIFIED, headers).into_response();
        }
        headers.insert(header::CONTENT_TYPE, file.content_type.clone());
        let accepted = request
            .get(header::ACCEPT_ENCODING)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default();
        let (encoding, body) = match (&file.br, &file.gzip) {
            (Some(br), _) if accepts(accepted, "br") => (Some("br"), br),
            (_, Some(gzip)) if accepts(accepted, "gzip") => (Some("gzip"), gzip),
            _ => (None, &file.body),
        };
        if let Some(encoding) = encoding {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static(encoding));
        }
        (headers, body.clone()).into_response()
    }
}

/// Whether an `Accept-Encoding` value allows `coding` (listed, or `*`, without `q=0`).
fn accepts(accept_encoding: &str, coding: &str) -> bool {
    accept_encoding.split(',').any(|item| {
        let mut parts = item.split(';').map(str::trim);
        let name = parts.next().unwrap_or_default();
        let refused = parts.any(|p| {
            p.strip_prefix("q=")
                .and_then(|q| q.parse::<f32>().ok())
                .is_some_and(|q| q == 0.0)
        });
        (name.eq_ignore_ascii_case(coding) || name == "*") && !refused
    })
}

/// Forever for a content-hashed name, else `otherwise`.
fn cache_policy(path: &str, otherwise: &'static str) -> &'static str {
    if is_content_hashed(path) {
        IMMUTABLE
    } else {
        otherwise
    }
}

/// Whether a file name carries a content hash (a run of at least 10 hex digits between
/// separators), as trunk and `scripts/build.sh` name them: then it can be cached forever.
fn is_content_hashed(path: &str) -> bool {
    let name = path.rsplit('/').next().unwrap_or(path);
    name.split(['-', '.', '_'])
        .any(|part| part.len() >= 10 && part.bytes().all(|b| b.is_ascii_hexdigit()))
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// The policy of a page served here: scripts only from this server, plus the
/// page's own inline scripts by hash (trunk's bootstrap), WebAssembly allowed.
pub(super) fn page_csp(html: &str) -> HeaderValue {
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
/// The chat as a page of its own: an email's one-time link (`/c/{code}`), and
/// `/chat/{org}/{account}`.
const CHAT_PAGE: &str = include_str!("chat.html");
/// Where an email's unsubscribe link leads: a button, so link scanners change nothing.
const UNSUBSCRIBE_PAGE: &str = include_str!("unsubscribe.html");

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

    #[test]
    fn content_hashed_names_are_recognised() {
        for (path, hashed) in [
            ("natter-widget.3f2a9c1d0b.js", true),
            ("natter-widget_bg.3f2a9c1d0b.wasm", true),
            ("natter-inbox-9a8b7c6d5e4f3a2b_bg.wasm", true),
            ("styles/inbox-9a8b7c6d5e4f3a2b.css", true),
            ("natter-widget.js", false),
            ("embed.js", false),
            ("index.html", false),
            ("deadbeef.js", false),
        ] {
            assert_eq!(is_content_hashed(path), hashed, "{path}");
        }
    }

    #[test]
    fn accept_encoding_is_read_with_its_weights() {
        for (header, coding, accepted) in [
            ("gzip, deflate, br, zstd", "br", true),
            ("gzip, deflate", "br", false),
            ("gzip;q=0.5, br;q=0", "br", false),
            ("gzip;q=0.5, br;q=0", "gzip", true),
            ("*", "gzip", true),
            ("", "gzip", false),
            ("identity", "gzip", false),
        ] {
            assert_eq!(accepts(header, coding), accepted, "{header} / {coding}");
        }
    }
}
