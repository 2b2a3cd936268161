//! Settings → Team → Canned replies: what staff insert by typing `/` and a shortcut.
//! Owners and admins add, edit and delete them here.

use crate::actions;
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::NewCannedResponse;

/// The organization's canned replies, each editable and deletable, and a form that adds
/// one (or saves the one being edited).
#[component]
pub fn CannedReplies() -> impl IntoView {
    let inbox = use_inbox();
    let shortcut = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    let text = RwSignal::new(String::new());
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    // The one being edited, if any: the form then saves it instead of adding one.
    let editing = RwSignal::new(None::<String>);
    let clear = move || {
        editing.set(None);
        shortcut.set(String::new());
        title.set(String::new());
        text.set(String::new());
    };
    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        busy.set(true);
        error.set(None);
        let fields = NewCannedResponse {
            shortcut: shortcut.get_untracked(),
            title: title.get_untracked(),
            text: text.get_untracked(),
        };
        let id = editing.get_untracked();
        spawn_local(async move {
            let done = match id {
                Some(id) => actions::update_canned(inbox, id, fields).await,
                None => actions::add_canned(inbox, fields).await,
            };
            match done {
                Ok(()) => clear(),
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
        <form class="website canned-replies" on:submit=save>
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
                            let delete_label = format!("Delete /{}", c.shortcut);
                            let edit_label = format!("Edit /{}", c.shortcut);
                            let edit = c.clone();
                            view! {
                                <li>
                                    <span><strong>{format!("/{}", c.shortcut)}</strong>" "{c.title.clone()}</span>
                                    <span class="muted preview">{c.text.clone()}</span>
                                    <span class="inline">
                                        <button type="button" class="link small" aria-label=edit_label on:click=move |_| {
                                            editing.set(Some(edit.id.clone()));
                                            shortcut.set(edit.shortcut.clone());
                                            title.set(edit.title.clone());
                                            text.set(edit.text.clone());
                                        }>"Edit"</button>
                                        <button type="button" class="link danger small" aria-label=delete_label on:click=move |_| remove(id.clone())>"Delete"</button>
                                    </span>
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
            <div class="actions">
                <button type="submit" class="primary" disabled=move || busy.get()>
                    {move || match (busy.get(), editing.with(Option::is_some)) {
                        (true, _) => "Saving…",
                        (false, true) => "Save changes",
                        (false, false) => "Add canned reply",
                    }}
                </button>
                <Show when=move || editing.with(Option::is_some)>
                    <button type="button" class="secondary" on:click=move |_| clear()>"Cancel"</button>
                </Show>
            </div>
        </form>
    }
}
