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
