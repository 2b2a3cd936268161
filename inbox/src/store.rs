//! The inbox's reactive state, provided once as context and read by every component.

use crate::model::{Connection, ConvList, Thread};
use leptos::prelude::*;
use natter_protocol::{
    AccountSettings, ConvId, ConversationDetail, ConversationStatus, LoginResponse,
};
use std::collections::VecDeque;

/// Handles to every piece of shared state; `Copy`, so closures capture it freely.
#[derive(Clone, Copy)]
pub struct Inbox {
    /// The signed-in staff member and token; `None` shows the sign-in page.
    pub session: RwSignal<Option<LoginResponse>>,
    /// Shown on the sign-in page, e.g. why the session ended.
    pub notice: RwSignal<Option<String>>,
    pub list: RwSignal<ConvList>,
    /// The list's status filter.
    pub filter: RwSignal<ConversationStatus>,
    pub selected: RwSignal<Option<ConvId>>,
    pub detail: RwSignal<Option<ConversationDetail>>,
    /// The selected conversation's messages and pending replies.
    pub thread: RwSignal<Option<Thread>>,
    /// The visitor typing in the selected conversation, with when it was last heard.
    pub typing: RwSignal<Option<(String, i64)>>,
    /// When staff last told the open conversation's visitor "typing" (ms; 0: not typing).
    pub typing_sent: StoredValue<i64>,
    /// A status change for the selected conversation that arrived while its detail was
    /// still loading: the detail may have been read before it, so it is applied after.
    pub early_status: StoredValue<Option<(ConvId, ConversationStatus)>>,
    pub connection: RwSignal<Connection>,
    /// A transient error shown above the panes.
    pub banner: RwSignal<Option<String>>,
    /// The organization's websites (`None` until loaded).
    pub websites: RwSignal<Option<Vec<AccountSettings>>>,
    /// The websites page is shown instead of the conversations.
    pub show_websites: RwSignal<bool>,
    /// The statuses of `resync` frames sent and not yet answered, oldest first:
    /// answers come back in order and do not name their status.
    pub resyncs: StoredValue<VecDeque<ConversationStatus>>,
}

impl Inbox {
    pub fn new() -> Self {
        Self {
            session: RwSignal::new(None),
            notice: RwSignal::new(None),
            list: RwSignal::new(ConvList::default()),
            filter: RwSignal::new(ConversationStatus::Open),
            selected: RwSignal::new(None),
            detail: RwSignal::new(None),
            thread: RwSignal::new(None),
            typing: RwSignal::new(None),
            typing_sent: StoredValue::new(0),
            early_status: StoredValue::new(None),
            connection: RwSignal::new(Connection::Connecting),
            banner: RwSignal::new(None),
            websites: RwSignal::new(None),
            show_websites: RwSignal::new(false),
            resyncs: StoredValue::new(VecDeque::new()),
        }
    }

    /// The current bearer token, without subscribing to changes.
    pub fn token(&self) -> Option<String> {
        self.session
            .with_untracked(|s| s.as_ref().map(|s| s.token.clone()))
    }

    /// Whether the signed-in member may change websites (owners and admins).
    pub fn manages_websites(&self) -> bool {
        self.session.with(|s| {
            s.as_ref()
                .is_some_and(|s| matches!(s.staff.role.as_str(), "owner" | "admin"))
        })
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
