//! `spawn_app()`: the real application on a random port with a fresh database,
//! and typed helpers to drive it over real HTTP and WebSocket connections.

use crate::backend::TestDb;
use futures_util::{SinkExt, StreamExt};
use natter_protocol::{
    ClientFrame, ConvId, LeadCreated, LoginResponse, MessageEnvelope, MessageList, PostMessage,
    ServerFrame,
};
use natter_server::config::{
    DatabaseArgs, FileArgs, LimitArgs, MailArgs, PushArgs, Settings, WebhookArgs,
};
use natter_server::store::{NewAccount, NewStaff, SqliteSync, Store};
use natter_server::{Application, ShutdownHandle};
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpStream;
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// An origin the demo account allows.
pub const DEMO_ORIGIN: &str = "http://localhost:3000";

pub struct TestApp {
    pub base: String,
    pub ws_base: String,
    pub client: reqwest::Client,
    pub store: Store,
    pub settings: Settings,
    /// The first run's setup URL, when the app started with nobody to sign in.
    pub setup_url: Option<String>,
    shutdown: ShutdownHandle,
    server: JoinHandle<()>,
    /// Keeps the database alive for the app's lifetime, across restarts, and for
    /// other instances sharing it.
    pub db: Arc<TestDb>,
}

pub fn settings_for(db: &TestDb) -> Settings {
    Settings {
        addr: "127.0.0.1:0".parse().expect("address"),
        database: DatabaseArgs {
            database_url: db.url.clone(),
            // Tests do not need fsync on every commit; durability across a process
            // stop is what they check, and WAL with NORMAL keeps that.
            sqlite_synchronous: SqliteSync::Normal,
            db_max_connections: 8,
            sqlite_wal_limit_mb: 16,
        },
        demo: true,
        // Most tests need throughput; the limits have tests of their own.
        limits: LimitArgs::unlimited(),
        redis_url: None,
        redis_prefix: "natter:".into(),
        instance_id: None,
        widget_dir: None,
        inbox_dir: None,
        session_hours: 24,
        visitor_token_days: 90,
        // The tests run the clean-up themselves: a background run at start-up could
        // race one that ages its leads.
        abandoned_lead_days: 0,
        ws_queue: 256,
        ws_idle_secs: 60,
        metrics_token: None,
        staff_origins: Vec::new(),
        mail: MailArgs::default(),
        push: PushArgs::default(),
        // The tests' receivers are on loopback, and a retry should not take seconds.
        webhooks: WebhookArgs {
            webhook_allow_http: true,
            webhook_allow_private: false,
            webhook_retry_secs: 0.2,
        },
        files: FileArgs {
            storage_url: Some(db.files_url()),
            ..FileArgs::default()
        },
    }
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(configure: impl FnOnce(&mut Settings)) -> TestApp {
    spawn_app_on(TestDb::new().await, configure).await
}

/// The app on a database of the caller's choosing (empty, or an old release's).
pub async fn spawn_app_on(db: TestDb, configure: impl FnOnce(&mut Settings)) -> TestApp {
    let db = Arc::new(db);
    let mut settings = settings_for(&db);
    configure(&mut settings);
    start(settings, db).await
}

async fn start(settings: Settings, db: Arc<TestDb>) -> TestApp {
    // Server logs show with a failing test's output (`NATTER_LOG=debug` for more).
    let filter = std::env::var("NATTER_LOG").unwrap_or_else(|_| "warn".into());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_test_writer()
        .try_init();
    let app = Application::build(settings.clone())
        .await
        .expect("the application builds");
    let port = app.port();
    let store = app.store();
    let setup_url = app.setup_url();
    let shutdown = app.shutdown_handle();
    let server = tokio::spawn(async move {
        app.run_until_stopped().await.expect("the server runs");
    });
    TestApp {
        base: format!("http://127.0.0.1:{port}"),
        ws_base: format!("ws://127.0.0.1:{port}"),
        client: reqwest::Client::new(),
        store,
        settings,
        setup_url,
        shutdown,
        server,
        db,
    }
}

impl TestApp {
    /// Stops the server gracefully and starts a new one on the same database file.
    pub async fn restart(self) -> TestApp {
        let db = self.db.clone();
        let settings = self.stop().await;
        start(settings, db).await
    }

    /// Stops the server gracefully (sockets are told to reconnect elsewhere).
    pub async fn stop(self) -> Settings {
        let Self {
            shutdown,
            server,
            settings,
            ..
        } = self;
        shutdown.shutdown();
        server.await.expect("the server stops");
        settings
    }

    /// Another instance on the same database, configured by `configure`.
    pub async fn another_instance(&self, configure: impl FnOnce(&mut Settings)) -> TestApp {
        let mut settings = self.settings.clone();
        settings.demo = false;
        configure(&mut settings);
        start(settings, self.db.clone()).await
    }

    /// Runs `statement` on the app's database directly, for states no API reaches
    /// (a visitor last seen months ago); `?` placeholders are not used, values are inline.
    pub async fn sql(&self, statement: &str) -> u64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db.url)
            .await
            .expect("a direct connection");
        let done = sqlx::query(statement)
            .execute(&pool)
            .await
            .expect("statement");
        pool.close().await;
        done.rows_affected()
    }

    /// One integer from the app's database, e.g. a column the API does not show.
    pub async fn sql_i64(&self, query: &str) -> i64 {
        sqlx::any::install_default_drivers();
        let pool = sqlx::AnyPool::connect(&self.db.url)
            .await
            .expect("a direct connection");
        let (value,): (i64,) = sqlx::query_as(query).fetch_one(&pool).await.expect("query");
        pool.close().await;
        value
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}/api/v1{path}", self.base)
    }

    pub async fn create_lead(&self, name: &str, message: Option<&str>) -> LeadCreated {
        let mut body = serde_json::json!({ "name": name });
        if let Some(m) = message {
            body["message"] = m.into();
        }
        let response = self
            .client
            .post(self.url("/widget/demo/demo/leads"))
            .json(&body)
            .send()
            .await
            .expect("lead");
        assert_eq!(response.status(), StatusCode::CREATED);
        response.json().await.expect("lead body")
    }

    /// Posts `{text, client_msg_id}` to `/conversations/{conv_id}/{resource}`.
    async fn post_text(
        &self,
        conv_id: &ConvId,
        resource: &str,
        token: &str,
        text: &str,
        client_msg_id: &str,
    ) -> reqwest::Response {
        let body = PostMessage {
            text: text.into(),
            client_msg_id: client_msg_id.into(),
            attachment_ids: Vec::new(),
        };
        self.client
            .post(self.url(&format!("/conversations/{conv_id}/{resource}")))
            .bearer_auth(token)
            .json(&body)
            .send()
            .await
            .expect("post to a conversation")
    }

    /// A visitor message.
    pub async fn post_message(
        &self,
        conv_id: &ConvId,
        token: &str,
        text: &str,
        key: &str,
    ) -> reqwest::Response {
        self.post_text(conv_id, "messages", token, text, key).await
    }

    /// A staff reply.
    pub async fn reply(
        &self,
        conv_id: &ConvId,
        token: &str,
        text: &str,
        key: &str,
    ) -> reqwest::Response {
        self.post_text(conv_id, "replies", token, text, key).await
    }

    /// Resolves a conversation as staff.
    pub async fn resolve(&self, token: &str, conv_id: &ConvId) {
        let response = self
            .client
            .patch(self.url(&format!("/conversations/{conv_id}")))
            .bearer_auth(token)
            .json(&serde_json::json!({ "status": "resolved" }))
            .send()
            .await
            .expect("resolve");
        assert_eq!(response.status(), StatusCode::OK);
    }

    /// Posts a staff reply and returns the stored message.
    pub async fn reply_ok(
        &self,
        conv_id: &ConvId,
        token: &str,
        text: &str,
    ) -> natter_protocol::Message {
        let response = self
            .reply(conv_id, token, text, &uuid::Uuid::new_v4().to_string())
            .await;
        assert_eq!(response.status(), StatusCode::CREATED);
        response
            .json::<MessageEnvelope>()
            .await
            .expect("reply body")
            .message
    }

    /// The demo website's widget config, as its page would fetch it.
    pub async fn widget_config(&self) -> natter_protocol::WidgetConfig {
        self.client
            .get(self.url("/widget/demo/demo/config"))
            .header("origin", DEMO_ORIGIN)
            .send()
            .await
            .expect("config")
            .json()
            .await
            .expect("config body")
    }

    pub async fn login(&self, email: &str, password: &str) -> LoginResponse {
        let response = self
            .client
            .post(self.url("/auth/login"))
            .json(&serde_json::json!({ "email": email, "password": password }))
            .send()
            .await
            .expect("login");
        assert_eq!(response.status(), StatusCode::OK, "login of {email}");
        response.json().await.expect("login body")
    }

    /// The demo staff member's token.
    /// Signs the session of `token` out; asserts it worked.
    pub async fn logout(&self, token: &str) {
        let response = self
            .client
            .post(self.url("/auth/logout"))
            .bearer_auth(token)
            .send()
            .await
            .expect("logout");
        assert_eq!(response.status(), StatusCode::NO_CONTENT);
    }

    /// A new member of `org` with `role` and `password`, signed in: (id, token).
    pub async fn join(&self, org: &str, role: &str, password: &str) -> (String, String) {
        let email = format!("{role}-{}@{org}.example", uuid::Uuid::new_v4().simple());
        let hash = natter_server::auth::hash_password(password).expect("hash");
        let staff = NewStaff {
            org_id: org,
            email: &email,
            name: "Member",
            role,
            password_hash: &hash,
        };
        let member = self.store.create_staff(staff).await.expect("staff");
        (member.id, self.login(&email, password).await.token)
    }

    /// Who `token` signs in (`GET /me`).
    pub async fn login_of(&self, token: &str) -> natter_protocol::StaffMember {
        self.get_json("/me", token).await
    }

    pub async fn staff_token(&self) -> String {
        self.login("demo@example.com", "demo").await.token
    }

    /// `GET /api/v1{path}` with `token`, expecting 200 and a JSON body.
    pub async fn get_json<T: serde::de::DeserializeOwned>(&self, path: &str, token: &str) -> T {
        let response = self
            .client
            .get(self.url(path))
            .bearer_auth(token)
            .send()
            .await
            .expect("GET");
        assert_eq!(response.status(), StatusCode::OK, "GET {path}");
        response.json().await.expect("JSON body")
    }

    pub async fn history(&self, conv_id: &ConvId, token: &str, after_seq: u64) -> MessageList {
        let response = self
            .client
            .get(self.url(&format!(
                "/conversations/{conv_id}/messages?after_seq={after_seq}&limit=500"
            )))
            .bearer_auth(token)
            .send()
            .await
            .expect("history");
        assert_eq!(response.status(), StatusCode::OK);
        response.json().await.expect("history body")
    }

    /// A second organization with its own account and staff member; returns the staff token.
    pub async fn other_org(&self, org: &str) -> String {
        self.store.create_org(org, org).await.expect("org");
        let origins = vec!["http://localhost:*".to_owned()];
        let account = NewAccount {
            org_id: org,
            id: "web",
            name: org,
            greeting: "hi",
            theme_color: "#000000",
            allowed_origins: &origins,
        };
        self.store.create_account(account).await.expect("account");
        let email = format!("staff@{org}.example");
        let hash = natter_server::auth::hash_password("pw-other").expect("hash");
        let staff = NewStaff {
            org_id: org,
            email: &email,
            name: "Other Staff",
            role: "agent",
            password_hash: &hash,
        };
        self.store.create_staff(staff).await.expect("staff");
        self.login(&email, "pw-other").await.token
    }

    pub async fn visitor_socket(&self) -> Socket {
        self.visitor_socket_from(DEMO_ORIGIN)
            .await
            .expect("visitor socket upgrades")
    }

    pub async fn visitor_socket_from(
        &self,
        origin: &str,
    ) -> Result<Socket, tokio_tungstenite::tungstenite::Error> {
        let mut request = format!("{}/ws?org_id=demo&account_id=demo", self.ws_base)
            .into_client_request()
            .expect("request");
        request
            .headers_mut()
            .insert("origin", origin.parse().expect("origin header"));
        let (stream, _) = tokio_tungstenite::connect_async(request).await?;
        Ok(Socket { stream })
    }

    /// A staff socket, already authenticated.
    pub async fn staff_socket(&self, token: &str) -> Socket {
        let request = format!("{}/ws/staff", self.ws_base)
            .into_client_request()
            .expect("request");
        let (stream, _) = tokio_tungstenite::connect_async(request)
            .await
            .expect("staff socket upgrades");
        let mut socket = Socket { stream };
        socket
            .send(&ClientFrame::Auth {
                token: token.into(),
            })
            .await;
        match socket.next().await {
            ServerFrame::Authenticated { .. } => socket,
            other => panic!("expected authenticated, got {other:?}"),
        }
    }
}

/// An HTTP client whose requests come from `ip` (any 127.0.0.0/8 address is this machine).
pub fn client_from(ip: [u8; 4]) -> reqwest::Client {
    reqwest::Client::builder()
        .local_address(std::net::IpAddr::from(ip))
        .build()
        .expect("client")
}

/// A real WebSocket client speaking the protocol.
pub struct Socket {
    pub stream: WebSocketStream<MaybeTlsStream<TcpStream>>,
}

/// How long a test waits for a frame that should come.
pub const FRAME_TIMEOUT: Duration = Duration::from_secs(5);

impl Socket {
    pub async fn send(&mut self, frame: &ClientFrame) {
        let json = serde_json::to_string(frame).expect("frame json");
        self.stream
            .send(WsMessage::text(json))
            .await
            .expect("send frame");
    }

    pub async fn send_raw(&mut self, message: WsMessage) {
        self.stream.send(message).await.expect("send raw");
    }

    /// The next protocol frame (pings and pongs skipped); panics on timeout or close.
    pub async fn next(&mut self) -> ServerFrame {
        self.next_within(FRAME_TIMEOUT)
            .await
            .expect("a frame in time")
    }

    /// The next protocol frame, or `None` if none came within `wait`. Panics on close.
    /// Presence frames (staff coming and going) are skipped: they arrive whenever a test
    /// opens a staff socket; [`Self::next_presence`] reads them.
    pub async fn next_within(&mut self, wait: Duration) -> Option<ServerFrame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match self.next_any_until(deadline).await? {
                ServerFrame::Presence { .. } => {}
                frame => return Some(frame),
            }
        }
    }

    /// The next presence frame's `staff_online`, skipping other frames, within `wait`.
    pub async fn next_presence(&mut self, wait: Duration) -> Option<bool> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            if let ServerFrame::Presence { staff_online } = self.next_any_until(deadline).await? {
                return Some(staff_online);
            }
        }
    }

    async fn next_any_until(&mut self, deadline: tokio::time::Instant) -> Option<ServerFrame> {
        loop {
            let message = tokio::time::timeout_at(deadline, self.stream.next())
                .await
                .ok()?;
            match message {
                Some(Ok(WsMessage::Text(text))) => {
                    return Some(
                        serde_json::from_str(text.as_str()).expect("a valid server frame"),
                    );
                }
                Some(Ok(WsMessage::Ping(_) | WsMessage::Pong(_))) => {}
                other => panic!("expected a frame, got {other:?}"),
            }
        }
    }

    /// Reads until the server closes; returns its close frame (None if the TCP connection just ended).
    pub async fn closed(&mut self, wait: Duration) -> Option<CloseFrame> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            match tokio::time::timeout_at(deadline, self.stream.next()).await {
                Err(_) => panic!("the server did not close the socket in time"),
                Ok(Some(Ok(WsMessage::Close(frame)))) => return frame,
                Ok(Some(Ok(_))) => {}
                Ok(Some(Err(e))) => {
                    eprintln!("socket ended with an error: {e}");
                    return None;
                }
                Ok(None) => return None,
            }
        }
    }

    /// Subscribes and returns (last_seq, the replayed messages): reads `subscribed`,
    /// then collects `message` frames until none arrives for a short while.
    pub async fn subscribe(
        &mut self,
        conv_id: &ConvId,
        token: Option<&str>,
        after_seq: u64,
    ) -> (u64, Vec<natter_protocol::Message>) {
        self.send(&ClientFrame::Subscribe {
            conv_id: conv_id.clone(),
            token: token.map(Into::into),
            after_seq,
        })
        .await;
        let last_seq = match self.next().await {
            ServerFrame::Subscribed {
                conv_id: c,
                last_seq,
            } if &c == conv_id => last_seq,
            other => panic!("expected subscribed, got {other:?}"),
        };
        let expected = last_seq.saturating_sub(after_seq);
        let mut replayed = Vec::new();
        while (replayed.len() as u64) < expected {
            match self.next().await {
                ServerFrame::Message { message } => replayed.push(message),
                other => panic!("expected a replayed message, got {other:?}"),
            }
        }
        (last_seq, replayed)
    }

    /// The next `message` frame, skipping other frames (typing, read, ...).
    pub async fn next_message(&mut self) -> natter_protocol::Message {
        loop {
            if let ServerFrame::Message { message } = self.next().await {
                return message;
            }
        }
    }
}

/// A request as `token`, with a JSON body if given.
pub async fn send(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    token: &str,
    body: Option<Value>,
) -> reqwest::Response {
    let mut request = app.client.request(method, app.url(path)).bearer_auth(token);
    if let Some(body) = body {
        request = request.json(&body);
    }
    request.send().await.unwrap()
}

/// Asserts a response is an error with the documented body, and returns its code.
pub async fn assert_error(response: reqwest::Response, status: StatusCode) -> String {
    assert_eq!(response.status(), status, "status of {}", response.url());
    let body: Value = response.json().await.expect("an error body in JSON");
    let code = body["error"]["code"]
        .as_str()
        .expect("error.code")
        .to_owned();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| !m.is_empty()),
        "error.message in {body}"
    );
    code
}

/// Polls `done` every 50 ms for up to 10 s.
pub async fn eventually(what: &str, mut done: impl AsyncFnMut() -> bool) {
    for _ in 0..200 {
        if done().await {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("{what} did not happen within 10 s");
}
