//! The app's shared state (provided as context) and the actions that change it: leads,
//! optimistic sends, socket frames, history and gap fills, persistence.

use crate::host::{self, Command};
use crate::i18n::Strings;
use crate::net::{Api, ApiError};
use crate::socket::{Handlers, Link, Socket};
use crate::state::{Conversation, Session};
use crate::storage::Store;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{
    Attachment, ConvId, ConversationStatus, CreateLead, Direction, Identify, Message, PostMessage,
    ServerFrame, Side, VisitorConversation, WidgetConfig, WidgetPosition, WidgetTheme, error_code,
    validate,
};
use std::cell::Cell;
use wasm_bindgen::JsValue;
use web_sys::HtmlElement;

/// Where the app runs: read from the loader's host element, or given by a test.
#[derive(Clone, Debug)]
pub struct Settings {
    pub org: String,
    pub account: String,
    /// The chat server's origin, e.g. `https://chat.example.com`.
    pub server: String,
    /// A BCP 47 tag; empty means the browser's language.
    pub locale: String,
    /// Commands arrive on it and events leave from it.
    pub host: HtmlElement,
}

/// The lead form's pre-filled values (`Natter.setUser`, or the last lead).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Prefill {
    pub name: String,
    pub email: String,
}

/// Browser-side services; not `Send`, so kept in local storage of the reactive arena.
struct Env {
    api: Api,
    store: Store,
    host: HtmlElement,
    socket: Option<Socket>,
    /// A history or gap fetch is running: one at a time.
    fetching: Cell<bool>,
    /// Messages up to this seq were history when they arrived: no `message` event for them.
    quiet_until: Cell<u64>,
    /// Counts typing frames, so that only the latest one's expiry clears the indicator.
    typing_frames: Cell<u64>,
}

/// A "… is typing" indicator disappears this long after the last frame that said so, in
/// ms, whatever the typist's browser does (it may have closed without a word). Senders
/// repeat the frame every few seconds while typing goes on.
pub const TYPING_EXPIRES_MS: u64 = 6_000;

/// A message the server could not be reached for is tried again this often while the
/// socket is up (it is also tried the moment the socket comes back), in ms.
const REQUEUE_MS: u64 = 5_000;

/// The widget's state. Copy: every field is a handle into the reactive arena.
#[derive(Clone, Copy)]
pub struct Chat {
    pub t: &'static Strings,
    pub config: RwSignal<Option<WidgetConfig>>,
    pub session: RwSignal<Option<Session>>,
    pub conv: RwSignal<Conversation>,
    /// The last staff `seq` the visitor has seen.
    pub read_seq: RwSignal<u64>,
    pub open: RwSignal<bool>,
    pub link: RwSignal<Link>,
    /// The name of the staff member typing, if one is.
    pub typing: RwSignal<Option<String>>,
    /// The log shows its newest message (the reader has not scrolled up, the panel is open).
    pub at_bottom: RwSignal<bool>,
    pub resolved: RwSignal<bool>,
    pub prefill: RwSignal<Prefill>,
    /// The visitor is a contact the website vouched for (`Natter.setUser` with a hash).
    pub verified: RwSignal<bool>,
    /// A verified contact's conversations, most recent first, to continue one.
    pub past: RwSignal<Vec<VisitorConversation>>,
    /// The visitor chose "Email me this conversation": its form is shown.
    pub asking_transcript: RwSignal<bool>,
    /// The viewer's locale for dates and times (empty: the browser's).
    locale: StoredValue<String>,
    env: StoredValue<Env, LocalStorage>,
}

impl Chat {
    /// Builds the state from storage and opens the socket: once per app, that is once per
    /// org/account (the app is mounted for one account and never re-keyed).
    pub fn start(settings: &Settings, t: &'static Strings) -> Self {
        let store = Store::new(&settings.org, &settings.account);
        let saved = store.load();
        let verified = saved.verified();
        let session = saved.session();
        let chat = Self {
            t,
            config: RwSignal::new(None),
            session: RwSignal::new(None),
            conv: RwSignal::new(Conversation::default()),
            read_seq: RwSignal::new(saved.read_seq),
            open: RwSignal::new(false),
            link: RwSignal::new(Link::Connecting),
            typing: RwSignal::new(None),
            at_bottom: RwSignal::new(true),
            resolved: RwSignal::new(false),
            prefill: RwSignal::new(Prefill {
                name: saved.name,
                email: saved.email,
            }),
            verified: RwSignal::new(verified),
            past: RwSignal::new(Vec::new()),
            asking_transcript: RwSignal::new(false),
            locale: StoredValue::new(settings.locale.clone()),
            env: StoredValue::new_local(Env {
                api: Api::new(&settings.server, &settings.org, &settings.account),
                store,
                host: settings.host.clone(),
                socket: None,
                fetching: Cell::new(false),
                quiet_until: Cell::new(0),
                typing_frames: Cell::new(0),
            }),
        };
        let socket = Socket::open(
            ws_url(settings),
            chat.store().key().to_owned(),
            Handlers {
                frame: Box::new(move |frame| chat.on_frame(frame)),
                link: Box::new(move |link| chat.on_link(link)),
                opened_elsewhere: Box::new(move |open| {
                    if chat.open.get_untracked() != open {
                        chat.open.set(open);
                    }
                }),
                resume_seq: Box::new(move || chat.conv.with_untracked(Conversation::resume_seq)),
            },
        );
        chat.env.update_value(|env| env.socket = Some(socket));
        if let Some(session) = session {
            chat.session.set(Some(session));
            chat.catch_up(true);
        }
        // Messages a reload interrupted go out again, under their original ids.
        for (id, text) in saved.outbox {
            let files = saved
                .outbox_files
                .iter()
                .find(|(of, _)| *of == id)
                .map(|(_, files)| files.clone())
                .unwrap_or_default();
            let ids = files.iter().map(|f| f.id.clone()).collect();
            let now = js_sys::Date::now() as i64;
            chat.conv
                .update(|c| c.add_pending_with(id.clone(), text.clone(), now, files));
            chat.deliver(id, text, ids);
        }
        host::listen(&settings.host, move |command| chat.command(command));
        chat.load_config();
        chat
    }

    pub fn locale(&self) -> String {
        self.locale.get_value()
    }

    /// Moves focus to the element `selector` finds in the widget's shadow root.
    pub fn focus(&self, selector: &str) {
        let found = self.env.with_value(|env| {
            env.host
                .shadow_root()
                .and_then(|root| root.query_selector(selector).ok().flatten())
        });
        if let Some(el) = found.and_then(|e| wasm_bindgen::JsCast::dyn_into::<HtmlElement>(e).ok())
        {
            _ = el.focus();
        }
    }

    pub fn socket(&self) -> Option<Socket> {
        self.env.with_value(|env| env.socket.clone())
    }

    fn api(&self) -> Api {
        self.env.with_value(|env| env.api.clone())
    }

    /// The localStorage key the chat is saved under.
    pub fn storage_key(&self) -> String {
        self.env.with_value(|env| env.store.key().to_owned())
    }

    fn store(&self) -> Store {
        self.env.with_value(|env| env.store.clone())
    }

    /// Sends a `natter:<name>` event to the page.
    pub fn emit(&self, name: &str, detail: &JsValue) {
        self.env
            .with_value(|env| host::emit(&env.host, name, detail));
    }

    /// Sets the host's `--n-theme` to the account's colour (only a `#rrggbb` is accepted).
    fn apply_theme(&self, colour: &str) {
        if let Ok(colour) = validate::theme_color(colour) {
            self.env.with_value(|env| {
                _ = env.host.style().set_property("--n-theme", &colour);
                env.store.save_theme(&colour);
            });
        }
    }

    /// Light, dark or the visitor's system setting: the host's `data-theme`, which the
    /// stylesheet and the loader's frame follow.
    fn apply_look(&self, look: WidgetTheme) {
        self.env.with_value(|env| {
            _ = env.host.set_attribute("data-theme", look.as_str());
            env.store.save_look(look.as_str());
        });
    }

    /// Business hours: the launcher hides while closed if the website asks (not from a
    /// visitor who has a conversation), and the config is read again when they change.
    fn apply_hours(self, config: &WidgetConfig) {
        let hide = config.hide_when_closed
            && !config.open_now
            && self.session.with_untracked(Option::is_none);
        self.env.with_value(|env| {
            _ = if hide {
                env.host.set_attribute("data-closed", "")
            } else {
                env.host.remove_attribute("data-closed")
            };
        });
        if let Some(secs) = config.open_changes_in_secs {
            // Browsers cap timers near 24.8 days; a day is plenty between looks.
            let wait = secs.clamp(1, 24 * 3600) + 1;
            set_timeout(
                move || self.load_config(),
                std::time::Duration::from_secs(wait),
            );
        }
    }

    /// The launcher's side: the host's `data-position`, which the stylesheets follow.
    fn apply_position(&self, side: WidgetPosition) {
        self.env.with_value(|env| {
            _ = env.host.set_attribute("data-position", side.as_str());
            env.store.save_position(side.as_str());
        });
    }

    /// `Natter.setUser({id, user_hash, …})`: becomes that verified contact, with their
    /// conversations; the most recent one is shown. Once per user and browser: the
    /// token is kept. A refused hash leaves the visitor anonymous.
    fn identify(self, id: String, user_hash: String, name: String, email: String) {
        self.prefill.set(Prefill {
            name: name.clone(),
            email: email.clone(),
        });
        // This user's token, kept by this browser: the server keeps it too.
        let saved = self.store().load();
        let held = saved
            .token
            .filter(|_| saved.user_id.as_deref() == Some(id.as_str()));
        let nonempty = |s: String| (!s.trim().is_empty()).then_some(s);
        let user = Identify {
            id: id.clone(),
            user_hash,
            name: nonempty(name),
            email: nonempty(email),
        };
        spawn_local(async move {
            let identified = match self.api().identify(&user, held.as_deref()).await {
                Ok(identified) => identified,
                // Offline: the next `setUser` (the next page) tries again.
                Err(ApiError::Network) => return,
                Err(ApiError::Status { message, .. }) => {
                    leptos::logging::error!(
                        "[natter] Natter.setUser: the server refused this user ({message}). The \
                         visitor chats anonymously. user_hash must be the hex HMAC-SHA256 of \
                         the id with this website's identity secret, made on your server."
                    );
                    return;
                }
            };
            let same_session = self.session.with_untracked(|s| {
                s.as_ref().is_some_and(|s| {
                    identified
                        .conversations
                        .iter()
                        .any(|c| c.conv_id == s.conv_id)
                })
            });
            let latest = identified.conversations.first().map(|c| c.conv_id.clone());
            let token = identified.visitor_token;
            self.store().update(|saved| {
                saved.user_id = Some(id);
                saved.token = Some(token.clone());
                if !same_session {
                    saved.conv_id = latest.as_ref().map(|c| c.0.clone());
                    saved.read_seq = 0;
                }
            });
            self.verified.set(true);
            self.past.set(identified.conversations);
            if same_session {
                self.session.update(|s| {
                    if let Some(s) = s {
                        s.token = token;
                    }
                });
            } else {
                self.switch_to(latest, token);
            }
        });
    }

    /// Shows one of a verified contact's conversations (`None`: the form for a new one).
    pub fn switch_to(self, conv_id: Option<ConvId>, token: String) {
        self.clear_conversation();
        self.read_seq.set(0);
        self.store().update(|saved| {
            saved.conv_id = conv_id.as_ref().map(|c| c.0.clone());
            saved.read_seq = 0;
        });
        match conv_id {
            Some(conv_id) => {
                self.session.set(Some(Session { conv_id, token }));
                self.catch_up(true);
            }
            None => self.session.set(None),
        }
    }

    /// Another tab changed what is saved (a conversation started, switched or forgotten,
    /// messages read): follow it, so every tab shows the same chat.
    pub fn adopt_saved(self) {
        let saved = self.store().load();
        let session = saved.session();
        let current = self.session.get_untracked();
        let same_conv =
            session.as_ref().map(|s| &s.conv_id) == current.as_ref().map(|s| &s.conv_id);
        if !same_conv {
            self.clear_conversation();
            self.verified.set(saved.verified());
            self.prefill.set(Prefill {
                name: saved.name,
                email: saved.email,
            });
            self.session.set(session);
            self.catch_up(true);
        } else if session != current {
            self.session.set(session);
        }
        if saved.read_seq > self.read_seq.get_untracked() {
            self.read_seq.set(saved.read_seq);
        }
        // What another tab is sending shows here at once, as pending; that tab sends it.
        let unknown = self
            .conv
            .with_untracked(|c| c.unknown_outgoing(&saved.outbox));
        if !unknown.is_empty() {
            let now = js_sys::Date::now() as i64;
            self.conv.update(|c| {
                for (id, text) in unknown {
                    c.add_pending(id, text, now);
                }
            });
        }
    }

    /// The verified contact's token, to start another conversation of theirs.
    pub fn contact_token(self) -> Option<String> {
        let saved = self.store().load();
        saved.user_id.and(saved.token)
    }

    /// Someone can answer now: staff online (not away) within business hours. Until the
    /// config is in, assume so (no email is demanded on a guess).
    pub fn available(self) -> bool {
        self.config
            .with(|c| c.as_ref().is_none_or(|c| c.staff_online && c.open_now))
    }

    pub fn available_untracked(self) -> bool {
        self.config
            .with_untracked(|c| c.as_ref().is_none_or(|c| c.staff_online && c.open_now))
    }

    fn load_config(self) {
        let prefetched = self
            .env
            .with_value(|env| host::take_prefetched_config(&env.host));
        spawn_local(async move {
            match self.api().config(prefetched).await {
                Ok(config) => {
                    self.apply_theme(&config.theme_color);
                    self.apply_look(config.theme);
                    self.apply_position(config.position);
                    self.apply_hours(&config);
                    self.config.set(Some(config));
                }
                // Only the page's origin can refuse the config (it takes no token).
                Err(ApiError::Status { status: 403, .. }) => {
                    let origin = web_sys::window()
                        .and_then(|w| w.location().origin().ok())
                        .unwrap_or_default();
                    self.give_up(&format!(
                        "This page's origin, {origin}, is not allowed to show the chat of website \
                         \"{{account}}\" (organization \"{{org}}\"). An owner or admin can allow it \
                         in the Natter inbox: Websites → Refused origins → Allow."
                    ));
                }
                // A snippet with a mistyped org or account: retrying cannot help.
                Err(ApiError::Status { status: 404, .. }) => self.give_up(
                    "This server has no website \"{account}\" in organization \"{org}\": check \
                     data-org and data-account in the snippet (the inbox's Websites page shows it).",
                ),
                Err(_) => {}
            }
        });
    }

    /// The chat cannot work on this page: stop for good (no socket, no retries), show
    /// visitors nothing, and tell the site's developer once, in the console. `why` names
    /// `{org}` and `{account}`.
    fn give_up(self, why: &str) {
        if let Some(socket) = self.socket() {
            socket.close();
        }
        let (org, account) = self.api().account();
        self.env.with_value(|env| {
            _ = env.host.style().set_property("display", "none");
        });
        let why = why.replace("{org}", &org).replace("{account}", &account);
        leptos::logging::error!("[natter] {why} The chat is hidden on this page.");
    }

    fn command(self, command: Command) {
        match command {
            Command::Open => self.open.set(true),
            Command::Close => self.open.set(false),
            Command::Toggle => self.open.update(|open| *open = !*open),
            Command::SetUser {
                name,
                email,
                id: Some(id),
                user_hash: Some(hash),
            } => self.identify(id, hash, name, email),
            Command::SetUser { name, email, .. } => self.prefill.set(Prefill { name, email }),
            Command::Reset => self.reset(),
        }
    }

    fn on_link(self, link: Link) {
        let was = self.link.get_untracked();
        self.link.set(link);
        if link == Link::Online && was != Link::Online {
            self.retry_queued();
        }
    }

    fn on_frame(self, frame: ServerFrame) {
        let current = self
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.conv_id.clone()));
        let ours = |conv_id: &natter_protocol::ConvId| current.as_ref() == Some(conv_id);
        match frame {
            // The first subscription's backlog is history, not news.
            ServerFrame::Subscribed { conv_id, last_seq }
                if ours(&conv_id) && self.conv.with_untracked(|c| c.last_seq() == 0) =>
            {
                self.env
                    .with_value(|env| env.quiet_until.set(env.quiet_until.get().max(last_seq)));
            }
            ServerFrame::Message { message } if ours(&message.conv_id) => self.apply(vec![message]),
            ServerFrame::MessageDeleted { message } if ours(&message.conv_id) => {
                self.conv.update(|c| {
                    c.apply(message);
                });
            }
            ServerFrame::More { conv_id, after_seq } => {
                if let Some(socket) = self.socket() {
                    socket.more(&conv_id, after_seq);
                }
            }
            ServerFrame::Typing {
                conv_id,
                side: Side::Staff,
                typing,
                name,
            } if ours(&conv_id) => self.show_typing(typing.then(|| name.unwrap_or_default())),
            ServerFrame::Read {
                conv_id,
                side: Side::Staff,
                seq,
            } if ours(&conv_id) => self.conv.update(|c| c.staff_read(seq)),
            ServerFrame::Presence { staff_online } => self.config.update(|c| {
                if let Some(c) = c {
                    c.staff_online = staff_online;
                }
            }),
            ServerFrame::Conversation {
                conv_id, status, ..
            } if ours(&conv_id) => {
                self.resolved.set(status == ConversationStatus::Resolved);
            }
            // The stored token no longer opens the conversation (the visitor was removed):
            // start over rather than retry forever.
            ServerFrame::Error {
                code,
                conv_id: Some(conv_id),
                ..
            } if ours(&conv_id)
                && matches!(
                    code.as_str(),
                    error_code::UNAUTHORIZED | error_code::NOT_FOUND
                ) =>
            {
                self.new_conversation();
            }
            _ => {}
        }
    }

    /// Adds server messages (deduped by seq), tells the page about new staff messages, and
    /// fetches any range a lost push left missing.
    fn apply(self, messages: Vec<Message>) {
        let quiet = self.env.with_value(|env| env.quiet_until.get());
        let mut news = Vec::new();
        self.conv.update(|c| {
            for message in messages {
                let (seq, staff) = (message.seq, message.direction == Direction::Out);
                let summary = (seq, message.sender.name.clone(), message.text.clone());
                if c.apply(message).fresh && staff && seq > quiet {
                    news.push(summary);
                }
            }
        });
        if !news.is_empty() {
            self.show_typing(None);
        }
        for (seq, sender, text) in news {
            let detail = natter_client::json::object(&[
                ("seq", JsValue::from_f64(seq as f64)),
                ("sender", sender.into()),
                ("text", text.into()),
            ]);
            self.emit("message", &detail);
        }
        self.save_outbox();
        if self.conv.with_untracked(Conversation::has_gap) {
            self.catch_up(false);
        }
    }

    /// Shows (or hides) who is typing; a shown indicator expires by itself.
    fn show_typing(self, who: Option<String>) {
        let frame = self.env.with_value(|env| {
            let n = env.typing_frames.get() + 1;
            env.typing_frames.set(n);
            n
        });
        let showing = who.is_some();
        self.typing.set(who);
        if showing {
            set_timeout(
                move || {
                    if self.env.with_value(|env| env.typing_frames.get()) == frame {
                        self.typing.set(None);
                    }
                },
                std::time::Duration::from_millis(TYPING_EXPIRES_MS),
            );
        }
    }

    /// Fetches messages after the last contiguous seq until none is missing: the history on
    /// start (`quiet`), or the range a lost push skipped.
    fn catch_up(self, quiet: bool) {
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        if self.env.with_value(|env| env.fetching.replace(true)) {
            return;
        }
        spawn_local(async move {
            let api = self.api();
            let mut progressed = false;
            loop {
                let after = self.conv.with_untracked(Conversation::resume_seq);
                let Ok(page) = api.messages(&session.conv_id, &session.token, after).await else {
                    break;
                };
                if self
                    .session
                    .with_untracked(|s| s.as_ref() != Some(&session))
                {
                    break;
                }
                if quiet {
                    self.env.with_value(|env| {
                        env.quiet_until
                            .set(env.quiet_until.get().max(page.last_seq))
                    });
                }
                self.conv.update(|c| c.staff_read(page.staff_read_seq));
                self.apply(page.messages);
                let now = self.conv.with_untracked(Conversation::resume_seq);
                if now == after {
                    break;
                }
                progressed = true;
                if now >= page.last_seq {
                    break;
                }
            }
            self.env.with_value(|env| env.fetching.set(false));
            // A push may have opened a new gap while this fetch ran.
            if progressed && self.conv.with_untracked(Conversation::has_gap) {
                self.catch_up(false);
            }
        });
    }

    /// Starts a conversation; on success the chat view replaces the form.
    pub async fn create_lead(self, mut lead: CreateLead) -> bool {
        // Origin and path only: a query or fragment may carry the page's secrets.
        lead.page_url = web_sys::window()
            .and_then(|w| {
                let location = w.location();
                Some(location.origin().ok()? + &location.pathname().ok()?)
            })
            .filter(|u| u.starts_with("http"));
        if lead.message.is_some() {
            lead.client_msg_id = Some(new_client_msg_id());
        }
        let token = self.contact_token();
        let Ok(created) = self.api().create_lead(&lead, token.as_deref()).await else {
            return false;
        };
        self.store().update(|saved| {
            saved.conv_id = Some(created.conv_id.0.clone());
            saved.token = Some(created.visitor_token.clone());
            saved.name = lead.name.clone();
            saved.email = lead.email.clone().unwrap_or_default();
            saved.read_seq = 0;
        });
        self.prefill.set(Prefill {
            name: lead.name,
            email: lead.email.unwrap_or_default(),
        });
        self.clear_conversation();
        self.session.set(Some(Session {
            conv_id: created.conv_id,
            token: created.visitor_token,
        }));
        self.apply(created.messages);
        true
    }

    /// Shows the message (with the files uploaded for it) at once as pending, then sends it.
    pub fn send(self, text: String, files: Vec<Attachment>) {
        let id = new_client_msg_id();
        let ids = files.iter().map(|f| f.id.clone()).collect();
        let now = js_sys::Date::now() as i64;
        self.conv
            .update(|c| c.add_pending_with(id.clone(), text.clone(), now, files));
        self.save_outbox();
        self.deliver(id, text, ids);
    }

    /// Sends a failed message again under its original `client_msg_id`.
    pub fn retry(self, client_msg_id: &str) {
        if let Some(text) = self.conv.try_update(|c| c.retry(client_msg_id)).flatten() {
            let ids = self
                .conv
                .with_untracked(|c| c.attachment_ids(client_msg_id));
            self.deliver(client_msg_id.to_owned(), text, ids);
        }
    }

    /// Where to upload a file for the current conversation, and the token to do it with.
    pub fn upload_target(self) -> Option<(String, String)> {
        let session = self.session.get_untracked()?;
        Some((self.api().attachments_url(&session.conv_id), session.token))
    }

    /// Draws a message's files into `container` (their links are on the server).
    pub fn render_files(self, container: web_sys::Element, files: &[Attachment]) {
        natter_client::files::render(container, files, self.api().origin());
    }

    /// Sends again what waits for the connection (not what the server refused).
    pub fn retry_queued(self) {
        use crate::state::SendState;
        let queued: Vec<String> = self.conv.with_untracked(|c| {
            c.outbox()
                .iter()
                .filter(|o| o.state == SendState::Queued)
                .map(|o| o.client_msg_id.clone())
                .collect()
        });
        for id in queued {
            self.retry(&id);
        }
    }

    /// Asks for the conversation by email (empty: to the address given before); where
    /// it goes, or why not.
    pub async fn email_transcript(self, email: String) -> Result<String, ApiError> {
        let session = self.session.get_untracked().ok_or(ApiError::Network)?;
        let email = Some(email.trim().to_owned()).filter(|e| !e.is_empty());
        self.api()
            .email_transcript(&session.conv_id, &session.token, email)
            .await
            .map(|queued| queued.email)
    }

    fn deliver(self, client_msg_id: String, text: String, attachment_ids: Vec<String>) {
        let Some(session) = self.session.get_untracked() else {
            // Not sent before a reload that also lost the conversation: nothing to send to.
            self.conv.update(|c| c.mark_failed(&client_msg_id));
            return;
        };
        spawn_local(async move {
            let body = PostMessage {
                text,
                client_msg_id,
                attachment_ids,
            };
            match self
                .api()
                .post_message(&session.conv_id, &session.token, &body)
                .await
            {
                Ok(envelope) => self.apply(vec![envelope.message]),
                // Refused for good (the text, the token): only the visitor can decide.
                Err(ApiError::Status { status, .. })
                    if (400..500).contains(&status) && !matches!(status, 408 | 429) =>
                {
                    self.conv.update(|c| c.mark_failed(&body.client_msg_id));
                }
                // Not reached, or busy: it waits, and goes when the socket is back (or
                // shortly, if the socket never went down).
                Err(_) => {
                    self.conv.update(|c| c.mark_queued(&body.client_msg_id));
                    set_timeout(
                        move || {
                            if self.link.get_untracked() == Link::Online {
                                self.retry_queued();
                            }
                        },
                        std::time::Duration::from_millis(REQUEUE_MS),
                    );
                }
            }
        });
    }

    fn save_outbox(self) {
        let (outbox, files) = self.conv.with_untracked(|c| {
            let outbox = c.outbox();
            let texts = outbox
                .iter()
                .map(|o| (o.client_msg_id.clone(), o.text.clone()))
                .collect::<Vec<_>>();
            let files = outbox
                .iter()
                .filter(|o| !o.attachments.is_empty())
                .map(|o| (o.client_msg_id.clone(), o.attachments.clone()))
                .collect::<Vec<_>>();
            (texts, files)
        });
        self.store().update(|saved| {
            saved.outbox = outbox;
            saved.outbox_files = files;
        });
    }

    /// Marks everything shown as read (the panel is open on a visible page, scrolled to
    /// the newest message).
    pub fn mark_read(self) {
        let last = self.conv.with_untracked(Conversation::last_seq);
        let Some(session) = self.session.get_untracked() else {
            return;
        };
        if last <= self.read_seq.get_untracked() {
            return;
        }
        self.read_seq.set(last);
        self.store().update(|saved| saved.read_seq = last);
        let api = self.api();
        spawn_local(async move {
            _ = api.read(&session.conv_id, &session.token, last).await;
        });
    }

    fn clear_conversation(self) {
        self.conv.set(Conversation::default());
        self.read_seq.set(0);
        self.resolved.set(false);
        self.show_typing(None);
        self.env.with_value(|env| env.quiet_until.set(0));
    }

    /// "Start a new conversation": back to the lead form, pre-filled with the last name.
    /// A verified contact keeps their token (the new conversation is theirs too).
    pub fn new_conversation(self) {
        if let Some(session) = self.session.get_untracked() {
            self.remember_past(session.conv_id);
        }
        self.store().update(|saved| {
            saved.conv_id = None;
            if saved.user_id.is_none() {
                saved.token = None;
            }
            saved.read_seq = 0;
            saved.outbox.clear();
            saved.outbox_files.clear();
        });
        self.session.set(None);
        self.clear_conversation();
    }

    /// Keeps the conversation being left in a verified contact's list.
    fn remember_past(self, conv_id: ConvId) {
        if !self.verified.get_untracked() {
            return;
        }
        let (last_seq, last_message) = self
            .conv
            .with_untracked(|c| (c.last_seq(), c.messages().last().cloned()));
        self.past.update(|past| {
            past.retain(|c| c.conv_id != conv_id);
            past.insert(
                0,
                VisitorConversation {
                    conv_id,
                    status: ConversationStatus::Open,
                    last_seq,
                    last_activity_at: last_message.as_ref().map_or(0, |m| m.created_at),
                    last_message,
                },
            );
        });
    }

    /// `Natter.reset()`: forget the visitor entirely.
    pub fn reset(self) {
        self.verified.set(false);
        self.past.set(Vec::new());
        self.store().clear();
        self.session.set(None);
        self.prefill.set(Prefill::default());
        self.clear_conversation();
    }
}

/// The widget's keys start with "w" (the inbox's with "s").
fn new_client_msg_id() -> String {
    natter_client::ids::new_client_msg_id("w")
}

/// `https://host` → `wss://host/ws?org_id=…&account_id=…`.
fn ws_url(settings: &Settings) -> String {
    let server = settings.server.replacen("http", "ws", 1);
    let enc = |s: &str| String::from(js_sys::encode_uri_component(s));
    format!(
        "{server}/ws?org_id={}&account_id={}",
        enc(&settings.org),
        enc(&settings.account)
    )
}
