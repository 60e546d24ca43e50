//! Compatibility with the vendor's official Python SDK (`reversinglabs-sdk-py3`), unchanged,
//! over HTTPS with a self-signed certificate trusted through `REQUESTS_CA_BUNDLE`.
//!
//! The test makes a virtual environment under the target directory and installs the SDK from
//! PyPI; it fails, never skips, when that is impossible.

use crate::support::{Backend, PASSWORD, Scioc, both_backends, entry, utc};
use scioc_model::FeedTime;
use serde_json::{Value, json};
use std::{collections::BTreeSet, path::PathBuf, process::Command};

both_backends!(sync the_vendor_sdk_works_unchanged);

const SDK: &str = "reversinglabs-sdk-py3==2.15.0";

/// A Python with the SDK installed, made once per target directory.
pub fn sdk_python() -> PathBuf {
    crate::support::python_venv("sdk", SDK).join("bin/python")
}

/// One event in the feed: its time and its sha256.
struct Ev {
    time: i64,
    sha: String,
}

/// Several thousand events over four days, two seconds holding more than 1,000 each.
fn build_feed(now: i64) -> (Vec<String>, Vec<Ev>) {
    let start = now - 4 * 86_400;
    let mut times: Vec<i64> = Vec::new();
    times.extend((0..2000).map(|i| start + i * 170)); // every 170 s across ~4 days
    times.extend(std::iter::repeat_n(now - 3 * 86_400 + 7, 1200)); // a busy second
    times.extend(std::iter::repeat_n(now - 30 * 3600 + 11, 1500)); // a busier second
    times.extend((0..1300).map(|i| now - 20 * 3600 + i * 50)); // the last day, up to ~2 h ago
    // Keep the relative-window boundary (now - 2 days) clear, since the SDK picks it itself.
    times.retain(|t| (t - (now - 2 * 86_400)).abs() > 600);
    times.sort();
    let mut lines = Vec::new();
    let mut events = Vec::new();
    for (i, t) in times.iter().enumerate() {
        lines.push(entry(i, &utc(*t)));
        events.push(Ev { time: *t, sha: format!("{i:064x}") });
    }
    (lines, events)
}

fn shas(v: &Value) -> Vec<String> {
    v.as_array().unwrap().iter().map(|s| s.as_str().unwrap().to_owned()).collect()
}

fn expect_exactly_once(name: &str, got: &[String], want: Vec<&str>) {
    let set: BTreeSet<&str> = got.iter().map(String::as_str).collect();
    assert_eq!(set.len(), got.len(), "{name}: {} duplicates", got.len() - set.len());
    assert_eq!(got, want.as_slice(), "{name}: wrong events or order");
}

fn the_vendor_sdk_works_unchanged(b: Backend) {
    let python = sdk_python();
    let mut s = Scioc::on(b);
    // Seconds larger than a page: a store told to hold them (or a mirror of a feed that does).
    s.env.push(("SCIOC_EVENTS_PER_SECOND", "5000".into()));
    s.add_user("siem", "reader");
    let now = FeedTime::now().unix();
    let (lines, events) = build_feed(now);
    assert!(events.len() > 5900);
    s.ingest(&lines);
    let server = s.serve(&["--tls-self-signed"]);
    let ca = server.ca.clone().unwrap();

    let t_cursor = now - 4 * 86_400 + 1000;
    let t_page = now - 3 * 86_400 + 7; // the busy second
    let (w1_from, w1_to) = (now - 3 * 86_400 - 3600, now - 30 * 3600 + 3600); // spans both busy seconds
    let (w2_from, w2_to) = (now - 10 * 3600, now - 5 * 3600);
    let (w3_from, w3_to) = (now - 5 * 86_400, now - 4 * 86_400 - 60); // holds nothing
    let plan = json!({
        "cursor": [["cursor_1000", "utc", utc(t_cursor), 1000], ["cursor_333", "timestamp", t_cursor.to_string(), 333]],
        "pages": [["page_utc", "utc", utc(t_page), 1000], ["page_ts", "timestamp", t_page.to_string(), 10]],
        "timeframes": [
            ["frame_utc", "utc", utc(w1_from), utc(w1_to), 1000],
            ["frame_ts", "timestamp", w1_from.to_string(), w1_to.to_string(), 1000],
            ["frame_small", "utc", utc(w2_from), utc(w2_to), 7],
            ["frame_empty", "utc", utc(w3_from), utc(w3_to), 1000],
        ],
        "relative": [["relative_days", "days", 2, 1000], ["relative_minutes", "minutes", 30, 1000]],
    });
    let out = Command::new(&python)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/it/sdk_compat.py"))
        .args([&server.url, "siem", PASSWORD, &plan.to_string()])
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("CURL_CA_BUNDLE", &ca)
        .env("TZ", "UTC")
        .output()
        .unwrap();
    assert!(out.status.success(), "the SDK script failed:\n{}", String::from_utf8_lossy(&out.stderr));
    let r: Value = serde_json::from_slice(&out.stdout).unwrap();

    let from = |t: i64| events.iter().filter(move |e| e.time >= t).map(|e| e.sha.as_str()).collect::<Vec<_>>();
    expect_exactly_once("set_start_time + pull_from_feed (1000)", &shas(&r["cursor_1000"]), from(t_cursor));
    expect_exactly_once("set_start_time + pull_from_feed (333)", &shas(&r["cursor_333"]), from(t_cursor));

    let busy: Vec<&str> = events.iter().filter(|e| e.time == t_page).map(|e| e.sha.as_str()).collect();
    assert_eq!(busy.len(), 1200);
    for name in ["page_utc", "page_ts"] {
        let page = &r[name];
        assert_eq!(shas(&page["entries"]), busy, "{name}: the whole busy second, whatever the limit");
        assert_eq!(page["time_range"]["from"], utc(t_page));
        assert_eq!(page["time_range"]["to"], utc(t_page + 1));
    }
    assert_eq!(r["page_utc"]["last_timestamp"], utc(t_page));
    assert_eq!(r["page_ts"]["last_timestamp"], t_page.to_string());

    for (name, (lo, hi)) in [
        ("frame_utc", (w1_from, w1_to)),
        ("frame_ts", (w1_from, w1_to)),
        ("frame_small", (w2_from, w2_to)),
        ("frame_empty", (w3_from, w3_to)),
    ] {
        let got = shas(&r[name]);
        let set: BTreeSet<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(set.len(), got.len(), "{name}: duplicates");
        let window: Vec<&str> = events.iter().filter(|e| e.time >= lo && e.time < hi).map(|e| e.sha.as_str()).collect();
        for sha in &window {
            assert!(set.contains(sha), "{name}: missing an event of the window");
        }
        let earliest = events.iter().filter(|e| set.contains(e.sha.as_str())).map(|e| e.time).min();
        assert!(earliest.is_none_or(|t| t >= lo), "{name}: an event before the window");
        if name == "frame_utc" {
            assert!(window.len() > 2700, "the window holds both busy seconds");
        }
    }

    for name in ["relative_days", "relative_minutes"] {
        let rel = &r[name];
        let got = shas(&rel["entries"]);
        let set: BTreeSet<&str> = got.iter().map(String::as_str).collect();
        assert_eq!(set.len(), got.len(), "{name}: duplicates");
        let after = FeedTime::parse_utc(rel["start_after"].as_str().unwrap()).unwrap().unix();
        let before = FeedTime::parse_utc(rel["start_before"].as_str().unwrap()).unwrap().unix();
        for e in &events {
            if e.time >= after {
                assert!(set.contains(e.sha.as_str()), "{name}: missing an event after the start");
            }
            if e.time < before - 1 {
                assert!(!set.contains(e.sha.as_str()), "{name}: an event before the start");
            }
        }
        if name == "relative_days" {
            assert!(got.len() > 1500, "{name}: {} events", got.len());
        } else {
            assert!(got.is_empty(), "nothing happened in the last 30 minutes");
        }
    }
}
