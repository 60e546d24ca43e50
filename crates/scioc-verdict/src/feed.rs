//! What the feed says of each package, event by event, so the state can be advanced by
//! sequence number without being rebuilt.
//!
//! Per package (ecosystem and normalized name):
//! - each announced version is marked by its latest `NEW_MALICIOUS` or `FP`;
//! - each report's versionless announcement is a *claim*: the ranges it covers
//!   (`scioc.affected`), or every version when it carries none. A later versionless event of
//!   the same report replaces its claim; a versionless `FP` of an OSV report withdraws that
//!   report's claim only, and any other versionless `FP` (a whole-package reclassification)
//!   clears the package.
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
}

/// One report's versionless announcement.
#[derive(Debug, Clone)]
struct Claim {
    record: Option<String>,
    affected: Option<Affected>,
    seq: i64,
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
    hashes: Map<String, i64>,
    seq: i64,
}

/// Whether a versionless `FP` withdraws one report's claim rather than the whole package.
fn scoped_to_record(e: &PackageEvent) -> bool {
    e.source.as_deref() == Some("osv") && e.source_id.is_some()
}

impl Feed {
    /// Applies events in feed order; events at or below the last applied sequence number are
    /// ignored, so applying overlapping batches is safe. The events are taken, not copied.
    pub(crate) fn apply(&mut self, events: Vec<PackageEvent>) {
        self.packages.reserve(events.len().saturating_sub(self.packages.len()) / 2);
        let after = self.seq;
        for mut e in events.into_iter().filter(|e| e.seq > after) {
            self.seq = e.seq;
            let malicious = match e.event_type {
                EventType::NewMalicious => true,
                EventType::FalsePositive => false,
                EventType::NewThreatName => continue,
            };
            for h in [e.md5.take(), e.sha1.take(), e.sha256.take(), e.sha512.take()].into_iter().flatten() {
                if malicious {
                    self.hashes.insert(h, e.seq);
                } else {
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
            match (version, malicious) {
                (Some(v), _) => {
                    let mark = Mark { malicious, seq: e.seq, record };
                    match state.versions.iter_mut().find(|(t, _)| *t == v) {
                        Some((_, m)) => *m = mark,
                        None => state.versions.push((v, mark)),
                    }
                }
                (None, true) => {
                    state.claims.retain(|c| c.record != record);
                    state.claims.push(Claim { record, affected: e.affected.take(), seq: e.seq });
                }
                (None, false) if scoped => state.claims.retain(|c| c.record != record),
                (None, false) => {
                    state.versions.clear();
                    state.claims.clear();
                }
            }
        }
    }

    /// The last sequence number applied.
    pub(crate) fn seq(&self) -> i64 {
        self.seq
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
        let state = self.packages.get(&(ecosystem_key(q.ecosystem)?, name))?;
        let mut best: Option<(i64, String, Option<String>)> = None;
        let mut offer = |seq: i64, why: String, record: &Option<String>| {
            if best.as_ref().is_none_or(|(s, _, _)| seq < *s) {
                best = Some((seq, why, record.clone()));
            }
        };
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
                    offer(m.seq, format!("{}: this version is known malicious", q.display()), &m.record);
                }
            }
        }
        for c in &state.claims {
            match (&c.affected, q.version) {
                (None, _) => {
                    offer(c.seq, format!("{}: every version of this package is malicious", q.display()), &c.record)
                }
                (Some(a), Some(v)) => {
                    if let Coverage::Yes { range, every_version } = affects(Scheme::of(q.ecosystem), &a.ranges, v) {
                        let why = if every_version {
                            format!("{}: every version of this package is malicious", q.display())
                        } else {
                            format!("{}: in the malicious range {}", q.display(), describe(&a.ranges[range].events))
                        };
                        offer(c.seq, why, &c.record);
                    }
                }
                (Some(a), None) if a.all_versions => {
                    offer(c.seq, format!("{}: every version of this package is malicious", q.display()), &c.record)
                }
                (Some(_), None) => {}
            }
        }
        best.map(|(seq, evidence, record)| Verdict {
            rule: Rule::KnownMalicious,
            severity: Severity::Critical,
            evidence,
            event: Some(seq),
            reference: record,
        })
    }

    /// The `HASH` verdict for the first of `hashes` that is a malicious archive.
    pub(crate) fn hash(&self, hashes: &[(&'static str, String)]) -> Option<Verdict> {
        let (algo, hex, seq) = hashes.iter().find_map(|(a, h)| self.hashes.get(h).map(|s| (*a, h, *s)))?;
        Some(Verdict {
            rule: Rule::ArchiveHash,
            severity: Severity::Critical,
            evidence: format!("{algo} {hex} is the archive of a known-malicious package"),
            event: Some(seq),
            reference: None,
        })
    }
}

/// The ecosystem name as the feed's packages are keyed (a `&'static str` from the model).
fn ecosystem_key(ecosystem: &str) -> Option<&'static str> {
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
