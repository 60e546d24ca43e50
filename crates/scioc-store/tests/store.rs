//! Behaviour every [`Store`] implementation must show, run against the embedded SQLite store.

use scioc_api::Format;
use scioc_model::{Entry, FeedTime, RawEntry, Role, UserName};
use scioc_store::{Error, NewEvent, NewUser, PullQuery, SqliteStore, Store, TimeQuery};
use std::sync::Arc;

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
    NewEvent { entry: entry(i), time: Some(time), provenance: None }
}

fn open() -> (tempfile::TempDir, Arc<dyn Store>) {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    (dir, Arc::new(store))
}

async fn add_user(store: &dyn Store, name: &str) -> UserName {
    let name = UserName::parse(name).unwrap();
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

#[tokio::test]
async fn append_assigns_sequence_and_refuses_going_back() {
    let (_d, store) = open();
    let now = FeedTime::now();
    let a = store
        .append(
            vec![at(1, t("2024-01-01T00:00:00")), at(2, t("2024-01-01T00:00:00")), at(3, t("2024-01-02T00:00:00"))],
            now,
        )
        .await
        .unwrap();
    assert_eq!((a.count, a.first_seq, a.last_seq), (3, Some(1), Some(3)));

    // Older than the newest: the whole batch is refused, naming the event.
    let err =
        store.append(vec![at(4, t("2024-01-03T00:00:00")), at(5, t("2024-01-01T12:00:00"))], now).await.unwrap_err();
    assert!(matches!(err, Error::Rejected { index: 1, .. }), "{err}");
    assert_eq!(store.stats().await.unwrap().events, 3, "nothing of a refused batch is stored");

    assert!(matches!(
        store.append(vec![at(6, now.add_secs(5))], now).await.unwrap_err(),
        Error::Rejected { index: 0, .. }
    ));
    assert!(matches!(
        store.append(vec![at(7, t("2011-03-28T23:59:59"))], now).await.unwrap_err(),
        Error::Rejected { .. }
    ));

    // Without a time an event takes "now"; if the clock went back it takes the newest time.
    let b = store
        .append(vec![NewEvent { entry: entry(8), time: None, provenance: None }], t("2023-01-01T00:00:00"))
        .await
        .unwrap();
    assert_eq!(b.last_time, Some(t("2024-01-02T00:00:00")));
    assert_eq!(store.head().await.unwrap().unwrap().seq, 4);
}

#[tokio::test]
async fn a_page_never_splits_a_second() {
    let (_d, store) = open();
    let busy = t("2024-05-01T12:00:00");
    let mut batch = vec![at(0, t("2024-05-01T11:59:59"))];
    batch.extend((1..=2500).map(|i| at(i, busy)));
    batch.push(at(2501, t("2024-05-01T12:00:01")));
    store.append(batch, FeedTime::now()).await.unwrap();
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

#[tokio::test]
async fn the_open_second_is_not_served() {
    let (_d, store) = open();
    let now = FeedTime::now();
    store.append(vec![at(1, now.add_secs(-1)), at(2, now)], now).await.unwrap();
    let page = store
        .query(TimeQuery { from: now.add_secs(-10), limit: 10, format: Format::Json, horizon: now })
        .await
        .unwrap();
    assert_eq!(seqs(&page), vec![1], "events of the current second wait until it closes");
}

#[tokio::test]
async fn cursors_pull_exactly_once_and_are_per_user() {
    let (_d, store) = open();
    let alice = add_user(&*store, "alice").await;
    let bob = add_user(&*store, "bob").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..30).map(|i| at(i, base.add_secs(i as i64 / 3))).collect(), FeedTime::now()).await.unwrap();
    let q = PullQuery { limit: 4, format: Format::Json, horizon: FeedTime::now() };

    // A user who never started gets only what comes after the first pull.
    let first = store.pull(&bob, q).await.unwrap();
    assert!(first.page.rows.is_empty());

    store.start_cursor(&alice, base.add_secs(2)).await.unwrap();
    let mut got = Vec::new();
    loop {
        let p = store.pull(&alice, q).await.unwrap();
        if p.page.rows.is_empty() {
            break;
        }
        assert!(p.page.rows.len() >= 4 || !p.page.more);
        got.extend(seqs(&p.page));
    }
    assert_eq!(got, (7..=30).collect::<Vec<_>>(), "from the first event at or after the start, each once");

    store.append(vec![NewEvent { entry: entry(99), time: None, provenance: None }], FeedTime::now()).await.unwrap();
    let q2 = PullQuery { horizon: FeedTime::now().add_secs(1), ..q };
    assert_eq!(seqs(&store.pull(&alice, q2).await.unwrap().page), vec![31]);
    assert_eq!(seqs(&store.pull(&bob, q2).await.unwrap().page), vec![31]);
}

#[tokio::test]
async fn concurrent_pulls_by_one_user_never_overlap() {
    let (_d, store) = open();
    let u = add_user(&*store, "carol").await;
    let base = t("2024-01-01T00:00:00");
    store.append((0..2000).map(|i| at(i, base.add_secs(i as i64 / 7))).collect(), FeedTime::now()).await.unwrap();
    store.start_cursor(&u, base).await.unwrap();
    let q = PullQuery { limit: 13, format: Format::Json, horizon: FeedTime::now() };
    let tasks: Vec<_> = (0..8)
        .map(|_| {
            let store = store.clone();
            let u = u.clone();
            tokio::spawn(async move {
                let mut got = Vec::new();
                loop {
                    let p = store.pull(&u, q).await.unwrap();
                    if p.page.rows.is_empty() {
                        return got;
                    }
                    got.extend(seqs(&p.page));
                }
            })
        })
        .collect();
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    all.sort();
    assert_eq!(all, (1..=2000).collect::<Vec<_>>());
}

#[tokio::test]
async fn everything_survives_reopening() {
    let dir = tempfile::tempdir().unwrap();
    {
        let store = SqliteStore::open(dir.path()).unwrap();
        let u = add_user(&store, "dave").await;
        store
            .append((0..10).map(|i| at(i, t("2024-01-01T00:00:00").add_secs(i as i64))).collect(), FeedTime::now())
            .await
            .unwrap();
        store.start_cursor(&u, t("2024-01-01T00:00:00")).await.unwrap();
        let p = store.pull(&u, PullQuery { limit: 4, format: Format::Json, horizon: FeedTime::now() }).await.unwrap();
        assert_eq!(seqs(&p.page), vec![1, 2, 3, 4]);
    }
    let store = SqliteStore::open(dir.path()).unwrap();
    let u = UserName::parse("dave").unwrap();
    let p = store.pull(&u, PullQuery { limit: 4, format: Format::Json, horizon: FeedTime::now() }).await.unwrap();
    assert_eq!(seqs(&p.page), vec![5, 6, 7, 8]);
    assert_eq!(p.from, t("2024-01-01T00:00:04"));
}

#[tokio::test]
async fn users_are_managed() {
    let (_d, store) = open();
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
