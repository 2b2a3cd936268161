//! The staff WebSocket: one per page. Authenticates, hands every frame to
//! [`crate::actions::on_frame`], pings every 25 s, treats 60 s of silence as a
//! lost connection, and reconnects with backoff; resuming (resync and
//! resubscribe) happens when the new socket is authenticated.

use crate::model::{AfterClose, Connection, after_close};
use crate::net::now_ms;
use crate::store::Inbox;
use leptos::prelude::*;
use natter_protocol::{ClientFrame, ServerFrame};
use std::cell::RefCell;
use std::time::Duration;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{CloseEvent, MessageEvent, WebSocket};

const PING_EVERY: Duration = Duration::from_secs(25);
/// The server pings every 20 s, but browsers answer those invisibly, so our
/// own pings' pongs are what prove the socket alive.
const SILENCE_LIMIT_MS: i64 = 60_000;
/// Close code used locally when the socket went silent or failed to open.
const ABNORMAL: u16 = 1006;

#[derive(Default)]
struct Live {
    ws: Option<WebSocket>,
    /// Kept alive as long as their socket; dropped with it.
    handlers: Vec<Closure<dyn FnMut(web_sys::Event)>>,
    /// Failed attempts since the last authenticated socket.
    attempt: u32,
    last_heard: i64,
    /// Bumped on every connect and stop, so events of an old socket are ignored.
    generation: u64,
    heartbeat: Option<IntervalHandle>,
    retry: Option<TimeoutHandle>,
}

thread_local! {
    static LIVE: RefCell<Live> = RefCell::new(Live::default());
}

/// Opens the socket and starts the heartbeat (after sign-in).
pub fn start(inbox: Inbox) {
    stop();
    let heartbeat = set_interval_with_handle(move || heartbeat(inbox), PING_EVERY).ok();
    LIVE.with_borrow_mut(|live| live.heartbeat = heartbeat);
    connect(inbox);
}

/// Closes the socket for good (sign-out or expiry).
pub fn stop() {
    LIVE.with_borrow_mut(|live| {
        live.generation += 1;
        live.attempt = 0;
        if let Some(ws) = live.ws.take() {
            discard(&ws);
        }
        live.handlers.clear();
        if let Some(h) = live.heartbeat.take() {
            h.clear();
        }
        if let Some(h) = live.retry.take() {
            h.clear();
        }
    });
}

/// Sends a frame if the socket is open; false otherwise (the resume after the
/// next authentication covers what was not sent).
pub fn send(frame: &ClientFrame) -> bool {
    let Ok(json) = serde_json::to_string(frame) else {
        return false;
    };
    LIVE.with_borrow(|live| {
        live.ws
            .as_ref()
            .filter(|ws| ws.ready_state() == WebSocket::OPEN)
            .is_some_and(|ws| ws.send_with_str(&json).is_ok())
    })
}

/// The new socket is authenticated: the backoff starts over.
pub fn authenticated() {
    LIVE.with_borrow_mut(|live| live.attempt = 0);
}

/// Detaches a socket's handlers (their closures are about to be dropped) and closes it.
fn discard(ws: &WebSocket) {
    ws.set_onopen(None);
    ws.set_onmessage(None);
    ws.set_onclose(None);
    let _ = ws.close();
}

fn url() -> Option<String> {
    let location = web_sys::window()?.location();
    let scheme = if location.protocol().ok()? == "https:" {
        "wss"
    } else {
        "ws"
    };
    Some(format!("{scheme}://{}/ws/staff", location.host().ok()?))
}

fn connect(inbox: Inbox) {
    let Some(token) = inbox.token() else { return };
    let generation = LIVE.with_borrow_mut(|live| {
        live.generation += 1;
        live.handlers.clear();
        live.retry = None;
        live.generation
    });
    let Some(ws) = url().and_then(|url| WebSocket::new(&url).ok()) else {
        lost(inbox, generation, ABNORMAL);
        return;
    };
    inbox.connection.set(Connection::Connecting);
    let current = move || LIVE.with_borrow(|live| live.generation == generation);

    let on_open = Closure::<dyn FnMut(_)>::new(move |_: web_sys::Event| {
        if current() {
            LIVE.with_borrow_mut(|live| live.last_heard = now_ms());
            send(&ClientFrame::Auth {
                token: token.clone(),
            });
        }
    });
    let on_message = Closure::<dyn FnMut(_)>::new(move |event: web_sys::Event| {
        if !current() {
            return;
        }
        LIVE.with_borrow_mut(|live| live.last_heard = now_ms());
        let text = event
            .dyn_ref::<MessageEvent>()
            .and_then(|e| e.data().as_string());
        if let Some(frame) = text.and_then(|t| serde_json::from_str::<ServerFrame>(&t).ok()) {
            crate::actions::on_frame(inbox, frame);
        }
    });
    let on_close = Closure::<dyn FnMut(_)>::new(move |event: web_sys::Event| {
        let code = event
            .dyn_ref::<CloseEvent>()
            .map_or(ABNORMAL, CloseEvent::code);
        lost(inbox, generation, code);
    });
    ws.set_onopen(Some(on_open.as_ref().unchecked_ref()));
    ws.set_onmessage(Some(on_message.as_ref().unchecked_ref()));
    ws.set_onclose(Some(on_close.as_ref().unchecked_ref()));
    LIVE.with_borrow_mut(|live| {
        live.ws = Some(ws);
        live.handlers = vec![on_open, on_message, on_close];
    });
}

/// The socket of `generation` is gone: sign in again or schedule the next attempt.
fn lost(inbox: Inbox, generation: u64, code: u16) {
    let attempt = LIVE.with_borrow_mut(|live| {
        (live.generation == generation).then(|| {
            // Invalidate the old socket's handlers before they can fire again.
            live.generation += 1;
            if let Some(ws) = live.ws.take() {
                discard(&ws);
            }
            live.attempt
        })
    });
    let Some(attempt) = attempt else { return };
    match after_close(code, attempt, js_sys::Math::random()) {
        AfterClose::SignIn => crate::actions::expire(inbox),
        AfterClose::Reconnect { attempt, delay_ms } => {
            inbox.connection.set(Connection::Reconnecting {
                attempt,
                retry_in_ms: delay_ms,
            });
            let retry = set_timeout_with_handle(
                move || connect(inbox),
                Duration::from_millis(delay_ms.into()),
            )
            .ok();
            LIVE.with_borrow_mut(|live| {
                live.attempt = attempt;
                live.retry = retry;
            });
        }
    }
}

fn heartbeat(inbox: Inbox) {
    let (generation, silent) = LIVE.with_borrow(|live| {
        let open = live
            .ws
            .as_ref()
            .is_some_and(|ws| ws.ready_state() == WebSocket::OPEN);
        (
            live.generation,
            open && now_ms() - live.last_heard > SILENCE_LIMIT_MS,
        )
    });
    if silent {
        lost(inbox, generation, ABNORMAL);
    } else {
        send(&ClientFrame::Ping);
    }
}
