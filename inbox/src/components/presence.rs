//! The top bar's Available/Away button.

use crate::actions;
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// The member's own availability, which the button shows and a click changes:
/// available while their inbox is open, or away (their open inbox then does not count:
/// visitors are asked for an email, alerts go out).
#[component]
pub fn AwayToggle() -> impl IntoView {
    let inbox = use_inbox();
    let busy = RwSignal::new(false);
    let toggle = move |_| {
        let Some(away) = inbox.away.get_untracked() else {
            return;
        };
        busy.set(true);
        spawn_local(async move {
            if let Err(e) = actions::set_away(inbox, !away).await {
                inbox.banner.set(Some(e));
            }
            busy.set(false);
        });
    };
    view! {
        <Show when=move || inbox.away.get().is_some()>
            <button
                type="button"
                class="presence"
                class:away=move || inbox.away.get() == Some(true)
                aria-busy=move || busy.get().to_string()
                title=move || if inbox.away.get() == Some(true) {
                    "You are away: visitors see nobody online and leave their email, and new chats are emailed to the team. Click to be available."
                } else {
                    "Click when you step away: visitors then see nobody online and leave their email, and new chats are emailed to the team."
                }
                on:click=toggle
            >
                <span class="dot" aria-hidden="true"></span>
                {move || if inbox.away.get() == Some(true) { "Away" } else { "Available" }}
            </button>
        </Show>
    }
}
