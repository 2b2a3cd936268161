//! A `natter serve` child process on a fixed port, which can be killed and restarted.

use natter_protocol::{LeadCreated, LoginResponse, MessageList};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

pub struct Server {
    pub port: u16,
    pub base: String,
    db: PathBuf,
    log: PathBuf,
    extra: Vec<String>,
    filter: String,
    child: Option<Child>,
    pub _dir: tempfile::TempDir,
}

fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("address").port()
}

impl Server {
    /// Starts `natter serve --demo` with no rate limits, on a fresh SQLite file.
    pub async fn start(extra: &[&str]) -> Server {
        Self::start_logging(extra, "info").await
    }

    /// Like `start`, with `NATTER_LOG` set to `filter`.
    pub async fn start_logging(extra: &[&str], filter: &str) -> Server {
        let dir = tempfile::tempdir().expect("temp dir");
        let port = free_port();
        let mut server = Server {
            port,
            base: format!("http://127.0.0.1:{port}"),
            db: dir.path().join("natter.db"),
            log: dir.path().join("natter.log"),
            extra: extra.iter().map(|s| (*s).to_owned()).collect(),
            filter: filter.to_owned(),
            child: None,
            _dir: dir,
        };
        server.spawn().await;
        server
    }

    async fn spawn(&mut self) {
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.log)
            .expect("log file");
        let err = log.try_clone().expect("log file");
        let child = Command::new(env!("CARGO_BIN_EXE_natter"))
            .args([
                "serve",
                "--demo",
                "--addr",
                &format!("127.0.0.1:{}", self.port),
            ])
            .args(["--database-url", &format!("sqlite://{}", self.db.display())])
            .args([
                "--rate-leads",
                "0/min",
                "--rate-messages",
                "0/min",
                "--rate-messages-per-ip",
                "0/min",
                "--rate-reads",
                "0/min",
                "--rate-subscribes",
                "0/min",
                "--rate-frames",
                "0/s",
            ])
            .args([
                "--rate-logins",
                "0/min",
                "--rate-logins-per-email",
                "0/min",
                "--max-sockets-per-ip",
                "0",
            ])
            .args(&self.extra)
            .env("NATTER_LOG", &self.filter)
            .stdout(Stdio::from(log))
            .stderr(Stdio::from(err))
            .spawn()
            .expect("natter starts");
        self.child = Some(child);
        let client = reqwest::Client::new();
        for _ in 0..200 {
            if client
                .get(format!("{}/healthz", self.base))
                .send()
                .await
                .is_ok_and(|r| r.status().is_success())
            {
                return;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("natter did not come up; log:\n{}", self.log_text());
    }

    /// A new lead in the demo account, with an optional first message.
    pub async fn create_lead(
        &self,
        client: &reqwest::Client,
        name: &str,
        message: Option<&str>,
    ) -> LeadCreated {
        let mut body = serde_json::json!({ "name": name });
        if let Some(m) = message {
            body["message"] = m.into();
        }
        self.post_lead(client, &body).await
    }

    /// A new lead in the demo account from a whole `CreateLead` body.
    pub async fn post_lead(
        &self,
        client: &reqwest::Client,
        body: &serde_json::Value,
    ) -> LeadCreated {
        client
            .post(format!("{}/api/v1/widget/demo/demo/leads", self.base))
            .json(body)
            .send()
            .await
            .expect("lead")
            .json()
            .await
            .expect("lead body")
    }

    /// The demo staff member, signed in.
    pub async fn login(&self, client: &reqwest::Client) -> LoginResponse {
        client
            .post(format!("{}/api/v1/auth/login", self.base))
            .json(&serde_json::json!({ "email": "demo@example.com", "password": "demo" }))
            .send()
            .await
            .expect("login")
            .json()
            .await
            .expect("login body")
    }

    /// A conversation's first `limit` messages, read as its visitor.
    pub async fn history(
        &self,
        client: &reqwest::Client,
        lead: &LeadCreated,
        limit: u32,
    ) -> MessageList {
        client
            .get(format!(
                "{}/api/v1/conversations/{}/messages?limit={limit}",
                self.base, lead.conv_id
            ))
            .bearer_auth(&lead.visitor_token)
            .send()
            .await
            .expect("history")
            .json()
            .await
            .expect("history body")
    }

    /// The SQLite file the server runs on.
    /// The running process's id.
    pub fn pid(&self) -> u32 {
        self.child.as_ref().expect("natter is running").id()
    }

    pub fn db_path(&self) -> &std::path::Path {
        &self.db
    }

    /// SIGKILL: no shutdown, no flush, no goodbye.
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    pub async fn restart(&mut self) {
        self.kill();
        self.spawn().await;
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill();
    }
}
