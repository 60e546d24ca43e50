//! The in-memory index a scan matches against, built once from the store.
//!
//! Known-malicious packages are kept by `(ecosystem, normalized name)`, archive hashes by hex,
//! and name indicators in a list; a later `FP` for the same package (or hash) removes it, so a
//! reclassification suppresses what it covers.

use crate::{Finding, Package, Severity, names::normalize, versions};
use scioc_store::{Indicator, PackageEvent};
use std::collections::HashMap;

/// A package the feed announces as malicious: every version, or one.
#[derive(Debug, Clone)]
struct Known {
    version: Option<String>,
    seq: i64,
}

/// A curated blacklist rule (which may use ranges).
#[derive(Debug, Clone)]
pub struct BlacklistRule {
    /// Ecosystem.
    pub ecosystem: String,
    /// Package name.
    pub component: String,
    /// Versions or ranges.
    pub specs: Vec<String>,
    /// Identifier.
    pub id: String,
    /// `CRITICAL` … `LOW`.
    pub severity: String,
    /// A public reference.
    pub link: String,
}

#[derive(Debug, Clone)]
struct NameIoc {
    kind: String,
    value: String,
    match_kind: String,
    regex: Option<regex::Regex>,
    severity: Severity,
    reference: String,
}

/// Everything a scan matches against.
#[derive(Debug, Default)]
pub struct Index {
    known: HashMap<(String, String), Vec<Known>>,
    hashes: HashMap<String, i64>,
    blacklist: HashMap<(String, String), Vec<BlacklistRule>>,
    names: Vec<NameIoc>,
}

impl Index {
    /// Builds the index from the feed's events (in feed order), curated blacklist rules and
    /// indicators.
    pub fn build(events: &[PackageEvent], blacklist: Vec<BlacklistRule>, indicators: &[Indicator]) -> Index {
        let mut idx = Index::default();
        // The latest event of each package version decides.
        let mut latest: HashMap<(String, String, Option<String>), (bool, i64)> = HashMap::new();
        for e in events {
            let malicious = e.event_type != "FP";
            for h in [&e.md5, &e.sha1, &e.sha256, &e.sha512].into_iter().flatten() {
                if malicious {
                    idx.hashes.insert(h.clone(), e.seq);
                } else {
                    idx.hashes.remove(h);
                }
            }
            let (Some(community), Some(package)) = (&e.community, &e.package) else { continue };
            let Some(ecosystem) = scioc_model::ecosystem_of(community) else { continue };
            let key = (ecosystem.to_owned(), normalize(ecosystem, package), e.version.clone());
            if !malicious && e.version.is_none() {
                // An FP for a whole package clears every version of it.
                latest.retain(|k, _| !(k.0 == key.0 && k.1 == key.1));
            }
            latest.insert(key, (malicious, e.seq));
        }
        for ((eco, name, version), (malicious, seq)) in latest {
            if malicious {
                idx.known.entry((eco, name)).or_default().push(Known { version, seq });
            }
        }
        for rule in blacklist {
            idx.blacklist
                .entry((rule.ecosystem.clone(), normalize(&rule.ecosystem, &rule.component)))
                .or_default()
                .push(rule);
        }
        for i in indicators.iter().filter(|i| matches!(i.kind.as_str(), "package_name" | "dependency_name")) {
            idx.names.push(NameIoc {
                kind: i.kind.clone(),
                value: i.value.to_lowercase(),
                match_kind: i.match_kind.clone(),
                regex: (i.match_kind == "regex").then(|| regex::Regex::new(&i.value).ok()).flatten(),
                severity: Severity::of_indicator(&i.confidence, &i.action),
                reference: if i.source_id.is_empty() { i.source.clone() } else { i.source_id.clone() },
            });
        }
        idx
    }

    /// Number of malicious packages, hashes and indicators held.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.known.values().map(Vec::len).sum::<usize>() + self.blacklist.len(), self.hashes.len(), self.names.len())
    }

    /// Every finding for one package, in rule order.
    pub fn check(&self, p: &Package) -> Vec<Finding> {
        let mut out = Vec::new();
        let key = (p.ecosystem.to_owned(), normalize(p.ecosystem, &p.name));
        let finding = |rule, severity, evidence: String, event, reference| Finding {
            rule,
            severity,
            ecosystem: p.ecosystem,
            package: p.name.clone(),
            version: p.version.clone(),
            file: p.file.clone(),
            line: p.line,
            path: p.path.clone(),
            evidence,
            event,
            reference,
        };
        // AS-008: a curated rule (with its severity) first, else the feed.
        let rule = self.blacklist.get(&key).and_then(|rules| {
            rules.iter().find_map(|r| {
                let v = p.version.as_deref();
                r.specs
                    .iter()
                    .find(|s| *s == "*" || v.is_some_and(|v| versions::matches(p.ecosystem, s, v)))
                    .map(|s| (r, s))
            })
        });
        if let Some((r, spec)) = rule {
            let sev = Severity::parse(&r.severity).unwrap_or(Severity::Critical);
            out.push(finding(
                "AS-008",
                sev,
                format!("{} is blacklisted ({spec}) by {}", display(p), r.id),
                None,
                Some(r.link.clone()).filter(|l| !l.is_empty()).or(Some(r.id.clone())),
            ));
        } else if let Some(known) = self.known.get(&key) {
            let hit = known.iter().find(|k| match (&k.version, &p.version) {
                (None, _) => true,
                (Some(kv), Some(pv)) => kv == pv || versions::matches(p.ecosystem, kv, pv),
                (Some(_), None) => false,
            });
            if let Some(k) = hit {
                let what = if k.version.is_none() {
                    "every version of this package is malicious".to_owned()
                } else {
                    "this version is known malicious".to_owned()
                };
                out.push(finding("AS-008", Severity::Critical, format!("{}: {what}", display(p)), Some(k.seq), None));
            }
        }
        // Archive hash, whatever the name says.
        if let Some((algo, hex, seq)) = p.hashes.iter().find_map(|(a, h)| self.hashes.get(h).map(|s| (*a, h, *s))) {
            out.push(finding(
                "HASH",
                Severity::Critical,
                format!("{algo} {hex} is the archive of a known-malicious package"),
                Some(seq),
                None,
            ));
        }
        // AS-016: names.
        let lname = p.name.to_lowercase();
        for n in &self.names {
            let hit = match n.match_kind.as_str() {
                "regex" => n.regex.as_ref().is_some_and(|r| r.is_match(&p.name)),
                "contains" => lname.contains(&n.value),
                _ => lname == n.value,
            };
            if hit {
                out.push(finding(
                    "AS-016",
                    n.severity,
                    format!("{} matches the {} indicator {:?} ({})", p.name, n.kind, n.value, n.match_kind),
                    None,
                    Some(n.reference.clone()),
                ));
            }
        }
        out
    }
}

fn display(p: &Package) -> String {
    match &p.version {
        Some(v) => format!("{}@{v}", p.name),
        None => p.name.clone(),
    }
}
