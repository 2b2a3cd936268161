//! What survives a reload, in the host page's localStorage (first-party: the widget runs in
//! the page, not in a third-party iframe, so nothing is partitioned away).

use crate::state::Session;
use serde::{Deserialize, Serialize};

/// The visitor's conversation and what they had not sent yet. Not a wire type: a local record.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub conv_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    /// The website's id of the verified contact `token` belongs to (`Natter.setUser`
    /// with a `user_hash`): their token outlives each conversation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Pre-fills the lead form of a new conversation.
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub email: String,
    /// The last staff message the visitor has seen, for the unread count.
    #[serde(default)]
    pub read_seq: u64,
    /// Messages not acknowledged yet, `(client_msg_id, text)`: resent after a reload.
    #[serde(default)]
    pub outbox: Vec<(String, String)>,
    /// The files of those of them that carry some, `(client_msg_id, files)`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub outbox_files: Vec<(String, Vec<natter_protocol::Attachment>)>,
}

impl Saved {
    /// The conversation this browser is in, if it has one and its token.
    pub fn session(&self) -> Option<Session> {
        match (&self.conv_id, &self.token) {
            (Some(conv_id), Some(token)) => Some(Session {
                conv_id: conv_id.as_str().into(),
                token: token.clone(),
            }),
            _ => None,
        }
    }

    /// The visitor is a contact the website vouched for (their token outlives conversations).
    pub fn verified(&self) -> bool {
        self.user_id.is_some() && self.token.is_some()
    }
}

/// localStorage under keys namespaced by org and account, so two widgets never collide.
#[derive(Clone, Debug)]
pub struct Store {
    key: String,
}

impl Store {
    pub fn new(org: &str, account: &str) -> Self {
        Self {
            key: format!("natter:{org}:{account}"),
        }
    }

    /// The key the state is stored under.
    pub fn key(&self) -> &str {
        &self.key
    }

    fn storage() -> Option<web_sys::Storage> {
        // Storage can be disabled (privacy modes): the widget then works for the page's life.
        web_sys::window()?.local_storage().ok()?
    }

    pub fn load(&self) -> Saved {
        Self::storage()
            .and_then(|s| s.get_item(&self.key).ok()?)
            .and_then(|json| natter_client::json::parse(&json))
            .unwrap_or_default()
    }

    pub fn save(&self, saved: &Saved) {
        if let (Some(storage), Some(json)) =
            (Self::storage(), natter_client::json::stringify(saved))
        {
            _ = storage.set_item(&self.key, &json);
        }
    }

    /// Changes the saved record in place.
    pub fn update(&self, change: impl FnOnce(&mut Saved)) {
        let mut saved = self.load();
        change(&mut saved);
        self.save(&saved);
    }

    /// Forgets the visitor entirely.
    pub fn clear(&self) {
        if let Some(storage) = Self::storage() {
            _ = storage.remove_item(&self.key);
        }
    }

    /// The theme colour, read by the loader so the launcher has it before the app loads.
    pub fn save_theme(&self, colour: &str) {
        if let Some(storage) = Self::storage() {
            _ = storage.set_item(&format!("{}:theme", self.key), colour);
        }
    }

    /// The launcher's side (`left`, `right`), read by the loader too.
    pub fn save_position(&self, side: &str) {
        if let Some(storage) = Self::storage() {
            _ = storage.set_item(&format!("{}:position", self.key), side);
        }
    }

    /// The account's light/dark choice (`auto`, `light`, `dark`), read by the loader too.
    pub fn save_look(&self, look: &str) {
        if let Some(storage) = Self::storage() {
            _ = storage.set_item(&format!("{}:look", self.key), look);
        }
    }
}
