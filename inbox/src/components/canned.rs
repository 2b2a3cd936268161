//! Settings → Team → Canned replies: what staff insert by typing `/` and a shortcut.

use crate::actions;
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::NewCannedResponse;

/// The organization's canned replies, with a form to add one and a way to delete each.
#[component]
pub fn CannedReplies() -> impl IntoView {
    let inbox = use_inbox();
    let shortcut = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let add = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let new = NewCannedResponse {
            shortcut: shortcut.get_untracked(),
            title: title.get_untracked(),
            text: text.get_untracked(),
        };
        spawn_local(async move {
            match actions::add_canned(inbox, new).await {
                Ok(()) => {
                    shortcut.set(String::new());
                    title.set(String::new());
                    text.set(String::new());
                }
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };
    let remove = move |id: String| {
        spawn_local(async move {
            if let Err(message) = actions::delete_canned(inbox, id).await {
                error.set(Some(message));
            }
        });
    };
    view! {
        <form class="website canned-replies" on:submit=add>
            <h3>"Canned replies"</h3>
            <p class="muted">
                "Anyone on the team types / and the shortcut in a reply to insert one. {{visitor.name}} and {{staff.name}} are filled in."
            </p>
            {move || match inbox.canned.get() {
                None => view! { <p class="muted" role="status">"Loading…"</p> }.into_any(),
                Some(list) if list.is_empty() => view! { <p class="muted">"None yet."</p> }.into_any(),
                Some(list) => view! {
                    <ul class="canned-list" aria-label="Canned replies">
                        {list.into_iter().map(|c| {
                            let id = c.id.clone();
                            let label = format!("Delete /{}", c.shortcut);
                            view! {
                                <li>
                                    <span><strong>{format!("/{}", c.shortcut)}</strong>" "{c.title.clone()}</span>
                                    <span class="muted preview">{c.text.clone()}</span>
                                    <button type="button" class="link danger small" aria-label=label on:click=move |_| remove(id.clone())>"Delete"</button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                }.into_any(),
            }}
            <div class="fields">
                <label>
                    "Shortcut"
                    <input type="text" required maxlength="33" placeholder="refund" autocomplete="off" bind:value=shortcut />
                </label>
                <label>
                    "Title"
                    <input type="text" required maxlength="120" placeholder="Refund policy" autocomplete="off" bind:value=title />
                </label>
            </div>
            <label class="block">
                "Text"
                <textarea required rows="3" maxlength="4000" bind:value=text></textarea>
            </label>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if busy.get() { "Adding…" } else { "Add canned reply" }}
            </button>
        </form>
    }
}
