//! The hub: the only way an event reaches a socket.
//!
//! Handlers publish an [`Event`] after the data behind it is committed; the hub
//! serialises its frame once and offers it to every interested connection's
//! bounded queue with `try_send`, so a slow client never delays anyone else. A
//! connection whose queue is full is cut off (it is told through `overflowed` and
//! closes the socket with `QUEUE_OVERFLOW`) and resumes by `after_seq` when it reconnects.
//!
//! Visitor sockets listen to conversations; staff sockets to their organization.
//!
//! With several instances, the hub also forwards each event to a [`Forwarder`] (the
//! bus, Redis pub/sub, attaches one; the hub knows it only as a sink) and dispatches
//! what other instances forward. Pub/sub may drop
//! events; the store stays the source of truth: after any gap in the bus, every
//! local connection is told to catch up from the store ([`Outbound::CatchUp`]).

use crate::telemetry;
use axum::extract::ws::Utf8Bytes;
use natter_protocol::{ConvId, ServerFrame, Side};
use serde::{Deserialize, Serialize};
use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};
use std::time::{Duration, Instant};
use tokio::sync::{Notify, mpsc};

/// What this instance tells the others.
pub enum Forward<'a> {
    Event(&'a Event),
    /// A staff session ended (its token's digest): close its sockets.
    Revoke(&'a str),
}

/// Where forwarded events go; it must not block (the bus queues them).
pub type Forwarder = Box<dyn Fn(Forward<'_>) + Send + Sync>;

/// Who should receive an event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Audience {
    /// The conversation's visitor sockets.
    Visitor,
    /// The organization's staff sockets.
    Staff,
    Everyone,
}

/// Something that happened, to be told to the sockets that care.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Event {
    pub org_id: String,
    pub conv_id: ConvId,
    pub audience: Audience,
    pub frame: ServerFrame,
}

/// What a connection's queue carries: one pointer wide, because every socket's
/// queue preallocates a block of slots whether it is used or not.
#[derive(Clone, Debug)]
pub enum Outbound {
    Frame(Arc<Frame>),
    /// Events may have been lost (the bus had a gap): re-read subscriptions from the store.
    CatchUp,
    /// The staff session this socket speaks for has ended (signed out): close it.
    Revoked,
    /// Visitor sockets: the organization's first staff socket on this instance connected…
    StaffOnline,
    /// …or its last one closed.
    StaffAway,
}

/// A frame, serialised once and shared by all receivers.
#[derive(Debug)]
pub struct Frame {
    pub conv_id: ConvId,
    /// Set for `message` frames, so the connection can drop duplicates and fill gaps.
    pub seq: Option<u64>,
    pub text: Utf8Bytes,
    /// When it was published, for the delivery-latency histogram.
    pub published: Instant,
}

pub type ConnId = u64;

/// What the hub keeps per connection. The hub holds the only `Sender`.
struct ConnEntry {
    tx: mpsc::Sender<Outbound>,
    overflowed: Arc<Notify>,
    conversations: HashSet<String>,
    org: Option<String>,
    /// The digest of the staff session token the socket signed in with.
    session: Option<String>,
    /// A visitor socket's organization, told when staff come and go.
    visitor_org: Option<String>,
    /// The staff member a staff socket signed in as.
    staff_id: Option<String>,
}

#[derive(Default)]
struct Registry {
    conns: HashMap<ConnId, ConnEntry>,
    conversations: HashMap<String, HashSet<ConnId>>,
    orgs: HashMap<String, HashSet<ConnId>>,
    sessions: HashMap<String, HashSet<ConnId>>,
    /// Visitor sockets by organization, for presence.
    visitor_orgs: HashMap<String, HashSet<ConnId>>,
    /// Staff sockets by organization whose member is not away: presence is "online"
    /// while an organization has one.
    available: HashMap<String, HashSet<ConnId>>,
}

impl Registry {
    /// Unregisters `conn` and every connection cut off while telling others about it
    /// (a visitor whose queue is full when staff leave).
    fn drop_conn(&mut self, conn: ConnId) {
        let mut gone = vec![conn];
        while let Some(conn) = gone.pop() {
            let Some(entry) = self.conns.remove(&conn) else {
                continue;
            };
            for conv in &entry.conversations {
                remove(&mut self.conversations, conv, conn);
            }
            if let Some(org) = &entry.visitor_org {
                remove(&mut self.visitor_orgs, org, conn);
            }
            if let Some(session) = &entry.session {
                remove(&mut self.sessions, session, conn);
            }
            if let Some(org) = &entry.org {
                remove(&mut self.orgs, org, conn);
                let was = self.available.contains_key(org);
                remove(&mut self.available, org, conn);
                if was && !self.available.contains_key(org) {
                    self.tell_presence(org, Outbound::StaffAway, &mut gone);
                }
            }
        }
    }

    /// Marks `conns` of `org` available or not, telling its visitors when the
    /// organization goes from nobody online to someone, or back.
    fn make_available(&mut self, org: &str, conns: &[ConnId], available: bool) {
        let was = self.available.contains_key(org);
        for &conn in conns {
            if available {
                self.available
                    .entry(org.to_owned())
                    .or_default()
                    .insert(conn);
            } else {
                remove(&mut self.available, org, conn);
            }
        }
        let now = self.available.contains_key(org);
        if was != now {
            let mut cut = Vec::new();
            let outbound = if now {
                Outbound::StaffOnline
            } else {
                Outbound::StaffAway
            };
            self.tell_presence(org, outbound, &mut cut);
            for conn in cut {
                self.drop_conn(conn);
            }
        }
    }

    /// Tells the organization's visitor sockets that staff came or went.
    fn tell_presence(&self, org: &str, outbound: Outbound, cut: &mut Vec<ConnId>) {
        offer(&self.conns, self.visitor_orgs.get(org), &outbound, cut);
    }
}

/// Offers `outbound` to each listed connection; collects those whose queue is full.
fn offer(
    conns: &HashMap<ConnId, ConnEntry>,
    listeners: Option<&HashSet<ConnId>>,
    outbound: &Outbound,
    cut: &mut Vec<ConnId>,
) {
    for conn in listeners.into_iter().flatten() {
        let Some(entry) = conns.get(conn) else {
            continue;
        };
        if let Err(mpsc::error::TrySendError::Full(_)) = entry.tx.try_send(outbound.clone()) {
            tracing::warn!(conn, "send queue overflowed; cutting the connection off");
            telemetry::queue_overflow();
            entry.overflowed.notify_one();
            cut.push(*conn);
        }
    }
}

fn remove(map: &mut HashMap<String, HashSet<ConnId>>, key: &str, conn: ConnId) {
    if let Some(set) = map.get_mut(key) {
        set.remove(&conn);
        if set.is_empty() {
            map.remove(key);
        }
    }
}

struct Inner {
    next_conn: AtomicU64,
    registry: Mutex<Registry>,
    /// Capacity of each connection's queue. A client this far behind is cut off.
    queue_capacity: usize,
    /// Where events go for the other instances, when there are any.
    bus: OnceLock<Forwarder>,
    /// Typing frames' budget per conversation and side, on this instance.
    typing: Mutex<HashMap<(ConvId, Side), TypingBudget>>,
}

/// "Typing" passes on at most once a second per conversation and side, however many
/// sockets (tabs) type, after a burst of [`TYPING_BURST`]: a person who types, clears
/// the box and types again is heard at once; a flood is not. The other side needs to
/// hear of typing, not of every keystroke.
pub const TYPING_EVERY: Duration = Duration::from_secs(1);
pub const TYPING_BURST: f64 = 4.0;

/// A token bucket: `tokens` at `at`, one more each [`TYPING_EVERY`], at most [`TYPING_BURST`].
#[derive(Clone, Copy, Debug)]
struct TypingBudget {
    tokens: f64,
    at: Instant,
}

impl TypingBudget {
    fn tokens_at(self, now: Instant) -> f64 {
        let earned = now.duration_since(self.at).as_secs_f64() / TYPING_EVERY.as_secs_f64();
        (self.tokens + earned).min(TYPING_BURST)
    }
}

#[derive(Clone)]
pub struct Hub {
    inner: Arc<Inner>,
}

/// A connection's registration with the hub; unregisters everything when dropped.
pub struct Connection {
    hub: Hub,
    pub id: ConnId,
    /// Notified when the hub cut this connection off for falling behind.
    pub overflowed: Arc<Notify>,
}

impl Drop for Connection {
    fn drop(&mut self) {
        self.hub.registry().drop_conn(self.id);
    }
}

impl Connection {
    pub fn subscribe_conversation(&self, conv_id: &ConvId) {
        let mut registry = self.hub.registry();
        if let Some(entry) = registry.conns.get_mut(&self.id) {
            entry.conversations.insert(conv_id.0.clone());
            registry
                .conversations
                .entry(conv_id.0.clone())
                .or_default()
                .insert(self.id);
        }
    }

    pub fn unsubscribe_conversation(&self, conv_id: &ConvId) {
        let mut registry = self.hub.registry();
        if let Some(entry) = registry.conns.get_mut(&self.id) {
            entry.conversations.remove(&conv_id.0);
        }
        remove(&mut registry.conversations, &conv_id.0, self.id);
    }

    /// A signed-in staff socket of `staff_id`: it hears its organization until
    /// `session` ends, and counts as online unless its member is `away`.
    pub fn subscribe_org(&self, org_id: &str, session: &str, staff_id: &str, away: bool) {
        let mut registry = self.hub.registry();
        let registry = &mut *registry;
        if let Some(entry) = registry.conns.get_mut(&self.id) {
            entry.org = Some(org_id.to_owned());
            entry.session = Some(session.to_owned());
            entry.staff_id = Some(staff_id.to_owned());
            registry
                .orgs
                .entry(org_id.to_owned())
                .or_default()
                .insert(self.id);
            registry
                .sessions
                .entry(session.to_owned())
                .or_default()
                .insert(self.id);
            if !away {
                registry.make_available(org_id, &[self.id], true);
            }
        }
    }

    /// A visitor socket of the organization: it is told when staff come and go.
    pub fn watch_presence(&self, org_id: &str) {
        let mut registry = self.hub.registry();
        if let Some(entry) = registry.conns.get_mut(&self.id) {
            entry.visitor_org = Some(org_id.to_owned());
            registry
                .visitor_orgs
                .entry(org_id.to_owned())
                .or_default()
                .insert(self.id);
        }
    }
}

impl Hub {
    pub fn new(queue_capacity: usize) -> Self {
        let inner = Inner {
            next_conn: AtomicU64::new(0),
            registry: Mutex::default(),
            queue_capacity: queue_capacity.max(1),
            bus: OnceLock::new(),
            typing: Mutex::default(),
        };
        Self {
            inner: Arc::new(inner),
        }
    }

    fn registry(&self) -> MutexGuard<'_, Registry> {
        // The registry stays consistent across a panic in another holder: every
        // update is a handful of inserts and removes with no await in between.
        self.inner
            .registry
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// Whether a "typing" from `side` in `conv_id` goes out now (within the
    /// conversation's budget for that side, shared by every socket of this instance).
    pub fn typing_passes(&self, conv_id: &ConvId, side: Side) -> bool {
        self.typing_passes_at(conv_id, side, Instant::now())
    }

    fn typing_passes_at(&self, conv_id: &ConvId, side: Side, now: Instant) -> bool {
        let mut budgets = self
            .inner
            .typing
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        // A full bucket decides nothing: drop those once there are many.
        if budgets.len() >= 4096 {
            budgets.retain(|_, b| b.tokens_at(now) < TYPING_BURST);
        }
        let full = TypingBudget {
            tokens: TYPING_BURST,
            at: now,
        };
        let budget = budgets.entry((conv_id.clone(), side)).or_insert(full);
        let tokens = budget.tokens_at(now);
        if tokens < 1.0 {
            return false;
        }
        *budget = TypingBudget {
            tokens: tokens - 1.0,
            at: now,
        };
        true
    }

    /// Registers a new connection: its handle and the receiving end of its bounded queue.
    pub fn connect(&self) -> (Connection, mpsc::Receiver<Outbound>) {
        let id = self.inner.next_conn.fetch_add(1, Ordering::Relaxed);
        let (tx, rx) = mpsc::channel(self.inner.queue_capacity);
        let overflowed = Arc::new(Notify::new());
        let entry = ConnEntry {
            tx,
            overflowed: overflowed.clone(),
            conversations: HashSet::new(),
            org: None,
            session: None,
            visitor_org: None,
            staff_id: None,
        };
        self.registry().conns.insert(id, entry);
        (
            Connection {
                hub: self.clone(),
                id,
                overflowed,
            },
            rx,
        )
    }

    /// Connects the hub to the other instances (once, at start-up).
    pub fn attach_forwarder(&self, forwarder: Forwarder) {
        let _ = self.inner.bus.set(forwarder);
    }

    /// Tells every interested connection, here and on the other instances.
    /// Call only after the event's data is committed.
    pub fn publish(&self, event: Event) {
        if let Some(forward) = self.inner.bus.get() {
            forward(Forward::Event(&event));
        }
        self.dispatch(&event);
    }

    /// Tells this instance's interested connections.
    pub fn dispatch(&self, event: &Event) {
        let seq = match &event.frame {
            ServerFrame::Message { message } => Some(message.seq),
            _ => None,
        };
        let text = match serde_json::to_string(&event.frame) {
            Ok(json) => Utf8Bytes::from(json),
            Err(e) => {
                tracing::error!(error = %e, "could not serialise a frame");
                return;
            }
        };
        let outbound = Outbound::Frame(Arc::new(Frame {
            conv_id: event.conv_id.clone(),
            seq,
            text,
            published: Instant::now(),
        }));
        let mut cut = Vec::new();
        let mut registry = self.registry();
        let registry = &mut *registry;
        if matches!(event.audience, Audience::Visitor | Audience::Everyone) {
            offer(
                &registry.conns,
                registry.conversations.get(&event.conv_id.0),
                &outbound,
                &mut cut,
            );
        }
        if matches!(event.audience, Audience::Staff | Audience::Everyone) {
            offer(
                &registry.conns,
                registry.orgs.get(&event.org_id),
                &outbound,
                &mut cut,
            );
        }
        for conn in cut {
            registry.drop_conn(conn);
        }
    }

    /// Closes every socket of a staff session (its token digest), here and on the
    /// other instances. Call after the session is deleted.
    pub fn revoke_session(&self, session: &str) {
        if let Some(forward) = self.inner.bus.get() {
            forward(Forward::Revoke(session));
        }
        self.end_session(session);
    }

    /// Closes this instance's sockets of a staff session.
    pub fn end_session(&self, session: &str) {
        let mut cut = Vec::new();
        let mut registry = self.registry();
        let registry = &mut *registry;
        offer(
            &registry.conns,
            registry.sessions.get(session),
            &Outbound::Revoked,
            &mut cut,
        );
        for conn in cut {
            registry.drop_conn(conn);
        }
    }

    /// Asks every local connection to catch up from the store.
    pub fn catch_up_all(&self) {
        let mut cut = Vec::new();
        let mut registry = self.registry();
        let registry = &mut *registry;
        let all: HashSet<ConnId> = registry.conns.keys().copied().collect();
        offer(&registry.conns, Some(&all), &Outbound::CatchUp, &mut cut);
        for conn in cut {
            registry.drop_conn(conn);
        }
    }

    /// Whether a staff member of the organization who is not away has a socket on this
    /// instance.
    /// The members of an organization available on this instance (signed in, not away),
    /// each once.
    pub fn available_staff(&self, org_id: &str) -> Vec<String> {
        let registry = self.registry();
        let mut staff: Vec<String> = registry
            .available
            .get(org_id)
            .into_iter()
            .flatten()
            .filter_map(|conn| registry.conns.get(conn)?.staff_id.clone())
            .collect();
        staff.sort();
        staff.dedup();
        staff
    }

    pub fn has_staff_online(&self, org_id: &str) -> bool {
        self.registry().available.contains_key(org_id)
    }

    /// A staff member set themselves away (or back): their sockets here stop (or start)
    /// counting as online.
    pub fn set_away(&self, org_id: &str, staff_id: &str, away: bool) {
        let mut registry = self.registry();
        let conns: Vec<ConnId> = registry
            .orgs
            .get(org_id)
            .into_iter()
            .flatten()
            .copied()
            .filter(|c| {
                registry
                    .conns
                    .get(c)
                    .is_some_and(|e| e.staff_id.as_deref() == Some(staff_id))
            })
            .collect();
        registry.make_available(org_id, &conns, !away);
    }

    /// Open connections and (topic, connection) registrations, for metrics and tests.
    pub fn counts(&self) -> (usize, usize) {
        let registry = self.registry();
        let subs = registry
            .conversations
            .values()
            .map(HashSet::len)
            .sum::<usize>()
            + registry.orgs.values().map(HashSet::len).sum::<usize>();
        (registry.conns.len(), subs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(audience: Audience, conv: &str, seq: u64) -> Event {
        Event {
            org_id: "org".into(),
            conv_id: conv.into(),
            audience,
            frame: ServerFrame::Read {
                conv_id: conv.into(),
                side: Side::Visitor,
                seq,
            },
        }
    }

    /// What a queue holds now, as (conversation, frame text).
    fn drain(rx: &mut mpsc::Receiver<Outbound>) -> Vec<String> {
        let mut got = Vec::new();
        while let Ok(item) = rx.try_recv() {
            match item {
                Outbound::Frame(frame) => got.push(frame.conv_id.0.clone()),
                other => got.push(format!("{other:?}")),
            }
        }
        got
    }

    #[test]
    fn each_audience_reaches_exactly_its_sockets() {
        let hub = Hub::new(8);
        let (visitor, mut visitor_rx) = hub.connect();
        visitor.subscribe_conversation(&"c1".into());
        let (other_visitor, mut other_rx) = hub.connect();
        other_visitor.subscribe_conversation(&"c2".into());
        let (staff, mut staff_rx) = hub.connect();
        staff.subscribe_org("org", "session", "s", false);
        let (foreign, mut foreign_rx) = hub.connect();
        foreign.subscribe_org("other-org", "other-session", "f", false);
        let cases = [
            (Audience::Visitor, [true, false, false, false]),
            (Audience::Staff, [false, false, true, false]),
            (Audience::Everyone, [true, false, true, false]),
        ];
        for (audience, reached) in cases {
            hub.publish(event(audience, "c1", 1));
            let got = [
                &mut visitor_rx,
                &mut other_rx,
                &mut staff_rx,
                &mut foreign_rx,
            ]
            .map(|rx| drain(rx) == ["c1"]);
            assert_eq!(got, reached, "{audience:?}");
        }
    }

    #[test]
    fn a_socket_that_falls_behind_is_cut_off_and_others_are_not() {
        let hub = Hub::new(2);
        let (slow, _slow_rx) = hub.connect();
        slow.subscribe_conversation(&"c".into());
        let (fast, mut fast_rx) = hub.connect();
        fast.subscribe_conversation(&"c".into());
        for seq in 1..=3 {
            hub.publish(event(Audience::Visitor, "c", seq));
            assert_eq!(drain(&mut fast_rx).len(), 1, "the reader keeps up");
        }
        // The third frame found the slow queue full: it was told, and unregistered.
        assert_eq!(hub.counts(), (1, 1));
        let told = slow.overflowed.notified();
        assert_notified(told);
    }

    /// A `Notify` that was notified before anyone waited completes at once.
    fn assert_notified(notified: tokio::sync::futures::Notified<'_>) {
        let waker = std::task::Waker::noop();
        let mut cx = std::task::Context::from_waker(waker);
        let mut notified = std::pin::pin!(notified);
        assert!(
            notified.as_mut().poll(&mut cx).is_ready(),
            "told it overflowed"
        );
    }

    #[test]
    fn dropping_a_connection_unregisters_everything_it_listened_to() {
        let hub = Hub::new(8);
        let (conn, _rx) = hub.connect();
        conn.subscribe_conversation(&"c1".into());
        conn.subscribe_conversation(&"c2".into());
        let (staff, _staff_rx) = hub.connect();
        staff.subscribe_org("org", "session", "s", false);
        assert_eq!(hub.counts(), (2, 3));
        assert!(hub.has_staff_online("org"));
        drop(conn);
        drop(staff);
        assert_eq!(hub.counts(), (0, 0));
        assert!(!hub.has_staff_online("org"));
    }

    #[test]
    fn ending_a_session_revokes_only_its_sockets() {
        let hub = Hub::new(8);
        let (a, mut a_rx) = hub.connect();
        a.subscribe_org("org", "s1", "a", false);
        let (b, mut b_rx) = hub.connect();
        b.subscribe_org("org", "s2", "b", false);
        hub.revoke_session("s1");
        assert_eq!(drain(&mut a_rx), ["Revoked"]);
        assert!(drain(&mut b_rx).is_empty());
    }

    #[test]
    fn typing_passes_a_burst_then_once_a_second_per_conversation_and_side() {
        let hub = Hub::new(8);
        let c: ConvId = "c".into();
        let t0 = Instant::now();
        let passes = |at: Duration| hub.typing_passes_at(&c, Side::Visitor, t0 + at);
        for _ in 0..4 {
            assert!(passes(Duration::ZERO), "a person's type, clear, type again");
        }
        assert!(!passes(Duration::ZERO), "the burst is spent");
        assert!(!passes(Duration::from_millis(900)));
        assert!(passes(Duration::from_millis(1000)), "one a second after it");
        assert!(!passes(Duration::from_millis(1500)));
        assert!(
            hub.typing_passes(&c, Side::Staff),
            "the other side is apart"
        );
        assert!(
            hub.typing_passes(&"d".into(), Side::Visitor),
            "so is another conversation"
        );
    }
}
