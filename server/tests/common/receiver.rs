//! A webhook receiver on loopback for the tests: it records every request, answers
//! what the test sets, and verifies signatures as a receiver would.

#![allow(dead_code)] // Each test binary uses what it needs.

use axum::extract::State;
use axum::http::{HeaderMap, StatusCode as AxumStatus};
use hmac::{Hmac, Mac};
use serde_json::Value;
use sha2::Sha256;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// One request the receiver took.
#[derive(Clone, Debug)]
pub struct Received {
    pub id: String,
    pub timestamp: String,
    pub signature: String,
    pub body: String,
}

/// A webhook receiver on loopback: it records every request and answers `status`.
#[derive(Clone)]
pub struct Receiver {
    pub url: String,
    got: Arc<Mutex<Vec<Received>>>,
    /// What it answers (200 unless a test says otherwise).
    pub status: Arc<AtomicU16>,
    /// How long it takes to answer (ms).
    pub delay_ms: Arc<AtomicU64>,
    /// When set, it answers 307 with this `Location` instead.
    pub redirect_to: Arc<Mutex<Option<String>>>,
}

impl Receiver {
    pub async fn start() -> Self {
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let status = Arc::new(AtomicU16::new(200));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let redirect_to: Arc<Mutex<Option<String>>> = Arc::default();
        let app = axum::Router::new()
            .route("/hook", axum::routing::post(take))
            .with_state((
                got.clone(),
                status.clone(),
                delay_ms.clone(),
                redirect_to.clone(),
            ));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url,
            got,
            status,
            delay_ms,
            redirect_to,
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.got.lock().unwrap().clone()
    }

    /// Each event once (the first copy of each id), in arrival order.
    pub fn events(&self) -> Vec<Value> {
        let mut seen = std::collections::HashSet::new();
        self.received()
            .into_iter()
            .filter(|r| seen.insert(r.id.clone()))
            .map(|r| serde_json::from_str(&r.body).unwrap())
            .collect()
    }
}

type Shared = (
    Arc<Mutex<Vec<Received>>>,
    Arc<AtomicU16>,
    Arc<AtomicU64>,
    Arc<Mutex<Option<String>>>,
);

async fn take(
    State((got, status, delay_ms, redirect_to)): State<Shared>,
    headers: HeaderMap,
    body: String,
) -> axum::response::Response {
    use axum::response::IntoResponse;
    tokio::time::sleep(Duration::from_millis(delay_ms.load(Ordering::SeqCst))).await;
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    };
    got.lock().unwrap().push(Received {
        id: header("natter-webhook-id"),
        timestamp: header("natter-webhook-timestamp"),
        signature: header("natter-webhook-signature"),
        body,
    });
    if let Some(to) = redirect_to.lock().unwrap().clone() {
        return (AxumStatus::TEMPORARY_REDIRECT, [("location", to)]).into_response();
    }
    AxumStatus::from_u16(status.load(Ordering::SeqCst))
        .unwrap()
        .into_response()
}

/// What a receiver computes: `v1=` and the hex HMAC-SHA256 of `{id}.{timestamp}.{body}`.
pub fn verify(secret: &str, r: &Received) -> bool {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{}.{}.{}", r.id, r.timestamp, r.body).as_bytes());
    let want: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    r.signature == format!("v1={want}")
}
