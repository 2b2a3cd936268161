use crate::actions;
use crate::store::{Inbox, use_inbox};
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_client::files::{Tray, TrayText, listen};
use natter_protocol::CannedResponse;

/// Canned replies the picker lists at most.
const PICKS: usize = 8;

/// What follows a leading `/` while it is one word: the canned-reply search.
fn canned_query(text: &str) -> Option<String> {
    let query = text.strip_prefix('/')?;
    (!query.contains(char::is_whitespace)).then(|| query.to_lowercase())
}

/// The canned replies whose shortcut starts with `query` or whose title holds it.
fn matching(canned: &[CannedResponse], query: &str) -> Vec<CannedResponse> {
    canned
        .iter()
        .filter(|c| c.shortcut.starts_with(query) || c.title.to_lowercase().contains(query))
        .take(PICKS)
        .cloned()
        .collect()
}

/// A canned reply's text with the visitor's and the staff member's names filled in.
fn filled(inbox: Inbox, canned: &CannedResponse) -> String {
    let visitor = inbox.selected.with_untracked(|s| {
        let conv_id = s.as_ref()?;
        inbox
            .list
            .with_untracked(|l| l.get(conv_id).map(|c| c.visitor.name.clone()))
    });
    let staff = inbox
        .session
        .with_untracked(|s| s.as_ref().map(|s| s.staff.name.clone()));
    canned
        .text
        .replace("{{visitor.name}}", visitor.as_deref().unwrap_or("there"))
        .replace("{{staff.name}}", staff.as_deref().unwrap_or_default())
}

/// The reply box: Enter sends, Shift+Enter starts a new line, `/` and a shortcut picks
/// a canned reply (arrows choose, Enter or Tab inserts, Escape closes). "Note" turns it
/// into an internal note (staff only; no typing indicator reaches the visitor).
#[component]
pub fn Composer() -> impl IntoView {
    let inbox = use_inbox();
    let text = RwSignal::new(String::new());
    let noting = RwSignal::new(false);
    let busy = RwSignal::new(false);
    let error = RwSignal::new(None::<String>);
    let chosen = RwSignal::new(0_usize);
    // Escape closes the picker until the text changes.
    let dismissed = RwSignal::new(false);
    let picks = Memo::new(move |_| {
        if dismissed.get() {
            return Vec::new();
        }
        let Some(query) = text.with(|t| canned_query(t)) else {
            return Vec::new();
        };
        inbox.canned.with(|c| {
            c.as_deref()
                .map(|c| matching(c, &query))
                .unwrap_or_default()
        })
    });
    let open = move || !picks.with(Vec::is_empty);
    let tray = Tray::new(TrayText {
        uploading: "Uploading…",
        remove: "Remove {name}",
        failed: "Couldn't upload.",
    });
    // Every way a file comes in is heard on the form, whose tray shows it; notes carry none.
    let take = move |form, files| {
        let target = inbox.selected.get_untracked().zip(inbox.token());
        if let Some((conv_id, token)) = target.filter(|_| !noting.get_untracked()) {
            let url = format!("/api/v1/conversations/{conv_id}/attachments");
            spawn_local(async move {
                if !tray.add(form, url, token, files).await {
                    error.set(Some(
                        "Couldn't upload the files: reload the page and try again.".into(),
                    ));
                }
            });
        }
    };
    let file_input = NodeRef::<leptos::html::Input>::new();
    let send = move || {
        if !noting.get_untracked() {
            if tray.uploading() {
                error.set(Some("Wait for the files to finish uploading.".into()));
                return;
            }
            match actions::send_reply(inbox, &text.get_untracked(), tray.files()) {
                Ok(()) => {
                    text.set(String::new());
                    tray.clear();
                    error.set(None);
                }
                Err(message) => error.set(Some(message)),
            }
            return;
        }
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            match actions::send_note(inbox, &text.get_untracked()).await {
                Ok(()) => {
                    text.set(String::new());
                    error.set(None);
                }
                Err(message) => error.set(Some(message)),
            }
            busy.set(false);
        });
    };
    let mode = move |note: bool| {
        noting.set(note);
        error.set(None);
        if note {
            actions::stop_typing(inbox);
        }
    };
    let insert = move |canned: &CannedResponse| {
        text.set(filled(inbox, canned));
        chosen.set(0);
    };
    let on_keydown = move |ev: leptos::ev::KeyboardEvent| {
        // Not while an input method is composing a character.
        if ev.is_composing() {
            return;
        }
        if open() {
            let count = picks.with_untracked(Vec::len);
            match ev.key().as_str() {
                "ArrowDown" => {
                    ev.prevent_default();
                    chosen.update(|i| *i = (*i + 1) % count);
                    return;
                }
                "ArrowUp" => {
                    ev.prevent_default();
                    chosen.update(|i| *i = (*i + count - 1) % count);
                    return;
                }
                "Enter" | "Tab" => {
                    ev.prevent_default();
                    let pick = picks.with_untracked(|p| p.get(chosen.get_untracked()).cloned());
                    if let Some(pick) = pick {
                        insert(&pick);
                    }
                    return;
                }
                "Escape" => {
                    ev.prevent_default();
                    dismissed.set(true);
                    return;
                }
                _ => {}
            }
        }
        if ev.key() == "Enter" && !ev.shift_key() {
            ev.prevent_default();
            send();
        }
    };
    view! {
        <form
            class="composer"
            class:noting=noting
            on:submit=move |ev| {
                ev.prevent_default();
                send();
            }
            use:listen=take
        >
            <div class="modes" role="group" aria-label="Write">
                <button type="button" aria-pressed=move || (!noting.get()).to_string() on:click=move |_| mode(false)>
                    "Reply"
                </button>
                <button type="button" class="note-mode" aria-pressed=move || noting.get().to_string() on:click=move |_| mode(true)>
                    "Internal note"
                </button>
                <button type="button" class="attach" hidden=noting
                    on:click=move |_| { if let Some(input) = file_input.get_untracked() { input.click(); } }>
                    "Attach files"
                </button>
            </div>
            <ul class="tray" hidden></ul>
            <label for="reply" class="visually-hidden">
                {move || if noting.get() { "Internal note" } else { "Reply" }}
            </label>
            <Show when=open>
                <ul class="canned" id="canned-picks" role="listbox" aria-label="Canned replies">
                    {move || {
                        picks
                            .get()
                            .into_iter()
                            .enumerate()
                            .map(|(i, pick)| {
                                let label = format!("/{} — {}", pick.shortcut, pick.title);
                                view! {
                                    <li
                                        role="option"
                                        id=format!("canned-{i}")
                                        aria-selected=move || (chosen.get() == i).to_string()
                                        // Before the box loses focus.
                                        on:mousedown=move |ev| {
                                            ev.prevent_default();
                                            insert(&pick);
                                        }
                                    >
                                        {label}
                                    </li>
                                }
                            })
                            .collect_view()
                    }}
                </ul>
            </Show>
            <textarea
                id="reply"
                rows="2"
                placeholder=move || {
                    if noting.get() {
                        "Write a note only your team sees… (@name tells a teammate)"
                    } else {
                        "Write a reply… (Enter to send, Shift+Enter for a new line, / for canned replies)"
                    }
                }
                role="combobox"
                aria-autocomplete="list"
                aria-controls=move || open().then_some("canned-picks")
                aria-expanded=move || open().to_string()
                aria-activedescendant=move || open().then(|| format!("canned-{}", chosen.get()))
                bind:value=text
                on:input=move |ev| {
                    dismissed.set(false);
                    chosen.set(0);
                    // An emptied box means staff stopped: say so, never "typing". A note
                    // is nothing the visitor should hear of.
                    if noting.get_untracked() || event_target_value(&ev).trim().is_empty() {
                        actions::stop_typing(inbox);
                    } else {
                        actions::staff_typing(inbox);
                    }
                }
                on:keydown=on_keydown
            ></textarea>
            <input type="file" multiple class="file-input" node_ref=file_input tabindex="-1" aria-hidden="true"/>
            <button type="submit" class="primary" disabled=move || busy.get()>
                {move || if noting.get() { "Add note" } else { "Send" }}
            </button>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn canned(shortcut: &str, title: &str) -> CannedResponse {
        CannedResponse {
            id: shortcut.into(),
            shortcut: shortcut.into(),
            title: title.into(),
            text: String::new(),
        }
    }

    #[test]
    fn a_leading_slash_word_searches_shortcuts_and_titles() {
        let all = [
            canned("refund", "Refund policy"),
            canned("hours", "Opening times"),
        ];
        for (text, expected) in [
            ("/", vec!["refund", "hours"]),
            ("/ref", vec!["refund"]),
            ("/TIMES", vec!["hours"]),
            ("/nothing", vec![]),
        ] {
            let query = canned_query(text).unwrap_or_default();
            let found: Vec<String> = matching(&all, &query)
                .into_iter()
                .map(|c| c.shortcut)
                .collect();
            assert_eq!(found, expected, "{text}");
        }
        for text in ["refund", "/refund now", "a /refund"] {
            assert_eq!(canned_query(text), None, "{text}");
        }
    }
}
