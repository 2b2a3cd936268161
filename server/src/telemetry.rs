//! Prometheus metrics, served at `/metrics`. Every series carries an `instance` label.

use metrics::{counter, gauge, histogram};
use metrics_exporter_prometheus::{PrometheusBuilder, PrometheusHandle};
use std::sync::OnceLock;
use std::time::Duration;

static HANDLE: OnceLock<Option<PrometheusHandle>> = OnceLock::new();

/// Installs the process-wide recorder once; later calls (tests start many apps) reuse it.
pub fn install(instance: &str) {
    HANDLE.get_or_init(|| {
        let builder = PrometheusBuilder::new()
            .add_global_label("instance", instance)
            .set_buckets(&[
                0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5,
            ])
            .ok()?;
        let recorder = builder.build_recorder();
        let handle = recorder.handle();
        metrics::set_global_recorder(recorder).ok()?;
        Some(handle)
    });
}

pub fn message_committed(direction: natter_protocol::Direction) {
    counter!("natter_messages_total", "direction" => direction.as_str()).increment(1);
}

/// One webhook delivery attempt, and whether the endpoint took it.
pub fn webhook_attempt(delivered: bool) {
    let outcome = if delivered { "delivered" } else { "failed" };
    counter!("natter_webhook_attempts_total", "outcome" => outcome).increment(1);
}

/// One group commit of `size` appends (appends / batches = the mean batch size).
pub fn append_batch(size: usize) {
    counter!("natter_append_batches_total").increment(1);
    counter!("natter_appends_total").increment(size as u64);
}

/// One restart of SQLite's log by the writer: how long appends waited for it.
pub fn wal_restart(took: Duration) {
    histogram!("natter_wal_restart_seconds").record(took.as_secs_f64());
}

pub fn frame_delivered(latency: Duration) {
    counter!("natter_frames_delivered_total").increment(1);
    histogram!("natter_delivery_latency_seconds").record(latency.as_secs_f64());
}

pub fn queue_overflow() {
    counter!("natter_queue_overflows_total").increment(1);
}

pub fn error(code: &str) {
    counter!("natter_errors_total", "code" => code.to_owned()).increment(1);
}

/// A connection closed at accept because a cap (`why`) was reached.
pub fn connection_refused(why: &'static str) {
    counter!("natter_connections_refused_total", "cap" => why).increment(1);
}

pub fn bus_dropped() {
    counter!("natter_bus_dropped_total").increment(1);
}

/// The text exposition of every series, with the socket gauges set to these counts.
pub fn render(sockets: usize, subscriptions: usize) -> String {
    gauge!("natter_open_sockets").set(sockets as f64);
    gauge!("natter_subscriptions").set(subscriptions as f64);
    HANDLE
        .get()
        .and_then(Option::as_ref)
        .map(PrometheusHandle::render)
        .unwrap_or_default()
}
