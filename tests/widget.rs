//! The widget in headless Chromium (`scripts/test-widget.sh`): the real app, mounted in the
//! page, with `fetch` and `WebSocket` replaced by small in-page fakes so each test controls
//! what the "server" answers and sees every request and frame.
#![cfg(target_arch = "wasm32")]
// Test helpers: a failed unwrap is a failed test, with its location.
#![allow(clippy::unwrap_used)]

use leptos::mount::mount_to;
use leptos::prelude::*;
use natter_widget::{App, Settings};
use wasm_bindgen::{JsCast, JsValue};
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;
use web_sys::{Element, HtmlElement};

wasm_bindgen_test_configure!(run_in_browser);

/// A fake server behind `window.fetch` and a fake `WebSocket` class, reset per test.
const FAKES: &str = r#"
const net = window.__net = { requests: [], history: [], convs: 0, failPosts: false, hold: null };
net.msg = (conv, seq, direction, text, cmid, name) => ({
  id: 'm' + seq, conv_id: conv, seq, direction, text, client_msg_id: cmid,
  sender: { kind: direction === 'in' ? 'visitor' : 'staff', id: 'x', name },
  created_at: 1700000000000 + seq * 60000,
});
const json = (status, value) => new Response(JSON.stringify(value), { status, headers: { 'content-type': 'application/json' } });
window.fetch = async (req) => {
  const url = new URL(req.url), method = req.method, path = url.pathname;
  const body = method === 'GET' ? null : JSON.parse((await req.text()) || 'null');
  net.requests.push({ path, search: url.search, method, body, auth: req.headers.get('authorization') });
  if (path.endsWith('/config')) {
    return json(200, { org_id: 'o1', account_id: 'a1', name: 'Acme', greeting: 'Hi there!', theme_color: '#112233', staff_online: true });
  }
  if (path.endsWith('/leads')) {
    const conv = 'c' + (++net.convs);
    net.history = body.message ? [net.msg(conv, 1, 'in', body.message, body.client_msg_id, body.name)] : [];
    return json(201, { conv_id: conv, visitor_id: 'v1', visitor_token: 'tok-' + conv, messages: net.history.slice() });
  }
  const conv = path.split('/')[4];
  if (path.endsWith('/messages') && method === 'POST') {
    if (net.hold) await net.hold;
    if (net.failPosts === 'network') throw new TypeError('Failed to fetch');
    if (net.failPosts === 'refused') return json(422, { error: { code: 'invalid_text', message: 'no' } });
    let m = net.history.find((m) => m.client_msg_id === body.client_msg_id);
    if (!m) { m = net.msg(conv, net.history.length + 1, 'in', body.text, body.client_msg_id, 'Ana'); net.history.push(m); }
    return json(201, { message: m });
  }
  if (path.endsWith('/messages')) {
    const after = Number(url.searchParams.get('after_seq'));
    return json(200, { messages: net.history.filter((m) => m.seq > after), last_seq: net.history.length });
  }
  if (path.endsWith('/read')) return new Response(null, { status: 204 });
  return json(404, { error: { code: 'not_found', message: 'no' } });
};
class FakeSocket {
  constructor(url) {
    this.url = url; this.sent = []; this.readyState = 0; FakeSocket.all.push(this);
    setTimeout(() => { this.readyState = 1; if (this.onopen) this.onopen(new Event('open')); }, 0);
  }
  send(text) { this.sent.push(JSON.parse(text)); }
  close() { this.readyState = 3; }
  push(frame) { if (this.onmessage) this.onmessage(new MessageEvent('message', { data: JSON.stringify(frame) })); }
}
FakeSocket.all = [];
window.FakeSocket = FakeSocket;
window.WebSocket = FakeSocket;
localStorage.clear();
"#;

fn js(code: &str) -> JsValue {
    js_sys::Function::new_no_args(code)
        .call0(&JsValue::NULL)
        .expect("test script runs")
}

async fn sleep(ms: i32) {
    let promise = js_sys::Promise::new(&mut |resolve, _| {
        web_sys::window()
            .unwrap()
            .set_timeout_with_callback_and_timeout_and_arguments_0(&resolve, ms)
            .unwrap();
    });
    JsFuture::from(promise).await.unwrap();
}

/// A mounted widget; unmounts (closing its socket) when dropped.
struct Widget {
    host: HtmlElement,
    _handle: leptos::mount::UnmountHandle<leptos::tachys::view::any_view::AnyViewState>,
}

impl Drop for Widget {
    fn drop(&mut self) {
        self.host.remove();
    }
}

async fn mount() -> Widget {
    let document = web_sys::window().unwrap().document().unwrap();
    let host: HtmlElement = document.create_element("div").unwrap().unchecked_into();
    document.body().unwrap().append_child(&host).unwrap();
    let settings = Settings {
        org: "o1".into(),
        account: "a1".into(),
        server: "http://chat.test".into(),
        locale: "en".into(),
        host: host.clone(),
    };
    let handle = mount_to(host.clone(), move || view! { <App settings/> }.into_any());
    // The socket opens once this tab holds the Web Lock that elects the tab with the
    // browser's one socket; the browser grants it asynchronously.
    for _ in 0..100 {
        sleep(20).await;
        if js("return FakeSocket.all.length").as_f64() > Some(0.0) {
            break;
        }
    }
    sleep(10).await;
    Widget {
        host,
        _handle: handle,
    }
}

impl Widget {
    fn all(&self, selector: &str) -> Vec<Element> {
        let list = self.host.query_selector_all(selector).unwrap();
        (0..list.length())
            .filter_map(|i| list.item(i)?.dyn_into().ok())
            .collect()
    }

    fn texts(&self, selector: &str) -> Vec<String> {
        self.all(selector)
            .iter()
            .map(|e| e.text_content().unwrap_or_default())
            .collect()
    }

    fn one(&self, selector: &str) -> HtmlElement {
        self.host
            .query_selector(selector)
            .unwrap()
            .unwrap_or_else(|| panic!("no {selector}"))
            .unchecked_into()
    }

    fn fill(&self, selector: &str, value: &str) {
        let field = self.one(selector);
        js_sys::Reflect::set(&field, &"value".into(), &value.into()).unwrap();
        field
            .dispatch_event(&web_sys::Event::new("input").unwrap())
            .unwrap();
    }

    fn press_enter(&self, selector: &str) {
        let init = web_sys::KeyboardEventInit::new();
        init.set_key("Enter");
        init.set_bubbles(true);
        init.set_cancelable(true);
        let event =
            web_sys::KeyboardEvent::new_with_keyboard_event_init_dict("keydown", &init).unwrap();
        self.one(selector).dispatch_event(&event).unwrap();
    }

    fn states(&self) -> Vec<String> {
        self.all(".n-msg")
            .iter()
            .map(|e| e.get_attribute("data-state").unwrap_or_default())
            .collect()
    }
}

fn saved() -> serde_json::Value {
    let json = web_sys::window()
        .unwrap()
        .local_storage()
        .unwrap()
        .unwrap()
        .get_item("natter:o1:a1")
        .unwrap();
    serde_json::from_str(&json.unwrap_or_else(|| "null".into())).unwrap()
}

fn frames_of(socket: usize) -> Vec<serde_json::Value> {
    let json = js(&format!(
        "return JSON.stringify(FakeSocket.all[{socket}].sent)"
    ));
    serde_json::from_str(&json.as_string().unwrap()).unwrap()
}

fn sockets() -> u32 {
    js("return FakeSocket.all.length").as_f64().unwrap() as u32
}

/// A stored conversation `c1` whose history is given as JS message expressions.
fn stored_conversation(history: &str) {
    js(FAKES);
    js(&format!(
        "localStorage.setItem('natter:o1:a1', JSON.stringify({{conv_id: 'c1', token: 'tok-c1', name: 'Ana'}}));
         __net.convs = 1; __net.history = [{history}];"
    ));
}

#[wasm_bindgen_test]
async fn lead_persists_conv_id_and_token_and_reload_restores_history() {
    js(FAKES);
    let widget = mount().await;
    widget.fill("#n-name", "Ana");
    widget.fill("#n-first", "Hello there");
    widget.one(".n-primary").click();
    sleep(50).await;
    let saved = saved();
    assert_eq!(saved["conv_id"], "c1");
    assert_eq!(saved["token"], "tok-c1");
    assert_eq!(widget.texts(".n-mine .n-bubble"), ["Hello there"]);
    drop(widget);

    // A reload: a new app, same storage.
    let widget = mount().await;
    sleep(30).await;
    assert!(
        widget.all("#n-name").is_empty(),
        "no lead form for a known visitor"
    );
    assert_eq!(widget.texts(".n-mine .n-bubble"), ["Hello there"]);
    let history = js(
        "return JSON.stringify(__net.requests.filter(r => r.method === 'GET' && r.path.endsWith('/messages')))",
    );
    assert!(
        history.as_string().unwrap().contains("Bearer tok-c1"),
        "history fetched with the visitor token"
    );
    let frames = frames_of(1);
    assert_eq!(frames[0]["type"], "subscribe");
    assert_eq!(frames[0]["conv_id"], "c1");
    assert_eq!(frames[0]["token"], "tok-c1");
}

#[wasm_bindgen_test]
async fn messages_are_drawn_on_the_side_of_their_direction() {
    stored_conversation(
        "__net.msg('c1', 1, 'in', 'Hi, I am Ana', 'k1', 'Ana'), __net.msg('c1', 2, 'out', 'Hello Ana, Bob here', 'k2', 'Bob')",
    );
    let widget = mount().await;
    assert_eq!(widget.texts(".n-mine .n-bubble"), ["Hi, I am Ana"]);
    assert_eq!(widget.texts(".n-theirs .n-bubble"), ["Hello Ana, Bob here"]);
    assert_eq!(widget.texts(".n-theirs .n-group .n-who"), ["Bob"]);
    // Text is text: markup in a message is not interpreted.
    js(
        "FakeSocket.all[0].push({type: 'message', message: __net.msg('c1', 3, 'out', '<b>bold</b>', 'k3', 'Bob')})",
    );
    sleep(10).await;
    assert_eq!(widget.texts(".n-theirs .n-bubble")[1], "<b>bold</b>");
    assert!(widget.all(".n-theirs .n-bubble b").is_empty());
}

#[wasm_bindgen_test]
async fn duplicates_are_dropped_by_seq_and_gaps_fetched() {
    stored_conversation("__net.msg('c1', 1, 'out', 'one', 'k1', 'Bob')");
    let widget = mount().await;
    js("const m = __net.msg('c1', 1, 'out', 'one', 'k1', 'Bob');
        FakeSocket.all[0].push({type: 'message', message: m});
        FakeSocket.all[0].push({type: 'message', message: m});");
    sleep(10).await;
    assert_eq!(widget.texts(".n-bubble"), ["one"]);

    // 3 arrives but 2 was lost: the widget fetches after 1 and converges.
    js("__net.history.push(__net.msg('c1', 2, 'out', 'two', 'k2', 'Bob'), __net.msg('c1', 3, 'out', 'three', 'k3', 'Bob'));
        FakeSocket.all[0].push({type: 'message', message: __net.history[2]});");
    sleep(40).await;
    assert_eq!(widget.texts(".n-bubble"), ["one", "two", "three"]);
    let gap_fetch = js(
        "return __net.requests.some(r => r.method === 'GET' && r.search.includes('after_seq=1&'))",
    );
    assert_eq!(gap_fetch, JsValue::TRUE);
}

#[wasm_bindgen_test]
async fn sending_goes_pending_sent_queued_or_failed_and_retried_without_doubling() {
    stored_conversation("");
    let widget = mount().await;
    js("__net.hold = new Promise((resolve) => { __net.release = resolve; });");
    widget.fill("#n-text", "First");
    widget.press_enter("#n-text");
    sleep(10).await;
    assert_eq!(widget.texts(".n-mine .n-bubble"), ["First"]);
    assert_eq!(widget.states(), ["pending"]);
    js("__net.hold = null; __net.release();");
    sleep(20).await;
    assert_eq!(widget.states(), ["sent"]);

    // Not reached: the message waits, says so, and goes by itself when the network is back.
    js("__net.failPosts = 'network';");
    widget.fill("#n-text", "Second");
    widget.one(".n-send").click();
    sleep(20).await;
    assert_eq!(widget.states(), ["sent", "queued"]);
    assert!(
        widget.all(".n-retry").is_empty(),
        "a queued message offers no retry"
    );
    assert_eq!(
        saved()["outbox"][0][1],
        "Second",
        "unsent messages survive a reload"
    );
    js("__net.failPosts = false; window.dispatchEvent(new Event('online'));");
    sleep(20).await;
    assert_eq!(widget.states(), ["sent", "sent"]);

    // Refused by the server: failed, and only the visitor retries it.
    js("__net.failPosts = 'refused';");
    widget.fill("#n-text", "Third");
    widget.one(".n-send").click();
    sleep(20).await;
    assert_eq!(widget.states(), ["sent", "sent", "failed"]);
    js("__net.failPosts = false;");
    widget.one(".n-retry").click();
    sleep(20).await;
    assert_eq!(widget.states(), ["sent", "sent", "sent"]);
    assert_eq!(
        widget.texts(".n-mine .n-bubble"),
        ["First", "Second", "Third"]
    );
    for text in ["Second", "Third"] {
        let ids = js(&format!(
            "return JSON.stringify(__net.requests.filter(r => r.method === 'POST' && r.body.text === '{text}').map(r => r.body.client_msg_id))"
        ));
        let ids: Vec<String> = serde_json::from_str(&ids.as_string().unwrap()).unwrap();
        assert_eq!(ids.len(), 2, "{text} was posted twice");
        assert_eq!(
            ids[0], ids[1],
            "the retry of {text} reuses the client_msg_id"
        );
    }

    // The socket's echo of the same message changes nothing.
    js("FakeSocket.all[0].push({type: 'message', message: __net.history[1]});");
    sleep(10).await;
    assert_eq!(widget.states(), ["sent", "sent", "sent"]);
    assert!(saved()["outbox"].as_array().unwrap().is_empty());
}

#[wasm_bindgen_test]
async fn switching_conversation_keeps_the_one_socket() {
    stored_conversation("__net.msg('c1', 1, 'in', 'old', 'k1', 'Ana')");
    let widget = mount().await;
    assert_eq!(sockets(), 1);
    widget.one(".n-more").click();
    widget.one(".n-menu [role=menuitem]").click();
    sleep(10).await;
    widget.fill("#n-name", "Ana");
    widget.one(".n-primary").click();
    sleep(40).await;
    assert_eq!(saved()["conv_id"], "c2");
    assert_eq!(sockets(), 1, "no new socket for a new conversation");
    let subscriptions: Vec<(String, String)> = frames_of(0)
        .iter()
        .filter(|f| f["type"] != "ping")
        .map(|f| {
            (
                f["type"].as_str().unwrap().to_owned(),
                f["conv_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("subscribe", "c1"),
        ("unsubscribe", "c1"),
        ("subscribe", "c2"),
    ];
    assert_eq!(
        subscriptions,
        expected.map(|(t, c)| (t.to_owned(), c.to_owned()))
    );
    assert!(
        widget.texts(".n-bubble").is_empty(),
        "the old conversation is gone"
    );
}
