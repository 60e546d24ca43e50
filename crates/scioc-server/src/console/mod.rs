//! The web console at `/`: the feed's state, a search that answers with verdicts and
//! references, and, for admins, users and cursors.
//!
//! Every page is rendered on the server (HTML from [`maud`], charts as inline SVG), so it works
//! without JavaScript and fetches nothing from anywhere else: the one other file is the style
//! sheet, compiled into the binary. A strict `Content-Security-Policy` allows nothing more.
//! The console is authenticated like the feed (Basic, the same users), so a browser asks for
//! the feed's credentials.

mod chart;
mod search;
mod view;

use crate::{App, auth::Caller, error::AppError};
use axum::{
    Extension,
    extract::{Query, State},
    http::{HeaderValue, header},
    response::{IntoResponse, Response},
};
use scioc_model::{FeedTime, Role};
use scioc_store::{DailyCount, FeedSource, Stats, StoredEvent, UserRecord, dump::CursorRecord};
use std::sync::Arc;

/// Where the style sheet is served.
pub(crate) const STYLE_PATH: &str = "/console.css";
/// How many of the newest events the console lists.
const NEWEST: i64 = 20;
/// How many of a search's events the console lists.
const HISTORY: usize = 50;
/// How many of the firewall's refusals an admin sees.
const BLOCKS: u32 = 20;
/// How many kept package analyses an admin sees listed.
const ANALYSES: usize = 20;
/// The chart windows one can choose, in days.
const WINDOWS: [i64; 4] = [7, 30, 90, 365];

/// What the console's address may carry.
#[derive(Debug, Default, serde::Deserialize)]
pub(crate) struct Params {
    /// A search: a purl, a hash, or a name with an optional version.
    #[serde(default)]
    q: String,
    /// The ecosystem of a name (OSV's spelling); empty for every ecosystem.
    #[serde(default)]
    ecosystem: String,
    /// Days the charts span: one of [`WINDOWS`]; anything else is the default.
    #[serde(default)]
    days: String,
}

/// One feed event as the console shows it, read from its wire JSON.
#[derive(Debug, Clone)]
pub(crate) struct EventLine {
    seq: i64,
    time: FeedTime,
    event_type: &'static str,
    purl: String,
    ecosystem: String,
    threat: Option<String>,
    level: Option<u64>,
    record: Option<String>,
    source: Option<String>,
    references: Vec<String>,
    reason: Option<String>,
}

impl EventLine {
    fn of(e: &StoredEvent) -> EventLine {
        let json: serde_json::Value = serde_json::from_slice(&e.entry_json).unwrap_or_default();
        let s = |v: &serde_json::Value| v.as_str().map(str::to_owned);
        let sample = &json["sample_list"][0];
        let provenance = &json["scioc"]["provenance"];
        EventLine {
            seq: e.seq,
            time: e.time,
            event_type: e.event_type.as_str(),
            purl: e.purl.clone().or_else(|| s(&sample["sha256"])).unwrap_or_default(),
            ecosystem: s(&json["identity"]["community"]).unwrap_or_default(),
            threat: s(&sample["threat_name"]),
            level: sample["threat_level"].as_str().and_then(|l| l.parse().ok()).or(sample["threat_level"].as_u64()),
            record: s(&provenance["id"]),
            source: s(&provenance["source"]),
            references: provenance["references"]
                .as_array()
                .map(|r| r.iter().filter_map(|r| s(&r["url"])).take(3).collect())
                .unwrap_or_default(),
            reason: s(&provenance["reason"]),
        }
    }
}

/// A search and what it found, per ecosystem looked in.
pub(crate) struct Searched {
    q: String,
    ecosystem: String,
    /// What each lookup found, or why the search could not be read or answered.
    found: Result<Vec<(search::Judged, Vec<EventLine>)>, String>,
    /// How many lookups were made (every ecosystem, for a bare name).
    looked_in: usize,
    /// The record ids shown that `/v1/vulns/{id}` serves, linked there.
    served: std::collections::HashSet<String>,
}

/// What admins see beyond the feed.
pub(crate) struct AdminView {
    users: Vec<UserRecord>,
    cursors: Vec<CursorRecord>,
    blocks: Vec<scioc_store::BlockRecord>,
    /// Kept package analyses, newest first, as their JSON.
    analyses: Vec<serde_json::Value>,
}

/// Everything one page shows.
pub(crate) struct Page {
    caller: Caller,
    stats: Stats,
    counts: Vec<(scioc_model::EventType, u64)>,
    daily: Vec<DailyCount>,
    last_day: i64,
    days: i64,
    newest: Vec<EventLine>,
    sources: Vec<FeedSource>,
    now: FeedTime,
    search: Option<Searched>,
    admin: Option<AdminView>,
}

/// `GET /`: the console.
pub(crate) async fn console(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Query(params): Query<Params>,
) -> Response {
    match page(&app, caller, params).await {
        Ok(p) => html(view::page(&p).into_string()),
        Err(e) => e.into_response(),
    }
}

/// `GET /analyses/{sha256}`: a kept package analysis, with its verdict, malicious files,
/// evidence and indicators.
pub(crate) async fn analysis(
    State(app): State<Arc<App>>,
    axum::extract::Path(sha256): axum::extract::Path<String>,
) -> Response {
    let found = match crate::handlers::analyses::checked_sha(&sha256) {
        Ok(sha) => crate::handlers::analyses::kept(app.store.as_ref(), &sha).await.map(|a| (sha, a)),
        Err(e) => Err(e),
    };
    match found {
        Ok((_, Some(a))) => html(view::analysis(&a).into_string()),
        Ok((sha, None)) => AppError::NotFound(format!("no analysis of an archive with SHA-256 {sha}")).into_response(),
        Err(e) => e.into_response(),
    }
}

/// `GET /console.css`.
pub(crate) async fn style() -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("console.css")).into_response();
    r.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=3600"));
    r
}

fn html(body: String) -> Response {
    let mut r = ([(header::CONTENT_TYPE, "text/html; charset=utf-8")], body).into_response();
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
        ),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    h.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    r
}

async fn page(app: &App, caller: Caller, params: Params) -> Result<Page, AppError> {
    let store = app.store.as_ref();
    let now = FeedTime::now();
    let days = params.days.parse().ok().filter(|d| WINDOWS.contains(d)).unwrap_or(30);
    let stats = store.stats().await?;
    // The charts end with the newest event's day, so a feed that stopped (or a snapshot) still
    // shows its last weeks.
    let last_day = stats.head.map_or(now.unix(), |h| h.time.unix()).div_euclid(86_400);
    let daily = store.daily_counts(FeedTime::from_unix((last_day - days + 1) * 86_400)).await?;
    let newest = match stats.head {
        Some(h) => {
            let mut events = store.entries(((h.seq - NEWEST + 1).max(1)..=h.seq).collect()).await?;
            events.sort_by_key(|e| std::cmp::Reverse(e.seq));
            events.iter().map(EventLine::of).collect()
        }
        None => Vec::new(),
    };
    let search = match params.q.trim().is_empty() {
        true => None,
        false => Some(find(app, &params.q, &params.ecosystem).await?),
    };
    let admin = match caller.1 {
        Role::Admin => Some(AdminView {
            users: store.users().await?,
            cursors: store.cursors().await?,
            blocks: {
                let mut b = store.blocks(FeedTime::from_unix(now.unix() - 7 * 86_400), None, 10_000).await?;
                b.reverse();
                b.truncate(BLOCKS as usize);
                b
            },
            analyses: {
                let mut a = crate::handlers::analyses::all(store).await?;
                a.reverse();
                a.truncate(ANALYSES);
                a
            },
        }),
        _ => None,
    };
    Ok(Page {
        caller,
        counts: store.event_counts().await?,
        stats,
        daily,
        last_day,
        days,
        newest,
        sources: store.feed_sources().await?,
        now,
        search,
        admin,
    })
}

/// Answers a search from the verdict engine the OSV API and the firewall judge with, and the
/// feed's events on the same package or hash.
async fn find(app: &App, q: &str, ecosystem: &str) -> Result<Searched, AppError> {
    let mut searched = Searched {
        q: q.to_owned(),
        ecosystem: ecosystem.to_owned(),
        found: Ok(Vec::new()),
        looked_in: 0,
        served: Default::default(),
    };
    let lookups = match search::parse(q, ecosystem) {
        Ok(l) => l,
        Err(e) => {
            searched.found = Err(e.0);
            return Ok(searched);
        }
    };
    searched.looked_in = lookups.len();
    let judged: Vec<search::Judged> = match app.osv.verdicts(app).await {
        Err(_) => {
            searched.found = Err("the verdicts cannot be loaded from the store now; try again shortly".into());
            return Ok(searched);
        }
        Ok(v) => match v.engine() {
            Err(why) => {
                searched.found = Err(why.to_string());
                return Ok(searched);
            }
            Ok(engine) => lookups.iter().map(|l| search::judge(&engine, l)).collect(),
        },
    };
    let single = judged.len() == 1;
    let mut found = Vec::new();
    for j in judged {
        // Each ecosystem's events are read only where the engine knows the package, or where
        // only one was asked about (to show its history even after an FP).
        if !single && !j.is_known() {
            continue;
        }
        let mut events = match j.lookup.events() {
            Some(filter) => app.store.find_events(filter).await?.iter().map(EventLine::of).collect(),
            None => Vec::new(),
        };
        events.sort_by_key(|e: &EventLine| std::cmp::Reverse(e.seq));
        events.truncate(HISTORY);
        found.push((j, events));
    }
    // Only records the OSV API serves are linked to it (curated incidents are served under a
    // synthesized id, for instance).
    let mut shown: Vec<String> = Vec::new();
    for (j, events) in &found {
        shown.extend(j.reports.iter().cloned());
        shown.extend(j.verdicts.iter().filter_map(|v| v.reference.clone()));
        shown.extend(events.iter().filter_map(|e| e.record.clone()));
    }
    searched.served = app.osv.served(app, shown.iter().map(String::as_str)).await;
    searched.found = Ok(found);
    Ok(searched)
}
