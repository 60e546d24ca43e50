//! Issue 28, defect 4: the order of the first commands lost history. `scioc serve` first (the
//! README's main job) promoted the starter set, and a later `scioc ingest osv` of the snapshot
//! dated every report "now"; `ingest osv` first, and `serve` skipped the starter set, silently.
//! Whatever the order, a new feed now ends with both, each dated by its own history: while no
//! client has read the feed, a first historical import is laid out in time order with what the
//! feed holds (`Store::commit_history`). Once a client has read it, the feed never goes back in
//! time for that client, and the import says so.

use crate::osv::Tree;
use crate::support::{Backend, FEED, PASSWORD, Scioc, Server, both_backends};
use scioc_model::FeedTime;
use serde_json::{Value, json};
use std::time::Duration;

both_backends!(
    async serve_first_then_a_snapshot_keeps_both_histories,
    a_snapshot_first_then_serve_lays_the_starter_set_among_it,
    once_a_client_has_read_the_feed_history_is_dated_now
);

/// Three reports published over four years.
fn snapshot() -> Tree {
    let tree = Tree::new();
    for (id, name, published) in [
        ("MAL-2021-0001", "hist-early", "2021-05-01T00:00:00Z"),
        ("MAL-2023-0002", "hist-middle", "2023-02-02T00:00:00Z"),
        ("MAL-2025-0003", "hist-late", "2025-03-03T00:00:00Z"),
    ] {
        tree.put(
            &format!("osv/malicious/npm/{name}/{id}.json"),
            &crate::osv::record(id, "npm", name, &["1.0.0"], published),
        );
    }
    tree
}

/// Every stored event as (sequence, time, purl), in sequence order.
async fn feed(s: &Scioc) -> Vec<(i64, i64, String)> {
    let store = s.store().await;
    let rows = store.export_events(0, 100_000).await.unwrap();
    rows.iter().map(|r| (r.seq, r.ts, r.purl.clone().unwrap_or_default())).collect()
}

/// The feed is one time order over contiguous sequence numbers, holding the snapshot's reports
/// at their publication days and the starter set's incidents at the days they were first seen.
async fn both_histories(s: &Scioc) -> Vec<(i64, i64, String)> {
    let events = feed(s).await;
    assert!(events.iter().enumerate().all(|(i, (seq, _, _))| *seq == i as i64 + 1), "contiguous sequence numbers");
    assert!(events.windows(2).all(|w| w[0].1 <= w[1].1), "times never go back as sequence numbers grow");
    let at =
        |purl: &str| events.iter().find(|(_, _, p)| p == purl).map(|(_, t, _)| FeedTime::from_unix(*t).to_utc_string());
    assert_eq!(at("pkg:npm/hist-early@1.0.0").as_deref(), Some("2021-05-01T00:00:00"));
    assert_eq!(at("pkg:npm/hist-middle@1.0.0").as_deref(), Some("2023-02-02T00:00:00"));
    assert_eq!(at("pkg:npm/hist-late@1.0.0").as_deref(), Some("2025-03-03T00:00:00"));
    // The starter set's eslint-scope incident, first seen on 2018-07-12, comes before them all.
    let eslint = at("pkg:npm/eslint-scope@3.7.2").expect("the starter set's eslint-scope incident");
    assert_eq!(eslint, "2018-07-12T00:00:00");
    events
}

async fn query(server: &Server, name: &str, version: &str) -> Value {
    let http = reqwest::Client::new();
    http.post(format!("{}/v1/query", server.url))
        .basic_auth("reader", Some(PASSWORD))
        .json(&json!({"package": {"name": name, "ecosystem": "npm"}, "version": version}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

async fn serve_first_then_a_snapshot_keeps_both_histories(b: Backend) {
    crate::support::install_crypto();
    let s = Scioc::on(b);
    s.add_user("reader", "reader");
    let server = Server::ready(&s, Server::spawn(&s, &[], false), &[]);
    let starter = feed(&s).await.len();
    assert!(starter > 50, "the starter set was promoted ({starter} events)");
    assert!(!query(&server, "eslint-scope", "3.7.2").await["vulns"].is_null(), "the server knows the starter set");

    let out = s.ok(&["ingest", "osv", &snapshot().arg()], "");
    assert!(
        out.contains(&format!("laid out in time order with the {starter} event(s) the feed held (no client had read")),
        "{out}"
    );
    let events = both_histories(&s).await;
    assert_eq!(events.len(), starter + 3);
    // The running server reads the feed again from the start: the snapshot's reports are known,
    // the starter set's still are, and nothing is known twice.
    crate::firewall::within(Duration::from_secs(10), "the server's verdicts after the import", || async {
        !query(&server, "hist-middle", "1.0.0").await["vulns"].is_null()
    })
    .await;
    let eslint = query(&server, "eslint-scope", "3.7.2").await;
    assert_eq!(eslint["vulns"].as_array().map(Vec::len), Some(1), "{eslint}");
}

async fn a_snapshot_first_then_serve_lays_the_starter_set_among_it(b: Backend) {
    let s = Scioc::on(b);
    let out = s.ok(&["ingest", "osv", &snapshot().arg()], "");
    assert!(out.contains("dated by each record's publication time (the feed was empty)"), "{out}");
    let mut child = Server::spawn(&s, &[], false);
    let lines = {
        use std::io::BufRead;
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().unwrap().unwrap();
        let second = lines.next().unwrap().unwrap();
        let _ = child.kill();
        let _ = child.wait();
        [first, second]
    };
    assert!(lines[0].starts_with("scioc feed listening on "), "{lines:?}");
    assert!(
        lines[1].contains("promoted the built-in starter set")
            && lines[1]
                .contains("laid out in time order with the 3 events already in the feed, which no client had read"),
        "{lines:?}"
    );
    both_histories(&s).await;
}

async fn once_a_client_has_read_the_feed_history_is_dated_now(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("reader", "reader");
    let server = Server::ready(&s, Server::spawn(&s, &[], false), &[]);
    crate::support::next_second().await;
    let page =
        server.client().as_user("reader").page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json&limit=1")).await;
    assert!(!page.feed().entries.is_empty(), "a client reads the starter set");
    let before = FeedTime::now();
    let out = s.ok(&["ingest", "osv", &snapshot().arg()], "");
    assert!(out.contains("the feed already held events, and a client has read it"), "{out}");
    let events = feed(&s).await;
    let late = events.iter().find(|(_, _, p)| p == "pkg:npm/hist-early@1.0.0").unwrap();
    assert!(late.1 >= before.unix(), "dated when it arrived, not 2021: the reader's position stays true");
}
