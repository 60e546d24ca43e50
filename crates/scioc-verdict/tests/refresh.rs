//! A long-running engine kept current by sequence number: new events, FPs and indicators show
//! after `refresh`, which reads only what is new (and knowledge only when a source moved).

use scioc_model::{Entry, IndicatorKind, MatchKind, Provenance, RawEntry};
use scioc_store::{Import, Indicator, NewEvent, SqliteStore, Store};
use scioc_verdict::{Engine, Query, Rule, Sources};

fn event(kind: &str, purl: &str) -> NewEvent {
    let raw: RawEntry =
        serde_json::from_value(serde_json::json!({"event_type": kind, "identity": {"purl": purl}})).unwrap();
    let mut e = NewEvent::plain(Entry::try_from(raw).unwrap(), None);
    e.provenance = Some(Provenance { source: "osv".into(), id: Some("MAL-2026-1".into()), ..Provenance::default() });
    e
}

#[tokio::test(flavor = "multi_thread")]
async fn refresh_sees_new_events_fps_and_indicators() {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path()).unwrap();
    let mut engine = Engine::load(Sources { store: Some(&store), ..Sources::default() }).await.unwrap();
    let q = Query::package("npm", "late-evil", Some("1.0.0"));
    assert!(engine.check(&q).is_empty());
    assert!(!engine.refresh(&store).await.unwrap(), "nothing new, nothing read");

    store.append(vec![event("NEW_MALICIOUS", "pkg:npm/late-evil@1.0.0")]).await.unwrap();
    assert!(engine.refresh(&store).await.unwrap());
    let v = engine.check(&q);
    assert_eq!((v[0].rule, v[0].reference.as_deref()), (Rule::KnownMalicious, Some("MAL-2026-1")));
    let seq = engine.seq();

    store.append(vec![event("FP", "pkg:npm/late-evil@1.0.0")]).await.unwrap();
    engine.refresh(&store).await.unwrap();
    assert!(engine.check(&q).is_empty(), "the FP applies");
    assert_eq!(engine.seq(), seq + 1, "one event read");

    let indicator = Indicator {
        kind: IndicatorKind::PackageName,
        value: "late-evil".into(),
        ecosystem: "npm".into(),
        package: String::new(),
        source: "osv".into(),
        source_id: "MAL-2026-2".into(),
        match_kind: MatchKind::Exact,
        confidence: "high".into(),
        action: "block".into(),
    };
    let version = store.source_state("osv").await.unwrap().version;
    let import =
        Import { source: "osv".into(), expected_version: version, indicators: vec![indicator], ..Import::default() };
    store.commit_import(import).await.unwrap();
    assert!(engine.refresh(&store).await.unwrap(), "a source moved: its knowledge is read again");
    let v = engine.check(&q);
    assert_eq!((v.len(), v[0].rule, v[0].reference.as_deref()), (1, Rule::Indicator, Some("MAL-2026-2")));
}
