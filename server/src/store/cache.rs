//! Caches in front of the lookups every request makes: token → identity, account
//! settings and conversation ownership. Without them an append costs three reads
//! besides its share of a commit.
//!
//! What is immutable (a conversation's owners) is kept until evicted. A visitor
//! token's identity is kept for [`VISITOR_TTL`], so the database sees an active
//! visitor now and then (its token expires after long disuse). What can change is
//! kept briefly: staff sessions for
//! [`SESSION_TTL`] (a logout clears this instance's entry at once; other instances
//! honour it within that time), account settings for [`ACCOUNT_TTL`], and who answers
//! (the widget header's names and reply time) for [`TEAM_TTL`]. Only
//! hits are cached, so unknown tokens cannot fill the caches, and only lookups on
//! the per-request path use them ([`Lookup`]): a socket authenticates once, so an
//! idle socket costs no cache entry.

use super::{Account, ConversationOwner, Team, VisitorIdentity};
use moka::sync::Cache;
use natter_protocol::StaffMember;
use std::time::Duration;

const SESSION_TTL: Duration = Duration::from_secs(5);
const VISITOR_TTL: Duration = Duration::from_secs(3600);
const ACCOUNT_TTL: Duration = Duration::from_secs(10);
/// Who answers and how fast, for the widget's header: it moves slowly.
const TEAM_TTL: Duration = Duration::from_secs(300);
/// Entries per cache; an entry is a few hundred bytes.
const CAPACITY: u64 = 100_000;

/// Whether a lookup may be answered from, and fill, the cache.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Lookup {
    /// Per request: the hot path.
    Cached,
    /// Once per socket.
    Fresh,
}

#[derive(Clone, Debug)]
pub(super) struct Caches {
    /// Visitor token digest → the visitor.
    pub visitors: Cache<String, VisitorIdentity>,
    /// Staff session digest → the member and the session's expiry (ms).
    pub sessions: Cache<String, (StaffMember, i64)>,
    /// (org_id, account_id) → the account.
    pub accounts: Cache<(String, String), Account>,
    /// Conversation id → who may open it.
    pub owners: Cache<String, ConversationOwner>,
    /// Organization id → who answers its widgets, and how fast.
    pub teams: Cache<String, Team>,
    /// Organization id → whether it has an enabled webhook endpoint. This instance
    /// clears it on every change of its endpoints; others see one within [`ACCOUNT_TTL`].
    pub webhook_orgs: Cache<String, bool>,
}

impl Caches {
    pub fn new() -> Self {
        Self {
            visitors: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(VISITOR_TTL)
                .build(),
            sessions: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(SESSION_TTL)
                .build(),
            accounts: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ACCOUNT_TTL)
                .build(),
            owners: Cache::builder().max_capacity(CAPACITY).build(),
            teams: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(TEAM_TTL)
                .build(),
            webhook_orgs: Cache::builder()
                .max_capacity(CAPACITY)
                .time_to_live(ACCOUNT_TTL)
                .build(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_are_visible_at_once() {
        let caches = Caches::new();
        let visitor = VisitorIdentity {
            id: "v".into(),
            org_id: "o".into(),
            account_id: "a".into(),
            name: "Ana".into(),
            external_id: None,
        };
        for i in 0..3000 {
            caches.visitors.insert(format!("t{i}"), visitor.clone());
        }
        let clone = caches.clone();
        assert!((0..3000).all(|i| clone.visitors.get(&format!("t{i}")).is_some()));
    }
}
