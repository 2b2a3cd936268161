//! Command-line flags and `NATTER_*` environment variables.

use crate::limits::Quota;
/// `Settings` names it, so it is public here whatever the store's visibility.
pub use crate::store::SqliteSync;
use crate::store::StoreOptions;
use clap::{Args, Parser, Subcommand};
use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(Debug, Parser)]
#[command(
    name = "natter",
    version,
    about = "Natter: a light, fast live-chat server"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the server.
    Serve(Box<Settings>),
    /// Manage organizations, website accounts and staff.
    Admin {
        #[command(flatten)]
        database: DatabaseArgs,
        #[command(subcommand)]
        command: Box<AdminCommand>,
    },
}

#[derive(Clone, Debug, Args)]
pub struct DatabaseArgs {
    /// `sqlite://path/to/file.db` (the default) or `postgres://user@host/db`.
    #[arg(
        long,
        env = "NATTER_DATABASE_URL",
        default_value = "sqlite://data/natter.db"
    )]
    pub database_url: String,
    /// SQLite's durability: `normal` survives a crash of Natter, `full` also a power loss.
    #[arg(
        long,
        env = "NATTER_SQLITE_SYNCHRONOUS",
        value_enum,
        default_value = "full"
    )]
    pub sqlite_synchronous: SqliteSync,
    /// Largest number of pooled database connections.
    #[arg(long, env = "NATTER_DB_MAX_CONNECTIONS", default_value_t = 8)]
    pub db_max_connections: u32,
    /// SQLite: checkpoint and truncate the write-ahead log once it passes this many MiB
    /// (0: never checkpoint, for a replicator such as Litestream that does it itself).
    #[arg(long, env = "NATTER_SQLITE_WAL_LIMIT_MB", default_value_t = 16)]
    pub sqlite_wal_limit_mb: u64,
}

impl DatabaseArgs {
    pub(crate) fn store_options(&self, max_connections: u32) -> StoreOptions {
        StoreOptions {
            database_url: self.database_url.clone(),
            max_connections,
            sqlite_synchronous: self.sqlite_synchronous,
            sqlite_wal_limit_bytes: self.sqlite_wal_limit_mb << 20,
        }
    }
}

#[derive(Clone, Debug, Args)]
pub struct Settings {
    /// Address to listen on.
    #[arg(long, env = "NATTER_ADDR", default_value = "127.0.0.1:8787")]
    pub addr: SocketAddr,
    #[command(flatten)]
    pub database: DatabaseArgs,
    #[command(flatten)]
    pub limits: LimitArgs,
    /// Seed the demo organization, account and staff member (idempotent).
    #[arg(long, env = "NATTER_DEMO")]
    pub demo: bool,
    /// Redis for fan-out across several instances, e.g. `redis://127.0.0.1:6379`.
    /// Without it, this instance is alone.
    #[arg(long, env = "NATTER_REDIS_URL")]
    pub redis_url: Option<String>,
    /// Prefix of Natter's Redis channel names, so deployments can share a Redis.
    #[arg(long, env = "NATTER_REDIS_PREFIX", default_value = "natter:")]
    pub redis_prefix: String,
    /// This instance's name in metrics and logs (default: random).
    #[arg(long, env = "NATTER_INSTANCE_ID")]
    pub instance_id: Option<String>,
    /// Serve the widget from this folder (trunk's output) instead of the copy built
    /// into the binary: for development.
    #[arg(long, env = "NATTER_WIDGET_DIR")]
    pub widget_dir: Option<PathBuf>,
    /// Serve the staff inbox from this folder (trunk's output) instead of the copy
    /// built into the binary: for development.
    #[arg(long, env = "NATTER_INBOX_DIR")]
    pub inbox_dir: Option<PathBuf>,
    /// How long a staff session lasts, in hours.
    #[arg(long, env = "NATTER_SESSION_HOURS", default_value_t = 24 * 14)]
    pub session_hours: u64,
    /// A visitor token unused for this many days stops working (the visitor starts a
    /// new conversation); 0: never.
    #[arg(long, env = "NATTER_VISITOR_TOKEN_DAYS", default_value_t = 90)]
    pub visitor_token_days: u64,
    /// Leads that never wrote a message are deleted this many days after their visitor
    /// was last seen; 0: kept for ever.
    #[arg(long, env = "NATTER_ABANDONED_LEAD_DAYS", default_value_t = 30)]
    pub abandoned_lead_days: u64,
    /// Frames queued per socket before a client that does not keep up is cut off.
    #[arg(long, env = "NATTER_WS_QUEUE", default_value_t = 256)]
    pub ws_queue: usize,
    /// Drop a socket that sent nothing (not even a pong) for this many seconds.
    #[arg(long, env = "NATTER_WS_IDLE_SECS", default_value_t = 60)]
    pub ws_idle_secs: u64,
    /// Require this bearer token to read `/metrics` (default: open; keep it internal).
    #[arg(long, env = "NATTER_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// Other origins allowed to call the staff API from a browser, comma-separated
    /// (the server's own origin, where the inbox is, always is).
    #[arg(long, env = "NATTER_STAFF_ORIGINS", value_delimiter = ',')]
    pub staff_origins: Vec<String>,
    #[command(flatten)]
    pub mail: MailArgs,
    #[command(flatten)]
    pub push: PushArgs,
    #[command(flatten)]
    pub webhooks: WebhookArgs,
    #[command(flatten)]
    pub files: FileArgs,
}

/// Attachments.
#[derive(Clone, Debug, Args)]
pub struct FileArgs {
    /// Where attachments are kept: `file:///path`, or `s3://bucket?endpoint=…&region=…`
    /// with credentials from the usual `AWS_*` variables (several instances need S3
    /// or a shared directory). Default: `attachments/` beside the SQLite database,
    /// else `data/attachments`.
    #[arg(long, env = "NATTER_STORAGE_URL")]
    pub storage_url: Option<String>,
    /// Largest attachment, in MB.
    #[arg(long, env = "NATTER_MAX_ATTACHMENT_MB", default_value_t = 10)]
    pub max_attachment_mb: u64,
}

impl Default for FileArgs {
    fn default() -> Self {
        Self {
            storage_url: None,
            max_attachment_mb: 10,
        }
    }
}

impl FileArgs {
    pub fn max_bytes(&self) -> u64 {
        self.max_attachment_mb.saturating_mul(1024 * 1024)
    }

    /// The storage URL, the default made from where the database is.
    pub(crate) fn storage_url(&self, database_url: &str) -> Result<String, String> {
        if let Some(url) = self.storage_url.as_deref().filter(|u| !u.trim().is_empty()) {
            return Ok(url.trim().to_owned());
        }
        let dir = database_url
            .strip_prefix("sqlite://")
            .or_else(|| database_url.strip_prefix("sqlite:"))
            .map(|path| path.split('?').next().unwrap_or_default())
            .and_then(|path| std::path::Path::new(path).parent().map(|p| p.to_owned()))
            .unwrap_or_else(|| std::path::PathBuf::from("data"))
            .join("attachments");
        let dir = std::path::absolute(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
        url::Url::from_directory_path(&dir)
            .map(String::from)
            .map_err(|()| format!("{} is not a usable directory", dir.display()))
    }
}

/// Webhooks to the organizations' endpoints.
#[derive(Clone, Debug, Args)]
pub struct WebhookArgs {
    /// Accept endpoints over plain http on loopback, and loopback addresses: for tests
    /// on this machine only.
    #[arg(long, env = "NATTER_WEBHOOK_ALLOW_HTTP")]
    pub webhook_allow_http: bool,
    /// Accept endpoints on private network addresses (10/8, 192.168/16, …): a service
    /// on the same network. Off by default, so an endpoint cannot reach into it.
    #[arg(long, env = "NATTER_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,
    /// Seconds before a failed delivery is retried; the wait doubles after each
    /// failure, up to two hours apart, for about a day.
    #[arg(long, env = "NATTER_WEBHOOK_RETRY_SECS", default_value_t = 10.0)]
    pub webhook_retry_secs: f64,
}

impl WebhookArgs {
    pub(crate) fn policy(&self) -> crate::outbound::Policy {
        crate::outbound::Policy {
            allow_loopback: self.webhook_allow_http,
            allow_private: self.webhook_allow_private,
        }
    }

    pub(crate) fn first_retry(&self) -> Duration {
        Duration::try_from_secs_f64(self.webhook_retry_secs).unwrap_or(Duration::from_secs(10))
    }
}

/// Browser notifications to staff (Web Push).
#[derive(Clone, Debug, Default, Args)]
pub struct PushArgs {
    /// The VAPID private key: the raw P-256 key in base64url, as `npx web-push
    /// generate-vapid-keys` prints it (default: one made on first start and kept in the
    /// database). Browsers subscribed with another key must enable notifications again.
    #[arg(long, env = "NATTER_VAPID_PRIVATE_KEY", hide_env_values = true)]
    pub vapid_private_key: Option<String>,
    /// How push services can reach whoever runs this server: `mailto:…` or an https URL
    /// (default: the address of NATTER_MAIL_FROM, else NATTER_PUBLIC_URL).
    #[arg(long, env = "NATTER_VAPID_SUBJECT")]
    pub vapid_subject: Option<String>,
    /// Accept push endpoints over plain http and on private addresses: for tests on
    /// loopback only.
    #[arg(long, env = "NATTER_PUSH_ALLOW_HTTP")]
    pub push_allow_http: bool,
}

/// Outgoing email. Without `NATTER_SMTP_URL` email is off and everything else works.
#[derive(Clone, Debug, Args)]
pub struct MailArgs {
    /// The SMTP server: `smtp://user:password@host:587?tls=required` (STARTTLS),
    /// `smtps://user:password@host:465` (TLS), or `smtp://host:25` (a local relay, plain).
    #[arg(long, env = "NATTER_SMTP_URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of Natter's emails, e.g. `Acme support <support@acme.example>`.
    #[arg(long, env = "NATTER_MAIL_FROM")]
    pub mail_from: Option<String>,
    /// Where people reach this server, for links in emails, e.g. `https://chat.acme.example`
    /// (default: the address the request that caused the email came to).
    #[arg(long, env = "NATTER_PUBLIC_URL")]
    pub public_url: Option<String>,
    /// Email the organization's staff about a new conversation nobody answered within
    /// this many seconds while no staff member was online.
    #[arg(long, env = "NATTER_STAFF_ALERT_SECS", default_value_t = 60)]
    pub staff_alert_secs: u64,
    /// Email a visitor (who gave an address) the staff replies they have not seen after
    /// this many seconds: one email for all of them, with a link back to the chat.
    #[arg(long, env = "NATTER_EMAIL_DELAY_SECS", default_value_t = 120)]
    pub email_delay_secs: u64,
}

impl MailArgs {
    /// `NATTER_PUBLIC_URL` without a trailing slash, when set.
    pub fn public_base(&self) -> Option<String> {
        let url = self.public_url.as_deref()?.trim().trim_end_matches('/');
        (!url.is_empty()).then(|| url.to_owned())
    }
}

impl Default for MailArgs {
    /// Email off.
    fn default() -> Self {
        Self {
            smtp_url: None,
            mail_from: None,
            public_url: None,
            staff_alert_secs: 60,
            email_delay_secs: 120,
        }
    }
}

/// Abuse limits. Rates are written like `20/min`, `5/s` or `100/hour`; `0/min` disables one.
#[derive(Clone, Debug, Args)]
pub struct LimitArgs {
    /// New leads (visitors) per client IP.
    #[arg(long, env = "NATTER_RATE_LEADS", default_value = "20/min")]
    pub rate_leads: Quota,
    /// Sign-in attempts per client IP.
    #[arg(long, env = "NATTER_RATE_LOGINS", default_value = "10/min")]
    pub rate_logins: Quota,
    /// Sign-in attempts per email address, wherever they come from.
    #[arg(long, env = "NATTER_RATE_LOGINS_PER_EMAIL", default_value = "20/hour")]
    pub rate_logins_per_email: Quota,
    /// Messages per visitor.
    #[arg(long, env = "NATTER_RATE_MESSAGES", default_value = "60/min")]
    pub rate_messages: Quota,
    /// Visitor messages per client IP, whichever visitor sends them (many visitors may
    /// share an office's address, so this sits well above the per-visitor rate).
    #[arg(long, env = "NATTER_RATE_MESSAGES_PER_IP", default_value = "120/min")]
    pub rate_messages_per_ip: Quota,
    /// Attachments a visitor may upload.
    #[arg(long, env = "NATTER_RATE_UPLOADS", default_value = "30/hour")]
    pub rate_uploads: Quota,
    /// Attachments uploaded by visitors per client IP.
    #[arg(long, env = "NATTER_RATE_UPLOADS_PER_IP", default_value = "100/hour")]
    pub rate_uploads_per_ip: Quota,
    /// Transcripts a visitor may have emailed to them.
    #[arg(long, env = "NATTER_RATE_TRANSCRIPTS", default_value = "5/hour")]
    pub rate_transcripts: Quota,
    /// Read positions reported over HTTP per visitor or staff member.
    #[arg(long, env = "NATTER_RATE_READS", default_value = "120/min")]
    pub rate_reads: Quota,
    /// Subscriptions (each replays at most one page of missed messages) per visitor or
    /// staff member, over all their sockets.
    #[arg(long, env = "NATTER_RATE_SUBSCRIBES", default_value = "120/min")]
    pub rate_subscribes: Quota,
    /// Frames per socket.
    #[arg(long, env = "NATTER_RATE_FRAMES", default_value = "30/s")]
    pub rate_frames: Quota,
    /// Open sockets per client IP on one instance (0: no cap).
    #[arg(long, env = "NATTER_MAX_SOCKETS_PER_IP", default_value_t = 500)]
    pub max_sockets_per_ip: usize,
    /// Sockets subscribed with one visitor's token on one instance (0: no cap); one
    /// per open tab of the website.
    #[arg(long, env = "NATTER_MAX_SOCKETS_PER_VISITOR", default_value_t = 10)]
    pub max_sockets_per_visitor: usize,
    /// Take the client IP from the last X-Forwarded-For entry (only behind a proxy you run).
    #[arg(long, env = "NATTER_TRUST_FORWARDED_FOR")]
    pub trust_forwarded_for: bool,
    /// Longest time an HTTP request may take, body included, in seconds.
    #[arg(long, env = "NATTER_REQUEST_TIMEOUT_SECS", default_value_t = 30)]
    pub request_timeout_secs: u64,
    /// Seconds a client has to send a request's headers (slow clients are cut off).
    #[arg(long, env = "NATTER_HEADER_READ_TIMEOUT_SECS", default_value_t = 10)]
    pub header_read_timeout_secs: u64,
    /// Close a connection on which nothing moved for this many seconds (idle
    /// keep-alive; WebSockets keep their own heartbeats). 0: never.
    #[arg(long, env = "NATTER_IDLE_TIMEOUT_SECS", default_value_t = 75)]
    pub idle_timeout_secs: u64,
    /// Open connections at most (0: the open-file limit less a reserve for the database).
    #[arg(long, env = "NATTER_MAX_CONNECTIONS", default_value_t = 0)]
    pub max_connections: usize,
    /// Open connections per peer address (0: no cap; not applied with
    /// --trust-forwarded-for, where every connection comes from the proxy).
    #[arg(long, env = "NATTER_MAX_CONNECTIONS_PER_IP", default_value_t = 1000)]
    pub max_connections_per_ip: usize,
}

impl LimitArgs {
    /// No limits at all (for tools and tests that need raw throughput).
    pub fn unlimited() -> Self {
        Self {
            rate_leads: Quota::UNLIMITED,
            rate_logins: Quota::UNLIMITED,
            rate_logins_per_email: Quota::UNLIMITED,
            rate_messages: Quota::UNLIMITED,
            rate_messages_per_ip: Quota::UNLIMITED,
            rate_reads: Quota::UNLIMITED,
            rate_uploads: Quota::UNLIMITED,
            rate_uploads_per_ip: Quota::UNLIMITED,
            rate_transcripts: Quota::UNLIMITED,
            rate_subscribes: Quota::UNLIMITED,
            rate_frames: Quota::UNLIMITED,
            max_sockets_per_ip: 0,
            max_sockets_per_visitor: 0,
            trust_forwarded_for: false,
            request_timeout_secs: 30,
            header_read_timeout_secs: 10,
            idle_timeout_secs: 75,
            max_connections: 0,
            max_connections_per_ip: 0,
        }
    }
}

/// `n` days; `None` for 0 (never).
fn days(n: u64) -> Option<Duration> {
    (n > 0).then(|| Duration::from_secs(n.saturating_mul(86_400)))
}

/// File descriptors kept back from connections: the database, its WAL, logs.
const FD_RESERVE: u64 = 256;

impl Settings {
    pub fn session_ttl(&self) -> Duration {
        Duration::from_secs(self.session_hours * 3600)
    }

    pub fn visitor_token_ttl(&self) -> Option<Duration> {
        days(self.visitor_token_days)
    }

    pub fn abandoned_lead_ttl(&self) -> Option<Duration> {
        days(self.abandoned_lead_days)
    }

    /// The accept loop's limits, with the connection cap filled in.
    pub fn connection_limits(&self) -> crate::serve::ConnectionLimits {
        let limits = &self.limits;
        let max_connections = match limits.max_connections {
            0 => open_file_limit().map_or(0, |n| n.saturating_sub(FD_RESERVE).max(1) as usize),
            n => n,
        };
        crate::serve::ConnectionLimits {
            header_read: Duration::from_secs(limits.header_read_timeout_secs.max(1)),
            idle: Duration::from_secs(limits.idle_timeout_secs),
            max_connections,
            max_per_ip: if limits.trust_forwarded_for {
                0
            } else {
                limits.max_connections_per_ip
            },
        }
    }
}

/// This process's soft limit on open files (Linux), if it can be read.
fn open_file_limit() -> Option<u64> {
    let limits = std::fs::read_to_string("/proc/self/limits").ok()?;
    let line = limits.lines().find(|l| l.starts_with("Max open files"))?;
    line.split_whitespace().nth(3)?.parse().ok()
}

#[derive(Debug, Subcommand)]
pub enum AdminCommand {
    /// Create an organization.
    CreateOrg {
        /// A short slug, e.g. `acme`.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Create a website account (the widget's channel) in an organization.
    CreateAccount {
        #[arg(long)]
        org: String,
        /// A short slug, e.g. `website`.
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long, default_value = "Hi! How can we help?")]
        greeting: String,
        #[arg(long, default_value = "#4f46e5")]
        theme_color: String,
        /// An origin allowed to embed the widget, e.g. `https://shop.example` or
        /// `http://localhost:*`. Repeat for several.
        #[arg(long = "origin", required = true)]
        origins: Vec<String>,
    },
    /// Write a consistent copy of the SQLite database to PATH while the server runs.
    Backup {
        /// The new file (it must not exist yet).
        path: PathBuf,
    },
    /// Print the database's plan for every query Natter runs per request.
    Explain,
    /// Create a staff member; the password is read from NATTER_STAFF_PASSWORD or asked for.
    CreateStaff {
        #[arg(long)]
        org: String,
        #[arg(long)]
        email: String,
        #[arg(long)]
        name: String,
        /// owner (everything), admin (websites and team) or agent (conversations).
        #[arg(long, default_value = "agent", value_parser = crate::auth::Role::NAMES)]
        role: String,
        #[arg(long, env = "NATTER_STAFF_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
    /// List the organizations.
    ListOrgs,
    /// Rename an organization.
    UpdateOrg {
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: String,
    },
    /// Delete an organization with its websites, staff, visitors and conversations.
    DeleteOrg {
        #[arg(long)]
        id: String,
        /// Confirms that everything of the organization goes.
        #[arg(long)]
        yes: bool,
    },
    /// List an organization's website accounts with their settings.
    ListAccounts {
        #[arg(long)]
        org: String,
    },
    /// Change a website account's settings.
    UpdateAccount {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        greeting: Option<String>,
        #[arg(long)]
        theme_color: Option<String>,
        /// The launcher's side: right or left.
        #[arg(long, value_parser = ["right", "left"])]
        position: Option<String>,
        /// Shown while nobody is online ("" clears it).
        #[arg(long)]
        away_message: Option<String>,
        /// Allow another origin (repeat for several).
        #[arg(long = "add-origin")]
        add_origins: Vec<String>,
        /// Stop allowing an origin (repeat for several).
        #[arg(long = "remove-origin")]
        remove_origins: Vec<String>,
    },
    /// Delete a website account with its visitors and conversations.
    DeleteAccount {
        #[arg(long)]
        org: String,
        #[arg(long)]
        id: String,
        /// Confirms that its visitors and conversations go.
        #[arg(long)]
        yes: bool,
    },
    /// List an organization's staff.
    ListStaff {
        #[arg(long)]
        org: String,
    },
    /// Change a staff member's role or name (an organization keeps one owner).
    UpdateStaff {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = crate::auth::Role::NAMES)]
        role: Option<String>,
        #[arg(long)]
        name: Option<String>,
    },
    /// Remove a staff member (their sessions end; an organization keeps one owner).
    DeleteStaff {
        #[arg(long)]
        email: String,
    },
    /// Set a staff member's password (from NATTER_STAFF_PASSWORD or asked for); their
    /// sessions end.
    ResetPassword {
        #[arg(long)]
        email: String,
        #[arg(long, env = "NATTER_STAFF_PASSWORD", hide_env_values = true)]
        password: Option<String>,
    },
}
