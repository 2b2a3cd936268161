//! The search box above the list, and its results in place of the list while a
//! search is typed.

use crate::actions;
use crate::model::snippet_runs;
use crate::net::format_when;
use crate::store::use_inbox;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{SearchResult, SearchResults};
use std::time::Duration;

/// How long typing pauses before a search is sent.
const DEBOUNCE: Duration = Duration::from_millis(250);

/// What a search shows.
#[derive(Clone, Debug, PartialEq)]
enum Found {
    Searching,
    Results(SearchResults),
    Failed(String),
}

/// A search box (`/` focuses it, Escape clears it) and, while it holds words, the
/// results: the visitor and where it matched, newest of the best first. Choosing one
/// opens its conversation at that message.
#[component]
pub fn Search(
    /// Set while the box holds a search, so the list gives its place to the results.
    active: RwSignal<bool>,
) -> impl IntoView {
    let inbox = use_inbox();
    let query = RwSignal::new(String::new());
    let found = RwSignal::new(None::<Found>);
    // Only the latest search's answer is shown.
    let generation = StoredValue::new(0_u64);
    let run = move |text: String| {
        let n = generation.get_value() + 1;
        generation.set_value(n);
        if text.trim().is_empty() {
            found.set(None);
            active.set(false);
            return;
        }
        active.set(true);
        found.set(Some(Found::Searching));
        set_timeout(
            move || {
                if generation.get_value() != n {
                    return;
                }
                spawn_local(async move {
                    let answer = actions::search(inbox, &text).await;
                    if generation.get_value() == n {
                        found.set(Some(match answer {
                            Ok(results) => Found::Results(results),
                            Err(message) => Found::Failed(message),
                        }));
                    }
                });
            },
            DEBOUNCE,
        );
    };
    let clear = move || {
        query.set(String::new());
        run(String::new());
    };
    view! {
        <div class="search" role="search">
            <label for="search" class="visually-hidden">"Search conversations"</label>
            <input
                id="search"
                type="search"
                placeholder="Search messages, names, emails  /"
                autocomplete="off"
                bind:value=query
                on:input=move |ev| run(event_target_value(&ev))
                on:keydown=move |ev| {
                    if ev.key() == "Escape" {
                        ev.prevent_default();
                        clear();
                    }
                }
            />
        </div>
        {move || found.get().map(|f| match f {
            Found::Searching => view! { <p class="muted empty" role="status">"Searching…"</p> }.into_any(),
            Found::Failed(message) => view! { <p class="error" role="alert">{message}</p> }.into_any(),
            Found::Results(results) if results.results.is_empty() => {
                view! { <p class="muted empty" role="status">"Nothing found. Try fewer or shorter words."</p> }.into_any()
            }
            Found::Results(results) => {
                let count = results.results.len();
                let more = results.next_cursor.is_some();
                view! {
                    <p class="visually-hidden" role="status">
                        {format!("{count}{} results", if more { "+" } else { "" })}
                    </p>
                    <ul class="rows results" aria-label="Search results">
                        {results
                            .results
                            .into_iter()
                            .map(|result| view! { <ResultRow result /> })
                            .collect_view()}
                    </ul>
                    {more.then(|| view! { <p class="muted small empty">"Showing the best matches. Add words to narrow it."</p> })}
                }
                .into_any()
            }
        })}
    }
}

/// One result: who, where it matched (matches marked), and when.
#[component]
fn ResultRow(
    /// The hit to show.
    result: SearchResult,
) -> impl IntoView {
    let inbox = use_inbox();
    let (conv_id, seq) = (result.conv_id.clone(), result.seq);
    let snippet = snippet_runs(&result.snippet)
        .into_iter()
        .map(|(marked, text)| {
            if marked {
                view! { <mark>{text}</mark> }.into_any()
            } else {
                text.into_any()
            }
        })
        .collect_view();
    let what = if seq == 0 { "Visitor" } else { "Message" };
    view! {
        <li class="row result" data-result-conv=result.conv_id.0.clone() data-seq=seq>
            <button type="button" on:click=move |_| actions::open_result(inbox, conv_id.clone(), seq)>
                <span class="row-top">
                    <span class="name">{result.visitor.name.clone()}</span>
                    <span class="assignee">{what}</span>
                    <time class="when">{format_when(result.created_at, true)}</time>
                </span>
                <span class="row-bottom">
                    <span class="preview hit">{snippet}</span>
                </span>
            </button>
        </li>
    }
}
