//! The engine: feed state, curated rules and indicators, asked one package at a time.

use crate::curated::Curated;
use crate::feed::Feed;
use crate::indicators::Indicators;
use crate::{Knowledge, Query, Verdict};
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
///     seq: 1, event_type: "NEW_MALICIOUS".into(), purl: Some("pkg:npm/evil@1.0.0".into()),
///     community: Some("npm".into()), package: Some("evil".into()), version: Some("1.0.0".into()),
///     md5: None, sha1: None, sha256: None, sha512: None,
///     source: Some("osv".into()), source_id: Some("MAL-2025-1".into()), affected: None,
/// };
/// let engine = Engine::build(&[event], Knowledge::default());
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
    knowledge: Knowledge,
    warnings: Vec<String>,
    pub(crate) marks: Vec<(String, i64)>,
    pub(crate) files: Knowledge,
}

impl Engine {
    /// An engine of the feed's `events` (in feed order) and `knowledge`.
    pub fn build(events: &[PackageEvent], knowledge: Knowledge) -> Engine {
        let mut engine = Engine::default();
        engine.apply_events(events);
        engine.set_knowledge(knowledge);
        engine
    }

    /// Every verdict for one package, in rule order: `AS-008` (a curated rule first, else the
    /// feed), `HASH`, then `AS-016` per indicator.
    pub fn check(&self, q: &Query<'_>) -> Vec<Verdict> {
        let mut out = Vec::new();
        if !q.name.is_empty() {
            out.extend(self.curated.check(q).or_else(|| self.feed.known(q)));
        }
        out.extend(self.feed.hash(q.hashes));
        self.indicators.check(q, &mut out);
        out
    }

    /// Advances the feed state by events after [`Engine::seq`]; earlier ones are ignored.
    pub fn apply_events(&mut self, events: &[PackageEvent]) {
        self.feed.apply(events);
    }

    /// Replaces curated rules and indicators (ToolTrust files given at load are kept).
    pub fn set_knowledge(&mut self, mut knowledge: Knowledge) {
        knowledge.merge(self.files.clone());
        let mut warnings = Vec::new();
        self.curated = Curated::build(&knowledge.rules, &mut warnings);
        self.indicators = Indicators::build(&knowledge.indicators, &mut warnings);
        self.warnings = warnings;
        self.knowledge = knowledge;
    }

    /// The last feed event applied.
    pub fn seq(&self) -> i64 {
        self.feed.seq()
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

    /// The curated rules and indicators in force (ToolTrust files included).
    pub fn knowledge(&self) -> &Knowledge {
        &self.knowledge
    }
}
