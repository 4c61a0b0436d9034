//! Prometheus metrics, served at `/metrics` (OpenMetrics text).
//!
//! Event metrics (latencies, counts) are recorded where they happen through
//! [`metrics()`]; state metrics (head, lag, checkpoints, sink lag, clients)
//! are read from the shared [`Status`] at scrape time, so they can never
//! disagree with `/api/v1/status`.
//!
//! | series | type | labels |
//! |---|---|---|
//! | `wraith_chain_head` | gauge | — |
//! | `wraith_indexed_block` | gauge | — |
//! | `wraith_blocks_behind_head` | gauge | — |
//! | `wraith_handler_checkpoint` | gauge | `handler` |
//! | `wraith_handler_halted` | gauge (0/1) | `handler` |
//! | `wraith_handler_batch_seconds` | histogram | `handler` |
//! | `wraith_handler_failures_total` | counter | `handler`, `action` (`halted`, `skipped`) |
//! | `wraith_handler_swaps_total` | counter | `handler` |
//! | `wraith_reorgs_total` | counter | — |
//! | `wraith_reorg_depth` | histogram | — |
//! | `wraith_rpc_requests_total` | counter | `method` |
//! | `wraith_rpc_errors_total` | counter | `method` |
//! | `wraith_rpc_request_seconds` | histogram | `method` |
//! | `wraith_db_commit_seconds` | histogram | — |
//! | `wraith_sink_lag` | gauge (outbox rows) | `sink` |
//! | `wraith_sink_cursor` | gauge | `sink` |
//! | `wraith_sink_failures_total` | counter | `sink` |
//! | `wraith_ws_clients` | gauge | — |
//! | `wraith_api_request_seconds` | histogram | `route`, `status` |

use std::sync::OnceLock;

use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

use crate::status::Status;

/// `handler` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct HandlerLabel {
    /// Handler name.
    pub handler: String,
}

/// `handler`, `action` labels.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct FailureLabels {
    /// Handler name.
    pub handler: String,
    /// `halted` or `skipped`.
    pub action: String,
}

/// `method` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct MethodLabel {
    /// JSON-RPC method.
    pub method: String,
}

/// `sink` label.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct SinkLabel {
    /// Sink name.
    pub sink: String,
}

/// `route`, `status` labels.
#[derive(Debug, Clone, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RouteLabels {
    /// The matched route template (e.g. `/api/v1/positions/{address}`).
    pub route: String,
    /// HTTP status code.
    pub status: u16,
}

type HistogramFamily<L> = Family<L, Histogram, fn() -> Histogram>;

fn latency() -> Histogram {
    Histogram::new(exponential_buckets(0.000_25, 2.0, 18))
}

fn depth() -> Histogram {
    Histogram::new(exponential_buckets(1.0, 2.0, 12))
}

/// Every event metric.
#[derive(Debug)]
pub struct Metrics {
    /// Handler call time per batch.
    pub handler_batch: HistogramFamily<HandlerLabel>,
    /// Handler failures.
    pub handler_failures: Family<FailureLabels, Counter>,
    /// Hot swaps applied.
    pub handler_swaps: Family<HandlerLabel, Counter>,
    /// Reorgs committed.
    pub reorgs: Counter,
    /// Reorg depths.
    pub reorg_depth: Histogram,
    /// RPC requests by method.
    pub rpc_requests: Family<MethodLabel, Counter>,
    /// RPC errors by method.
    pub rpc_errors: Family<MethodLabel, Counter>,
    /// RPC latency by method.
    pub rpc_latency: HistogramFamily<MethodLabel>,
    /// Database commit latency (write + commit of a batch).
    pub db_commit: Histogram,
    /// Failed publishing rounds by sink.
    pub sink_failures: Family<SinkLabel, Counter>,
    /// API latency by route and status.
    pub api_latency: HistogramFamily<RouteLabels>,
}

/// The process-wide metrics.
pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(|| Metrics {
        handler_batch: Family::new_with_constructor(latency),
        handler_failures: Family::default(),
        handler_swaps: Family::default(),
        reorgs: Counter::default(),
        reorg_depth: depth(),
        rpc_requests: Family::default(),
        rpc_errors: Family::default(),
        rpc_latency: Family::new_with_constructor(latency),
        db_commit: latency(),
        sink_failures: Family::default(),
        api_latency: Family::new_with_constructor(latency),
    })
}

/// Record one RPC call.
pub fn rpc(method: &str, seconds: f64, ok: bool) {
    let m = metrics();
    let label = MethodLabel {
        method: method.to_owned(),
    };
    m.rpc_requests.get_or_create(&label).inc();
    m.rpc_latency.get_or_create(&label).observe(seconds);
    if !ok {
        m.rpc_errors.get_or_create(&label).inc();
    }
}

/// The OpenMetrics text of every series; state gauges from `status` and
/// the WebSocket client count `ws_clients`.
pub fn render(status: &Status, ws_clients: Option<usize>) -> Result<String, std::fmt::Error> {
    let m = metrics();
    let s = status.snapshot();
    let mut r = Registry::default();
    let gauge = |v: i64| {
        let g: Gauge = Gauge::default();
        g.set(v);
        g
    };
    let as_i64 = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    r.register(
        "wraith_chain_head",
        "Newest block number the node reported",
        gauge(s.head.map_or(0, as_i64)),
    );
    r.register(
        "wraith_indexed_block",
        "Last committed block number",
        gauge(s.indexed.map_or(0, as_i64)),
    );
    r.register(
        "wraith_blocks_behind_head",
        "Blocks between the node head and the last committed block",
        gauge(as_i64(
            s.head.unwrap_or(0).saturating_sub(s.indexed.unwrap_or(0)),
        )),
    );
    let checkpoints: Family<HandlerLabel, Gauge> = Family::default();
    let halted: Family<HandlerLabel, Gauge> = Family::default();
    for (name, h) in &s.handlers {
        let l = HandlerLabel {
            handler: name.clone(),
        };
        checkpoints
            .get_or_create(&l)
            .set(h.checkpoint.map_or(-1, as_i64));
        halted.get_or_create(&l).set(i64::from(h.state == "halted"));
    }
    r.register(
        "wraith_handler_checkpoint",
        "Last block committed per handler (-1: none yet)",
        checkpoints,
    );
    r.register(
        "wraith_handler_halted",
        "1 when the handler is parked at a failing block",
        halted,
    );
    r.register(
        "wraith_handler_batch_seconds",
        "Handler call time per batch",
        m.handler_batch.clone(),
    );
    r.register(
        "wraith_handler_failures",
        "Handler failures by action (halted, skipped)",
        m.handler_failures.clone(),
    );
    r.register(
        "wraith_handler_swaps",
        "Hot swaps applied per handler",
        m.handler_swaps.clone(),
    );
    r.register("wraith_reorgs", "Reorgs committed", m.reorgs.clone());
    r.register(
        "wraith_reorg_depth",
        "Blocks reverted per reorg",
        m.reorg_depth.clone(),
    );
    r.register(
        "wraith_rpc_requests",
        "JSON-RPC requests by method",
        m.rpc_requests.clone(),
    );
    r.register(
        "wraith_rpc_errors",
        "JSON-RPC failures (transport or node error) by method",
        m.rpc_errors.clone(),
    );
    r.register(
        "wraith_rpc_request_seconds",
        "JSON-RPC latency by method",
        m.rpc_latency.clone(),
    );
    r.register(
        "wraith_db_commit_seconds",
        "Time to write and commit one batch",
        m.db_commit.clone(),
    );
    let lag: Family<SinkLabel, Gauge> = Family::default();
    let cursor: Family<SinkLabel, Gauge> = Family::default();
    for (name, k) in &s.sinks {
        let l = SinkLabel { sink: name.clone() };
        lag.get_or_create(&l).set(k.lag);
        cursor.get_or_create(&l).set(k.cursor);
    }
    r.register("wraith_sink_lag", "Outbox rows not yet published", lag);
    r.register("wraith_sink_cursor", "Last published outbox id", cursor);
    r.register(
        "wraith_sink_failures",
        "Failed publishing rounds by sink",
        m.sink_failures.clone(),
    );
    let clients: Gauge<i64, std::sync::atomic::AtomicI64> = Gauge::default();
    clients.set(ws_clients.map_or(0, |c| i64::try_from(c).unwrap_or(i64::MAX)));
    r.register("wraith_ws_clients", "Connected WebSocket clients", clients);
    r.register(
        "wraith_api_request_seconds",
        "API latency by route and status",
        m.api_latency.clone(),
    );
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &r)?;
    Ok(out)
}
