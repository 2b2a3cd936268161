//! One socket, one small actor: a single task owns the socket (the only writer),
//! reads client frames, drains the connection's bounded hub queue, sends
//! heartbeats, and unregisters from the hub when it ends (the hub handle's drop).
//!
//! Per subscribed conversation it remembers the last `seq` it sent, so every
//! message goes out exactly once and in order: duplicates are dropped, and a
//! live message that arrives ahead of a missing one (publishes may race) first
//! has the gap filled from the store.

use crate::auth::{Principal, token_digest};
use crate::chat;
use crate::http::error::ApiError;
use crate::hub::Outbound;
use crate::limits::SocketSlot;
use crate::state::AppState;
use crate::store::{StaffSession, now_ms};
use crate::telemetry;
use axum::extract::ws::{CloseFrame, Message as WsMessage, Utf8Bytes, WebSocket};
use natter_protocol::error_code;
use natter_protocol::{ClientFrame, ConvId, ServerFrame, Side, StaffMember, close_code};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Notify;
use tokio::time::{Instant, MissedTickBehavior, interval, timeout};

/// How often the server pings; a peer silent for `ws_idle_secs` is dropped.
const HEARTBEAT: Duration = Duration::from_secs(20);
/// A staff socket must authenticate within this time.
const AUTH_TIMEOUT: Duration = Duration::from_secs(10);
/// A peer that does not take a frame within this time is dropped.
const WRITE_TIMEOUT: Duration = Duration::from_secs(10);
/// How long a closing socket may take to flush and finish the close handshake.
const CLOSE_TIMEOUT: Duration = Duration::from_secs(30);
/// Messages one replay sends at most; a longer backlog ends with `more` and the
/// client asks for the next page, so one small frame never buys megabytes.
const REPLAY_PAGE: u32 = 200;

pub enum Role {
    Visitor { org_id: String, account_id: String },
    Staff,
}

enum Identity {
    Visitor { org_id: String, account_id: String },
    AwaitingAuth,
    Staff(StaffMember, StaffSocketSession),
}

/// The session a staff socket signed in with: the socket ends with it.
struct StaffSocketSession {
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
    /// Whether this socket passed on a "typing" it has not ended yet.
    typing: bool,
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

pub async fn run(socket: WebSocket, state: AppState, role: Role, _slot: SocketSlot) {
    let (hub, mut queue) = chat::connect(&state);
    let identity = match role {
        Role::Visitor { org_id, account_id } => {
            hub.watch_presence(&org_id);
            Identity::Visitor { org_id, account_id }
        }
        Role::Staff => Identity::AwaitingAuth,
    };
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

    /// An item from the hub queue.
    async fn on_outbound(&mut self, outbound: Outbound) -> Result<(), Stop> {
        let frame = match outbound {
            Outbound::Frame(frame) => frame,
            Outbound::CatchUp => return self.catch_up().await,
            Outbound::Revoked => return Err(SIGNED_OUT),
            Outbound::StaffOnline | Outbound::StaffAway => {
                let staff_online = matches!(outbound, Outbound::StaffOnline);
                return self
                    .send_frame(&ServerFrame::Presence { staff_online })
                    .await;
            }
        };
        let (conv_id, seq) = (&frame.conv_id, frame.seq);
        let sub = self
            .subscriptions
            .get(conv_id)
            .map(|s| (s.delivered, s.paused));
        match (seq, sub) {
            // Left over from a conversation this visitor socket unsubscribed from.
            (_, None) if self.is_visitor() => return Ok(()),
            // The client is paging through the backlog: this comes in a later page.
            (Some(_), Some((_, true))) => return Ok(()),
            (Some(seq), Some((delivered, _))) if seq <= delivered => return Ok(()),
            _ => {}
        }
        // A live message ahead of a missing one: fill the gap first (unless it is longer
        // than a page, in which case the client pages through it and this comes later).
        let gap = matches!((seq, sub), (Some(seq), Some((delivered, _))) if seq > delivered + 1);
        if gap && !self.replay(conv_id, seq).await? {
            return Ok(());
        }
        self.send(WsMessage::Text(frame.text.clone())).await?;
        telemetry::frame_delivered(frame.published.elapsed());
        if let (Some(seq), Some(sub)) = (seq, self.subscriptions.get_mut(conv_id)) {
            sub.delivered = sub.delivered.max(seq);
        }
        Ok(())
    }

    /// Events may have been lost on their way here: re-read every subscription
    /// from the store, and give a staff socket a fresh conversation list.
    async fn catch_up(&mut self) -> Result<(), Stop> {
        // A sign-out elsewhere may have been among the events lost.
        if let Identity::Staff(_, session) = &self.identity {
            match chat::sessions::is_live(&self.state, &session.digest).await {
                Ok(true) => {}
                Ok(false) => return Err(SIGNED_OUT),
                Err(e) => tracing::warn!(error = %e, "could not re-check a staff session"),
            }
        }
        // A paused subscription resumes when its client asks for the next page.
        let conversations: Vec<ConvId> = self
            .subscriptions
            .iter()
            .filter(|(_, s)| !s.paused)
            .map(|(c, _)| c.clone())
            .collect();
        for conv_id in conversations {
            self.replay(&conv_id, None).await?;
        }
        if matches!(self.identity, Identity::Staff(..)) {
            self.resync(None).await?;
        }
        Ok(())
    }

    /// Sends the stored messages after the subscription's `delivered`, up to
    /// (not including) `until`, in order, advancing `delivered` as it goes; at most
    /// [`REPLAY_PAGE`] of them. Whether it got to the end: if not, the client is
    /// told `more` and the subscription pauses until it subscribes again.
    async fn replay(&mut self, conv_id: &ConvId, until: Option<u64>) -> Result<bool, Stop> {
        let Some((after, principal)) = self
            .subscriptions
            .get(conv_id)
            .map(|s| (s.delivered, s.principal.clone()))
        else {
            return Ok(true);
        };
        // One more than a page tells whether anything is left after it.
        let limit = REPLAY_PAGE + 1;
        let mut page =
            match chat::conversations::replay(&self.state, &principal, conv_id, after, limit).await
            {
                Ok(page) => page,
                Err(e) => return self.api_error(e, conv_id).await.map(|()| false),
            };
        if let Some(u) = until {
            page.retain(|m| m.seq < u);
        }
        let more = page.len() > REPLAY_PAGE as usize;
        page.truncate(REPLAY_PAGE as usize);
        for message in page {
            let seq = message.seq;
            self.send_frame(&ServerFrame::Message { message }).await?;
            if let Some(sub) = self.subscriptions.get_mut(conv_id) {
                sub.delivered = seq;
            }
        }
        if !more {
            return Ok(true);
        }
        let Some(sub) = self.subscriptions.get_mut(conv_id) else {
            return Ok(true);
        };
        sub.paused = true;
        let frame = ServerFrame::More {
            conv_id: conv_id.clone(),
            after_seq: sub.delivered,
        };
        self.send_frame(&frame).await?;
        Ok(false)
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
            ClientFrame::Unsubscribe { conv_id } => {
                if self.subscriptions.remove(&conv_id).is_some() && self.is_visitor() {
                    self.hub.unsubscribe_conversation(&conv_id);
                }
                self.send_frame(&ServerFrame::Unsubscribed { conv_id })
                    .await
            }
            ClientFrame::Typing { conv_id, typing } => self.typing(conv_id, typing).await,
            ClientFrame::Read { conv_id, seq } => self.read(conv_id, seq).await,
            ClientFrame::Resync { status } => self.resync(status).await,
            ClientFrame::Ping => self.send_frame(&ServerFrame::Pong).await,
        }
    }

    async fn authenticate(&mut self, frame: ClientFrame) -> Result<(), Stop> {
        let ClientFrame::Auth { token } = frame else {
            return Err(Stop::Close(
                close_code::UNAUTHORIZED,
                "the first frame must be auth",
            ));
        };
        match chat::sessions::for_socket(&self.state, &token).await {
            Ok(Some(StaffSession { staff, expires_at })) => {
                let digest = token_digest(&token);
                self.hub.subscribe_org(&staff.org_id, &digest);
                let frame = ServerFrame::Authenticated {
                    staff: staff.clone(),
                };
                let left = u64::try_from(expires_at.saturating_sub(now_ms())).unwrap_or(0);
                let session = StaffSocketSession {
                    digest,
                    ends: Instant::now() + Duration::from_millis(left),
                };
                self.identity = Identity::Staff(staff, session);
                self.send_frame(&frame).await
            }
            Ok(_) => {
                let frame = error_frame(
                    error_code::UNAUTHORIZED,
                    "the token is invalid or has expired; sign in again",
                    None,
                );
                self.send_frame(&frame).await?;
                Err(Stop::Close(close_code::UNAUTHORIZED, "invalid token"))
            }
            Err(e) => {
                tracing::error!(error = %e, "store error while authenticating a socket");
                Err(Stop::Close(
                    close_code::GOING_AWAY,
                    "temporary error; reconnect",
                ))
            }
        }
    }

    async fn subscribe(
        &mut self,
        conv_id: ConvId,
        token: Option<String>,
        after_seq: u64,
    ) -> Result<(), Stop> {
        let refuse = |code: &str, message: &str| error_frame(code, message, Some(&conv_id));
        let principal = match &self.identity {
            Identity::Staff(staff, _) => Principal::Staff(staff.clone()),
            Identity::Visitor { org_id, account_id } => {
                let Some(token) = token else {
                    return self
                        .send_frame(&refuse(
                            error_code::UNAUTHORIZED,
                            "subscribe needs the visitor token",
                        ))
                        .await;
                };
                match chat::access::visitor_of(&self.state, &token, org_id, account_id).await {
                    Ok(Some(visitor)) => visitor,
                    Ok(None) => {
                        return self
                            .send_frame(&refuse(
                                error_code::UNAUTHORIZED,
                                "the visitor token is not valid here",
                            ))
                            .await;
                    }
                    Err(e) => return self.api_error(e, &conv_id).await,
                }
            }
            Identity::AwaitingAuth => {
                return Err(Stop::Close(close_code::UNAUTHORIZED, "not authenticated"));
            }
        };
        let conversation =
            match chat::access::conversation_now(&self.state, &principal, &conv_id.0).await {
                Ok(c) => c,
                Err(ApiError::NotFound(_)) => {
                    return self
                        .send_frame(&refuse(error_code::NOT_FOUND, "conversation not found"))
                        .await;
                }
                Err(e) => return self.api_error(e, &conv_id).await,
            };
        let name = match &principal {
            Principal::Visitor(v) => v.name.clone(),
            Principal::Staff(s) => s.name.clone(),
        };
        let quota = self.state.settings.limits.rate_subscribes;
        if let Err(ApiError::RateLimited { .. }) = self
            .state
            .limiter
            .check("subscribe", principal.id(), quota)
            .await
        {
            return self
                .send_frame(&refuse(
                    error_code::RATE_LIMITED,
                    "too many subscriptions; slow down",
                ))
                .await;
        }
        if let Principal::Visitor(v) = &principal
            && !self.visitor_slots.contains_key(&v.id)
        {
            let max = self.state.settings.limits.max_sockets_per_visitor;
            let Some(slot) = self
                .state
                .sockets_per_visitor
                .try_acquire(v.id.clone(), max)
            else {
                return self
                    .send_frame(&refuse(
                        error_code::TOO_MANY_SOCKETS,
                        "this visitor has too many open chats; close a tab",
                    ))
                    .await;
            };
            self.visitor_slots.insert(v.id.clone(), slot);
        }
        // Listen before reading the backlog, so nothing committed in between is missed;
        // duplicates between the two are dropped by seq.
        if self.is_visitor() {
            self.hub.subscribe_conversation(&conv_id);
        }
        let last_seq = conversation.last_seq();
        let subscription = Subscription {
            principal,
            org_id: conversation.owner.org_id,
            delivered: after_seq.min(last_seq),
            name,
            typing: false,
            read: 0,
            paused: false,
        };
        self.subscriptions.insert(conv_id.clone(), subscription);
        self.send_frame(&ServerFrame::Subscribed {
            conv_id: conv_id.clone(),
            last_seq,
        })
        .await?;
        self.replay(&conv_id, None).await.map(drop)
    }

    fn side(&self) -> Side {
        if self.is_visitor() {
            Side::Visitor
        } else {
            Side::Staff
        }
    }

    async fn typing(&mut self, conv_id: ConvId, typing: bool) -> Result<(), Stop> {
        let side = self.side();
        let Some(sub) = self.subscriptions.get_mut(&conv_id) else {
            return self
                .send_frame(&error_frame(
                    error_code::NOT_SUBSCRIBED,
                    "subscribe first",
                    Some(&conv_id),
                ))
                .await;
        };
        if chat::typing::typing(
            &self.state,
            &sub.org_id,
            &conv_id,
            side,
            typing,
            &sub.name,
            sub.typing,
        ) {
            sub.typing = typing;
        }
        Ok(())
    }

    async fn read(&mut self, conv_id: ConvId, seq: u64) -> Result<(), Stop> {
        let Some(sub) = self.subscriptions.get_mut(&conv_id) else {
            return self
                .send_frame(&error_frame(
                    error_code::NOT_SUBSCRIBED,
                    "subscribe first",
                    Some(&conv_id),
                ))
                .await;
        };
        // A position already reported costs no write and tells nobody anything new.
        if seq <= sub.read {
            return Ok(());
        }
        sub.read = seq;
        let principal = sub.principal.clone();
        if let Err(e) = chat::reads::mark_read(&self.state, &principal, &conv_id.0, seq).await {
            return self.api_error(e, &conv_id).await;
        }
        Ok(())
    }

    async fn resync(
        &mut self,
        status: Option<natter_protocol::ConversationStatus>,
    ) -> Result<(), Stop> {
        let Identity::Staff(staff, _) = &self.identity else {
            return self
                .send_frame(&error_frame(
                    error_code::BAD_FRAME,
                    "resync is for staff sockets",
                    None,
                ))
                .await;
        };
        let staff = staff.clone();
        match chat::conversations::list(&self.state, &staff, status, None, 100).await {
            Ok((conversations, _)) => {
                self.send_frame(&ServerFrame::Conversations { conversations })
                    .await
            }
            Err(e) => {
                tracing::error!(error = %e, "store error on resync");
                self.send_frame(&error_frame(
                    error_code::INTERNAL,
                    "a temporary error; try again",
                    None,
                ))
                .await
            }
        }
    }
}
