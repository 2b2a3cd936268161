//! Files in both UIs: a message's attachments, and the tray of files picked for the next
//! message. The work is done by a plain-JS module (`client/js/files.js`) imported the first
//! time a file is picked or shown: compiled into the widget's wasm the same code cost every
//! visitor about 20 KB gzipped (docs/widget-size.md). This is its Rust side: where the
//! module comes from ([`set_loader`]), the one listener that hears files come into a
//! composer ([`listen`]), and the tray the composer asks when it sends ([`Tray`]).

use leptos::prelude::*;
use natter_protocol::{Attachment, validate};
use std::cell::RefCell;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use wasm_bindgen_futures::JsFuture;
use web_sys::{ClipboardEvent, DragEvent, Element, Event, HtmlInputElement};

thread_local! {
    /// A function that imports the module (returns its promise); each UI sets its own.
    static LOADER: RefCell<Option<js_sys::Function>> = const { RefCell::new(None) };
    /// The import under way or done, shared by every caller; dropped if it failed, so
    /// the next use tries again.
    static MODULE: RefCell<Option<js_sys::Promise>> = const { RefCell::new(None) };
}

/// Where the module comes from: `load()` must return a promise of it (`import(url)`).
pub fn set_loader(load: js_sys::Function) {
    LOADER.with(|l| *l.borrow_mut() = Some(load));
}

/// The module, imported on first use.
async fn module() -> Option<JsValue> {
    let promise = MODULE.with(|m| {
        let mut m = m.borrow_mut();
        if m.is_none() {
            let load = LOADER.with(|l| l.borrow().clone())?;
            *m = load.call0(&JsValue::NULL).ok()?.dyn_into().ok();
        }
        m.clone()
    })?;
    match JsFuture::from(promise).await {
        Ok(module) => Some(module),
        Err(e) => {
            web_sys::console::error_2(&"[natter] could not load the files module".into(), &e);
            MODULE.with(|m| *m.borrow_mut() = None);
            None
        }
    }
}

/// Calls `target.name(...args)`.
fn call(target: &JsValue, name: &str, args: &[&JsValue]) -> Option<JsValue> {
    let method: js_sys::Function = js_sys::Reflect::get(target, &name.into())
        .ok()?
        .dyn_into()
        .ok()?;
    let args: js_sys::Array = args.iter().copied().collect();
    method.apply(target, &args).ok()
}

/// Fills `container` with a message's files: images as thumbnails that open full size,
/// every other file as a card that downloads (`render` in the module). Their paths are
/// on `origin` (the server's, or "" on its own pages); a file without a path (its
/// message is still being sent) is a card without a link.
pub fn render(container: Element, files: &[Attachment], origin: &str) {
    if files.is_empty() {
        return;
    }
    let list: js_sys::Array = files
        .iter()
        .map(|f| {
            crate::json::object(&[
                ("name", f.name.as_str().into()),
                ("size", (f.size as f64).into()),
                ("content_type", f.content_type.as_str().into()),
                ("url", f.url.as_str().into()),
                ("thumbnail", f.thumbnail_url.as_deref().into()),
                ("width", f.width.into()),
                ("height", f.height.into()),
            ])
        })
        .collect();
    let origin = JsValue::from(origin);
    leptos::task::spawn_local(async move {
        if let Some(module) = module().await {
            call(&module, "render", &[&container, &list, &origin]);
        }
    });
}

/// Hears every way files come into a composer — picked with a file input inside `form`,
/// dropped on it, or pasted into it — and hands them to `take` with the form, copied out
/// of the event (an emptied input, or a drop's data once the event is over, lists none).
/// A drop is always stopped (else the browser would leave the page for the file), a
/// paste only when it carries files. One listener for the four events: a directive on
/// the form (`use:listen=take`), in both UIs.
pub fn listen(form: Element, take: impl Fn(Element, js_sys::Array) + 'static) {
    let target = form.clone();
    let heard = Closure::<dyn Fn(Event)>::new(move |ev: Event| {
        let kind = ev.type_();
        if kind == "dragover" {
            ev.prevent_default();
            return;
        }
        let files = match kind.as_str() {
            "drop" => {
                ev.prevent_default();
                ev.dyn_ref::<DragEvent>()
                    .and_then(DragEvent::data_transfer)
                    .and_then(|d| d.files())
                    .map(|f| js_sys::Array::from(&f))
            }
            "paste" => ev
                .dyn_ref::<ClipboardEvent>()
                .and_then(ClipboardEvent::clipboard_data)
                .and_then(|d| d.files())
                .map(|f| js_sys::Array::from(&f)),
            // Not every `change` is a file input's: a textarea's is not.
            _ => ev
                .target()
                .and_then(|t| t.dyn_into::<HtmlInputElement>().ok())
                .and_then(|input| {
                    let files = input.files().map(|f| js_sys::Array::from(&f));
                    // So that the same file may be picked again.
                    input.set_value("");
                    files
                }),
        };
        if let Some(files) = files.filter(|f| f.length() > 0) {
            ev.prevent_default();
            take(target.clone(), files);
        }
    });
    let heard = heard.into_js_value();
    for kind in ["dragover", "drop", "paste", "change"] {
        let _ = form.add_event_listener_with_callback(kind, heard.unchecked_ref());
    }
}

/// What the tray says, in the UI's language.
#[derive(Clone, Copy)]
pub struct TrayText {
    pub uploading: &'static str,
    /// "{name}" is the file's.
    pub remove: &'static str,
    /// Before the server's reason.
    pub failed: &'static str,
}

/// The files picked for the next message, each uploaded as soon as it is picked (the
/// module's `Tray`, which draws itself: progress, cancel, the server's reason for a
/// refusal, the list hidden while empty); the message is sent with those uploaded, once
/// none is still uploading. Nothing here is reactive: the composer asks when it sends.
#[derive(Clone, Copy)]
pub struct Tray {
    /// The module's tray, made on the first file.
    drawn: StoredValue<Option<JsValue>, LocalStorage>,
    text: TrayText,
}

impl Tray {
    pub fn new(text: TrayText) -> Self {
        Self {
            drawn: StoredValue::new_local(None),
            text,
        }
    }

    /// Starts uploading `files` to `url` (a conversation's `/attachments`), as many as a
    /// message may still carry, shown in `form`'s tray (its `ul.tray`, or one the module
    /// adds as its first child). `false` if the module could not be loaded.
    pub async fn add(
        self,
        form: Element,
        url: String,
        token: String,
        files: js_sys::Array,
    ) -> bool {
        if self.drawn.with_value(Option::is_none) {
            let Some(module) = module().await else {
                return false;
            };
            // Another add may have drawn it while this one waited.
            if self.drawn.with_value(Option::is_none) {
                self.drawn.set_value(self.draw(&module, form));
            }
        }
        self.call("add", &[&url.into(), &token.into(), &files])
            .is_some()
    }

    fn draw(self, module: &JsValue, form: Element) -> Option<JsValue> {
        let text = crate::json::object(&[
            ("uploading", self.text.uploading.into()),
            ("remove", self.text.remove.into()),
            ("failed", self.text.failed.into()),
        ]);
        let class: js_sys::Function = js_sys::Reflect::get(module, &"Tray".into())
            .ok()?
            .dyn_into()
            .ok()?;
        let args: js_sys::Array = [form.into(), text, validate::MAX_ATTACHMENTS.into()]
            .into_iter()
            .collect();
        js_sys::Reflect::construct(&class, &args).ok()
    }

    fn call(self, name: &str, args: &[&JsValue]) -> Option<JsValue> {
        self.drawn
            .with_value(|drawn| call(drawn.as_ref()?, name, args))
    }

    /// Whether a file is still on its way (the message waits for it).
    pub fn uploading(self) -> bool {
        self.call("busy", &[])
            .and_then(|n| n.as_f64())
            .is_some_and(|n| n > 0.0)
    }

    /// The files uploaded, for the message.
    pub fn files(self) -> Vec<Attachment> {
        self.call("files", &[])
            .and_then(|files| serde_wasm_bindgen::from_value(files).ok())
            .unwrap_or_default()
    }

    /// Empties the tray once the message took its files (refused ones go too).
    pub fn clear(self) {
        self.call("clear", &[]);
    }
}
