//! The bridge to the loader (`loader/embed.js`) and through it to `window.Natter`: the app
//! receives commands as `natter:command` events on the host element and reports its events
//! as `natter:<name>` events that bubble out of it (composed), so the page can also listen
//! on `window`.

use js_sys::Reflect;
use wasm_bindgen::prelude::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CustomEvent, CustomEventInit, HtmlElement};

/// A `window.Natter` call, forwarded by the loader.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Command {
    Open,
    Close,
    Toggle,
    /// With `id` and `user_hash` (made by the website's server), the visitor is that
    /// verified contact; without, the lead form is only pre-filled.
    SetUser {
        name: String,
        email: String,
        id: Option<String>,
        user_hash: Option<String>,
    },
    Reset,
}

/// Dispatches `natter:<name>` with `detail` on the host element.
pub fn emit(host: &HtmlElement, name: &str, detail: &JsValue) {
    let init = CustomEventInit::new();
    init.set_bubbles(true);
    init.set_composed(true);
    init.set_detail(detail);
    if let Ok(event) = CustomEvent::new_with_event_init_dict(&format!("natter:{name}"), &init) {
        _ = host.dispatch_event(&event);
    }
}

/// The website's settings the loader fetched alongside the app (`natterConfig`, a
/// `Promise<Response>`), taken once: a later reload of the settings asks afresh.
pub fn take_prefetched_config(host: &HtmlElement) -> Option<js_sys::Promise> {
    let key = JsValue::from_str("natterConfig");
    let promise = Reflect::get(host, &key).ok()?.dyn_into().ok()?;
    _ = Reflect::delete_property(host, &key);
    Some(promise)
}

/// The loader's `natterFiles()`, which imports the files module (kept out of the app's
/// wasm until a file is picked or shown), handed to `natter_client::files`.
pub fn use_files_module(host: &HtmlElement) {
    if let Some(load) = Reflect::get(host, &JsValue::from_str("natterFiles"))
        .ok()
        .and_then(|f| f.dyn_into().ok())
    {
        natter_client::files::set_loader(load);
    }
}

/// Calls `handle` for every command sent to `host`, for the life of the page.
pub fn listen(host: &HtmlElement, handle: impl Fn(Command) + 'static) {
    let listener = Closure::<dyn Fn(web_sys::Event)>::new(move |event: web_sys::Event| {
        if let Some(command) = event
            .dyn_ref::<CustomEvent>()
            .and_then(|e| parse(&e.detail()))
        {
            handle(command);
        }
    });
    _ = host.add_event_listener_with_callback("natter:command", listener.as_ref().unchecked_ref());
    // The host element lives as long as the page does, and so does its listener.
    listener.forget();
}

fn field(value: &JsValue, key: &str) -> Option<String> {
    Reflect::get(value, &JsValue::from_str(key))
        .ok()?
        .as_string()
}

fn parse(detail: &JsValue) -> Option<Command> {
    Some(match field(detail, "cmd")?.as_str() {
        "open" => Command::Open,
        "close" => Command::Close,
        "toggle" => Command::Toggle,
        "reset" => Command::Reset,
        "setUser" => {
            let user = Reflect::get(detail, &JsValue::from_str("arg")).ok()?;
            Command::SetUser {
                name: field(&user, "name").unwrap_or_default(),
                email: field(&user, "email").unwrap_or_default(),
                id: field(&user, "id").filter(|id| !id.is_empty()),
                user_hash: field(&user, "user_hash").filter(|h| !h.is_empty()),
            }
        }
        _ => return None,
    })
}
