//! The in-memory index a scan matches against, built once from the store (or ToolTrust files).
//!
//! Known-malicious packages are kept by `(ecosystem, normalized name)`, archive hashes by hex;
//! a later `FP` for the same package (or hash) removes it, so a reclassification suppresses
//! what it covers. Indicators are compiled into lookups that stay fast with millions of them:
//! hash maps for exact values and domains (looked up suffix by suffix, so a domain matches only
//! itself and its subdomains), one Aho-Corasick automaton per kind for `contains`, and one
//! `RegexSet` per kind for `regex`.

use crate::{Finding, Package, Severity, names::normalize, versions};
use aho_corasick::AhoCorasick;
use regex::{Regex, RegexSet};
use scioc_store::{Indicator, PackageEvent};
use std::sync::LazyLock;

/// Hash maps keyed by short strings, with a fast non-cryptographic hasher: the keys are
/// package names and hashes from the feed, not attacker-chosen input to a long-lived process.
type Map<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;

/// Per version of one package (`None`: all of them), whether its latest event says malicious,
/// and that event.
type VersionStates<'a> = Map<Option<&'a str>, (bool, i64)>;

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

/// One indicator as the index keeps it.
#[derive(Debug, Clone)]
struct Ioc {
    kind: String,
    ecosystem: String,
    value: String,
    match_kind: String,
    severity: Severity,
    reference: String,
}

/// Exact, contains and regex lookups for one indicator kind.
#[derive(Debug, Default)]
struct Matcher {
    exact: Map<String, Vec<usize>>,
    contains: Vec<(String, usize)>,
    regex: Vec<(String, usize)>,
    contains_ac: Option<AhoCorasick>,
    regex_set: Option<RegexSet>,
}

impl Matcher {
    fn add(&mut self, value: &str, match_kind: &str, id: usize) {
        match match_kind {
            "contains" => self.contains.push((value.to_lowercase(), id)),
            "regex" => self.regex.push((value.to_owned(), id)),
            _ => self.exact.entry(value.to_lowercase()).or_default().push(id),
        }
    }

    fn compile(&mut self) {
        if !self.contains.is_empty() {
            let patterns = self.contains.iter().map(|(p, _)| p.as_str());
            self.contains_ac = AhoCorasick::builder().ascii_case_insensitive(true).build(patterns).ok();
        }
        if !self.regex.is_empty() {
            // Indicators were validated at promotion; one that still fails to compile is left out
            // rather than failing every scan.
            self.regex.retain(|(r, _)| Regex::new(r).is_ok());
            self.regex_set = RegexSet::new(self.regex.iter().map(|(r, _)| r)).ok();
        }
    }

    /// Ids of the indicators matching `text` (exact compares the whole text).
    fn hits(&self, text: &str, out: &mut Vec<usize>) {
        if let Some(ids) = self.exact.get(&text.trim().to_lowercase()) {
            out.extend(ids);
        }
        if let Some(ac) = &self.contains_ac {
            for m in ac.find_overlapping_iter(text) {
                out.push(self.contains[m.pattern().as_usize()].1);
            }
        }
        if let Some(set) = &self.regex_set {
            out.extend(set.matches(text).iter().map(|i| self.regex[i].1));
        }
    }
}

/// Everything a scan matches against.
#[derive(Debug, Default)]
pub struct Index {
    known: Map<(String, String), Vec<Known>>,
    hashes: Map<String, i64>,
    blacklist: Map<(String, String), Vec<BlacklistRule>>,
    iocs: Vec<Ioc>,
    names: Matcher,
    scripts: Matcher,
    urls: Matcher,
    domains: Map<String, Vec<usize>>,
}

static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+").expect("a regex")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\b[a-z][a-z0-9+.-]*://[^\s'"<>`|;]+"#).expect("a regex"));

impl Index {
    /// Builds the index from the feed's events (in feed order), curated blacklist rules and
    /// indicators.
    pub fn build(events: &[PackageEvent], blacklist: Vec<BlacklistRule>, indicators: &[Indicator]) -> Index {
        let mut idx = Index::default();
        // The latest event of each package version decides; an FP for a whole package clears
        // every version of it announced before.
        let mut latest: Map<(&'static str, String), VersionStates<'_>> = Map::default();
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
            let versions = latest.entry((ecosystem, normalize(ecosystem, package))).or_default();
            if !malicious && e.version.is_none() {
                versions.clear();
            }
            versions.insert(e.version.as_deref(), (malicious, e.seq));
        }
        for ((eco, name), versions) in latest {
            let mut known: Vec<Known> = versions
                .into_iter()
                .filter(|(_, (malicious, _))| *malicious)
                .map(|(version, (_, seq))| Known { version: version.map(str::to_owned), seq })
                .collect();
            if !known.is_empty() {
                known.sort_by_key(|k| k.seq); // a deterministic first match
                idx.known.insert((eco.to_owned(), name), known);
            }
        }
        for rule in blacklist {
            idx.blacklist
                .entry((rule.ecosystem.clone(), normalize(&rule.ecosystem, &rule.component)))
                .or_default()
                .push(rule);
        }
        for i in indicators {
            let id = idx.iocs.len();
            match i.kind.as_str() {
                "package_name" | "dependency_name" => idx.names.add(&i.value, &i.match_kind, id),
                "script_pattern" => idx.scripts.add(&i.value, &i.match_kind, id),
                "url" => idx.urls.add(&i.value, &i.match_kind, id),
                "domain" => {
                    let d = i.value.trim().trim_start_matches("*.").trim_matches('.').to_lowercase();
                    idx.domains.entry(d).or_default().push(id);
                }
                _ => continue,
            }
            idx.iocs.push(Ioc {
                kind: i.kind.clone(),
                ecosystem: i.ecosystem.clone(),
                value: i.value.clone(),
                match_kind: i.match_kind.clone(),
                severity: Severity::of_indicator(&i.confidence, &i.action),
                reference: if i.source_id.is_empty() { i.source.clone() } else { i.source_id.clone() },
            });
        }
        idx.names.compile();
        idx.scripts.compile();
        idx.urls.compile();
        idx
    }

    /// Number of malicious packages, hashes and indicators held.
    pub fn sizes(&self) -> (usize, usize, usize) {
        (self.known.values().map(Vec::len).sum::<usize>() + self.blacklist.len(), self.hashes.len(), self.iocs.len())
    }

    /// Every finding for one package, in rule order.
    pub fn check(&self, p: &Package) -> Vec<Finding> {
        let mut out = Vec::new();
        let finding = |rule, severity, evidence: String, event, reference| Finding {
            rule,
            severity,
            ecosystem: p.ecosystem,
            package: p.name.clone(),
            version: p.version.clone(),
            purl: p.purl(),
            file: p.file.clone(),
            line: p.line,
            path: p.path.clone(),
            evidence,
            event,
            reference,
        };
        if !p.name.is_empty() {
            let key = (p.ecosystem.to_owned(), normalize(p.ecosystem, &p.name));
            // AS-008: a curated rule (with its severity) first, else the feed.
            let rule = self.blacklist.get(&key).and_then(|rules| {
                rules.iter().find_map(|r| {
                    let v = p.version.as_deref();
                    r.specs
                        .iter()
                        .find(|s| s.trim() == "*" || v.is_some_and(|v| versions::matches(p.ecosystem, s, v)))
                        .map(|s| (r, s))
                })
            });
            if let Some((r, spec)) = rule {
                let sev = Severity::parse(&r.severity).unwrap_or(Severity::Critical);
                out.push(finding(
                    "AS-008",
                    sev,
                    format!("{} is blacklisted ({spec}) by {}", p.display(), r.id),
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
                        "every version of this package is malicious"
                    } else {
                        "this version is known malicious"
                    };
                    out.push(finding(
                        "AS-008",
                        Severity::Critical,
                        format!("{}: {what}", p.display()),
                        Some(k.seq),
                        None,
                    ));
                }
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
        // AS-016: indicators, each reported once per package, in indicator order.
        let mut hits: Vec<(usize, String)> = Vec::new();
        if !p.name.is_empty() {
            let mut ids = Vec::new();
            self.names.hits(&p.name, &mut ids);
            hits.extend(ids.into_iter().map(|id| (id, format!("the name {:?}", p.name))));
        }
        for (hook, command) in &p.scripts {
            let mut ids = Vec::new();
            self.scripts.hits(command, &mut ids);
            self.text_hits(command, &mut ids);
            hits.extend(ids.into_iter().map(|id| (id, format!("its {hook} script {:?}", clip(command)))));
        }
        if let Some(resolved) = &p.resolved {
            let mut ids = Vec::new();
            self.address_hits(resolved, &mut ids);
            hits.extend(ids.into_iter().map(|id| (id, format!("its download address {resolved:?}"))));
        }
        hits.sort_by_key(|(id, _)| *id);
        hits.dedup_by_key(|(id, _)| *id);
        for (id, where_) in hits {
            let ioc = &self.iocs[id];
            if !ioc.ecosystem.is_empty() && !ioc.ecosystem.eq_ignore_ascii_case(p.ecosystem) {
                continue;
            }
            out.push(finding(
                "AS-016",
                ioc.severity,
                format!("{where_} matches the {} indicator {:?} ({})", ioc.kind, ioc.value, ioc.match_kind),
                None,
                Some(ioc.reference.clone()),
            ));
        }
        out
    }

    /// Domain and URL indicators of one download address: its host (and parent domains), the
    /// whole address, and URL patterns. Cheaper than [`Index::text_hits`], which has to find
    /// hosts and URLs in free text; lockfiles hold one address per package.
    fn address_hits(&self, address: &str, ids: &mut Vec<usize>) {
        let lower = address.to_ascii_lowercase();
        if !self.domains.is_empty()
            && let Some((_, rest)) = lower.split_once("://")
        {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let host = host_port.split(':').next().unwrap_or_default().trim_end_matches('.');
            self.domain_hits(host, ids);
        }
        if let Some(found) = self.urls.exact.get(&lower) {
            ids.extend(found);
        }
        if let Some(ac) = &self.urls.contains_ac {
            ids.extend(ac.find_overlapping_iter(address).map(|m| self.urls.contains[m.pattern().as_usize()].1));
        }
        if let Some(set) = &self.urls.regex_set {
            ids.extend(set.matches(address).iter().map(|i| self.urls.regex[i].1));
        }
    }

    /// Domain indicators naming `host` or one of its parent domains: a match is always on a
    /// label boundary.
    fn domain_hits(&self, host: &str, ids: &mut Vec<usize>) {
        let mut rest = host;
        loop {
            if let Some(found) = self.domains.get(rest) {
                ids.extend(found);
            }
            match rest.split_once('.') {
                Some((_, parent)) => rest = parent,
                None => break,
            }
        }
    }

    /// Domain and URL indicators found in free text (a script).
    fn text_hits(&self, text: &str, ids: &mut Vec<usize>) {
        if !self.domains.is_empty() {
            for host in HOST.find_iter(text) {
                self.domain_hits(&host.as_str().to_lowercase(), ids);
            }
        }
        if !self.urls.exact.is_empty() {
            for url in URL.find_iter(text) {
                if let Some(found) = self.urls.exact.get(&url.as_str().trim_end_matches(['.', ',', ')']).to_lowercase())
                {
                    ids.extend(found);
                }
            }
        }
        if let Some(ac) = &self.urls.contains_ac {
            ids.extend(ac.find_overlapping_iter(text).map(|m| self.urls.contains[m.pattern().as_usize()].1));
        }
        if let Some(set) = &self.urls.regex_set {
            ids.extend(set.matches(text).iter().map(|i| self.urls.regex[i].1));
        }
    }
}

/// A script shortened for a one-line finding.
fn clip(s: &str) -> String {
    if s.chars().count() <= 120 { s.to_owned() } else { format!("{}…", s.chars().take(119).collect::<String>()) }
}
