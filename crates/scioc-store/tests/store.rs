//! Behaviour every [`Store`] implementation must show, run against both: the embedded SQLite
//! store and PostgreSQL (a fresh schema per test; see `scioc_store::testing`).
//!
//! Each test is an `async fn(Backend)`; [`both!`] makes `name::sqlite` and `name::postgres` of it.

use scioc_api::Format;
use scioc_model::{Entry, FeedTime, RawEntry, Role, UserName};
use scioc_store::{
    Error, EventFilter, Import, Indicator, NewEvent, NewUser, PgOptions, PgStore, PullQuery, SourceRecord, SqliteStore,
    Store, TimeQuery, testing::TestDatabase,
};
use std::str::FromStr;
use std::sync::Arc;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Backend {
    Sqlite,
    Postgres,
}

/// A store on a backend, with what keeps its storage alive.
struct Opened {
    dir: tempfile::TempDir,
    db: Option<TestDatabase>,
    store: Arc<dyn Store>,
}

impl Opened {
    /// Closes the store and opens its storage again.
    async fn reopen(self) -> Opened {
        let Opened { dir, db, store } = self;
        drop(store);
        let store = open_at(dir.path(), db.as_ref()).await;
        Opened { dir, db, store }
    }

    /// Another handle on the same storage, with its own connections: a second server node.
    async fn another(&self) -> Arc<dyn Store> {
        open_at(self.dir.path(), self.db.as_ref()).await
    }
}

async fn open_at(dir: &std::path::Path, db: Option<&TestDatabase>) -> Arc<dyn Store> {
    open_with(dir, db, scioc_store::DEFAULT_EVENTS_PER_SECOND).await
}

async fn open_with(dir: &std::path::Path, db: Option<&TestDatabase>, per_second: u32) -> Arc<dyn Store> {
    let per_second = std::num::NonZeroU32::new(per_second).unwrap();
    match db {
        None => Arc::new(SqliteStore::open(dir).unwrap().with_events_per_second(per_second)),
        Some(db) => Arc::new(
            PgStore::connect(db.url(), PgOptions { events_per_second: per_second, ..PgOptions::default() })
                .await
                .unwrap(),
        ),
    }
}

async fn open(backend: Backend) -> Opened {
    let dir = tempfile::tempdir().unwrap();
    let db = (backend == Backend::Postgres).then(TestDatabase::new);
    let store = open_at(dir.path(), db.as_ref()).await;
    Opened { dir, db, store }
}

/// Events per second from `from` to far ahead of the clock, read page by page.
async fn seconds(store: &dyn Store, mut from: FeedTime) -> Vec<(i64, usize)> {
    let horizon = FeedTime::now().add_secs(3600);
    let mut out: Vec<(i64, usize)> = Vec::new();
    loop {
        let page = store.query(TimeQuery { from, limit: 1000, format: Format::Json, horizon }).await.unwrap();
        for r in &page.rows {
            match out.last_mut() {
                Some((t, n)) if *t == r.time.unix() => *n += 1,
                _ => out.push((r.time.unix(), 1)),
            }
        }
        match (page.more, out.last()) {
            (true, Some((t, _))) => from = FeedTime::from_unix(t + 1),
            _ => return out,
        }
    }
}

async fn a_second_holds_at_most_its_capacity(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    // A dated batch: 1,500 events asked for one second are spread over it and the next.
    let busy = t("2024-05-01T12:00:00");
    let mut batch = vec![at(0, busy)];
    batch.extend((1..1500).map(|i| at(i, busy)));
    batch.push(at(1500, busy.add_secs(1)));
    store.append(batch).await.unwrap();
    assert_eq!(seconds(&*store, busy).await, vec![(busy.unix(), 1000), (busy.unix() + 1, 501)]);

    // Undated batches fill the clock's second, then spread ahead of it, across batches too.
    let before = FeedTime::now();
    store.append((0..1200).map(|i| undated(10_000 + i)).collect()).await.unwrap();
    let last = store.append((0..900).map(|i| undated(20_000 + i)).collect()).await.unwrap().last_time;
    // PostgreSQL serves only the seconds its clock has left, so wait for the spread ones.
    while FeedTime::now() <= last.unwrap() {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let got = seconds(&*store, before).await;
    assert_eq!(got.iter().map(|(_, n)| n).sum::<usize>(), 2100, "{got:?}");
    assert!(got.iter().all(|(_, n)| *n <= 1000), "{got:?}");
    assert!(got.windows(2).all(|w| w[1].0 == w[0].0 + 1), "consecutive seconds: {got:?}");
    // 1,000, 1,000 and 100 while the clock holds still; a clock that moves on opens seconds of its own.
    assert!((3..=5).contains(&got.len()), "{got:?}");
}

/// Runs each named `async fn(Backend)` as two tests, one per backend.
macro_rules! both {
    ($($name:ident),* $(,)?) => {$(
        mod $name {
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                super::$name(super::Backend::Sqlite).await
            }
            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                super::$name(super::Backend::Postgres).await
            }
        }
    )*};
}

both!(
    append_assigns_sequence_and_refuses_going_back,
    a_second_holds_at_most_its_capacity,
    a_page_never_splits_a_second,
    the_open_second_is_not_served,
    cursors_pull_exactly_once_and_are_per_user,
    concurrent_pulls_by_one_user_never_overlap,
    leased_pages_are_served_again_until_delivered,
    concurrent_leased_pulls_never_overlap_and_settle_in_order,
    everything_survives_reopening,
    users_are_managed,
    imports_are_atomic_versioned_and_carry_indicators,
    events_are_found_by_hash_and_purl,
    two_nodes_appending_at_once_keep_the_feed_in_order,
    two_nodes_pulling_for_one_user_deliver_each_event_once,
    a_copy_equals_its_source_and_refuses_a_full_target,
    sources_announce_a_version_once_and_withdraw_it_with_the_last,
    days_are_counted_by_type_and_ecosystem_and_cursors_listed,
    a_query_never_serves_a_second_an_append_in_flight_may_take,
    an_append_waiting_for_the_lock_is_stamped_once_it_holds_it,
    the_first_read_of_a_feed_waits_for_a_writer_that_may_lay_it_out_again,
    firewall_refusals_are_filtered_and_pruned_and_archives_remembered_once,
);

/// The feed's write lock, held from outside the store as an append in flight in another
/// process holds it: SQLite's write lock (`BEGIN IMMEDIATE`) or PostgreSQL's `feed_head` row.
enum WriteLock {
    Sqlite(std::sync::mpsc::Sender<()>, std::thread::JoinHandle<()>),
    Postgres(tokio_postgres::Client),
}

impl WriteLock {
    async fn take(s: &Opened) -> WriteLock {
        match &s.db {
            None => {
                let path = s.dir.path().join(scioc_store::DB_FILE);
                let (release, released) = std::sync::mpsc::channel();
                let (held, holding) = std::sync::mpsc::channel();
                let thread = std::thread::spawn(move || {
                    let conn = r2d2_sqlite::rusqlite::Connection::open(path).unwrap();
                    conn.execute_batch("BEGIN IMMEDIATE").unwrap();
                    held.send(()).unwrap();
                    let _ = released.recv();
                    conn.execute_batch("ROLLBACK").unwrap();
                });
                holding.recv().unwrap();
                WriteLock::Sqlite(release, thread)
            }
            Some(db) => {
                let (client, connection) = tokio_postgres::connect(db.url(), tokio_postgres::NoTls).await.unwrap();
                tokio::spawn(connection);
                client.batch_execute("BEGIN; SELECT 1 FROM feed_head WHERE id = 1 FOR UPDATE").await.unwrap();
                WriteLock::Postgres(client)
            }
        }
    }

    async fn release(self) {
        match self {
            WriteLock::Sqlite(release, thread) => {
                release.send(()).unwrap();
                thread.join().unwrap();
            }
            WriteLock::Postgres(client) => client.batch_execute("ROLLBACK").await.unwrap(),
        }
    }
}

/// Waits until the clock reads at least `t`.
async fn until(t: FeedTime) {
    while FeedTime::now() < t {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// Issue 28, defect 1: a time query served every second before the clock's, also while an
/// append held the write lock; that append could still be stamped in one of those seconds and
/// commit after, so a client continuing at `time_range.to` never saw it. While the lock is held
/// only the seconds before the committed head's are served; once it is free the query seals the
/// seconds before the clock, and an event later asked for inside a sealed second is stamped at
/// the seal, where such a client still finds it.
async fn a_query_never_serves_a_second_an_append_in_flight_may_take(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    // A feed clients have read (a first read waits for the lock instead: the test below).
    store
        .query(TimeQuery { from: FeedTime::from_unix(0), limit: 1, format: Format::Json, horizon: FeedTime::now() })
        .await
        .unwrap();
    let head = store.append(vec![undated(1)]).await.unwrap().last_time.unwrap();
    let lock = WriteLock::take(&s).await;
    until(head.add_secs(2)).await;
    let query = |horizon| TimeQuery { from: head.add_secs(-5), limit: 10, format: Format::Json, horizon };
    for node in [store.clone(), s.another().await] {
        let page = node.query(query(FeedTime::now())).await.unwrap();
        assert!(
            page.horizon <= head,
            "served up to {} while an append that may be stamped at {head} held the lock",
            page.horizon
        );
        assert!(page.rows.is_empty(), "the head's second is served only once no append can enter it");
    }
    lock.release().await;
    let now = FeedTime::now();
    let page = store.query(query(now)).await.unwrap();
    assert_eq!(page.horizon, now, "with the lock free every second before the clock's is sealed");
    assert_eq!(seqs(&page), vec![1]);
    let late = store.append(vec![at(2, now.add_secs(-1))]).await.unwrap().last_time.unwrap();
    assert!(
        late >= now,
        "an event asked for at {} was stamped {late}, inside a second already served",
        now.add_secs(-1)
    );
    let next = store.query(query(FeedTime::now().add_secs(2))).await.unwrap();
    assert!(next.rows.iter().all(|r| r.seq != 2 || r.time >= page.horizon));
}

/// A time query of a feed no client had read yet, made while a writer held the lock, served the
/// committed feed without marking it read: that writer could be an import laying the unread
/// feed out again by publication time (`Store::commit_history`), which renumbered every event
/// after the ones it inserted, and a client that had been served the old numbers then got
/// events twice (seen as `extra [301]` in the two-node SDK test). The first read now waits for
/// the writer and seals, so the import either commits before it or finds the feed read.
async fn the_first_read_of_a_feed_waits_for_a_writer_that_may_lay_it_out_again(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    store.append(vec![undated(1)]).await.unwrap();
    assert!(store.unread().await.unwrap(), "no client has read the feed");
    let lock = WriteLock::take(&s).await;
    let reader = s.another().await;
    let reading = tokio::spawn(async move {
        let horizon = FeedTime::now().add_secs(3600);
        reader.query(TimeQuery { from: FeedTime::from_unix(0), limit: 10, format: Format::Json, horizon }).await
    });
    tokio::time::sleep(std::time::Duration::from_millis(700)).await;
    assert!(!reading.is_finished(), "the first read of an unread feed waits for the writer");
    assert!(store.unread().await.unwrap());
    lock.release().await;
    let page = reading.await.unwrap().unwrap();
    assert!(!store.unread().await.unwrap(), "the feed is marked read before anything is served");
    assert!(seqs(&page).len() <= 1);
}

/// Issue 28, defect 1: an append read the clock before it held the write lock, so one that
/// waited for another writer was stamped in a second that had closed while it waited.
async fn an_append_waiting_for_the_lock_is_stamped_once_it_holds_it(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let lock = WriteLock::take(&s).await;
    let asked = FeedTime::now();
    let waiting = tokio::spawn({
        let store = store.clone();
        async move { store.append(vec![undated(1)]).await }
    });
    until(asked.add_secs(2)).await;
    let released = FeedTime::now();
    lock.release().await;
    let stamped = waiting.await.unwrap().unwrap().last_time.unwrap();
    assert!(stamped >= released, "asked at {asked}, the lock freed at {released}, but stamped {stamped}");
}

/// Waits until the current second has closed.
async fn next_second() {
    let now = FeedTime::now();
    while FeedTime::now() <= now {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

fn t(s: &str) -> FeedTime {
    FeedTime::parse_utc(s).unwrap()
}

fn entry(i: usize) -> Entry {
    let raw: RawEntry = serde_json::from_value(serde_json::json!({
        "event_type": "NEW_MALICIOUS",
        "identity": {"purl": format!("pkg:npm/evil-{i}@1.0.{i}"), "package": format!("evil-{i}"), "version": format!("1.0.{i}")},
    }))
    .unwrap();
    Entry::try_from(raw).unwrap()
}

fn at(i: usize, time: FeedTime) -> NewEvent {
    NewEvent { entry: entry(i), time: Some(time), affected: None, provenance: None, claim: None }
}

fn undated(i: usize) -> NewEvent {
    NewEvent { entry: entry(i), time: None, affected: None, provenance: None, claim: None }
}

async fn add_user(store: &dyn Store, name: &str) -> UserName {
    let name = UserName::from_str(name).unwrap();
    store
        .create_user(NewUser {
            name: name.clone(),
            role: Role::Reader,
            password_hash: "$argon2id$x".into(),
            now: FeedTime::now(),
        })
        .await
        .unwrap();
    name
}

fn seqs(page: &scioc_store::Page) -> Vec<i64> {
    page.rows.iter().map(|r| r.seq).collect()
}

async fn append_assigns_sequence_and_refuses_going_back(backend: Backend) {
    let s = open(backend).await;
    let store = s.store.clone();
    let now = FeedTime::now();
    let a = store
        .append(vec![at(1, t("2024-01-01T00:00:00")), at(2, t("2024-01-01T00:00:00")), at(3, t("2024-01-02T00:00:00"))])
        .await
        .unwrap();
    assert_eq!((a.count, a.first_seq, a.last_seq), (3, Some(1), Some(3)));

    // Older than the newest: the whole batch is refused, naming the event.
    let err = store.append(vec![at(4, t("2024-01-03T00:00:00")), at(5, t("2024-01-01T12:00:00"))]).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { index: 1, .. }), "{err}");
    assert_eq!(store.stats().await.unwrap().events, 3, "nothing of a refused batch is stored");

    assert!(matches!(store.append(vec![at(6, now.add_secs(5))]).await.unwrap_err(), Error::Rejected { index: 0, .. }));
    assert!(matches!(store.append(vec![at(7, t("2011-03-28T23:59:59"))]).await.unwrap_err(), Error::Rejected { .. }));

    // Without a time an event takes "now"; if the clock went back it takes the newest time.
    // A shared database takes its own clock, whatever the node's says.
    let behind: Arc<dyn Store> = match backend {
        Backend::Sqlite => Arc::new(SqliteStore::open(s.dir.path()).unwrap().with_clock(|| t("2023-01-01T00:00:00"))),
        Backend::Postgres => store.clone(),
    };
    let b = behind
        .append(vec![NewEvent { entry: entry(8), time: None, affected: None, provenance: None, claim: None }])
        .await
        .unwrap();
    match backend {
        Backend::Sqlite => assert_eq!(b.last_time, Some(t("2024-01-02T00:00:00"))),
        Backend::Postgres => assert!(b.last_time.unwrap() >= FeedTime::now().add_secs(-5), "{:?}", b.last_time),
    }
    assert_eq!(store.head().await.unwrap().unwrap().seq, 4);
}

async fn a_page_never_splits_a_second(b: Backend) {
    let s = open(b).await;
    // A feed whose seconds may hold more than a page (a store told so, or a mirror of one).
    let store = open_with(s.dir.path(), s.db.as_ref(), 5000).await;
    let busy = t("2024-05-01T12:00:00");
    let mut batch = vec![at(0, t("2024-05-01T11:59:59"))];
    batch.extend((1..=2500).map(|i| at(i, busy)));
    batch.push(at(2501, t("2024-05-01T12:00:01")));
    store.append(batch).await.unwrap();
    let horizon = FeedTime::now();

    let page = store
        .query(TimeQuery { from: t("2024-05-01T00:00:00"), limit: 1000, format: Format::Json, horizon })
        .await
        .unwrap();
    assert_eq!(page.rows.len(), 2501, "1000 asked, plus the rest of the busy second");
    assert!(page.rows.windows(2).all(|w| w[0].seq + 1 == w[1].seq));
    assert!(page.more);

    let next =
        store.query(TimeQuery { from: busy.add_secs(1), limit: 1000, format: Format::Xml, horizon }).await.unwrap();
    assert_eq!(seqs(&next), vec![2502]);
    assert!(!next.more);
    assert!(next.entries.starts_with(b"<entry>") && next.entries.ends_with(b"</entry>"));

    let small = store
        .query(TimeQuery { from: t("2024-05-01T00:00:00"), limit: 1, format: Format::Json, horizon })
        .await
        .unwrap();
    assert_eq!(seqs(&small), vec![1]);
    assert!(small.more);
}

async fn the_open_second_is_not_served(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let now = FeedTime::now();
    store.append(vec![at(1, now.add_secs(-1)), at(2, now)]).await.unwrap();
    let page = store
        .query(TimeQuery { from: now.add_secs(-10), limit: 10, format: Format::Json, horizon: now })
        .await
        .unwrap();
    assert_eq!(seqs(&page), vec![1], "events of the current second wait until it closes");
}

async fn cursors_pull_exactly_once_and_are_per_user(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let alice = add_user(&*store, "alice").await;
    let bob = add_user(&*store, "bob").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..30).map(|i| at(i, base.add_secs(i as i64 / 3))).collect()).await.unwrap();
    let q = PullQuery { limit: 4, format: Format::Json, horizon: FeedTime::now(), lease: None };

    // A user who never started gets only what comes after the first pull.
    let first = store.pull(&bob, q.clone()).await.unwrap();
    assert!(first.page.rows.is_empty());

    store.start_cursor(&alice, base.add_secs(2)).await.unwrap();
    let mut got = Vec::new();
    loop {
        let p = store.pull(&alice, q.clone()).await.unwrap();
        if p.page.rows.is_empty() {
            break;
        }
        assert!(p.page.rows.len() >= 4 || !p.page.more);
        got.extend(seqs(&p.page));
    }
    assert_eq!(got, (7..=30).collect::<Vec<_>>(), "from the first event at or after the start, each once");

    store
        .append(vec![NewEvent { entry: entry(99), time: None, affected: None, provenance: None, claim: None }])
        .await
        .unwrap();
    next_second().await;
    let q2 = PullQuery { horizon: FeedTime::now(), ..q.clone() };
    assert_eq!(seqs(&store.pull(&alice, q2.clone()).await.unwrap().page), vec![31]);
    assert_eq!(seqs(&store.pull(&bob, q2.clone()).await.unwrap().page), vec![31]);
}

async fn concurrent_pulls_by_one_user_never_overlap(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let u = add_user(&*store, "carol").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..2000).map(|i| at(i, base.add_secs(i as i64 / 7))).collect()).await.unwrap();
    store.start_cursor(&u, base).await.unwrap();
    let q = PullQuery { limit: 13, format: Format::Json, horizon: FeedTime::now(), lease: None };
    let tasks: Vec<_> = (0..8).map(|i| tokio::spawn(drain(store.clone(), u.clone(), q.clone(), i))).collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=2000).collect::<Vec<_>>());
}

/// Pulls for `u` until a page is empty; a leased page is confirmed (every other task yields
/// first, so that confirmations come out of order). Returns the sequence numbers received.
async fn drain(store: Arc<dyn Store>, u: UserName, q: PullQuery, task: usize) -> Vec<i64> {
    let mut got = Vec::new();
    loop {
        let p = store.pull(&u, q.clone()).await.unwrap();
        if p.page.rows.is_empty() {
            return got;
        }
        got.extend(seqs(&p.page));
        if let Some(lease) = p.lease {
            if task.is_multiple_of(2) {
                tokio::task::yield_now().await;
            }
            store.confirm_pull(&u, lease).await.unwrap();
        }
    }
}

fn leased(limit: u32, holder: &str, expires: FeedTime) -> PullQuery {
    PullQuery {
        limit,
        format: Format::Json,
        horizon: FeedTime::now().add_secs(60),
        lease: Some(scioc_store::LeaseTerms { holder: holder.into(), expires }),
    }
}

/// Issue 13, defect 6: a page is delivered at least once. A released page, an expired one, and
/// those of a holder that starts again are served by the next pull; a confirmed one never is.
async fn leased_pages_are_served_again_until_delivered(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let u = add_user(&*store, "lena").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..40).map(|i| at(i, base.add_secs(i as i64))).collect()).await.unwrap();
    store.start_cursor(&u, base).await.unwrap();
    let later = FeedTime::now().add_secs(600);
    let q = leased(5, "node-a", later);

    // Confirmed: the next pull goes on.
    let p = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&p.page), vec![1, 2, 3, 4, 5]);
    store.confirm_pull(&u, p.lease.unwrap()).await.unwrap();
    let p = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&p.page), vec![6, 7, 8, 9, 10]);

    // Released (the connection broke mid-body): served again, and the page pulled meanwhile too.
    let in_flight = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&in_flight.page), vec![11, 12, 13, 14, 15], "a concurrent pull continues after the page in flight");
    store.release_pull(&u, p.lease.unwrap()).await.unwrap();
    // A late confirmation of a page released with it changes nothing.
    store.confirm_pull(&u, in_flight.lease.unwrap()).await.unwrap();
    let again = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&again.page), vec![6, 7, 8, 9, 10]);
    assert_eq!(again.from, base.add_secs(5), "time_range.from is where the delivered pages end");
    store.confirm_pull(&u, again.lease.unwrap()).await.unwrap();

    // The holder died and started again: its pages in flight are released.
    let lost = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&lost.page), vec![11, 12, 13, 14, 15]);
    assert_eq!(store.release_leases_of("node-b").await.unwrap(), 0, "another holder's pages stay");
    assert_eq!(store.release_leases_of("node-a").await.unwrap(), 1);
    let p = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&p.page), vec![11, 12, 13, 14, 15]);
    store.confirm_pull(&u, p.lease.unwrap()).await.unwrap();

    // A holder that never came back: its page is served again once its lease expires.
    let expired = store.pull(&u, leased(5, "node-c", FeedTime::now().add_secs(-1))).await.unwrap();
    assert_eq!(seqs(&expired.page), vec![16, 17, 18, 19, 20]);
    let p = store.pull(&u, q.clone()).await.unwrap();
    assert!(p.rewound);
    assert_eq!(seqs(&p.page), vec![16, 17, 18, 19, 20]);
    store.confirm_pull(&u, p.lease.unwrap()).await.unwrap();

    // A copy carries the delivered position, not pages in flight.
    let _in_flight = store.pull(&u, q.clone()).await.unwrap();
    let meta = store.export_meta().await.unwrap();
    let c = meta.cursors.iter().find(|c| c.user == "lena").unwrap();
    assert_eq!(c.after_seq, 20);

    // Starting the cursor forgets pages in flight.
    store.start_cursor(&u, base.add_secs(30)).await.unwrap();
    let p = store.pull(&u, q.clone()).await.unwrap();
    assert_eq!(seqs(&p.page), vec![31, 32, 33, 34, 35]);
}

/// Many pulls at once by one user with leases never return an event twice, and the delivered
/// position settles over them whatever order they are confirmed in.
async fn concurrent_leased_pulls_never_overlap_and_settle_in_order(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let u = add_user(&*store, "mira").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..600).map(|i| at(i, base.add_secs(i as i64 / 5))).collect()).await.unwrap();
    store.start_cursor(&u, base).await.unwrap();
    let q = leased(11, "node-a", FeedTime::now().add_secs(600));
    let tasks: Vec<_> = (0..6).map(|i| tokio::spawn(drain(store.clone(), u.clone(), q.clone(), i))).collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=600).collect::<Vec<_>>(), "each event once");
    let meta = store.export_meta().await.unwrap();
    assert_eq!(meta.cursors.iter().find(|c| c.user == "mira").unwrap().after_seq, 600, "all confirmed");
}

async fn everything_survives_reopening(b: Backend) {
    let s = open(b).await;
    {
        let store = s.store.clone();
        let u = add_user(&*store, "dave").await;
        store.append((0..10).map(|i| at(i, t("2024-01-01T00:00:00").add_secs(i as i64))).collect()).await.unwrap();
        store.start_cursor(&u, t("2024-01-01T00:00:00")).await.unwrap();
        let p = store
            .pull(&u, PullQuery { limit: 4, format: Format::Json, horizon: FeedTime::now(), lease: None })
            .await
            .unwrap();
        assert_eq!(seqs(&p.page), vec![1, 2, 3, 4]);
    }
    let s = s.reopen().await;
    let store = s.store.clone();
    let u = UserName::from_str("dave").unwrap();
    let p = store
        .pull(&u, PullQuery { limit: 4, format: Format::Json, horizon: FeedTime::now(), lease: None })
        .await
        .unwrap();
    assert_eq!(seqs(&p.page), vec![5, 6, 7, 8]);
    assert_eq!(p.from, t("2024-01-01T00:00:04"));
}

async fn users_are_managed(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let u = add_user(&*store, "erin").await;
    let dup = store
        .create_user(NewUser { name: u.clone(), role: Role::Admin, password_hash: "x".into(), now: FeedTime::now() })
        .await;
    assert!(matches!(dup, Err(Error::UserExists(_))));
    store.set_role(&u, Role::Disabled).await.unwrap();
    store.set_password(&u, "$argon2id$y".into()).await.unwrap();
    let rec = store.user(&u).await.unwrap().unwrap();
    assert_eq!((rec.role, rec.password_hash.as_str()), (Role::Disabled, "$argon2id$y"));
    assert_eq!(store.users().await.unwrap().len(), 1);
    store.start_cursor(&u, FeedTime::now()).await.unwrap();
    store.remove_user(&u).await.unwrap();
    assert!(store.user(&u).await.unwrap().is_none());
    assert!(matches!(store.remove_user(&u).await, Err(Error::NoSuchUser(_))));
    assert!(matches!(store.set_role(&u, Role::Admin).await, Err(Error::NoSuchUser(_))));
}

fn hashed(i: usize, purl: &str) -> NewEvent {
    let raw: RawEntry = serde_json::from_value(serde_json::json!({
        "event_type": "NEW_MALICIOUS",
        "sha256": format!("{i:064x}"),
        "identity": {"purl": purl},
    }))
    .unwrap();
    NewEvent {
        entry: Entry::try_from(raw).unwrap(),
        time: Some(t("2024-03-01T00:00:00")),
        affected: None,
        provenance: None,
        claim: None,
    }
}

fn record(id: &str, hash: &str) -> SourceRecord {
    SourceRecord { id: id.into(), content_hash: hash.into(), state: format!(r#"{{"id":"{id}"}}"#) }
}

fn domain(value: &str, source_id: &str) -> Indicator {
    Indicator {
        kind: scioc_model::IndicatorKind::Domain,
        value: value.into(),
        ecosystem: "npm".into(),
        package: "evil".into(),
        source: "osv".into(),
        source_id: source_id.into(),
        match_kind: scioc_model::MatchKind::Exact,
        confidence: "high".into(),
        action: "block".into(),
    }
}

async fn imports_are_atomic_versioned_and_carry_indicators(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    assert_eq!(store.source_state("osv").await.unwrap(), Default::default());
    let first = Import {
        source: "osv".into(),
        expected_version: 0,
        events: vec![at(1, t("2024-01-01T00:00:00"))],
        records: vec![record("MAL-2", "h2"), record("MAL-1", "h1")],
        indicators: vec![domain("a.example", "MAL-1"), domain("b.example", "MAL-2")],
        ..Default::default()
    };
    assert_eq!(store.commit_import(first.clone()).await.unwrap().count, 1);

    let stale = store.commit_import(Import { events: vec![at(2, t("2024-01-02T00:00:00"))], ..first }).await;
    assert!(matches!(stale, Err(Error::Conflict(_))), "{stale:?}");
    assert_eq!(store.stats().await.unwrap().events, 1, "a refused import stores nothing");

    let state = store.source_state("osv").await.unwrap();
    assert_eq!(state.version, 1);
    assert_eq!(state.records, vec![record("MAL-1", "h1"), record("MAL-2", "h2")]);

    store
        .commit_import(Import {
            source: "osv".into(),
            expected_version: 1,
            records: vec![record("MAL-2", "h3")],
            indicators: vec![domain("c.example", "MAL-2"), domain("b.example", "MAL-2")],
            retire_indicators_of: vec!["MAL-1".into()],
            remove_records: vec!["MAL-1".into()],
            ..Default::default()
        })
        .await
        .unwrap();
    let values: Vec<String> = store.indicators().await.unwrap().into_iter().map(|i| i.value).collect();
    assert_eq!(values, ["b.example", "c.example"], "retired, kept once, added");
    assert_eq!(
        store.source_state("osv").await.unwrap(),
        scioc_store::SourceState { version: 2, records: vec![record("MAL-2", "h3")] }
    );

    let bad = store
        .commit_import(Import {
            source: "osv".into(),
            expected_version: 2,
            events: vec![at(3, t("2011-01-01T00:00:00"))],
            records: vec![record("MAL-9", "x")],
            indicators: vec![domain("d.example", "MAL-9")],
            ..Default::default()
        })
        .await;
    assert!(matches!(bad, Err(Error::Rejected { index: 0, .. })), "{bad:?}");
    let after = store.source_state("osv").await.unwrap();
    assert_eq!((after.version, after.records.len()), (2, 1), "nothing of a refused import is kept");
    assert_eq!(store.stats().await.unwrap().indicators, 2);
}

async fn events_are_found_by_hash_and_purl(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    store
        .append(vec![
            hashed(1, "pkg:npm/evil-1@1.0.0"),
            hashed(2, "pkg:npm/evil-1@2.0.0"),
            hashed(3, "pkg:npm/evil-10@1.0.0"),
            hashed(4, "pkg:pypi/evil-1@1.0.0"),
        ])
        .await
        .unwrap();
    let found = |f: EventFilter| {
        let store = store.clone();
        async move { store.find_events(f).await.unwrap().iter().map(|e| e.seq).collect::<Vec<_>>() }
    };
    assert_eq!(found(EventFilter::Purl("pkg:npm/evil-1".into())).await, [1, 2], "every version, not evil-10");
    assert_eq!(found(EventFilter::Purl("pkg:npm/evil-1@2.0.0".into())).await, [2]);
    assert_eq!(found(EventFilter::Purl("pkg:npm/evil".into())).await, Vec::<i64>::new());
    assert_eq!(found(EventFilter::Sha256(format!("{:064X}", 3))).await, [3], "hashes match in any case");
    let entries = store.entries(vec![4, 1]).await.unwrap();
    assert_eq!(entries.iter().map(|e| e.seq).collect::<Vec<_>>(), [4, 1]);
    assert_eq!(entries[0].purl.as_deref(), Some("pkg:pypi/evil-1@1.0.0"));
    let json: serde_json::Value = serde_json::from_slice(&entries[1].entry_json).unwrap();
    assert_eq!(json["sha256"], format!("{:064x}", 1));
    let packages = store.package_events(0).await.unwrap();
    assert_eq!(packages.iter().map(|p| p.seq).collect::<Vec<_>>(), [1, 2, 3, 4]);
    assert_eq!(packages[2].sha256.as_deref(), Some(format!("{:064x}", 3).as_str()));
    let later = store.package_events(2).await.unwrap();
    assert_eq!(later.iter().map(|p| p.seq).collect::<Vec<_>>(), [3, 4], "only events after the sequence number");
}

/// `(seq, ts)` of every event.
async fn positions(store: &dyn Store) -> Vec<(i64, i64)> {
    let mut out = Vec::new();
    loop {
        let batch = store.export_events(out.last().map_or(0, |p: &(i64, i64)| p.0), 1000).await.unwrap();
        if batch.is_empty() {
            return out;
        }
        out.extend(batch.iter().map(|e| (e.seq, e.ts)));
    }
}

async fn two_nodes_appending_at_once_keep_the_feed_in_order(b: Backend) {
    let s = open(b).await;
    let nodes = [s.store.clone(), s.another().await];
    let tasks: Vec<_> = (0..8)
        .map(|task| {
            let node = nodes[task % 2].clone();
            tokio::spawn(async move {
                for batch in 0..20 {
                    let events = (0..5)
                        .map(|i| NewEvent {
                            entry: entry(task * 1000 + batch * 10 + i),
                            time: None,
                            affected: None,
                            provenance: None,
                            claim: None,
                        })
                        .collect();
                    node.append(events).await.unwrap();
                }
            })
        })
        .collect();
    for task in tasks {
        task.await.unwrap();
    }
    let all = positions(&*nodes[1]).await;
    assert_eq!(all.iter().map(|p| p.0).collect::<Vec<_>>(), (1..=800).collect::<Vec<_>>(), "no gap, no repeat");
    assert!(all.windows(2).all(|w| w[0].1 <= w[1].1), "times never go back");
    assert_eq!(nodes[0].head().await.unwrap().unwrap().seq, 800);
}

async fn two_nodes_pulling_for_one_user_deliver_each_event_once(b: Backend) {
    let s = open(b).await;
    let nodes = [s.store.clone(), s.another().await];
    let u = add_user(&*nodes[0], "frank").await;
    let base = t("2024-01-01T00:00:00");
    nodes[0].append((0..1000).map(|i| at(i, base.add_secs(i as i64 / 7))).collect()).await.unwrap();
    nodes[1].start_cursor(&u, base).await.unwrap();
    let appending = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let appenders: Vec<_> = (0..2)
        .map(|n| {
            let node = nodes[n].clone();
            tokio::spawn(async move {
                for batch in 0..20 {
                    let events = (0..10)
                        .map(|i| NewEvent {
                            entry: entry(10_000 + n * 1000 + batch * 10 + i),
                            time: None,
                            affected: None,
                            provenance: None,
                            claim: None,
                        })
                        .collect();
                    node.append(events).await.unwrap();
                }
            })
        })
        .collect();
    // Pullers alternate between the nodes on every request; they see events appended meanwhile.
    let pullers: Vec<_> = (0..6)
        .map(|p| {
            let nodes = nodes.clone();
            let (u, appending) = (u.clone(), appending.clone());
            tokio::spawn(async move {
                let mut got = Vec::new();
                for i in p.. {
                    let q = PullQuery {
                        limit: 17,
                        format: Format::Json,
                        horizon: FeedTime::now().add_secs(60),
                        lease: None,
                    };
                    let page = nodes[i % 2].pull(&u, q.clone()).await.unwrap().page;
                    if page.rows.is_empty() && !appending.load(std::sync::atomic::Ordering::SeqCst) {
                        return got;
                    }
                    got.extend(seqs(&page));
                }
                unreachable!()
            })
        })
        .collect();
    for a in appenders {
        a.await.unwrap();
    }
    // The last events are served once their second has closed (on PostgreSQL, by its clock).
    next_second().await;
    appending.store(false, std::sync::atomic::Ordering::SeqCst);
    let mut all = Vec::new();
    for p in pullers {
        all.extend(p.await.unwrap());
    }
    let total = all.len();
    all.sort();
    all.dedup();
    assert_eq!(total, all.len(), "no event delivered twice");
    assert_eq!(all, (1..=1400).collect::<Vec<_>>(), "every event delivered");
}

async fn a_copy_equals_its_source_and_refuses_a_full_target(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let u = add_user(&*store, "grace").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..4500).map(|i| at(i, base.add_secs(i as i64 / 3))).collect()).await.unwrap();
    store
        .commit_import(Import {
            source: "osv".into(),
            expected_version: 0,
            events: vec![hashed(1, "pkg:npm/evil-1@1.0.0")],
            records: vec![record("MAL-1", "h1")],
            indicators: vec![domain("a.example", "MAL-1")],
            claims: ["MAL-2", "MAL-1"]
                .map(|r| (r.to_owned(), vec![scioc_store::ClaimKey::new("pkg:npm/evil-1@1.0.0", None)]))
                .to_vec(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert_eq!(store.export_meta().await.unwrap().claims.len(), 2, "claims travel with a copy");
    // The firewall's records travel too.
    store.record_blocks(vec![block("copied", 1, scioc_store::BlockKind::Refused, 1)]).await.unwrap();
    store.remember_archive(archive("copied", "aa")).await.unwrap();
    let meta = store.export_meta().await.unwrap();
    assert_eq!((meta.blocks.len(), meta.archives.len()), (1, 1), "refusals and archives travel with a copy");
    store.start_cursor(&u, base).await.unwrap();
    let q = PullQuery { limit: 10, format: Format::Json, horizon: FeedTime::now(), lease: None };
    assert_eq!(seqs(&store.pull(&u, q.clone()).await.unwrap().page), (1..=12).collect::<Vec<_>>());

    // Into the other backend, and back again.
    let other = open(if b == Backend::Sqlite { Backend::Postgres } else { Backend::Sqlite }).await;
    let progress = std::sync::Mutex::new(Vec::new());
    let copied = other.store.restore(&*store, &|n| progress.lock().unwrap().push(n)).await.unwrap();
    assert_eq!(copied, 4501);
    assert_eq!(*progress.lock().unwrap().last().unwrap(), 4501);
    assert_eq!(other.store.digest().await.unwrap(), store.digest().await.unwrap());
    assert_eq!(other.store.export_meta().await.unwrap(), store.export_meta().await.unwrap());
    let counts = |c: Vec<(scioc_model::EventType, u64)>| {
        let mut c: Vec<(&str, u64)> = c.into_iter().map(|(t, n)| (t.as_str(), n)).collect();
        c.sort();
        c
    };
    assert_eq!(counts(store.event_counts().await.unwrap()).iter().map(|(_, n)| n).sum::<u64>(), 4501);
    assert_eq!(
        counts(other.store.event_counts().await.unwrap()),
        counts(store.event_counts().await.unwrap()),
        "a restore is counted as it is inserted"
    );
    let back = open(b).await;
    back.store.restore(&*other.store, &|_| {}).await.unwrap();
    assert_eq!(back.store.digest().await.unwrap(), store.digest().await.unwrap());
    assert_eq!(back.store.export_meta().await.unwrap(), store.export_meta().await.unwrap());

    // The copy carries on where the source stood: the cursor, the head, the import version.
    assert_eq!(seqs(&other.store.pull(&u, q.clone()).await.unwrap().page), (13..=24).collect::<Vec<_>>());
    let next = other.store.append(vec![at(9, FeedTime::now())]).await.unwrap();
    assert_eq!(next.first_seq, Some(4502));
    assert_eq!(other.store.source_state("osv").await.unwrap().version, 1);

    // A store that holds anything is never a copy's target, and is left as it was.
    let before = other.store.digest().await.unwrap();
    let refused = other.store.restore(&*store, &|_| {}).await;
    assert!(matches!(refused, Err(Error::Conflict(_))), "{refused:?}");
    assert_eq!(other.store.digest().await.unwrap(), before);
}

fn block(package: &str, days_ago: i64, kind: scioc_store::BlockKind, count: u32) -> scioc_store::BlockRecord {
    scioc_store::BlockRecord {
        time: FeedTime::from_unix(FeedTime::now().unix() - days_ago * 86_400),
        client: "alice@10.0.0.7".into(),
        ecosystem: "npm".into(),
        package: package.into(),
        version: Some("1.0.0".into()),
        rule: "AS-008".into(),
        reference: Some("MAL-2025-1".into()),
        reason: "known malicious".into(),
        what: format!("{package}@1.0.0"),
        kind,
        count,
    }
}

fn archive(package: &str, sha256: &str) -> scioc_store::SeenArchive {
    scioc_store::SeenArchive {
        ecosystem: "npm".into(),
        package: package.into(),
        file: format!("{package}-1.0.0.tgz"),
        version: Some("1.0.0".into()),
        sha256: sha256.into(),
        sha512: Some(format!("{sha256}{sha256}")),
        first_seen: t("2025-01-01T00:00:00"),
    }
}

/// Issue 29: refusals are kept apart from withheld versions, with counts, pruned past their
/// retention; an archive's hashes are remembered as first seen, never overwritten.
async fn firewall_refusals_are_filtered_and_pruned_and_archives_remembered_once(b: Backend) {
    use scioc_store::BlockKind::{Refused, Withheld};
    let s = open(b).await;
    let store = s.store.clone();
    store
        .record_blocks(vec![block("old", 100, Refused, 1), block("new", 1, Refused, 1), block("new", 0, Withheld, 4)])
        .await
        .unwrap();
    let all = store.blocks(FeedTime::from_unix(0), None, 10).await.unwrap();
    assert_eq!(all.iter().map(|b| b.package.as_str()).collect::<Vec<_>>(), ["old", "new", "new"], "oldest first");
    assert_eq!(
        all[2],
        scioc_store::BlockRecord { time: all[2].time, ..block("new", 0, Withheld, 4) },
        "every field kept"
    );
    let withheld = store.blocks(FeedTime::from_unix(0), Some(Withheld), 10).await.unwrap();
    assert_eq!((withheld.len(), withheld[0].count), (1, 4));
    assert_eq!(store.blocks(FeedTime::from_unix(0), Some(Refused), 10).await.unwrap().len(), 2);
    assert_eq!(store.blocks(FeedTime::from_unix(0), None, 1).await.unwrap().len(), 1, "the limit holds");
    let recent = FeedTime::from_unix(FeedTime::now().unix() - 2 * 86_400);
    assert_eq!(store.blocks(recent, None, 10).await.unwrap().len(), 2);
    assert_eq!(store.prune_blocks(FeedTime::from_unix(FeedTime::now().unix() - 90 * 86_400)).await.unwrap(), 1);
    assert_eq!(store.blocks(FeedTime::from_unix(0), None, 10).await.unwrap().len(), 2, "only the old one went");

    assert_eq!(store.seen_archive("npm", "pkg", "pkg-1.0.0.tgz").await.unwrap(), None);
    assert_eq!(store.remember_archive(archive("pkg", "aa")).await.unwrap(), archive("pkg", "aa"));
    let changed = scioc_store::SeenArchive { first_seen: t("2025-06-01T00:00:00"), ..archive("pkg", "bb") };
    assert_eq!(store.remember_archive(changed).await.unwrap(), archive("pkg", "aa"), "the first bytes stay");
    assert_eq!(store.seen_archive("npm", "pkg", "pkg-1.0.0.tgz").await.unwrap(), Some(archive("pkg", "aa")));
    assert_eq!(store.seen_archive("PyPI", "pkg", "pkg-1.0.0.tgz").await.unwrap(), None, "per ecosystem");
}

/// Issue 13, defect 13: nodes stamped untimed events with their own clocks, so a node whose
/// clock is behind stamped into seconds a node with a correct clock had already served, and a
/// node whose clock is ahead served seconds the others could still stamp into. On PostgreSQL
/// the database's clock decides both (appends take no clock from the caller at all).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_stamps_and_serves_by_the_database_clock() {
    let s = open(Backend::Postgres).await;
    let store = s.store.clone();
    let real = FeedTime::now();
    store.append(vec![at(1, t("2024-01-01T00:00:00"))]).await.unwrap();
    let a = store
        .append(vec![NewEvent { entry: entry(2), time: None, affected: None, provenance: None, claim: None }])
        .await
        .unwrap();
    let stamped = a.last_time.unwrap();
    assert!(stamped >= real.add_secs(-2), "stamped {stamped} by the node's clock, not the database's ({real})");
    // A node whose clock is ten minutes ahead serves only seconds the database's clock has left.
    let ahead = real.add_secs(600);
    let page = store
        .query(TimeQuery { from: t("2024-01-01T00:00:00"), limit: 10, format: Format::Json, horizon: ahead })
        .await
        .unwrap();
    assert!(page.horizon <= FeedTime::now().add_secs(1), "served up to {} by the node's clock", page.horizon);
    assert!(page.rows.iter().all(|r| r.time < page.horizon));
    let u = add_user(&*store, "nina").await;
    store.start_cursor(&u, t("2024-01-01T00:00:00")).await.unwrap();
    let pulled =
        store.pull(&u, PullQuery { limit: 10, format: Format::Json, horizon: ahead, lease: None }).await.unwrap();
    assert!(pulled.page.horizon <= FeedTime::now().add_secs(1));
}

/// An import's event of `kind` on `evil-0@1.0.0`, claimed by `record`.
fn claimed(kind: &str, record: &str) -> NewEvent {
    let mut e = undated(0);
    e.entry = e.entry.as_event(kind.parse::<scioc_model::EventType>().unwrap());
    let key = scioc_store::ClaimKey::new("pkg:npm/evil-0@1.0.0", None);
    e.claim = Some(scioc_store::Claim { key, record: record.into() });
    e
}

async fn sources_announce_a_version_once_and_withdraw_it_with_the_last(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let import = |source: &str, version: i64, events: Vec<NewEvent>, records: Vec<&str>| Import {
        source: source.into(),
        expected_version: version,
        events,
        claims: records
            .into_iter()
            .map(|r| (r.to_owned(), vec![scioc_store::ClaimKey::new("pkg:npm/evil-0@1.0.0", None)]))
            .collect(),
        ..Default::default()
    };
    // Two records of one source, then another source: one announcement.
    let both = vec![claimed("NEW_MALICIOUS", "MAL-1"), claimed("NEW_MALICIOUS", "MAL-2")];
    let a = store.commit_import(import("osv", 0, both, vec!["MAL-1", "MAL-2"])).await.unwrap();
    assert_eq!((a.count, a.merged), (1, 1));
    let a = store.commit_import(import("dd", 0, vec![claimed("NEW_MALICIOUS", "x")], vec!["x"])).await.unwrap();
    assert_eq!((a.count, a.merged), (0, 1));
    let claims: Vec<(String, String)> =
        store.claims().await.unwrap().into_iter().map(|c| (c.source, c.record)).collect();
    let pair = |s: &str, r: &str| (s.to_owned(), r.to_owned());
    assert_eq!(claims, [pair("osv", "MAL-1"), pair("osv", "MAL-2"), pair("dd", "x")], "oldest first");
    // Only the announcer renames.
    let renames = vec![claimed("NEW_THREAT_NAME", "MAL-2"), claimed("NEW_THREAT_NAME", "MAL-1")];
    let a = store.commit_import(import("osv", 1, renames, vec![])).await.unwrap();
    assert_eq!((a.count, a.merged), (1, 1));
    // Withdrawals: an FP only with the last.
    let fps = vec![claimed("FP", "MAL-1"), claimed("FP", "MAL-2")];
    let a = store.commit_import(import("osv", 2, fps, vec![])).await.unwrap();
    assert_eq!((a.count, a.merged), (0, 2));
    let a = store.commit_import(import("dd", 1, vec![claimed("FP", "x")], vec![])).await.unwrap();
    assert_eq!((a.count, a.merged), (1, 0));
    assert!(store.claims().await.unwrap().is_empty());
    // A manual FP (no claim) takes back every claim on its purl.
    store.commit_import(import("osv", 3, vec![claimed("NEW_MALICIOUS", "MAL-1")], vec!["MAL-1"])).await.unwrap();
    let mut manual = undated(0);
    manual.entry = manual.entry.as_event(scioc_model::EventType::FalsePositive);
    store.append(vec![manual]).await.unwrap();
    assert!(store.claims().await.unwrap().is_empty());
    let stats = store.stats().await.unwrap();
    assert_eq!(stats.events, 5);
    assert!(stats.bytes > 8192, "the store's size: {}", stats.bytes);
}

fn of(kind: &str, community: Option<&str>, i: usize, time: FeedTime) -> NewEvent {
    let raw: RawEntry = serde_json::from_value(serde_json::json!({
        "event_type": kind,
        "identity": {"purl": format!("pkg:{}/day-{i}@1.0.0", community.unwrap_or("generic")), "community": community,
                     "package": format!("day-{i}"), "version": "1.0.0"},
    }))
    .unwrap();
    NewEvent { entry: Entry::try_from(raw).unwrap(), time: Some(time), affected: None, provenance: None, claim: None }
}

async fn days_are_counted_by_type_and_ecosystem_and_cursors_listed(b: Backend) {
    let s = open(b).await;
    let store = s.store.clone();
    let day = |d: &str| t(&format!("{d}T00:00:00")).unix() / 86400;
    store
        .append(vec![
            of("NEW_MALICIOUS", Some("npm"), 0, t("2024-01-01T10:00:00")),
            of("NEW_MALICIOUS", Some("npm"), 1, t("2024-01-02T00:00:00")),
            of("NEW_MALICIOUS", Some("npm"), 2, t("2024-01-02T23:59:59")),
            of("NEW_MALICIOUS", Some("pypi"), 3, t("2024-01-03T00:00:01")),
            of("FP", Some("npm"), 1, t("2024-01-03T00:00:02")),
            of("NEW_MALICIOUS", None, 4, t("2024-01-03T00:00:03")),
        ])
        .await
        .unwrap();
    let got: Vec<(i64, &str, String, u64)> = store
        .daily_counts(t("2024-01-02T00:00:00"))
        .await
        .unwrap()
        .into_iter()
        .map(|c| (c.day, c.event_type.as_str(), c.ecosystem, c.count))
        .collect();
    assert_eq!(
        got,
        vec![
            (day("2024-01-02"), "NEW_MALICIOUS", "npm".to_owned(), 2),
            (day("2024-01-03"), "FP", "npm".to_owned(), 1),
            (day("2024-01-03"), "NEW_MALICIOUS", String::new(), 1),
            (day("2024-01-03"), "NEW_MALICIOUS", "pypi".to_owned(), 1),
        ],
        "the day before `since` is left out; a day runs 00:00:00 to 23:59:59 UTC"
    );

    let mut counts: Vec<(&str, u64)> =
        store.event_counts().await.unwrap().into_iter().map(|(t, n)| (t.as_str(), n)).collect();
    counts.sort();
    assert_eq!(counts, vec![("FP", 1), ("NEW_MALICIOUS", 5)], "every insert is counted by its type");

    let alice = add_user(&*store, "alice").await;
    add_user(&*store, "bob").await;
    assert!(store.cursors().await.unwrap().is_empty(), "no cursor until one is started");
    store.start_cursor(&alice, t("2024-01-02T12:00:00")).await.unwrap();
    let cursors = store.cursors().await.unwrap();
    assert_eq!(cursors.len(), 1);
    assert_eq!((cursors[0].user.as_str(), cursors[0].after_seq), ("alice", 2), "after the last event before the start");
}
