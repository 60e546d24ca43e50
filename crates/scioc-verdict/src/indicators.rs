//! Indicators compiled into lookups that stay fast with millions of them: hash maps for exact
//! values, domains (looked up suffix by suffix, so a domain matches only itself and its
//! subdomains), IPs and archive hashes; one Aho-Corasick automaton per kind for `contains`;
//! one `RegexSet` per kind for `regex`, each pattern compiled on its own first so that one bad
//! pattern is reported by name and drops nothing else.

use crate::feed::Map;
use crate::{Origin, Query, Rule, Severity, Verdict};
use aho_corasick::AhoCorasick;
use regex::{Regex, RegexBuilder, RegexSet, RegexSetBuilder};
use scioc_model::{IndicatorKind, MatchKind};
use scioc_store::Indicator;
use std::sync::LazyLock;

/// The most memory one compiled indicator regex (and the set of them) may take: a hostile or
/// careless pattern cannot exhaust memory.
const REGEX_SIZE_LIMIT: usize = 1 << 20;

/// One indicator as the engine keeps it.
#[derive(Debug, Clone)]
struct Ioc {
    indicator: Indicator,
    severity: Severity,
}

/// Exact, contains and regex lookups for one kind.
#[derive(Debug, Clone, Default)]
struct Matcher {
    exact: Map<String, Vec<usize>>,
    contains: Vec<(String, usize)>,
    regex: Vec<(String, usize)>,
    contains_ac: Option<AhoCorasick>,
    regex_set: Option<RegexSet>,
}

impl Matcher {
    fn add(&mut self, value: &str, match_kind: MatchKind, id: usize) {
        match match_kind {
            MatchKind::Contains => self.contains.push((value.to_lowercase(), id)),
            MatchKind::Regex => self.regex.push((value.to_owned(), id)),
            MatchKind::Exact => self.exact.entry(value.trim().to_lowercase()).or_default().push(id),
        }
    }

    fn compile(&mut self, iocs: &[Ioc], warnings: &mut Vec<String>) {
        if !self.contains.is_empty() {
            let patterns = self.contains.iter().map(|(p, _)| p.as_str());
            self.contains_ac = AhoCorasick::builder().ascii_case_insensitive(true).build(patterns).ok();
        }
        self.regex.retain(|(pattern, id)| match RegexBuilder::new(pattern).size_limit(REGEX_SIZE_LIMIT).build() {
            Ok(_) => true,
            Err(e) => {
                let i = &iocs[*id].indicator;
                warnings.push(format!(
                    "indicator {} {:?} ({} {}): not a valid regex, ignored: {}",
                    i.kind,
                    i.value,
                    i.source,
                    i.source_id,
                    e.to_string().lines().last().unwrap_or_default().trim()
                ));
                false
            }
        });
        if !self.regex.is_empty() {
            match RegexSetBuilder::new(self.regex.iter().map(|(r, _)| r)).size_limit(REGEX_SIZE_LIMIT * 16).build() {
                Ok(set) => self.regex_set = Some(set),
                Err(e) => {
                    warnings.push(format!("the {} regex indicators together are too large: {e}", self.regex.len()))
                }
            }
        }
    }

    /// Ids of the indicators matching `text` (exact compares the whole text).
    fn hits(&self, text: &str, out: &mut Vec<usize>) {
        if let Some(ids) = self.exact.get(&text.trim().to_lowercase()) {
            out.extend(ids);
        }
        if let Some(ac) = &self.contains_ac {
            out.extend(ac.find_overlapping_iter(text).map(|m| self.contains[m.pattern().as_usize()].1));
        }
        if let Some(set) = &self.regex_set {
            out.extend(set.matches(text).iter().map(|i| self.regex[i].1));
        }
    }
}

static HOST: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?i)[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+").expect("a regex")
});
static URL: LazyLock<Regex> =
    LazyLock::new(|| Regex::new(r#"(?i)\b[a-z][a-z0-9+.-]*://[^\s'"<>`|;]+"#).expect("a regex"));

/// Every indicator, compiled.
#[derive(Debug, Clone, Default)]
pub(crate) struct Indicators {
    iocs: Vec<Ioc>,
    names: Matcher,
    scripts: Matcher,
    urls: Matcher,
    domains: Map<String, Vec<usize>>,
    ips: Map<String, Vec<usize>>,
    sha256: Map<String, Vec<usize>>,
}

impl Indicators {
    /// Compiles `indicators`; kinds that name nothing a package carries (`file_path`, `other`)
    /// are kept for people and not matched.
    pub(crate) fn build(indicators: Vec<Indicator>, warnings: &mut Vec<String>) -> Indicators {
        let mut idx = Indicators::default();
        for i in indicators.into_iter().filter(|i| i.kind.is_enforced()) {
            let id = idx.iocs.len();
            let value = i.value.trim();
            match i.kind {
                IndicatorKind::PackageName | IndicatorKind::DependencyName => idx.names.add(value, i.match_kind, id),
                IndicatorKind::ScriptPattern => idx.scripts.add(value, i.match_kind, id),
                IndicatorKind::Url => idx.urls.add(value, i.match_kind, id),
                IndicatorKind::Domain => {
                    let d = value.trim_start_matches("*.").trim_matches('.').to_lowercase();
                    idx.domains.entry(d).or_default().push(id);
                }
                IndicatorKind::Ip => idx.ips.entry(value.to_lowercase()).or_default().push(id),
                IndicatorKind::Sha256 => idx.sha256.entry(value.to_lowercase()).or_default().push(id),
                IndicatorKind::FilePath | IndicatorKind::Other => continue,
            }
            let severity = Severity::of_indicator(&i.confidence, &i.action);
            idx.iocs.push(Ioc { indicator: i, severity });
        }
        let iocs = std::mem::take(&mut idx.iocs);
        idx.names.compile(&iocs, warnings);
        idx.scripts.compile(&iocs, warnings);
        idx.urls.compile(&iocs, warnings);
        idx.iocs = iocs;
        idx
    }

    /// The indicators matched, as stored.
    pub(crate) fn all(&self) -> impl Iterator<Item = &Indicator> {
        self.iocs.iter().map(|i| &i.indicator)
    }

    /// Number of indicators matched.
    pub(crate) fn len(&self) -> usize {
        self.iocs.len()
    }

    /// `AS-016` verdicts, one per indicator, in indicator order.
    pub(crate) fn check(&self, q: &Query<'_>, out: &mut Vec<Verdict>) {
        let mut hits: Vec<(usize, String)> = Vec::new();
        let mut ids = Vec::new();
        if !q.name.is_empty() {
            self.names.hits(q.name, &mut ids);
            hits.extend(ids.drain(..).map(|id| (id, format!("the name {:?}", q.name))));
        }
        for (_, hex) in q.hashes.iter().filter(|(algo, _)| *algo == "sha256") {
            ids.extend(self.sha256.get(hex).into_iter().flatten());
            hits.extend(ids.drain(..).map(|id| (id, format!("its archive's sha256 {hex}"))));
        }
        for (hook, command) in q.scripts {
            self.scripts.hits(command, &mut ids);
            self.text_hits(command, &mut ids);
            hits.extend(ids.drain(..).map(|id| (id, format!("its {hook} script {:?}", clip(command)))));
        }
        if let Some(resolved) = q.resolved {
            self.address_hits(resolved, &mut ids);
            hits.extend(ids.drain(..).map(|id| (id, format!("its download address {resolved:?}"))));
        }
        hits.sort_by_key(|(id, _)| *id);
        hits.dedup_by_key(|(id, _)| *id);
        // Many reports name one value (a campaign's domain): one verdict per value, from the
        // first indicator naming it, counting the others.
        let mut shown: Vec<(IndicatorKind, String, MatchKind, usize)> = Vec::new();
        for (id, where_) in hits {
            let ioc = &self.iocs[id];
            let i = &ioc.indicator;
            if !i.ecosystem.is_empty() && !i.ecosystem.eq_ignore_ascii_case(q.ecosystem) {
                continue;
            }
            let key = (i.kind, i.value.to_lowercase(), i.match_kind);
            if let Some(seen) =
                shown.iter_mut().find(|(k, v, m, _)| (*k, v.as_str(), *m) == (key.0, key.1.as_str(), key.2))
            {
                seen.3 += 1;
                continue;
            }
            shown.push((key.0, key.1, key.2, 0));
            out.push(Verdict {
                rule: Rule::Indicator,
                severity: ioc.severity,
                evidence: format!("{where_} matches the {} indicator {:?} ({})", i.kind, i.value, i.match_kind),
                event: None,
                reference: Some(if i.source_id.is_empty() { i.source.clone() } else { i.source_id.clone() }),
                origin: Origin::Indicator(Box::new(i.clone())),
            });
        }
        let first = out.len() - shown.len();
        for (verdict, (_, _, _, others)) in out[first..].iter_mut().zip(&shown) {
            if *others > 0 {
                verdict.evidence.push_str(&format!("; {others} other report(s) name it too"));
            }
        }
    }

    /// Domain, IP and URL indicators of one download address.
    fn address_hits(&self, address: &str, ids: &mut Vec<usize>) {
        let lower = address.to_ascii_lowercase();
        if let Some((_, rest)) = lower.split_once("://") {
            let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
            let host_port = authority.rsplit('@').next().unwrap_or_default();
            let host = match host_port.strip_prefix('[') {
                Some(v6) => v6.split(']').next().unwrap_or_default(),
                None => host_port.split(':').next().unwrap_or_default(),
            };
            let host = host.trim_end_matches('.');
            self.domain_hits(host, ids);
            ids.extend(self.ips.get(host).into_iter().flatten());
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
        if self.domains.is_empty() {
            return;
        }
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

    /// Domain, IP and URL indicators found in free text (a script).
    fn text_hits(&self, text: &str, ids: &mut Vec<usize>) {
        if !self.domains.is_empty() || !self.ips.is_empty() {
            for host in HOST.find_iter(text) {
                let host = host.as_str().to_lowercase();
                self.domain_hits(&host, ids);
                ids.extend(self.ips.get(&host).into_iter().flatten());
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

/// A script shortened for a one-line verdict.
fn clip(s: &str) -> String {
    if s.chars().count() <= 120 { s.to_owned() } else { format!("{}…", s.chars().take(119).collect::<String>()) }
}
