//! The widget's files, its loader and the demo host page.

use crate::config::Settings;
use crate::state::AppState;
use axum::Router;
use axum::response::{Html, Redirect};
use axum::routing::get;
use tower_http::services::{ServeDir, ServeFile};

pub fn router(settings: &Settings) -> Router<AppState> {
    let dir = &settings.widget_dir;
    Router::new()
        .route("/", get(|| async { Redirect::temporary("/demo") }))
        .route("/demo", get(demo))
        .route_service("/embed.js", ServeFile::new(dir.join("embed.js")))
        .nest_service("/widget", ServeDir::new(dir))
}

/// A host page that embeds the widget exactly as a customer's website would.
async fn demo() -> Html<&'static str> {
    Html(include_str!("demo.html"))
}
