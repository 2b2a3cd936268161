//! Natter's wire contract: every type that crosses HTTP or the WebSocket.
//!
//! The widget, the staff inbox and the server all depend on this crate and on
//! nothing else for the shape of the data they exchange, so they cannot disagree.
//! It depends on serde alone and compiles for both the host and `wasm32`.

mod api;
mod frames;
pub mod validate;

pub use api::*;
pub use frames::*;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The one identifier of a conversation, used by the API, the WebSocket,
/// storage and the widget alike. There is no second, "formatted" id.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(transparent)]
pub struct ConvId(pub String);

impl fmt::Display for ConvId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl From<&str> for ConvId {
    fn from(value: &str) -> Self {
        Self(value.to_owned())
    }
}

/// Which way a message travels: `in` is visitor → business, `out` is business → visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    In,
    Out,
}

impl Direction {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::In => "in",
            Self::Out => "out",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "in" => Some(Self::In),
            "out" => Some(Self::Out),
            _ => None,
        }
    }
}

/// Who wrote a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum SenderKind {
    Visitor,
    Staff,
    System,
}

impl SenderKind {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Visitor => "visitor",
            Self::Staff => "staff",
            Self::System => "system",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "visitor" => Some(Self::Visitor),
            "staff" => Some(Self::Staff),
            "system" => Some(Self::System),
            _ => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Sender {
    pub kind: SenderKind,
    pub id: String,
    pub name: String,
}

/// One stored chat message. `seq` numbers a conversation's messages 1, 2, 3, … with no gap.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Message {
    pub id: String,
    pub conv_id: ConvId,
    pub seq: u64,
    pub direction: Direction,
    pub sender: Sender,
    pub text: String,
    pub client_msg_id: String,
    /// Milliseconds since the Unix epoch, set by the server when the message was committed.
    pub created_at: i64,
    /// Set when the message was deleted: its text is erased from storage and `text` is
    /// empty; the tombstone keeps its `seq`, so the conversation stays gap-free.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deleted_at: Option<i64>,
    /// Files sent with the message (at most 10); absent when none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<Attachment>,
}

impl Message {
    /// The text and, on lines of their own, the names of its files: how an email or a
    /// transcript tells of the message (file links expire before an email is read).
    pub fn text_with_files(&self) -> String {
        let files = self
            .attachments
            .iter()
            .map(|a| format!("(file: {})", a.name));
        std::iter::once(self.text.clone())
            .filter(|t| !t.is_empty())
            .chain(files)
            .collect::<Vec<_>>()
            .join("\n")
    }
}

/// A file sent with a message. Its URLs are signed by the server and expire (about
/// half a day); they carry no token, so they work in `<img>` and download links.
/// They are relative to the server (`/api/v1/attachments/…`).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Attachment {
    pub id: String,
    /// The file's name as uploaded, without any directory.
    pub name: String,
    /// The type the server found in the content (not the name's or the client's).
    pub content_type: String,
    /// Bytes.
    pub size: u64,
    /// Pixels, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
    /// Downloads the file (images open inline, every other type downloads).
    pub url: String,
    /// A small re-encoded copy, without the original's metadata, for images.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub thumbnail_url: Option<String>,
}

/// Which side of a conversation an event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Visitor,
    Staff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    Open,
    Resolved,
}

impl ConversationStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Open => "open",
            Self::Resolved => "resolved",
        }
    }

    pub fn parse(value: &str) -> Option<Self> {
        match value {
            "open" => Some(Self::Open),
            "resolved" => Some(Self::Resolved),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn enums_round_trip_through_their_wire_names() {
        for d in [Direction::In, Direction::Out] {
            let json = serde_json::to_string(&d).unwrap();
            assert_eq!(json, format!("\"{}\"", d.as_str()));
            assert_eq!(Direction::parse(d.as_str()), Some(d));
        }
        for k in [SenderKind::Visitor, SenderKind::Staff, SenderKind::System] {
            assert_eq!(
                serde_json::to_string(&k).unwrap(),
                format!("\"{}\"", k.as_str())
            );
            assert_eq!(SenderKind::parse(k.as_str()), Some(k));
        }
        for s in [ConversationStatus::Open, ConversationStatus::Resolved] {
            assert_eq!(
                serde_json::to_string(&s).unwrap(),
                format!("\"{}\"", s.as_str())
            );
            assert_eq!(ConversationStatus::parse(s.as_str()), Some(s));
        }
        assert_eq!(Direction::parse("sideways"), None);
    }

    #[test]
    fn conv_id_is_a_bare_string_on_the_wire() {
        let id = ConvId::from("c_123");
        assert_eq!(serde_json::to_string(&id).unwrap(), "\"c_123\"");
        let back: ConvId = serde_json::from_str("\"c_123\"").unwrap();
        assert_eq!(back, id);
    }
}
