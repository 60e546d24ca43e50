//! `GET /metrics`: Prometheus metrics, in the OpenMetrics text format that Prometheus scrapes.
//!
//! Counted as they happen, in this process: requests by route, method and status, with latency
//! histograms by route, and the firewall's refusals by ecosystem and rule. Read from the store at
//! each scrape, so every node reports the same shared figures: events by type, users,
//! indicators, and each polled source's lag, failures, polls and records.

use crate::App;
use axum::{
    extract::{MatchedPath, Request, State},
    http::header,
    middleware::Next,
    response::{IntoResponse, Response},
};
use prometheus_client::encoding::{EncodeLabelSet, text::encode};
use prometheus_client::metrics::{
    counter::Counter,
    family::Family,
    gauge::Gauge,
    histogram::{Histogram, exponential_buckets},
};
use prometheus_client::registry::Registry;
use std::sync::{Arc, LazyLock};

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    route: String,
    method: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
    method: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct BlockLabels {
    ecosystem: String,
    rule: String,
    /// `refused` (a download) or `withheld` (a version left out of metadata served).
    kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct TypeLabels {
    event_type: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct SourceLabels {
    source: String,
    kind: String,
}

type Latency = Family<RouteLabels, Histogram, fn() -> Histogram>;

/// What this process counts as it runs.
struct Counted {
    requests: Family<RequestLabels, Counter>,
    latency: Latency,
    blocks: Family<BlockLabels, Counter>,
}

fn latency_histogram() -> Histogram {
    // 0.5 ms to about 16 s.
    Histogram::new(exponential_buckets(0.0005, 2.0, 16))
}

/// One per process: requests and refusals are counted wherever they happen.
static COUNTED: LazyLock<Counted> = LazyLock::new(|| Counted {
    requests: Family::default(),
    latency: Family::new_with_constructor(latency_histogram as fn() -> Histogram),
    blocks: Family::default(),
});

/// Counts a request and its latency under its route's pattern (`/v1/vulns/{id}`, never the
/// path itself, so label values stay few); requests that match no route count as `unmatched`.
pub(crate) async fn track(request: Request, next: Next) -> Response {
    let route = request.extensions().get::<MatchedPath>().map_or("unmatched", MatchedPath::as_str).to_owned();
    let method = request.method().as_str().to_owned();
    let started = std::time::Instant::now();
    let response = next.run(request).await;
    let status = response.status().as_u16();
    COUNTED.requests.get_or_create(&RequestLabels { route: route.clone(), method: method.clone(), status }).inc();
    COUNTED.latency.get_or_create(&RouteLabels { route, method }).observe(started.elapsed().as_secs_f64());
    response
}

/// Counts a refusal by the registry firewall.
pub(crate) fn blocked(ecosystem: &str, rule: &str, kind: scioc_store::BlockKind) {
    let labels = BlockLabels { ecosystem: ecosystem.to_owned(), rule: rule.to_owned(), kind: kind.as_str() };
    COUNTED.blocks.get_or_create(&labels).inc();
}

fn gauge(value: i64) -> Gauge {
    let g = Gauge::default();
    g.set(value);
    g
}

/// `GET /metrics`.
pub(crate) async fn metrics(State(app): State<Arc<App>>) -> Response {
    let mut registry = Registry::with_prefix("scioc");
    registry.register("http_requests", "HTTP requests by route, method and status", COUNTED.requests.clone());
    registry.register(
        "http_request_duration_seconds",
        "Time to answer HTTP requests, by route and method",
        COUNTED.latency.clone(),
    );
    registry.register(
        "firewall_blocks",
        "Downloads the registry firewall refused, and versions it withheld from metadata it served",
        COUNTED.blocks.clone(),
    );

    let events: Family<TypeLabels, Counter> = Family::default();
    use scioc_model::EventType;
    for t in [EventType::NewMalicious, EventType::FalsePositive, EventType::NewThreatName] {
        // Every type is shown, 0 included, so that rates over it are defined from the start.
        events.get_or_create(&TypeLabels { event_type: t.as_str().to_owned() }).inc_by(0);
    }
    if let Ok(counts) = app.store.event_counts().await {
        for (event_type, n) in counts {
            events.get_or_create(&TypeLabels { event_type: event_type.as_str().to_owned() }).inc_by(n);
        }
    }
    registry.register("events_appended", "Events in the feed, by type (nothing is ever deleted)", events);
    if let Ok(stats) = app.store.stats().await {
        registry.register("store_events", "Events the store holds", gauge(stats.events as i64));
        registry.register("store_users", "Users the store holds", gauge(stats.users as i64));
        registry.register("store_indicators", "Indicators the store holds", gauge(stats.indicators as i64));
        registry.register("store_bytes", "Bytes the store takes on disk", gauge(stats.bytes as i64));
        if let Some(head) = stats.head {
            registry.register(
                "store_newest_event_timestamp_seconds",
                "Time of the newest event",
                gauge(head.time.unix()),
            );
        }
    }
    if let Ok(sources) = app.store.feed_sources().await {
        let now = scioc_model::FeedTime::now();
        let lag: Family<SourceLabels, Gauge> = Family::default();
        let failures: Family<SourceLabels, Gauge> = Family::default();
        let records: Family<SourceLabels, Gauge> = Family::default();
        let polls: Family<SourceLabels, Counter> = Family::default();
        for s in &sources {
            let labels = SourceLabels { source: s.def.name.clone(), kind: s.def.kind.clone() };
            // Never read: the lag since the source was added is unknown; -1 says so.
            let l = s.status.last_success.map_or(-1, |t| (now.unix() - t.unix()).max(0));
            lag.get_or_create(&labels).set(l);
            failures.get_or_create(&labels).set(i64::from(s.status.failures));
            records.get_or_create(&labels).set(s.status.records as i64);
            polls.get_or_create(&labels).inc_by(s.status.polls);
        }
        registry.register("source_lag_seconds", "Seconds since the source was last read successfully (-1: never)", lag);
        registry.register(
            "source_failures",
            "Failed polls of the source in a row (0: the last poll succeeded)",
            failures,
        );
        registry.register("source_records", "Records the source held at its last read", records);
        registry.register("source_polls", "Polls of the source, successful or not", polls);
    }
    let mut body = String::new();
    if encode(&mut body, &registry).is_err() {
        return crate::error::AppError::Internal("metrics could not be encoded".into()).into_response();
    }
    ([(header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], body).into_response()
}
