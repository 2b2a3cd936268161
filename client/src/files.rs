//! Files in both UIs: a message's attachments, and the tray of files picked for the next
//! message. Drawn with plain DOM calls rather than Leptos views: typed views of these
//! cost the widget about 20 KB of wasm, these a few (the widget ships to other people's
//! pages; see docs/widget-size.md).

use crate::fetch::FetchError;
use crate::upload::Upload;
use leptos::prelude::*;
use natter_protocol::{Attachment, validate};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::JsCast;
use wasm_bindgen::prelude::*;
use web_sys::{Document, Element};

/// A file's size as people read it: "812 B", "14 KB", "2.4 MB" (integers only: float
/// formatting would weigh on the widget).
pub fn size(bytes: u64) -> String {
    const MB: u64 = 1024 * 1024;
    match bytes {
        b if b < 1024 => format!("{b} B"),
        b if b < MB => format!("{} KB", b.div_ceil(1024)),
        b => {
            let tenths = (b * 10 + MB / 2) / MB;
            format!("{}.{} MB", tenths / 10, tenths % 10)
        }
    }
}

/// A file's type as people read it: `application/pdf` → "PDF".
fn kind(content_type: &str) -> String {
    content_type
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .rsplit('.')
        .next()
        .unwrap_or_default()
        .to_uppercase()
}

fn document() -> Option<Document> {
    web_sys::window()?.document()
}

/// A new element with its class (`None` only without a document).
fn element(doc: &Document, tag: &str, class: &str) -> Option<Element> {
    let el = doc.create_element(tag).ok()?;
    el.set_class_name(class);
    Some(el)
}

/// Fills `container` with a message's files: images as thumbnails that open full size
/// in a new tab (the link is named by the file's name, the image's alt text), every
/// other file as a card with its name, size and type that downloads. `resolve` turns
/// the server's paths into URLs; a file without a URL (still being sent) is a card
/// without a link. Names are text, never HTML.
pub fn render(container: &Element, files: &[Attachment], resolve: &dyn Fn(&str) -> String) {
    let Some(doc) = document() else {
        return;
    };
    for file in files {
        let href = (!file.url.is_empty()).then(|| resolve(&file.url));
        let image = file.thumbnail_url.as_deref().zip(href.as_ref());
        let tag = if href.is_some() { "a" } else { "span" };
        let class = if image.is_some() {
            "file-image"
        } else {
            "file-card"
        };
        let Some(item) = element(&doc, tag, class) else {
            return;
        };
        if let Some(href) = &href {
            let _ = item.set_attribute("href", href);
            let _ = item.set_attribute("target", "_blank");
            let _ = item.set_attribute("rel", "noopener noreferrer");
        }
        if let Some((thumbnail, _)) = image {
            let Some(img) = element(&doc, "img", "") else {
                return;
            };
            let _ = img.set_attribute("src", &resolve(thumbnail));
            let _ = img.set_attribute("alt", &file.name);
            let _ = img.set_attribute("loading", "lazy");
            if let (Some(w), Some(h)) = (file.width, file.height) {
                let _ = img.set_attribute("width", &w.to_string());
                let _ = img.set_attribute("height", &h.to_string());
            }
            let _ = item.append_child(&img);
        } else {
            if href.is_some() {
                let _ = item.set_attribute("download", &file.name);
            }
            for (class, text) in [
                ("file-name", file.name.clone()),
                (
                    "file-details",
                    format!("{} · {}", size(file.size), kind(&file.content_type)),
                ),
            ] {
                if let Some(span) = element(&doc, "span", class) {
                    span.set_text_content(Some(&text));
                    let _ = item.append_child(&span);
                }
            }
        }
        let _ = container.append_child(&item);
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

/// One picked file.
struct Pick {
    key: u32,
    item: Element,
    upload: Option<Upload>,
    uploaded: Option<Attachment>,
    done: bool,
}

#[derive(Default)]
struct Picks {
    list: Option<Element>,
    picks: Vec<Pick>,
    next: u32,
}

/// The files picked for the next message, each uploaded as soon as it is picked (a
/// button, dropped on the composer, or pasted), shown with its progress and a button
/// that cancels the upload or takes the file back; the message is sent with those
/// uploaded, once none is still uploading.
#[derive(Clone, Copy)]
pub struct Tray {
    state: StoredValue<Rc<RefCell<Picks>>, LocalStorage>,
    /// Files still uploading (the send button waits), and files in the tray.
    busy: RwSignal<usize>,
    count: RwSignal<usize>,
    text: TrayText,
}

impl Tray {
    pub fn new(text: TrayText) -> Self {
        Self {
            state: StoredValue::new_local(Rc::default()),
            busy: RwSignal::new(0),
            count: RwSignal::new(0),
            text,
        }
    }

    /// Draws the tray into `list` (a `<ul>`), which takes its clicks on "remove".
    pub fn mount(self, list: Element) {
        let remove = Closure::<dyn Fn(web_sys::Event)>::new(move |e: web_sys::Event| {
            let key = e
                .target()
                .and_then(|t| t.dyn_into::<Element>().ok())
                .and_then(|t| t.get_attribute("data-key"))
                .and_then(|k| k.parse().ok());
            if let Some(key) = key {
                self.remove(key);
            }
        });
        let _ = list.add_event_listener_with_callback("click", remove.as_ref().unchecked_ref());
        // One listener for the tray's life, which is the page's.
        remove.forget();
        self.state.with_value(|s| s.borrow_mut().list = Some(list));
    }

    /// Starts uploading `files` to `url` (a conversation's `/attachments`), as many as a
    /// message may still carry.
    pub fn add(self, url: &str, token: &str, files: web_sys::FileList) {
        let Some(doc) = document() else {
            return;
        };
        let state = self.state.get_value();
        let room = validate::MAX_ATTACHMENTS.saturating_sub(state.borrow().picks.len());
        for i in 0..files.length().min(room as u32) {
            let Some(file) = files.get(i) else {
                continue;
            };
            let (Some(item), Some(name), Some(bar), Some(error), Some(remove)) = (
                element(&doc, "li", "pick"),
                element(&doc, "span", "pick-name"),
                element(&doc, "progress", ""),
                element(&doc, "span", "pick-error"),
                element(&doc, "button", "pick-remove"),
            ) else {
                return;
            };
            let key = {
                let mut s = state.borrow_mut();
                s.next += 1;
                s.next
            };
            name.set_text_content(Some(&file.name()));
            let _ = bar.set_attribute("max", "100");
            let _ = bar.set_attribute("value", "0");
            let _ = bar.set_attribute("aria-label", self.text.uploading);
            let _ = error.set_attribute("role", "alert");
            let _ = remove.set_attribute("type", "button");
            let _ = remove.set_attribute("data-key", &key.to_string());
            let label = self.text.remove.replace("{name}", &file.name());
            let _ = remove.set_attribute("aria-label", &label);
            remove.set_text_content(Some("×"));
            for child in [&name, &bar, &error, &remove] {
                let _ = item.append_child(child);
            }
            if let Some(list) = &state.borrow().list {
                let _ = list.append_child(&item);
            }
            let progress = {
                let bar = bar.clone();
                move |f: f64| {
                    let _ = bar.set_attribute("value", &((f * 100.0) as u32).to_string());
                }
            };
            let started = crate::upload::start(url, token, &file, progress);
            state.borrow_mut().picks.push(Pick {
                key,
                item,
                upload: started.as_ref().ok().map(|(u, _)| u.clone()),
                uploaded: None,
                done: false,
            });
            self.count.update(|n| *n += 1);
            self.busy.update(|n| *n += 1);
            let failed = self.text.failed;
            let Ok((_, outcome)) = started else {
                self.finish(key, Err(failed.to_owned()), &bar, &error);
                continue;
            };
            leptos::task::spawn_local(async move {
                let outcome = match outcome.await {
                    // Its URLs come with the message the server stores.
                    Ok(up) => Ok(up.into_attachment(String::new(), None)),
                    Err(FetchError::Status { message, .. }) if !message.is_empty() => {
                        Err(format!("{failed} {message}"))
                    }
                    Err(_) => Err(failed.to_owned()),
                };
                self.finish(key, outcome, &bar, &error);
            });
        }
    }

    /// Records how an upload ended, unless the file was taken back meanwhile.
    fn finish(self, key: u32, outcome: Result<Attachment, String>, bar: &Element, error: &Element) {
        let state = self.state.get_value();
        let mut s = state.borrow_mut();
        let Some(pick) = s.picks.iter_mut().find(|p| p.key == key) else {
            return;
        };
        pick.done = true;
        let _ = bar.set_attribute("hidden", "");
        match outcome {
            Ok(file) => pick.uploaded = Some(file),
            Err(reason) => error.set_text_content(Some(&reason)),
        }
        drop(s);
        self.busy.update(|n| *n = n.saturating_sub(1));
    }

    pub fn remove(self, key: u32) {
        let state = self.state.get_value();
        let mut s = state.borrow_mut();
        let Some(at) = s.picks.iter().position(|p| p.key == key) else {
            return;
        };
        let pick = s.picks.remove(at);
        drop(s);
        pick.item.remove();
        if !pick.done {
            if let Some(upload) = pick.upload {
                upload.cancel();
            }
            self.busy.update(|n| *n = n.saturating_sub(1));
        }
        self.count.update(|n| *n = n.saturating_sub(1));
    }

    /// Whether a file is still on its way (the message waits for it); tracked.
    pub fn uploading(self) -> bool {
        self.busy.get() > 0
    }

    /// Whether the tray holds anything; tracked.
    pub fn is_empty(self) -> bool {
        self.count.get() == 0
    }

    /// How many files are uploaded and ready to go.
    pub fn ready(self) -> usize {
        self.files().len()
    }

    /// The files uploaded, for the message.
    pub fn files(self) -> Vec<Attachment> {
        let state = self.state.get_value();
        let s = state.borrow();
        s.picks.iter().filter_map(|p| p.uploaded.clone()).collect()
    }

    /// Empties the tray once the message took its files (refused ones go too).
    pub fn clear(self) {
        let keys: Vec<u32> = {
            let state = self.state.get_value();
            let s = state.borrow();
            s.picks.iter().map(|p| p.key).collect()
        };
        for key in keys {
            self.remove(key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{kind, size};

    #[test]
    fn sizes_and_types_read_as_people_say_them() {
        for (bytes, said) in [
            (0, "0 B"),
            (812, "812 B"),
            (1024, "1 KB"),
            (14_000, "14 KB"),
            (1024 * 1024, "1.0 MB"),
            (2_516_582, "2.4 MB"),
            (10 * 1024 * 1024, "10.0 MB"),
        ] {
            assert_eq!(size(bytes), said, "{bytes}");
        }
        for (content_type, said) in [
            ("application/pdf", "PDF"),
            ("text/csv", "CSV"),
            (
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "DOCUMENT",
            ),
            ("application/zip", "ZIP"),
        ] {
            assert_eq!(kind(content_type), said);
        }
    }
}
