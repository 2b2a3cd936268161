//! What the widget and the inbox both show, so the two UIs read the same: a message's text
//! split into text and links ([`links`]), its place in a log ([`groups`]), and times and day separators in the viewer's
//! locale ([`when`]).

pub mod groups;
pub mod links;
#[cfg(feature = "view")]
pub mod view;
pub mod when;
