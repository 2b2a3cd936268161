//! Row shapes read from the database and their conversion to protocol types.

use crate::files::Signer;
use natter_protocol::{ConvId, Direction, Message, Sender, SenderKind, Visitor};

pub(super) const MESSAGE_COLUMNS: &str = "id, conv_id, seq, direction, sender_kind, sender_id, sender_name, text, client_msg_id, created_at, deleted_at, attachments";

#[derive(sqlx::FromRow)]
pub(super) struct MessageRow {
    id: String,
    conv_id: String,
    seq: i64,
    direction: String,
    sender_kind: String,
    sender_id: String,
    sender_name: String,
    text: String,
    client_msg_id: String,
    created_at: i64,
    deleted_at: Option<i64>,
    attachments: Option<String>,
}

/// Non-negative database integers as the protocol's `u64`.
pub(super) fn to_u64(value: i64) -> u64 {
    u64::try_from(value).unwrap_or(0)
}

/// Protocol `u64`s as database integers (values past `i64::MAX` saturate).
pub(super) fn to_i64(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

impl MessageRow {
    /// The message, its attachments' URLs signed now.
    pub(super) fn into_message(self, signer: &Signer) -> Message {
        let row = self;
        // The CHECK constraints guarantee these parse; the fallbacks only keep this total.
        Message {
            id: row.id,
            conv_id: ConvId(row.conv_id),
            seq: to_u64(row.seq),
            direction: Direction::parse(&row.direction).unwrap_or(Direction::In),
            sender: Sender {
                kind: SenderKind::parse(&row.sender_kind).unwrap_or(SenderKind::System),
                id: row.sender_id,
                name: row.sender_name,
            },
            text: row.text,
            client_msg_id: row.client_msg_id,
            created_at: row.created_at,
            deleted_at: row.deleted_at,
            attachments: super::attachments::materialize(row.attachments.as_deref(), signer),
        }
    }
}

pub(super) const VISITOR_COLUMNS: &str = "v.id AS visitor_id, v.name AS visitor_name, v.email AS visitor_email, \
     v.phone AS visitor_phone, v.page_url AS visitor_page_url, v.user_agent AS visitor_user_agent, \
     v.created_at AS visitor_created_at, v.external_id AS visitor_external_id";

#[derive(sqlx::FromRow)]
pub(super) struct VisitorRow {
    visitor_id: String,
    visitor_name: String,
    visitor_email: Option<String>,
    visitor_phone: Option<String>,
    visitor_page_url: Option<String>,
    visitor_user_agent: Option<String>,
    visitor_created_at: i64,
    visitor_external_id: Option<String>,
}

impl From<VisitorRow> for Visitor {
    fn from(row: VisitorRow) -> Self {
        Visitor {
            id: row.visitor_id,
            name: row.visitor_name,
            email: row.visitor_email,
            phone: row.visitor_phone,
            page_url: row.visitor_page_url,
            user_agent: row.visitor_user_agent,
            first_seen_at: row.visitor_created_at,
            verified: row.visitor_external_id.is_some(),
        }
    }
}

/// The last message joined onto a conversation row as `lm_*` columns (absent when empty).
#[derive(sqlx::FromRow)]
pub(super) struct LastMessageRow {
    #[sqlx(rename = "lm_id")]
    id: Option<String>,
    #[sqlx(rename = "lm_conv_id")]
    conv_id: Option<String>,
    #[sqlx(rename = "lm_seq")]
    seq: Option<i64>,
    #[sqlx(rename = "lm_direction")]
    direction: Option<String>,
    #[sqlx(rename = "lm_sender_kind")]
    sender_kind: Option<String>,
    #[sqlx(rename = "lm_sender_id")]
    sender_id: Option<String>,
    #[sqlx(rename = "lm_sender_name")]
    sender_name: Option<String>,
    #[sqlx(rename = "lm_text")]
    text: Option<String>,
    #[sqlx(rename = "lm_client_msg_id")]
    client_msg_id: Option<String>,
    #[sqlx(rename = "lm_created_at")]
    created_at: Option<i64>,
    #[sqlx(rename = "lm_deleted_at")]
    deleted_at: Option<i64>,
    #[sqlx(rename = "lm_attachments")]
    attachments: Option<String>,
}

impl LastMessageRow {
    pub(super) fn into_message(self, signer: &Signer) -> Option<Message> {
        let row = MessageRow {
            id: self.id?,
            conv_id: self.conv_id?,
            seq: self.seq?,
            direction: self.direction?,
            sender_kind: self.sender_kind?,
            sender_id: self.sender_id?,
            sender_name: self.sender_name?,
            text: self.text?,
            client_msg_id: self.client_msg_id?,
            created_at: self.created_at?,
            deleted_at: self.deleted_at,
            attachments: self.attachments,
        };
        Some(row.into_message(signer))
    }
}
