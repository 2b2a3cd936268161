use crate::store::use_inbox;
use leptos::prelude::*;

/// The staff socket's state: live, connecting, or offline and when it retries.
#[component]
pub fn ConnectionBadge() -> impl IntoView {
    let inbox = use_inbox();
    let state = move || inbox.connection.get();
    view! {
        <span class=move || state().class() role="status" aria-live="polite">
            <span class="dot" aria-hidden="true"></span>
            <span class="conn-label">{move || state().label()}</span>
        </span>
    }
}
