//! Bootstrap: `Application::build` connects the store, binds the listener (port 0
//! allowed) and builds the router; `run_until_stopped` serves until shut down.

use crate::config::Settings;
use crate::hub::Hub;
use crate::setup::SetupGate;
use crate::state::AppState;
use crate::store::{Store, StoreError};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

#[derive(Debug, thiserror::Error)]
pub enum StartupError {
    #[error("database: {0}")]
    Store(#[from] StoreError),
    #[error("demo data: {0}")]
    Demo(String),
    #[error("first-run setup: {0}")]
    Setup(String),
    #[error("redis: {0}")]
    Redis(#[from] redis::RedisError),
    #[error("email: {0}")]
    Mail(String),
    #[error("web push: {0}")]
    Push(String),
    #[error("webhooks: {0}")]
    Webhooks(String),
    #[error("attachments (NATTER_STORAGE_URL): {0}")]
    Files(String),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddr,
        source: std::io::Error,
    },
}

/// Stops a running [`Application`]: stops accepting, tells sockets to reconnect
/// elsewhere (close code 1001) and lets in-flight requests finish.
#[derive(Clone)]
pub struct ShutdownHandle(Arc<watch::Sender<bool>>);

impl ShutdownHandle {
    pub fn shutdown(&self) {
        self.0.send_replace(true);
    }
}

/// The pusher with the configured VAPID key, or the one this deployment made on its
/// first start (made now if none).
async fn pusher(settings: &Settings, store: &Store) -> Result<crate::push::Pusher, StartupError> {
    let key = match settings.push.vapid_private_key.as_deref() {
        Some(key) if !key.trim().is_empty() => key.trim().to_owned(),
        _ => {
            store
                .vapid_private_key(&crate::push::Pusher::generate_key())
                .await?
        }
    };
    let subject = settings
        .push
        .vapid_subject
        .clone()
        .or_else(|| {
            let from = settings.mail.mail_from.as_deref()?;
            let address = from.parse::<lettre::message::Mailbox>().ok()?.email;
            Some(format!("mailto:{address}"))
        })
        .or_else(|| settings.mail.public_url.clone())
        .unwrap_or_else(|| format!("http://{}", settings.addr));
    crate::push::Pusher::new(&key, subject, settings.push.push_allow_http)
        .map_err(|e| StartupError::Push(format!("NATTER_VAPID_PRIVATE_KEY: {e}")))
}

pub struct Application {
    listener: TcpListener,
    addr: SocketAddr,
    state: AppState,
    /// The first run's one-time token, when the database has nobody who can sign in.
    setup_token: Option<String>,
    shutdown: ShutdownHandle,
}

impl Application {
    pub async fn build(settings: Settings) -> Result<Self, StartupError> {
        let mailer = crate::mail::Mailer::from_settings(&settings.mail)
            .map_err(StartupError::Mail)?
            .map(Arc::new);
        let store = Store::connect(
            &settings
                .database
                .store_options(settings.database.db_max_connections),
        )
        .await?
        .expire_visitor_tokens_after(settings.visitor_token_ttl())
        .email_visitors_after(
            mailer
                .as_ref()
                .map(|_| std::time::Duration::from_secs(settings.mail.email_delay_secs)),
        )
        .alert_staff_after(
            mailer
                .as_ref()
                .map(|_| std::time::Duration::from_secs(settings.mail.staff_alert_secs)),
        );
        if mailer.is_some() && settings.mail.public_url.is_none() {
            tracing::warn!(
                "NATTER_PUBLIC_URL is not set: links in emails to visitors point at http://{}",
                settings.addr
            );
        }
        let pusher = Arc::new(pusher(&settings, &store).await?);
        let webhooks = crate::webhooks::Dispatcher::new(
            settings.webhooks.policy(),
            settings.webhooks.first_retry(),
        )
        .map(Arc::new)
        .map_err(StartupError::Webhooks)?;
        let files = settings
            .files
            .storage_url(&settings.database.database_url)
            .and_then(|url| crate::files::Files::from_url(&url))
            .map(Arc::new)
            .map_err(StartupError::Files)?;
        if settings.demo {
            crate::demo::seed(&store)
                .await
                .map_err(|e| StartupError::Demo(e.to_string()))?;
        }
        let (setup, setup_token) = SetupGate::for_store(&store, settings.demo)
            .await
            .map_err(|e| StartupError::Setup(e.to_string()))?;
        let listener =
            TcpListener::bind(settings.addr)
                .await
                .map_err(|source| StartupError::Bind {
                    addr: settings.addr,
                    source,
                })?;
        let addr = listener.local_addr().map_err(|source| StartupError::Bind {
            addr: settings.addr,
            source,
        })?;
        let (tx, rx) = watch::channel(false);
        let instance = settings
            .instance_id
            .clone()
            .unwrap_or_else(|| uuid::Uuid::new_v4().simple().to_string()[..8].to_owned());
        crate::telemetry::install(&instance);
        let hub = Hub::new(settings.ws_queue);
        let bus = match &settings.redis_url {
            Some(url) => {
                Some(crate::bus::start(url, &settings.redis_prefix, &instance, &hub).await?)
            }
            None => None,
        };
        let limiter = match &settings.redis_url {
            Some(url) => crate::limits::Limiter::shared(url, &settings.redis_prefix).await?,
            None => crate::limits::Limiter::local(),
        };
        let state = AppState {
            store,
            hub,
            bus,
            limiter,
            sockets_per_ip: crate::limits::SocketCounter::default(),
            sockets_per_visitor: crate::limits::SocketCounter::default(),
            passwords: crate::auth::PasswordChecks::for_this_machine(),
            settings: Arc::new(settings),
            setup: Arc::new(setup),
            refusals: Arc::default(),
            mailer,
            pusher,
            webhooks,
            files,
            shutdown: rx,
        };
        state
            .refusals
            .spawn_flusher(state.store.clone(), state.shutdown.clone());
        crate::jobs::spawn(state.clone());
        crate::jobs::spawn_webhooks(state.clone());
        crate::retention::spawn(
            state.store.clone(),
            state.settings.abandoned_lead_ttl(),
            state.shutdown.clone(),
        );
        Ok(Self {
            listener,
            addr,
            state,
            setup_token,
            shutdown: ShutdownHandle(Arc::new(tx)),
        })
    }

    /// The store the application uses (for the tests' fixtures).
    #[cfg(feature = "test-support")]
    pub fn store(&self) -> Store {
        self.state.store.clone()
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Where the owner of a new install creates their organization (first run only).
    pub fn setup_url(&self) -> Option<String> {
        let token = self.setup_token.as_ref()?;
        // Listening on every interface: this machine can at least open it on loopback.
        let addr = if self.addr.ip().is_unspecified() {
            SocketAddr::new(std::net::Ipv4Addr::LOCALHOST.into(), self.addr.port())
        } else {
            self.addr
        };
        Some(format!("http://{addr}/setup?token={token}"))
    }

    pub fn shutdown_handle(&self) -> ShutdownHandle {
        self.shutdown.clone()
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        let Self {
            listener,
            state,
            shutdown,
            ..
        } = self;
        let store = state.store.clone();
        let stopped = state.shutdown.clone();
        let limits = state.settings.connection_limits();
        let app = crate::http::router(state);
        crate::serve::serve(listener, app, limits, stopped).await?;
        drop(shutdown);
        // Give sockets a moment to send their close frames before the pool goes.
        let _ = tokio::time::timeout(Duration::from_secs(5), store.close()).await;
        Ok(())
    }
}

/// `natter serve`: builds the application, prints where to go, and runs until
/// SIGTERM or Ctrl-C, then shuts down gracefully.
pub async fn serve(settings: Settings) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let demo = settings.demo;
    let app = Application::build(settings).await?;
    let base = format!("http://{}", app.addr());
    tracing::info!(addr = %app.addr(), "natter is listening");
    if let Some(url) = app.setup_url() {
        tracing::warn!(
            "first run: nobody can sign in yet. Open {url} to create your organization and \
             owner account (this link works once; from another machine, put this server's \
             address in it)"
        );
    }
    if demo {
        println!(
            "\nNatter is running.\n  Demo website with the chat widget: {base}/demo\n  Staff inbox:                       {base}/inbox  (demo@example.com / demo)\n  API:                               {base}/api/v1\n"
        );
    }
    let handle = app.shutdown_handle();
    tokio::spawn(async move {
        shutdown_signal().await;
        tracing::info!("shutting down: closing sockets, finishing requests");
        handle.shutdown();
    });
    app.run_until_stopped().await?;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {}
        () = terminate => {}
    }
}
