//! Search: an organization's conversations by what was said and who said it.

use super::conversations::assignee_filter;
use crate::http::error::ApiResult;
use crate::state::AppState;
use crate::store::{Search, search_terms};
use natter_protocol::{ConversationStatus, SearchResults, StaffMember};

/// A search as asked, before validation of its words.
pub struct Query<'a> {
    pub q: &'a str,
    pub status: Option<ConversationStatus>,
    pub assignee: Option<&'a str>,
    pub label: Option<&'a str>,
    pub from: Option<i64>,
    pub to: Option<i64>,
    pub offset: u32,
    pub limit: u32,
}

/// One page of `staff`'s organization's conversations matching `query`: on the first
/// page those whose visitor's name or email matches, then messages, best first.
pub async fn search(
    state: &AppState,
    staff: &StaffMember,
    query: Query<'_>,
) -> ApiResult<SearchResults> {
    let search = Search {
        org_id: staff.org_id.clone(),
        terms: search_terms(query.q),
        status: query.status,
        assignee: assignee_filter(staff, query.assignee),
        label: query.label.map(|l| l.trim().to_lowercase()),
        from: query.from,
        to: query.to,
        offset: query.offset,
        limit: query.limit,
    };
    let results = state.store.search(&search).await?;
    let messages = results.iter().filter(|r| r.seq > 0).count();
    let next_cursor =
        (messages == query.limit as usize).then(|| (query.offset + query.limit).to_string());
    Ok(SearchResults {
        results,
        next_cursor,
    })
}
