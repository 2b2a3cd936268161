//! One socket, one small actor: a single task owns the socket (the only writer),
//! reads client frames, drains the connection's bounded hub queue, sends
//! heartbeats, and unregisters from the hub when it ends (the hub handle's drop).
//! This file is that loop and the frame budget; each client frame has its handler
//! in a file of its own (`auth`, `subscribe`, `typing`, `read`, `resync`), and
//! `deliver` passes on what the hub sends.
//!
//! Per subscribed conversation it remembers the last `seq` it sent, so every
//! message goes out exactly once and in order: duplicates are dropped, and a
//! live message that arrives ahead of a missing one (publishes may race) first
//! has the gap filled from the store.

mod auth;
mod deliver;
mod read;
mod resync;
mod subscribe;
mod typing;

use crate::auth::Principal;
use crate::chat;
use crate::http::error::ApiError;
use crate::limits::SocketSlot;
use crate::state::AppState;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket};
use natter_protocol::{
    ClientFrame, ConvId, ServerFrame, Side, StaffMember, close_code, error_code,
};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::{Instant, MissedTickBehavior, interval, timeout};

/// How often the server pings; a peer silent for `ws_idle_secs` is dropped.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// A staff socket must authenticate within this time.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// How often an open inbox notes its member as seen (the team page's "last seen").
const SEEN_EVERY: Duration = Duration::from_secs(300);
/// A peer that does not take a frame within this time is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing socket may take to flush and finish the close handshake.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages one replay sends at most; a longer backlog ends with `more` and the
/// client asks for the next page, so one small frame never buys megabytes.
const REPLAY_PAGE: u32 = 200;

/// Who a socket speaks for: known at the upgrade for a visitor's (its website; each
/// subscription brings its visitor token), after the `auth` frame for staff.
pub enum Identity {
    Visitor {
        org_id: String,
        account_id: String,
    },
    /// A staff socket before its `auth` frame.
    AwaitingAuth,
    Staff(StaffMember, StaffSocketSession),
}

/// The session a staff socket signed in with: the socket ends with it.
pub struct StaffSocketSession {
    digest: String,
    ends: Instant,
}

struct Subscription {
    /// Who subscribed (a visitor's token, or the staff member signed in).
    principal: Principal,
    org_id: String,
    /// Highest `seq` sent on this socket.
    delivered: u64,
    /// The display name this socket's side types under.
    name: String,
    /// When this socket last passed on "typing"; `None` while it is not typing.
    /// Keystrokes arrive far more often than the other side needs to hear of them.
    typing_since: Option<Instant>,
    /// The highest read position this socket has reported.
    read: u64,
    /// A replay stopped at a page's end (`more` was sent): nothing of this
    /// conversation goes out until the client subscribes again.
    paused: bool,
}

const OVERFLOW: Stop = Stop::Close(
    close_code::QUEUE_OVERFLOW,
    "send queue overflowed; reconnect and resume",
);

/// Why the actor stops.
enum Stop {
    /// The peer closed or vanished: nothing to send.
    Gone,
    Close(u16, &'static str),
}

struct Actor {
    state: AppState,
    socket: WebSocket,
    hub: crate::hub::Connection,
    overflowed: Arc<Notify>,
    budget: FrameBudget,
    identity: Identity,
    subscriptions: HashMap<ConvId, Subscription>,
    /// A slot per visitor this socket subscribed for, capping one visitor's sockets.
    visitor_slots: HashMap<String, SocketSlot<String>>,
}

/// Counts a socket's frames against its quota, one window at a time.
struct FrameBudget {
    window_start: Instant,
    used: u32,
}

pub async fn run(socket: WebSocket, state: AppState, identity: Identity, _slot: SocketSlot) {
    let (hub, mut queue) = chat::connect(&state);
    if let Identity::Visitor { org_id, .. } = &identity {
        hub.watch_presence(org_id);
    }
    let idle_limit = Duration::from_secs(state.settings.ws_idle_secs);
    let mut shutdown = state.shutdown.clone();
    let overflowed = hub.overflowed.clone();
    let mut actor = Actor {
        budget: FrameBudget {
            window_start: Instant::now(),
            used: 0,
        },
        state,
        socket,
        hub,
        overflowed: overflowed.clone(),
        identity,
        subscriptions: HashMap::new(),
        visitor_slots: HashMap::new(),
    };
    let started = Instant::now();
    let auth_deadline = started + AUTH_TIMEOUT;
    let mut last_heard = started;
    let mut last_seen_written = started;
    let mut heartbeat = interval(
        HEARTBEAT
            .min(idle_limit / 2)
            .max(Duration::from_millis(100)),
    );
    heartbeat.set_missed_tick_behavior(MissedTickBehavior::Delay);

    let stop = loop {
        let deadline = actor.deadline(auth_deadline);
        tokio::select! {
            incoming = actor.socket.recv() => match incoming {
                None => break Stop::Gone,
                Some(Err(e)) => {
                    tracing::debug!(error = %e, "socket read failed");
                    break Stop::Close(close_code::POLICY, "unreadable or oversized frame");
                }
                Some(Ok(message)) => {
                    last_heard = Instant::now();
                    // Boxed: the rare, deep paths would otherwise size every idle socket's future.
                    if let Err(stop) = Box::pin(actor.on_message(message)).await {
                        break stop;
                    }
                }
            },
            outbound = queue.recv() => match outbound {
                Some(outbound) => {
                    if let Err(stop) = Box::pin(actor.on_outbound(outbound)).await {
                        break stop;
                    }
                }
                None => break OVERFLOW,
            },
            () = overflowed.notified() => break OVERFLOW,
            () = until(deadline) => {
                break if matches!(actor.identity, Identity::AwaitingAuth) {
                    Stop::Close(close_code::UNAUTHORIZED, "no auth frame")
                } else {
                    Stop::Close(close_code::UNAUTHORIZED, "the session has expired; sign in again")
                };
            }
            _ = heartbeat.tick() => {
                if let Identity::Staff(staff, _) = &actor.identity
                    && last_seen_written.elapsed() > SEEN_EVERY
                {
                    last_seen_written = Instant::now();
                    crate::chat::team::seen(&actor.state, &staff.id).await;
                }
                if last_heard.elapsed() > idle_limit {
                    break Stop::Close(close_code::IDLE_TIMEOUT, "no frame from the client for too long");
                }
                if let Err(stop) = actor.send(WsMessage::Ping(Default::default())).await {
                    break stop;
                }
            }
            _ = shutdown.changed() => {
                break Stop::Close(close_code::GOING_AWAY, "server restarting; reconnect and resume");
            }
        }
    };
    if let Identity::Staff(staff, _) = &actor.identity {
        crate::chat::team::seen(&actor.state, &staff.id).await;
    }
    // The close frame queues behind whatever is still unsent, so a slow client
    // that catches up in time still learns why it was cut off. Then wait for the
    // client's own close, so the connection is not torn down under unread data.
    if let Stop::Close(code, reason) = stop {
        let frame = CloseFrame {
            code,
            reason: Utf8Bytes::from_static(reason),
        };
        let closing = async {
            if actor
                .socket
                .send(WsMessage::Close(Some(frame)))
                .await
                .is_ok()
            {
                while let Some(Ok(message)) = actor.socket.recv().await {
                    if matches!(message, WsMessage::Close(_)) {
                        break;
                    }
                }
            }
        };
        let _ = timeout(CLOSE_TIMEOUT, closing).await;
    }
}

/// Sleeps until `deadline`, or forever without one.
async fn until(deadline: Option<Instant>) {
    match deadline {
        Some(deadline) => tokio::time::sleep_until(deadline).await,
        None => std::future::pending().await,
    }
}

/// Closes a socket whose staff session ended.
const SIGNED_OUT: Stop = Stop::Close(
    close_code::UNAUTHORIZED,
    "the session has ended; sign in again",
);

fn error_frame(code: &str, message: &str, conv_id: Option<&ConvId>) -> ServerFrame {
    ServerFrame::Error {
        code: code.to_owned(),
        message: message.to_owned(),
        conv_id: conv_id.cloned(),
    }
}

impl Actor {
    /// Sends one frame. A write blocked on a client that does not read gives up
    /// when the hub cuts the connection off, or after `WRITE_TIMEOUT`.
    async fn send(&mut self, message: WsMessage) -> Result<(), Stop> {
        tokio::select! {
            biased;
            () = self.overflowed.notified() => Err(OVERFLOW),
            sent = timeout(WRITE_TIMEOUT, self.socket.send(message)) => match sent {
                Ok(Ok(())) => Ok(()),
                Ok(Err(_)) => Err(Stop::Gone),
                Err(_) => Err(Stop::Close(close_code::POLICY, "the client did not read in time")),
            },
        }
    }

    async fn send_frame(&mut self, frame: &ServerFrame) -> Result<(), Stop> {
        match serde_json::to_string(frame) {
            Ok(json) => self.send(WsMessage::Text(json.into())).await,
            Err(e) => {
                tracing::error!(error = %e, "could not serialise a frame");
                Ok(())
            }
        }
    }

    /// When the socket must close unless something happens first: the auth
    /// deadline of a socket still unauthenticated, the end of a staff session.
    fn deadline(&self, auth_deadline: Instant) -> Option<Instant> {
        match &self.identity {
            Identity::AwaitingAuth => Some(auth_deadline),
            Identity::Staff(_, session) => Some(session.ends),
            Identity::Visitor { .. } => None,
        }
    }

    fn is_visitor(&self) -> bool {
        matches!(self.identity, Identity::Visitor { .. })
    }

    /// `typing` or `read` for a conversation this socket does not follow.
    async fn not_subscribed(&mut self, conv_id: &ConvId) -> Result<(), Stop> {
        let frame = error_frame(error_code::NOT_SUBSCRIBED, "subscribe first", Some(conv_id));
        self.send_frame(&frame).await
    }

    /// A refused or failed call of the application layer, as an error frame.
    async fn api_error(&mut self, err: ApiError, conv_id: &ConvId) -> Result<(), Stop> {
        if let ApiError::Internal(detail) = &err {
            tracing::error!(%detail, "error on a socket");
            return self
                .send_frame(&error_frame(
                    error_code::INTERNAL,
                    "a temporary error; resubscribe to resume",
                    Some(conv_id),
                ))
                .await;
        }
        self.send_frame(&error_frame(&err.code(), &err.to_string(), Some(conv_id)))
            .await
    }

    /// Whether this frame is within the socket's quota; far past it, the socket is closed.
    fn within_budget(&mut self) -> Result<bool, Stop> {
        let quota = self.state.settings.limits.rate_frames;
        if quota.is_unlimited() {
            return Ok(true);
        }
        if self.budget.window_start.elapsed() >= quota.per {
            self.budget = FrameBudget {
                window_start: Instant::now(),
                used: 0,
            };
        }
        self.budget.used += 1;
        if self.budget.used > quota.count.saturating_mul(4) {
            return Err(Stop::Close(close_code::POLICY, "too many frames"));
        }
        Ok(self.budget.used <= quota.count)
    }

    async fn on_message(&mut self, message: WsMessage) -> Result<(), Stop> {
        // Pings count too: each one makes the server write a pong. (Pongs answer
        // the heartbeat and are not counted.)
        if !matches!(message, WsMessage::Pong(_)) && !self.within_budget()? {
            if matches!(message, WsMessage::Ping(_)) {
                return Ok(());
            }
            let frame = error_frame(error_code::RATE_LIMITED, "too many frames; slow down", None);
            return self.send_frame(&frame).await;
        }
        let text = match message {
            WsMessage::Text(text) => text,
            WsMessage::Close(_) => return Err(Stop::Gone),
            WsMessage::Ping(_) | WsMessage::Pong(_) => return Ok(()),
            WsMessage::Binary(_) => {
                return self
                    .send_frame(&error_frame(
                        error_code::BAD_FRAME,
                        "binary frames are not supported",
                        None,
                    ))
                    .await;
            }
        };
        let frame = match serde_json::from_str::<ClientFrame>(text.as_str()) {
            Ok(frame) => frame,
            Err(e) => {
                let message = format!("not a valid frame: {e}");
                if matches!(self.identity, Identity::AwaitingAuth) {
                    return Err(Stop::Close(
                        close_code::UNAUTHORIZED,
                        "the first frame must be auth",
                    ));
                }
                return self
                    .send_frame(&error_frame(error_code::BAD_FRAME, &message, None))
                    .await;
            }
        };
        if matches!(self.identity, Identity::AwaitingAuth) {
            return self.authenticate(frame).await;
        }
        match frame {
            ClientFrame::Auth { .. } => {
                self.send_frame(&error_frame(
                    error_code::BAD_FRAME,
                    "this socket does not take auth frames now",
                    None,
                ))
                .await
            }
            ClientFrame::Subscribe {
                conv_id,
                token,
                after_seq,
            } => self.subscribe(conv_id, token, after_seq).await,
            ClientFrame::Unsubscribe { conv_id } => self.unsubscribe(conv_id).await,
            ClientFrame::Typing { conv_id, typing } => self.typing(conv_id, typing).await,
            ClientFrame::Read { conv_id, seq } => self.read(conv_id, seq).await,
            ClientFrame::Resync { status } => self.resync(status).await,
            ClientFrame::Ping => self.send_frame(&ServerFrame::Pong).await,
        }
    }

    fn side(&self) -> Side {
        if self.is_visitor() {
            Side::Visitor
        } else {
            Side::Staff
        }
    }
}
