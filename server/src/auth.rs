//! Tokens, passwords and the authenticated principal.
//!
//! Tokens are 256 random bits, handed out once and stored only as their SHA-256,
//! so a database leak yields no usable token; lookups are by digest, which leaks
//! nothing usable through timing. Passwords are hashed with argon2id.

use crate::http::error::ApiError;
use crate::store::{ConversationOwner, Lookup, StaffSession, Store, StoreResult, VisitorIdentity};
use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString};
use base64::Engine;
use natter_protocol::StaffMember;
use rand::RngCore;
use sha2::{Digest, Sha256};
use std::sync::LazyLock;

const VISITOR_PREFIX: &str = "nv_";
const STAFF_PREFIX: &str = "ns_";
const INVITATION_PREFIX: &str = "ni_";
const API_TOKEN_PREFIX: &str = "nk_";
/// Prefix of the codes in emails to visitors (a chat link, an unsubscribe link).
pub const LINK_PREFIX: &str = "nl_";

fn random_token(prefix: &str) -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    format!(
        "{prefix}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

pub fn new_visitor_token() -> String {
    random_token(VISITOR_PREFIX)
}

pub fn new_staff_token() -> String {
    random_token(STAFF_PREFIX)
}

/// An API token, for an integration (shown once, stored as its digest).
pub fn new_api_token() -> String {
    random_token(API_TOKEN_PREFIX)
}

/// Whether `token` is an API token.
pub fn is_api_token(token: &str) -> bool {
    token.starts_with(API_TOKEN_PREFIX)
}

/// What an API token may call: the organization's conversations and what goes with
/// them (search, labels, canned replies, visitors), its websites, team list and
/// webhooks. Not a member's own settings, sessions or notifications, and not tokens.
pub fn api_token_may_call(path: &str) -> bool {
    const ALLOWED: [&str; 8] = [
        "/api/v1/conversations",
        "/api/v1/search",
        "/api/v1/labels",
        "/api/v1/canned-responses",
        "/api/v1/visitors",
        "/api/v1/accounts",
        "/api/v1/staff",
        "/api/v1/webhooks",
    ];
    ALLOWED.iter().any(|prefix| {
        path.strip_prefix(prefix)
            .is_some_and(|rest| rest.is_empty() || rest.starts_with('/'))
    })
}

/// A one-time code that lets its holder join a team.
pub fn new_invitation_code() -> String {
    random_token(INVITATION_PREFIX)
}

/// A code for a link in an email to a visitor.
pub fn new_link_code() -> String {
    random_token(LINK_PREFIX)
}

/// The digest under which a token is stored.
pub fn token_digest(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn hash_password(password: &str) -> Result<String, String> {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| e.to_string())
}

/// A hash to verify against when the email is unknown, so both paths cost the same.
static DUMMY_HASH: LazyLock<String> =
    LazyLock::new(|| hash_password("natter-dummy").unwrap_or_default());

/// Verifies `password` against `hash`, or against a dummy hash when there is none.
pub fn verify_password(password: &str, hash: Option<&str>) -> bool {
    let (hash, real) = match hash {
        Some(h) => (h, true),
        None => (DUMMY_HASH.as_str(), false),
    };
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    verify_reusing_memory(password.as_bytes(), &parsed).unwrap_or(false) && real
}

thread_local! {
    /// Argon2's working memory (~19 MiB), kept by each thread that verifies for its
    /// next check. Allocated afresh each time, glibc kept a freed copy in each of its
    /// arenas: sixteen copies, 470 MiB, on a two-core machine.
    static ARGON2_MEMORY: std::cell::RefCell<Vec<argon2::Block>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

/// Argon2 verification of `password` against a PHC hash, in this thread's memory.
fn verify_reusing_memory(
    password: &[u8],
    hash: &PasswordHash<'_>,
) -> Result<bool, argon2::password_hash::Error> {
    let (Some(salt), Some(expected)) = (hash.salt, hash.hash) else {
        return Ok(false);
    };
    let params = argon2::Params::try_from(hash)?;
    let algorithm = argon2::Algorithm::try_from(hash.algorithm)?;
    let version = hash
        .version
        .map_or(Ok(argon2::Version::default()), argon2::Version::try_from)?;
    let mut salt_bytes = [0u8; 64];
    let salt = salt.decode_b64(&mut salt_bytes)?;
    let argon2 = Argon2::new(algorithm, version, params.clone());
    let computed = ARGON2_MEMORY.with_borrow_mut(|memory| {
        memory.resize(params.block_count(), argon2::Block::default());
        argon2::password_hash::Output::init_with(expected.len(), |out| {
            argon2.hash_password_into_with_memory(password, salt, out, &mut memory[..])?;
            Ok(())
        })
    })?;
    // `Output`'s equality is constant-time.
    Ok(computed == expected)
}

/// The few threads that run Argon2, fed by a short queue.
///
/// Each Argon2 computation needs ~19 MiB: on Tokio's blocking pool (hundreds of
/// threads) a sign-in flood took the server past 1.5 GiB and kept it there. Here at
/// most `threads` run at once, each in the memory its thread keeps
/// (`ARGON2_MEMORY`), so the memory is bounded by `threads × 19 MiB`; a caller
/// finding the queue full gets 503 at once.
#[derive(Clone)]
pub struct PasswordChecks {
    jobs: std::sync::mpsc::SyncSender<Box<dyn FnOnce() + Send>>,
}

/// Seconds a caller refused by a full queue is told to wait.
const PASSWORD_BUSY_RETRY_SECS: u64 = 1;

impl PasswordChecks {
    /// `threads` workers (at least one) and a queue of `queued` jobs waiting for them.
    pub fn new(threads: usize, queued: usize) -> Self {
        let (jobs, rx) = std::sync::mpsc::sync_channel::<Box<dyn FnOnce() + Send>>(queued);
        let rx = std::sync::Arc::new(std::sync::Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            let spawned = std::thread::Builder::new()
                .name(format!("natter-argon2-{i}"))
                .spawn(move || {
                    loop {
                        // The lock is held only to take the next job, never while running it.
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => job(),
                            Err(_) => return, // every sender is gone: the server stopped
                        }
                    }
                });
            if let Err(e) = spawned {
                tracing::error!(error = %e, "could not start a password thread");
            }
        }
        Self { jobs }
    }

    /// Two threads a core, and as many jobs again waiting.
    pub fn for_this_machine() -> Self {
        let cores = std::thread::available_parallelism().map_or(2, usize::from);
        Self::new(2 * cores, 2 * cores)
    }

    /// Runs `work` on a password thread; 503 with `Retry-After` if the queue is full.
    pub async fn run<T: Send + 'static>(
        &self,
        work: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job = Box::new(move || {
            let _ = tx.send(work());
        });
        self.jobs.try_send(job).map_err(|e| match e {
            std::sync::mpsc::TrySendError::Full(_) => ApiError::Busy {
                retry_after_secs: PASSWORD_BUSY_RETRY_SECS,
            },
            std::sync::mpsc::TrySendError::Disconnected(_) => {
                ApiError::Internal("the password threads are gone".into())
            }
        })?;
        rx.await
            .map_err(|_| ApiError::Internal("a password check panicked".into()))
    }
}

/// Who a request or socket speaks for.
#[derive(Clone, Debug)]
pub enum Principal {
    Visitor(VisitorIdentity),
    Staff(StaffMember),
}

impl Principal {
    /// Resolves a token of either kind; `None` when unknown or expired.
    pub async fn from_token(
        store: &Store,
        token: &str,
        lookup: Lookup,
    ) -> StoreResult<Option<Self>> {
        let digest = token_digest(token);
        if token.starts_with(STAFF_PREFIX) {
            Ok(store
                .staff_by_session(&digest, lookup)
                .await?
                .map(|session| Self::Staff(session.staff)))
        } else if token.starts_with(API_TOKEN_PREFIX) {
            Ok(store
                .staff_by_api_token(&digest, lookup)
                .await?
                .map(Self::Staff))
        } else if token.starts_with(VISITOR_PREFIX) {
            Ok(store
                .visitor_by_token(&digest, lookup)
                .await?
                .map(Self::Visitor))
        } else {
            Ok(None)
        }
    }

    /// The staff session behind `token` (read fresh), for a socket that must
    /// close when it ends; `None` for a visitor token or an unknown one.
    pub(crate) async fn staff_session(
        store: &Store,
        token: &str,
    ) -> StoreResult<Option<StaffSession>> {
        if !token.starts_with(STAFF_PREFIX) {
            return Ok(None);
        }
        store
            .staff_by_session(&token_digest(token), Lookup::Fresh)
            .await
    }

    /// The visitor's or staff member's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Visitor(v) => &v.id,
            Self::Staff(s) => &s.id,
        }
    }

    /// The side of a conversation the caller writes on.
    pub fn side(&self) -> natter_protocol::Side {
        match self {
            Self::Visitor(_) => natter_protocol::Side::Visitor,
            Self::Staff(_) => natter_protocol::Side::Staff,
        }
    }

    /// A visitor sees its own conversations; staff see their organization's.
    pub fn can_access(&self, conversation: &ConversationOwner) -> bool {
        match self {
            Self::Visitor(v) => v.id == conversation.visitor_id,
            Self::Staff(s) => s.org_id == conversation.org_id,
        }
    }
}

/// An authenticated staff member (and the digest of the session token used).
pub struct StaffAuth {
    pub staff: StaffMember,
    pub token_digest: String,
}

/// A staff member's role (issue 16): an owner may do everything, an admin manages
/// websites and the team except owners, an agent answers conversations only. A role
/// this server does not know grants what an agent's does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    Agent,
    Admin,
    Owner,
}

impl Role {
    pub const NAMES: [&'static str; 3] = ["owner", "admin", "agent"];

    pub fn of(name: &str) -> Self {
        match name {
            "owner" => Self::Owner,
            "admin" => Self::Admin,
            _ => Self::Agent,
        }
    }
}

/// What some routes need beyond being signed in. Every check of a role is
/// [`StaffAuth::require`], so what each role may do is decided here alone.
#[derive(Clone, Copy, Debug)]
pub enum Permission {
    /// Change a website's settings (colour, greeting, allowed origins…).
    ManageWebsites,
    /// Change a member's role, or remove them (not an owner).
    ManageTeam,
    /// Make someone an owner, or change or remove an owner.
    ManageOwners,
    /// Webhooks and API tokens.
    ManageIntegrations,
}

impl Permission {
    fn least_role(self) -> Role {
        match self {
            Self::ManageWebsites | Self::ManageTeam | Self::ManageIntegrations => Role::Admin,
            Self::ManageOwners => Role::Owner,
        }
    }

    fn refusal(self) -> &'static str {
        match self {
            Self::ManageWebsites => "only an owner or an admin may change a website's settings",
            Self::ManageTeam => "only an owner or an admin may change the team",
            Self::ManageOwners => "only an owner may make, change or remove an owner",
            Self::ManageIntegrations => {
                "only an owner or an admin may manage webhooks and API tokens"
            }
        }
    }
}

impl StaffAuth {
    /// 403 unless this member's role grants `permission`.
    pub fn require(&self, permission: Permission) -> Result<(), ApiError> {
        if Role::of(&self.staff.role) >= permission.least_role() {
            Ok(())
        } else {
            Err(ApiError::Forbidden(permission.refusal()))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_grant_what_issue_16_decided() {
        let cases = [
            // role, websites, team, owners, integrations
            ("owner", true, true, true, true),
            ("admin", true, true, false, true),
            ("agent", false, false, false, false),
            ("", false, false, false, false),
            ("Owner", false, false, false, false),
            ("superuser", false, false, false, false),
        ];
        for (role, websites, team, owners, integrations) in cases {
            let auth = StaffAuth {
                staff: StaffMember {
                    id: "s".into(),
                    org_id: "o".into(),
                    name: "n".into(),
                    email: "e@example.com".into(),
                    role: role.into(),
                },
                token_digest: String::new(),
            };
            for (permission, granted) in [
                (Permission::ManageWebsites, websites),
                (Permission::ManageTeam, team),
                (Permission::ManageOwners, owners),
                (Permission::ManageIntegrations, integrations),
            ] {
                assert_eq!(
                    auth.require(permission).is_ok(),
                    granted,
                    "{role:?} {permission:?}"
                );
            }
        }
    }

    #[test]
    fn api_tokens_call_the_organization_s_data_not_a_member_s_settings() {
        let cases = [
            ("/api/v1/conversations", true),
            ("/api/v1/conversations/c1/replies", true),
            ("/api/v1/search", true),
            ("/api/v1/webhooks/w1/deliveries", true),
            ("/api/v1/staff", true),
            ("/api/v1/me", false),
            ("/api/v1/me/password", false),
            ("/api/v1/push/subscriptions", false),
            ("/api/v1/auth/logout", false),
            ("/api/v1/api-tokens", false),
            ("/api/v1/invitations", false),
            ("/api/v1/conversationsx", false),
            ("/api/v1/mail/test", false),
        ];
        for (path, allowed) in cases {
            assert_eq!(api_token_may_call(path), allowed, "{path}");
        }
        assert!(is_api_token(&new_api_token()));
        assert!(!is_api_token(&new_staff_token()));
    }

    #[test]
    fn tokens_are_random_prefixed_and_digested() {
        let a = new_visitor_token();
        let b = new_visitor_token();
        assert!(a.starts_with("nv_") && a.len() > 40);
        assert_ne!(a, b);
        assert!(new_staff_token().starts_with("ns_"));
        assert_eq!(token_digest(&a).len(), 64);
        assert_ne!(token_digest(&a), token_digest(&b));
    }

    #[tokio::test]
    async fn password_checks_refuse_past_their_queue() {
        let checks = PasswordChecks::new(1, 1);
        let (release, wait) = std::sync::mpsc::channel::<()>();
        let spawn = |work: Box<dyn FnOnce() -> bool + Send>| {
            let checks = checks.clone();
            tokio::spawn(async move { checks.run(work).await })
        };
        let running = spawn(Box::new(move || wait.recv().is_ok()));
        // One running (once the worker takes it), one queued, the next refused.
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        let queued = spawn(Box::new(|| true));
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        match checks.run(|| true).await {
            Err(ApiError::Busy { retry_after_secs }) => assert_eq!(retry_after_secs, 1),
            other => panic!("expected 503, got {other:?}"),
        }
        release.send(()).unwrap();
        assert!(running.await.unwrap().unwrap());
        assert!(queued.await.unwrap().unwrap());
        assert!(checks.run(|| true).await.unwrap(), "free again");
    }

    #[test]
    fn passwords_verify_only_against_their_hash() {
        let hash = hash_password("s3cret").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("s3cret", Some(&hash)));
        assert!(!verify_password("wrong", Some(&hash)));
        assert!(!verify_password("natter-dummy", None));
    }
}
