//! The inbox's reactive state, provided once as context and read by every component.

use crate::model::{Connection, ConvList, Thread, View};
use leptos::prelude::*;
use natter_protocol::{
    AccountSettings, CannedResponse, ConvId, ConversationDetail, ConversationStatus, Label,
    LoginResponse, TeamMember,
};

/// What the inbox shows: the conversations, or one of the settings pages, each at its
/// own address (`/inbox/`, `/inbox/settings/websites`, `…/team`, `…/profile`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Page {
    Conversations,
    Websites,
    Team,
    /// Webhooks and API tokens (owners and admins).
    Integrations,
    Profile,
}

impl Page {
    /// The page's address under `/inbox/`.
    pub fn path(self) -> &'static str {
        match self {
            Self::Conversations => "/inbox/",
            Self::Websites => "/inbox/settings/websites",
            Self::Team => "/inbox/settings/team",
            Self::Integrations => "/inbox/settings/integrations",
            Self::Profile => "/inbox/settings/profile",
        }
    }

    /// The page an address names (anything unknown: the conversations).
    pub fn from_path(path: &str) -> Self {
        match path.trim_end_matches('/') {
            "/inbox/settings/websites" | "/inbox/settings" => Self::Websites,
            "/inbox/settings/team" => Self::Team,
            "/inbox/settings/integrations" => Self::Integrations,
            "/inbox/settings/profile" => Self::Profile,
            _ => Self::Conversations,
        }
    }
}
use std::collections::VecDeque;

/// Handles to every piece of shared state; `Copy`, so closures capture it freely.
#[derive(Clone, Copy)]
pub struct Inbox {
    /// The signed-in staff member and token; `None` shows the sign-in page.
    pub session: RwSignal<Option<LoginResponse>>,
    /// Shown on the sign-in page, e.g. why the session ended.
    pub notice: RwSignal<Option<String>>,
    pub list: RwSignal<ConvList>,
    /// A page of the list is on its way (the list says "Loading…", not "No conversations").
    pub list_loading: RwSignal<bool>,
    /// The list's status filter.
    pub filter: RwSignal<ConversationStatus>,
    /// Whose conversations the list shows.
    pub view: RwSignal<View>,
    /// Only conversations with this label (`None`: any).
    pub label_filter: RwSignal<Option<String>>,
    /// The organization's labels with their colours (`None` until loaded).
    pub labels: RwSignal<Option<Vec<Label>>>,
    /// A message to show once its conversation's log has it (a search result):
    /// the log scrolls to it and marks it, then clears this.
    pub jump: RwSignal<Option<(ConvId, u64)>>,
    pub selected: RwSignal<Option<ConvId>>,
    pub detail: RwSignal<Option<ConversationDetail>>,
    /// The selected conversation's messages and pending replies.
    pub thread: RwSignal<Option<Thread>>,
    /// The visitor typing in the selected conversation, with when it was last heard.
    pub typing: RwSignal<Option<(String, i64)>>,
    /// When staff last told the open conversation's visitor "typing" (ms; 0: not typing).
    pub typing_sent: StoredValue<i64>,
    /// Staff typed before the open conversation was subscribed: told once it is.
    pub typing_held: StoredValue<bool>,
    /// A status change for the selected conversation that arrived while its detail was
    /// still loading: the detail may have been read before it, so it is applied after.
    pub early_status: StoredValue<Option<(ConvId, ConversationStatus)>>,
    pub connection: RwSignal<Connection>,
    /// A transient error shown above the panes.
    pub banner: RwSignal<Option<String>>,
    /// The organization's websites (`None` until loaded).
    pub websites: RwSignal<Option<Vec<AccountSettings>>>,
    /// The organization's members (`None` until loaded).
    pub team: RwSignal<Option<Vec<TeamMember>>>,
    /// The organization's canned replies (`None` until loaded).
    pub canned: RwSignal<Option<Vec<CannedResponse>>>,
    /// Whether the signed-in member set themselves away (`None` until loaded).
    pub away: RwSignal<Option<bool>>,
    /// The page on screen.
    pub page: RwSignal<Page>,
    /// The statuses of `resync` frames sent and not yet answered, oldest first:
    /// answers come back in order and do not name their status.
    pub resyncs: StoredValue<VecDeque<ConversationStatus>>,
    /// Counts the staff socket's frames: a list fetched over HTTP while one arrived is
    /// older than what the socket said, so it is not shown (see `actions::load_list`).
    pub frames_seen: StoredValue<u64>,
}

impl Inbox {
    pub fn new() -> Self {
        Self {
            session: RwSignal::new(None),
            notice: RwSignal::new(None),
            list: RwSignal::new(ConvList::default()),
            list_loading: RwSignal::new(false),
            filter: RwSignal::new(ConversationStatus::Open),
            view: RwSignal::new(View::All),
            label_filter: RwSignal::new(None),
            labels: RwSignal::new(None),
            jump: RwSignal::new(None),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            thread: RwSignal::new(None),
            typing: RwSignal::new(None),
            typing_sent: StoredValue::new(0),
            typing_held: StoredValue::new(false),
            early_status: StoredValue::new(None),
            connection: RwSignal::new(Connection::Connecting),
            banner: RwSignal::new(None),
            websites: RwSignal::new(None),
            team: RwSignal::new(None),
            canned: RwSignal::new(None),
            away: RwSignal::new(None),
            page: RwSignal::new(Page::Conversations),
            resyncs: StoredValue::new(VecDeque::new()),
            frames_seen: StoredValue::new(0),
        }
    }

    /// The current bearer token, without subscribing to changes.
    pub fn token(&self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    /// Whether the signed-in member may change websites and the team (owners and admins).
    pub fn manages_websites(&self) -> bool {
        self.session.with(|s| {
            s.as_ref()
                .is_some_and(|s| matches!(s.staff.role.as_str(), "owner" | "admin"))
        })
    }

    /// Whether the signed-in member is an owner (who alone manages owners).
    pub fn is_owner(&self) -> bool {
        self.session
            .with(|s| s.as_ref().is_some_and(|s| s.staff.role == "owner"))
    }

    /// The signed-in member's id.
    pub fn my_id(&self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.staff.id.clone()))
    }

    /// True when `conv_id` is the conversation on screen.
    pub fn is_selected(&self, conv_id: &ConvId) -> bool {
        self.selected
            .with_untracked(|s| s.as_ref() == Some(conv_id))
    }
}

impl Default for Inbox {
    fn default() -> Self {
        Self::new()
    }
}

/// The inbox state provided by [`crate::components::App`] (or a test).
pub fn use_inbox() -> Inbox {
    expect_context::<Inbox>()
}

#[cfg(test)]
mod tests {
    use super::Page;

    #[test]
    fn each_page_has_an_address_that_names_it() {
        for page in [
            Page::Conversations,
            Page::Websites,
            Page::Team,
            Page::Integrations,
            Page::Profile,
        ] {
            assert_eq!(Page::from_path(page.path()), page);
        }
        for (path, page) in [
            ("/inbox/settings/team/", Page::Team),
            ("/inbox/settings", Page::Websites),
            ("/inbox/settings/nope", Page::Conversations),
            ("/inbox/conversations/abc", Page::Conversations),
            ("", Page::Conversations),
        ] {
            assert_eq!(Page::from_path(path), page, "{path}");
        }
    }
}
