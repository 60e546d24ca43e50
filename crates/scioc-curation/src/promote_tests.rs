//! Promotion, demotion and export, planned on small candidate sets: what each writes to the
//! data files, the events, records and indicators it gives the store, and that a second run
//! changes nothing.

use super::*;
use serde_json::json;

const ID: &str = "EVIL-PKG-NPM-COMPROMISE-2026-03";
const KEY: &str = "blacklist:npm:evil-pkg";
const REASON: &str = "A phished maintainer published versions that steal npm tokens on install.";
const LINK: &str = "https://example.org/advisories/evil-pkg";
const DEMOTED: &str = "Not malicious: the maintainer's own test release.";
const V100: &str = "pkg:npm/evil-pkg@1.0.0";
const V101: &str = "pkg:npm/evil-pkg@1.0.1";
/// The package itself: a versionless event, whose ranges say which versions.
const PKG: &str = "pkg:npm/evil-pkg";
/// The OSV form of `^2.0.0`.
const CARET_2: &str =
    r#"{"all_versions":false,"ranges":[{"type":"SEMVER","events":[{"introduced":"2.0.0"},{"fixed":"3.0.0-0"}]}]}"#;

/// The report's name for the blacklist candidate.
const WHAT_PKG: &str = "npm package_name \"evil-pkg\"";
/// ... for the npm dependency candidate.
const WHAT_DEP: &str = "npm dependency_name \"flatmap-stream\"";
const DEP_KEY: &str = "ioc:npm:dependency_name:exact:flatmap-stream";
/// ... for the PyPI domain candidate.
const WHAT_DOMAIN: &str = "PyPI domain \"evil.example\"";
const DOMAIN_KEY: &str = "ioc:pypi:domain:contains:evil.example";
/// ... for the watched file path.
const WHAT_PATH: &str = "npm file_path \"lib/payload.js\"";

const TOOLTRUST_ONLY: &str = concat!(
    "ToolTrust's npm_iocs.json holds only npm package_name, dependency_name, script_pattern, domain and url ",
    "with exact or contains; kept in the store for scioc's scanner"
);

use scioc_model::EventType::{FalsePositive as Fp, NewMalicious as Nm};

fn candidate(v: serde_json::Value) -> Candidate {
    serde_json::from_value(v).expect("a valid candidate")
}

/// `evil-pkg` (npm) for the blacklist, with these versions.
fn blacklisted(versions: &[&str]) -> Candidate {
    candidate(json!({
        "ecosystem": "npm",
        "ioc_type": "package_name",
        "value": "evil-pkg",
        "confidence": "high",
        "reason": REASON,
        "source": LINK,
        "first_seen": "2026-03-31",
        "suggested_action": "block",
        "promote_to": "blacklist",
        "blacklist_id": ID,
        "affected_versions": versions,
        "action": "BLOCK",
        "severity": "HIGH"
    }))
}

fn ioc(ecosystem: &str, ioc_type: &str, value: &str, promote_to: &str) -> Candidate {
    candidate(json!({
        "ecosystem": ecosystem,
        "ioc_type": ioc_type,
        "value": value,
        "confidence": "high",
        "reason": "Seen in the payload.",
        "source": LINK,
        "first_seen": "2026-03-31",
        "suggested_action": "flag",
        "promote_to": promote_to
    }))
}

fn dependency() -> Candidate {
    ioc("npm", "dependency_name", "flatmap-stream", "npm_iocs")
}

fn domain() -> Candidate {
    ioc("PyPI", "domain", "evil.example", "npm_iocs")
}

fn watched() -> Candidate {
    ioc("npm", "file_path", "lib/payload.js", "watch_only")
}

/// The `blacklist.json` entry of [`blacklisted`] with these versions.
fn entry(versions: &[&str]) -> BlacklistEntry {
    BlacklistEntry {
        id: ID.to_owned(),
        component: "evil-pkg".to_owned(),
        ecosystem: "npm".to_owned(),
        affected_versions: versions.iter().map(|v| (*v).to_owned()).collect(),
        action: "BLOCK".to_owned(),
        severity: "HIGH".to_owned(),
        reason: REASON.to_owned(),
        link: LINK.to_owned(),
        extra: Default::default(),
    }
}

/// The `npm_iocs.json` entry of [`dependency`].
fn dependency_ioc() -> NpmIoc {
    NpmIoc {
        ecosystem: "npm".to_owned(),
        ioc_type: "dependency_name".to_owned(),
        name: None,
        value: "flatmap-stream".to_owned(),
        match_kind: Some("exact".to_owned()),
        reason: "Seen in the payload.".to_owned(),
        confidence: "high".to_owned(),
        source: LINK.to_owned(),
        first_seen: "2026-03-31".to_owned(),
        suggested_action: "flag".to_owned(),
        extra: Default::default(),
    }
}

fn store_indicator(kind: IndicatorKind, value: &str, ecosystem: &str, key: &str, match_kind: MatchKind) -> Indicator {
    Indicator {
        kind,
        value: value.to_owned(),
        ecosystem: ecosystem.to_owned(),
        package: String::new(),
        source: SOURCE.to_owned(),
        source_id: key.to_owned(),
        match_kind,
        confidence: "high".to_owned(),
        action: "flag".to_owned(),
    }
}

fn versions(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// The store's state once `import` is committed, as `commit_import` leaves it: records put by
/// id, removed ones forgotten, the version bumped; read back in id order.
fn committed(state: &SourceState, import: &Import) -> SourceState {
    assert_eq!(import.source, SOURCE);
    assert_eq!(import.expected_version, state.version, "planned against the state it read");
    let mut records: BTreeMap<String, SourceRecord> = state.records.iter().map(|r| (r.id.clone(), r.clone())).collect();
    for r in &import.records {
        records.insert(r.id.clone(), r.clone());
    }
    for id in &import.remove_records {
        records.remove(id);
    }
    SourceState { version: state.version + 1, records: records.into_values().collect() }
}

/// Promotes into empty files and an empty store, and commits.
fn promoted(candidates: &[Candidate]) -> (Plan, SourceState) {
    let empty = SourceState::default();
    let plan = plan_promotion(DataFiles::default(), candidates, &empty);
    let state = committed(&empty, &plan.import);
    (plan, state)
}

/// Each event as (type, purl, threat name).
fn events(import: &Import) -> Vec<(EventType, String, String)> {
    import
        .events
        .iter()
        .map(|e| {
            let purl = e.entry.identity.as_ref().and_then(|i| i.purl.clone()).expect("a package entry with a purl");
            let threat = e.entry.sample_list[0].threat_name.clone().expect("a threat name");
            (e.entry.event_type, purl, threat)
        })
        .collect()
}

fn want_events(want: &[(EventType, &str)]) -> Vec<(EventType, String, String)> {
    want.iter().map(|&(t, purl)| (t, purl.to_owned(), ID.to_owned())).collect()
}

/// The records an import puts, with their states read back.
fn states(import: &Import) -> Vec<(String, RecordState)> {
    import
        .records
        .iter()
        .map(|r| {
            assert_eq!(r.content_hash, "", "{}: curated records carry no content hash", r.id);
            (r.id.clone(), serde_json::from_str(&r.state).expect("a curated record state"))
        })
        .collect()
}

/// Asserts that `items` is empty, showing them when not.
fn none<T: std::fmt::Debug>(items: &[T], what: &str) {
    assert!(items.is_empty(), "{what}: expected none, got {items:#?}");
}

fn assert_nothing_for_the_store(import: &Import, doc: &str) {
    none(&events(import), &format!("{doc}: events"));
    none(&states(import), &format!("{doc}: records"));
    none(&import.indicators, &format!("{doc}: indicators"));
    assert_eq!(import.retire_indicators_of, Vec::<String>::new(), "{doc}: retired indicators");
    assert_eq!(import.remove_records, Vec::<String>::new(), "{doc}: removed records");
}

#[test]
fn a_blacklist_candidate_becomes_an_entry_and_one_event_per_concrete_version() {
    let c = blacklisted(&["1.0.0", "1.0.1", "^2.0.0"]);
    let plan = plan_promotion(DataFiles::default(), std::slice::from_ref(&c), &SourceState::default());

    assert_eq!(plan.files, DataFiles { blacklist: vec![entry(&["1.0.0", "1.0.1", "^2.0.0"])], ..DataFiles::default() });
    assert_eq!(
        plan.report,
        vec![
            line(BLACKLIST, Change::Added, WHAT_PKG, "3 version(s)"),
            line("store", Change::Added, WHAT_PKG, "NEW_MALICIOUS for the package, covering ^2.0.0"),
            line("store", Change::Added, WHAT_PKG, "NEW_MALICIOUS for 1.0.0, 1.0.1"),
        ]
    );
    // Issue 28: the versions one by one, and the range as the package's OSV ranges.
    assert_eq!(events(&plan.import), want_events(&[(Nm, V100), (Nm, V101), (Nm, PKG)]));
    let ranged = &plan.import.events[2];
    assert_eq!(serde_json::to_string(ranged.affected.as_ref().unwrap()).unwrap(), CARET_2);
    for (e, version) in plan.import.events.iter().zip(["1.0.0", "1.0.1"]) {
        let identity = e.entry.identity.as_ref().expect("an identity");
        assert_eq!(identity.package.as_deref(), Some("evil-pkg"));
        assert_eq!(identity.community.as_deref(), Some("npm"));
        assert_eq!(identity.version.as_deref(), Some(version));
        assert_eq!(e.entry.sample_list.len(), 1);
        assert_eq!(e.entry.sample_list[0].status, SampleStatus::Malicious);
        assert_eq!(e.entry.sample_list[0].threat_level.map(scioc_model::ThreatLevel::get), Some(4), "HIGH is level 4");
        assert!(e.time.is_none() && e.affected.is_none(), "no time, no ranges");
        assert_eq!(
            e.provenance,
            Some(Provenance {
                source: SOURCE.to_owned(),
                id: Some(ID.to_owned()),
                references: vec![Reference { kind: "ADVISORY".to_owned(), url: LINK.to_owned() }],
                reason: Some(REASON.to_owned()),
                ..Provenance::default()
            })
        );
    }
    assert_eq!(
        states(&plan.import),
        vec![(
            KEY.to_owned(),
            RecordState {
                candidate: c,
                entry: Some(entry(&["1.0.0", "1.0.1", "^2.0.0"])),
                announced: versions(&["1.0.0", "1.0.1"]),
                ranged: versions(&["^2.0.0"]),
            }
        )]
    );
    assert_eq!(plan.import.source, SOURCE);
    assert_eq!(plan.import.expected_version, 0);
    none(&plan.import.indicators, "indicators");
    assert_eq!(plan.import.remove_records, Vec::<String>::new());
}

#[test]
fn blacklist_versions_merge_as_a_set_and_only_new_ones_are_announced() {
    let first = blacklisted(&["1.0.0", "^2.0.0"]);
    let (before, state) = promoted(std::slice::from_ref(&first));
    assert_eq!(events(&before.import), want_events(&[(Nm, V100), (Nm, PKG)]));

    // 1.0.0 and ^2.0.0 again, in another order, and one new version.
    let plan = plan_promotion(before.files.clone(), &[blacklisted(&["1.0.1", "^2.0.0", "1.0.0"])], &state);
    assert_eq!(plan.files.blacklist, vec![entry(&["1.0.0", "^2.0.0", "1.0.1"])]);
    assert_eq!(
        plan.report,
        vec![
            line(BLACKLIST, Change::Merged, WHAT_PKG, format!("versions 1.0.1 merged into {ID}")),
            line("store", Change::Added, WHAT_PKG, "NEW_MALICIOUS for 1.0.1"),
        ]
    );
    assert_eq!(events(&plan.import), want_events(&[(Nm, V101)]));
    assert_eq!(plan.import.expected_version, 1);
    assert_eq!(
        states(&plan.import),
        vec![(
            KEY.to_owned(),
            RecordState {
                candidate: first,
                entry: Some(entry(&["1.0.0", "^2.0.0", "1.0.1"])),
                announced: versions(&["1.0.0", "1.0.1"]),
                ranged: versions(&["^2.0.0"]),
            }
        )]
    );
}

#[test]
fn an_npm_iocs_candidate_becomes_an_npm_iocs_entry_and_a_store_indicator() {
    let plan = plan_promotion(DataFiles::default(), &[dependency(), domain()], &SourceState::default());

    // The PyPI domain is no ToolTrust entry, but scioc's scanner enforces it from the store.
    assert_eq!(plan.files, DataFiles { npm_iocs: vec![dependency_ioc()], ..DataFiles::default() });
    assert_eq!(
        plan.report,
        vec![
            line(NPM_IOCS, Change::Added, WHAT_DEP, ""),
            line("store", Change::Added, WHAT_DEP, "indicator"),
            line(NPM_IOCS, Change::Skipped, WHAT_DOMAIN, TOOLTRUST_ONLY),
            line("store", Change::Added, WHAT_DOMAIN, "indicator"),
        ]
    );
    assert_eq!(
        plan.import.indicators,
        vec![
            store_indicator(IndicatorKind::DependencyName, "flatmap-stream", "npm", DEP_KEY, MatchKind::Exact),
            store_indicator(IndicatorKind::Domain, "evil.example", "PyPI", DOMAIN_KEY, MatchKind::Contains),
        ]
    );
    assert_eq!(
        states(&plan.import),
        vec![
            (
                DEP_KEY.to_owned(),
                RecordState { candidate: dependency(), entry: None, announced: vec![], ranged: vec![] }
            ),
            (
                DOMAIN_KEY.to_owned(),
                RecordState { candidate: domain(), entry: None, announced: vec![], ranged: vec![] }
            ),
        ]
    );
    none(&events(&plan.import), "events");
}

#[test]
fn a_watch_only_candidate_goes_to_the_watchlist_only() {
    let plan = plan_promotion(DataFiles::default(), &[watched()], &SourceState::default());
    assert_eq!(plan.files, DataFiles { watchlist: vec![watched()], ..DataFiles::default() });
    assert_eq!(plan.report, vec![line(WATCHLIST, Change::Added, WHAT_PATH, "recorded for review; not enforced")]);
    assert_nothing_for_the_store(&plan.import, "watch_only");
}

#[test]
fn unsupported_combinations_are_skipped_with_a_reason() {
    let action = candidate(json!({
        "ecosystem": "github-actions",
        "ioc_type": "package_name",
        "value": "evil-org/evil-action",
        "confidence": "high",
        "reason": REASON,
        "source": LINK,
        "first_seen": "2026-03-31",
        "suggested_action": "block",
        "promote_to": "blacklist",
        "blacklist_id": "EVIL-ACTION-2026-03",
        "affected_versions": ["v1.2.3"],
        "action": "BLOCK",
        "severity": "CRITICAL"
    }));
    let cands = [
        ioc("npm", "file_path", "lib/payload.js", "npm_iocs"),
        ioc("npm", "domain", "evil.example", "blacklist"),
        ioc("npm", "package_name", "evil-pkg", "feed"),
        action.clone(),
    ];
    let plan = plan_promotion(DataFiles::default(), &cands, &SourceState::default());
    let what_action = "github-actions package_name \"evil-org/evil-action\"";
    assert_eq!(
        plan.report,
        vec![
            line(
                NPM_IOCS,
                Change::Skipped,
                WHAT_PATH,
                "no scanner rule enforces ioc_type \"file_path\"; promote it as watch_only"
            ),
            line(
                BLACKLIST,
                Change::Skipped,
                "npm domain \"evil.example\"",
                "a blacklist entry names a package; ioc_type is \"domain\""
            ),
            line("store", Change::Skipped, WHAT_PKG, "unknown promote_to \"feed\""),
            line(BLACKLIST, Change::Added, what_action, "1 version(s)"),
            line(
                "store",
                Change::Skipped,
                format!("{what_action} v1.2.3"),
                "no package URL for ecosystem \"github-actions\"; not announced in the feed"
            ),
        ]
    );
    // Only the action reached a file; it is recorded, but nothing is announced.
    let action_entry = BlacklistEntry {
        id: "EVIL-ACTION-2026-03".to_owned(),
        component: "evil-org/evil-action".to_owned(),
        ecosystem: "github-actions".to_owned(),
        affected_versions: versions(&["v1.2.3"]),
        action: "BLOCK".to_owned(),
        severity: "CRITICAL".to_owned(),
        reason: REASON.to_owned(),
        link: LINK.to_owned(),
        extra: Default::default(),
    };
    assert_eq!(plan.files, DataFiles { blacklist: vec![action_entry.clone()], ..DataFiles::default() });
    none(&events(&plan.import), "events");
    none(&plan.import.indicators, "indicators");
    assert_eq!(
        states(&plan.import),
        vec![(
            "blacklist:github-actions:evil-org/evil-action".to_owned(),
            RecordState { candidate: action, entry: Some(action_entry), announced: vec![], ranged: vec![] }
        )]
    );
}

#[test]
fn a_second_identical_run_changes_nothing() {
    let set = [blacklisted(&["1.0.0", "^2.0.0"]), dependency(), domain(), watched()];
    let (first, state) = promoted(&set);
    assert_eq!(events(&first.import), want_events(&[(Nm, V100), (Nm, PKG)]));
    assert_eq!(
        states(&first.import).into_iter().map(|(id, _)| id).collect::<Vec<_>>(),
        vec![KEY.to_owned(), DEP_KEY.to_owned(), DOMAIN_KEY.to_owned()]
    );
    assert_eq!(first.import.indicators.len(), 2);

    let second = plan_promotion(first.files.clone(), &set, &state);
    assert_eq!(second.files, first.files);
    assert_eq!(
        second.report,
        vec![
            line(BLACKLIST, Change::Unchanged, WHAT_PKG, format!("every version is already in {ID}")),
            line(
                NPM_IOCS,
                Change::Unchanged,
                WHAT_DEP,
                "already present (same type, value and match, defaults applied)"
            ),
            line(NPM_IOCS, Change::Skipped, WHAT_DOMAIN, TOOLTRUST_ONLY),
            line(WATCHLIST, Change::Unchanged, WHAT_PATH, "already on the watchlist"),
        ]
    );
    assert_nothing_for_the_store(&second.import, "second run");
    assert_eq!(second.import.expected_version, 1);

    // The default `match` written out is the same indicator, not a duplicate.
    let mut explicit = dependency();
    explicit.match_kind = Some("exact".to_owned());
    let third = plan_promotion(first.files.clone(), &[explicit], &state);
    assert_eq!(third.files, first.files);
    assert_eq!(
        third.report,
        vec![line(
            NPM_IOCS,
            Change::Unchanged,
            WHAT_DEP,
            "already present (same type, value and match, defaults applied)"
        )]
    );
    assert_nothing_for_the_store(&third.import, "explicit default match");
}

#[test]
fn demoting_blacklisted_versions_retracts_what_was_announced() {
    let promoted_candidate = blacklisted(&["1.0.0", "1.0.1", "^2.0.0"]);
    let (promotion, state) = promoted(std::slice::from_ref(&promoted_candidate));
    assert_eq!(events(&promotion.import), want_events(&[(Nm, V100), (Nm, V101), (Nm, PKG)]));

    // One version.
    let plan = plan_demotion(promotion.files.clone(), &[blacklisted(&["1.0.1"])], &state, DEMOTED);
    assert_eq!(plan.files, DataFiles { blacklist: vec![entry(&["1.0.0", "^2.0.0"])], ..DataFiles::default() });
    assert_eq!(
        plan.report,
        vec![
            line(BLACKLIST, Change::Removed, WHAT_PKG, format!("versions 1.0.1 removed from {ID}")),
            line("store", Change::Removed, WHAT_PKG, "FP for 1.0.1"),
        ]
    );
    assert_eq!(events(&plan.import), want_events(&[(Fp, V101)]));
    let fp = &plan.import.events[0];
    assert_eq!(fp.entry.sample_list[0].status, SampleStatus::Known);
    assert_eq!(fp.provenance.as_ref().and_then(|p| p.reason.as_deref()), Some(DEMOTED));
    assert_eq!(
        states(&plan.import),
        vec![(
            KEY.to_owned(),
            RecordState {
                candidate: promoted_candidate.clone(),
                entry: Some(entry(&["1.0.0", "^2.0.0"])),
                announced: versions(&["1.0.0"]),
                ranged: versions(&["^2.0.0"]),
            }
        )]
    );
    assert_eq!(plan.import.remove_records, Vec::<String>::new());
    let state = committed(&state, &plan.import);

    // Everything else: the entry goes, with an FP for the one version still announced and one
    // carrying the range's OSV ranges for the package.
    let plan = plan_demotion(plan.files, &[blacklisted(&["*"])], &state, DEMOTED);
    assert_eq!(plan.files, DataFiles::default());
    assert_eq!(
        plan.report,
        vec![
            line(BLACKLIST, Change::Removed, WHAT_PKG, format!("entry {ID} removed")),
            line("store", Change::Removed, WHAT_PKG, "FP for 1.0.0"),
            line("store", Change::Removed, WHAT_PKG, "FP for the package's ^2.0.0"),
        ]
    );
    assert_eq!(events(&plan.import), want_events(&[(Fp, V100), (Fp, PKG)]));
    assert_eq!(serde_json::to_string(plan.import.events[1].affected.as_ref().unwrap()).unwrap(), CARET_2);
    none(&states(&plan.import), "records");
    assert_eq!(plan.import.remove_records, vec![KEY.to_owned()]);
    assert_eq!(plan.import.expected_version, 2);
    let state = committed(&state, &plan.import);
    none(&state.records, "records after the commit");
    assert_eq!(export(&state), (DataFiles::default(), vec![]));
}

/// Issue 28: a blocking exact package indicator (plain-crypto-js) was enforced by the firewall
/// for every version while the feed said nothing. It is announced as the package's
/// `NEW_MALICIOUS` for every version, and its demotion is that package's `FP`.
#[test]
fn a_blocking_package_indicator_is_announced_for_every_version_and_withdrawn_with_it() {
    let mut blocking = ioc("npm", "package_name", "plain-crypto-js", "npm_iocs");
    blocking.suggested_action = "block".to_owned();
    let key = "ioc:npm:package_name:exact:plain-crypto-js";
    let what = "npm package_name \"plain-crypto-js\"";
    let (promotion, state) = promoted(std::slice::from_ref(&blocking));
    assert_eq!(
        promotion.report.last(),
        Some(&line("store", Change::Added, what, "indicator; NEW_MALICIOUS for every version of the package"))
    );
    let all = r#"{"all_versions":true,"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}"#;
    let announced = events(&promotion.import);
    assert_eq!(announced, vec![(Nm, "pkg:npm/plain-crypto-js".to_owned(), key.to_owned())]);
    assert_eq!(serde_json::to_string(promotion.import.events[0].affected.as_ref().unwrap()).unwrap(), all);
    assert_eq!(promotion.import.events[0].provenance.as_ref().and_then(|p| p.id.as_deref()), Some(key));
    // One that only flags (dependency()) is an indicator and nothing more.
    let (flagged, _) = promoted(&[dependency()]);
    none(&events(&flagged.import), "a flagging indicator's events");

    let plan = plan_demotion(promotion.files, std::slice::from_ref(&blocking), &state, DEMOTED);
    assert_eq!(
        plan.report.last(),
        Some(&line("store", Change::Removed, what, "indicator; FP for every version of the package"))
    );
    assert_eq!(events(&plan.import), vec![(Fp, "pkg:npm/plain-crypto-js".to_owned(), key.to_owned())]);
}

/// Issue 28: a rule whose action is `WARN` is recorded and scanned, but not announced.
#[test]
fn a_warning_rule_is_not_announced() {
    let mut warning = blacklisted(&["1.0.0", "^2.0.0"]);
    warning.action = Some("WARN".to_owned());
    let (plan, _) = promoted(&[warning]);
    none(&events(&plan.import), "a warning rule's events");
    assert!(plan.report.iter().any(|l| l.change == Change::Skipped && l.why.contains("warns")), "{:?}", plan.report);
}

/// Issue 28: a PEP 440 `!=` has no OSV form: it is kept in the file (and enforced by scioc), and
/// the report says why the feed does not announce it.
#[test]
fn a_range_without_an_osv_form_is_said_so() {
    let mut c = blacklisted(&[">=1.0,!=1.5"]);
    c.ecosystem = "PyPI".to_owned();
    let (plan, _) = promoted(&[c]);
    none(&events(&plan.import), "events");
    let why = &plan.report.iter().find(|l| l.change == Change::Skipped).expect("a skipped line").why;
    assert!(why.contains("no exact OSV form") && why.contains("firewall"), "{why}");
}

#[test]
fn demoting_indicators_and_watched_candidates_takes_them_out() {
    let (promotion, state) = promoted(&[dependency(), watched()]);
    let plan = plan_demotion(promotion.files, &[dependency(), watched()], &state, DEMOTED);
    assert_eq!(plan.files, DataFiles::default());
    assert_eq!(
        plan.report,
        vec![
            line(NPM_IOCS, Change::Removed, WHAT_DEP, ""),
            line("store", Change::Removed, WHAT_DEP, "indicator"),
            line(WATCHLIST, Change::Removed, WHAT_PATH, ""),
        ]
    );
    assert_eq!(plan.import.retire_indicators_of, vec![DEP_KEY.to_owned()]);
    assert_eq!(plan.import.remove_records, vec![DEP_KEY.to_owned()]);
    none(&events(&plan.import), "events");
    none(&states(&plan.import), "records");
    none(&committed(&state, &plan.import).records, "records after the commit");
}

#[test]
fn demoting_what_was_never_promoted() {
    let cands = [blacklisted(&["1.0.0"]), dependency(), watched()];
    let plan = plan_demotion(DataFiles::default(), &cands, &SourceState::default(), DEMOTED);
    assert_eq!(plan.files, DataFiles::default());
    assert_eq!(
        plan.report,
        vec![
            line(BLACKLIST, Change::Skipped, WHAT_PKG, "not in blacklist.json"),
            line(NPM_IOCS, Change::Skipped, WHAT_DEP, "not in npm_iocs.json"),
            line(WATCHLIST, Change::Skipped, WHAT_PATH, "not on the watchlist"),
        ]
    );
    assert_nothing_for_the_store(&plan.import, "never promoted");

    // In the file (written by hand) but never announced: it leaves the file, and the feed
    // gets no FP for what it never said.
    let by_hand = DataFiles { blacklist: vec![entry(&["1.0.0"])], ..DataFiles::default() };
    let plan = plan_demotion(by_hand.clone(), &[blacklisted(&["1.0.0"])], &SourceState::default(), DEMOTED);
    assert_eq!(plan.files, DataFiles::default());
    assert_eq!(plan.report, vec![line(BLACKLIST, Change::Removed, WHAT_PKG, format!("entry {ID} removed"))]);
    assert_nothing_for_the_store(&plan.import, "in the file only");

    // Versions the entry does not list.
    let plan = plan_demotion(by_hand.clone(), &[blacklisted(&["9.9.9"])], &SourceState::default(), DEMOTED);
    assert_eq!(plan.files, by_hand);
    assert_eq!(plan.report, vec![line(BLACKLIST, Change::Skipped, WHAT_PKG, "none of these versions is listed")]);
    assert_nothing_for_the_store(&plan.import, "versions not listed");
}

#[test]
fn export_gives_back_the_files_a_promotion_wrote() {
    let blacklist = blacklisted(&["1.0.0", "^2.0.0"]);
    let (plan, state) = promoted(&[blacklist.clone(), dependency(), domain(), watched()]);
    let (files, cands) = export(&state);
    // The watchlist is not in the store; the ToolTrust files are.
    assert_eq!(
        files,
        DataFiles { blacklist: vec![entry(&["1.0.0", "^2.0.0"])], npm_iocs: vec![dependency_ioc()], watchlist: vec![] }
    );
    assert_eq!(files.blacklist, plan.files.blacklist);
    assert_eq!(files.npm_iocs, plan.files.npm_iocs);
    assert_eq!(cands, vec![blacklist, dependency(), domain()]);

    // Promoting the exported candidates into nothing writes the same files again.
    let (again, again_state) = promoted(&cands);
    assert_eq!(again.files, files);
    assert_eq!(export(&again_state), (files, cands));
}

#[test]
fn export_round_trips_the_starter_set() {
    let starter = crate::starter::candidates().expect("the starter set parses");
    let (plan, state) = promoted(&starter);
    let mut promoted_files = plan.files.clone();
    promoted_files.sort();
    let (files, cands) = export(&state);
    assert!(files.blacklist.len() >= 25, "{} blacklist entries", files.blacklist.len());
    assert_eq!(files.blacklist, promoted_files.blacklist);
    assert_eq!(files.npm_iocs, promoted_files.npm_iocs);

    let (again, _) = promoted(&cands);
    let mut again_files = again.files;
    again_files.sort();
    assert_eq!(again_files.blacklist, files.blacklist);
    assert_eq!(again_files.npm_iocs, files.npm_iocs);
    // The same versions are announced either way.
    let mut first: Vec<_> = events(&plan.import).into_iter().map(|(t, purl, _)| (t, purl)).collect();
    let mut second: Vec<_> = events(&again.import).into_iter().map(|(t, purl, _)| (t, purl)).collect();
    first.sort();
    second.sort();
    assert!(!first.is_empty());
    assert_eq!(first, second);
}
