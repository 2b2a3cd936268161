//! The one application state every handler and socket shares.

use crate::config::Settings;
use crate::hub::Hub;
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::watch;

#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub hub: Hub,
    pub settings: Arc<Settings>,
    pub limiter: crate::limits::Limiter,
    pub sockets_per_ip: crate::limits::SocketCounter,
    /// Sockets subscribed per visitor (one per open tab), on this instance.
    pub sockets_per_visitor: crate::limits::SocketCounter<String>,
    /// Where password hashes are checked, a few at a time.
    pub passwords: crate::auth::PasswordChecks,
    /// The cross-instance bus, when Redis is configured.
    pub bus: Option<crate::bus::Status>,
    /// Origins the website accounts refused, for their owners to see.
    pub refusals: Arc<crate::origin::Refusals>,
    /// The first run's one-time setup, while nobody can sign in yet.
    pub setup: Arc<crate::setup::SetupGate>,
    /// Outgoing email, when an SMTP server is configured.
    pub mailer: Option<Arc<crate::mail::Mailer>>,
    /// Browser notifications to staff, signed with this deployment's VAPID key.
    pub pusher: Arc<crate::push::Pusher>,
    /// Where attachments' bytes are kept.
    pub files: Arc<crate::files::Files>,
    /// Sends the webhook deliveries.
    pub webhooks: Arc<crate::webhooks::Dispatcher>,
    /// Flips to `true` when the server is shutting down.
    pub shutdown: watch::Receiver<bool>,
}
