use super::labels::{LabelChips, LabelFilter};
use super::search::Search;
use crate::actions;
use crate::model::{View, preview};
use crate::net::format_when;
use crate::store::use_inbox;
use leptos::prelude::*;
use natter_protocol::{ConversationStatus, ConversationSummary};

/// The conversations of the chosen status, latest activity first, live.
#[component]
pub fn ConversationList() -> impl IntoView {
    let inbox = use_inbox();
    let searching = RwSignal::new(false);
    let rows = move || {
        let me = inbox.my_id().unwrap_or_default();
        let label = inbox.label_filter.get();
        inbox
            .list
            .with(|l| l.visible(inbox.filter.get(), inbox.view.get(), &me, label.as_deref()))
    };
    let view_tab = move |view: View, label: &'static str| {
        view! {
            <button
                type="button"
                aria-pressed=move || (inbox.view.get() == view).to_string()
                on:click=move |_| inbox.view.set(view)
            >
                {label}
            </button>
        }
    };
    let tab = move |status: ConversationStatus, label: &'static str| {
        view! {
            <button
                type="button"
                aria-pressed=move || (inbox.filter.get() == status).to_string()
                on:click=move |_| actions::set_filter(inbox, status)
            >
                {label}
            </button>
        }
    };
    view! {
        <nav class="list" aria-label="Conversations">
            <Search active=searching />
            <div class="list-body" hidden=move || searching.get()>
            <div class="filter" role="group" aria-label="Show conversations">
                {tab(ConversationStatus::Open, "Open")}
                {tab(ConversationStatus::Resolved, "Resolved")}
            </div>
            <div class="filter views" role="group" aria-label="Whose conversations">
                {view_tab(View::All, "All")}
                {view_tab(View::Mine, "Mine")}
                {view_tab(View::Unassigned, "Unassigned")}
            </div>
            <LabelFilter />
            <Show when=move || rows().is_empty()>
                <p class="muted empty" role="status">
                    {move || match (inbox.list_loading.get(), inbox.view.get()) {
                        (true, _) => "Loading conversations…",
                        _ if inbox.label_filter.with(Option::is_some) => "No conversation here has that label.",
                        (false, View::All) => "No conversations here yet.",
                        (false, View::Mine) => "None assigned to you here.",
                        (false, View::Unassigned) => "Every conversation here is assigned.",
                    }}
                </p>
            </Show>
            <ul class="rows">
                // Keyed on what a row shows, so a changed row is rebuilt and moved.
                <For
                    each=rows
                    key=|c| (c.conv_id.clone(), c.last_seq, c.unread_count, c.status, c.assignee_id.clone(), c.labels.clone())
                    children=move |summary| view! { <ConversationRow summary /> }
                />
            </ul>
            </div>
        </nav>
    }
}

/// A member's name, once the team is loaded.
pub(super) fn member_name(inbox: crate::store::Inbox, staff_id: &str) -> String {
    inbox
        .team
        .with(|team| {
            team.as_ref()?
                .iter()
                .find(|m| m.member.id == staff_id)
                .map(|m| m.member.name.clone())
        })
        .unwrap_or_else(|| "A former member".to_owned())
}

/// One row: visitor name, assignee, last message, time and unread count.
#[component]
fn ConversationRow(
    /// The conversation this row shows.
    summary: ConversationSummary,
) -> impl IntoView {
    let inbox = use_inbox();
    let conv_id = summary.conv_id.clone();
    let selected = {
        let conv_id = conv_id.clone();
        move || inbox.selected.with(|s| s.as_ref() == Some(&conv_id))
    };
    let unread = summary.unread_count;
    let last = summary
        .last_message
        .as_ref()
        .map(preview)
        .unwrap_or_default();
    let name = summary.visitor.name.clone();
    let assignee = summary.assignee_id.clone().map(|id| {
        let me = inbox.my_id().unwrap_or_default();
        move || {
            if id == me {
                "You".to_owned()
            } else {
                member_name(inbox, &id)
            }
        }
    });
    let conv_attr = conv_id.0.clone();
    view! {
        <li class="row" class:unread=(unread > 0) data-conv=conv_attr>
            <button
                type="button"
                class:selected=selected.clone()
                aria-current=move || selected().then_some("true")
                on:click=move |_| actions::select(inbox, conv_id.clone())
            >
                <span class="row-top">
                    <span class="name">{name}</span>
                    {assignee.map(|who| view! { <span class="assignee" title="Assigned to">{who}</span> })}
                    <time class="when">{format_when(summary.last_activity_at, true)}</time>
                </span>
                <LabelChips labels=summary.labels.clone() />
                <span class="row-bottom">
                    <span class="preview">{last}</span>
                    // The visible text is the accessible name; the hidden word completes it.
                    {(unread > 0)
                        .then(|| {
                            view! {
                                <span class="badge">{unread}</span>
                                <span class="visually-hidden">" unread"</span>
                            }
                        })}
                </span>
            </button>
        </li>
    }
}
