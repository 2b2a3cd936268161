//! HTTP request and response bodies under `/api/v1`.

use crate::{ConvId, ConversationStatus, Message, Sender};
use serde::de::{self, Deserializer, Unexpected};
use serde::{Deserialize, Serialize};
use std::fmt;

/// Every error the server returns: `{"error":{"code","message"}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ErrorDetail {
    /// Stable, snake_case, for programs.
    pub code: String,
    /// For humans.
    pub message: String,
}

/// Light or dark for the widget: `auto` follows the visitor's system setting; a shop
/// with a light page may want the widget light whatever the visitor's system says.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WidgetTheme {
    #[default]
    Auto,
    Light,
    Dark,
}

impl WidgetTheme {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Auto => "auto",
            Self::Light => "light",
            Self::Dark => "dark",
        }
    }

    /// The stored value; anything unknown is `auto`.
    pub fn parse(value: &str) -> Self {
        match value {
            "light" => Self::Light,
            "dark" => Self::Dark,
            _ => Self::Auto,
        }
    }
}

/// When a website's team answers: always, or on a weekly schedule in a time zone.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum BusinessHours {
    #[default]
    Always,
    Weekly {
        /// An IANA time zone, e.g. `Europe/Paris`.
        #[cfg_attr(feature = "openapi", schema(max_length = 64))]
        timezone: String,
        /// The open spans of each week, at most 21.
        #[cfg_attr(feature = "openapi", schema(max_items = 21))]
        days: Vec<OpenSpan>,
    },
}

/// A span of one weekday when the team answers, `open` to `close` in the schedule's
/// time zone (`HH:MM`, 24-hour; `close` after `open`, at most `24:00`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct OpenSpan {
    pub day: Weekday,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^([01][0-9]|2[0-3]):[0-5][0-9]$")
    )]
    pub open: String,
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$")
    )]
    pub close: String,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Weekday {
    Mon,
    Tue,
    Wed,
    Thu,
    Fri,
    Sat,
    Sun,
}

impl Weekday {
    pub const ALL: [Weekday; 7] = [
        Self::Mon,
        Self::Tue,
        Self::Wed,
        Self::Thu,
        Self::Fri,
        Self::Sat,
        Self::Sun,
    ];

    /// Days from Monday: 0–6.
    pub fn index(self) -> usize {
        self as usize
    }
}

/// Which alerts reach a staff member (all but the assignment email on by default). The
/// new-conversation and unanswered alerts go out only while nobody of the organization
/// is online.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NotificationSettings {
    /// Email: a new conversation nobody answered.
    pub email_new_conversation: bool,
    /// Email: a visitor wrote again in a conversation and nobody answered.
    pub email_unanswered: bool,
    /// Email: someone else assigned the member a conversation (sent whoever is online).
    /// Absent in a request: off.
    #[serde(default)]
    pub email_assignment: bool,
    /// Browser notifications (in each browser where they were enabled): a new
    /// conversation or a visitor message. Absent in a request: on.
    #[serde(default = "on")]
    #[cfg_attr(feature = "openapi", schema(default = true))]
    pub push: bool,
}

fn on() -> bool {
    true
}

/// The server's public VAPID key, for `PushManager.subscribe`'s `applicationServerKey`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VapidPublicKey {
    /// The uncompressed P-256 point, base64url without padding.
    pub key: String,
}

/// A browser's push subscription, as `PushSubscription.toJSON()` gives it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushSubscription {
    /// The push service's URL for this browser (https).
    pub endpoint: String,
    pub keys: PushKeys,
}

/// A subscription's keys, base64url.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushKeys {
    /// The browser's P-256 public key (65 bytes).
    pub p256dh: String,
    /// The shared authentication secret (16 bytes).
    pub auth: String,
}

/// Which subscription to delete.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushEndpoint {
    pub endpoint: String,
}

/// What a push notification carries to the inbox's service worker.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PushNotice {
    pub conv_id: ConvId,
    /// The visitor's name.
    pub visitor: String,
    /// The start of their latest message.
    pub preview: String,
    /// Whether this is the conversation's first message.
    pub new_conversation: bool,
}

/// A staff member's own availability: away hides them from the "online" that visitors
/// see and that holds back email alerts.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Availability {
    pub away: bool,
}

/// The side of the page the widget's launcher sits on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum WidgetPosition {
    #[default]
    Right,
    Left,
}

impl WidgetPosition {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Right => "right",
            Self::Left => "left",
        }
    }

    /// The stored value; anything unknown is `right`.
    pub fn parse(value: &str) -> Self {
        if value == "left" {
            Self::Left
        } else {
            Self::Right
        }
    }
}

/// `GET /api/v1/widget/{org_id}/{account_id}/config`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WidgetConfig {
    pub org_id: String,
    pub account_id: String,
    pub name: String,
    pub greeting: String,
    /// A CSS colour, `#rrggbb`.
    pub theme_color: String,
    /// Light, dark, or the visitor's system setting. (Absent from older servers: auto.)
    #[serde(default)]
    pub theme: WidgetTheme,
    pub staff_online: bool,
    /// Who answers: the names of up to three of the organization's staff, for the header.
    #[serde(default)]
    pub team: Vec<String>,
    /// The median seconds to the first staff reply over recent conversations; absent
    /// until enough were answered to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_secs: Option<u64>,
    /// The launcher's side of the page.
    #[serde(default)]
    pub position: WidgetPosition,
    /// Shown while no staff member is online (empty: the default wording).
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub away_message: String,
    /// Only visitors the website vouches for (`Natter.setUser` with a `user_hash`) may
    /// start a conversation.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub require_identity: bool,
    /// Within the website's business hours now. The team is available when this and
    /// `staff_online` both hold; otherwise the widget asks for an email.
    #[serde(default = "yes")]
    pub open_now: bool,
    /// Seconds until `open_now` changes (absent: never, the team answers always).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub open_changes_in_secs: Option<u64>,
    /// Hide the launcher outside business hours (a visitor with a conversation keeps it).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub hide_when_closed: bool,
    /// The server sends email: a visitor may have their conversation emailed to them.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub email_transcripts: bool,
}

fn yes() -> bool {
    true
}

// The `pattern`s below (for the OpenAPI document) spell out `validate`'s rules. Their
// `[\t\n\x0B\f\r \x85\xA0\u1680…\u3000]` class is the whitespace `str::trim` removes
// (Unicode White_Space), `\x00-\x1F\x7F-\x9F` the control characters, and
// `\xAD\u0600…\uFFFB` the format characters (`validate::FORMAT_CHARS`).

/// `POST /api/v1/widget/{org_id}/{account_id}/leads`
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateLead {
    /// 1–120 characters after trimming, no control or format characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: String,
    // Optional fields: absent, `null` and blank all mean "not given". The patterns say
    // so, and are a strict ASCII subset of what `validate` accepts where it is wider.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:[A-Za-z0-9_+-]{1,32}(?:\.[A-Za-z0-9_+-]{1,16})?@[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20})?(?:\.[A-Za-z0-9]{1,20}){1,3}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*)?$"
        )
    )]
    pub email: Option<String>,
    /// Digits with an optional leading `+`, spaces, dashes, dots and parentheses; 5–20 digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:\+?[ ().-]*(?:[0-9][ ().-]*){5,20})?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub phone: Option<String>,
    /// The first message: 1–4000 characters after trimming, no NUL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]{0,3998}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F])?)?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub message: Option<String>,
    /// The first message's idempotency key: 1–64 visible ASCII characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[!-~]{1,64}$"))]
    pub client_msg_id: Option<String>,
    /// An http(s) URL of at most 2048 bytes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:https?://[ -~]{0,2040})?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub page_url: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LeadCreated {
    pub conv_id: ConvId,
    pub visitor_id: String,
    pub visitor_token: String,
    pub messages: Vec<Message>,
}

/// `POST /api/v1/conversations/{conv_id}/messages` and `.../replies`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostMessage {
    /// 1–4000 characters after trimming (trimmed when stored); no control characters but
    /// tab and line breaks (`\r\n` and `\r` are stored as `\n`). May be empty when the
    /// message carries attachments.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^$|^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]{0,3998}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub text: String,
    /// 1–64 visible ASCII characters, unique per conversation: the idempotency key.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[!-~]{1,64}$"))]
    pub client_msg_id: String,
    /// Files uploaded to this conversation by the caller and not sent yet
    /// (`POST /conversations/{conv_id}/attachments`), at most 10.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    #[cfg_attr(feature = "openapi", schema(max_items = 10))]
    pub attachment_ids: Vec<String>,
}

/// `POST /api/v1/conversations/{conv_id}/attachments` → 201: an uploaded file, to be
/// sent by naming it in a message's `attachment_ids`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Uploaded {
    pub id: String,
    pub name: String,
    pub content_type: String,
    pub size: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub width: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub height: Option<u32>,
}

impl Uploaded {
    /// The file as a message carries it, served at `url` (and `thumbnail_url`).
    pub fn into_attachment(self, url: String, thumbnail_url: Option<String>) -> crate::Attachment {
        crate::Attachment {
            id: self.id,
            name: self.name,
            content_type: self.content_type,
            size: self.size,
            width: self.width,
            height: self.height,
            url,
            thumbnail_url,
        }
    }
}

/// One hit of `GET /api/v1/search`: a message (`seq` ≥ 1, the one to jump to) or the
/// visitor's name or email (`seq` 0: the conversation as a whole).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResult {
    pub conv_id: ConvId,
    pub visitor: Visitor,
    /// Where it matched, a few words either side: HTML-escaped text with each match
    /// in `<mark>…</mark>`.
    pub snippet: String,
    pub seq: u64,
    /// When the message was written (a visitor hit: the conversation's last activity).
    pub created_at: i64,
}

/// `GET /api/v1/search?q=…`: best match first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResults {
    pub results: Vec<SearchResult>,
    /// Pass as `cursor` for the next page; absent on the last.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// An internal note: staff of the organization write and read it; the visitor never
/// can. It is not a message and takes no `seq`: it sits after message `after_seq`
/// (the conversation's last when it was written), so the visitor's view stays gap-free.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Note {
    pub id: String,
    pub conv_id: ConvId,
    pub after_seq: u64,
    /// The member who wrote it (always the authenticated caller).
    pub author: Sender,
    pub text: String,
    pub client_msg_id: String,
    /// The ids of the members it mentions (`@name`), who are notified.
    #[serde(default)]
    pub mentions: Vec<String>,
    /// Milliseconds since the Unix epoch.
    pub created_at: i64,
}

/// `GET /api/v1/conversations/{conv_id}/notes`: every note, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NoteList {
    pub notes: Vec<Note>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageEnvelope {
    pub message: Message,
}

/// `GET /api/v1/conversations/{conv_id}/messages?after_seq=N&limit=M`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MessageList {
    /// Ascending by `seq`.
    pub messages: Vec<Message>,
    /// The conversation's highest `seq` at the time of the read.
    pub last_seq: u64,
    /// How far staff have read: the widget shows "Seen" under the visitor's last message
    /// at or before it. (Absent from older servers: 0.)
    #[serde(default)]
    pub staff_read_seq: u64,
}

/// `POST /api/v1/conversations/{conv_id}/read`
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ReadRequest {
    #[serde(deserialize_with = "integral_u64")]
    #[cfg_attr(feature = "openapi", schema(maximum = 18446744073709551615u64))]
    pub seq: u64,
}

/// `POST /api/v1/setup`: the first run of a new install creates its organization, its
/// first owner and its first website, with the one-time token the server logged.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupRequest {
    pub token: String,
    /// The organization's name, e.g. "Acme Shop".
    pub organization: String,
    /// The owner's name.
    pub name: String,
    pub email: String,
    pub password: String,
    pub website: SetupWebsite,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupWebsite {
    pub name: String,
    /// Where the widget will be embedded, e.g. `https://shop.example`.
    pub origin: String,
}

/// The owner is signed in (`token`, as from a login), and the snippet is ready to paste.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SetupResponse {
    pub token: String,
    /// Milliseconds since the Unix epoch after which the token is refused.
    pub expires_at: i64,
    pub staff: StaffMember,
    pub org_id: String,
    pub account_id: String,
    /// The `<script>` tag to paste into the website's pages.
    pub snippet: String,
}

/// A website account's settings, as its organization's staff see them:
/// `GET /api/v1/accounts/{account_id}` and each item of `GET /api/v1/accounts`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountSettings {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub greeting: String,
    pub theme_color: String,
    /// The widget's light or dark look (`auto`: the visitor's system setting).
    #[serde(default)]
    pub theme: WidgetTheme,
    /// The launcher's side of the page.
    #[serde(default)]
    pub position: WidgetPosition,
    /// Shown in the widget while no staff member is online; empty: the default wording.
    #[serde(default)]
    pub away_message: String,
    /// Only verified visitors may start conversations.
    #[serde(default)]
    pub require_identity: bool,
    /// When the team answers.
    #[serde(default)]
    pub business_hours: BusinessHours,
    /// Hide the widget's launcher outside business hours.
    #[serde(default)]
    pub hide_when_closed: bool,
    /// New conversations are assigned in turn to the members online (the one assigned
    /// least recently first); with nobody online they stay unassigned.
    #[serde(default)]
    pub auto_assign: bool,
    /// The key the website's server signs user ids with (`user_hash`), shown to owners
    /// and admins; absent until made with `POST /accounts/{account_id}/identity-secret`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity_secret: Option<String>,
    /// Origin patterns that may embed the widget, e.g. `https://shop.example`,
    /// `http://localhost:*`, `https://*.shop.example`.
    pub allowed_origins: Vec<String>,
    /// Pages on other origins that tried to load this website's chat and were refused,
    /// most recent first.
    pub refused_origins: Vec<RefusedOrigin>,
    /// The `<script>` tag to paste into the website's pages.
    pub snippet: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RefusedOrigin {
    pub origin: String,
    /// Refused requests and sockets from it.
    pub count: u64,
    /// Milliseconds since the Unix epoch.
    pub last_seen_at: i64,
}

/// `GET /api/v1/accounts`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountList {
    pub accounts: Vec<AccountSettings>,
}

/// `PATCH /api/v1/accounts/{account_id}`: what is given changes, the rest stays
/// (owners and admins only).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateAccount {
    /// 1–120 characters after trimming, no control or format characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: Option<String>,
    /// 1–500 characters after trimming, no NUL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00](?:[^\x00]{0,498}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub greeting: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*#[0-9A-Fa-f]{6}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub theme_color: Option<String>,
    /// The widget's light or dark look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<WidgetTheme>,
    /// The launcher's side of the page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<WidgetPosition>,
    /// 0–500 characters after trimming, no NUL; empty: the default wording.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00](?:[^\x00]{0,498}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00])?)?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub away_message: Option<String>,
    /// Only verified visitors may start conversations (set a secret first).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub require_identity: Option<bool>,
    /// When the team answers: always, or weekly in an IANA time zone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub business_hours: Option<BusinessHours>,
    /// Hide the widget's launcher outside business hours.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hide_when_closed: Option<bool>,
    /// Assign new conversations in turn to the members online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub auto_assign: Option<bool>,
    /// The whole new list: 1–100 origins (`https://shop.example`, `http://localhost:*`,
    /// `https://*.shop.example`) or `*` (anywhere), each at most 300 characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_items = 1,
            max_items = 100,
            inline,
            value_type = Option<Vec<OriginPattern>>
        )
    )]
    pub allowed_origins: Option<Vec<String>>,
}

/// `POST /api/v1/accounts`: a new website (owners and admins only); its id is made
/// from the name. Without a greeting or colour, the first run's are used.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateAccount {
    /// 1–120 characters after trimming, no control or format characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: String,
    /// 1–500 characters after trimming, no NUL.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00](?:[^\x00]{0,498}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub greeting: Option<String>,
    /// `#rrggbb`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*#[0-9A-Fa-f]{6}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub theme_color: Option<String>,
    /// The widget's light or dark look.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub theme: Option<WidgetTheme>,
    /// Where the widget may load: 1–100 origins (`https://shop.example`, `http://localhost:*`,
    /// `https://*.shop.example`) or `*` (anywhere), each at most 300 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_items = 1,
            max_items = 100,
            inline,
            value_type = Vec<OriginPattern>
        )
    )]
    pub allowed_origins: Vec<String>,
}

/// `POST /api/v1/accounts/{account_id}/identity-secret`: the website's new identity
/// secret; the old one stops verifying at once.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct IdentitySecret {
    pub secret: String,
}

/// `POST /api/v1/widget/{org_id}/{account_id}/identify`: the website's signed-in user.
/// `user_hash` is the lowercase hex HMAC-SHA256 of `id` keyed with the website's
/// identity secret, computed on the website's server.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identify {
    /// The website's own id of its user, verbatim: 1–255 characters, no control characters.
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[^\x00-\x1F\x7F-\x9F]{1,255}$")
    )]
    pub id: String,
    /// 64 hex digits.
    #[cfg_attr(feature = "openapi", schema(pattern = r"^[0-9A-Fa-f]{64}$"))]
    pub user_hash: String,
    /// 1–120 characters after trimming, no control or format characters.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:[A-Za-z0-9][A-Za-z0-9 .'-]{0,60})?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:[A-Za-z0-9_+-]{1,32}(?:\.[A-Za-z0-9_+-]{1,16})?@[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20})?(?:\.[A-Za-z0-9]{1,20}){1,3}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*)?$"
        )
    )]
    pub email: Option<String>,
}

/// The answer to `identify`: the contact's token for this browser and their
/// conversations on this website, most recent first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Identified {
    pub visitor_id: String,
    pub visitor_token: String,
    pub conversations: Vec<VisitorConversation>,
}

/// An email Natter could not send: still being retried, or given up after about a day.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailFailure {
    /// `staff_alert` (a chat nobody answered), `visitor_email` (replies to a visitor) or
    /// `assignment_alert` (a conversation assigned to a member).
    pub kind: String,
    /// The conversation the email was about.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conv_id: Option<ConvId>,
    pub attempts: u64,
    /// The SMTP server's last answer, verbatim.
    pub error: String,
    /// No more attempts will be made.
    pub given_up: bool,
    /// When the email was due to be written (ms since the Unix epoch).
    pub created_at: i64,
}

/// `GET /api/v1/mail/failures`: the organization's most recent failed emails.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailFailures {
    pub failures: Vec<MailFailure>,
}

/// A chat link from an email, opened: the conversation, and a fresh token for the
/// visitor in this browser (the link itself works once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChatLink {
    pub org_id: String,
    pub account_id: String,
    pub conv_id: ConvId,
    pub visitor_id: String,
    pub visitor_token: String,
    /// The visitor's name and email, as the conversation knows them.
    pub name: String,
    pub email: Option<String>,
}

/// One of a visitor's conversations, as the visitor sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorConversation {
    pub conv_id: ConvId,
    pub status: ConversationStatus,
    /// The newest message's seq (0: none yet).
    pub last_seq: u64,
    pub last_message: Option<Message>,
    /// Milliseconds since the Unix epoch.
    pub last_activity_at: i64,
}

/// An allowed-origin pattern, as `UpdateAccount` takes it (the schema of one item; a
/// newtype's schema cannot carry a length in utoipa's derive).
#[cfg(feature = "openapi")]
pub struct OriginPattern;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for OriginPattern {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .max_length(Some(crate::validate::MAX_ORIGIN_CHARS))
            .pattern(Some(
                r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*(?:\*|[Hh][Tt][Tt][Pp][Ss]?://(?:\*\.)?[A-Za-z0-9][A-Za-z0-9-]*(?:\.[A-Za-z0-9][A-Za-z0-9-]*)*(?::(?:\*|[1-9][0-9]{0,3}|[1-5][0-9]{4}|6[0-4][0-9]{3}|65[0-4][0-9]{2}|655[0-2][0-9]|6553[0-5]))?/*)[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$",
            ))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for OriginPattern {}

/// `POST /api/v1/auth/login`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginRequest {
    /// At most 254 characters.
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: String,
    pub password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LoginResponse {
    pub token: String,
    /// Milliseconds since the Unix epoch after which the token is refused.
    pub expires_at: i64,
    pub staff: StaffMember,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffMember {
    pub id: String,
    pub org_id: String,
    pub name: String,
    pub email: String,
    pub role: String,
}

/// What a staff member may do: an owner everything, an admin websites and the team
/// except owners, an agent conversations only.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum StaffRole {
    Owner,
    Admin,
    Agent,
}

impl StaffRole {
    /// The name stored and sent in [`StaffMember::role`].
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Owner => "owner",
            Self::Admin => "admin",
            Self::Agent => "agent",
        }
    }
}

/// `GET /api/v1/staff`: the caller's organization's members, oldest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StaffList {
    pub staff: Vec<TeamMember>,
}

/// A member as the team page lists them.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TeamMember {
    #[serde(flatten)]
    pub member: StaffMember,
    /// When their inbox was last open (ms since the Unix epoch); absent if never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_seen_at: Option<i64>,
}

/// `PATCH /api/v1/staff/{staff_id}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateStaff {
    pub role: StaffRole,
}

/// `PATCH /api/v1/me`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateMe {
    /// 1–120 characters after trimming, no control or format characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: String,
}

/// `POST /api/v1/invitations`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CreateInvitation {
    /// Who is invited; at most 254 characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            max_length = 254,
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[A-Za-z0-9_+-]{1,32}(?:\.[A-Za-z0-9_+-]{1,16})?@[A-Za-z0-9]{1,20}(?:-[A-Za-z0-9]{1,20})?(?:\.[A-Za-z0-9]{1,20}){1,3}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub email: String,
    pub role: StaffRole,
}

/// A one-time link to join the team, to hand to the invitee.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Invitation {
    /// The inbox's accept page; the code rides in the fragment, which no server logs.
    pub invitation_url: String,
    /// Milliseconds since the Unix epoch after which the link no longer works.
    pub expires_at: i64,
    /// The link was emailed to the invitee (email is configured and the SMTP server
    /// took it).
    #[serde(default)]
    pub emailed: bool,
    /// Why emailing it failed, in the SMTP server's words; the link above still works.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email_error: Option<String>,
}

/// `GET /api/v1/mail`: whether this server sends email.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct MailStatus {
    /// An SMTP server is configured (`NATTER_SMTP_URL`).
    pub enabled: bool,
    /// The sender of its emails.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<String>,
}

/// `POST /api/v1/invitations/{code}/accept`: the invitee's name and password.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AcceptInvitation {
    /// 1–120 characters after trimming, no control or format characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: String,
    /// 8–256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub password: String,
}

/// `POST /api/v1/me/password`: the other sessions of the caller end.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ChangePassword {
    pub current_password: String,
    /// 8–256 characters.
    #[cfg_attr(feature = "openapi", schema(min_length = 8, max_length = 256))]
    pub new_password: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Visitor {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub page_url: Option<String>,
    pub user_agent: Option<String>,
    /// Milliseconds since the Unix epoch.
    pub first_seen_at: i64,
    /// The website's own server vouched for who this is (`Natter.setUser` with a valid
    /// `user_hash`).
    #[serde(default)]
    pub verified: bool,
}

/// One row of the staff inbox's conversation list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
    /// The conversation's labels, by name (absent: none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
}

/// `GET /api/v1/conversations?status=open|resolved&cursor=`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationList {
    pub conversations: Vec<ConversationSummary>,
    pub next_cursor: Option<String>,
}

/// `GET /api/v1/conversations/{conv_id}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ConversationDetail {
    #[serde(flatten)]
    pub summary: ConversationSummary,
    pub visitor_read_seq: u64,
    pub staff_read_seq: u64,
}

/// `GET /api/v1/conversations/{conv_id}/transcript?format=json`: the whole conversation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Transcript {
    pub conversation: ConversationDetail,
    /// Every message, ascending by `seq`.
    pub messages: Vec<Message>,
}

/// `GET /api/v1/visitors/{visitor_id}/export`: everything stored about a visitor (what
/// a data-access request asks for): who they are and each of their conversations with
/// every message. Internal notes are staff's, not the visitor's, and are left out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct VisitorExport {
    pub visitor: Visitor,
    pub conversations: Vec<Transcript>,
    /// When the export was made (ms since the Unix epoch).
    pub exported_at: i64,
}

/// `GET|PUT /api/v1/retention`: how long the organization keeps a conversation after
/// its last activity; past that, a background job deletes it with its messages, notes
/// and (when it was their last) its visitor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Retention {
    /// Days, 1–3650; `null` (or absent): kept for ever.
    #[serde(default, deserialize_with = "optional_integral_u64")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub retention_days: Option<u64>,
}

/// `POST /api/v1/conversations/{conv_id}/transcript-email`: the visitor asks for their
/// conversation by email.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptEmailRequest {
    /// Where to send it; absent: the email the visitor gave before.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 254))]
    pub email: Option<String>,
}

/// The answer: where the transcript is on its way to.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TranscriptEmailQueued {
    pub email: String,
}

/// A transcript's form.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TranscriptFormat {
    /// Plain text, a line per message, times in UTC.
    Text,
    /// [`Transcript`].
    #[default]
    Json,
}

/// A label conversations carry: the organization's, by name, with a colour.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Label {
    /// 1–32 of `a-z`, `0-9`, `-`, `_`, starting with a letter or digit (capitals are lowered).
    pub name: String,
    /// `#rrggbb`.
    pub color: String,
}

/// `GET /api/v1/labels`: the organization's, by name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LabelList {
    pub labels: Vec<Label>,
}

/// `POST /api/v1/labels`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewLabel {
    #[cfg_attr(
        feature = "openapi",
        schema(pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")
    )]
    pub name: String,
    /// `#rrggbb`; absent: one of a palette, by the name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(pattern = r"^#[0-9A-Fa-f]{6}$"))]
    pub color: Option<String>,
}

/// `PATCH /api/v1/labels/{name}`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateLabel {
    #[cfg_attr(feature = "openapi", schema(pattern = r"^#[0-9A-Fa-f]{6}$"))]
    pub color: String,
}

/// A reply staff insert by typing `/` and its shortcut in the composer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedResponse {
    pub id: String,
    /// Lower-case letters, digits, `-` and `_`; unique in the organization.
    pub shortcut: String,
    pub title: String,
    /// May hold `{{visitor.name}}` and `{{staff.name}}`, filled in when inserted.
    pub text: String,
}

/// `GET /api/v1/canned-responses`: the organization's, by shortcut.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CannedResponses {
    pub canned_responses: Vec<CannedResponse>,
}

/// `POST /api/v1/canned-responses`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct NewCannedResponse {
    /// 1–32 of `a-z`, `0-9`, `-`, `_` (a leading `/` is dropped, capitals lowered).
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*/?[A-Za-z0-9_-]{1,32}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub shortcut: String,
    /// 1–120 characters, no control or invisible formatting characters.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub title: String,
    /// 1–4000 characters, like a message.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]{0,3998}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub text: String,
}

/// `PATCH /api/v1/canned-responses/{id}`: the fields to change (absent or `null`: unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateCannedResponse {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*/?[A-Za-z0-9_-]{1,32}[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub shortcut: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F](?:[^\x00-\x08\x0B\x0C\x0E-\x1F\x7F-\x9F]{0,3998}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub text: Option<String>,
}

/// `PATCH /api/v1/conversations/{conv_id}`: what to change (absent: unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UpdateConversation {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<ConversationStatus>,
    /// A staff member of the organization, or `null` to unassign; absent: unchanged.
    #[serde(
        default,
        deserialize_with = "present",
        skip_serializing_if = "Option::is_none"
    )]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, max_length = 64))]
    pub assignee_id: Option<Option<String>>,
}

/// A field that is present, `null` or not: `Some(value)`, so that absent (`None`, by
/// `default`) and `null` (`Some(None)`) differ.
fn present<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    deserializer: D,
) -> Result<Option<T>, D::Error> {
    T::deserialize(deserializer).map(Some)
}

/// A `u64` that may also be written as an integral float: JSON has one number type,
/// and to JSON Schema (and JavaScript) `3.0` is the integer 3.
fn integral_u64<'de, D: Deserializer<'de>>(deserializer: D) -> Result<u64, D::Error> {
    struct Integral;

    impl de::Visitor<'_> for Integral {
        type Value = u64;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a non-negative integer")
        }

        fn visit_u64<E: de::Error>(self, v: u64) -> Result<u64, E> {
            Ok(v)
        }

        fn visit_i64<E: de::Error>(self, v: i64) -> Result<u64, E> {
            u64::try_from(v).map_err(|_| E::invalid_value(Unexpected::Signed(v), &self))
        }

        fn visit_f64<E: de::Error>(self, v: f64) -> Result<u64, E> {
            // 2^64 is the first float past `u64::MAX`; `as` is exact below it for integral values.
            if v.fract() == 0.0 && (0.0..18_446_744_073_709_551_616.0).contains(&v) {
                Ok(v as u64)
            } else {
                Err(E::invalid_value(Unexpected::Float(v), &self))
            }
        }
    }

    deserializer.deserialize_any(Integral)
}

/// [`integral_u64`], or `null`.
fn optional_integral_u64<'de, D: Deserializer<'de>>(
    deserializer: D,
) -> Result<Option<u64>, D::Error> {
    #[derive(Deserialize)]
    struct Integral(#[serde(deserialize_with = "integral_u64")] u64);
    Option::<Integral>::deserialize(deserializer).map(|v| v.map(|Integral(v)| v))
}

#[cfg(test)]
mod tests {
    use super::{ConversationStatus, ReadRequest, UpdateConversation};

    #[test]
    fn an_assignee_absent_differs_from_null() {
        for (json, status, assignee) in [
            (
                r#"{"status":"resolved"}"#,
                Some(ConversationStatus::Resolved),
                None,
            ),
            (r#"{"assignee_id":null}"#, None, Some(None)),
            (r#"{"assignee_id":"s1"}"#, None, Some(Some("s1".to_owned()))),
        ] {
            let update: UpdateConversation = serde_json::from_str(json).unwrap();
            assert_eq!(
                (update.status, update.assignee_id.clone()),
                (status, assignee),
                "{json}"
            );
            let again = serde_json::to_string(&update).unwrap();
            assert_eq!(
                serde_json::from_str::<UpdateConversation>(&again).unwrap(),
                update
            );
        }
    }

    #[test]
    fn read_positions_take_integral_floats_only() {
        let seq = |json: &str| serde_json::from_str::<ReadRequest>(json).map(|r| r.seq);
        assert_eq!(seq(r#"{"seq":7}"#).unwrap(), 7);
        assert_eq!(seq(r#"{"seq":7.0}"#).unwrap(), 7);
        assert_eq!(seq(r#"{"seq":18446744073709551615}"#).unwrap(), u64::MAX);
        for bad in [
            r#"{"seq":7.5}"#,
            r#"{"seq":-1}"#,
            r#"{"seq":"7"}"#,
            r#"{"seq":1e20}"#,
        ] {
            assert!(seq(bad).is_err(), "{bad}");
        }
    }
}

/// What a webhook endpoint may be sent (issue 20). `message.created` covers visitor
/// and staff messages, and internal notes only for endpoints that opt in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum WebhookEvent {
    #[serde(rename = "conversation.created")]
    ConversationCreated,
    /// Its status, assignee or labels changed.
    #[serde(rename = "conversation.updated")]
    ConversationUpdated,
    #[serde(rename = "message.created")]
    MessageCreated,
    #[serde(rename = "message.deleted")]
    MessageDeleted,
    /// The visitor's name or email changed.
    #[serde(rename = "visitor.updated")]
    VisitorUpdated,
    /// The visitor and their data were erased.
    #[serde(rename = "visitor.deleted")]
    VisitorDeleted,
}

impl WebhookEvent {
    pub const ALL: [Self; 6] = [
        Self::ConversationCreated,
        Self::ConversationUpdated,
        Self::MessageCreated,
        Self::MessageDeleted,
        Self::VisitorUpdated,
        Self::VisitorDeleted,
    ];

    /// The name on the wire, e.g. `message.created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ConversationCreated => "conversation.created",
            Self::ConversationUpdated => "conversation.updated",
            Self::MessageCreated => "message.created",
            Self::MessageDeleted => "message.deleted",
            Self::VisitorUpdated => "visitor.updated",
            Self::VisitorDeleted => "visitor.deleted",
        }
    }

    pub fn parse(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|e| e.as_str() == name)
    }
}

/// A webhook endpoint of the organization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub events: Vec<WebhookEvent>,
    /// Whether `message.created` includes internal notes (`data.internal` is `true` then).
    pub include_notes: bool,
    /// A disabled endpoint is sent nothing new.
    pub enabled: bool,
    /// When a delivery to it was last given up, until one is delivered again (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub failing_since: Option<i64>,
    pub created_at: i64,
    /// The signing secret: only in the answer to its creation or to a rotation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

/// `GET /api/v1/webhooks`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Webhooks {
    pub webhooks: Vec<Webhook>,
}

/// `POST /api/v1/webhooks`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewWebhook {
    /// An https URL (plain http only on loopback, when the server allows it), at most
    /// 2000 characters; private and loopback addresses are refused unless allowed.
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, pattern = r"^https?://[^\s]+$")
    )]
    pub url: String,
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Vec<WebhookEvent>,
    #[serde(default)]
    pub include_notes: bool,
}

/// `PATCH /api/v1/webhooks/{id}`: what to change (absent: unchanged).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct UpdateWebhook {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(
        feature = "openapi",
        schema(max_length = 2000, pattern = r"^https?://[^\s]+$")
    )]
    pub url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(min_items = 1))]
    pub events: Option<Vec<WebhookEvent>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub include_notes: Option<bool>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// `true`: a new secret, shown in the answer; the old one stops signing at once.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rotate_secret: Option<bool>,
}

/// Where a delivery stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum DeliveryStatus {
    /// Not yet delivered: waiting for its turn or for a retry.
    Pending,
    /// The endpoint answered 2xx.
    Delivered,
    /// Given up after about a day of retries, or refused for good.
    Failed,
}

/// One event sent (or being sent) to one endpoint.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDelivery {
    pub id: String,
    /// The event's id (`Natter-Webhook-Id`), the same in every attempt and redelivery.
    pub event_id: String,
    pub event_type: String,
    pub status: DeliveryStatus,
    pub attempts: u32,
    /// The last attempt's HTTP status, if the endpoint answered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_status: Option<u16>,
    /// The last attempt's time to the answer (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_ms: Option<u64>,
    /// The start of the last answer's body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response_excerpt: Option<String>,
    /// Why the last attempt failed, when it did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: i64,
    /// When it was delivered or given up (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub done_at: Option<i64>,
    /// When it is tried next, while pending (ms).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<i64>,
}

/// `GET /api/v1/webhooks/{id}/deliveries`: the most recent first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct WebhookDeliveries {
    pub deliveries: Vec<WebhookDelivery>,
}

/// An API token (issue 20): it acts as a member of the organization with its role, for
/// integrations that fetch or reply; what it sends shows its name as the sender.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiToken {
    pub id: String,
    pub name: String,
    pub role: StaffRole,
    /// Who made it.
    pub created_by: String,
    pub created_at: i64,
    /// After this it signs nothing in (ms); absent: never expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<i64>,
    /// When it was last used (ms, to the minute).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_used_at: Option<i64>,
    /// The token itself (`nk_…`): only in the answer to its creation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
}

/// `GET /api/v1/api-tokens`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApiTokens {
    pub api_tokens: Vec<ApiToken>,
}

/// `POST /api/v1/api-tokens`
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct NewApiToken {
    /// 1–120 characters, shown as the sender of what it sends.
    #[cfg_attr(
        feature = "openapi",
        schema(
            pattern = r"^[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB](?:[^\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB]{0,118}[^\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000\x00-\x1F\x7F-\x9F\xAD\u0600-\u0605\u061C\u06DD\u070F\u0890\u0891\u08E2\u180E\u200B-\u200F\u202A-\u202E\u2060-\u2064\u2066-\u206F\uFEFF\uFFF9-\uFFFB])?[\t\n\x0B\f\r \x85\xA0\u1680\u2000-\u200A\u2028\u2029\u202F\u205F\u3000]*$"
        )
    )]
    pub name: String,
    /// An owner token only by an owner.
    pub role: StaffRole,
    /// Expires this many days from now (1–3650); absent: never.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 3650))]
    pub expires_in_days: Option<u32>,
}
