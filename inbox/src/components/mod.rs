//! The inbox's components. Each reads the shared [`Inbox`] from context.

mod canned;
mod composer;
mod connection;
mod conversation;
mod hours;
mod integrations;
mod join;
mod labels;
mod list;
mod log;
mod presence;
mod search;
mod settings;
mod shortcuts;
mod sign_in;
mod websites;

pub use composer::Composer;
pub use connection::ConnectionBadge;
pub use conversation::{ConversationPane, VisitorDetails};
pub use join::Join;
pub use list::ConversationList;
pub use log::MessageLog;
pub use presence::AwayToggle;
pub use settings::{SettingsButton, SettingsPage};
pub use shortcuts::Shortcuts;
pub use sign_in::SignIn;
pub use websites::WebsitesPage;

use crate::model::title;
use crate::store::{Inbox, Page, use_inbox};
use crate::{actions, net, push};
use leptos::prelude::*;

/// The root: provides the state, restores the session, keeps the title badge,
/// and shows sign-in or the inbox.
#[component]
pub fn App() -> impl IntoView {
    let inbox = Inbox::new();
    provide_context(inbox);
    // The files module's import, which the page defines (index.html).
    if let Some(load) = web_sys::window()
        .and_then(|w| js_sys::Reflect::get(&w, &"natterFiles".into()).ok())
        .and_then(|f| wasm_bindgen::JsCast::dyn_into(f).ok())
    {
        natter_client::files::set_loader(load);
    }
    actions::restore(inbox);

    let unread = Memo::new(move |_| inbox.list.with(|l| l.unread_total()));
    Effect::new(move |_| {
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            document.set_title(&title(unread.get()));
        }
    });
    // Coming back to the tab counts as reading the open conversation.
    let visibility = window_event_listener_untyped("visibilitychange", move |_| {
        if net::page_visible() {
            actions::mark_read(inbox);
        }
    });
    // The back and forward buttons move between conversations and pages.
    let route = window_event_listener_untyped("hashchange", move |_| {
        if inbox.session.with_untracked(Option::is_some) {
            actions::follow_route(inbox);
        }
    });
    let page = window_event_listener_untyped("popstate", move |_| {
        if inbox.session.with_untracked(Option::is_some) {
            actions::follow_page(inbox);
        }
    });
    // A closed tab says nothing more: the visitor's widget lets the indicator expire, but
    // a tab that is merely left says so now.
    let leaving = window_event_listener_untyped("pagehide", move |_| actions::stop_typing(inbox));
    on_cleanup(move || {
        visibility.remove();
        route.remove();
        page.remove();
        leaving.remove();
    });

    let signed_in = move || inbox.session.with(Option::is_some);
    // An invitation link opens the page to join; its address changes when it is left.
    let invitation = RwSignal::new(net::invitation_code());
    let hash = window_event_listener_untyped("hashchange", move |_| {
        invitation.set(net::invitation_code());
    });
    on_cleanup(move || hash.remove());
    let signed_out = move || match invitation.get() {
        Some(code) => view! { <Join code /> }.into_any(),
        None => view! { <SignIn /> }.into_any(),
    };
    view! {
        <Show when=signed_in fallback=signed_out>
            <Shell />
        </Show>
    }
}

/// The signed-in page: header, conversation list and the open conversation.
#[component]
pub fn Shell() -> impl IntoView {
    let inbox = use_inbox();
    let name = move || {
        inbox
            .session
            .with(|s| s.as_ref().map(|s| s.staff.name.clone()).unwrap_or_default())
    };
    let ask = RwSignal::new(net::notifications_undecided());
    // Permission, then this browser's push subscription (where the browser has push).
    let enable = move |_| {
        leptos::task::spawn_local(async move {
            if push::supported() {
                if let Err(e) = actions::enable_push(inbox).await {
                    inbox.banner.set(Some(e));
                }
            } else {
                net::request_notifications().await;
            }
            ask.set(net::notifications_undecided());
        });
    };
    view! {
        <div class="shell" class:has-selection=move || inbox.selected.with(Option::is_some)>
            <header class="topbar">
                <h1 class="brand">"Natter inbox"</h1>
                <ConnectionBadge />
                <span class="spacer"></span>
                <AwayToggle />
                <SettingsButton />
                <Show when=move || ask.get()>
                    <button type="button" class="link" on:click=enable>
                        <span class="wide-only">"Enable notifications"</span>
                        <span class="narrow-only">"Notify me"</span>
                    </button>
                </Show>
                <span class="me">{name}</span>
                <button type="button" class="link" on:click=move |_| actions::sign_out(inbox)>
                    "Sign out"
                </button>
            </header>
            {move || {
                inbox
                    .banner
                    .get()
                    .map(|text| {
                        view! {
                            <div class="banner" role="alert">
                                <span>{text}</span>
                                <button
                                    type="button"
                                    class="link"
                                    aria-label="Dismiss"
                                    on:click=move |_| inbox.banner.set(None)
                                >
                                    "×"
                                </button>
                            </div>
                        }
                    })
            }}
            <Show
                when=move || inbox.page.get() != Page::Conversations
                fallback=|| {
                    view! {
                        <main class="panes">
                            <ConversationList />
                            <ConversationPane />
                        </main>
                    }
                }
            >
                <main class="page">
                    <SettingsPage />
                </main>
            </Show>
            <Shortcuts />
        </div>
    }
}
