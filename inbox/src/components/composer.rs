use crate::actions;
use crate::store::use_inbox;
use leptos::prelude::*;

/// The reply box: Enter sends, Shift+Enter starts a new line.
#[component]
pub fn Composer() -> impl IntoView {
    let inbox = use_inbox();
    let text = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let send = move || match actions::send_reply(inbox, &text.get_untracked()) {
        Ok(()) => {
            text.set(String::new());
            error.set(None);
        }
        Err(message) => error.set(Some(message)),
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Not while an input method is composing a character.
        if ev.key() == "Enter" && !ev.shift_key() && !ev.is_composing() {
            ev.prevent_default();
            send();
        }
    };
    view! {
        <form
            class="composer"
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
        >
            <label for="reply" class="visually-hidden">
                "Reply"
            </label>
            <textarea
                id="reply"
                rows="2"
                placeholder="Write a reply… (Enter to send, Shift+Enter for a new line)"
                bind:value=text
                on:input=move |ev| {
                    // An emptied box means staff stopped: say so, never "typing".
                    if event_target_value(&ev).trim().is_empty() {
                        actions::stop_typing(inbox);
                    } else {
                        actions::staff_typing(inbox);
                    }
                }
                on:keydown=on_keydown
            ></textarea>
            <button type="submit" class="primary">
                "Send"
            </button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}
