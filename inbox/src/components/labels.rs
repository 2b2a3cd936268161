//! Labels: chips in their colours, the list's filter, and the open conversation's editor.

use crate::actions;
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;

/// A label's colour, once the organization's labels are loaded.
fn color_of(labels: Option<&Vec<natter_protocol::Label>>, name: &str) -> String {
    labels
        .and_then(|all| all.iter().find(|l| l.name == name))
        .map_or_else(|| "#6b7280".to_owned(), |l| l.color.clone())
}

/// The labels a conversation carries, each in its colour (nothing when none).
#[component]
pub fn LabelChips(
    /// Label names.
    labels: Vec<String>,
) -> impl IntoView {
    let inbox = use_inbox();
    (!labels.is_empty()).then(|| {
        view! {
            <span class="chips" aria-label="Labels">
                {labels
                    .into_iter()
                    .map(|name| {
                        let color = {
                            let name = name.clone();
                            move || inbox.labels.with(|all| color_of(all.as_ref(), &name))
                        };
                        view! { <span class="chip" style:--chip=color>{name}</span> }
                    })
                    .collect_view()}
            </span>
        }
    })
}

/// Shows only the conversations with one label.
#[component]
pub fn LabelFilter() -> impl IntoView {
    let inbox = use_inbox();
    let has_labels = move || {
        inbox
            .labels
            .with(|l| l.as_ref().is_some_and(|l| !l.is_empty()))
    };
    view! {
        <Show when=has_labels>
            <label class="label-filter">
                <span class="visually-hidden">"Label"</span>
                <select on:change=move |ev| {
                    let value = event_target_value(&ev);
                    inbox.label_filter.set((!value.is_empty()).then_some(value));
                }>
                    <option value="" selected=move || inbox.label_filter.with(Option::is_none)>"Any label"</option>
                    {move || {
                        inbox
                            .labels
                            .get()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|l| {
                                let name = l.name.clone();
                                let selected = move || inbox.label_filter.with(|f| f.as_deref() == Some(name.as_str()));
                                view! { <option value=l.name.clone() selected=selected>{l.name.clone()}</option> }
                            })
                            .collect_view()
                    }}
                </select>
            </label>
        </Show>
    }
}

/// The open conversation's labels: each with a remove button, and a box that adds one
/// (the organization's labels offered as it is typed; Enter adds).
#[component]
pub fn LabelEditor(
    /// The conversation's labels now.
    labels: Signal<Vec<String>>,
) -> impl IntoView {
    let inbox = use_inbox();
    let draft = RwSignal::new(String::new());
    let error = RwSignal::new(None::<String>);
    let save = move |next: Vec<String>| {
        error.set(None);
        spawn_local(async move {
            if let Err(message) = actions::set_labels(inbox, next).await {
                error.set(Some(message));
            }
        });
    };
    let add = move || {
        let name = draft.get_untracked().trim().to_ascii_lowercase();
        if name.is_empty() {
            return;
        }
        let mut next = labels.get_untracked();
        if !next.contains(&name) {
            next.push(name);
        }
        draft.set(String::new());
        save(next);
    };
    view! {
        <section class="labels" aria-labelledby="labels-title">
            <h3 id="labels-title">"Labels"</h3>
            <ul class="chips">
                {move || {
                    labels
                        .get()
                        .into_iter()
                        .map(|name| {
                            let color = {
                                let name = name.clone();
                                move || inbox.labels.with(|all| color_of(all.as_ref(), &name))
                            };
                            let remove = {
                                let name = name.clone();
                                move |_| {
                                    let next = labels.get_untracked().into_iter().filter(|l| *l != name).collect();
                                    save(next);
                                }
                            };
                            view! {
                                <li class="chip" style:--chip=color>
                                    {name.clone()}
                                    <button type="button" class="chip-remove" aria-label=format!("Remove label {name}") on:click=remove>"×"</button>
                                </li>
                            }
                        })
                        .collect_view()
                }}
            </ul>
            <form class="label-add" on:submit=move |ev| {
                ev.prevent_default();
                add();
            }>
                <label for="label-input" class="visually-hidden">"Add a label"</label>
                <input
                    id="label-input"
                    list="label-names"
                    placeholder="Add a label…"
                    maxlength="32"
                    autocomplete="off"
                    bind:value=draft
                />
                <datalist id="label-names">
                    {move || {
                        inbox
                            .labels
                            .get()
                            .unwrap_or_default()
                            .into_iter()
                            .map(|l| view! { <option value=l.name></option> })
                            .collect_view()
                    }}
                </datalist>
                <button type="submit" class="small">"Add"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="error" role="alert">{e}</p> })}
        </section>
    }
}
