//! The Natter widget: the chat a visitor sees on a customer's website.
//!
//! `loader/embed.js` draws the launcher inside a `<natter-chat>` element's shadow root and,
//! when the browser is idle or the visitor clicks, loads this app, whose `main` calls
//! [`boot`] to mount [`App`] in that shadow root.

pub mod chat;
pub mod host;
pub mod i18n;
pub mod net;
pub mod socket;
pub mod state;
pub mod storage;
mod ui;

pub use chat::{Chat, Settings};

use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::HtmlElement;

/// The widget's root: starts the state and the socket, wires page lifecycle events, and
/// draws the panel.
#[component]
pub fn App(
    /// The account, server, locale and host element this widget runs for.
    settings: Settings,
) -> impl IntoView {
    let locale = match settings.locale.as_str() {
        "" => web_sys::window()
            .and_then(|w| w.navigator().language())
            .unwrap_or_default(),
        given => given.to_owned(),
    };
    let t = i18n::strings(&locale);
    let chat = Chat::start(&Settings { locale, ..settings }, t);
    provide_context(chat);

    // The subscription follows the conversation, over the socket `Chat::start` opened once
    // for this org/account: a new conversation is unsubscribe + subscribe, never a new socket.
    Effect::new(move |_| {
        let session = chat.session.get();
        if let Some(socket) = chat.socket() {
            socket.set_session(session);
        }
    });

    let visible = RwSignal::new(page_visible());
    let listeners = [
        window_event_listener_untyped("visibilitychange", move |_| {
            visible.set(page_visible());
            if page_visible() {
                wake(chat);
            }
        }),
        // The browser says the network is back: reconnect, and send what waited.
        window_event_listener_untyped("online", move |_| {
            wake(chat);
            chat.retry_queued();
        }),
        window_event_listener_untyped("offline", move |_| {
            if let Some(socket) = chat.socket() {
                socket.offline();
            }
        }),
        // Another tab of this site changed the saved chat: show the same one here.
        window_event_listener_untyped("storage", move |event| {
            let key = event
                .dyn_ref::<web_sys::StorageEvent>()
                .and_then(web_sys::StorageEvent::key);
            // `None`: the page cleared all of its storage.
            if key.is_none_or(|k| k == chat.storage_key()) {
                chat.adopt_saved();
            }
        }),
        // Back from the back/forward cache: the socket was closed on the way in.
        window_event_listener_untyped("pageshow", move |_| wake(chat)),
        // An open socket makes a page ineligible for the back/forward cache.
        window_event_listener_untyped("pagehide", move |_| {
            if let Some(socket) = chat.socket() {
                socket.suspend();
            }
        }),
    ];
    on_cleanup(move || {
        listeners.into_iter().for_each(|l| l.remove());
        if let Some(socket) = chat.socket() {
            socket.close();
        }
    });

    // What the visitor sees is read: the panel is open on a visible page, scrolled to the
    // newest message.
    Effect::new(move |_| {
        chat.conv.track();
        if chat.open.get() && visible.get() && chat.at_bottom.get() {
            chat.mark_read();
        }
    });
    let unread = Memo::new(move |_| {
        let read = chat.read_seq.get();
        chat.conv.with(|c| c.unread_after(read))
    });
    Effect::new(move |_| {
        let count = unread.get();
        chat.emit(
            "unread",
            &natter_client::json::object(&[("count", JsValue::from_f64(count as f64))]),
        );
    });
    Effect::watch(
        move || chat.open.get(),
        move |open, _, _| {
            chat.emit(if *open { "open" } else { "close" }, &JsValue::UNDEFINED);
            // The other tabs follow (the one that told this one hears it back, unchanged).
            if let Some(socket) = chat.socket() {
                socket.share_open(*open);
            }
        },
        false,
    );

    chat.emit("ready", &JsValue::UNDEFINED);
    view! { <ui::Panel/> }
}

fn wake(chat: Chat) {
    if let Some(socket) = chat.socket() {
        socket.wake();
    }
}

fn page_visible() -> bool {
    web_sys::window()
        .and_then(|w| w.document())
        .is_none_or(|d| d.visibility_state() == web_sys::VisibilityState::Visible)
}

/// Mounts the app in the shadow root the loader prepared: `<natter-chat data-org
/// data-account data-server data-locale>` with a `.n-mount` element inside.
pub fn boot() {
    let Some(document) = web_sys::window().and_then(|w| w.document()) else {
        return;
    };
    let Some(host) = document
        .query_selector("natter-chat")
        .ok()
        .flatten()
        .and_then(|e| e.dyn_into::<HtmlElement>().ok())
    else {
        return;
    };
    let mount = host
        .shadow_root()
        .and_then(|root| root.query_selector(".n-mount").ok().flatten())
        .and_then(|e| e.dyn_into::<HtmlElement>().ok());
    let Some(mount) = mount else { return };
    host::use_files_module(&host);
    let attr = |name: &str| host.get_attribute(name).unwrap_or_default();
    let settings = Settings {
        org: attr("data-org"),
        account: attr("data-account"),
        server: attr("data-server"),
        locale: attr("data-locale"),
        host: host.clone(),
    };
    leptos::mount::mount_to(mount, move || view! { <App settings/> }).forget();
}
