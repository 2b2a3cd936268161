//! Conversations and their messages: visitor messages, staff replies, history,
//! read positions, the inbox list and status changes.

use crate::auth::{Principal, StaffAuth};
use crate::chat::{self, messages::Posted};
use crate::http::error::{ApiError, ApiResult, Json, Path, Query};
use crate::http::extract::ClientIp;
use crate::http::responses::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, RateLimited, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use crate::store::ListCursor;
use axum::Router;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use natter_protocol::error_code;
use natter_protocol::{
    ConversationDetail, ConversationList, ConversationStatus, MessageEnvelope, MessageList,
    PostMessage, ReadRequest, Transcript, TranscriptEmailQueued, TranscriptEmailRequest,
    TranscriptFormat, UpdateConversation,
};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/conversations", get(list))
        .route("/conversations/{conv_id}", get(detail).patch(update))
        .route(
            "/conversations/{conv_id}/messages",
            get(history).post(post_message),
        )
        .route(
            "/conversations/{conv_id}/messages/{message_id}",
            delete(delete_message),
        )
        .route("/conversations/{conv_id}/replies", post(post_reply))
        .route("/conversations/{conv_id}/transcript", get(transcript))
        .route(
            "/conversations/{conv_id}/transcript-email",
            post(email_transcript),
        )
        .route("/conversations/{conv_id}/read", post(mark_read))
}

/// A message as the answer: 201 when this call stored it, 200 for the one stored
/// earlier under the same `client_msg_id`.
fn posted(posted: Posted) -> (StatusCode, Json<MessageEnvelope>) {
    let status = if posted.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    let envelope = MessageEnvelope {
        message: posted.message,
    };
    (status, Json(envelope))
}

/// A visitor writes into its conversation; the same `client_msg_id` again answers
/// the original message.
#[utoipa::path(post, path = "/api/v1/conversations/{conv_id}/messages", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("visitor" = [])),
    request_body = PostMessage,
    responses(
        (status = 201, description = "The message, stored", body = MessageEnvelope),
        (status = 200, description = "The message stored earlier under this `client_msg_id`",
            body = MessageEnvelope),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn post_message(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    principal: Principal,
    Path(conv_id): Path<String>,
    Json(body): Json<PostMessage>,
) -> ApiResult<(StatusCode, Json<MessageEnvelope>)> {
    let Principal::Visitor(visitor) = &principal else {
        return Err(ApiError::Forbidden(
            "staff members answer through /conversations/{conv_id}/replies",
        ));
    };
    // Access first, so that nobody spends a quota on a conversation they cannot open.
    chat::access::conversation(&state, &principal, &conv_id).await?;
    let limits = &state.settings.limits;
    state
        .limiter
        .check("message", &visitor.id, limits.rate_messages)
        .await?;
    // Visitors are cheap to make (a lead each): their address shares one quota too.
    state
        .limiter
        .check("message_ip", &ip.to_string(), limits.rate_messages_per_ip)
        .await?;
    let message = chat::messages::post(&state, &principal, &conv_id, body).await?;
    Ok(posted(message))
}

/// A staff member answers. The sender is the authenticated member, never the body.
#[utoipa::path(post, path = "/api/v1/conversations/{conv_id}/replies", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("staff" = [])),
    request_body = PostMessage,
    responses(
        (status = 201, description = "The reply, stored", body = MessageEnvelope),
        (status = 200, description = "The reply stored earlier under this `client_msg_id`",
            body = MessageEnvelope),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn post_reply(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
    Json(body): Json<PostMessage>,
) -> ApiResult<(StatusCode, Json<MessageEnvelope>)> {
    let principal = Principal::Staff(auth.staff);
    let message = chat::messages::post(&state, &principal, &conv_id, body).await?;
    Ok(posted(message))
}

/// Deletes a message: its text is erased from storage, its `seq` stays as a tombstone
/// that both sides see at once. Staff delete any message; a visitor their own, in the
/// 10 minutes after sending it. Deleting it again answers the tombstone.
#[utoipa::path(delete, path = "/api/v1/conversations/{conv_id}/messages/{message_id}", tag = "conversations",
    params(
        ("conv_id" = String, Path, description = "The conversation"),
        ("message_id" = String, Path, description = "The message"),
    ),
    security(("visitor" = []), ("staff" = [])),
    responses(
        (status = 200, description = "The tombstone", body = MessageEnvelope),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn delete_message(
    State(state): State<AppState>,
    principal: Principal,
    Path((conv_id, message_id)): Path<(String, String)>,
) -> ApiResult<Json<MessageEnvelope>> {
    if let Principal::Visitor(visitor) = &principal {
        let quota = state.settings.limits.rate_messages;
        state.limiter.check("message", &visitor.id, quota).await?;
    }
    let message = chat::messages::delete(&state, &principal, &conv_id, &message_id).await?;
    Ok(Json(MessageEnvelope { message }))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct HistoryQuery {
    /// Only messages after this `seq`.
    #[serde(default)]
    #[param(maximum = 18446744073709551615u64)]
    after_seq: u64,
    /// Only messages before this `seq`: the newest `limit` of them (paging back).
    #[param(nullable = false, maximum = 18446744073709551615u64)]
    before_seq: Option<u64>,
    /// At most this many messages, 1–500 (100 by default).
    #[param(nullable = false, minimum = 1, maximum = 500)]
    limit: Option<u32>,
}

const MAX_PAGE: u32 = 500;

fn page_size(limit: Option<u32>, default: u32, max: u32) -> ApiResult<u32> {
    match limit.unwrap_or(default) {
        n if (1..=max).contains(&n) => Ok(n),
        _ => Err(ApiError::bad_request(
            error_code::INVALID_QUERY,
            format!("limit must be between 1 and {max}"),
        )),
    }
}

/// A conversation's messages, ascending by `seq`.
#[utoipa::path(get, path = "/api/v1/conversations/{conv_id}/messages", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation"), HistoryQuery),
    security(("visitor" = []), ("staff" = [])),
    responses(
        (status = 200, description = "The messages", body = MessageList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn history(
    State(state): State<AppState>,
    principal: Principal,
    Path(conv_id): Path<String>,
    Query(query): Query<HistoryQuery>,
) -> ApiResult<Json<MessageList>> {
    let range = chat::conversations::Range {
        after_seq: query.after_seq,
        before_seq: query.before_seq,
        limit: page_size(query.limit, 100, MAX_PAGE)?,
    };
    let list = chat::conversations::history(&state, &principal, &conv_id, range).await?;
    Ok(Json(list))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub(crate) struct TranscriptQuery {
    /// `json` (default) or `text`.
    #[param(nullable = false)]
    format: Option<TranscriptFormat>,
}

/// The whole conversation, to keep or send on (staff of its organization): JSON, or
/// plain text with a line per message; as a file to download.
#[utoipa::path(get, path = "/api/v1/conversations/{conv_id}/transcript", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation"), TranscriptQuery),
    security(("staff" = [])),
    responses(
        (status = 200, description = "The transcript", content(
            (Transcript = "application/json"),
            (String = "text/plain"),
        )),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn transcript(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
    Query(query): Query<TranscriptQuery>,
) -> ApiResult<Response> {
    let transcript = chat::conversations::transcript(&state, &auth.staff, &conv_id).await?;
    let name = |ext: &str| {
        format!(
            "attachment; filename=\"conversation-{}.{ext}\"",
            transcript.conversation.summary.conv_id
        )
    };
    Ok(match query.format.unwrap_or_default() {
        TranscriptFormat::Json => {
            let disposition = name("json");
            (
                [(header::CONTENT_DISPOSITION, disposition)],
                Json(transcript),
            )
                .into_response()
        }
        TranscriptFormat::Text => (
            [
                (header::CONTENT_TYPE, "text/plain; charset=utf-8".to_owned()),
                (header::CONTENT_DISPOSITION, name("txt")),
            ],
            chat::conversations::transcript_text(&transcript),
        )
            .into_response(),
    })
}

/// The visitor asks for their conversation by email (to the address given, or the one
/// they left): its messages as they saw them, never an internal note. 409 `email_off`
/// when the server sends no email.
#[utoipa::path(post, path = "/api/v1/conversations/{conv_id}/transcript-email", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("visitor" = [])),
    request_body = TranscriptEmailRequest,
    responses(
        (status = 202, description = "On its way", body = TranscriptEmailQueued),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 409, response = Conflict),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn email_transcript(
    State(state): State<AppState>,
    principal: Principal,
    Path(conv_id): Path<String>,
    Json(body): Json<TranscriptEmailRequest>,
) -> ApiResult<(StatusCode, Json<TranscriptEmailQueued>)> {
    let queued = chat::transcripts::request(&state, &principal, &conv_id, body).await?;
    Ok((StatusCode::ACCEPTED, Json(queued)))
}

/// Moves the caller's side's read position forward (never back, never past the last message).
#[utoipa::path(post, path = "/api/v1/conversations/{conv_id}/read", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("visitor" = []), ("staff" = [])),
    request_body = ReadRequest,
    responses(
        (status = 204, description = "Stored"),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
        (status = 429, response = RateLimited),
    ))]
pub(crate) async fn mark_read(
    State(state): State<AppState>,
    principal: Principal,
    Path(conv_id): Path<String>,
    Json(body): Json<ReadRequest>,
) -> ApiResult<StatusCode> {
    let quota = state.settings.limits.rate_reads;
    state.limiter.check("read", principal.id(), quota).await?;
    chat::reads::mark_read(&state, &principal, &conv_id, body.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// Only conversations with this status.
    #[param(nullable = false)]
    status: Option<ConversationStatus>,
    /// Only conversations assigned to: `me`, `none` (nobody), or a member's id.
    #[param(nullable = false, pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    assignee: Option<String>,
    /// Only conversations with this label.
    #[param(nullable = false, pattern = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,31}$")]
    label: Option<String>,
    /// The previous page's `next_cursor`; empty for the first page.
    #[param(
        nullable = false,
        pattern = r"^(?:[+-]?[0-9]{1,18}_[A-Za-z0-9-]{1,64})?$"
    )]
    cursor: Option<String>,
    /// At most this many conversations, 1–100 (50 by default).
    #[param(nullable = false, minimum = 1, maximum = 100)]
    limit: Option<u32>,
}

/// The organization's conversations, latest activity first.
#[utoipa::path(get, path = "/api/v1/conversations", tag = "conversations",
    params(ListQuery),
    security(("staff" = [])),
    responses(
        (status = 200, description = "A page of conversations", body = ConversationList),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn list(
    State(state): State<AppState>,
    auth: StaffAuth,
    Query(query): Query<ListQuery>,
) -> ApiResult<Json<ConversationList>> {
    let cursor = match query.cursor.as_deref().filter(|c| !c.is_empty()) {
        Some(raw) => Some(ListCursor::parse(raw).ok_or(ApiError::bad_request(
            error_code::INVALID_CURSOR,
            "cursor is not valid",
        ))?),
        None => None,
    };
    let limit = page_size(query.limit, 50, 100)?;
    if let Some(assignee) = &query.assignee {
        let valid = (1..=64).contains(&assignee.len())
            && assignee
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(ApiError::bad_request(
                error_code::INVALID_QUERY,
                "assignee is `me`, `none` or a member's id",
            ));
        }
    }
    let label = match query.label.as_deref() {
        Some(raw) => Some(natter_protocol::validate::label(raw).map_err(|_| {
            ApiError::bad_request(error_code::INVALID_QUERY, "label is not a label's name")
        })?),
        None => None,
    };
    let (conversations, next) = chat::conversations::list(
        &state,
        &auth.staff,
        query.status,
        query.assignee.as_deref(),
        label.as_deref(),
        cursor.as_ref(),
        limit,
    )
    .await?;
    Ok(Json(ConversationList {
        conversations,
        next_cursor: next.map(|c| c.encode()),
    }))
}

/// A conversation with its visitor's details and both read positions.
#[utoipa::path(get, path = "/api/v1/conversations/{conv_id}", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("staff" = [])),
    responses(
        (status = 200, description = "The conversation", body = ConversationDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
    ))]
pub(crate) async fn detail(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
) -> ApiResult<Json<ConversationDetail>> {
    let principal = Principal::Staff(auth.staff);
    let detail = chat::conversations::detail(&state, &principal, &conv_id).await?;
    Ok(Json(detail))
}

/// Resolves or re-opens a conversation, and assigns it to a member of the organization
/// (`assignee_id`; `null` unassigns; 422 `invalid_assignee_id` for anyone else). Staff
/// sockets hear `assigned` at once.
#[utoipa::path(patch, path = "/api/v1/conversations/{conv_id}", tag = "conversations",
    params(("conv_id" = String, Path, description = "The conversation")),
    security(("staff" = [])),
    request_body = UpdateConversation,
    responses(
        (status = 200, description = "The conversation", body = ConversationDetail),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
        (status = 404, response = NotFound),
        (status = 413, response = PayloadTooLarge),
        (status = 415, response = UnsupportedMediaType),
        (status = 422, response = Unprocessable),
    ))]
pub(crate) async fn update(
    State(state): State<AppState>,
    auth: StaffAuth,
    Path(conv_id): Path<String>,
    Json(body): Json<UpdateConversation>,
) -> ApiResult<Json<ConversationDetail>> {
    let principal = Principal::Staff(auth.staff);
    let detail = chat::conversations::update(&state, &principal, &conv_id, body).await?;
    Ok(Json(detail))
}
