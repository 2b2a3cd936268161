//! HTTP request and response bodies under `/api/v1`.

use crate::{ConvId, ConversationStatus, Message};
use serde::{Deserialize, Serialize};

/// Every error the server returns: `{"error":{"code","message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    /// Stable, snake_case, for programs.
    pub code: String,
    /// For humans.
    pub message: String,
}

/// `GET /api/v1/widget/{org_id}/{account_id}/config`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfig {
    pub org_id: String,
    pub account_id: String,
    pub name: String,
    pub greeting: String,
    /// A CSS colour, `#rrggbb`.
    pub theme_color: String,
    pub staff_online: bool,
}

/// `POST /api/v1/widget/{org_id}/{account_id}/leads`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateLead {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_msg_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeadCreated {
    pub conv_id: ConvId,
    pub visitor_id: String,
    pub visitor_token: String,
    pub messages: Vec<Message>,
}

/// `POST /api/v1/conversations/{conv_id}/messages` and `.../replies`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostMessage {
    pub text: String,
    pub client_msg_id: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageEnvelope {
    pub message: Message,
}

/// `GET /api/v1/conversations/{conv_id}/messages?after_seq=N&limit=M`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MessageList {
    /// Ascending by `seq`.
    pub messages: Vec<Message>,
    /// The conversation's highest `seq` at the time of the read.
    pub last_seq: u64,
}

/// `POST /api/v1/conversations/{conv_id}/read`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadRequest {
    pub seq: u64,
}

/// `POST /api/v1/auth/login`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginRequest {
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginResponse {
    pub token: String,
    /// Milliseconds since the Unix epoch after which the token is refused.
    pub expires_at: i64,
    pub staff: StaffMember,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct StaffMember {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Visitor {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub page_url: Option<String>,
    pub user_agent: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub first_seen_at: i64,
}

/// One row of the staff inbox's conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    pub conv_id: ConvId,
    pub account_id: String,
    pub status: ConversationStatus,
    pub assignee_id: Option<String>,
    pub visitor: Visitor,
    pub last_message: Option<Message>,
    pub last_seq: u64,
    /// Visitor messages the staff side has not yet marked read.
    pub unread_count: u64,
    /// Milliseconds since the Unix epoch of the latest message, or of creation.
    pub last_activity_at: i64,
    pub created_at: i64,
}

/// `GET /api/v1/conversations?status=open|resolved&cursor=`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/conversations/{conv_id}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    pub visitor_read_seq: u64,
    pub staff_read_seq: u64,
}

/// `PATCH /api/v1/conversations/{conv_id}`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateConversation {
    pub status: ConversationStatus,
}
