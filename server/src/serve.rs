//! The accept loop: HTTP/1 and HTTP/2 (with WebSocket upgrades) on hyper, with the
//! limits that keep a slow or idle client from holding the server's connections.
//!
//! - A client must send its first request's headers within `header_read` of the
//!   connection opening, and each later one's within `header_read` of its first
//!   byte (slowloris).
//! - A connection on which no byte moved either way for `idle_secs` is closed: an
//!   idle keep-alive connection, or a client that stalls mid-body. Upgraded
//!   WebSockets are left to their own heartbeats and idle limit (`ws::connection`).
//! - At most `max_connections` are open at once, and `max_connections_per_ip` from
//!   one peer address (not applied behind a trusted proxy, whose address every
//!   connection shares). Past a cap a new connection is closed at once.
//!
//! Each connection's slots live in its I/O object, so an upgraded WebSocket keeps
//! holding them until it closes.

use crate::limits::{SocketCounter, SocketSlot};
use axum::Router;
use axum::extract::ConnectInfo;
use hyper::body::Incoming;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use tokio::time::Instant;
use tower::ServiceExt;

/// The connection limits (see the module's documentation); 0 disables a cap.
#[derive(Clone, Copy, Debug)]
pub struct ConnectionLimits {
    pub header_read: Duration,
    pub idle: Duration,
    pub max_connections: usize,
    pub max_per_ip: usize,
}

/// How long in-flight requests may take to finish once shutdown begins.
const DRAIN: Duration = Duration::from_secs(30);

/// Serves `app` on `listener` until `stop` turns true, then lets in-flight
/// requests finish (at most [`DRAIN`]).
pub async fn serve(
    listener: TcpListener,
    app: Router,
    limits: ConnectionLimits,
    mut stop: watch::Receiver<bool>,
) -> io::Result<()> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read);
    builder.http2().timer(TokioTimer::new());
    let builder = Arc::new(builder);
    // Every connection task holds a receiver: when all are gone, the drain is over.
    let (drained_tx, drained_rx) = watch::channel(());
    let total = Arc::new(Semaphore::new(if limits.max_connections == 0 {
        Semaphore::MAX_PERMITS
    } else {
        limits.max_connections
    }));
    let per_ip = SocketCounter::default();
    let started = Instant::now();
    loop {
        let (tcp, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(e) => {
                    // Out of file descriptors and the like: back off, keep serving.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(Duration::from_millis(100)).await;
                    continue;
                }
            },
            () = stopped(&mut stop) => break,
        };
        let Ok(permit) = total.clone().try_acquire_owned() else {
            tracing::debug!(%peer, "refusing a connection: max_connections reached");
            crate::telemetry::connection_refused("max_connections");
            continue; // dropping `tcp` closes it
        };
        let slot = if limits.max_per_ip == 0 {
            None
        } else {
            match per_ip.acquire(peer.ip(), limits.max_per_ip) {
                Ok(slot) => Some(slot),
                Err(_) => {
                    tracing::debug!(%peer, "refusing a connection: max_connections_per_ip reached");
                    crate::telemetry::connection_refused("max_connections_per_ip");
                    continue;
                }
            }
        };
        // Chat frames are small and latency-bound: no Nagle delay.
        let _ = tcp.set_nodelay(true);
        let activity = Arc::new(AtomicU64::new(millis_since(started)));
        // hyper's header timer starts with the first byte: a silent connection
        // is timed here, until its first request.
        let asked = Arc::new(AtomicBool::new(false));
        let io = Watched {
            tcp,
            started,
            activity: activity.clone(),
            _slots: (permit, slot),
        };
        let (app, seen) = (app.clone(), asked.clone());
        let service = hyper::service::service_fn(move |mut request: hyper::Request<Incoming>| {
            seen.store(true, Ordering::Relaxed);
            request.extensions_mut().insert(ConnectInfo(peer));
            app.clone().oneshot(request)
        });
        let (builder, drained, mut stop) = (builder.clone(), drained_rx.clone(), stop.clone());
        let (idle, header_read) = (limits.idle, limits.header_read);
        tokio::spawn(async move {
            let _drained = drained;
            let connection = builder.serve_connection_with_upgrades(TokioIo::new(io), service);
            tokio::pin!(connection);
            let served = tokio::select! {
                served = connection.as_mut() => served,
                () = idle_for(&activity, started, idle) => {
                    tracing::debug!(%peer, "closing an idle connection");
                    return;
                }
                () = silent_for(&asked, header_read) => {
                    tracing::debug!(%peer, "closing a connection that sent no request");
                    return;
                }
                () = stopped(&mut stop) => {
                    connection.as_mut().graceful_shutdown();
                    connection.await
                }
            };
            if let Err(e) = served {
                tracing::debug!(error = %e, "connection ended with an error");
            }
        });
    }
    drop(listener);
    drop(drained_rx);
    if tokio::time::timeout(DRAIN, drained_tx.closed())
        .await
        .is_err()
    {
        tracing::warn!("requests still running after the drain period; stopping anyway");
    }
    Ok(())
}

/// Resolves once `stop` turns true (or its sender is gone).
async fn stopped(stop: &mut watch::Receiver<bool>) {
    let _ = stop.wait_for(|stop| *stop).await;
}

/// Resolves after `wait` if no request came by then; otherwise never.
async fn silent_for(asked: &AtomicBool, wait: Duration) {
    tokio::time::sleep(wait).await;
    if asked.load(Ordering::Relaxed) {
        std::future::pending::<()>().await;
    }
}

fn millis_since(started: Instant) -> u64 {
    u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX)
}

/// Resolves once no byte has moved for `idle` (never, when `idle` is zero).
async fn idle_for(activity: &AtomicU64, started: Instant, idle: Duration) {
    if idle.is_zero() {
        return std::future::pending().await;
    }
    loop {
        let last = started + Duration::from_millis(activity.load(Ordering::Relaxed));
        let deadline = last + idle;
        if Instant::now() >= deadline {
            return;
        }
        tokio::time::sleep_until(deadline).await;
    }
}

/// A TCP stream that notes when bytes last moved, and holds its connection slots.
struct Watched {
    tcp: TcpStream,
    started: Instant,
    /// Milliseconds after `started` of the last read or write.
    activity: Arc<AtomicU64>,
    _slots: (OwnedSemaphorePermit, Option<SocketSlot>),
}

impl Watched {
    fn touch(&self) {
        self.activity
            .store(millis_since(self.started), Ordering::Relaxed);
    }
}

impl AsyncRead for Watched {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.tcp).poll_read(cx, buf);
        if buf.filled().len() > before {
            self.touch();
        }
        polled
    }
}

impl AsyncWrite for Watched {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.tcp).poll_write(cx, buf);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        let polled = Pin::new(&mut self.tcp).poll_write_vectored(cx, bufs);
        if matches!(polled, Poll::Ready(Ok(n)) if n > 0) {
            self.touch();
        }
        polled
    }

    fn is_write_vectored(&self) -> bool {
        self.tcp.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.tcp).poll_shutdown(cx)
    }
}
