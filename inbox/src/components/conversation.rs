use super::labels::LabelEditor;
use super::{Composer, MessageLog};
use crate::actions;
use crate::net::format_when;
use crate::store::use_inbox;
use leptos::prelude::*;
use natter_protocol::{ConversationStatus, Visitor};

/// The open conversation: its header with resolve/reopen, history, typing
/// indicator, composer and the visitor's details.
#[component]
pub fn ConversationPane() -> impl IntoView {
    let inbox = use_inbox();
    // The list row is there at once; the detail arrives a moment later, and stays when
    // the row leaves the list (a resolved conversation under the "open" filter).
    let summary = move || {
        let conv_id = inbox.selected.get()?;
        let detail = inbox.detail.with(|d| {
            d.as_ref()
                .filter(|d| d.summary.conv_id == conv_id)
                .map(|d| d.summary.clone())
        });
        detail.or_else(|| inbox.list.with(|l| l.get(&conv_id).cloned()))
    };
    let name = move || summary().map(|s| s.visitor.name).unwrap_or_default();
    let status = move || summary().map(|s| s.status);
    let toggle = move |_| {
        let next = match status() {
            Some(ConversationStatus::Open) => ConversationStatus::Resolved,
            _ => ConversationStatus::Open,
        };
        actions::set_status(inbox, next);
    };
    let typing = move || {
        inbox
            .typing
            .get()
            .map(|(name, _)| format!("{name} is typing…"))
    };
    view! {
        <Show
            when=move || inbox.selected.with(Option::is_some)
            fallback=|| view! { <section class="pane placeholder"><p class="muted">"Choose a conversation to answer it. Press ? for keyboard shortcuts."</p></section> }
        >
            <section class="pane" aria-label="Conversation">
                <header class="pane-head">
                    <button
                        type="button"
                        class="back link"
                        aria-label="Back to conversations"
                        on:click=move |_| actions::deselect(inbox)
                    >
                        "← Back"
                    </button>
                    <h2>{name}</h2>
                    <Assignment assignee=Signal::derive(move || summary().and_then(|s| s.assignee_id)) />
                    <button type="button" class="status" on:click=toggle>
                        {move || match status() {
                            Some(ConversationStatus::Open) => "Resolve",
                            _ => "Reopen",
                        }}
                    </button>
                </header>
                <div class="pane-body">
                    <div class="thread">
                        <MessageLog />
                        <p class="typing" aria-live="polite">{typing}</p>
                        <Show when=move || status() == Some(ConversationStatus::Resolved)>
                            <p class="note">"This conversation is resolved. Sending a reply reopens it."</p>
                        </Show>
                        <Composer />
                    </div>
                    <div class="side">
                        {move || summary().map(|s| view! { <VisitorDetails visitor=s.visitor /> })}
                        <LabelEditor labels=Signal::derive(move || summary().map(|s| s.labels).unwrap_or_default()) />
                    </div>
                </div>
            </section>
        </Show>
    }
}

/// Who answers the conversation: a picker of the organization's members, and "Assign
/// to me" while it is not the signed-in member's.
#[component]
fn Assignment(
    /// The member the open conversation is assigned to, if any.
    assignee: Signal<Option<String>>,
) -> impl IntoView {
    let inbox = use_inbox();
    let me = inbox.my_id().unwrap_or_default();
    let mine = {
        let me = me.clone();
        move || assignee.get().as_deref() == Some(me.as_str())
    };
    let options = move || {
        inbox
            .team
            .get()
            .unwrap_or_default()
            .into_iter()
            .map(|m| {
                let id = m.member.id.clone();
                let chosen = move || assignee.get().as_deref() == Some(id.as_str());
                view! { <option value=m.member.id.clone() prop:selected=chosen>{m.member.name}</option> }
            })
            .collect_view()
    };
    view! {
        <label class="assign">
            <span class="visually-hidden">"Assigned to"</span>
            <select on:change=move |ev| {
                let chosen = event_target_value(&ev);
                actions::assign(inbox, (!chosen.is_empty()).then_some(chosen));
            }>
                <option value="" prop:selected=move || assignee.get().is_none()>"Unassigned"</option>
                {options}
            </select>
        </label>
        <Show when=move || !mine()>
            <button
                type="button"
                class="status assign-me"
                on:click={
                    let me = me.clone();
                    move |_| actions::assign(inbox, Some(me.clone()))
                }
            >
                "Assign to me"
            </button>
        </Show>
    }
}

/// Who the visitor is: name, email, phone, page, browser and first visit.
#[component]
pub fn VisitorDetails(
    /// The visitor of the open conversation.
    visitor: Visitor,
) -> impl IntoView {
    let inbox = use_inbox();
    let or_dash = |v: Option<String>| {
        v.filter(|v| !v.is_empty())
            .unwrap_or_else(|| "—".to_owned())
    };
    // Only http(s) pages become links; anything else stays text.
    let page = visitor
        .page_url
        .clone()
        .filter(|u| u.starts_with("https://") || u.starts_with("http://"));
    let (visitor_id, visitor_name) = (visitor.id.clone(), visitor.name.clone());
    let rights = inbox.manages_websites().then(|| {
        let export_id = visitor_id.clone();
        view! {
            <div class="rights">
                <button type="button" class="link small" on:click=move |_| actions::export_visitor(inbox, export_id.clone())>
                    "Export visitor's data"
                </button>
                <button type="button" class="link small danger" on:click=move |_| actions::erase_visitor(inbox, visitor_id.clone(), visitor_name.clone())>
                    "Erase visitor…"
                </button>
            </div>
        }
    });
    let page_view = match page {
        Some(url) => view! { <a href=url.clone() target="_blank" rel="noopener noreferrer">{url.clone()}</a> }.into_any(),
        None => view! { <span>{or_dash(visitor.page_url.clone())}</span> }.into_any(),
    };
    view! {
        <aside class="details" aria-label="Visitor details">
            <h3>"Visitor"</h3>
            <dl>
                <dt>"Name"</dt>
                <dd>
                    {visitor.name}
                    {visitor.verified.then(|| view! {
                        <span class="verified" title="The website's server vouched for who this is">" ✓ Verified"</span>
                    })}
                </dd>
                <dt>"Email"</dt>
                <dd>{or_dash(visitor.email)}</dd>
                <dt>"Phone"</dt>
                <dd>{or_dash(visitor.phone)}</dd>
                <dt>"Page"</dt>
                <dd class="wrap">{page_view}</dd>
                <dt>"Browser"</dt>
                <dd class="wrap">{or_dash(visitor.user_agent)}</dd>
                <dt>"First seen"</dt>
                <dd>{format_when(visitor.first_seen_at, false)}</dd>
            </dl>
            <button type="button" class="link small" on:click=move |_| actions::download_transcript(inbox)>
                "Download transcript"
            </button>
            {rights}
        </aside>
    }
}
