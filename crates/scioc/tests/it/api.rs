//! Every route and format, and the envelope's rules.

use crate::support::{Backend, FEED, Scioc, both_backends, entry, ids, utc};
use scioc_api::{FeedResponse, Format};
use scioc_model::FeedTime;

both_backends!(async time_queries_in_both_formats_and_both_time_spellings, the_last_page_ends_at_the_servers_time_and_empty_pages_step_back_one_second, start_and_pull_in_both_formats, health_openapi_and_compression, a_new_event_shows_within_seconds);

/// A store with events 0..n spread one per 10 s from 2024-06-01T00:00:00.
fn loaded(b: Backend, n: usize) -> (Scioc, i64) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let base = FeedTime::parse_utc("2024-06-01T00:00:00").unwrap().unix();
    s.ingest(&(0..n).map(|i| entry(i, &utc(base + 10 * i as i64))).collect::<Vec<_>>());
    (s, base)
}

async fn time_queries_in_both_formats_and_both_time_spellings(b: Backend) {
    let (s, base) = loaded(b, 30);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");

    let json = c.page(&format!("{FEED}/utc/{}?format=json&limit=5", utc(base + 20))).await;
    let body = json.feed();
    assert_eq!(ids(&json), vec![2, 3, 4, 5, 6]);
    assert_eq!(body.time_range.from, utc(base + 20));
    assert_eq!(body.time_range.to, utc(base + 61), "more remain: the second after the last event");
    assert_eq!(body.last_timestamp, utc(base + 60));

    let ts = c.page(&format!("{FEED}/timestamp/{}?format=json&limit=5", base + 20)).await;
    assert_eq!(ids(&ts), ids(&json));
    assert_eq!(ts.feed().last_timestamp, (base + 60).to_string(), "last_timestamp uses the requested time format");
    assert_eq!(ts.feed().time_range, json.feed().time_range, "time_range is always YYYY-MM-DDThh:mm:ss");

    // XML is the default and mirrors the JSON exactly.
    let r = c.get(&format!("{FEED}/utc/{}?limit=5", utc(base + 20))).await;
    assert_eq!(r.headers()["content-type"], "application/xml; charset=utf-8");
    let xml_body = r.bytes().await.unwrap();
    assert!(xml_body.starts_with(b"<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rl><supply_chain_ioc_feed>"));
    let xml = FeedResponse::parse(Format::Xml, &xml_body).unwrap();
    assert_eq!(xml, json);

    let r = c.get(&format!("{FEED}/utc/{}?format=json", utc(base))).await;
    assert_eq!(r.headers()["content-type"], "application/json");

    // Numbers are strings, as in the vendor's example; the entry keeps every field.
    let e = &json.feed().entries[0];
    assert_eq!(e["sample_size"], "1002");
    assert_eq!(e["sample_list"][0]["threat_level"], "3");
    assert_eq!(e["identity"]["published"], "2025-10-10T03:51:52+0000");
    assert_eq!(e["scioc"]["timestamp"], utc(base + 20));
}

async fn the_last_page_ends_at_the_servers_time_and_empty_pages_step_back_one_second(b: Backend) {
    let (s, base) = loaded(b, 10);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    let before = FeedTime::now().unix();
    let last = c.page(&format!("{FEED}/utc/{}?format=json&limit=1000", utc(base))).await;
    let after = FeedTime::now().unix();
    assert_eq!(ids(&last), (0..10).collect::<Vec<_>>());
    let to = FeedTime::parse_utc(&last.feed().time_range.to).unwrap().unix();
    assert!((before..=after).contains(&to), "nothing remains: to is the server's current time");

    let empty = c.page(&format!("{FEED}/utc/{}?format=json", utc(base + 1000))).await;
    assert!(empty.feed().entries.is_empty());
    assert_eq!(empty.feed().last_timestamp, utc(base + 999));
    let empty_ts = c.page(&format!("{FEED}/timestamp/{}?format=json", base + 1000)).await;
    assert_eq!(empty_ts.feed().last_timestamp, (base + 999).to_string());

    // A start time in the future is not an error; it returns nothing.
    let future = c.page(&format!("{FEED}/utc/{}?format=json", utc(after + 86_400))).await;
    assert!(future.feed().entries.is_empty());
}

async fn start_and_pull_in_both_formats(b: Backend) {
    let (s, base) = loaded(b, 12);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    let r = c.put(&format!("{FEED}/start/utc/{}", utc(base + 35))).await;
    assert_eq!(r.status(), 200);
    let first = c.page(&format!("{FEED}/pull?format=json&limit=3")).await;
    assert_eq!(ids(&first), vec![4, 5, 6]);
    assert_eq!(first.feed().time_range.from, utc(base + 35));
    assert_eq!(first.feed().time_range.to, utc(base + 61));
    let second = c.page(&format!("{FEED}/pull?limit=3")).await;
    assert_eq!(ids(&second), vec![7, 8, 9], "XML pull continues where the JSON one ended");
    assert_eq!(second.feed().time_range.from, utc(base + 61));

    let r = c.put(&format!("{FEED}/start/timestamp/{}", base + 100)).await;
    assert_eq!(r.status(), 200);
    assert_eq!(ids(&c.page(&format!("{FEED}/pull?format=json")).await), vec![10, 11]);
    assert!(ids(&c.page(&format!("{FEED}/pull?format=json")).await).is_empty(), "drained");

    // Start with no time: from now on, nothing older.
    assert_eq!(c.put(&format!("{FEED}/start/utc/{}", utc(base))).await.status(), 200);
    assert_eq!(c.put(&format!("{FEED}/start")).await.status(), 200);
    assert!(ids(&c.page(&format!("{FEED}/pull?format=json")).await).is_empty());
}

async fn health_openapi_and_compression(b: Backend) {
    let (s, base) = loaded(b, 50);
    let server = s.serve(&[]);
    let anon = server.client();
    let h: serde_json::Value = anon.get("/health").await.json().await.unwrap();
    assert_eq!(h["status"], "ok");
    assert_eq!(h["newest_event"], utc(base + 490));

    let doc: serde_json::Value = anon.get("/openapi.json").await.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    for path in [
        "/api/feed/supply_chain/ioc/v1/query/utc/{time}",
        "/api/feed/supply_chain/ioc/v1/query/timestamp/{time}",
        "/api/feed/supply_chain/ioc/v1/query/start",
        "/api/feed/supply_chain/ioc/v1/query/start/utc/{time}",
        "/api/feed/supply_chain/ioc/v1/query/start/timestamp/{time}",
        "/api/feed/supply_chain/ioc/v1/query/pull",
        "/health",
        "/openapi.json",
    ] {
        assert!(doc["paths"].get(path).is_some(), "openapi.json lacks {path}");
    }

    let c = server.client().as_user("alice");
    let plain = c.get(&format!("{FEED}/utc/{}?format=json", utc(base))).await;
    assert!(plain.headers().get("content-encoding").is_none());
    let plain_len = plain.bytes().await.unwrap().len();
    let gz = c
        .request(reqwest::Method::GET, &format!("{FEED}/utc/{}?format=json", utc(base)))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .unwrap();
    assert_eq!(gz.headers()["content-encoding"], "gzip");
    let gz_body = gz.bytes().await.unwrap();
    assert_eq!(&gz_body[..2], &[0x1f, 0x8b], "a gzip stream");
    assert!(gz_body.len() * 3 < plain_len, "compressed {} vs {plain_len}", gz_body.len());
}

async fn a_new_event_shows_within_seconds(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    assert_eq!(c.put(&format!("{FEED}/start")).await.status(), 200);
    let line = serde_json::json!({"event_type": "NEW_MALICIOUS", "identity": {"purl": "pkg:pypi/fresh-evil@0.1"},
            "sample_list": [{"status": "MALICIOUS", "threat_name": "Script-PY.Dropper.SupplyChain"}]})
    .to_string();
    let t0 = std::time::Instant::now();
    s.ingest(&[line]);
    loop {
        let page = c.page(&format!("{FEED}/pull?format=json")).await;
        if let Some(e) = page.feed().entries.first() {
            assert_eq!(e["identity"]["purl"], "pkg:pypi/fresh-evil@0.1");
            break;
        }
        assert!(t0.elapsed().as_secs() < 5, "event not visible after 5 s");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
