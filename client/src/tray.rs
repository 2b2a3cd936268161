//! The files picked for the next message, in both UIs: each is uploaded as soon as it
//! is picked (a button, dropped on the composer, or pasted), shown with its progress
//! and a button that cancels the upload or takes the file back; the message is sent
//! with those uploaded, once none is still uploading.

use crate::fetch::FetchError;
use crate::upload::Upload;
use leptos::prelude::*;
use leptos::task::spawn_local;
use natter_protocol::{Attachment, validate};

/// One picked file: uploading, uploaded, or refused by the server.
#[derive(Clone, Copy)]
pub struct Pick {
    key: u32,
    name: StoredValue<String>,
    /// The percentage sent (a whole number: no float formatting in the widget).
    progress: RwSignal<u32>,
    uploaded: RwSignal<Option<Attachment>>,
    error: RwSignal<Option<String>>,
    upload: StoredValue<Option<Upload>, LocalStorage>,
}

impl Pick {
    fn uploading(self) -> bool {
        self.uploaded.with(Option::is_none) && self.error.with(Option::is_none)
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

#[derive(Clone, Copy)]
pub struct Tray {
    picks: RwSignal<Vec<Pick>>,
    next: StoredValue<u32>,
    text: TrayText,
}

impl Tray {
    pub fn new(text: TrayText) -> Self {
        Self {
            picks: RwSignal::new(Vec::new()),
            next: StoredValue::new(0),
            text,
        }
    }

    /// Starts uploading `files` to `url` (a conversation's `/attachments`), as many as a
    /// message may still carry.
    pub fn add(self, url: &str, token: &str, files: web_sys::FileList) {
        let room = validate::MAX_ATTACHMENTS.saturating_sub(self.picks.with_untracked(Vec::len));
        let failed = self.text.failed;
        for i in 0..files.length().min(room as u32) {
            let Some(file) = files.get(i) else {
                continue;
            };
            let key = self.next.get_value();
            self.next.set_value(key + 1);
            let pick = Pick {
                key,
                name: StoredValue::new(file.name()),
                progress: RwSignal::new(0),
                uploaded: RwSignal::new(None),
                error: RwSignal::new(None),
                upload: StoredValue::new_local(None),
            };
            self.picks.update(|p| p.push(pick));
            let Ok((upload, outcome)) =
                crate::upload::start(url, token, &file, move |f| {
                    pick.progress.set((f * 100.0) as u32);
                })
            else {
                pick.error.set(Some(failed.to_owned()));
                continue;
            };
            pick.upload.set_value(Some(upload));
            spawn_local(async move {
                let outcome = outcome.await;
                // Taken back meanwhile: nothing to show.
                if !self.picks.with_untracked(|p| p.iter().any(|q| q.key == key)) {
                    return;
                }
                match outcome {
                    Ok(up) => pick.uploaded.set(Some(Attachment {
                        id: up.id,
                        name: up.name,
                        content_type: up.content_type,
                        size: up.size,
                        width: up.width,
                        height: up.height,
                        url: String::new(),
                        thumbnail_url: None,
                    })),
                    Err(FetchError::Status { message, .. }) if !message.is_empty() => {
                        pick.error.set(Some(format!("{failed} {message}")));
                    }
                    Err(_) => pick.error.set(Some(failed.to_owned())),
                }
            });
        }
    }

    pub fn remove(self, key: u32) {
        self.picks.update(|p| {
            if let Some(pick) = p.iter().find(|q| q.key == key) {
                pick.upload.with_value(|u| u.as_ref().map(Upload::cancel));
            }
            p.retain(|q| q.key != key);
        });
    }

    /// Whether a file is still on its way (the message waits for it).
    pub fn uploading(self) -> bool {
        self.picks.with(|p| p.iter().any(|q| q.uploading()))
    }

    /// How many files are uploaded and ready to go.
    pub fn ready(self) -> usize {
        self.picks.with_untracked(|p| {
            p.iter()
                .filter(|q| q.uploaded.with_untracked(Option::is_some))
                .count()
        })
    }

    /// The files uploaded, for the message.
    pub fn files(self) -> Vec<Attachment> {
        self.picks
            .with_untracked(|p| p.iter().filter_map(|q| q.uploaded.get_untracked()).collect())
    }

    /// Empties the tray once the message took its files (refused ones go too).
    pub fn clear(self) {
        self.picks.set(Vec::new());
    }
}

/// The picked files, above the composer.
#[component]
pub fn TrayView(
    /// The files picked for the next message.
    tray: Tray,
) -> impl IntoView {
    let text = tray.text;
    view! {
        <ul class="tray" hidden=move || tray.picks.with(Vec::is_empty)>
            <For each=move || tray.picks.get() key=|p| p.key let:pick>
                <li class="pick" class:pick-failed=move || pick.error.with(Option::is_some)>
                    <span class="pick-name">{pick.name.get_value()}</span>
                    <progress max="100" value=move || pick.progress.get() hidden=move || !pick.uploading() aria-label=text.uploading></progress>
                    <span class="pick-error" role="alert">{move || pick.error.get()}</span>
                    <button type="button" class="pick-remove" on:click=move |_| tray.remove(pick.key)
                        aria-label=text.remove.replace("{name}", &pick.name.get_value())>"×"</button>
                </li>
            </For>
        </ul>
    }
}
