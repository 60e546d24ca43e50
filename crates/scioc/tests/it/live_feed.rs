//! The live feed (issue 17): seconds that hold a page at most, and a starter set dated by its
//! incidents, followed in the README's order (serve, then ingest the snapshot).

use crate::osv_snapshot::snapshot;
use crate::sdk_compat::sdk_python;
use crate::support::{FEED, PASSWORD, Scioc, Server, next_second, utc};
use scioc_model::FeedTime;
use scioc_store::DEFAULT_EVENTS_PER_SECOND;
use serde_json::Value;
use std::{collections::BTreeMap, process::Command};

/// Events per second over the whole feed, read straight from the store to far ahead of the clock.
async fn events_per_second(s: &Scioc) -> BTreeMap<i64, usize> {
    // Every stored event, by sequence number: also the seconds ahead of the clock, which no
    // time query serves yet.
    let store = s.store().await;
    let mut after = 0;
    let mut out = BTreeMap::new();
    loop {
        let rows = store.export_events(after, 5_000).await.unwrap();
        let Some(last) = rows.last() else { return out };
        after = last.seq;
        for r in &rows {
            *out.entry(r.ts).or_insert(0) += 1;
        }
    }
}

#[tokio::test]
async fn serve_then_ingest_keeps_every_second_within_a_page_and_the_sdk_reads_each_event_once() {
    let python = sdk_python();
    let s = Scioc::new();
    s.add_user("siem", "reader");
    let started = FeedTime::now();
    let tls = ["--tls-self-signed"];
    let server = Server::ready(&s, Server::spawn(&s, &tls, false), &tls);
    let ca = server.ca.clone().unwrap();
    let c = server.client().as_user("siem");
    next_second().await;

    // The starter set is dated by its incidents: none is news today, and the first page of the
    // feed is the oldest incident's day, not all of them.
    let recent = c.page(&format!("{FEED}/utc/{}?format=json", utc(started.unix() - 86_400))).await;
    assert!(recent.feed().entries.is_empty(), "{} starter events dated today", recent.feed().entries.len());
    let first = c.page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json&limit=1")).await;
    let day = &first.feed().last_timestamp;
    // The oldest announced incident (eslint-scope, July 2018; crossenv is an indicator only).
    assert!(day.as_str() < "2019" && day.ends_with("T00:00:00"), "{day}");
    let starter = events_per_second(&s).await;
    assert!(starter.len() >= 20 && starter.values().sum::<usize>() > 100, "{starter:?}");

    // Then the snapshot: the feed already holds events, and a client has read them (the pages
    // above), so the import is dated now, spread: the feed never goes back for its readers.
    let out = s.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
    let (first_seq, last_seq) = sequence_range(&out);
    let total = (last_seq - first_seq + 1) as usize;
    assert!(total > 40_000, "{out}");
    assert!(out.contains("(the feed already held events, and a client has read it"), "{out}");
    assert!(out.contains("a second holds a bounded number of events"), "{out}");
    let seconds = events_per_second(&s).await;
    let busiest = seconds.values().max().unwrap();
    assert_eq!(*busiest, DEFAULT_EVENTS_PER_SECOND as usize, "no second holds more than 1,000 events");
    let spread: Vec<(&i64, &usize)> = seconds.iter().filter(|(t, _)| **t >= started.unix()).collect();
    assert_eq!(spread.iter().map(|(_, n)| **n).sum::<usize>(), total, "{out}");
    assert!(spread.windows(2).all(|w| *w[1].0 == w[0].0 + 1), "consecutive seconds");
    let last_second = *spread.last().unwrap().0;
    assert!(last_second > FeedTime::now().unix(), "a bulk import is stamped ahead of the clock");

    // A page asked for one event holds one second at most, whatever the limit.
    let page = c.page(&format!("{FEED}/utc/{}?format=json&limit=1", utc(*spread[0].0))).await;
    assert!(!page.feed().entries.is_empty() && page.feed().entries.len() <= 1000);

    // The SDK's loops read every event exactly once while the seconds become visible.
    let run = Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/live_feed_sdk.py"))
        .args([&server.url, "siem", PASSWORD])
        .arg(started.unix().to_string())
        .arg(total.to_string())
        .args([utc(started.unix()), utc(last_second + 1)])
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("CURL_CA_BUNDLE", &ca)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(run.status.success(), "the SDK script failed:\n{}", String::from_utf8_lossy(&run.stderr));
    let r: Value = serde_json::from_slice(&run.stdout).unwrap();
    let list = |name: &str| -> Vec<i64> {
        let items =
            r[name].as_array().unwrap_or_else(|| panic!("no {name} in {}", String::from_utf8_lossy(&run.stdout)));
        items.iter().map(|v| v.as_i64().unwrap_or_else(|| panic!("{name}: {v} is not a sequence"))).collect()
    };
    let want: Vec<i64> = (first_seq..=last_seq).collect();
    for name in ["cursor", "timeframe"] {
        let got = list(name);
        assert_eq!(got.len(), want.len(), "{name}: every event once");
        assert_eq!(got, want, "{name}: in feed order, none twice, none lost");
    }
    assert!(list("after").is_empty());
    assert!(r["empty_pages"].as_u64().unwrap() > 0, "the cursor caught up with the clock and waited");
}

/// `(first, last)` of the "(sequence F–L)" an import prints.
fn sequence_range(out: &str) -> (i64, i64) {
    let at = out.find("(sequence ").unwrap_or_else(|| panic!("no sequence range in {out}"));
    let rest = &out[at + "(sequence ".len()..];
    let (f, rest) = rest.split_once('–').unwrap();
    let l: String = rest.chars().take_while(char::is_ascii_digit).collect();
    (f.parse().unwrap(), l.parse().unwrap())
}

#[test]
fn a_re_import_that_changes_nothing_says_nothing_of_dating() {
    let s = Scioc::new();
    let t = crate::osv::fixture();
    s.ok(&["ingest", "osv", &t.arg()], "");
    let again = s.ok(&["ingest", "osv", &t.arg()], "");
    assert!(again.contains("events: 0 NEW_MALICIOUS, 0 FP, 0 NEW_THREAT_NAME"), "{again}");
    assert!(!again.contains("dated"), "nothing was dated: {again}");
}
