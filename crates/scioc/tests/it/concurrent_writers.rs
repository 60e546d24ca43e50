//! Issue 28, defect 1: with two `scioc ingest entries` processes appending beside a running
//! server, a client following the time API exactly as documented lost whole batches: a batch was
//! stamped before its writer held the store's lock, in a second a reader had already served as
//! closed. Here several writer processes append random small batches (each piping its first line,
//! then the rest a little later, as a slow producer does), and an admin writes through the API,
//! while one follower walks the time API from `time_range.to` to `time_range.to` and another
//! pulls; once the writers stop, each follower must have seen every sequence number exactly once.
//! Writers pause up to 100 ms between batches, so that a slow batch often commits alone (another
//! writer's later commit would otherwise have moved its stamp past the served second), and the
//! time follower asks again within 30 ms when a page comes back empty.
//!
//! `SCIOC_WRITERS_SECS` (default 8) and `SCIOC_WRITERS` (default 3) size the run;
//! `bench/concurrent-writers.sh` runs it for minutes, thousands of batches.

use crate::support::{Backend, Client, FEED, Scioc, both_backends, entry};
use scioc_api::{FeedResponse, Format};
use std::collections::BTreeMap;
use std::io::Write;
use std::process::Stdio;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::{Duration, Instant};

both_backends!(async every_event_of_concurrent_writers_reaches_each_follower_exactly_once);

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// An entry without a time: the store stamps it.
fn undated(i: usize) -> String {
    let mut v: serde_json::Value = serde_json::from_str(&entry(i, "2025-01-01T00:00:00")).unwrap();
    v.as_object_mut().unwrap().remove("timestamp");
    v.to_string()
}

/// Sequence numbers of a page's entries, from scioc's extension.
fn sequences(page: &FeedResponse) -> Vec<i64> {
    page.feed().entries.iter().map(|e| e["scioc"]["sequence"].as_str().unwrap().parse().unwrap()).collect()
}

/// Counts how often each sequence number was seen.
fn tally(seen: &[i64]) -> BTreeMap<i64, usize> {
    let mut t = BTreeMap::new();
    for s in seen {
        *t.entry(*s).or_insert(0) += 1;
    }
    t
}

/// What a follower got wrong: sequence numbers it never saw, and those it saw more than once.
fn misses(seen: &[i64], head: i64) -> (Vec<i64>, Vec<i64>) {
    let t = tally(seen);
    let missing = (1..=head).filter(|s| !t.contains_key(s)).collect();
    let repeated = t.iter().filter(|(_, n)| **n > 1).map(|(s, _)| *s).collect();
    (missing, repeated)
}

async fn every_event_of_concurrent_writers_reaches_each_follower_exactly_once(backend: Backend) {
    let secs = setting("SCIOC_WRITERS_SECS", 8);
    let writers = setting("SCIOC_WRITERS", 3) as usize;
    let scioc = Arc::new(Scioc::on(backend));
    scioc.add_user("follower", "reader");
    scioc.add_user("puller", "reader");
    scioc.add_user("editor", "admin");
    let server = scioc.serve(&[]);
    let client = server.client();
    let start = "2011-03-29T00:00:00";
    assert_eq!(client.as_user("puller").put(&format!("{FEED}/start/utc/{start}")).await.status(), 200);

    let deadline = Instant::now() + Duration::from_secs(secs);
    let (batches, events) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut threads = Vec::new();
    for w in 0..writers {
        let (scioc, batches, events) = (scioc.clone(), batches.clone(), events.clone());
        threads.push(std::thread::spawn(move || {
            let mut rng = fastrand::Rng::with_seed(w as u64);
            let mut k = 0;
            while Instant::now() < deadline {
                let n = rng.usize(1..=6);
                let lines: Vec<String> = (0..n).map(|j| undated((w + 1) * 10_000_000 + k + j)).collect();
                k += n;
                let mut child = scioc
                    .cmd()
                    .args(["ingest", "entries", "-"])
                    .stdin(Stdio::piped())
                    .stdout(Stdio::null())
                    .stderr(Stdio::piped())
                    .spawn()
                    .unwrap();
                let mut stdin = child.stdin.take().unwrap();
                // A slow producer: the first line, then the rest up to 60 ms later.
                writeln!(stdin, "{}", lines[0]).unwrap();
                std::thread::sleep(Duration::from_millis(rng.u64(0..60)));
                for l in &lines[1..] {
                    writeln!(stdin, "{l}").unwrap();
                }
                drop(stdin);
                let out = child.wait_with_output().unwrap();
                assert!(out.status.success(), "writer {w}: {}", String::from_utf8_lossy(&out.stderr));
                batches.fetch_add(1, Ordering::Relaxed);
                events.fetch_add(n, Ordering::Relaxed);
                // Writers at their own pace, so that a slow batch often commits alone.
                std::thread::sleep(Duration::from_millis(rng.u64(0..100)));
            }
        }));
    }
    // An admin renames earlier entries through the API meanwhile: another writer, in the server.
    let editor = {
        let (admin, events) = (client.as_user("editor"), events.clone());
        tokio::spawn(async move {
            let mut renamed = 0;
            let mut rng = fastrand::Rng::with_seed(99);
            while Instant::now() < deadline {
                tokio::time::sleep(Duration::from_millis(rng.u64(20..120))).await;
                let i = 10_000_000 + rng.usize(0..3);
                let body =
                    serde_json::json!({"sha256": format!("{i:064x}"), "threat_name": format!("Rename-{renamed}")});
                let r = admin
                    .request(reqwest::Method::POST, "/api/scioc/v1/reclassify")
                    .body(body.to_string())
                    .send()
                    .await
                    .unwrap();
                // 404 until the first writer has stored that entry.
                if r.status() == 200 {
                    renamed += 1;
                    events.fetch_add(1, Ordering::Relaxed);
                } else {
                    assert_eq!(r.status(), 404, "{}", r.text().await.unwrap());
                }
            }
            renamed
        })
    };

    let done = Arc::new(AtomicBool::new(false));
    let time_follower = tokio::spawn(follow_time(client.as_user("follower"), start.to_owned(), done.clone()));
    let puller = tokio::spawn(follow_pulls(client.as_user("puller"), done.clone()));
    // Joined off the runtime's thread, so the followers and the editor run meanwhile.
    tokio::task::spawn_blocking(move || threads.into_iter().for_each(|t| t.join().unwrap())).await.unwrap();
    let renamed = editor.await.unwrap();
    let head = scioc.store().await.head().await.unwrap().map_or(0, |h| h.seq);
    assert_eq!(head as usize, events.load(Ordering::Relaxed), "every appended event is stored");
    // Let the followers catch up with the head, then stop them.
    let settle = Instant::now();
    let (time_seen, pulled) = loop {
        tokio::time::sleep(Duration::from_millis(200)).await;
        if time_follower.is_finished() || puller.is_finished() || settle.elapsed() > Duration::from_secs(30) {
            break (Vec::new(), Vec::new());
        }
        if settle.elapsed() > Duration::from_secs(3) {
            done.store(true, Ordering::Release);
            break (time_follower.await.unwrap(), puller.await.unwrap());
        }
    };
    assert!(!time_seen.is_empty() && !pulled.is_empty(), "a follower stopped early");
    let (lost, twice) = misses(&time_seen, head);
    let (pull_lost, pull_twice) = misses(&pulled, head);
    eprintln!(
        "{backend:?}: {writers} writer processes and the admin API, {secs} s: {} batches, {head} events ({renamed} renames); \
         time follower lost {} and repeated {}; puller lost {} and repeated {}",
        batches.load(Ordering::Relaxed),
        lost.len(),
        twice.len(),
        pull_lost.len(),
        pull_twice.len(),
    );
    assert!(batches.load(Ordering::Relaxed) >= writers, "the writers hardly wrote");
    assert!(lost.is_empty() && twice.is_empty(), "the time follower lost {lost:?} and saw {twice:?} twice");
    assert!(
        pull_lost.is_empty() && pull_twice.is_empty(),
        "the puller lost {pull_lost:?} and saw {pull_twice:?} twice"
    );
}

/// Follows the time API as the README says: each query starts at the last one's `time_range.to`.
/// Stops after `done` is set and a query comes back empty.
async fn follow_time(client: Client, mut from: String, done: Arc<AtomicBool>) -> Vec<i64> {
    let mut seen = Vec::new();
    loop {
        let stop = done.load(Ordering::Acquire);
        let page = client.page(&format!("{FEED}/utc/{from}?format=json&limit={}", 1 + seen.len() % 50)).await;
        let got = sequences(&page);
        seen.extend(&got);
        from = page.feed().time_range.to.clone();
        if stop && got.is_empty() {
            return seen;
        }
        if got.is_empty() {
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..30))).await;
        }
    }
}

/// Pulls with a small limit until `done` is set and a pull comes back empty.
async fn follow_pulls(client: Client, done: Arc<AtomicBool>) -> Vec<i64> {
    let mut seen = Vec::new();
    loop {
        let stop = done.load(Ordering::Acquire);
        let r = client.get(&format!("{FEED}/pull?format=json&limit={}", 1 + seen.len() % 40)).await;
        assert_eq!(r.status(), 200);
        let page = FeedResponse::parse(Format::Json, &r.bytes().await.unwrap()).unwrap();
        let got = sequences(&page);
        seen.extend(&got);
        if stop && got.is_empty() {
            return seen;
        }
        if got.is_empty() {
            tokio::time::sleep(Duration::from_millis(fastrand::u64(0..150))).await;
        }
    }
}
