//! Two `scioc serve` nodes on one PostgreSQL database: the vendor SDK's cursor loop runs
//! against both alternately while uploads are ingested through both at once, and every event
//! is delivered exactly once.

use crate::{
    osv::record,
    sdk_compat::sdk_python,
    support::{Backend, Client, FEED, PASSWORD, Scioc, Server, entry, ids, npm_tgz, utc},
};
use reqwest::Method;
use scioc_model::FeedTime;
use serde_json::Value;
use std::{collections::BTreeSet, process::Command};

/// Uploads through `node`: OSV records and npm archives, alternately, each a new package.
async fn upload(node: Client, tag: &str, n: usize) -> usize {
    let mut events = 0;
    for i in 0..n {
        let r = if i % 2 == 0 {
            let body = record(
                &format!("MAL-2026-{tag}{i}"),
                "npm",
                &format!("osv-{tag}-{i}"),
                &["1.0.0"],
                "2026-01-01T00:00:00Z",
            );
            node.request(Method::POST, "/api/scioc/v1/osv").body(body.to_string()).send().await.unwrap()
        } else {
            let name = format!("tgz-{tag}-{i}");
            node.request(Method::POST, &format!("/api/scioc/v1/samples?filename={name}-1.0.0.tgz&force=true"))
                .body(npm_tgz(&name, "1.0.0"))
                .send()
                .await
                .unwrap()
        };
        assert_eq!(r.status(), 200, "upload {i} through node {tag}: {}", r.text().await.unwrap());
        events += 1;
    }
    events
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_nodes_on_one_database_deliver_every_event_exactly_once() {
    let python = sdk_python();
    let mut s = Scioc::on(Backend::Postgres);
    // Seconds larger than a page: a store told to hold them (or a mirror of a feed that does).
    s.env.push(("SCIOC_EVENTS_PER_SECOND", "5000".into()));
    s.add_user("siem", "reader");
    s.add_user("root", "admin");
    // 3,000 events before the test, one second (base + 900) holding 1,200 of them.
    let base = FeedTime::now().unix() - 86_400;
    let times: Vec<i64> = (0..3000i64)
        .map(|i| match i {
            ..900 => base + i,
            900..2100 => base + 900,
            _ => base + i - 1199,
        })
        .collect();
    s.ingest(&times.iter().enumerate().map(|(i, t)| entry(i, &utc(*t))).collect::<Vec<_>>());

    let a = s.serve(&["--tls-self-signed"]);
    let b = s.serve(&["--tls-self-signed"]);
    assert_ne!(a.url, b.url);
    let ca = a.ca.clone().unwrap();

    let start = base + 300;
    let done = s.dir.path().join("ingest-done");
    let sdk = Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/multinode.py"))
        .args([&a.url, &b.url, "siem", PASSWORD, &utc(start), "97"])
        .arg(&done)
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("TZ", "UTC")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();

    // Ingest through both nodes at once while the SDK pulls.
    let (ua, ub) = (a.client().as_user("root"), b.client().as_user("root"));
    let (na, nb) = tokio::join!(upload(ua, "a", 40), upload(ub, "b", 40));
    std::fs::write(&done, "").unwrap();
    let out = tokio::task::spawn_blocking(move || sdk.wait_with_output().unwrap()).await.unwrap();
    assert!(out.status.success(), "the SDK loop failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();

    let status: Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    let head = status["newest_sequence"].as_i64().unwrap();
    assert_eq!(head, 3000 + (na + nb) as i64, "one event per upload, none lost");

    let got: Vec<i64> = r["sequences"].as_array().unwrap().iter().map(|v| v.as_i64().unwrap()).collect();
    let unique: BTreeSet<i64> = got.iter().copied().collect();
    assert_eq!(unique.len(), got.len(), "{} events delivered twice", got.len() - unique.len());
    // Every event from the start time on, read from the store: the first upload of an OSV record
    // into a feed no client had read yet is history, laid out by its publication date
    // (`Store::commit_history`), which moves the sequence numbers of what follows it.
    let store = s.store().await;
    let stored = store.export_events(0, 100_000).await.unwrap();
    let expected: BTreeSet<i64> = stored.iter().filter(|r| r.ts >= start).map(|r| r.seq).collect();
    assert!(expected.len() >= 2700 + na + nb - 1, "the events from the start, and the uploads after the first");
    let missing: Vec<&i64> = expected.difference(&unique).collect();
    let extra: Vec<&i64> = unique.difference(&expected).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "every event from the start time on, each exactly once: missing {missing:?}, extra {extra:?}"
    );
    assert!(got.windows(2).all(|w| w[0] < w[1]), "delivered in feed order across both nodes");
    let calls: Vec<u64> = r["calls"].as_array().unwrap().iter().map(|v| v.as_u64().unwrap()).collect();
    assert!(calls[0] > 5 && calls[1] > 5, "both nodes served the loop: {calls:?}");

    // Both nodes serve the same feed to a time query.
    let query = format!("{FEED}/utc/{}?format=json&limit=1000", utc(base));
    let (pa, pb) = (a.client().as_user("siem").page(&query).await, b.client().as_user("siem").page(&query).await);
    assert_eq!(ids(&pa), ids(&pb));
    assert_eq!(pa.feed().entries.len(), 2100, "1,000 asked, and the rest of the busy second");
}

#[tokio::test]
async fn nodes_starting_together_on_an_empty_database_promote_the_starter_set_once() {
    let s = Scioc::on(Backend::Postgres);
    let children: Vec<_> = (0..3).map(|_| Server::spawn(&s, &[], false)).collect();
    let nodes: Vec<Server> = children.into_iter().map(|c| Server::ready(&s, c, &[])).collect();
    let status: Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    let alone = Scioc::new();
    let single = Server::ready(&alone, Server::spawn(&alone, &[], false), &[]);
    let expected: Value = serde_json::from_str(&alone.ok(&["status", "--format", "json"], "")).unwrap();
    assert!(expected["events"].as_u64().unwrap() > 0);
    assert_eq!(status["events"], expected["events"], "the starter set, once");
    assert_eq!(status["indicators"], expected["indicators"]);
    for node in nodes {
        assert!(node.stop().success(), "every node came up and stops cleanly");
    }
    single.stop();
}
