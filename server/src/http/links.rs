//! The links in emails to visitors: a one-time chat link, exchanged here for a fresh
//! visitor token (the page `/c/{code}` calls it), and the unsubscribe link.

use crate::chat;
use crate::http::error::{ApiResult, Json, Path};
use crate::http::responses::{Gone, NotFound};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::post;
use natter_protocol::ChatLink;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/chat-links/{code}", post(open))
        .route("/unsubscribe/{code}", post(unsubscribe))
}

/// Opens an email's chat link: the conversation, and a new visitor token for this
/// browser. The link works once.
#[utoipa::path(post, path = "/api/v1/chat-links/{code}", tag = "widget",
    params(("code" = String, Path, description = "The code in the email's link")),
    responses(
        (status = 200, description = "The conversation and a fresh visitor token", body = ChatLink),
        (status = 404, response = NotFound),
        (status = 410, response = Gone),
    ))]
pub(crate) async fn open(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<Json<ChatLink>> {
    Ok(Json(chat::continuity::open_link(&state, &code).await?))
}

/// Stops emails to the visitor the link was made for. Mail clients' one-click
/// unsubscribe (RFC 8058) posts here too; using it again changes nothing.
#[utoipa::path(post, path = "/api/v1/unsubscribe/{code}", tag = "widget",
    params(("code" = String, Path, description = "The code in the email's unsubscribe link")),
    responses(
        (status = 204, description = "No more emails to this visitor"),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn unsubscribe(
    State(state): State<AppState>,
    Path(code): Path<String>,
) -> ApiResult<StatusCode> {
    chat::continuity::unsubscribe(&state, &code).await?;
    Ok(StatusCode::NO_CONTENT)
}
