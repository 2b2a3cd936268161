//! Keyboard shortcuts on the conversations page: / searches, j/k move through the
//! list, r goes to the reply box, e resolves, a assigns to oneself, ? lists them. Never while typing in
//! a field, and never with a modifier key, so typing and the browser's own keys win.

use crate::actions;
use crate::store::{Page, use_inbox};
use leptos::prelude::*;
use natter_protocol::ConversationStatus;
use wasm_bindgen::JsCast;

/// The shortcuts and what each does, for the help.
const SHORTCUTS: [(&str, &str); 7] = [
    ("/", "Search"),
    ("j", "Next conversation"),
    ("k", "Previous conversation"),
    ("r", "Write a reply"),
    ("e", "Resolve the conversation"),
    ("a", "Assign the conversation to me"),
    ("?", "Show these shortcuts"),
];

/// Whether the key went to something that takes typing.
fn typing_into(ev: &web_sys::KeyboardEvent) -> bool {
    ev.target()
        .and_then(|t| t.dyn_into::<web_sys::HtmlElement>().ok())
        .is_some_and(|el| {
            matches!(el.tag_name().as_str(), "INPUT" | "TEXTAREA" | "SELECT")
                || el.is_content_editable()
        })
}

/// Listens for the shortcuts, and shows their list on `?`.
#[component]
pub fn Shortcuts() -> impl IntoView {
    let inbox = use_inbox();
    let help = RwSignal::new(false);
    let close = NodeRef::<leptos::html::Button>::new();
    // The help takes focus as it opens, so Tab and Enter work in it at once.
    Effect::new(move |_| {
        if let Some(button) = close.get() {
            let _ = button.focus();
        }
    });
    let step = move |by: isize| {
        let me = inbox.my_id().unwrap_or_default();
        let rows = inbox.list.with_untracked(|l| {
            l.visible(
                inbox.filter.get_untracked(),
                inbox.view.get_untracked(),
                &me,
                inbox.label_filter.get_untracked().as_deref(),
            )
        });
        let at = inbox.selected.with_untracked(|s| {
            s.as_ref()
                .and_then(|s| rows.iter().position(|c| &c.conv_id == s))
        });
        let next = match at {
            Some(i) => i.checked_add_signed(by).filter(|n| *n < rows.len()),
            None => (!rows.is_empty()).then_some(0),
        };
        if let Some(row) = next.and_then(|n| rows.get(n)) {
            actions::select(inbox, row.conv_id.clone());
        }
    };
    let listener = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || typing_into(&ev) {
            return;
        }
        if inbox.page.get_untracked() != Page::Conversations {
            return;
        }
        let selected = inbox.selected.with_untracked(Option::is_some);
        match ev.key().as_str() {
            "/" => {
                let search = document()
                    .get_element_by_id("search")
                    .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(search) = search {
                    ev.prevent_default();
                    let _ = search.focus();
                }
            }
            "j" => step(1),
            "k" => step(-1),
            "r" if selected => {
                let reply = document()
                    .get_element_by_id("reply")
                    .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(reply) = reply {
                    // Not typed into the box it focuses.
                    ev.prevent_default();
                    let _ = reply.focus();
                }
            }
            "e" if selected => actions::set_status(inbox, ConversationStatus::Resolved),
            "a" if selected => actions::assign(inbox, inbox.my_id()),
            "?" => help.update(|open| *open = !*open),
            "Escape" => help.set(false),
            _ => {}
        }
    });
    on_cleanup(move || listener.remove());
    view! {
        <Show when=move || help.get()>
            <div class="shortcuts" role="dialog" aria-modal="true" aria-labelledby="shortcuts-title">
                <h2 id="shortcuts-title">"Keyboard shortcuts"</h2>
                <dl>
                    {SHORTCUTS
                        .iter()
                        .map(|(key, what)| view! { <dt><kbd>{*key}</kbd></dt><dd>{*what}</dd> })
                        .collect_view()}
                </dl>
                <p class="muted">"Not while typing in a field. Esc closes this."</p>
                <button
                    type="button"
                    class="primary"
                    node_ref=close
                    on:click=move |_| help.set(false)
                >
                    "Close"
                </button>
            </div>
        </Show>
    }
}
