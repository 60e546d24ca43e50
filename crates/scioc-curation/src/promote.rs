//! Promotion and demotion: candidates into the data files and the store, as one plan.
//!
//! The store is the record of what curation promoted (`source_records` under the source
//! `curation`); the data files are kept in step, and `export` can write them again from it.

use crate::{
    Candidate,
    files::{BLACKLIST, BlacklistEntry, DataFiles, NPM_IOCS, NpmIoc, WATCHLIST},
};
use scioc_model::{
    Affected, Entry, EventType, IndicatorKind, MatchKind, Provenance, RawEntry, RawIdentity, RawSample, Reference,
    SampleStatus, StringOrNumber, build_purl, purl_type_of, split_name,
};
use scioc_store::{Import, Indicator, NewEvent, SourceRecord, SourceState};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// The store's name for curated data.
pub const SOURCE: &str = "curation";

/// What the store keeps of one promoted candidate.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordState {
    /// The candidate as last promoted.
    pub candidate: Candidate,
    /// For a blacklist record: the entry as in `blacklist.json`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub entry: Option<BlacklistEntry>,
    /// Versions announced in the feed as `NEW_MALICIOUS`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub announced: Vec<String>,
    /// The rule's ranges (and `*`) the feed announces, as written: one versionless
    /// `NEW_MALICIOUS` carries all of them as OSV ranges (`scioc.affected`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ranged: Vec<String>,
}

/// What happened to one candidate in one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Change {
    /// A new entry.
    Added,
    /// New versions merged into an existing entry.
    Merged,
    /// Already there; nothing to do.
    Unchanged,
    /// Taken out (demotion).
    Removed,
    /// Not applied, with the reason.
    Skipped,
}

/// One line of the per-file report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportLine {
    /// The data file, or `store`.
    pub file: &'static str,
    /// What happened.
    pub change: Change,
    /// Which entry.
    pub what: String,
    /// Why, for merged, unchanged and skipped lines.
    pub why: String,
}

/// The result of planning: the files as they will be, the report, and the store's part.
#[derive(Debug)]
pub struct Plan {
    /// The data files after the plan.
    pub files: DataFiles,
    /// The report, in candidate order.
    pub report: Vec<ReportLine>,
    /// Events, records and indicators for the store.
    pub import: Import,
}

fn line(file: &'static str, change: Change, what: impl Into<String>, why: impl Into<String>) -> ReportLine {
    ReportLine { file, change, what: what.into(), why: why.into() }
}

fn blacklist_key(ecosystem: &str, component: &str) -> String {
    format!("blacklist:{}:{}", ecosystem.to_lowercase(), component.to_lowercase())
}

fn ioc_key(c: &Candidate) -> String {
    format!("ioc:{}:{}:{}:{}", c.ecosystem.to_lowercase(), c.ioc_type, c.effective_match(), c.value.to_lowercase())
}

fn watch_key(c: &Candidate) -> (String, String, String, String) {
    (c.ecosystem.to_lowercase(), c.ioc_type.clone(), c.value.to_lowercase(), c.effective_match())
}

/// The `npm_iocs.json` entry for a candidate, when ToolTrust can read it: npm, one of its five
/// types, and `exact` or `contains` (written explicitly, so defaults never cause duplicates).
fn tooltrust_ioc(c: &Candidate) -> Option<NpmIoc> {
    let representable =
        c.ecosystem == "npm" && c.kind().is_some_and(IndicatorKind::in_tooltrust) && c.effective_match() != "regex";
    representable.then(|| NpmIoc {
        ecosystem: c.ecosystem.clone(),
        ioc_type: c.ioc_type.clone(),
        name: None,
        value: c.value.clone(),
        match_kind: Some(c.effective_match()),
        reason: c.reason.clone(),
        confidence: c.confidence.clone(),
        source: c.source.clone(),
        first_seen: c.first_seen.clone(),
        suggested_action: c.suggested_action.clone(),
        extra: Default::default(),
    })
}

/// The threat level, 1 to 5, of a curated severity.
fn threat_level(severity: &str) -> u8 {
    match severity {
        "CRITICAL" => 5,
        "HIGH" => 4,
        "MEDIUM" => 3,
        _ => 2,
    }
}

/// A feed entry for one blacklisted version, or for the package (its ranges go beside it).
fn version_entry(entry: &BlacklistEntry, version: Option<&str>, event_type: EventType) -> Option<Entry> {
    let ptype = purl_type_of(&entry.ecosystem)?;
    let purl = build_purl(ptype, &entry.component, version).ok()?;
    let status = if event_type == EventType::FalsePositive { SampleStatus::Known } else { SampleStatus::Malicious };
    let identity = RawIdentity {
        purl: Some(purl),
        community: Some(ptype.to_owned()),
        namespace: split_name(ptype, &entry.component).0.map(str::to_owned),
        package: Some(entry.component.clone()),
        version: version.map(str::to_owned),
        ..RawIdentity::default()
    };
    let sample = RawSample {
        status: Some(status.as_str().to_owned()),
        threat_name: Some(entry.id.clone()),
        threat_level: Some(StringOrNumber::String(threat_level(&entry.severity).to_string())),
        ..RawSample::default()
    };
    let raw = RawEntry {
        event_type: Some(event_type.as_str().to_owned()),
        identity: Some(identity),
        sample_list: Some(vec![sample]),
        ..RawEntry::default()
    };
    // Validated once, by the model, so curated entries obey every rule loaded ones do.
    Entry::try_from(raw).ok()
}

fn provenance(entry: &BlacklistEntry, reason: Option<String>) -> Provenance {
    Provenance {
        source: SOURCE.into(),
        id: Some(entry.id.clone()),
        references: (!entry.link.is_empty())
            .then(|| Reference { kind: "ADVISORY".into(), url: entry.link.clone() })
            .into_iter()
            .collect(),
        reason,
        ..Provenance::default()
    }
}

/// The OSV ranges of a rule's specifications `specs` (texts of its `affected_versions`).
fn ranges_of(entry: &BlacklistEntry, specs: &[String]) -> Affected {
    let ranges = specs
        .iter()
        .filter_map(|v| scioc_versions::Spec::parse(&entry.ecosystem, v).ok())
        .filter_map(|s| s.osv_ranges().ok())
        .flatten()
        .collect();
    Affected::new(ranges)
}

/// The versionless events that move a rule's announced ranges from `before` to `after` (spec
/// texts): an `FP` carrying the old ranges, then a `NEW_MALICIOUS` carrying the new ones, so a
/// consumer that unblocks on `FP` and blocks on `NEW_MALICIOUS` ends with exactly the new
/// coverage. Nothing when they are equal or the package has no URL.
fn range_events(entry: &BlacklistEntry, before: &[String], after: &[String], reason: &str) -> Vec<NewEvent> {
    let mut out = Vec::new();
    if before == after {
        return out;
    }
    for (specs, kind) in [(before, EventType::FalsePositive), (after, EventType::NewMalicious)] {
        if specs.is_empty() {
            continue;
        }
        if let Some(e) = version_entry(entry, None, kind) {
            out.push(NewEvent {
                entry: e,
                time: None,
                affected: Some(ranges_of(entry, specs)),
                provenance: Some(provenance(entry, Some(reason.to_owned()))),
                claim: None,
            });
        }
    }
    out
}

/// The blacklist entry a blocking exact name indicator stands for in the feed: every version
/// of the package it names, under the indicator's record key. `None` for any other indicator
/// (a pattern, a domain, one that only flags or watches), which the feed does not announce.
fn name_rule(c: &Candidate, key: &str) -> Option<BlacklistEntry> {
    (indicator(c, key).blocks_package() && purl_type_of(&c.ecosystem).is_some()).then(|| BlacklistEntry {
        id: key.to_owned(),
        component: c.value.clone(),
        ecosystem: c.ecosystem.clone(),
        affected_versions: vec!["*".to_owned()],
        action: "BLOCK".to_owned(),
        severity: if c.confidence == "high" { "CRITICAL" } else { "HIGH" }.to_owned(),
        reason: c.reason.clone(),
        link: c.source.clone(),
        extra: Default::default(),
    })
}

/// The store's indicator for a validated candidate (validation refuses unknown kinds and
/// matches; were one to slip through, it is kept as `other` and never matched).
fn indicator(c: &Candidate, key: &str) -> Indicator {
    Indicator {
        kind: c.kind().unwrap_or(IndicatorKind::Other),
        value: c.value.clone(),
        ecosystem: c.ecosystem.clone(),
        package: String::new(),
        source: SOURCE.into(),
        source_id: key.to_owned(),
        match_kind: MatchKind::parse(&c.effective_match()).unwrap_or(MatchKind::Exact),
        confidence: c.confidence.clone(),
        action: c.suggested_action.clone(),
    }
}

/// The store's curated records, by id.
pub fn records(state: &SourceState) -> BTreeMap<String, RecordState> {
    state.records.iter().filter_map(|r| serde_json::from_str(&r.state).ok().map(|s| (r.id.clone(), s))).collect()
}

/// Plans promoting `candidates` into `files` and the store.
pub fn plan_promotion(mut files: DataFiles, candidates: &[Candidate], state: &SourceState) -> Plan {
    let mut known = records(state);
    let mut touched: BTreeMap<String, RecordState> = BTreeMap::new();
    let mut report = Vec::new();
    let mut events = Vec::new();
    let mut indicators = Vec::new();
    for c in candidates {
        let what = format!("{} {} {:?}", c.ecosystem, c.ioc_type, c.value);
        match c.promote_to.as_str() {
            "watch_only" => {
                if files.watchlist.iter().any(|w| watch_key(w) == watch_key(c)) {
                    report.push(line(WATCHLIST, Change::Unchanged, what, "already on the watchlist"));
                } else {
                    files.watchlist.push(c.clone());
                    report.push(line(WATCHLIST, Change::Added, what, "recorded for review; not enforced"));
                }
            }
            "npm_iocs" => {
                if !c.kind().is_some_and(IndicatorKind::is_enforced) {
                    report.push(line(
                        NPM_IOCS,
                        Change::Skipped,
                        what,
                        format!("no scanner rule enforces ioc_type {:?}; promote it as watch_only", c.ioc_type),
                    ));
                    continue;
                }
                if let Some(new) = tooltrust_ioc(c) {
                    if files.npm_iocs.iter().any(|i| i.key() == new.key()) {
                        report.push(line(
                            NPM_IOCS,
                            Change::Unchanged,
                            what.clone(),
                            "already present (same type, value and match, defaults applied)",
                        ));
                    } else {
                        files.npm_iocs.push(new);
                        report.push(line(NPM_IOCS, Change::Added, what.clone(), ""));
                    }
                } else {
                    report.push(line(
                        NPM_IOCS,
                        Change::Skipped,
                        what.clone(),
                        "ToolTrust's npm_iocs.json holds only npm package_name, dependency_name, script_pattern, domain and url with exact or contains; kept in the store for scioc's scanner",
                    ));
                }
                let key = ioc_key(c);
                if !known.contains_key(&key) {
                    indicators.push(indicator(c, &key));
                    let mut rec =
                        RecordState { candidate: c.clone(), entry: None, announced: Vec::new(), ranged: Vec::new() };
                    let every = vec!["*".to_owned()];
                    let announced = name_rule(c, &key).map(|rule| range_events(&rule, &[], &every, &c.reason));
                    let why = match &announced {
                        Some(moved) if !moved.is_empty() => {
                            events.extend(moved.iter().cloned());
                            rec.ranged = every;
                            "indicator; NEW_MALICIOUS for every version of the package"
                        }
                        _ => "indicator",
                    };
                    known.insert(key.clone(), rec.clone());
                    touched.insert(key, rec);
                    report.push(line("store", Change::Added, what, why));
                }
            }
            "blacklist" => {
                if c.ioc_type != "package_name" {
                    report.push(line(
                        BLACKLIST,
                        Change::Skipped,
                        what,
                        format!("a blacklist entry names a package; ioc_type is {:?}", c.ioc_type),
                    ));
                    continue;
                }
                let versions_in: Vec<String> = c.affected_versions.clone().unwrap_or_default();
                let pos = files.blacklist.iter().position(|e| {
                    e.ecosystem.eq_ignore_ascii_case(&c.ecosystem) && e.component.eq_ignore_ascii_case(&c.value)
                });
                let entry = match pos {
                    None => {
                        let e = BlacklistEntry {
                            id: c.blacklist_id.clone().unwrap_or_default(),
                            component: c.value.clone(),
                            ecosystem: c.ecosystem.clone(),
                            affected_versions: versions_in.clone(),
                            action: c.action.clone().unwrap_or_default(),
                            severity: c.severity.clone().unwrap_or_default(),
                            reason: c.reason.clone(),
                            link: c.source.clone(),
                            extra: Default::default(),
                        };
                        files.blacklist.push(e.clone());
                        report.push(line(
                            BLACKLIST,
                            Change::Added,
                            what.clone(),
                            format!("{} version(s)", versions_in.len()),
                        ));
                        e
                    }
                    Some(i) => {
                        let e = &mut files.blacklist[i];
                        let new: Vec<String> =
                            versions_in.iter().filter(|v| !e.affected_versions.contains(v)).cloned().collect();
                        if new.is_empty() {
                            report.push(line(
                                BLACKLIST,
                                Change::Unchanged,
                                what.clone(),
                                format!("every version is already in {}", e.id),
                            ));
                        } else {
                            e.affected_versions.extend(new.iter().cloned());
                            report.push(line(
                                BLACKLIST,
                                Change::Merged,
                                what.clone(),
                                format!("versions {} merged into {}", new.join(", "), e.id),
                            ));
                        }
                        e.clone()
                    }
                };
                let key = blacklist_key(&entry.ecosystem, &entry.component);
                let mut rec = known.get(&key).cloned().unwrap_or(RecordState {
                    candidate: c.clone(),
                    entry: None,
                    announced: Vec::new(),
                    ranged: Vec::new(),
                });
                let mut changed = rec.entry.as_ref() != Some(&entry);
                let (mut ranged, mut fresh) = (Vec::new(), Vec::new());
                let blocks = entry.action.eq_ignore_ascii_case("BLOCK");
                if !blocks {
                    report.push(line(
                        "store",
                        Change::Skipped,
                        what.clone(),
                        format!(
                            "action {:?} warns: scan reports it, nothing else enforces it or announces it in the feed",
                            entry.action
                        ),
                    ));
                }
                for v in entry.affected_versions.iter().filter(|_| blocks) {
                    let Ok(spec) = scioc_versions::Spec::parse(&entry.ecosystem, v) else { continue };
                    if !spec.is_concrete() {
                        match spec.osv_ranges() {
                            Ok(_) => ranged.push(v.clone()),
                            Err(e) => report.push(line(
                                "store",
                                Change::Skipped,
                                format!("{what} {v}"),
                                format!(
                                    "{e}; not announced in the feed (scan, the firewall and the OSV API enforce it)"
                                ),
                            )),
                        }
                        continue;
                    }
                    if !rec.announced.contains(v) {
                        match version_entry(&entry, Some(v), EventType::NewMalicious) {
                            Some(e) => {
                                events.push(NewEvent {
                                    entry: e,
                                    time: None,
                                    affected: None,
                                    provenance: Some(provenance(&entry, Some(c.reason.clone()))),
                                    claim: None,
                                });
                                rec.announced.push(v.clone());
                                fresh.push(v.clone());
                            }
                            None => report.push(line(
                                "store",
                                Change::Skipped,
                                format!("{what} {v}"),
                                format!(
                                    "no package URL for ecosystem {:?}; not announced in the feed",
                                    entry.ecosystem
                                ),
                            )),
                        }
                    }
                }
                let moved = range_events(&entry, &rec.ranged, &ranged, &c.reason);
                if !moved.is_empty() {
                    changed = true;
                    report.push(line(
                        "store",
                        Change::Added,
                        what.clone(),
                        format!("NEW_MALICIOUS for the package, covering {}", ranged.join(", ")),
                    ));
                    events.extend(moved);
                    rec.ranged = ranged;
                }
                if !fresh.is_empty() {
                    changed = true;
                    report.push(line("store", Change::Added, what, format!("NEW_MALICIOUS for {}", fresh.join(", "))));
                }
                if changed {
                    rec.entry = Some(entry);
                    known.insert(key.clone(), rec.clone());
                    touched.insert(key, rec);
                }
            }
            other => report.push(line("store", Change::Skipped, what, format!("unknown promote_to {other:?}"))),
        }
    }
    let import = Import {
        source: SOURCE.into(),
        expected_version: state.version,
        events,
        records: touched.into_iter().map(|(id, r)| record(id, &r)).collect(),
        indicators,
        ..Import::default()
    };
    Plan { files, report, import }
}

fn record(id: String, r: &RecordState) -> SourceRecord {
    // Curated records are written by promotion only; no loader compares their bytes.
    SourceRecord { id, content_hash: String::new(), state: serde_json::to_string(r).expect("state serializes") }
}

/// Plans demoting `candidates` (false positives): out of the files and the store, with `FP`
/// events for every version the feed had announced.
pub fn plan_demotion(mut files: DataFiles, candidates: &[Candidate], state: &SourceState, reason: &str) -> Plan {
    let mut known = records(state);
    let mut report = Vec::new();
    let mut events = Vec::new();
    let mut import = Import { source: SOURCE.into(), expected_version: state.version, ..Import::default() };
    let mut touched: BTreeMap<String, RecordState> = BTreeMap::new();
    for c in candidates {
        let what = format!("{} {} {:?}", c.ecosystem, c.ioc_type, c.value);
        match c.promote_to.as_str() {
            "watch_only" => {
                let before = files.watchlist.len();
                files.watchlist.retain(|w| watch_key(w) != watch_key(c));
                let change = if files.watchlist.len() < before { Change::Removed } else { Change::Skipped };
                report.push(line(
                    WATCHLIST,
                    change,
                    what,
                    if change == Change::Skipped { "not on the watchlist" } else { "" },
                ));
            }
            "npm_iocs" => {
                // Only what promotion could have written to npm_iocs.json comes out of it: an
                // indicator of another ecosystem leaves npm's entry of the same value alone.
                let before = files.npm_iocs.len();
                if let Some(written) = tooltrust_ioc(c) {
                    files.npm_iocs.retain(|i| i.key() != written.key());
                }
                let removed = files.npm_iocs.len() < before;
                report.push(line(
                    NPM_IOCS,
                    if removed { Change::Removed } else { Change::Skipped },
                    what.clone(),
                    if removed { "" } else { "not in npm_iocs.json" },
                ));
                let id = ioc_key(c);
                if let Some(rec) = known.remove(&id) {
                    let moved =
                        name_rule(&rec.candidate, &id).map(|rule| range_events(&rule, &rec.ranged, &[], reason));
                    let why = match moved {
                        Some(moved) if !moved.is_empty() => {
                            events.extend(moved);
                            "indicator; FP for every version of the package"
                        }
                        _ => "indicator",
                    };
                    import.retire_indicators_of.push(id.clone());
                    import.remove_records.push(id);
                    report.push(line("store", Change::Removed, what, why));
                }
            }
            "blacklist" => {
                let gone: Vec<String> = c.affected_versions.clone().unwrap_or_default();
                let pos = files.blacklist.iter().position(|e| {
                    e.ecosystem.eq_ignore_ascii_case(&c.ecosystem) && e.component.eq_ignore_ascii_case(&c.value)
                });
                let Some(i) = pos else {
                    report.push(line(BLACKLIST, Change::Skipped, what, "not in blacklist.json"));
                    continue;
                };
                let all = gone.iter().any(|v| v == "*");
                let entry_before = files.blacklist[i].clone();
                files.blacklist[i].affected_versions.retain(|v| !all && !gone.contains(v));
                let emptied = files.blacklist[i].affected_versions.is_empty();
                if emptied {
                    files.blacklist.remove(i);
                }
                let dropped: Vec<String> =
                    entry_before.affected_versions.iter().filter(|v| all || gone.contains(v)).cloned().collect();
                report.push(line(
                    BLACKLIST,
                    if dropped.is_empty() { Change::Skipped } else { Change::Removed },
                    what.clone(),
                    if dropped.is_empty() {
                        "none of these versions is listed".to_owned()
                    } else if emptied {
                        format!("entry {} removed", entry_before.id)
                    } else {
                        format!("versions {} removed from {}", dropped.join(", "), entry_before.id)
                    },
                ));
                let key = blacklist_key(&entry_before.ecosystem, &entry_before.component);
                if let Some(mut rec) = known.remove(&key) {
                    let retracted: Vec<String> =
                        rec.announced.iter().filter(|v| dropped.contains(v)).cloned().collect();
                    for v in &retracted {
                        if let Some(e) = version_entry(&entry_before, Some(v), EventType::FalsePositive) {
                            events.push(NewEvent {
                                entry: e,
                                time: None,
                                affected: None,
                                provenance: Some(provenance(&entry_before, Some(reason.to_owned()))),
                                claim: None,
                            });
                        }
                    }
                    if !retracted.is_empty() {
                        report.push(line(
                            "store",
                            Change::Removed,
                            what.clone(),
                            format!("FP for {}", retracted.join(", ")),
                        ));
                    }
                    rec.announced.retain(|v| !retracted.contains(v));
                    let still: Vec<String> = rec.ranged.iter().filter(|v| !dropped.contains(v)).cloned().collect();
                    let moved = range_events(&entry_before, &rec.ranged, &still, reason);
                    if !moved.is_empty() {
                        let gone: Vec<&String> = rec.ranged.iter().filter(|v| dropped.contains(v)).collect();
                        let gone: Vec<&str> = gone.iter().map(|v| v.as_str()).collect();
                        report.push(line(
                            "store",
                            Change::Removed,
                            what,
                            format!("FP for the package's {}", gone.join(", ")),
                        ));
                        events.extend(moved);
                        rec.ranged = still;
                    }
                    if emptied {
                        import.remove_records.push(key);
                    } else {
                        rec.entry = files.blacklist.get(i).cloned();
                        touched.insert(key, rec);
                    }
                }
            }
            other => report.push(line("store", Change::Skipped, what, format!("unknown promote_to {other:?}"))),
        }
    }
    import.events = events;
    import.records = touched.into_iter().map(|(id, r)| record(id, &r)).collect();
    Plan { files, report, import }
}

/// The data files and the candidates that reproduce them, from the store's curated records.
pub fn export(state: &SourceState) -> (DataFiles, Vec<Candidate>) {
    let mut files = DataFiles::default();
    let mut candidates = Vec::new();
    for (id, rec) in records(state) {
        if let Some(entry) = &rec.entry {
            files.blacklist.push(entry.clone());
            let mut c = rec.candidate.clone();
            c.value = entry.component.clone();
            c.ecosystem = entry.ecosystem.clone();
            c.affected_versions = Some(entry.affected_versions.clone());
            c.blacklist_id = Some(entry.id.clone());
            c.action = Some(entry.action.clone());
            c.severity = Some(entry.severity.clone());
            c.reason = entry.reason.clone();
            c.source = entry.link.clone();
            candidates.push(c);
        } else if id.starts_with("ioc:") {
            let c = &rec.candidate;
            files.npm_iocs.extend(tooltrust_ioc(c));
            candidates.push(c.clone());
        }
    }
    files.sort();
    candidates.sort_by_key(|c| {
        (c.promote_to.clone(), c.ecosystem.to_lowercase(), c.ioc_type.clone(), c.value.to_lowercase())
    });
    (files, candidates)
}

#[cfg(test)]
#[path = "promote_tests.rs"]
mod tests;
