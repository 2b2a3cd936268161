//! A worker process: holds visitor sockets as widgets would, each with its own lead
//! and subscription, and times every message that arrives on them.
//!
//! One worker holds at most a few thousand sockets (the per-process file limit), all
//! from one loopback source address (so ephemeral ports last). The coordinator talks
//! to it over stdin/stdout, one line each way:
//!
//! - `leads N`  → `leads OK FAILED [limit note]`: create N leads over HTTP.
//! - `open N`   → `conv CONV_ID TOKEN` per subscribed socket, then `opened OK FAILED [limit note]`.
//! - `report`   → `report {json}`: counts and latency samples since the last report.
//! - end of input: exit (the sockets close with the process).

use crate::procfs::limit_kind;
use futures_util::{SinkExt, StreamExt};
use natter_protocol::{ClientFrame, ConvId, LeadCreated, ServerFrame};
use serde::{Deserialize, Serialize};
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use tokio::io::AsyncBufReadExt;
use tokio::net::TcpSocket;
use tokio::sync::{Semaphore, mpsc};
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::http::HeaderValue;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::{self, Message as WsMessage};

/// Prefix of the client_msg_id of staff replies; the rest is the send time, µs since the epoch.
pub const REPLY_PREFIX: &str = "r";
/// Prefix of the client_msg_id of visitor messages.
pub const MESSAGE_PREFIX: &str = "v";
/// An allowed origin of the demo account: the bench plays a widget on that page.
pub const ORIGIN: &str = "http://localhost:3000";
/// Sockets being opened at once; more only queues in the server's accept backlog.
const OPENING: usize = 64;
/// Leads being created at once.
const CREATING: usize = 16;
/// Errors quoted verbatim in a report (the rest are counted).
const QUOTED_ERRORS: usize = 5;

/// What a worker saw since its last report.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Report {
    /// Staff replies received on visitor sockets.
    pub replies: u64,
    /// Visitor messages echoed back on their own sockets.
    pub messages: u64,
    /// Messages that arrived with a `seq` other than the next expected one.
    pub gaps: u64,
    /// Sockets closed by the server or broken.
    pub closed: u64,
    pub errors: Vec<String>,
    pub error_count: u64,
    /// (send time in ms since the epoch, send → arrival in µs), per staff reply.
    pub samples: Vec<(u64, u32)>,
}

impl Report {
    pub fn merge(&mut self, other: Report) {
        self.replies += other.replies;
        self.messages += other.messages;
        self.gaps += other.gaps;
        self.closed += other.closed;
        self.error_count += other.error_count;
        for e in other.errors {
            if self.errors.len() < QUOTED_ERRORS {
                self.errors.push(e);
            }
        }
        self.samples.extend(other.samples);
    }

    fn error(&mut self, message: String) {
        self.error_count += 1;
        if self.errors.len() < QUOTED_ERRORS {
            self.errors.push(message);
        }
    }
}

pub fn now_us() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// The send time encoded in a bench client_msg_id (`r-<µs>-<n>`).
pub fn sent_at(client_msg_id: &str) -> Option<u64> {
    client_msg_id.split('-').nth(1)?.parse().ok()
}

/// Why a lead, a socket or a subscription failed.
enum Failure {
    /// A file or port limit of this machine, not a fault of the server.
    Limit(&'static str),
    Other(String),
}

impl From<std::io::Error> for Failure {
    fn from(e: std::io::Error) -> Self {
        match limit_kind(&e) {
            Some(kind) => Failure::Limit(kind),
            None => Failure::Other(e.to_string()),
        }
    }
}

impl From<tungstenite::Error> for Failure {
    fn from(e: tungstenite::Error) -> Self {
        match e {
            tungstenite::Error::Io(io) => io.into(),
            other => Failure::Other(other.to_string()),
        }
    }
}

impl From<reqwest::Error> for Failure {
    fn from(e: reqwest::Error) -> Self {
        // reqwest hides the io::Error in its source chain.
        let mut source: Option<&dyn std::error::Error> = Some(&e);
        while let Some(err) = source {
            if let Some(kind) = err.downcast_ref::<std::io::Error>().and_then(limit_kind) {
                return Failure::Limit(kind);
            }
            source = err.source();
        }
        Failure::Other(e.to_string())
    }
}

/// Counts results of a batch and says what limit, if any, was hit.
#[derive(Default)]
struct Batch {
    ok: usize,
    failed: usize,
    limit: Option<&'static str>,
    first_error: Option<String>,
}

impl Batch {
    fn add(&mut self, result: Result<(), Failure>) {
        match result {
            Ok(()) => self.ok += 1,
            Err(Failure::Limit(kind)) => {
                self.failed += 1;
                self.limit = Some(kind);
            }
            Err(Failure::Other(e)) => {
                self.failed += 1;
                self.first_error.get_or_insert(e);
            }
        }
    }

    fn line(&self, what: &str) -> String {
        let note = match (self.limit, &self.first_error) {
            (Some(limit), _) => format!(" LIMIT {limit}"),
            (None, Some(e)) => format!(" ERROR {e}"),
            (None, None) => String::new(),
        };
        format!("{what} {} {}{note}", self.ok, self.failed)
    }
}

struct Worker {
    http: reqwest::Client,
    base: String,
    server: SocketAddr,
    source: IpAddr,
    leads: Vec<LeadCreated>,
    tally: Arc<Mutex<Report>>,
}

pub async fn run(base: String, source: IpAddr) -> Result<(), String> {
    let server = base
        .trim_start_matches("http://")
        .trim_end_matches('/')
        .parse::<SocketAddr>()
        .map_err(|e| format!("--url must be http://IP:PORT: {e}"))?;
    let http = reqwest::Client::builder()
        .local_address(source)
        .build()
        .map_err(|e| e.to_string())?;
    let mut worker = Worker {
        http,
        base,
        server,
        source,
        leads: Vec::new(),
        tally: Arc::default(),
    };
    let mut lines = tokio::io::BufReader::new(tokio::io::stdin()).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut words = line.split_whitespace();
        let command = words.next().unwrap_or_default();
        let n: usize = words.next().and_then(|n| n.parse().ok()).unwrap_or(0);
        match command {
            "leads" => worker.create_leads(n).await,
            "open" => worker.open(n).await,
            "report" => {
                let report = std::mem::take(&mut *lock(&worker.tally));
                let json = serde_json::to_string(&report).map_err(|e| e.to_string())?;
                println!("report {json}");
            }
            other => return Err(format!("unknown command {other:?}")),
        }
    }
    Ok(())
}

fn lock(tally: &Mutex<Report>) -> std::sync::MutexGuard<'_, Report> {
    tally
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Worker {
    async fn create_leads(&mut self, n: usize) {
        let results: Vec<Result<LeadCreated, reqwest::Error>> = futures_util::stream::iter(0..n)
            .map(|i| crate::drive::create_lead(&self.http, &self.base, i))
            .buffer_unordered(CREATING)
            .collect()
            .await;
        let mut batch = Batch::default();
        for result in results {
            batch.add(
                result
                    .map(|lead| self.leads.push(lead))
                    .map_err(Failure::from),
            );
        }
        println!("{}", batch.line("leads"));
    }

    /// Opens a socket for each of the next `n` leads and subscribes it.
    async fn open(&mut self, n: usize) {
        let take = n.min(self.leads.len());
        let leads: Vec<LeadCreated> = self.leads.drain(..take).collect();
        let gate = Arc::new(Semaphore::new(OPENING));
        let (done, mut results) = mpsc::unbounded_channel();
        for lead in leads {
            let socket = Socket {
                server: self.server,
                source: self.source,
                conv_id: lead.conv_id,
                token: lead.visitor_token,
                tally: self.tally.clone(),
            };
            let (gate, done) = (gate.clone(), done.clone());
            tokio::spawn(socket.hold(gate, done));
        }
        drop(done);
        let mut batch = Batch::default();
        if take < n {
            batch.failed += n - take;
            batch.first_error = Some(format!("only {take} leads left to open"));
        }
        // Printed at the end: a full pipe would block this runtime, and the sockets with it.
        let mut convs = String::new();
        while let Some(result) = results.recv().await {
            if let Ok((conv_id, token)) = &result {
                convs.push_str(&format!("conv {} {token}\n", conv_id.0));
            }
            batch.add(result.map(drop));
        }
        print!("{convs}");
        println!("{}", batch.line("opened"));
    }
}

type Opened = Result<(ConvId, String), Failure>;

struct Socket {
    server: SocketAddr,
    source: IpAddr,
    conv_id: ConvId,
    token: String,
    tally: Arc<Mutex<Report>>,
}

type Stream = tokio_tungstenite::WebSocketStream<tokio::net::TcpStream>;

impl Socket {
    /// Connects and subscribes (at most `OPENING` at once), reports that, then
    /// reads until the socket ends.
    async fn hold(self, gate: Arc<Semaphore>, done: mpsc::UnboundedSender<Opened>) {
        let opened = match gate.acquire().await {
            Ok(_permit) => self.connect().await,
            Err(_) => Err(Failure::Other("closed gate".into())),
        };
        match opened {
            Ok((ws, last_seq)) => {
                let _ = done.send(Ok((self.conv_id.clone(), self.token.clone())));
                drop(done);
                self.read(ws, last_seq).await;
            }
            Err(e) => {
                let _ = done.send(Err(e));
            }
        }
    }

    async fn connect(&self) -> Result<(Stream, u64), Failure> {
        let socket = TcpSocket::new_v4()?;
        socket.bind(SocketAddr::new(self.source, 0))?;
        let stream = socket.connect(self.server).await?;
        stream.set_nodelay(true)?;
        let mut request =
            format!("ws://{}/ws?org_id=demo&account_id=demo", self.server).into_client_request()?;
        request
            .headers_mut()
            .insert("Origin", HeaderValue::from_static(ORIGIN));
        // Small buffers, like the server's: this process holds thousands of sockets.
        let config = WebSocketConfig::default()
            .read_buffer_size(4 * 1024)
            .write_buffer_size(0);
        let (mut ws, _) =
            tokio_tungstenite::client_async_with_config(request, stream, Some(config)).await?;
        let subscribe = ClientFrame::Subscribe {
            conv_id: self.conv_id.clone(),
            token: Some(self.token.clone()),
            after_seq: 0,
        };
        let json = serde_json::to_string(&subscribe).map_err(|e| Failure::Other(e.to_string()))?;
        ws.send(WsMessage::Text(json.into())).await?;
        while let Some(message) = ws.next().await {
            if let WsMessage::Text(text) = message? {
                match serde_json::from_str::<ServerFrame>(text.as_str()) {
                    Ok(ServerFrame::Subscribed { last_seq, .. }) => return Ok((ws, last_seq)),
                    Ok(ServerFrame::Error { code, message, .. }) => {
                        return Err(Failure::Other(format!("subscribe: {code}: {message}")));
                    }
                    _ => {}
                }
            }
        }
        Err(Failure::Other("closed before subscribed".into()))
    }

    /// Reads frames (tungstenite answers the server's pings while reading) and
    /// times each message by the send time in its client_msg_id.
    async fn read(&self, mut ws: Stream, mut last_seq: u64) {
        while let Some(message) = ws.next().await {
            let text = match message {
                Ok(WsMessage::Text(text)) => text,
                Ok(WsMessage::Close(frame)) => {
                    let mut tally = lock(&self.tally);
                    tally.closed += 1;
                    tally.error(format!("server closed a socket: {frame:?}"));
                    return;
                }
                Ok(_) => continue,
                Err(e) => {
                    let mut tally = lock(&self.tally);
                    tally.closed += 1;
                    tally.error(format!("socket broke: {e}"));
                    return;
                }
            };
            let arrived = now_us();
            let Ok(ServerFrame::Message { message }) =
                serde_json::from_str::<ServerFrame>(text.as_str())
            else {
                continue;
            };
            let mut tally = lock(&self.tally);
            if message.seq != last_seq + 1 {
                tally.gaps += 1;
            }
            last_seq = last_seq.max(message.seq);
            let id = &message.client_msg_id;
            if id.starts_with(REPLY_PREFIX) {
                tally.replies += 1;
                if let Some(sent) = sent_at(id) {
                    let latency = arrived.saturating_sub(sent).min(u64::from(u32::MAX));
                    tally.samples.push((sent / 1000, latency as u32));
                }
            } else if id.starts_with(MESSAGE_PREFIX) {
                tally.messages += 1;
            }
        }
        let mut tally = lock(&self.tally);
        tally.closed += 1;
        tally.error("socket ended without a close frame".into());
    }
}
