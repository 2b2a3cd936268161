//! The HTTP side: leads, staff replies and visitor messages, sent through the
//! public API at a set rate (open loop) or as fast as `concurrency` clients go.

use crate::worker::{MESSAGE_PREFIX, ORIGIN, REPLY_PREFIX, now_us};
use natter_protocol::{CreateLead, LeadCreated, LoginRequest, LoginResponse, PostMessage};
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use tokio::time::Instant;

/// A conversation to write into, with its visitor token.
#[derive(Clone, Debug)]
pub struct Target {
    pub conv_id: String,
    pub token: String,
}

/// Who writes.
#[derive(Clone, Debug)]
pub enum Kind {
    /// A staff member replies (Bearer staff token, `/replies`).
    Reply { staff_token: String },
    /// The visitor writes (Bearer visitor token, `/messages`).
    Message,
}

#[derive(Debug, Default, Serialize)]
pub struct Drive {
    /// Requests started.
    pub sent: u64,
    /// 201 Created: committed.
    pub ok: u64,
    /// Everything else, by status or error.
    pub failures: BTreeMap<String, u64>,
    /// Sends the generator could not start on time (all `concurrency` requests in
    /// flight): the server or the generator is saturated at this rate.
    pub skipped: u64,
    /// Request → 201, µs.
    #[serde(skip)]
    pub ack_us: Vec<u32>,
    /// Commits acknowledged in each second of the run.
    pub ok_per_sec: Vec<u64>,
}

impl Drive {
    fn record(
        &mut self,
        started: Instant,
        result: Result<reqwest::StatusCode, String>,
        t0: Instant,
    ) {
        match result {
            Ok(status) if status == reqwest::StatusCode::CREATED => {
                self.ok += 1;
                let us = started.elapsed().as_micros().min(u128::from(u32::MAX)) as u32;
                self.ack_us.push(us);
                let second = t0.elapsed().as_secs() as usize;
                if self.ok_per_sec.len() <= second {
                    self.ok_per_sec.resize(second + 1, 0);
                }
                self.ok_per_sec[second] += 1;
            }
            Ok(status) => *self.failures.entry(format!("HTTP {status}")).or_default() += 1,
            Err(e) => *self.failures.entry(e).or_default() += 1,
        }
    }

    pub fn failed(&self) -> u64 {
        self.failures.values().sum()
    }
}

pub fn client(concurrency: usize) -> Result<reqwest::Client, String> {
    reqwest::Client::builder()
        .pool_max_idle_per_host(concurrency)
        .tcp_nodelay(true)
        .timeout(Duration::from_secs(30))
        .build()
        .map_err(|e| e.to_string())
}

pub async fn create_lead(
    http: &reqwest::Client,
    base: &str,
    i: usize,
) -> Result<LeadCreated, reqwest::Error> {
    let body = CreateLead {
        name: format!("Bench visitor {i}"),
        ..CreateLead::default()
    };
    http.post(format!("{base}/api/v1/widget/demo/demo/leads"))
        .header("Origin", ORIGIN)
        .json(&body)
        .send()
        .await?
        .error_for_status()?
        .json()
        .await
}

pub async fn login(http: &reqwest::Client, base: &str) -> Result<String, String> {
    let body = LoginRequest {
        email: "demo@example.com".into(),
        password: "demo".into(),
    };
    let response = http
        .post(format!("{base}/api/v1/auth/login"))
        .json(&body)
        .send()
        .await
        .and_then(reqwest::Response::error_for_status)
        .map_err(|e| format!("staff login: {e}"))?;
    let login: LoginResponse = response.json().await.map_err(|e| e.to_string())?;
    Ok(login.token)
}

/// Posts one message; its client_msg_id carries the send time for the sockets to time it.
async fn post(
    http: &reqwest::Client,
    base: &str,
    kind: &Kind,
    target: &Target,
    n: u64,
) -> Result<reqwest::StatusCode, String> {
    let (path, token, prefix) = match kind {
        Kind::Reply { staff_token } => ("replies", staff_token.as_str(), REPLY_PREFIX),
        Kind::Message => ("messages", target.token.as_str(), MESSAGE_PREFIX),
    };
    let body = PostMessage {
        text: format!("bench message {n}"),
        client_msg_id: format!("{prefix}-{}-{n}", now_us()),
        attachment_ids: Vec::new(),
    };
    http.post(format!(
        "{base}/api/v1/conversations/{}/{path}",
        target.conv_id
    ))
    .bearer_auth(token)
    .header("Origin", ORIGIN)
    .json(&body)
    .send()
    .await
    .map(|r| r.status())
    .map_err(|e| {
        if e.is_timeout() {
            "timeout".to_owned()
        } else if e.is_connect() {
            "connect error".to_owned()
        } else {
            "request error".to_owned()
        }
    })
}

/// Drives `kind` over `targets` (round robin) for `duration`: at `rate` per second
/// with at most `concurrency` in flight, or, without a rate, from `concurrency`
/// clients each sending its next request when the last is acknowledged.
pub async fn drive(
    http: reqwest::Client,
    base: String,
    kind: Kind,
    targets: Arc<Vec<Target>>,
    rate: Option<f64>,
    concurrency: usize,
    duration: Duration,
) -> Drive {
    let stats = Arc::new(Mutex::new(Drive::default()));
    if targets.is_empty() {
        return Drive::default();
    }
    let t0 = Instant::now();
    let deadline = t0 + duration;
    let gate = Arc::new(Semaphore::new(concurrency));
    let shared = Arc::new((http, base, kind, targets));
    match rate {
        Some(rate) => {
            let period = Duration::from_secs_f64(1.0 / rate.max(0.001));
            for n in 0u64.. {
                let due = t0 + period.mul_f64(n as f64);
                if due >= deadline {
                    break;
                }
                tokio::time::sleep_until(due).await;
                let Ok(permit) = gate.clone().try_acquire_owned() else {
                    lock(&stats).skipped += 1;
                    continue;
                };
                let (shared, stats) = (shared.clone(), stats.clone());
                tokio::spawn(async move {
                    let (http, base, kind, targets) = &*shared;
                    let target = &targets[n as usize % targets.len()];
                    let started = Instant::now();
                    lock(&stats).sent += 1;
                    let result = post(http, base, kind, target, n).await;
                    lock(&stats).record(started, result, t0);
                    drop(permit);
                });
            }
        }
        None => {
            let next = Arc::new(std::sync::atomic::AtomicU64::new(0));
            for _ in 0..concurrency {
                let (shared, stats, next, gate) =
                    (shared.clone(), stats.clone(), next.clone(), gate.clone());
                tokio::spawn(async move {
                    let Ok(_permit) = gate.acquire().await else {
                        return;
                    };
                    let (http, base, kind, targets) = &*shared;
                    while Instant::now() < deadline {
                        let n = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let target = &targets[n as usize % targets.len()];
                        let started = Instant::now();
                        lock(&stats).sent += 1;
                        let result = post(http, base, kind, target, n).await;
                        lock(&stats).record(started, result, t0);
                    }
                });
            }
            tokio::time::sleep_until(deadline).await;
        }
    }
    // Wait for what is in flight (bounded by the request timeout).
    let _ = gate.acquire_many(concurrency as u32).await;
    std::mem::take(&mut *lock(&stats))
}

fn lock(stats: &Mutex<Drive>) -> std::sync::MutexGuard<'_, Drive> {
    stats
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
}
