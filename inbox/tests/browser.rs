//! Browser tests: components mounted in headless Chromium, driven through the
//! same state and frame handling the live socket uses, asserted on the DOM.
//! Run with `scripts/test-inbox.sh`.
#![cfg(target_arch = "wasm32")]

use leptos::mount::mount_to;
use leptos::prelude::*;
use natter_inbox::actions::{self, EXPIRED};
use natter_inbox::components::{ConnectionBadge, ConversationList, MessageLog, SignIn};
use natter_inbox::model::{
    AfterClose, Connection, ConvList, Delivery, Outgoing, Thread, after_close,
};
use natter_inbox::store::Inbox;
use natter_protocol::{
    ConvId, ConversationStatus, ConversationSummary, Direction, LoginResponse, Message,
    MessageList, Sender, SenderKind, ServerFrame, Side, StaffMember, Visitor, close_code,
};
use wasm_bindgen::JsCast;
use wasm_bindgen_test::*;
use web_sys::HtmlElement;

wasm_bindgen_test_configure!(run_in_browser);

fn document() -> web_sys::Document {
    web_sys::window()
        .and_then(|w| w.document())
        .expect("a document")
}

/// A fresh element to mount into.
fn container() -> HtmlElement {
    let el = document()
        .create_element("div")
        .expect("div")
        .unchecked_into::<HtmlElement>();
    document()
        .body()
        .expect("body")
        .append_child(&el)
        .expect("append");
    el
}

/// Mounts `view` with `inbox` as its context; the mount lives as long as the test page.
fn mount<V: IntoView + 'static>(inbox: Inbox, view: impl FnOnce() -> V + 'static) -> HtmlElement {
    let el = container();
    mount_to(el.clone(), move || {
        provide_context(inbox);
        view()
    })
    .forget();
    el
}

/// Lets the reactive system re-render.
async fn settle() {
    for _ in 0..3 {
        leptos::task::tick().await;
    }
}

fn texts(root: &HtmlElement, selector: &str) -> Vec<String> {
    let nodes = root.query_selector_all(selector).expect("selector");
    (0..nodes.length())
        .filter_map(|i| nodes.item(i))
        .map(|n| n.text_content().unwrap_or_default().trim().to_owned())
        .collect()
}

fn visitor(id: &str, name: &str) -> Visitor {
    Visitor {
        id: id.into(),
        name: name.into(),
        email: Some(format!("{id}@example.com")),
        phone: None,
        page_url: Some("https://shop.example/cart".into()),
        user_agent: Some("Test browser".into()),
        first_seen_at: 1_700_000_000_000,
        verified: false,
    }
}

fn summary(conv: &str, name: &str, at: i64, last_seq: u64, unread: u64) -> ConversationSummary {
    ConversationSummary {
        conv_id: conv.into(),
        account_id: "demo".into(),
        status: ConversationStatus::Open,
        assignee_id: None,
        visitor: visitor(&format!("v-{conv}"), name),
        last_message: None,
        last_seq,
        unread_count: unread,
        last_activity_at: at,
        created_at: at,
        labels: Vec::new(),
    }
}

fn message(conv: &str, seq: u64, direction: Direction, sender: Sender, text: &str) -> Message {
    Message {
        id: format!("m-{conv}-{seq}"),
        conv_id: conv.into(),
        seq,
        direction,
        sender,
        text: text.into(),
        client_msg_id: format!("k-{conv}-{seq}"),
        created_at: 10_000 + seq as i64 * 1000,
        deleted_at: None,
        attachments: Vec::new(),
    }
}

fn visitor_sender(conv: &str) -> Sender {
    Sender {
        kind: SenderKind::Visitor,
        id: format!("v-{conv}"),
        name: "Ana".into(),
    }
}

fn staff_sender(id: &str, name: &str) -> Sender {
    Sender {
        kind: SenderKind::Staff,
        id: id.into(),
        name: name.into(),
    }
}

#[wasm_bindgen_test]
async fn list_is_ordered_by_latest_activity_and_reorders_live() {
    let inbox = Inbox::new();
    inbox.list.set(ConvList::new(vec![
        summary("a", "Ana", 1_000, 1, 0),
        summary("b", "Bo", 3_000, 1, 0),
        summary("c", "Cy", 2_000, 1, 0),
    ]));
    let root = mount(inbox, || view! { <ConversationList /> });
    settle().await;
    assert_eq!(texts(&root, ".row .name"), ["Bo", "Cy", "Ana"]);

    // A visitor message in the oldest conversation moves it to the top, unread.
    let frame = ServerFrame::Message {
        message: message("a", 2, Direction::In, visitor_sender("a"), "hello?"),
    };
    actions::on_frame(inbox, frame);
    settle().await;
    assert_eq!(texts(&root, ".row .name"), ["Ana", "Bo", "Cy"]);
    assert_eq!(texts(&root, ".row .preview")[0], "hello?");
    assert_eq!(texts(&root, ".row .badge"), ["1"]);

    // A new conversation appears without a reload, on top.
    let mut created = summary("d", "Dee", 20_000, 1, 1);
    created.last_message = Some(message(
        "d",
        1,
        Direction::In,
        visitor_sender("d"),
        "new here",
    ));
    actions::on_frame(
        inbox,
        ServerFrame::ConversationCreated {
            conversation: Box::new(created),
        },
    );
    settle().await;
    assert_eq!(texts(&root, ".row .name"), ["Dee", "Ana", "Bo", "Cy"]);

    // A staff reply moves its conversation up without counting as unread.
    let reply = message("c", 2, Direction::Out, staff_sender("s1", "Sam"), "on it");
    actions::on_frame(
        inbox,
        ServerFrame::Message {
            message: Message {
                created_at: 30_000,
                ..reply
            },
        },
    );
    settle().await;
    assert_eq!(texts(&root, ".row .name"), ["Cy", "Dee", "Ana", "Bo"]);
    assert_eq!(texts(&root, ".row .preview")[0], "You: on it");
    assert_eq!(texts(&root, ".row .badge"), ["1", "1"]);
}

#[wasm_bindgen_test]
async fn unread_counts_follow_visitor_messages_and_staff_reads() {
    let inbox = Inbox::new();
    inbox
        .list
        .set(ConvList::new(vec![summary("a", "Ana", 1_000, 1, 1)]));
    let root = mount(inbox, || view! { <ConversationList /> });
    for seq in 2..=3 {
        let m = message("a", seq, Direction::In, visitor_sender("a"), "more");
        actions::on_frame(inbox, ServerFrame::Message { message: m });
    }
    // The same message again (a replay after a reconnect) does not count twice.
    let replay = message("a", 3, Direction::In, visitor_sender("a"), "more");
    actions::on_frame(inbox, ServerFrame::Message { message: replay });
    settle().await;
    assert_eq!(texts(&root, ".row .badge"), ["3"]);
    assert_eq!(inbox.list.with_untracked(ConvList::unread_total), 3);

    // The visitor reading does not change the staff's unread count; staff reading does.
    actions::on_frame(
        inbox,
        ServerFrame::Read {
            conv_id: "a".into(),
            side: Side::Visitor,
            seq: 3,
        },
    );
    settle().await;
    assert_eq!(texts(&root, ".row .badge"), ["3"]);
    actions::on_frame(
        inbox,
        ServerFrame::Read {
            conv_id: "a".into(),
            side: Side::Staff,
            seq: 3,
        },
    );
    settle().await;
    assert!(texts(&root, ".row .badge").is_empty());

    // Resolved conversations leave the open list.
    actions::on_frame(
        inbox,
        ServerFrame::Conversation {
            conv_id: "a".into(),
            status: ConversationStatus::Resolved,
            assignee_id: None,
        },
    );
    settle().await;
    assert!(texts(&root, ".row .name").is_empty());
}

/// Asserts the log shows the customer's words on the left and staff's on the right.
fn assert_sides(root: &HtmlElement) {
    assert_eq!(
        texts(root, ".msg.in .text"),
        ["Hi, I need help", "Still there?"]
    );
    assert_eq!(
        texts(root, ".msg.out .text"),
        ["Sure, how can I help?", "Yes!"]
    );
    // Each staff message names its author.
    assert_eq!(texts(root, ".msg.out .who"), ["Sam", "Kim"]);
    // Text is text: markup in a message is not interpreted.
    assert!(root.query_selector(".msg b").expect("selector").is_none());
}

/// A conversation where a staff member shares the visitor's id and name, so any
/// side decided by ids or names would be wrong: only `direction` may decide.
fn tricky_history() -> Vec<Message> {
    let visitor = visitor_sender("a");
    let impostor = staff_sender("v-a", "Ana");
    vec![
        message("a", 1, Direction::In, visitor.clone(), "Hi, I need help"),
        message(
            "a",
            2,
            Direction::Out,
            Sender {
                name: "Sam".into(),
                ..impostor.clone()
            },
            "Sure, how can I help?",
        ),
        message("a", 3, Direction::In, visitor, "Still there?"),
        message(
            "a",
            4,
            Direction::Out,
            Sender {
                name: "Kim".into(),
                ..impostor
            },
            "Yes!",
        ),
    ]
}

#[wasm_bindgen_test]
async fn staff_replies_are_never_on_the_customer_side_live_or_after_reload() {
    // Live: messages arrive one by one through the socket handling.
    let live = Inbox::new();
    live.selected.set(Some("a".into()));
    live.thread.set(Some(Thread::new("a".into())));
    let root = mount(live, || view! { <MessageLog /> });
    for m in tricky_history() {
        actions::on_frame(live, ServerFrame::Message { message: m });
    }
    settle().await;
    assert_sides(&root);

    // After a reload: the history comes back from the API as JSON, in one page.
    let page = MessageList {
        messages: tricky_history(),
        last_seq: 4,
        staff_read_seq: 0,
    };
    let json = serde_json::to_string(&page).expect("json");
    let reloaded: MessageList = serde_json::from_str(&json).expect("parse");
    let inbox = Inbox::new();
    inbox.selected.set(Some("a".into()));
    let mut thread = Thread::new("a".into());
    thread.extend(reloaded.messages.into_iter().rev().collect());
    inbox.thread.set(Some(thread));
    let root = mount(inbox, || view! { <MessageLog /> });
    settle().await;
    assert_sides(&root);
    let log = root.query_selector("[role=log]").expect("selector");
    assert!(
        log.is_some(),
        "the message list is a log for screen readers"
    );
}

#[wasm_bindgen_test]
async fn replies_show_pending_then_failed_with_retry_then_sent() {
    let inbox = Inbox::new();
    inbox.selected.set(Some("a".into()));
    let mut thread = Thread::new("a".into());
    thread.extend(vec![message(
        "a",
        1,
        Direction::In,
        visitor_sender("a"),
        "hello",
    )]);
    thread.push_pending(Outgoing {
        client_msg_id: "inbox-1".into(),
        text: "on my way".into(),
        created_at: 1_700_000_010_000,
        delivery: Delivery::Pending,
        attachments: Vec::new(),
    });
    inbox.thread.set(Some(thread));
    let root = mount(inbox, || view! { <MessageLog /> });
    settle().await;
    assert_eq!(texts(&root, ".msg.out.pending .state"), ["Sending…"]);

    inbox.thread.update(|t| {
        t.as_mut()
            .expect("thread")
            .set_delivery("inbox-1", Delivery::Failed("offline".into()))
    });
    settle().await;
    assert!(texts(&root, ".msg.out.failed .state")[0].starts_with("Not sent: offline"));
    assert_eq!(texts(&root, ".msg.failed button"), ["Retry"]);

    // The server's copy (same client_msg_id) replaces the pending one: sent, once.
    let mut sent = message(
        "a",
        2,
        Direction::Out,
        staff_sender("s1", "Sam"),
        "on my way",
    );
    sent.client_msg_id = "inbox-1".into();
    actions::on_frame(
        inbox,
        ServerFrame::Message {
            message: sent.clone(),
        },
    );
    actions::on_frame(inbox, ServerFrame::Message { message: sent });
    settle().await;
    assert!(texts(&root, ".pending").is_empty());
    assert_eq!(texts(&root, ".msg.out .text"), ["on my way"]);
}

#[wasm_bindgen_test]
async fn connection_state_is_visible_and_follows_the_socket() {
    let inbox = Inbox::new();
    let root = mount(inbox, || view! { <ConnectionBadge /> });
    settle().await;
    assert_eq!(texts(&root, "[role=status]"), ["Connecting…"]);

    let staff = StaffMember {
        id: "s1".into(),
        org_id: "demo".into(),
        name: "Sam".into(),
        email: "sam@example.com".into(),
        role: "agent".into(),
    };
    actions::on_frame(inbox, ServerFrame::Authenticated { staff });
    settle().await;
    assert_eq!(texts(&root, "[role=status]"), ["Live"]);
    assert!(
        root.query_selector(".conn-online")
            .expect("selector")
            .is_some()
    );

    // Overflow and restarts reconnect with growing backoff; a refused token signs out.
    let AfterClose::Reconnect { attempt, delay_ms } =
        after_close(close_code::QUEUE_OVERFLOW, 1, 0.0)
    else {
        panic!("an overflow must reconnect");
    };
    assert_eq!((attempt, delay_ms), (2, 1000));
    assert_eq!(
        after_close(close_code::UNAUTHORIZED, 0, 0.0),
        AfterClose::SignIn
    );
    inbox.connection.set(Connection::Reconnecting {
        attempt,
        retry_in_ms: delay_ms,
    });
    settle().await;
    assert_eq!(
        texts(&root, "[role=status]"),
        ["Offline — reconnecting in 1s"]
    );
    assert!(
        root.query_selector(".conn-offline")
            .expect("selector")
            .is_some()
    );
}

#[wasm_bindgen_test]
async fn an_expired_session_returns_to_sign_in_with_a_message() {
    let inbox = Inbox::new();
    inbox.session.set(Some(LoginResponse {
        token: "expired".into(),
        expires_at: 1,
        staff: StaffMember {
            id: "s1".into(),
            org_id: "demo".into(),
            name: "Sam".into(),
            email: "sam@example.com".into(),
            role: "agent".into(),
        },
    }));
    inbox.selected.set(Some(ConvId::from("a")));
    // What the socket's close code 4001 or any 401 leads to.
    actions::expire(inbox);
    let root = mount(inbox, || view! { <SignIn /> });
    settle().await;
    assert!(inbox.session.with_untracked(Option::is_none));
    assert!(inbox.selected.with_untracked(Option::is_none));
    assert_eq!(texts(&root, ".notice"), [EXPIRED]);
    assert!(
        root.query_selector("label[for=email]")
            .expect("selector")
            .is_some()
    );
}

#[wasm_bindgen_test]
fn the_chime_can_be_muted_in_this_browser_and_plays_without_a_gesture_safely() {
    use natter_inbox::net;
    net::set_sound(false);
    assert!(!net::sound_on(), "muted");
    // Kept where a reload finds it.
    let stored = web_sys::window()
        .and_then(|w| w.local_storage().ok().flatten())
        .and_then(|s| s.get_item("natter-inbox:muted").ok().flatten());
    assert_eq!(stored.as_deref(), Some("1"));
    net::set_sound(true);
    assert!(net::sound_on(), "on again");
    // No gesture yet: the browser keeps the audio suspended; the chime must not fail.
    net::chime();
}
