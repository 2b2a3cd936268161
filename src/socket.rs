//! The one WebSocket per org/account. It reconnects with backoff and jitter, resubscribes from
//! the last contiguous `seq` after every reconnect, and switches conversations by sending
//! unsubscribe/subscribe over itself: a new conversation never means a new socket.

use crate::state::{Session, Subscription, backoff_ms};
use natter_client::json;
use natter_protocol::{ClientFrame, ConvId, ServerFrame};
use std::cell::{Cell, RefCell};
use std::rc::{Rc, Weak};
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::Closure;
use web_sys::{MessageEvent, WebSocket};

/// The socket's state, as the visitor sees it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Link {
    Connecting,
    Online,
    Reconnecting,
    Offline,
}

/// How the socket reaches the app.
pub struct Handlers {
    pub frame: Box<dyn Fn(ServerFrame)>,
    pub link: Box<dyn Fn(Link)>,
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

/// A cheap handle to the socket.
#[derive(Clone)]
pub struct Socket(Rc<Inner>);

struct Inner {
    url: String,
    handlers: Handlers,
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
    /// Opens the socket to `url` (`ws(s)://…/ws?org_id=…&account_id=…`).
    pub fn open(url: String, handlers: Handlers) -> Self {
        let inner = Rc::new(Inner {
            url,
            handlers,
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
        Inner::connect(&inner);
        Self(inner)
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
        Inner::connect(&self.0);
    }

    /// Close for `pagehide`, so the page stays eligible for the back/forward cache.
    pub fn suspend(&self) {
        self.0.suspended.set(true);
        self.0.clear_retry();
        self.0.drop_socket();
    }

    /// Close for good (the app unmounts, or the page's origin was refused).
    pub fn close(&self) {
        self.0.closed.set(true);
        self.suspend();
        if let (Some(window), Some(id)) = (web_sys::window(), self.0.ping_timer.take()) {
            window.clear_interval_with_handle(id);
        }
    }

    /// The browser reports the network went away: say so now, rather than after the timeout.
    pub fn offline(&self) {
        (self.0.handlers.link)(Link::Offline);
    }
}

impl Inner {
    fn connect(this: &Rc<Self>) {
        this.clear_retry();
        if this.suspended.get() {
            return;
        }
        let state = this.ws.borrow().as_ref().map(WebSocket::ready_state);
        // A socket that outlived a brief offline spell is still good: say so, so the
        // chat leaves its offline state and resends what failed meanwhile.
        if state == Some(WebSocket::OPEN) {
            (this.handlers.link)(Link::Online);
            return;
        }
        if state == Some(WebSocket::CONNECTING) {
            return;
        }
        (this.handlers.link)(if this.connects.get() == 0 {
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
        (this.handlers.link)(Link::Online);
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
        if let Some(frame) = text.and_then(|t| json::parse_tagged(&t, ServerFrame::from_tagged)) {
            (this.handlers.frame)(frame);
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
        (self.handlers.link)(if online {
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
        let ws = self.ws.borrow();
        match (ws.as_ref(), json::stringify(frame)) {
            (Some(ws), Some(json)) if ws.ready_state() == WebSocket::OPEN => {
                ws.send_with_str(&json).is_ok()
            }
            _ => false,
        }
    }
}
