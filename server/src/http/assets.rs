//! Static pages and files: the widget's loader and bundle, the demo host page,
//! and the staff inbox.

use crate::config::Settings;
use crate::state::AppState;
use axum::Router;
use axum::http::{HeaderValue, header};
use axum::response::{Html, Redirect};
use axum::routing::get;
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
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo") }))
        .route("/demo", get(demo))
        .route("/inbox", get(|| async { Redirect::permanent("/inbox/") }))
        // The inbox is a single-page app: unknown paths under it get its index.html.
        .nest_service(
            "/inbox/",
            ServeDir::new(inbox).fallback(ServeFile::new(inbox.join("index.html"))),
        )
        .merge(widget_files)
}

/// A host page that embeds the widget exactly as a customer's website would.
async fn demo() -> Html<&'static str> {
    Html(include_str!("demo.html"))
}
