//! Pieces of view both UIs draw the same way.

use crate::links::{Piece, pieces};
use leptos::prelude::*;

/// A message's text with its links as anchors (http, https and mailto only, opening in a
/// new tab without the opener or a referrer); the rest as text nodes, never HTML.
pub fn rich_text(text: &str) -> impl IntoView + use<> {
    pieces(text)
        .into_iter()
        .map(|piece| match piece {
            Piece::Text(text) => text.to_owned().into_any(),
            Piece::Link(href) => view! {
                <a href=href.to_owned() target="_blank" rel="noopener noreferrer nofollow">{href.to_owned()}</a>
            }
            .into_any(),
        })
        .collect_view()
}

/// Up to two initials of a name, for an avatar: "Demo Agent" → "DA".
pub fn initials(name: &str) -> String {
    name.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

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

/// A message's files: images as thumbnails that open full size in a new tab (the link
/// is named by the file's name, which is also the image's alt text), every other file
/// as a card with its name, size and type that downloads. `resolve` turns the server's
/// paths into URLs; a file without a URL (still being sent) shows as a card only. A
/// thumbnail being made is asked for again, a few times, a second apart.
pub fn attachments(
    files: &[natter_protocol::Attachment],
    resolve: &dyn Fn(&str) -> String,
) -> impl IntoView + use<> {
    let items = files
        .iter()
        .map(|file| {
            let name = file.name.clone();
            let kind = file
                .content_type
                .rsplit('/')
                .next()
                .unwrap_or_default()
                .trim_start_matches("vnd.openxmlformats-officedocument.")
                .to_uppercase();
            let details = format!("{} · {kind}", size(file.size));
            let href = (!file.url.is_empty()).then(|| resolve(&file.url));
            match (href, file.thumbnail_url.as_deref()) {
                (Some(href), Some(thumbnail)) => {
                    let src = resolve(thumbnail);
                    let tries = std::cell::Cell::new(0);
                    let retry = move |ev: leptos::ev::ErrorEvent| {
                        let img: web_sys::HtmlImageElement = event_target(&ev);
                        if tries.get() < 8 {
                            tries.set(tries.get() + 1);
                            let src = img.src();
                            set_timeout(move || img.set_src(&src), std::time::Duration::from_secs(1));
                        }
                    };
                    let (w, h) = (file.width, file.height);
                    view! {
                        <a class="file-image" href=href target="_blank" rel="noopener noreferrer">
                            <img src=src alt=name.clone() width=w height=h loading="lazy" on:error=retry/>
                        </a>
                    }
                    .into_any()
                }
                (href, _) => view! {
                    <a class="file-card" href=href download=file.name.clone() target="_blank" rel="noopener noreferrer">
                        <span class="file-name">{name}</span>
                        <span class="file-details">{details}</span>
                    </a>
                }
                .into_any(),
            }
        })
        .collect_view();
    view! { <div class="files">{items}</div> }
}

#[cfg(test)]
mod tests {
    use super::size;

    #[test]
    fn sizes_read_as_people_say_them() {
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
    }
}
