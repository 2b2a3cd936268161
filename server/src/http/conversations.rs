//! Conversations and their messages: visitor messages, staff replies, history,
//! read positions, the inbox list and status changes.

use crate::auth::{Principal, StaffAuth};
use crate::error::{ApiError, ApiResult, Json, Path, Query};
use crate::hub::{Audience, Event};
use crate::limits::ClientIp;
use crate::openapi::{
    BadRequest, Conflict, Forbidden, NotFound, PayloadTooLarge, RateLimited, Unauthorized,
    Unprocessable, UnsupportedMediaType,
};
use crate::state::AppState;
use crate::store::{Appended, Author, ConversationOwner, ListCursor};
use axum::Router;
use axum::extract::State;
use axum::http::StatusCode;
use axum::routing::{get, post};
use natter_protocol::{
    ConvId, ConversationDetail, ConversationList, ConversationStatus, MessageEnvelope, MessageList,
    PostMessage, ReadRequest, ServerFrame, Side, UpdateConversation, validate,
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
        .route("/conversations/{conv_id}/replies", post(post_reply))
        .route("/conversations/{conv_id}/read", post(mark_read))
}

/// The conversation, if `principal` may see it; 404 otherwise, so that nobody
/// learns whether a conversation they cannot open exists.
async fn accessible(
    state: &AppState,
    principal: &Principal,
    conv_id: &str,
) -> ApiResult<ConversationOwner> {
    state
        .store
        .conversation_owner(conv_id)
        .await?
        .filter(|c| principal.can_access(c))
        .ok_or(ApiError::NotFound("conversation"))
}

/// Validates, appends (idempotently) and publishes a message by `author`.
async fn append(
    state: &AppState,
    conversation: &ConversationOwner,
    author: Author,
    body: PostMessage,
) -> ApiResult<(StatusCode, Json<MessageEnvelope>)> {
    let text = validate::text(&body.text)?;
    let client_msg_id = validate::client_msg_id(&body.client_msg_id)?;
    // Commit and publish run to completion in their own task: a client that hangs
    // up mid-request must not leave a committed message unannounced to the sockets.
    let task = tokio::spawn(commit_and_publish(
        state.clone(),
        conversation.org_id.clone(),
        conversation.conv_id(),
        author,
        text,
        client_msg_id,
    ));
    let appended = task
        .await
        .map_err(|err| ApiError::Internal(format!("append task failed: {err}")))??;
    let status = if appended.created {
        StatusCode::CREATED
    } else {
        StatusCode::OK
    };
    Ok((
        status,
        Json(MessageEnvelope {
            message: appended.message,
        }),
    ))
}

async fn commit_and_publish(
    state: AppState,
    org_id: String,
    conv_id: ConvId,
    author: Author,
    text: String,
    client_msg_id: String,
) -> ApiResult<Appended> {
    let appended = state
        .store
        .append_message(&conv_id, &author, &text, &client_msg_id)
        .await?;
    if !appended.created {
        return Ok(appended);
    }
    crate::telemetry::message_committed(appended.message.direction);
    // Committed: now, and only now, tell the sockets.
    let event = |audience, frame| Event {
        org_id: org_id.clone(),
        conv_id: conv_id.clone(),
        audience,
        frame,
    };
    if appended.reopened {
        state.hub.publish(event(
            Audience::Everyone,
            ServerFrame::Conversation {
                conv_id: conv_id.clone(),
                status: ConversationStatus::Open,
                assignee_id: None,
            },
        ));
    }
    state.hub.publish(event(
        Audience::Everyone,
        ServerFrame::Message {
            message: appended.message.clone(),
        },
    ));
    Ok(appended)
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
    let conversation = accessible(&state, &principal, &conv_id).await?;
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
    append(&state, &conversation, Author::visitor(visitor), body).await
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
    let author = Author::staff(&auth.staff);
    let conversation = accessible(&state, &Principal::Staff(auth.staff), &conv_id).await?;
    append(&state, &conversation, author, body).await
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
            "invalid_query",
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
    // Read fresh (not the cached owner): the answer carries the current last_seq.
    let conversation = state
        .store
        .conversation(&conv_id)
        .await?
        .filter(|c| principal.can_access(&c.owner))
        .ok_or(ApiError::NotFound("conversation"))?;
    let limit = page_size(query.limit, 100, MAX_PAGE)?;
    let messages = state
        .store
        .messages(
            &conversation.owner.conv_id(),
            query.after_seq,
            query.before_seq,
            limit,
        )
        .await?;
    let last_seq = messages
        .last()
        .map_or(0, |m| m.seq)
        .max(conversation.last_seq());
    Ok(Json(MessageList {
        messages,
        last_seq,
        staff_read_seq: conversation.staff_read_seq(),
    }))
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
    let (side, caller) = match &principal {
        Principal::Visitor(v) => (Side::Visitor, &v.id),
        Principal::Staff(s) => (Side::Staff, &s.id),
    };
    let quota = state.settings.limits.rate_reads;
    state.limiter.check("read", caller, quota).await?;
    let conversation = accessible(&state, &principal, &conv_id).await?;
    let conv_id = conversation.conv_id();
    crate::actions::mark_read(&state, &conversation.org_id, &conv_id, side, body.seq).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct ListQuery {
    /// Only conversations with this status.
    #[param(nullable = false)]
    status: Option<ConversationStatus>,
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
            "invalid_cursor",
            "cursor is not valid",
        ))?),
        None => None,
    };
    let limit = page_size(query.limit, 50, 100)?;
    let (conversations, next) = state
        .store
        .list_conversations(&auth.staff.org_id, query.status, cursor.as_ref(), limit)
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
    let conversation = accessible(&state, &Principal::Staff(auth.staff), &conv_id).await?;
    let detail = state
        .store
        .conversation_detail(&conversation.conv_id())
        .await?;
    Ok(Json(detail.ok_or(ApiError::NotFound("conversation"))?))
}

/// Resolves or re-opens a conversation.
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
    let conversation = accessible(&state, &Principal::Staff(auth.staff), &conv_id).await?;
    let conv_id: ConvId = conversation.conv_id();
    state.store.set_status(&conv_id, body.status).await?;
    state.hub.publish(Event {
        org_id: conversation.org_id,
        conv_id: conv_id.clone(),
        audience: Audience::Everyone,
        frame: ServerFrame::Conversation {
            conv_id: conv_id.clone(),
            status: body.status,
            assignee_id: None,
        },
    });
    let detail = state.store.conversation_detail(&conv_id).await?;
    Ok(Json(detail.ok_or(ApiError::NotFound("conversation"))?))
}
