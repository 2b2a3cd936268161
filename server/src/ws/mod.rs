//! The two WebSocket endpoints. Each accepted socket becomes one [`connection`] actor.
//!
//! - `GET /ws?org_id=…&account_id=…`: a visitor's browser, for the life of the page.
//!   The `Origin` must be one of the account's allowed origins (else 403 before upgrade).
//! - `GET /ws/staff`: a staff inbox; the first frame must be `auth {token}`.

mod connection;

use crate::http::error::{ApiError, ApiResult, Query};
use crate::http::extract::ClientIp;
use crate::origin;
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::extract::ws::WebSocketUpgrade;
use axum::extract::ws::rejection::WebSocketUpgradeRejection;
use axum::http::HeaderMap;
use axum::http::header::ORIGIN;
use axum::response::Response;
use axum::routing::get;
use connection::Identity;
use natter_protocol::error_code;
use serde::Deserialize;

/// Largest frame or message a client may send. Chat frames are small; this caps abuse.
pub const MAX_CLIENT_MESSAGE: usize = 16 * 1024;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/ws", get(visitor))
        .route("/ws/staff", get(staff))
}

impl From<WebSocketUpgradeRejection> for ApiError {
    fn from(rejection: WebSocketUpgradeRejection) -> Self {
        ApiError::bad_request(
            error_code::WEBSOCKET_UPGRADE_REQUIRED,
            rejection.body_text(),
        )
    }
}

/// Buffer sizes set deliberately: the defaults cost ~100 KB per socket, and an
/// idle chat socket should cost a few KB. The read buffer is resident (tungstenite
/// zero-fills it), and client frames (subscribe, typing, read, ping) fit in 1 KiB;
/// it grows for a rare larger frame. 1 KiB instead of 4 KiB saved ~3 KiB of RSS per
/// idle socket (BENCHMARKS.md).
fn configure(upgrade: WebSocketUpgrade) -> WebSocketUpgrade {
    upgrade
        .read_buffer_size(1024)
        .write_buffer_size(0)
        .max_write_buffer_size(256 * 1024)
        .max_message_size(MAX_CLIENT_MESSAGE)
        .max_frame_size(MAX_CLIENT_MESSAGE)
}

#[derive(Deserialize)]
struct VisitorQuery {
    org_id: String,
    account_id: String,
}

async fn visitor(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    Query(query): Query<VisitorQuery>,
    headers: HeaderMap,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let account = crate::chat::websites::any(&state, &query.org_id, &query.account_id).await?;
    let origin = headers
        .get(ORIGIN)
        .and_then(|o| o.to_str().ok())
        .unwrap_or_default();
    if !origin::permits(&account, origin, &headers) {
        state.refusals.record(&account, origin);
        return Err(ApiError::Forbidden(
            "this origin may not open the chat of this website account",
        ));
    }
    let slot = state
        .sockets_per_ip
        .acquire(ip, state.settings.limits.max_sockets_per_ip)?;
    let identity = Identity::Visitor {
        org_id: account.org_id,
        account_id: account.id,
    };
    Ok(
        configure(upgrade?)
            .on_upgrade(move |socket| connection::run(socket, state, identity, slot)),
    )
}

async fn staff(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    upgrade: Result<WebSocketUpgrade, WebSocketUpgradeRejection>,
) -> ApiResult<Response> {
    let slot = state
        .sockets_per_ip
        .acquire(ip, state.settings.limits.max_sockets_per_ip)?;
    Ok(configure(upgrade?)
        .on_upgrade(move |socket| connection::run(socket, state, Identity::AwaitingAuth, slot)))
}
