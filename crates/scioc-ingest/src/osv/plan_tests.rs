//! [`plan`]'s decision table, row by row, on records mapped as an import maps them: each row
//! of the module's table (and of its note on states stored before ranges were kept) is a row
//! of [`ROWS`].

use super::*;
use crate::osv::{map, record::Record};
use scioc_model::{Range, RangeEvent, RangeKind, SampleStatus};

const PKG: &str = "pkg:npm/evil-pkg";
const V1: &str = "pkg:npm/evil-pkg@1.0.0";
const V2: &str = "pkg:npm/evil-pkg@1.0.1";

const T1: &str = "Steals npm tokens";
const T2: &str = "Mines cryptocurrency";
/// The threat names the classifier gives those summaries.
const N1: &str = "Script-JS.Infostealer.SupplyChain";
const N2: &str = "Script-JS.Coinminer.SupplyChain";

/// One SEMVER range: `introduced`, and `fixed` when bounded.
type Bounds = (&'static str, Option<&'static str>);

const EVERY: Bounds = ("0", None);
const OLD: Bounds = ("1.0.0", Some("1.2.0"));
const NEW: Bounds = ("1.0.0", Some("1.3.0"));

/// An OSV record of `evil-pkg` (npm), as a row describes it.
#[derive(Clone, Copy)]
struct Rec {
    summary: &'static str,
    versions: &'static [&'static str],
    range: Option<Bounds>,
}

/// What the store holds of the record before the import.
#[derive(Clone, Copy)]
enum Before {
    /// Nothing: the record was never imported.
    Unknown,
    /// The state an import of this record stored.
    Active(Rec),
    /// The same, as written before ranges were kept (no `ranges`).
    ActiveWithoutRanges(Rec),
    /// The state after this record was withdrawn.
    Withdrawn(Rec),
}

use Before::*;
use scioc_model::EventType::{FalsePositive as Fp, NewMalicious as Nm, NewThreatName as Ntn};

/// An expected event: type, key (purl), threat name, ranges.
type Want = (EventType, &'static str, &'static str, Option<Bounds>);

struct Row {
    /// The row of the module's table.
    doc: &'static str,
    before: Before,
    /// The record now (when `withdrawn`, the record that was withdrawn).
    now: Rec,
    withdrawn: bool,
    /// The events, in order.
    want: &'static [Want],
}

const ROWS: &[Row] = &[
    Row {
        doc: "unknown | active: NEW_MALICIOUS per announcement",
        before: Unknown,
        now: Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(EVERY) },
        withdrawn: false,
        want: &[(Nm, V1, N1, None), (Nm, V2, N1, None), (Nm, PKG, N1, Some(EVERY))],
    },
    Row {
        doc: "unknown | withdrawn: none",
        before: Unknown,
        now: Rec { summary: T1, versions: &["1.0.0"], range: Some(EVERY) },
        withdrawn: true,
        want: &[],
    },
    Row {
        doc: "active | active, more versions: NEW_MALICIOUS for the new ones",
        before: Active(Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) }),
        now: Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) },
        withdrawn: false,
        want: &[(Nm, V2, N1, None)],
    },
    Row {
        doc: "active | active, fewer versions: FP for the dropped ones",
        before: Active(Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) }),
        now: Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) },
        withdrawn: false,
        want: &[(Fp, V2, N1, None)],
    },
    Row {
        doc: "active | active, other ranges: FP for the old ranges, then NEW_MALICIOUS for the new ones",
        before: Active(Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) }),
        now: Rec { summary: T1, versions: &["1.0.0"], range: Some(NEW) },
        withdrawn: false,
        want: &[(Fp, PKG, N1, Some(OLD)), (Nm, PKG, N1, Some(NEW))],
    },
    Row {
        doc: "active | active, new threat name: NEW_THREAT_NAME per remaining announcement",
        before: Active(Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) }),
        now: Rec { summary: T2, versions: &["1.0.0"], range: Some(OLD) },
        withdrawn: false,
        want: &[(Ntn, V1, N2, None), (Ntn, PKG, N2, Some(OLD))],
    },
    Row {
        doc: "active | withdrawn: FP per announcement still active (in key order)",
        before: Active(Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) }),
        now: Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) },
        withdrawn: true,
        want: &[(Fp, PKG, N1, Some(OLD)), (Fp, V1, N1, None), (Fp, V2, N1, None)],
    },
    Row {
        doc: "withdrawn | active: NEW_MALICIOUS per announcement (a new name is no NEW_THREAT_NAME)",
        before: Withdrawn(Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) }),
        now: Rec { summary: T2, versions: &["1.0.0"], range: Some(OLD) },
        withdrawn: false,
        want: &[(Nm, V1, N2, None), (Nm, PKG, N2, Some(OLD))],
    },
    // Beyond the table: the rows it implies, and its note on states without ranges.
    Row {
        doc: "active | active, unchanged: none",
        before: Active(Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) }),
        now: Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) },
        withdrawn: false,
        want: &[],
    },
    Row {
        doc: "active | active, new name, fewer versions: NEW_THREAT_NAME for the rest, FP (old name) for the dropped",
        before: Active(Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: Some(OLD) }),
        now: Rec { summary: T2, versions: &["1.0.0"], range: Some(OLD) },
        withdrawn: false,
        want: &[(Ntn, V1, N2, None), (Ntn, PKG, N2, Some(OLD)), (Fp, V2, N1, None)],
    },
    Row {
        doc: "withdrawn | withdrawn: none",
        before: Withdrawn(Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) }),
        now: Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) },
        withdrawn: true,
        want: &[],
    },
    Row {
        doc: "active, no ranges stored | active, every version: none (no ranges meant every version)",
        before: ActiveWithoutRanges(Rec { summary: T1, versions: &["1.0.0"], range: Some(EVERY) }),
        now: Rec { summary: T1, versions: &["1.0.0"], range: Some(EVERY) },
        withdrawn: false,
        want: &[],
    },
    Row {
        doc: "active, no ranges stored | active, bounded ranges: FP without ranges, then NEW_MALICIOUS with them",
        before: ActiveWithoutRanges(Rec { summary: T1, versions: &["1.0.0"], range: Some(EVERY) }),
        now: Rec { summary: T1, versions: &["1.0.0"], range: Some(OLD) },
        withdrawn: false,
        want: &[(Fp, PKG, N1, None), (Nm, PKG, N1, Some(OLD))],
    },
];

fn record(r: Rec) -> Record {
    let ranges: Vec<serde_json::Value> = r
        .range
        .iter()
        .map(|&(introduced, fixed)| {
            let mut events = vec![serde_json::json!({ "introduced": introduced })];
            events.extend(fixed.map(|f| serde_json::json!({ "fixed": f })));
            serde_json::json!({ "type": "SEMVER", "events": events })
        })
        .collect();
    serde_json::from_value(serde_json::json!({
        "id": "MAL-2024-1234",
        "modified": "2024-05-02T10:00:00Z",
        "published": "2024-05-01T09:00:00Z",
        "summary": r.summary,
        "affected": [{
            "package": { "ecosystem": "npm", "name": "evil-pkg" },
            "versions": r.versions,
            "ranges": ranges,
        }],
    }))
    .expect("a valid OSV record")
}

fn mapped(r: Rec) -> Mapped {
    map::map(&record(r)).expect("the record maps")
}

fn affected((introduced, fixed): Bounds) -> Affected {
    let mut events = vec![RangeEvent::Introduced(introduced.to_owned())];
    events.extend(fixed.map(|f| RangeEvent::Fixed(f.to_owned())));
    Affected::new(vec![Range { kind: RangeKind::Semver, events }])
}

/// The state an import of `m` keeps, built from the mapping alone (not by `plan`).
fn stored(m: &Mapped) -> RecordState {
    RecordState {
        threat_name: m.threat_name.clone(),
        withdrawn: false,
        active: m
            .announcements
            .iter()
            .map(|a| (a.key.clone(), serde_json::to_string(&a.entry).expect("an entry serializes")))
            .collect(),
        modified: m.provenance.modified.clone(),
        published: m.published.map(|t| t.to_utc_string()),
        ranges: m.announcements.iter().filter_map(|a| Some((a.key.clone(), a.affected.clone()?))).collect(),
        document: None,
    }
}

fn before_state(before: Before) -> Option<RecordState> {
    let state = match before {
        Unknown => return None,
        Active(r) => stored(&mapped(r)),
        ActiveWithoutRanges(r) => {
            let state = RecordState { ranges: BTreeMap::new(), ..stored(&mapped(r)) };
            assert!(state.active.contains_key(PKG), "the old state has a versionless announcement");
            state
        }
        Withdrawn(r) => {
            RecordState { withdrawn: true, active: BTreeMap::new(), ranges: BTreeMap::new(), ..stored(&mapped(r)) }
        }
    };
    // As the store keeps it: JSON text.
    let json = serde_json::to_string(&state).expect("a state serializes");
    Some(serde_json::from_str(&json).expect("a state reads back"))
}

/// An event as the table speaks of it; checks on the way that the entry is consistent.
fn seen(e: &Planned, doc: &str) -> (EventType, String, String, Option<Affected>) {
    let identity = e.entry.identity.as_ref().unwrap_or_else(|| panic!("{doc}: a package entry"));
    let purl = identity.purl.clone().unwrap_or_else(|| panic!("{doc}: an entry with a purl"));
    assert_eq!(identity.version.as_deref(), purl.split_once('@').map(|(_, v)| v), "{doc}: version of {purl}");
    assert_eq!(e.entry.sample_list.len(), 1, "{doc}: one sample in {purl}");
    let sample = &e.entry.sample_list[0];
    let status = if e.entry.event_type == Fp { SampleStatus::Known } else { SampleStatus::Malicious };
    assert_eq!(sample.status, status, "{doc}: sample status of {} {purl}", e.entry.event_type);
    let threat = sample.threat_name.clone().unwrap_or_default();
    (e.entry.event_type, purl, threat, e.affected.clone())
}

#[test]
fn decision_table() {
    for row in ROWS {
        let doc = row.doc;
        let before = before_state(row.before);
        let now = mapped(row.now);
        let now_arg = if row.withdrawn { None } else { Some(&now) };

        let (events, state) = plan(before.as_ref(), now_arg);
        let got: Vec<_> = events.iter().map(|e| seen(e, doc)).collect();
        let want: Vec<_> =
            row.want.iter().map(|&(t, key, name, r)| (t, key.to_owned(), name.to_owned(), r.map(affected))).collect();
        assert_eq!(got, want, "{doc}: events");

        let want_state = if row.withdrawn {
            RecordState {
                withdrawn: true,
                active: BTreeMap::new(),
                ranges: BTreeMap::new(),
                ..before.clone().unwrap_or_default()
            }
        } else {
            stored(&now)
        };
        assert_eq!(state, want_state, "{doc}: the state kept");

        // Importing the same record again changes nothing.
        let (again, state_again) = plan(Some(&state), now_arg);
        assert!(again.is_empty(), "{doc}: a re-run planned {} event(s)", again.len());
        assert_eq!(state_again, state, "{doc}: a re-run keeps the state");
    }
}

#[test]
fn an_fp_withdraws_the_entry_announced_before() {
    // The FP is the stored entry, as an FP: not the new mapping's entry.
    let before = stored(&mapped(Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: None }));
    let now = mapped(Rec { summary: T1, versions: &["1.0.0"], range: None });
    let (events, _) = plan(Some(&before), Some(&now));
    assert_eq!(events.len(), 1);
    let old = mapped(Rec { summary: T1, versions: &["1.0.0", "1.0.1"], range: None });
    let dropped = old.announcements.iter().find(|a| a.key == V2).expect("1.0.1 was announced");
    assert_eq!(events[0].entry, dropped.entry.as_event(Fp));
    assert_eq!(events[0].affected, None);
}
