//! Search across the organization's conversations.

use crate::auth::StaffAuth;
use crate::chat::{self, search::Query as SearchQuery};
use crate::http::error::{ApiError, ApiResult, Json, Query};
use crate::http::responses::{BadRequest, Forbidden, Unauthorized};
use crate::state::AppState;
use axum::Router;
use axum::extract::State;
use axum::routing::get;
use natter_protocol::{ConversationStatus, SearchResults, error_code};
use serde::Deserialize;
use utoipa::IntoParams;

pub fn router() -> Router<AppState> {
    Router::new().route("/search", get(search))
}

/// Pages go this deep at most (a narrower search finds more).
const MAX_OFFSET: u32 = 1000;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub(crate) struct Params {
    /// The words to find, 1–200 characters: each is a word prefix, all must match
    /// (in a message, or in the visitor's name or email). Case and accents are ignored;
    /// spaces around it are not counted, so it needs one character that is not a space.
    #[param(min_length = 1, max_length = 200, pattern = r"\S")]
    q: String,
    /// Only conversations with this status.
    #[param(nullable = false)]
    status: Option<ConversationStatus>,
    /// Only conversations assigned to: `me`, `none` (nobody), or a member's id.
    #[param(nullable = false, pattern = r"^[A-Za-z0-9_-]{1,64}$")]
    assignee: Option<String>,
    /// Only conversations with this label.
    #[param(nullable = false, min_length = 1, max_length = 32)]
    label: Option<String>,
    /// Only messages written at or after this time (ms since the Unix epoch).
    #[param(nullable = false, minimum = 0)]
    from: Option<i64>,
    /// Only messages written before this time (ms since the Unix epoch).
    #[param(nullable = false, minimum = 0)]
    to: Option<i64>,
    /// At most this many results, 1–50 (20 by default).
    #[param(nullable = false, minimum = 1, maximum = 50)]
    limit: Option<u32>,
    /// The previous page's `next_cursor`; empty for the first page.
    #[param(nullable = false, pattern = r"^(?:[0-9]{0,3}|1000)$")]
    cursor: Option<String>,
}

fn invalid(message: &str) -> ApiError {
    ApiError::bad_request(error_code::INVALID_QUERY, message.to_owned())
}

/// Finds conversations by what was said and who said it, best match first: on the
/// first page the conversations whose visitor's name or email matches (`seq` 0),
/// then messages, each with a highlighted snippet. Deleted messages and internal
/// notes are never found.
#[utoipa::path(get, path = "/api/v1/search", tag = "conversations",
    params(Params),
    security(("staff" = [])),
    responses(
        (status = 200, description = "A page of results", body = SearchResults),
        (status = 400, response = BadRequest),
        (status = 401, response = Unauthorized),
        (status = 403, response = Forbidden),
    ))]
pub(crate) async fn search(
    State(state): State<AppState>,
    auth: StaffAuth,
    Query(params): Query<Params>,
) -> ApiResult<Json<SearchResults>> {
    let q = params.q.trim();
    if q.is_empty() || q.chars().count() > 200 {
        return Err(invalid("q must be 1 to 200 characters"));
    }
    let limit = params.limit.unwrap_or(20);
    if !(1..=50).contains(&limit) {
        return Err(invalid("limit must be between 1 and 50"));
    }
    let offset =
        match params.cursor.as_deref().filter(|c| !c.is_empty()) {
            None => 0,
            Some(raw) => raw.parse::<u32>().ok().filter(|o| *o <= MAX_OFFSET).ok_or(
                ApiError::bad_request(error_code::INVALID_CURSOR, "cursor is not valid"),
            )?,
        };
    if let Some(assignee) = &params.assignee {
        let valid = (1..=64).contains(&assignee.len())
            && assignee
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        if !valid {
            return Err(invalid("assignee is `me`, `none` or a member's id"));
        }
    }
    if params
        .label
        .as_ref()
        .is_some_and(|l| l.trim().is_empty() || l.chars().count() > 32)
    {
        return Err(invalid("label must be 1 to 32 characters"));
    }
    if params.from.is_some_and(|t| t < 0) || params.to.is_some_and(|t| t < 0) {
        return Err(invalid("from and to are times in ms since the Unix epoch"));
    }
    let query = SearchQuery {
        q,
        status: params.status,
        assignee: params.assignee.as_deref(),
        label: params.label.as_deref(),
        from: params.from,
        to: params.to,
        offset,
        limit,
    };
    Ok(Json(
        chat::search::search(&state, &auth.staff, query).await?,
    ))
}
