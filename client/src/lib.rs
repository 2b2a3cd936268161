//! What the widget and the inbox share, so the two UIs read and behave the same: a
//! conversation's messages by `seq` with its gaps ([`log`]), a message's text split into
//! text and links ([`links`]), its place in a log ([`groups`]),
//! times and day separators in the viewer's locale ([`when`]), the API over the browser's
//! fetch (`fetch`) and its JSON (`json`), the `client_msg_id` that makes a resend stored once ([`ids`]), and
//! the reconnect delays ([`backoff`]), and files drawn, picked and uploaded (`files`, by a JS module loaded on first use).

pub mod backoff;
#[cfg(feature = "fetch")]
pub mod fetch;
#[cfg(feature = "files")]
pub mod files;
pub mod groups;
pub mod ids;
#[cfg(feature = "fetch")]
pub mod json;
pub mod links;
pub mod log;
#[cfg(feature = "view")]
pub mod view;
pub mod when;
