//! The page rule: at most `limit` events plus the rest of the last one's second.

use crate::support::{Backend, FEED, Scioc, both_backends, entry, ids, utc};
use scioc_model::FeedTime;

both_backends!(async a_second_of_2500_events_is_never_split);

async fn a_second_of_2500_events_is_never_split(b: Backend) {
    let mut s = Scioc::on(b);
    // Seconds larger than a page: a store told to hold them (or a mirror of a feed that does).
    s.env.push(("SCIOC_EVENTS_PER_SECOND", "5000".into()));
    s.add_user("alice", "reader");
    let base = FeedTime::parse_utc("2024-03-01T08:00:00").unwrap().unix();
    let mut lines = Vec::new();
    let mut expected_times = Vec::new();
    for i in 0..10 {
        lines.push(entry(i, &utc(base + i as i64)));
        expected_times.push(base + i as i64);
    }
    for i in 10..2510 {
        lines.push(entry(i, &utc(base + 100)));
        expected_times.push(base + 100);
    }
    for i in 2510..2520 {
        lines.push(entry(i, &utc(base + 200 + i as i64)));
        expected_times.push(base + 200 + i as i64);
    }
    s.ingest(&lines);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");

    let page = c.page(&format!("{FEED}/utc/{}?format=json&limit=1000", utc(base + 100))).await;
    assert_eq!(ids(&page), (10..2510).collect::<Vec<_>>(), "all 2,500 events of the second, though limit is 1000");
    assert_eq!(page.feed().time_range.to, utc(base + 101));
    assert_eq!(page.feed().last_timestamp, utc(base + 100));

    let page = c.page(&format!("{FEED}/utc/{}?format=json&limit=1000", utc(base + 5))).await;
    assert_eq!(ids(&page), (5..2510).collect::<Vec<_>>(), "1000 reached inside the busy second, which is finished");

    // Walking the whole feed by time_range.to returns each event once, in order, for any limit.
    for limit in [1, 7, 1000] {
        let mut from = utc(base);
        let mut got = Vec::new();
        for _ in 0..10_000 {
            let page = c.page(&format!("{FEED}/utc/{from}?format=json&limit={limit}")).await;
            got.extend(ids(&page));
            if page.feed().entries.is_empty() {
                break;
            }
            from = page.feed().time_range.to.clone();
        }
        assert_eq!(got, (0..2520).collect::<Vec<_>>(), "limit {limit}");
    }

    // Pulls obey the same rule.
    assert_eq!(c.put(&format!("{FEED}/start/utc/{}", utc(base + 50))).await.status(), 200);
    let pulled = c.page(&format!("{FEED}/pull?format=json&limit=1")).await;
    assert_eq!(pulled.feed().entries.len(), 2500);
    let rest = c.page(&format!("{FEED}/pull?format=json&limit=1000")).await;
    assert_eq!(ids(&rest), (2510..2520).collect::<Vec<_>>());
}
