//! WebSocket frames, JSON text frames tagged by `type`.
//!
//! Visitor socket: `GET /ws?org_id=…&account_id=…`. Staff socket: `GET /ws/staff`,
//! whose first frame must be `auth`. Both speak these two enums.

use crate::{ConvId, ConversationStatus, Message, Side};
#[cfg(feature = "staff")]
use crate::{ConversationSummary, StaffMember};
use serde::{Deserialize, Serialize};

/// Frames a client sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// Staff socket only, and first: authenticate with a staff token.
    Auth {
        token: String,
    },
    /// Start receiving a conversation's events. The server first replays the
    /// messages with `seq > after_seq`, in order, then sends live ones. A backlog
    /// longer than one page ends with `more`: subscribe again with its `after_seq`.
    /// `token` is the visitor token; the staff socket is already authenticated.
    Subscribe {
        conv_id: ConvId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        token: Option<String>,
        #[serde(default)]
        after_seq: u64,
    },
    Unsubscribe {
        conv_id: ConvId,
    },
    Typing {
        conv_id: ConvId,
        typing: bool,
    },
    Read {
        conv_id: ConvId,
        seq: u64,
    },
    /// Staff socket: ask for the conversation list again, after a gap.
    Resync {
        #[serde(default, skip_serializing_if = "Option::is_none")]
        status: Option<ConversationStatus>,
    },
    Ping,
}

/// Defines an internally tagged enum (each variant written with its `type` tag, which
/// serde's `rename_all` must agree with: the round-trip tests hold them together) and
/// `from_tagged`, which decodes a variant whose tag was read first. Serde's own decoder of
/// such an enum buffers every frame before it knows the variant, and that buffering is
/// the largest function in the widget; a reader that can look at `type` first (a JS
/// object) skips it.
macro_rules! tagged_enum {
    (
        $(#[$meta:meta])*
        pub enum $name:ident {
            $(
                $(#[$vmeta:meta])*
                $variant:ident = $tag:literal $({
                    $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* $(,)?
                })?
            ),* $(,)?
        }
    ) => {
        $(#[$meta])*
        pub enum $name {
            $(
                $(#[$vmeta])*
                $variant $({ $( $(#[$fmeta])* $field: $ty ),* })?
            ),*
        }

        /// Each struct variant's fields as a struct of their own (`tagged::<Variant>::Fields`),
        /// for `from_tagged`.
        #[allow(dead_code, non_snake_case)]
        mod tagged {
            $( tagged_enum!(@fields [$(#[$vmeta])*] $variant $({ $( $(#[$fmeta])* $field: $ty ),* })?); )*
        }

        impl $name {
            /// The variant tagged `tag`, read from `fields` (the frame's object: its
            /// `type` member is ignored); `None` for a tag this build does not know.
            #[allow(unused_doc_comments)]
            pub fn from_tagged<'de, D: serde::Deserializer<'de>>(
                tag: &str,
                fields: D,
            ) -> Result<Option<Self>, D::Error> {
                let _ = &fields;
                Ok(Some(match tag {
                    $(
                        $(#[$vmeta])*
                        $tag => tagged_enum!(@build $name $variant fields $({ $($field),* })?),
                    )*
                    _ => return Ok(None),
                }))
            }
        }
    };
    (@fields [$($vmeta:tt)*] $variant:ident { $( $(#[$fmeta:meta])* $field:ident : $ty:ty ),* }) => {
        $($vmeta)*
        pub(super) mod $variant {
            #[allow(unused_imports)]
            use super::super::*;
            #[derive(Deserialize)]
            pub(in super::super) struct Fields { $( $(#[$fmeta])* pub(in super::super) $field: $ty ),* }
        }
    };
    (@fields [$($vmeta:tt)*] $variant:ident) => {};
    (@build $name:ident $variant:ident $fields:ident { $($field:ident),* }) => {{
        let v = <tagged::$variant::Fields as Deserialize>::deserialize($fields)?;
        $name::$variant { $($field: v.$field),* }
    }};
    (@build $name:ident $variant:ident $fields:ident) => {
        $name::$variant
    };
}

tagged_enum! {
/// Frames the server sends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Staff socket: the `auth` frame was accepted.
    #[cfg(feature = "staff")]
    Authenticated = "authenticated" {
        staff: StaffMember,
    },
    /// The subscription is live; the backlog after `after_seq` follows as `message` frames.
    Subscribed = "subscribed" {
        conv_id: ConvId,
        last_seq: u64,
    },
    Unsubscribed = "unsubscribed" {
        conv_id: ConvId,
    },
    /// A replay stopped after one page: more messages follow `after_seq`. The
    /// subscription sends nothing more of this conversation until the client
    /// subscribes again with this `after_seq` (or unsubscribes).
    More = "more" {
        conv_id: ConvId,
        after_seq: u64,
    },
    Message = "message" {
        message: Message,
    },
    /// A message was deleted: `message` is its tombstone (same `seq`, empty text,
    /// `deleted_at` set), to replace the one held.
    MessageDeleted = "message_deleted" {
        message: Message,
    },
    /// The other side started or stopped typing.
    Typing = "typing" {
        conv_id: ConvId,
        side: Side,
        typing: bool,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<String>,
    },
    /// The read position of `side`.
    Read = "read" {
        conv_id: ConvId,
        side: Side,
        seq: u64,
    },
    /// A conversation's status or assignee changed.
    Conversation = "conversation" {
        conv_id: ConvId,
        status: ConversationStatus,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        assignee_id: Option<String>,
    },
    /// Staff socket: a conversation was erased with its visitor's data.
    #[cfg(feature = "staff")]
    ConversationDeleted = "conversation_deleted" {
        conv_id: ConvId,
    },
    /// Staff socket: a conversation's labels changed (all of them, by name).
    #[cfg(feature = "staff")]
    Labeled = "labeled" {
        conv_id: ConvId,
        labels: Vec<String>,
    },
    /// Staff socket: an internal note was written.
    #[cfg(feature = "staff")]
    Note = "note" {
        note: crate::Note,
    },
    /// Staff socket: a conversation was assigned to a staff member (`null`: to nobody).
    #[cfg(feature = "staff")]
    Assigned = "assigned" {
        conv_id: ConvId,
        assignee_id: Option<String>,
    },
    /// Staff socket: a new conversation was started in the organization.
    #[cfg(feature = "staff")]
    ConversationCreated = "conversation_created" {
        conversation: Box<ConversationSummary>,
    },
    /// Staff socket: the answer to `resync`.
    #[cfg(feature = "staff")]
    Conversations = "conversations" {
        conversations: Vec<ConversationSummary>,
    },
    Error = "error" {
        code: String,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        conv_id: Option<ConvId>,
    },
    /// Visitor socket: whether staff of the organization are online now (sent when it
    /// changes; the widget config's `staff_online` is the value at load).
    Presence = "presence" {
        staff_online: bool,
    },
    Pong = "pong",
}
}

/// WebSocket close codes the server uses (4000–4999 is the application range).
pub mod close_code {
    /// The client did not read fast enough and its send queue overflowed; reconnect and resume by `after_seq`.
    pub const QUEUE_OVERFLOW: u16 = 4008;
    /// No frame (not even a pong) for too long.
    pub const IDLE_TIMEOUT: u16 = 4000;
    /// The staff socket's first frame was not a valid `auth`.
    pub const UNAUTHORIZED: u16 = 4001;
    /// The server is shutting down; reconnect (to another instance) and resume.
    pub const GOING_AWAY: u16 = 1001;
    /// The client broke the protocol (e.g. a binary frame or a frame too large).
    pub const POLICY: u16 = 1008;
}

/// The `code` of an error answer (`{"error":{"code","message"}}`) or an `error` frame.
/// Invalid input also answers `invalid_<field>` (see [`crate::validate::Invalid`]).
pub mod error_code {
    /// No token, a malformed `Authorization` header, an unknown or expired token, or wrong credentials.
    pub const UNAUTHORIZED: &str = "unauthorized";
    /// A token of the wrong kind, a role that does not grant this, or an `Origin` the website does not allow.
    pub const FORBIDDEN: &str = "forbidden";
    /// An unknown id, or something the caller may not see.
    pub const NOT_FOUND: &str = "not_found";
    /// Too many requests or frames; HTTP answers carry `Retry-After`.
    pub const RATE_LIMITED: &str = "rate_limited";
    /// The server is at capacity for this work (503 with `Retry-After`).
    pub const BUSY: &str = "busy";
    /// A temporary server error (details are logged, never sent).
    pub const INTERNAL: &str = "internal";
    /// A body over 64 KiB.
    pub const PAYLOAD_TOO_LARGE: &str = "payload_too_large";
    /// A body without `Content-Type: application/json`.
    pub const UNSUPPORTED_MEDIA_TYPE: &str = "unsupported_media_type";
    /// The route exists, the method does not.
    pub const METHOD_NOT_ALLOWED: &str = "method_not_allowed";
    /// The body is not JSON.
    pub const MALFORMED_JSON: &str = "malformed_json";
    /// The body is JSON of the wrong shape.
    pub const BAD_BODY: &str = "bad_body";
    /// The body is well-formed but not valid (invalid fields answer `invalid_<field>`).
    pub const INVALID_BODY: &str = "invalid_body";
    /// The query string is not valid.
    pub const INVALID_QUERY: &str = "invalid_query";
    /// A path parameter is not valid.
    pub const INVALID_PATH: &str = "invalid_path";
    /// A list cursor that no list page gave.
    pub const INVALID_CURSOR: &str = "invalid_cursor";
    /// A socket route called without a WebSocket upgrade.
    pub const WEBSOCKET_UPGRADE_REQUIRED: &str = "websocket_upgrade_required";
    /// The `client_msg_id` was already used for a different message.
    pub const CLIENT_MSG_ID_CONFLICT: &str = "client_msg_id_conflict";
    /// Setup is over: someone can sign in.
    pub const ALREADY_SET_UP: &str = "already_set_up";
    /// Something with this id or email exists already.
    pub const ALREADY_EXISTS: &str = "already_exists";
    /// The change would leave the organization without an owner.
    pub const LAST_OWNER: &str = "last_owner";
    /// Email is off: no SMTP server is configured.
    pub const EMAIL_OFF: &str = "email_off";
    /// The SMTP server refused or could not be reached; the message is its own words.
    pub const SMTP_FAILED: &str = "smtp_failed";
    /// An email's chat link was already used (it works once).
    pub const LINK_USED: &str = "link_used";
    /// An email's chat link is past its expiry.
    pub const LINK_EXPIRED: &str = "link_expired";
    /// Identity can only be required of visitors once the website has a secret.
    pub const NO_IDENTITY_SECRET: &str = "no_identity_secret";
    /// Readiness: the database does not answer.
    pub const DATABASE_UNAVAILABLE: &str = "database_unavailable";
    /// Socket: a frame that is not valid here.
    pub const BAD_FRAME: &str = "bad_frame";
    /// Socket: `typing` or `read` for a conversation the socket has not subscribed to.
    pub const NOT_SUBSCRIBED: &str = "not_subscribed";
    /// Socket: the visitor already has as many sockets open as allowed.
    pub const TOO_MANY_SOCKETS: &str = "too_many_sockets";
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Direction, Sender, SenderKind};

    fn message() -> Message {
        Message {
            id: "m1".into(),
            conv_id: "c1".into(),
            seq: 7,
            direction: Direction::Out,
            sender: Sender {
                kind: SenderKind::Staff,
                id: "s1".into(),
                name: "Ann".into(),
            },
            text: "hi <b>there</b>".into(),
            client_msg_id: "k1".into(),
            created_at: 1_700_000_000_000,
            deleted_at: None,
            attachments: Vec::new(),
        }
    }

    #[test]
    fn client_frames_round_trip() {
        let frames = vec![
            ClientFrame::Auth { token: "t".into() },
            ClientFrame::Subscribe {
                conv_id: "c1".into(),
                token: Some("v".into()),
                after_seq: 3,
            },
            ClientFrame::Unsubscribe {
                conv_id: "c1".into(),
            },
            ClientFrame::Typing {
                conv_id: "c1".into(),
                typing: true,
            },
            ClientFrame::Read {
                conv_id: "c1".into(),
                seq: 2,
            },
            ClientFrame::Resync {
                status: Some(ConversationStatus::Open),
            },
            ClientFrame::Ping,
        ];
        for frame in frames {
            let json = serde_json::to_string(&frame).unwrap();
            assert_eq!(
                serde_json::from_str::<ClientFrame>(&json).unwrap(),
                frame,
                "{json}"
            );
        }
    }

    #[test]
    fn client_frames_have_the_documented_shape() {
        let sub: ClientFrame = serde_json::from_str(
            r#"{"type":"subscribe","conv_id":"c1","token":"v","after_seq":5}"#,
        )
        .unwrap();
        assert_eq!(
            sub,
            ClientFrame::Subscribe {
                conv_id: "c1".into(),
                token: Some("v".into()),
                after_seq: 5
            }
        );
        let ping: ClientFrame = serde_json::from_str(r#"{"type":"ping"}"#).unwrap();
        assert_eq!(ping, ClientFrame::Ping);
        assert!(serde_json::from_str::<ClientFrame>(r#"{"type":"explode"}"#).is_err());
        assert!(
            serde_json::from_str::<ClientFrame>(r#"{"type":"read","conv_id":"c1","seq":-1}"#)
                .is_err()
        );
    }

    #[test]
    fn server_frames_round_trip() {
        let frames = vec![
            ServerFrame::Subscribed {
                conv_id: "c1".into(),
                last_seq: 9,
            },
            ServerFrame::Unsubscribed {
                conv_id: "c1".into(),
            },
            ServerFrame::More {
                conv_id: "c1".into(),
                after_seq: 200,
            },
            ServerFrame::Message { message: message() },
            ServerFrame::MessageDeleted {
                message: Message {
                    text: String::new(),
                    deleted_at: Some(1_700_000_060_000),
                    ..message()
                },
            },
            ServerFrame::Typing {
                conv_id: "c1".into(),
                side: Side::Staff,
                typing: true,
                name: Some("Ann".into()),
            },
            ServerFrame::Read {
                conv_id: "c1".into(),
                side: Side::Visitor,
                seq: 4,
            },
            ServerFrame::Conversation {
                conv_id: "c1".into(),
                status: ConversationStatus::Resolved,
                assignee_id: None,
            },
            #[cfg(feature = "staff")]
            ServerFrame::Conversations {
                conversations: vec![],
            },
            #[cfg(feature = "staff")]
            ServerFrame::Assigned {
                conv_id: "c1".into(),
                assignee_id: Some("s1".into()),
            },
            #[cfg(feature = "staff")]
            ServerFrame::ConversationDeleted {
                conv_id: "c1".into(),
            },
            #[cfg(feature = "staff")]
            ServerFrame::Labeled {
                conv_id: "c1".into(),
                labels: vec!["billing".into(), "vip".into()],
            },
            #[cfg(feature = "staff")]
            ServerFrame::Note {
                note: crate::Note {
                    id: "n1".into(),
                    conv_id: "c1".into(),
                    after_seq: 7,
                    author: message().sender,
                    text: "@Bo refund approved".into(),
                    client_msg_id: "k2".into(),
                    mentions: vec!["s2".into()],
                    created_at: 1_700_000_000_000,
                },
            },
            #[cfg(feature = "staff")]
            ServerFrame::Assigned {
                conv_id: "c1".into(),
                assignee_id: None,
            },
            ServerFrame::Error {
                code: "not_found".into(),
                message: "no".into(),
                conv_id: Some("c1".into()),
            },
            ServerFrame::Presence { staff_online: true },
            ServerFrame::Pong,
        ];
        for frame in frames {
            let json = serde_json::to_string(&frame).unwrap();
            assert_eq!(
                serde_json::from_str::<ServerFrame>(&json).unwrap(),
                frame,
                "{json}"
            );
            // The widget's way: the tag first, then that variant's fields.
            let value: serde_json::Value = serde_json::from_str(&json).unwrap();
            let tag = value["type"].as_str().unwrap();
            assert_eq!(
                ServerFrame::from_tagged(tag, &value).unwrap(),
                Some(frame),
                "{json}"
            );
        }
        assert_eq!(
            ServerFrame::from_tagged("no_such_frame", &serde_json::json!({})).unwrap(),
            None
        );
    }

    #[test]
    fn message_frame_is_tagged_and_carries_the_message() {
        let json = serde_json::to_value(ServerFrame::Message { message: message() }).unwrap();
        assert_eq!(json["type"], "message");
        assert_eq!(json["message"]["seq"], 7);
        assert_eq!(json["message"]["direction"], "out");
        assert_eq!(json["message"]["sender"]["kind"], "staff");
    }
}
