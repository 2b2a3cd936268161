//! The one WebSocket per org/account. It reconnects with backoff and jitter, resubscribes from
//! the last contiguous `seq` after every reconnect, and switches conversations by sending
//! unsubscribe/subscribe over itself: a new conversation never means a new socket.
//!
//! One socket per browser, not per tab: the tabs showing the same website elect a leader
//! with a Web Lock named after the org/account, held for the leader's life. Only the leader
//! opens the socket; it passes every frame it receives to the other tabs over a
//! `BroadcastChannel` of the same name, with its link state, and sends what they ask it
//! to. When the leader goes, the browser grants the lock to a waiting tab at once, and that
//! tab opens the socket and resumes from its own last contiguous `seq` (it had every frame
//! the old leader passed on). Where either API is
//! missing (an insecure page, an old browser), each tab has its own socket as before.

use crate::state::{Session, Subscription, backoff_ms};
use natter_client::json;
use natter_protocol::{ClientFrame, ConvId, ServerFrame};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{BroadcastChannel, MessageEvent, WebSocket};

/// The socket's state, as the visitor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Reconnecting,
    Offline,
}

impl Link {
    fn as_str(self) -> &'static str {
        match self {
            Self::Connecting => "connecting",
            Self::Online => "online",
            Self::Reconnecting => "reconnecting",
            Self::Offline => "offline",
        }
    }

    fn parse(value: &str) -> Option<Self> {
        [
            Self::Connecting,
            Self::Online,
            Self::Reconnecting,
            Self::Offline,
        ]
        .into_iter()
        .find(|l| l.as_str() == value)
    }
}

/// How the socket reaches the app.
pub struct Handlers {
    pub frame: Box<dyn Fn(ServerFrame)>,
    pub link: Box<dyn Fn(Link)>,
    /// Another tab opened or closed the chat.
    pub opened_elsewhere: Box<dyn Fn(bool)>,
    /// The last contiguous `seq` of the conversation: where a (re)subscription resumes.
    pub resume_seq: Box<dyn Fn() -> u64>,
}

/// A JS event handler, kept alive while its socket lives.
type Listener = Closure<dyn FnMut(web_sys::Event)>;

/// Our ping keeps the server's 60 s idle timer from firing; 25 s leaves room for one loss.
const PING_MS: i32 = 25_000;
/// Nothing heard for this long (the server answers every ping): the socket is dead even if
/// the browser has not noticed, so reconnect.
const SILENCE_MS: f64 = 65_000.0;

/// This tab's part in the browser's one socket.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Role {
    /// No Web Locks or `BroadcastChannel`: this tab has a socket of its own.
    Alone,
    /// Another tab holds the socket (or none yet does, and this one waits for the lock).
    Follower,
    /// This tab holds the lock and the socket.
    Leader,
}

/// What the tabs tell each other over the channel: `{k, v}`.
mod kind {
    /// Leader → all: a frame from the server, as received.
    pub const FRAME: &str = "f";
    /// Leader → all: the link's state.
    pub const LINK: &str = "l";
    /// Follower → leader: a client frame to send.
    pub const SEND: &str = "s";
    /// A new tab → leader: say the link's state.
    pub const HELLO: &str = "h";
    /// Any → all: the chat was opened (`true`) or closed.
    pub const OPEN: &str = "o";
}

/// A cheap handle to the socket.
#[derive(Clone)]
pub struct Socket(Rc<Inner>);

struct Inner {
    url: String,
    handlers: Handlers,
    role: Cell<Role>,
    /// The lock's name, also the channel's.
    name: String,
    channel: Option<BroadcastChannel>,
    /// The channel's message handler, kept alive while the socket lives.
    on_channel: RefCell<Option<Listener>>,
    /// This tab asked for the lock and has not given it back.
    electing: Cell<bool>,
    /// Resolves the promise the lock is held by: gives the lock back.
    release: RefCell<Option<js_sys::Function>>,
    ws: RefCell<Option<WebSocket>>,
    /// The current socket's event handlers, kept alive while it lives.
    callbacks: RefCell<Vec<Listener>>,
    subscription: RefCell<Subscription>,
    attempt: Cell<u32>,
    retry_timer: Cell<Option<i32>>,
    ping_timer: Cell<Option<i32>>,
    /// Closed on purpose (page hidden in the back/forward cache, or the app unmounted).
    suspended: Cell<bool>,
    /// Closed for good: nothing reopens it.
    closed: Cell<bool>,
    /// How many sockets were created: also tells a stale socket's events from the current one's.
    connects: Cell<u32>,
    last_heard: Cell<f64>,
}

impl Socket {
    /// Opens the socket to `url` (`ws(s)://…/ws?org_id=…&account_id=…`), or joins the
    /// tab that holds it for `name` (`natter:{org}:{account}`).
    pub fn open(url: String, name: String, handlers: Handlers) -> Self {
        let channel = locks()
            .is_some()
            .then(|| BroadcastChannel::new(&name).ok())
            .flatten();
        let inner = Rc::new(Inner {
            url,
            handlers,
            role: Cell::new(if channel.is_some() {
                Role::Follower
            } else {
                Role::Alone
            }),
            name,
            channel,
            on_channel: RefCell::new(None),
            electing: Cell::new(false),
            release: RefCell::new(None),
            ws: RefCell::new(None),
            callbacks: RefCell::new(Vec::new()),
            subscription: RefCell::new(Subscription::default()),
            attempt: Cell::new(0),
            retry_timer: Cell::new(None),
            ping_timer: Cell::new(None),
            suspended: Cell::new(false),
            closed: Cell::new(false),
            connects: Cell::new(0),
            last_heard: Cell::new(0.0),
        });
        let weak = Rc::downgrade(&inner);
        let tick = Closure::<dyn Fn()>::new(move || {
            if let Some(inner) = weak.upgrade() {
                inner.tick();
            }
        });
        if let Some(window) = web_sys::window() {
            let id = window
                .set_interval_with_callback_and_timeout_and_arguments_0(
                    tick.as_ref().unchecked_ref(),
                    PING_MS,
                )
                .ok();
            inner.ping_timer.set(id);
        }
        // The interval lives as long as the page; `close` clears it.
        tick.forget();
        if let Some(channel) = &inner.channel {
            let weak = Rc::downgrade(&inner);
            let listener = Listener::new(move |event: web_sys::Event| {
                if let (Some(inner), Some(event)) =
                    (weak.upgrade(), event.dyn_ref::<MessageEvent>())
                {
                    inner.heard_from_tab(&event.data());
                }
            });
            channel.set_onmessage(Some(listener.as_ref().unchecked_ref()));
            *inner.on_channel.borrow_mut() = Some(listener);
            inner.tell_tabs(kind::HELLO, JsValue::TRUE);
            Inner::elect(&inner);
        } else {
            Inner::connect(&inner);
        }
        Self(inner)
    }

    /// Tells the other tabs that the chat was opened or closed here.
    pub fn share_open(&self, open: bool) {
        self.0.tell_tabs(kind::OPEN, JsValue::from_bool(open));
    }

    /// Subscribes to this conversation (or to none), over the same socket.
    pub fn set_session(&self, next: Option<Session>) {
        let resume = (self.0.handlers.resume_seq)();
        let frames = self.0.subscription.borrow_mut().switch(next, resume);
        for frame in frames {
            self.send(&frame);
        }
    }

    /// Asks for the next page of a paused replay (the server sent `more`).
    pub fn more(&self, conv_id: &ConvId, after_seq: u64) {
        let frame = self.0.subscription.borrow().more(conv_id, after_seq);
        if let Some(frame) = frame {
            self.send(&frame);
        }
    }

    /// Sends a frame if the socket is open; frames are hints or resent on resubscribe, so a
    /// frame lost while disconnected needs no queue.
    pub fn send(&self, frame: &ClientFrame) -> bool {
        self.0.send(frame)
    }

    /// Reconnect now rather than after the backoff: the page became visible, came back online
    /// or returned from the back/forward cache.
    pub fn wake(&self) {
        if self.0.closed.get() {
            return;
        }
        self.0.suspended.set(false);
        self.0.attempt.set(0);
        match self.0.role.get() {
            Role::Follower => Inner::elect(&self.0),
            Role::Alone | Role::Leader => Inner::connect(&self.0),
        }
    }

    /// Close for `pagehide`, so the page stays eligible for the back/forward cache.
    pub fn suspend(&self) {
        self.0.suspended.set(true);
        self.0.clear_retry();
        self.0.drop_socket();
        self.0.resign();
    }

    /// Close for good (the app unmounts, or the page's origin was refused).
    pub fn close(&self) {
        self.0.closed.set(true);
        self.suspend();
        if let (Some(window), Some(id)) = (web_sys::window(), self.0.ping_timer.take()) {
            window.clear_interval_with_handle(id);
        }
        if let Some(channel) = &self.0.channel {
            channel.set_onmessage(None);
            channel.close();
        }
        self.0.on_channel.borrow_mut().take();
    }

    /// The browser reports the network went away: say so now, rather than after the timeout.
    pub fn offline(&self) {
        (self.0.handlers.link)(Link::Offline);
    }
}

impl Inner {
    /// Asks for the lock; once granted, this tab leads: it opens the socket and holds the
    /// lock (by a promise only `resign` resolves) until it closes or leaves.
    fn elect(this: &Rc<Self>) {
        let Some(locks) = locks() else { return };
        if this.electing.replace(true) || this.closed.get() {
            return;
        }
        let weak = Rc::downgrade(this);
        let granted = Closure::once_into_js(move |_lock: JsValue| {
            js_sys::Promise::new(&mut |resolve, _| {
                match weak.upgrade() {
                    Some(inner) if inner.electing.get() && !inner.closed.get() => {
                        *inner.release.borrow_mut() = Some(resolve);
                        inner.role.set(Role::Leader);
                        inner.attempt.set(0);
                        Inner::connect(&inner);
                    }
                    // Closed or gone while waiting: give the lock straight back.
                    _ => _ = resolve.call0(&JsValue::UNDEFINED),
                }
            })
        });
        let request = js_sys::Reflect::get(&locks, &JsValue::from_str("request"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok());
        let asked = request.and_then(|f| {
            f.call2(&locks, &JsValue::from_str(&this.name), &granted)
                .ok()
        });
        if asked.is_none() {
            // The browser refused: this tab has a socket of its own.
            this.electing.set(false);
            this.role.set(Role::Alone);
            Self::connect(this);
        }
    }

    /// Gives the lock back (the page is closing or going into the back/forward cache): the
    /// next tab in line leads.
    fn resign(&self) {
        if self.role.get() == Role::Leader {
            self.role.set(Role::Follower);
        }
        self.electing.set(false);
        if let Some(release) = self.release.borrow_mut().take() {
            _ = release.call0(&JsValue::UNDEFINED);
        }
    }

    /// Tells the other tabs showing this website something (`kind`).
    fn tell_tabs(&self, kind: &str, value: JsValue) {
        if let Some(channel) = &self.channel {
            let message = natter_client::json::object(&[("k", kind.into()), ("v", value)]);
            _ = channel.post_message(&message);
        }
    }

    fn heard_from_tab(self: &Rc<Self>, message: &JsValue) {
        let field = |name: &str| js_sys::Reflect::get(message, &JsValue::from_str(name)).ok();
        let (Some(what), Some(value)) = (field("k").and_then(|k| k.as_string()), field("v")) else {
            return;
        };
        let leading = self.role.get() == Role::Leader;
        match what.as_str() {
            kind::FRAME if !leading => {
                if let Some(text) = value.as_string() {
                    self.deliver(&text);
                }
            }
            kind::LINK if !leading => {
                if let Some(link) = value.as_string().as_deref().and_then(Link::parse) {
                    (self.handlers.link)(link);
                }
            }
            kind::SEND if leading => {
                if let Some(text) = value.as_string() {
                    self.send_text(&text);
                }
            }
            kind::HELLO if leading => self.tell_tabs(kind::LINK, self.link_now().as_str().into()),
            kind::OPEN => (self.handlers.opened_elsewhere)(value.is_truthy()),
            _ => {}
        }
    }

    /// The link's state as this tab last told it.
    fn link_now(&self) -> Link {
        let state = self.ws.borrow().as_ref().map(WebSocket::ready_state);
        match state {
            Some(WebSocket::OPEN) => Link::Online,
            _ if self.connects.get() == 0 => Link::Connecting,
            _ => Link::Reconnecting,
        }
    }

    /// Sets the link's state here, and in the other tabs when this one leads.
    fn link(&self, link: Link) {
        (self.handlers.link)(link);
        if self.role.get() == Role::Leader {
            self.tell_tabs(kind::LINK, link.as_str().into());
        }
    }

    fn connect(this: &Rc<Self>) {
        this.clear_retry();
        if this.suspended.get() || this.role.get() == Role::Follower {
            return;
        }
        let state = this.ws.borrow().as_ref().map(WebSocket::ready_state);
        // A socket that outlived a brief offline spell is still good: say so, so the
        // chat leaves its offline state and resends what failed meanwhile.
        if state == Some(WebSocket::OPEN) {
            this.link(Link::Online);
            return;
        }
        if state == Some(WebSocket::CONNECTING) {
            return;
        }
        this.link(if this.connects.get() == 0 {
            Link::Connecting
        } else {
            Link::Reconnecting
        });
        let Ok(ws) = WebSocket::new(&this.url) else {
            this.schedule_retry();
            return;
        };
        let generation = this.connects.get() + 1;
        this.connects.set(generation);
        let on = |f: fn(&Rc<Self>, web_sys::Event)| {
            let weak: Weak<Self> = Rc::downgrade(this);
            Listener::new(move |event| {
                // Events of a socket we already replaced are ignored.
                if let Some(inner) = weak.upgrade().filter(|i| i.connects.get() == generation) {
                    f(&inner, event);
                }
            })
        };
        let callbacks = vec![on(Self::opened), on(Self::received), on(Self::closed)];
        ws.set_onopen(Some(callbacks[0].as_ref().unchecked_ref()));
        ws.set_onmessage(Some(callbacks[1].as_ref().unchecked_ref()));
        ws.set_onclose(Some(callbacks[2].as_ref().unchecked_ref()));
        *this.callbacks.borrow_mut() = callbacks;
        *this.ws.borrow_mut() = Some(ws);
    }

    fn opened(this: &Rc<Self>, _: web_sys::Event) {
        this.attempt.set(0);
        this.last_heard.set(js_sys::Date::now());
        this.link(Link::Online);
        let frames = this
            .subscription
            .borrow_mut()
            .opened((this.handlers.resume_seq)());
        for frame in frames {
            this.send(&frame);
        }
    }

    fn received(this: &Rc<Self>, event: web_sys::Event) {
        this.last_heard.set(js_sys::Date::now());
        let text = event
            .dyn_ref::<MessageEvent>()
            .and_then(|e| e.data().as_string());
        if let Some(text) = text {
            if this.role.get() == Role::Leader {
                this.tell_tabs(kind::FRAME, JsValue::from_str(&text));
            }
            this.deliver(&text);
        }
    }

    fn deliver(&self, text: &str) {
        if let Some(frame) = json::parse_tagged(text, ServerFrame::from_tagged) {
            (self.handlers.frame)(frame);
        }
    }

    /// Every close but our own (queue overflow 4008, server restart 1001, network loss)
    /// reconnects after the backoff, then resumes by `seq`.
    fn closed(this: &Rc<Self>, _: web_sys::Event) {
        this.subscription.borrow_mut().closed();
        this.ws.borrow_mut().take();
        if !this.suspended.get() {
            this.schedule_retry();
        }
    }

    fn schedule_retry(self: &Rc<Self>) {
        let online = web_sys::window().is_none_or(|w| w.navigator().on_line());
        self.link(if online {
            Link::Reconnecting
        } else {
            Link::Offline
        });
        let attempt = self.attempt.get();
        self.attempt.set(attempt.saturating_add(1));
        let delay = backoff_ms(attempt, js_sys::Math::random());
        let weak = Rc::downgrade(self);
        let retry = Closure::once_into_js(move || {
            if let Some(inner) = weak.upgrade() {
                inner.retry_timer.set(None);
                Self::connect(&inner);
            }
        });
        let id = web_sys::window().and_then(|w| {
            w.set_timeout_with_callback_and_timeout_and_arguments_0(
                retry.unchecked_ref(),
                delay as i32,
            )
            .ok()
        });
        self.retry_timer.set(id);
    }

    fn clear_retry(&self) {
        if let (Some(window), Some(id)) = (web_sys::window(), self.retry_timer.take()) {
            window.clear_timeout_with_handle(id);
        }
    }

    /// Detaches and closes the current socket without triggering a reconnect.
    fn drop_socket(&self) {
        self.subscription.borrow_mut().closed();
        if let Some(ws) = self.ws.borrow_mut().take() {
            ws.set_onclose(None);
            ws.set_onmessage(None);
            ws.set_onopen(None);
            _ = ws.close_with_code(1000);
        }
        self.callbacks.borrow_mut().clear();
    }

    fn tick(self: &Rc<Self>) {
        let open = self
            .ws
            .borrow()
            .as_ref()
            .is_some_and(|ws| ws.ready_state() == WebSocket::OPEN);
        if !open {
            return;
        }
        if js_sys::Date::now() - self.last_heard.get() > SILENCE_MS {
            self.drop_socket();
            self.schedule_retry();
        } else {
            self.send(&ClientFrame::Ping);
        }
    }

    fn send(&self, frame: &ClientFrame) -> bool {
        let Some(text) = json::stringify(frame) else {
            return false;
        };
        if self.role.get() == Role::Follower {
            // The leader sends it; a frame lost on the way is a hint, like one lost offline.
            self.tell_tabs(kind::SEND, JsValue::from_str(&text));
            return true;
        }
        self.send_text(&text)
    }

    fn send_text(&self, text: &str) -> bool {
        let ws = self.ws.borrow();
        ws.as_ref()
            .filter(|ws| ws.ready_state() == WebSocket::OPEN)
            .is_some_and(|ws| ws.send_with_str(text).is_ok())
    }
}

/// `navigator.locks`, where the page may use it (secure contexts in current browsers).
fn locks() -> Option<JsValue> {
    let navigator = web_sys::window()?.navigator();
    js_sys::Reflect::get(&navigator, &JsValue::from_str("locks"))
        .ok()
        .filter(|l| l.is_object())
}
