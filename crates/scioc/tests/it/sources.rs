//! Sources polled by `scioc serve` (issue 17): an OSV bucket and a DataDog manifest served over
//! HTTP from records of the shared snapshot, a source that stalls and one that answers garbage,
//! two nodes on PostgreSQL sharing the polls, and overlapping sources merged into one announcement.

use crate::osv_snapshot::snapshot;
use crate::support::{Backend, FEED, PASSWORD, Scioc, entry, utc};
use axum::{
    extract::{Path, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use scioc_model::FeedTime;
use serde_json::{Value, json};
use std::collections::HashMap;
use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// A local HTTP origin: files by path with strong ETags, counting requests and 304 answers.
/// Paths under `stall/` never answer.
#[derive(Clone, Default)]
struct Origin {
    files: Arc<Mutex<HashMap<String, Vec<u8>>>>,
    hits: Arc<Mutex<HashMap<String, Vec<Instant>>>>,
    not_modified: Arc<Mutex<HashMap<String, usize>>>,
}

async fn serve_file(State(o): State<Origin>, Path(path): Path<String>, headers: HeaderMap) -> Response {
    o.hits.lock().unwrap().entry(path.clone()).or_default().push(Instant::now());
    if path.starts_with("stall/") {
        tokio::time::sleep(Duration::from_secs(3600)).await;
    }
    let Some(body) = o.files.lock().unwrap().get(&path).cloned() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let etag = format!("\"{}\"", hex::encode(&<sha2::Sha256 as sha2::Digest>::digest(&body)[..8]));
    if headers.get(header::IF_NONE_MATCH).is_some_and(|v| v.as_bytes() == etag.as_bytes()) {
        *o.not_modified.lock().unwrap().entry(path).or_default() += 1;
        return (StatusCode::NOT_MODIFIED, [(header::ETAG, etag)]).into_response();
    }
    ([(header::ETAG, etag)], body).into_response()
}

impl Origin {
    async fn start(&self) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let app = axum::Router::new().route("/{*path}", axum::routing::get(serve_file)).with_state(self.clone());
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        url
    }

    fn put(&self, path: &str, bytes: Vec<u8>) {
        self.files.lock().unwrap().insert(path.to_owned(), bytes);
    }

    fn hits(&self, path: &str) -> Vec<Instant> {
        self.hits.lock().unwrap().get(path).cloned().unwrap_or_default()
    }

    fn not_modified(&self, path: &str) -> usize {
        self.not_modified.lock().unwrap().get(path).copied().unwrap_or(0)
    }

    /// An OSV bucket directory `osv/npm/` of `records`: each `<ID>.json`, `all.zip` and
    /// `modified_id.csv` (newest first).
    fn put_bucket(&self, records: &[Value]) {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let mut lines: Vec<(String, String)> = Vec::new();
        for r in records {
            let id = r["id"].as_str().unwrap();
            let bytes = serde_json::to_vec(r).unwrap();
            zip.start_file(format!("{id}.json"), zip::write::SimpleFileOptions::default()).unwrap();
            zip.write_all(&bytes).unwrap();
            self.put(&format!("osv/npm/{id}.json"), bytes);
            lines.push((r["modified"].as_str().unwrap().to_owned(), id.to_owned()));
        }
        lines.sort_by(|a, b| b.cmp(a));
        let csv: String = lines.iter().map(|(m, id)| format!("{m},{id}\n")).collect();
        self.put("osv/npm/all.zip", zip.finish().unwrap().into_inner());
        self.put("osv/npm/modified_id.csv", csv.into_bytes());
    }
}

/// The first `n` active npm reports of the shared snapshot, in path order.
fn snapshot_records(n: usize) -> Vec<Value> {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(snapshot()).unwrap()));
    let mut found: Vec<(String, Value)> = Vec::new();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if path.contains("osv/malicious/npm/") && path.ends_with(".json") && entry.header().entry_type().is_file() {
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            found.push((path, serde_json::from_slice(&bytes).unwrap()));
        }
    }
    found.sort_by(|a, b| a.0.cmp(&b.0));
    found.into_iter().take(n).map(|(_, v)| v).collect()
}

fn new_record(id: &str, name: &str, modified: &str) -> Value {
    json!({"id": id, "modified": modified, "published": modified, "summary": format!("Malicious code in {name} (npm)"),
           "affected": [{"package": {"ecosystem": "npm", "name": name}, "versions": ["1.0.0"]}]})
}

fn sources_status(s: &Scioc) -> HashMap<String, Value> {
    let st: Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    st["sources"].as_array().unwrap().iter().map(|v| (v["name"].as_str().unwrap().to_owned(), v.clone())).collect()
}

/// Waits until `done` holds of the sources' status, or fails after `limit`.
async fn until(s: &Scioc, limit: Duration, what: &str, done: impl Fn(&HashMap<String, Value>) -> bool) {
    let start = Instant::now();
    loop {
        let st = sources_status(s);
        if done(&st) {
            return;
        }
        assert!(start.elapsed() < limit, "{what} did not happen within {limit:?}: {st:#?}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until the feed serves an event of `event_type` for `purl`, returning how long that took.
async fn visible(c: &crate::support::Client, since: i64, purl: &str, event_type: &str) -> Duration {
    let start = Instant::now();
    loop {
        let page = c.page(&format!("{FEED}/utc/{}?format=json", utc(since))).await;
        if page.feed().entries.iter().any(|e| e["identity"]["purl"] == purl && e["event_type"] == event_type) {
            return start.elapsed();
        }
        assert!(start.elapsed() < Duration::from_secs(15), "{event_type} {purl} never became visible");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn serve_polls_a_bucket_and_a_manifest_and_survives_sources_that_fail() {
    let origin = Origin::default();
    let base = origin.start().await;
    let mut records = snapshot_records(120);
    origin.put_bucket(&records);
    origin.put(
        "dd/npm/manifest.json",
        serde_json::to_vec(&json!({"dd-only-evil": ["1.0.0"], "dd-every-evil": null})).unwrap(),
    );
    origin.put("garbage/manifest.json", b"<html>not a manifest</html>".to_vec());

    let s = Scioc::new();
    s.add_user("soc", "reader");
    let add = |name: &str, kind: &str, location: String, extra: &[&str]| {
        let mut args = vec!["sources", "add", name, "--kind", kind, "--location", &location, "--interval", "1s"];
        args.extend_from_slice(extra);
        s.ok(&args, "")
    };
    assert!(add("bucket", "osv", format!("{base}/osv/npm/"), &[]).contains("added source bucket"));
    add("dd", "datadog", format!("{base}/dd/npm/manifest.json"), &["--ecosystem", "npm"]);
    add("stalled", "datadog", format!("{base}/stall/manifest.json"), &["--ecosystem", "npm", "--timeout", "1s"]);
    add("garbage", "datadog", format!("{base}/garbage/manifest.json"), &["--ecosystem", "npm"]);
    let tt = s.dir.path().join("tooltrust");
    std::fs::create_dir_all(&tt).unwrap();
    let blacklist = |entries: Value| std::fs::write(tt.join("blacklist.json"), entries.to_string()).unwrap();
    blacklist(json!([{"id": "TT-1", "component": "tt-evil", "ecosystem": "npm", "affected_versions": ["2.0.0"],
                      "action": "BLOCK", "severity": "CRITICAL", "reason": "seen in an incident"}]));
    add("tt", "tooltrust", tt.display().to_string(), &[]);
    // Bad definitions are refused with the field at fault.
    let bad = s.run(&["sources", "add", "x", "--kind", "rss", "--location", "http://a/"], "");
    assert!(
        !bad.status.success() && String::from_utf8_lossy(&bad.stderr).contains("kind: expected one of osv, datadog")
    );

    let started = FeedTime::now().unix();
    let server = s.serve(&[]);
    let c = server.client().as_user("soc");
    until(&s, Duration::from_secs(30), "the first reads", |st| {
        st["bucket"]["records"] == 120 && st["dd"]["records"] == 2
    })
    .await;

    // Unchanged sources answer 304 and nothing is written.
    let head = s.store().await.head().await.unwrap().unwrap().seq;
    let before = origin.not_modified("osv/npm/modified_id.csv");
    tokio::time::sleep(Duration::from_millis(3200)).await;
    assert!(origin.not_modified("osv/npm/modified_id.csv") >= before + 2, "polled again, answered 304");
    assert!(origin.not_modified("dd/npm/manifest.json") >= 2);
    assert_eq!(s.store().await.head().await.unwrap().unwrap().seq, head, "an unchanged source writes nothing");
    // Read once: a first import into an empty feed that another source wrote to meanwhile is
    // dated now rather than failing (it used to fail and be fetched again).
    let zips = origin.hits("osv/npm/all.zip").len();
    assert_eq!(zips, 1, "the whole zip is read once, then increments: {:#?}", sources_status(&s));

    // A new record appears within the interval plus 2 s.
    let fresh = new_record("MAL-2099-1", "brand-new-evil", "2099-01-01T00:00:00Z");
    records.push(fresh.clone());
    origin.put_bucket(&records);
    let lag = visible(&c, started, "pkg:npm/brand-new-evil@1.0.0", "NEW_MALICIOUS").await;
    assert!(lag <= Duration::from_secs(3), "visible after {lag:?}");
    assert_eq!(origin.hits("osv/npm/MAL-2099-1.json").len(), 1, "only the changed record was fetched");

    // Its withdrawal becomes FP.
    let mut withdrawn = fresh.clone();
    withdrawn["withdrawn"] = json!("2099-01-02T00:00:00Z");
    withdrawn["modified"] = json!("2099-01-02T00:00:00Z");
    *records.last_mut().unwrap() = withdrawn;
    origin.put_bucket(&records);
    visible(&c, started, "pkg:npm/brand-new-evil@1.0.0", "FP").await;

    // The manifest's packages are announced; one that leaves the manifest becomes FP.
    visible(&c, started, "pkg:npm/dd-only-evil@1.0.0", "NEW_MALICIOUS").await;
    origin.put("dd/npm/manifest.json", serde_json::to_vec(&json!({"dd-every-evil": null})).unwrap());
    visible(&c, started, "pkg:npm/dd-only-evil@1.0.0", "FP").await;

    // So are a ToolTrust directory's entries; one removed from the file becomes FP.
    visible(&c, started, "pkg:npm/tt-evil@2.0.0", "NEW_MALICIOUS").await;
    blacklist(json!([]));
    visible(&c, started, "pkg:npm/tt-evil@2.0.0", "FP").await;
    // Its npm_iocs.json indicators are kept while the file holds them.
    let iocs = tt.join("npm_iocs.json");
    std::fs::write(
        &iocs,
        json!([{"ecosystem": "npm", "ioc_type": "domain", "value": "tt-exfil.example",
        "confidence": "high", "source": "https://example.org/tt-report", "suggested_action": "block"}])
        .to_string(),
    )
    .unwrap();
    let start = Instant::now();
    while kept(&s).await != ["tt-exfil.example"] {
        assert!(start.elapsed() < Duration::from_secs(10), "the indicator was never stored");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    std::fs::remove_file(&iocs).unwrap();
    while !kept(&s).await.is_empty() {
        assert!(start.elapsed() < Duration::from_secs(20), "the indicator was never retired");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }

    // The failing sources are reported and retried, and never stopped the others.
    until(&s, Duration::from_secs(15), "the failures to be retried", |st| {
        st["stalled"]["failures"].as_u64() >= Some(2) && st["garbage"]["failures"].as_u64() >= Some(2)
    })
    .await;
    let st = sources_status(&s);
    assert!(st["stalled"]["last_error"].as_str().unwrap().contains("no answer within 1 s"), "{st:#?}");
    assert!(st["garbage"]["last_error"].as_str().unwrap().contains("not a manifest"), "{st:#?}");
    assert_eq!(st["bucket"]["failures"], 0);
    assert!(st["bucket"]["lag_secs"].as_i64().unwrap() <= 3);

    // /health counts them for anyone, and details them for a caller with credentials.
    let open: Value = reqwest::get(format!("{}/health", server.url)).await.unwrap().json().await.unwrap();
    assert_eq!(open["sources"]["total"], 5);
    assert_eq!(open["sources"]["failing"], 2);
    assert!(open["sources"].get("detail").is_none(), "no detail without credentials");
    let detailed: Value = c.get("/health").await.json().await.unwrap();
    let names: Vec<&str> =
        detailed["sources"]["detail"].as_array().unwrap().iter().map(|d| d["name"].as_str().unwrap()).collect();
    assert_eq!(names, ["bucket", "dd", "garbage", "stalled", "tt"]);

    // /metrics, for a caller with credentials: per-source lag and failures, events by type,
    // requests by route with latency histograms.
    assert_eq!(server.client().get("/metrics").await.status(), 401);
    let response = c.get("/metrics").await;
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("application/openmetrics-text"));
    let m = response.text().await.unwrap();
    assert!(metric(&m, "scioc_source_lag_seconds{source=\"bucket\",kind=\"osv\"}") <= 3.0, "{m}");
    assert!(metric(&m, "scioc_source_failures{source=\"garbage\",kind=\"datadog\"}") >= 2.0, "{m}");
    assert_eq!(metric(&m, "scioc_source_failures{source=\"bucket\",kind=\"osv\"}"), 0.0);
    assert_eq!(metric(&m, "scioc_source_records{source=\"bucket\",kind=\"osv\"}"), 121.0);
    let store = s.store().await;
    let stats = store.stats().await.unwrap();
    let by_type: f64 = ["NEW_MALICIOUS", "FP", "NEW_THREAT_NAME"]
        .iter()
        .map(|t| metric(&m, &format!("scioc_events_appended_total{{event_type=\"{t}\"}}")))
        .sum();
    assert_eq!(by_type, stats.events as f64, "events by type add up to the store's count");
    assert!(metric(&m, "scioc_events_appended_total{event_type=\"FP\"}") >= 2.0);
    let route = "route=\"/api/feed/supply_chain/ioc/v1/query/{time_format}/{time}\",method=\"GET\"";
    assert!(metric(&m, &format!("scioc_http_requests_total{{{route},status=\"200\"}}")) >= 3.0, "{m}");
    assert!(metric(&m, &format!("scioc_http_request_duration_seconds_count{{{route}}}")) >= 3.0);
    assert!(m.contains(&format!("scioc_http_request_duration_seconds_bucket{{le=\"0.0005\",{route}}}")), "{m}");
    assert!(metric(&m, "scioc_store_bytes") > 100_000.0, "the store's size on disk: {m}");
    assert!(m.trim_end().ends_with("# EOF"));

    // Removing a source stops its polls.
    assert!(s.ok(&["sources", "remove", "garbage"], "").contains("removed source garbage"));
    let removed = s.run(&["sources", "remove", "garbage"], "");
    assert!(!removed.status.success() && String::from_utf8_lossy(&removed.stderr).contains("no source named"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_postgresql_poll_each_source_once_per_interval() {
    let origin = Origin::default();
    let base = origin.start().await;
    origin.put_bucket(&snapshot_records(20));
    let s = Scioc::on(Backend::Postgres);
    s.ok(
        &["sources", "add", "bucket", "--kind", "osv", "--location", &format!("{base}/osv/npm/"), "--interval", "2s"],
        "",
    );
    let a = s.serve(&[]);
    let b = s.serve(&[]);
    until(&s, Duration::from_secs(30), "the first read", |st| st["bucket"]["records"] == 20).await;
    let from = origin.hits("osv/npm/modified_id.csv").len();
    tokio::time::sleep(Duration::from_secs(10)).await;
    let hits = origin.hits("osv/npm/modified_id.csv");
    let polls = hits.len() - from;
    // Every 2 s between the two nodes: 5 in 10 s (one more or less at the edges), never 10.
    assert!((4..=6).contains(&polls), "{polls} polls in 10 s at a 2 s interval between two nodes");
    for w in hits[from..].windows(2) {
        assert!(w[1] - w[0] >= Duration::from_millis(900), "two polls {:?} apart", w[1] - w[0]);
    }
    drop((a, b));
}

/// The value of the sample `name{labels}` in a metrics text, failing when absent.
pub fn metric(text: &str, sample: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(sample).and_then(|rest| rest.strip_prefix(' ')))
        .unwrap_or_else(|| panic!("no sample {sample} in:\n{text}"))
        .split(' ')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn another_feed_is_mirrored_as_a_source() {
    let upstream = Scioc::new();
    upstream.add_user("mirror", "reader");
    let now = FeedTime::now().unix();
    upstream.ingest(&[entry(1, &utc(now - 100)), entry(2, &utc(now - 50))]);
    let up = upstream.serve(&[]);

    let mut s = Scioc::new();
    // Without its password the source is refused at its first poll, with the variable to set.
    let location = up.url.replacen("http://", "http://mirror@", 1);
    s.ok(&["sources", "add", "upstream", "--kind", "feed", "--location", &location, "--interval", "1s"], "");
    let no_password = s.serve(&[]);
    until(&s, Duration::from_secs(20), "the missing password to be reported", |st| {
        st["upstream"]["last_error"].as_str().is_some_and(|e| e.contains("SCIOC_SOURCE_PASSWORD_UPSTREAM"))
    })
    .await;
    drop(no_password);

    s.env.push(("SCIOC_SOURCE_PASSWORD_UPSTREAM", PASSWORD.into()));
    let _mirror = s.serve(&[]);
    until(&s, Duration::from_secs(30), "the upstream's events", |st| st["upstream"]["records"] == 2).await;
    upstream.ingest(&[entry(3, &utc(FeedTime::now().unix()))]);
    until(&s, Duration::from_secs(30), "the upstream's new event", |st| st["upstream"]["records"] == 3).await;
    let mine: Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    assert_eq!(mine["events"], 3, "each upstream event once");
}

/// The values of the indicators a source kept.
async fn kept(s: &Scioc) -> Vec<String> {
    let all = s.store().await.indicators().await.unwrap();
    all.into_iter().filter(|i| i.source == "tooltrust:tt:iocs").map(|i| i.value).collect()
}

/// Events of one purl in the store, as `(event type, record)`.
async fn events_of(s: &Scioc, purl: &str) -> Vec<(String, String)> {
    let found = s.store().await.find_events(scioc_store::EventFilter::Purl(purl.into())).await.unwrap();
    found
        .iter()
        .map(|e| {
            let v: Value = serde_json::from_slice(&e.entry_json).unwrap();
            let record = v["scioc"]["provenance"]["id"].as_str().unwrap_or_default().to_owned();
            (v["event_type"].as_str().unwrap().to_owned(), record)
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn overlapping_sources_announce_a_version_once_and_withdraw_it_with_the_last() {
    crate::support::install_crypto();
    let s = Scioc::new();
    s.add_user("soc", "reader");
    let tree = s.dir.path().join("osv-tree");
    std::fs::create_dir_all(&tree).unwrap();
    let put = |record: &Value| {
        let id = record["id"].as_str().unwrap();
        std::fs::write(tree.join(format!("{id}.json")), record.to_string()).unwrap();
    };
    let withdraw = |record: &Value, when: &str| {
        let mut r = record.clone();
        r["withdrawn"] = json!(when);
        r["modified"] = json!(when);
        r
    };
    // Two OSV reports of one version (the second with a GHSA alias), and a manifest that lists
    // it as well as a version only it knows.
    let first = new_record("MAL-2099-0101", "overlap-evil", "2099-01-01T00:00:00Z");
    let mut second = new_record("MAL-2099-0102", "overlap-evil", "2099-01-02T00:00:00Z");
    second["aliases"] = json!(["GHSA-aaaa-bbbb-cccc"]);
    put(&first);
    put(&second);
    let manifest = s.dir.path().join("manifest.json");
    std::fs::write(&manifest, json!({"overlap-evil": ["1.0.0", "2.0.0"]}).to_string()).unwrap();
    for (name, kind, location, extra) in [
        ("osv-tree", "osv", tree.display().to_string(), vec![]),
        ("dd", "datadog", manifest.display().to_string(), vec!["--ecosystem", "npm"]),
    ] {
        let mut args = vec!["sources", "add", name, "--kind", kind, "--location", &location, "--interval", "1s"];
        args.extend(extra);
        s.ok(&args, "");
    }
    let started = FeedTime::now().unix();
    let server = s.serve(&["--osv-anonymous"]);
    until(&s, Duration::from_secs(30), "both sources read", |st| {
        st["osv-tree"]["records"] == 2 && st["dd"]["records"] == 1
    })
    .await;
    let v1 = "pkg:npm/overlap-evil@1.0.0";
    let v2 = "pkg:npm/overlap-evil@2.0.0";
    // Whichever source was read first announced it; the other joined.
    let announced = events_of(&s, v1).await;
    assert_eq!(announced.len(), 1, "announced once: {announced:?}");
    assert!(["MAL-2099-0101", "DATADOG-npm-overlap-evil"].contains(&announced[0].1.as_str()), "{announced:?}");
    assert_eq!(events_of(&s, v2).await.len(), 1, "the version only the manifest has is announced");

    // The OSV API still answers with both reports of the version.
    let query = json!({"package": {"name": "overlap-evil", "ecosystem": "npm"}, "version": "1.0.0"});
    let ids = |body: Value| -> Vec<String> {
        body["vulns"].as_array().map_or(vec![], |v| v.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect())
    };
    let answer = |q: Value| {
        let url = format!("{}/v1/query", server.url);
        async move { reqwest::Client::new().post(url).json(&q).send().await.unwrap().json::<Value>().await.unwrap() }
    };
    let named = ids(answer(query.clone()).await);
    assert!(named.contains(&"MAL-2099-0101".to_owned()) && named.contains(&"MAL-2099-0102".to_owned()), "{named:?}");

    // Each withdrawal but the last leaves the version announced: no FP.
    let polls = |st: &HashMap<String, Value>, name: &str| st[name]["polls"].as_u64().unwrap();
    let settle = |name: &'static str| {
        let s = &s;
        async move {
            let seen = polls(&sources_status(s), name);
            until(s, Duration::from_secs(15), "two more polls", |st| polls(st, name) >= seen + 2).await;
        }
    };
    put(&withdraw(&first, "2099-02-01T00:00:00Z"));
    settle("osv-tree").await;
    put(&withdraw(&second, "2099-02-02T00:00:00Z"));
    settle("osv-tree").await;
    assert_eq!(events_of(&s, v1).await.len(), 1, "the manifest still announces it: {:?}", events_of(&s, v1).await);
    let st = sources_status(&s);
    assert_eq!(st["osv-tree"]["failures"], 0, "{st:#?}");
    // The engine still holds it malicious, and the OSV API no longer names the withdrawn reports.
    let check = json!({"package": {"name": "overlap-evil", "ecosystem": "npm"}, "version": "1.0.0"});
    let body = answer(check).await;
    assert!(!ids(body.clone()).iter().any(|id| id.starts_with("MAL-")), "{body}");

    // The last withdrawal takes it back, once.
    std::fs::write(&manifest, json!({}).to_string()).unwrap();
    let c = server.client().as_user("soc");
    visible(&c, started, v1, "FP").await;
    visible(&c, started, v2, "FP").await;
    let fps = |events: Vec<(String, String)>| events.iter().filter(|(t, _)| t == "FP").count();
    assert_eq!(fps(events_of(&s, v1).await), 1);
    assert_eq!(fps(events_of(&s, v2).await), 1);
    assert_eq!(answer(query).await, json!({}), "nothing stands");
}
