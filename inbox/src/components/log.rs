use crate::actions;
use crate::model::{Delivery, Outgoing};
use crate::store::use_inbox;
use leptos::html::Div;
use leptos::prelude::*;
use natter_client::groups::{Place, place};
use natter_client::view::{initials, rich_text};
use natter_client::when;
use natter_protocol::{Direction, Message, Note, SenderKind};
use wasm_bindgen::JsCast;

/// One line of the log: a stored message or a reply on its way, and where it sits.
#[derive(Clone, Debug, PartialEq)]
struct Entry {
    item: Item,
    place: Place,
    /// The last staff message the visitor has read: "Seen" under it.
    seen: bool,
}

#[derive(Clone, Debug, PartialEq)]
enum Item {
    Stored(Message),
    /// An internal note: staff only.
    Note(Note),
    Pending(Outgoing),
}

/// Groups notes apart from every sender's messages.
const NOTE_GROUP: &str = "\u{0}note";

impl Entry {
    fn key(&self) -> (String, Place, bool, Option<Delivery>) {
        match &self.item {
            Item::Stored(m) => {
                let deleted = if m.deleted_at.is_some() { "d" } else { "" };
                (format!("s{}{deleted}", m.seq), self.place, self.seen, None)
            }
            Item::Note(n) => (format!("n{}", n.id), self.place, false, None),
            Item::Pending(p) => (
                p.client_msg_id.clone(),
                self.place,
                false,
                Some(p.delivery.clone()),
            ),
        }
    }
}

/// The open conversation's messages: the customer's on the left, staff's on the
/// right, decided by `direction` alone; replies still on their way at the end. Grouped
/// by sender, with day separators.
#[component]
pub fn MessageLog() -> impl IntoView {
    let inbox = use_inbox();
    let me = move || {
        inbox
            .session
            .with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()).unwrap_or_default())
    };
    let entries = Memo::new(move |_| {
        let visitor_read = inbox
            .detail
            .with(|d| d.as_ref().map_or(0, |d| d.visitor_read_seq));
        let me = me();
        inbox.thread.with(|t| {
            let Some(t) = t else { return Vec::new() };
            // A note sits after the message it followed; notes before the oldest page
            // held wait until that page is loaded.
            let first = if t.has_older() {
                t.oldest_seq().unwrap_or(0)
            } else {
                0
            };
            let mut notes = t.notes().iter().filter(|n| n.after_seq >= first).peekable();
            let mut items: Vec<Item> = Vec::new();
            for message in t.messages() {
                while let Some(note) = notes.next_if(|n| n.after_seq < message.seq) {
                    items.push(Item::Note(note.clone()));
                }
                items.push(Item::Stored(message.clone()));
            }
            items.extend(notes.cloned().map(Item::Note));
            items.extend(t.pending().iter().cloned().map(Item::Pending));
            let seen = t
                .messages()
                .filter(|m| m.direction == Direction::Out && m.seq <= visitor_read)
                .map(|m| m.seq)
                .last();
            let senders = items.iter().map(|i| match i {
                Item::Stored(m) if m.direction == Direction::In => ("", m.created_at),
                Item::Stored(m) => (m.sender.id.as_str(), m.created_at),
                Item::Note(n) => (NOTE_GROUP, n.created_at),
                Item::Pending(p) => (me.as_str(), p.created_at),
            });
            let places = place(senders, when::day_of);
            items
                .into_iter()
                .zip(places)
                .map(|(item, place)| Entry {
                    seen: matches!(&item, Item::Stored(m) if Some(m.seq) == seen),
                    item,
                    place,
                })
                .collect()
        })
    });
    let has_older = move || {
        inbox
            .thread
            .with(|t| t.as_ref().is_some_and(|t| t.has_older()))
    };
    // Something added at the end (not older pages, not a delivery state): follow it if
    // the reader is at the bottom, else offer a jump.
    let tail = Memo::new(move |_| {
        inbox.thread.with(|t| {
            t.as_ref()
                .map(|t| (t.conv_id.clone(), t.newest_seq(), t.pending().len()))
        })
    });
    let log = NodeRef::<Div>::new();
    let at_bottom = StoredValue::new(true);
    let unseen = RwSignal::new(false);
    let to_bottom = move || {
        if let Some(el) = log.get_untracked() {
            el.set_scroll_top(el.scroll_height());
        }
        at_bottom.set_value(true);
        unseen.set(false);
    };
    // A search result's message: once the log holds it, scroll it to the upper third
    // and mark it (and the log stays there rather than following the end).
    let found = RwSignal::new(None::<u64>);
    Effect::watch(
        move || {
            let target = inbox.jump.get()?;
            entries
                .with(|e| {
                    e.iter()
                        .any(|e| matches!(&e.item, Item::Stored(m) if m.seq == target.1 && m.conv_id == target.0))
                })
                .then_some(target.1)
        },
        move |seq, _, _| {
            let Some(seq) = *seq else { return };
            inbox.jump.set(None);
            found.set(Some(seq));
            request_animation_frame(move || {
                let Some(log) = log.get_untracked() else {
                    return;
                };
                let item = log
                    .query_selector(&format!("li[data-seq=\"{seq}\"]"))
                    .ok()
                    .flatten()
                    .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok());
                if let Some(item) = item {
                    log.set_scroll_top(item.offset_top() - log.client_height() / 3);
                    at_bottom.set_value(false);
                    let _ = item.focus();
                }
            });
        },
        false,
    );
    Effect::watch(
        move || tail.get(),
        move |now, before, _| {
            let switched = before.flatten().map(|b| &b.0) != now.as_ref().map(|n| &n.0);
            if switched {
                found.set(None);
            }
            // A result to show is where the log goes instead.
            if inbox.jump.with_untracked(Option::is_some) {
                return;
            }
            if switched || at_bottom.get_value() {
                request_animation_frame(to_bottom);
            } else {
                unseen.set(true);
            }
        },
        true,
    );
    let on_scroll = move |_| {
        if let Some(el) = log.get_untracked() {
            let bottom = el.scroll_height() - el.scroll_top() - el.client_height() < 48;
            at_bottom.set_value(bottom);
            if bottom {
                unseen.set(false);
            }
        }
    };
    view! {
        <div class="log" role="log" aria-live="polite" aria-label="Messages" tabindex="0" node_ref=log on:scroll=on_scroll>
            <Show when=has_older>
                <button type="button" class="older link" on:click=move |_| actions::load_older(inbox)>
                    "Load earlier messages"
                </button>
            </Show>
            <ol class="messages">
                <For each=move || entries.get() key=Entry::key children=move |entry| view! { <EntryItem entry found /> } />
            </ol>
        </div>
        <div class="under">
            <button type="button" class="jump" hidden=move || !unseen.get() on:click=move |_| to_bottom()>
                "New messages ↓"
            </button>
        </div>
    }
}

/// One line: a day separator if a day begins, the sender and time if a group begins.
#[component]
fn EntryItem(
    /// The message or pending reply, and its place in the log.
    entry: Entry,
    /// The `seq` of the message a search opened the log at.
    found: RwSignal<Option<u64>>,
) -> impl IntoView {
    let inbox = use_inbox();
    let day = entry.place.day_start.then(|| {
        let at = match &entry.item {
            Item::Stored(m) => m.created_at,
            Item::Note(n) => n.created_at,
            Item::Pending(p) => p.created_at,
        };
        view! { <li class="day"><span>{when::day(at, "", "Today", "Yesterday")}</span></li> }
    });
    let head = |name: String, at: i64, avatar: bool| {
        let time = when::time(at, "");
        if entry.place.group_start {
            let avatar = avatar.then(
                || view! { <span class="avatar" aria-hidden="true">{initials(&name)}</span> },
            );
            view! {
                <div class="meta">
                    {avatar}
                    <span class="who">{name}</span>
                    <time>{time}</time>
                </div>
            }
            .into_any()
        } else {
            view! { <span class="visually-hidden">{name}</span> }.into_any()
        }
    };
    let body = match entry.item {
        Item::Stored(message) => {
            let side = match message.direction {
                Direction::In => "msg in",
                Direction::Out => "msg out",
            };
            let system = message.sender.kind == SenderKind::System;
            let staff = message.sender.kind == SenderKind::Staff;
            let stamp = when::stamp(message.created_at, "", false);
            let deleted = message.deleted_at.is_some();
            let text = if deleted {
                view! { <p class="text deleted" title=stamp>"Message deleted"</p> }.into_any()
            } else if message.text.is_empty() {
                ().into_any()
            } else {
                view! { <p class="text" dir="auto" title=stamp>{rich_text(&message.text)}</p> }.into_any()
            };
            let files = (!message.attachments.is_empty()).then(|| files(&message.attachments));
            let delete = (!deleted && !system).then(|| {
                let message = message.clone();
                view! {
                    <button type="button" class="link small delete" aria-label="Delete this message" on:click=move |_| actions::delete_message(inbox, &message)>
                        "Delete"
                    </button>
                }
            });
            view! {
                <li
                    class=side
                    class:system=system
                    class:first=entry.place.group_start
                    class:found=move || found.get() == Some(message.seq)
                    tabindex=move || (found.get() == Some(message.seq)).then_some("-1")
                    data-seq=message.seq
                    data-deleted=deleted.then_some("true")
                >
                    {head(message.sender.name.clone(), message.created_at, staff)}
                    {text}
                    {files}
                    {entry.seen.then(|| view! { <span class="state seen">"Seen"</span> })}
                    {delete}
                </li>
            }
            .into_any()
        }
        Item::Note(note) => view! {
            <li class="internal-note" data-note-id=note.id.clone()>
                <div class="meta">
                    <span class="note-tag">"Internal note"</span>
                    <span class="who">{note.author.name.clone()}</span>
                    <time>{when::time(note.created_at, "")}</time>
                </div>
                <p class="text" dir="auto" title=when::stamp(note.created_at, "", false)>{rich_text(&note.text)}</p>
            </li>
        }
        .into_any(),
        Item::Pending(outgoing) => {
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
                <li class="msg out pending" class:failed=failed class:first=entry.place.group_start data-client-msg-id=outgoing.client_msg_id.clone()>
                    {head("You".to_owned(), outgoing.created_at, false)}
                    {(!outgoing.text.is_empty()).then(|| view! { <p class="text" dir="auto">{rich_text(&outgoing.text)}</p> })}
                    {(!outgoing.attachments.is_empty()).then(|| files(&outgoing.attachments))}
                    {status}
                </li>
            }
            .into_any()
        }
    };
    view! { {day}{body} }
}

/// A message's files (the inbox is on the server's origin: their paths are URLs as they are).
fn files(list: &[natter_protocol::Attachment]) -> impl IntoView + use<> {
    let node = NodeRef::<leptos::html::Div>::new();
    let list = list.to_vec();
    node.on_load(move |el| natter_client::files::render(el.into(), &list, ""));
    view! { <div class="files" node_ref=node></div> }
}
