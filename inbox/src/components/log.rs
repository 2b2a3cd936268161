use crate::actions;
use crate::model::{Delivery, Outgoing};
use crate::net::format_when;
use crate::store::use_inbox;
use leptos::html::Div;
use leptos::prelude::*;
use natter_protocol::{Direction, Message, SenderKind};

/// The open conversation's messages: the customer's on the left, staff's on the
/// right, decided by `direction` alone; replies still on their way at the end.
#[component]
pub fn MessageLog() -> impl IntoView {
    let inbox = use_inbox();
    let messages = move || {
        inbox.thread.with(|t| {
            t.as_ref()
                .map(|t| t.messages().cloned().collect::<Vec<_>>())
                .unwrap_or_default()
        })
    };
    let pending = move || {
        inbox
            .thread
            .with(|t| t.as_ref().map(|t| t.pending().to_vec()).unwrap_or_default())
    };
    let has_older = move || {
        inbox
            .thread
            .with(|t| t.as_ref().is_some_and(|t| t.has_older()))
    };
    // Scroll to the end when a message is added at the end, not when older ones load.
    let tail = Memo::new(move |_| {
        inbox
            .thread
            .with(|t| t.as_ref().map(|t| (t.newest_seq(), t.pending().len())))
    });
    let log = NodeRef::<Div>::new();
    Effect::new(move |_| {
        tail.track();
        request_animation_frame(move || {
            if let Some(el) = log.get_untracked() {
                el.set_scroll_top(el.scroll_height());
            }
        });
    });
    view! {
        <div class="log" role="log" aria-live="polite" aria-label="Messages" tabindex="0" node_ref=log>
            <Show when=has_older>
                <button type="button" class="older link" on:click=move |_| actions::load_older(inbox)>
                    "Load earlier messages"
                </button>
            </Show>
            <ol class="messages">
                <For each=messages key=|m| m.seq children=move |message| view! { <MessageItem message /> } />
                <For
                    each=pending
                    key=|p| (p.client_msg_id.clone(), p.delivery.clone())
                    children=move |outgoing| view! { <PendingItem outgoing /> }
                />
            </ol>
        </div>
    }
}

/// One stored message.
#[component]
fn MessageItem(
    /// The message; its `direction` decides its side.
    message: Message,
) -> impl IntoView {
    let side = match message.direction {
        Direction::In => "msg in",
        Direction::Out => "msg out",
    };
    let system = message.sender.kind == SenderKind::System;
    view! {
        <li class=side class:system=system data-seq=message.seq>
            <div class="meta">
                <span class="who">{message.sender.name}</span>
                <time>{format_when(message.created_at, false)}</time>
            </div>
            <p class="text">{message.text}</p>
        </li>
    }
}

/// A reply the server has not confirmed: sending, or failed with a retry.
#[component]
fn PendingItem(
    /// The reply and its delivery state.
    outgoing: Outgoing,
) -> impl IntoView {
    let inbox = use_inbox();
    let id = outgoing.client_msg_id.clone();
    let status = match &outgoing.delivery {
        Delivery::Pending => view! { <span class="state">"Sending…"</span> }.into_any(),
        Delivery::Failed(reason) => view! {
            <span class="state failed" role="alert">
                {format!("Not sent: {reason}")}
                " "
                <button type="button" class="link" on:click=move |_| actions::retry(inbox, id.clone())>
                    "Retry"
                </button>
            </span>
        }
        .into_any(),
    };
    let failed = matches!(outgoing.delivery, Delivery::Failed(_));
    view! {
        <li class="msg out pending" class:failed=failed data-client-msg-id=outgoing.client_msg_id.clone()>
            <div class="meta">
                <span class="who">"You"</span>
                <time>{format_when(outgoing.created_at, false)}</time>
            </div>
            <p class="text">{outgoing.text}</p>
            {status}
        </li>
    }
}
