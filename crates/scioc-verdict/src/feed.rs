//! What the feed says of each package, event by event, so the state can be advanced by
//! sequence number without being rebuilt.
//!
//! Per package (ecosystem and normalized name):
//! - each announced version is marked by its latest `NEW_MALICIOUS` or `FP`;
//! - each report's versionless announcement is a *claim*: the ranges it covers
//!   (`scioc.affected`), or every version when it carries none. A later versionless event of
//!   the same report replaces its claim; a versionless `FP` of a report (an OSV record, a
//!   curated rule) withdraws that report's claim only, and a manual reclassification's
//!   versionless `FP` clears the package.
//!
//! `NEW_THREAT_NAME` renames what is already announced and changes no coverage.

use crate::{Query, Rule, Severity, Verdict, normalize};
use scioc_model::{Affected, EventType, RangeEvent};
use scioc_store::PackageEvent;
use scioc_versions::{Coverage, Scheme, Version, affects};

/// Hash maps keyed by short strings, with a fast non-cryptographic hasher: the keys are
/// package names and hashes from the feed, not attacker-chosen input to a long-lived process.
pub(crate) type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// The latest word on one announced version.
#[derive(Debug, Clone)]
struct Mark {
    malicious: bool,
    seq: i64,
    record: Option<String>,
    /// The threat level the announcement (or its latest rename) gave, if any.
    level: Option<u8>,
    /// Other reports that announced the same version before this one and still stand (a
    /// version two reports name is covered by both until an FP clears it).
    others: Vec<(Option<String>, i64)>,
}

/// A report that covers a package, as the feed knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    /// The report's id at its source (an OSV id), when the event recorded one.
    pub record: Option<String>,
    /// The earliest event of the report that covers the package.
    pub event: i64,
}

/// One package the feed holds as malicious now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Malicious<'a> {
    /// Its ecosystem, as OSV names it (`npm`, `PyPI`).
    pub ecosystem: &'a str,
    /// Its name, normalized as the engine keys it.
    pub name: &'a str,
    /// The versions announced malicious one by one: version, event, report.
    pub versions: Vec<(&'a str, i64, Option<&'a str>)>,
    /// The reports that claim versions by range: report, event, whether every version.
    pub claims: Vec<(Option<&'a str>, i64, bool)>,
}

impl Malicious<'_> {
    /// Whether every version is malicious (a report without ranges, or one from `0` on).
    pub fn every_version(&self) -> bool {
        self.claims.iter().any(|(_, _, every)| *every)
    }
}

/// One report's versionless announcement.
#[derive(Debug, Clone)]
struct Claim {
    record: Option<String>,
    affected: Option<Affected>,
    seq: i64,
    level: Option<u8>,
}

#[derive(Debug, Clone, Default)]
struct PackageState {
    /// By version text; few per package, so a list.
    versions: Vec<(String, Mark)>,
    claims: Vec<Claim>,
}

/// The feed's verdicts by package, and malicious archive hashes.
#[derive(Debug, Clone, Default)]
pub(crate) struct Feed {
    packages: Map<(&'static str, String), PackageState>,
    /// Each malicious archive hash: the event that announced it, and what names it (the
    /// report's id, else the package's purl).
    hashes: Map<String, (i64, Option<std::sync::Arc<str>>)>,
    /// For each malicious archive, the one hash its bytes must be digested with to be
    /// recognised (the first it was announced with in [`ALGORITHMS`] order), as an index into
    /// [`ALGORITHMS`]; and how many archives need each.
    detect: Map<String, usize>,
    detect_counts: [usize; 4],
    /// Reports some of whose announcements an FP took back, with that FP.
    retracted: Map<String, i64>,
    seq: i64,
}

/// Whether a versionless `FP` withdraws one report's claim rather than the whole package: an
/// FP of a report (an OSV record, a curated rule, another source's record) takes back what that
/// report claimed; a manual reclassification (`reclassify`) or an FP naming no report clears the
/// package.
fn scoped_to_record(e: &PackageEvent) -> bool {
    e.source_id.is_some() && !matches!(e.source.as_deref(), None | Some("reclassify"))
}

/// Archive hash algorithms, the cheapest to digest with that a malicious archive is known by
/// first: SHA-256 (hardware-accelerated on most machines), SHA-512, SHA-1, MD5.
pub(crate) const ALGORITHMS: [&str; 4] = ["sha256", "sha512", "sha1", "md5"];

impl Feed {
    /// Applies events in feed order; events at or below the last applied sequence number are
    /// ignored, so applying overlapping batches is safe. The events are taken, not copied.
    pub(crate) fn apply(&mut self, events: Vec<PackageEvent>) {
        self.packages.reserve(events.len().saturating_sub(self.packages.len()) / 2);
        let after = self.seq;
        for mut e in events.into_iter().filter(|e| e.seq > after) {
            self.seq = e.seq;
            let malicious = e.event_type == EventType::NewMalicious;
            let renamed = e.event_type == EventType::NewThreatName;
            let named: Option<std::sync::Arc<str>> = if malicious && !renamed {
                e.source_id.as_deref().or(e.purl.as_deref()).map(std::sync::Arc::from).or_else(|| {
                    let (c, p) = (e.community.as_deref()?, e.package.as_deref()?);
                    scioc_model::build_purl(c, p, e.version.as_deref()).ok().map(std::sync::Arc::from)
                })
            } else {
                None
            };
            if malicious
                && !renamed
                && let Some((algo, h)) = [&e.sha256, &e.sha512, &e.sha1, &e.md5]
                    .into_iter()
                    .enumerate()
                    .find_map(|(i, h)| Some((i, h.clone()?)))
            {
                self.detect_counts[algo] += 1;
                if let Some(before) = self.detect.insert(h, algo) {
                    self.detect_counts[before] -= 1;
                }
            }
            for h in [e.md5.take(), e.sha1.take(), e.sha256.take(), e.sha512.take()]
                .into_iter()
                .flatten()
                .filter(|_| !renamed)
            {
                if malicious {
                    self.hashes.insert(h, (e.seq, named.clone()));
                } else {
                    if let Some(before) = self.detect.remove(&h) {
                        self.detect_counts[before] -= 1;
                    }
                    self.hashes.remove(&h);
                }
            }
            let scoped = scoped_to_record(&e);
            // An entry may name its package by purl alone: read the purl then.
            let (community, package, version) = match (e.community.take(), e.package.take()) {
                (Some(c), Some(p)) => (c, p, e.version.take()),
                _ => match e.purl.as_deref().and_then(scioc_model::parse_purl) {
                    Some(parts) => parts,
                    None => continue,
                },
            };
            let Some(ecosystem) = scioc_model::ecosystem_of(&community) else { continue };
            let state = self.packages.entry((ecosystem, normalize(ecosystem, &package))).or_default();
            let record = e.source_id.take();
            if renamed {
                // A new name may bring a new level: the severity follows it.
                match version {
                    Some(v) => {
                        if let Some((_, m)) = state.versions.iter_mut().find(|(t, m)| *t == v && m.malicious) {
                            m.level = e.threat_level;
                        }
                    }
                    None => {
                        state.claims.iter_mut().filter(|c| c.record == record).for_each(|c| c.level = e.threat_level)
                    }
                }
                continue;
            }
            // Reports this event takes back, and one it announces again.
            let mut taken: Vec<Option<String>> = Vec::new();
            let mut announced: Option<String> = None;
            match (version, malicious) {
                (Some(v), _) => {
                    let mut mark = Mark { malicious, seq: e.seq, record, level: e.threat_level, others: Vec::new() };
                    let slot = match state.versions.iter_mut().position(|(t, _)| *t == v) {
                        Some(i) => i,
                        None => {
                            state.versions.push((
                                v,
                                Mark { malicious: false, seq: 0, record: None, level: None, others: Vec::new() },
                            ));
                            state.versions.len() - 1
                        }
                    };
                    let before = &mut state.versions[slot].1;
                    match (malicious, before.malicious) {
                        (true, true) => {
                            // Another report on the same version: both stand.
                            let mut others = std::mem::take(&mut before.others);
                            if before.record != mark.record {
                                others.push((before.record.take(), before.seq));
                            }
                            others.retain(|(r, _)| *r != mark.record);
                            mark.others = others;
                            announced = mark.record.clone();
                            mark.level = mark.level.zip(before.level).map(|(a, b)| a.max(b));
                        }
                        (true, false) => announced = mark.record.clone(),
                        (false, true) => {
                            taken.push(before.record.take());
                            taken.extend(before.others.drain(..).map(|(r, _)| r));
                        }
                        (false, false) => {}
                    }
                    *before = mark;
                }
                (None, true) => {
                    announced = record.clone();
                    state.claims.retain(|c| c.record != record);
                    state.claims.push(Claim { record, affected: e.affected.take(), seq: e.seq, level: e.threat_level });
                }
                (None, false) if scoped => {
                    state.claims.retain(|c| c.record != record);
                    taken.push(record);
                }
                (None, false) => {
                    taken.extend(
                        state
                            .versions
                            .drain(..)
                            .filter(|(_, m)| m.malicious)
                            .flat_map(|(_, m)| std::iter::once(m.record).chain(m.others.into_iter().map(|(r, _)| r)))
                            .chain(state.claims.drain(..).map(|c| c.record)),
                    );
                }
            }
            if let Some(r) = announced {
                self.retracted.remove(&r);
            }
            for r in taken.into_iter().flatten() {
                self.retracted.insert(r, e.seq);
            }
        }
    }

    /// Every retracted report with its FP.
    pub(crate) fn retracted_all(&self) -> impl Iterator<Item = (&str, i64)> {
        self.retracted.iter().map(|(r, s)| (r.as_str(), *s))
    }

    /// The last sequence number applied.
    pub(crate) fn seq(&self) -> i64 {
        self.seq
    }

    /// The algorithms of [`ALGORITHMS`] some malicious archive is known by and by no cheaper one.
    pub(crate) fn hash_algorithms(&self) -> impl Iterator<Item = &'static str> + '_ {
        ALGORITHMS.into_iter().zip(self.detect_counts).filter(|(_, n)| *n > 0).map(|(a, _)| a)
    }

    /// Packages with at least one malicious version or claim, and malicious hashes.
    pub(crate) fn sizes(&self) -> (usize, usize) {
        let packages = self
            .packages
            .values()
            .filter(|s| !s.claims.is_empty() || s.versions.iter().any(|(_, m)| m.malicious))
            .count();
        (packages, self.hashes.len())
    }

    /// The `AS-008` verdict of the feed for a package, if any: the earliest event that covers
    /// the version; `name` is the query's name normalized.
    pub(crate) fn known(&self, q: &Query<'_>, name: String) -> Option<Verdict> {
        let mut best: Option<(i64, String, Option<String>)> = None;
        // The gravest level of every report that covers it (none known errs to the gravest).
        let mut level: Option<u8> = Some(0);
        self.covering(q, name, |seq, why, record, l| {
            if best.as_ref().is_none_or(|(s, _, _)| seq < *s) {
                best = Some((seq, why(), record.clone()));
            }
            level = match (level, l) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        });
        best.map(|(seq, evidence, record)| Verdict {
            rule: Rule::KnownMalicious,
            severity: Severity::of_threat_level(level),
            evidence,
            event: Some(seq),
            reference: record,
            origin: crate::Origin::Feed,
        })
    }

    /// Every report that covers the query's version (or, without a version, that names the
    /// package), each once with its earliest event, in feed order.
    pub(crate) fn reports(&self, q: &Query<'_>, name: String) -> Vec<Report> {
        let mut out: Vec<Report> = Vec::new();
        self.covering(q, name, |seq, _, record, _| match out.iter_mut().find(|r| &r.record == record) {
            Some(r) => r.event = r.event.min(seq),
            None => out.push(Report { record: record.clone(), event: seq }),
        });
        if q.version.is_none() {
            // Without a version, every report that announced a version of it counts too.
            if let Some(state) = ecosystem_key(q.ecosystem).and_then(|e| self.packages.get(&(e, normalize(e, q.name))))
            {
                for (_, m) in state.versions.iter().filter(|(_, m)| m.malicious) {
                    for (record, seq) in
                        std::iter::once((&m.record, m.seq)).chain(m.others.iter().map(|(r, s)| (r, *s)))
                    {
                        if !out.iter().any(|r| &r.record == record) {
                            out.push(Report { record: record.clone(), event: seq });
                        }
                    }
                }
            }
        }
        out.sort_by_key(|r| r.event);
        out
    }

    /// What the feed holds as malicious now, package by package, in no particular order.
    pub(crate) fn malicious(&self) -> impl Iterator<Item = Malicious<'_>> {
        self.packages.iter().filter_map(|((ecosystem, name), state)| {
            let versions: Vec<(&str, i64, Option<&str>)> = state
                .versions
                .iter()
                .filter(|(_, m)| m.malicious)
                .flat_map(|(v, m)| {
                    std::iter::once((v.as_str(), m.seq, m.record.as_deref()))
                        .chain(m.others.iter().map(move |(r, s)| (v.as_str(), *s, r.as_deref())))
                })
                .collect();
            let claims: Vec<(Option<&str>, i64, bool)> = state
                .claims
                .iter()
                .map(|c| (c.record.as_deref(), c.seq, c.affected.as_ref().is_none_or(|a| a.all_versions)))
                .collect();
            (!versions.is_empty() || !claims.is_empty()).then_some(Malicious { ecosystem, name, versions, claims })
        })
    }

    /// Calls `offer` with each event that covers the query: its sequence number, why (made
    /// only when asked), its report and its threat level.
    fn covering(
        &self,
        q: &Query<'_>,
        name: String,
        mut offer: impl FnMut(i64, &dyn Fn() -> String, &Option<String>, Option<u8>),
    ) {
        let Some(state) = ecosystem_key(q.ecosystem).and_then(|e| self.packages.get(&(e, name))) else { return };
        if let Some(v) = q.version {
            // Versions are parsed only for a package the feed names, and only when the texts
            // differ (PEP 440's `1.0` is `1.0.0`): building the engine parses none.
            let scheme = Scheme::of(q.ecosystem);
            let parsed = std::cell::OnceCell::new();
            for (text, m) in state.versions.iter().filter(|(_, m)| m.malicious) {
                let same = text == v
                    || parsed
                        .get_or_init(|| Version::parse(scheme, v).ok())
                        .as_ref()
                        .is_some_and(|qv| Version::parse(scheme, text).is_ok_and(|mv| &mv == qv));
                if same {
                    let why = || format!("{}: this version is known malicious", q.display());
                    offer(m.seq, &why, &m.record, m.level);
                    for (record, seq) in &m.others {
                        offer(*seq, &why, record, m.level);
                    }
                }
            }
        }
        let every = || format!("{}: every version of this package is malicious", q.display());
        for c in &state.claims {
            match (&c.affected, q.version) {
                (None, _) => offer(c.seq, &every, &c.record, c.level),
                (Some(a), Some(v)) => {
                    if let Coverage::Yes { range, every_version } = affects(Scheme::of(q.ecosystem), &a.ranges, v) {
                        let why = || match every_version {
                            true => every(),
                            false => {
                                format!("{}: in the malicious range {}", q.display(), describe(&a.ranges[range].events))
                            }
                        };
                        offer(c.seq, &why, &c.record, c.level);
                    }
                }
                (Some(a), None) if a.all_versions => offer(c.seq, &every, &c.record, c.level),
                (Some(_), None) => {}
            }
        }
    }

    /// The `HASH` verdict for the first of `hashes` that is a malicious archive.
    pub(crate) fn hash(&self, hashes: &[(&'static str, String)]) -> Option<Verdict> {
        let (algo, hex, (seq, named)) = hashes.iter().find_map(|(a, h)| self.hashes.get(h).map(|s| (*a, h, s)))?;
        Some(Verdict {
            rule: Rule::ArchiveHash,
            severity: Severity::Critical,
            evidence: format!("{algo} {hex} is the archive of a known-malicious package"),
            event: Some(*seq),
            reference: named.as_deref().map(str::to_owned),
            origin: crate::Origin::Feed,
        })
    }
}

/// The ecosystem name as the feed's packages are keyed (a `&'static str` from the model).
pub(crate) fn ecosystem_key(ecosystem: &str) -> Option<&'static str> {
    scioc_model::purl_type_of(ecosystem).and_then(scioc_model::ecosystem_of)
}

/// A range's events for people: `>=1.0.0 <1.2.11`.
pub(crate) fn describe(events: &[RangeEvent]) -> String {
    let parts: Vec<String> = events
        .iter()
        .filter_map(|e| match e {
            RangeEvent::Introduced(v) if v == "0" => None,
            RangeEvent::Introduced(v) => Some(format!(">={v}")),
            RangeEvent::Fixed(v) => Some(format!("<{v}")),
            RangeEvent::LastAffected(v) => Some(format!("<={v}")),
            RangeEvent::Limit(v) if v == "*" => None,
            RangeEvent::Limit(v) => Some(format!("<{v} (limit)")),
        })
        .collect();
    if parts.is_empty() { "(every version)".to_owned() } else { parts.join(" ") }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(seq: i64, malicious: bool, version: Option<&str>, record: &str) -> PackageEvent {
        PackageEvent {
            seq,
            event_type: if malicious { EventType::NewMalicious } else { EventType::FalsePositive },
            purl: None,
            community: Some("npm".into()),
            package: Some("evil".into()),
            version: version.map(str::to_owned),
            md5: None,
            sha1: None,
            sha256: None,
            sha512: None,
            source: Some("osv".into()),
            source_id: Some(record.into()),
            affected: None,
            threat_level: None,
        }
    }

    #[test]
    fn archives_known_only_by_a_weak_hash_ask_for_that_algorithm_until_withdrawn() {
        let hashed = |seq, malicious, md5: Option<&str>, sha256: Option<&str>| PackageEvent {
            md5: md5.map(str::to_owned),
            sha256: sha256.map(str::to_owned),
            ..event(seq, malicious, Some("1.0.0"), "MAL-1")
        };
        let algorithms = |feed: &Feed| feed.hash_algorithms().collect::<Vec<_>>();
        let mut feed = Feed::default();
        assert!(algorithms(&feed).is_empty());
        // Known by SHA-256 as well: its MD5 need not be computed.
        feed.apply(vec![hashed(1, true, Some("m1"), Some("s1"))]);
        assert_eq!(algorithms(&feed), ["sha256"]);
        // Known by MD5 alone: it must be.
        feed.apply(vec![hashed(2, true, Some("m2"), None)]);
        assert_eq!(algorithms(&feed), ["sha256", "md5"]);
        assert!(feed.hash(&[("md5", "m2".into())]).is_some());
        // Announced again, the count does not drift; withdrawn, MD5 is no longer needed.
        feed.apply(vec![hashed(3, true, Some("m2"), None), hashed(4, false, Some("m2"), None)]);
        assert_eq!(algorithms(&feed), ["sha256"]);
        feed.apply(vec![hashed(5, false, Some("m1"), Some("s1"))]);
        assert!(algorithms(&feed).is_empty());
    }

    #[test]
    fn severity_follows_the_gravest_threat_level_and_its_renames() {
        let leveled = |seq, kind: EventType, version: &str, record: &str, level: u8| PackageEvent {
            event_type: kind,
            threat_level: Some(level),
            ..event(seq, true, Some(version), record)
        };
        let severity = |feed: &Feed, v: &str| {
            feed.known(&Query::package("npm", "evil", Some(v)), "evil".into()).map(|v| v.severity)
        };
        let mut feed = Feed::default();
        feed.apply(vec![
            leveled(1, EventType::NewMalicious, "1.0.0", "MAL-1", 1),
            leveled(2, EventType::NewMalicious, "2.0.0", "MAL-2", 2),
            leveled(3, EventType::NewMalicious, "3.0.0", "MAL-3", 3),
            event(4, true, Some("4.0.0"), "MAL-4"),
        ]);
        assert_eq!(severity(&feed, "1.0.0"), Some(Severity::Low), "spam");
        assert_eq!(severity(&feed, "2.0.0"), Some(Severity::Medium), "a probe");
        assert_eq!(severity(&feed, "3.0.0"), Some(Severity::High), "a typosquat");
        assert_eq!(severity(&feed, "4.0.0"), Some(Severity::Critical), "no level known errs high");
        // A rename to an infostealer raises it; a second report of the version keeps the gravest.
        feed.apply(vec![
            leveled(5, EventType::NewThreatName, "1.0.0", "MAL-1", 5),
            leveled(6, EventType::NewMalicious, "2.0.0", "MAL-6", 4),
        ]);
        assert_eq!(severity(&feed, "1.0.0"), Some(Severity::Critical));
        assert_eq!(severity(&feed, "2.0.0"), Some(Severity::Critical));
    }

    fn reports(feed: &Feed, version: Option<&str>) -> Vec<Option<String>> {
        feed.reports(&Query::package("npm", "evil", version), "evil".into()).into_iter().map(|r| r.record).collect()
    }

    #[test]
    fn two_reports_on_one_version_both_stand_until_an_fp() {
        let mut feed = Feed::default();
        feed.apply(vec![event(1, true, Some("1.0.0"), "MAL-1"), event(2, true, Some("1.0.0"), "MAL-2")]);
        assert_eq!(reports(&feed, Some("1.0.0")), [Some("MAL-1".into()), Some("MAL-2".into())]);
        assert_eq!(reports(&feed, None).len(), 2);
        assert_eq!(feed.malicious().next().unwrap().versions.len(), 2);
        assert!(reports(&feed, Some("1.0.1")).is_empty());
        // An FP on the version takes back both reports' word on it.
        feed.apply(vec![event(3, false, Some("1.0.0"), "MAL-2")]);
        assert!(reports(&feed, Some("1.0.0")).is_empty());
        let mut retracted: Vec<(&str, i64)> = feed.retracted_all().collect();
        retracted.sort();
        assert_eq!(retracted, [("MAL-1", 3), ("MAL-2", 3)]);
        // Announcing again restores the report.
        feed.apply(vec![event(4, true, Some("1.0.0"), "MAL-1")]);
        assert_eq!(feed.retracted_all().collect::<Vec<_>>(), [("MAL-2", 3)]);
        assert_eq!(reports(&feed, Some("1.0.0")), [Some("MAL-1".into())]);
    }
}
