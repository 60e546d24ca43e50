//! Per-user cursors: durable across restarts, isolated between users, exact under concurrency.

use crate::support::{Backend, FEED, Scioc, both_backends, entry, ids, utc};
use scioc_model::FeedTime;
use std::collections::BTreeSet;

both_backends!(async a_cursor_survives_a_restart_and_a_kill, cursors_are_per_user, a_user_who_never_started_gets_events_from_the_first_pull_on, concurrent_pulls_by_one_user_neither_repeat_nor_skip, head_on_pull_moves_no_cursor);

fn feed(s: &Scioc, n: usize, per_second: usize) -> i64 {
    let base = FeedTime::parse_utc("2024-02-01T00:00:00").unwrap().unix();
    s.ingest(&(0..n).map(|i| entry(i, &utc(base + (i / per_second) as i64))).collect::<Vec<_>>());
    base
}

async fn a_cursor_survives_a_restart_and_a_kill(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let base = feed(&s, 40, 2);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    assert_eq!(c.put(&format!("{FEED}/start/utc/{}", utc(base))).await.status(), 200);
    assert_eq!(ids(&c.page(&format!("{FEED}/pull?format=json&limit=10")).await), (0..10).collect::<Vec<_>>());
    assert!(server.stop().success(), "SIGTERM stops the server cleanly");

    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    assert_eq!(ids(&c.page(&format!("{FEED}/pull?format=json&limit=10")).await), (10..20).collect::<Vec<_>>());
    // Delivery is confirmed just after the body is handed over; a kill before that serves the
    // page again (at least once, the hardening tests show), a kill after it does not.
    s.await_delivered("alice", 20).await;
    server.kill();

    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    assert_eq!(
        ids(&c.page(&format!("{FEED}/pull?format=json&limit=10")).await),
        (20..30).collect::<Vec<_>>(),
        "an acknowledged pull survives a kill"
    );
}

async fn cursors_are_per_user(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    s.add_user("bob", "admin");
    let base = feed(&s, 20, 1);
    let server = s.serve(&[]);
    let alice = server.client().as_user("alice");
    let bob = server.client().as_user("bob");
    assert_eq!(alice.put(&format!("{FEED}/start/utc/{}", utc(base))).await.status(), 200);
    assert_eq!(bob.put(&format!("{FEED}/start/utc/{}", utc(base + 15))).await.status(), 200);
    assert_eq!(ids(&alice.page(&format!("{FEED}/pull?format=json&limit=5")).await), (0..5).collect::<Vec<_>>());
    assert_eq!(ids(&bob.page(&format!("{FEED}/pull?format=json&limit=5")).await), (15..20).collect::<Vec<_>>());
    assert_eq!(ids(&alice.page(&format!("{FEED}/pull?format=json&limit=5")).await), (5..10).collect::<Vec<_>>());
}

async fn a_user_who_never_started_gets_events_from_the_first_pull_on(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("carol", "reader");
    feed(&s, 5, 1);
    let server = s.serve(&[]);
    let c = server.client().as_user("carol");
    assert!(
        ids(&c.page(&format!("{FEED}/pull?format=json")).await).is_empty(),
        "history before the first pull is not replayed"
    );
    s.ingest(&[entry(77, &utc(FeedTime::now().unix()))]);
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(ids(&c.page(&format!("{FEED}/pull?format=json")).await), vec![77]);
}

async fn concurrent_pulls_by_one_user_neither_repeat_nor_skip(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("dave", "reader");
    let base = feed(&s, 3000, 3);
    let server = s.serve(&[]);
    let c = server.client().as_user("dave");
    assert_eq!(c.put(&format!("{FEED}/start/utc/{}", utc(base))).await.status(), 200);
    let tasks: Vec<_> = (0..6)
        .map(|k| {
            let c = c.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let format = if k % 2 == 0 { "json" } else { "xml" };
                    let page = c.page(&format!("{FEED}/pull?format={format}&limit=37")).await;
                    if page.feed().entries.is_empty() {
                        return got;
                    }
                    got.extend(ids(&page));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap());
    }
    let unique: BTreeSet<_> = all.iter().copied().collect();
    assert_eq!(all.len(), 3000, "no event delivered twice");
    assert_eq!(unique, (0..3000).collect(), "no event skipped");
}

/// Issue 13, defect 5: `HEAD …/pull` answered 200 and moved the cursor, so the events of that
/// page were never delivered. It is refused (405, `Allow: GET`) and changes nothing.
async fn head_on_pull_moves_no_cursor(b: Backend) {
    let s = Scioc::on(b);
    s.add_user("alice", "reader");
    let base = feed(&s, 6, 1);
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    assert_eq!(c.put(&format!("{FEED}/start/utc/{}", utc(base))).await.status(), 200);
    let head = c.request(reqwest::Method::HEAD, &format!("{FEED}/pull?format=json&limit=2")).send().await.unwrap();
    assert_eq!(head.status(), 405);
    assert_eq!(head.headers()["allow"], "GET");
    assert_eq!(ids(&c.page(&format!("{FEED}/pull?format=json&limit=2")).await), vec![0, 1], "nothing was consumed");
    let anon = server.client();
    let head = anon.request(reqwest::Method::HEAD, &format!("{FEED}/pull?limit=2")).send().await.unwrap();
    assert_eq!(head.status(), 401, "credentials are still checked first");
}
