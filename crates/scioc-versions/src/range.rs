//! Whether a version falls in OSV ranges, by the algorithm of the OSV schema: sort a range's
//! events by version (`introduced: "0"` first), walk them, and let `introduced` switch
//! "affected" on, `fixed` (at or below the version) and `last_affected` (below it) switch it
//! off; a `limit` at or below the version ends the range.

use crate::{Scheme, Version, VersionError};
use scioc_model::{Range, RangeEvent, RangeKind};

/// Whether a version is covered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Coverage {
    /// Range `range` (an index into the ranges given) covers it; `every_version` when that
    /// range is `introduced: "0"` with no upper bound.
    Yes {
        /// Which range.
        range: usize,
        /// Whether the range covers every version.
        every_version: bool,
    },
    /// No range covers it.
    No,
    /// The version cannot be placed in the ranges (it does not parse in their scheme), and no
    /// range covers every version.
    Unplaceable(VersionError),
}

impl Coverage {
    /// Whether the version is covered.
    pub fn is_yes(&self) -> bool {
        matches!(self, Coverage::Yes { .. })
    }
}

/// Why a range cannot be matched to package versions; the importer skips such ranges and
/// counts them by this reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RangeProblem {
    /// A `GIT` range names commits, not package versions.
    #[error("a GIT range names commits, not package versions")]
    Git,
    /// A range with no `introduced` event covers nothing.
    #[error("a range without an introduced event")]
    NoIntroduced,
    /// A range with no events.
    #[error("a range without events")]
    Empty,
    /// One of its versions cannot be ordered.
    #[error("{0}")]
    Version(#[from] VersionError),
}

/// The scheme a range's versions are ordered by.
fn scheme_of(range: &Range, ecosystem: Scheme) -> Scheme {
    match range.kind {
        RangeKind::Semver => Scheme::Semver,
        _ => ecosystem,
    }
}

/// Checks that `range` of a package in an ecosystem of scheme `ecosystem` can be matched.
pub fn check_range(ecosystem: Scheme, range: &Range) -> Result<(), RangeProblem> {
    if range.kind == RangeKind::Git {
        return Err(RangeProblem::Git);
    }
    if range.events.is_empty() {
        return Err(RangeProblem::Empty);
    }
    if !range.events.iter().any(|e| matches!(e, RangeEvent::Introduced(_))) {
        return Err(RangeProblem::NoIntroduced);
    }
    if range.is_every_version() {
        return Ok(());
    }
    let scheme = scheme_of(range, ecosystem);
    for e in &range.events {
        bound(scheme, e)?;
    }
    Ok(())
}

/// An event's version, `None` for `introduced: "0"` and `limit: "*"` (no bound).
fn bound(scheme: Scheme, e: &RangeEvent) -> Result<Option<Version>, VersionError> {
    match e {
        RangeEvent::Introduced(v) if v == "0" => Ok(None),
        RangeEvent::Limit(v) if v == "*" => Ok(None),
        _ => Version::parse(scheme, e.version()).map(Some),
    }
}

/// Whether `version` is in one checked range.
fn in_range(scheme: Scheme, range: &Range, version: &Version) -> Result<bool, VersionError> {
    let mut events = Vec::with_capacity(range.events.len());
    for e in &range.events {
        events.push((bound(scheme, e)?, e));
    }
    // `None` (introduced "0") sorts first; the sort is stable, so equal versions keep the
    // report's order.
    events.sort_by(|(a, _), (b, _)| match (a, b) {
        (None, None) => std::cmp::Ordering::Equal,
        (None, Some(_)) => std::cmp::Ordering::Less,
        (Some(_), None) => std::cmp::Ordering::Greater,
        (Some(a), Some(b)) => a.partial_cmp(b).unwrap_or(std::cmp::Ordering::Equal),
    });
    let mut affected = false;
    for (at, e) in &events {
        match (e, at) {
            (RangeEvent::Introduced(_), None) => affected = true,
            (RangeEvent::Introduced(_), Some(at)) if version >= at => affected = true,
            (RangeEvent::Fixed(_), Some(at)) if version >= at => affected = false,
            (RangeEvent::LastAffected(_), Some(at)) if version > at => affected = false,
            _ => {}
        }
    }
    let limited =
        events.iter().any(|(at, e)| matches!(e, RangeEvent::Limit(_)) && at.as_ref().is_some_and(|at| version >= at));
    Ok(affected && !limited)
}

/// Whether `version` of a package in an ecosystem of scheme `ecosystem` falls in any of
/// `ranges`. `GIT` ranges and ranges that cannot be checked never match.
pub fn affects(ecosystem: Scheme, ranges: &[Range], version: &str) -> Coverage {
    if let Some(i) = ranges.iter().position(Range::is_every_version) {
        return Coverage::Yes { range: i, every_version: true };
    }
    let mut unplaceable = None;
    for (i, range) in ranges.iter().enumerate() {
        if check_range(ecosystem, range).is_err() {
            continue;
        }
        let scheme = scheme_of(range, ecosystem);
        match Version::parse(scheme, version) {
            Ok(v) => {
                if in_range(scheme, range, &v).unwrap_or(false) {
                    return Coverage::Yes { range: i, every_version: false };
                }
            }
            Err(e) => unplaceable = Some(e),
        }
    }
    unplaceable.map_or(Coverage::No, Coverage::Unplaceable)
}

#[cfg(test)]
mod tests {
    use super::*;
    use RangeEvent::{Fixed, Introduced, LastAffected, Limit};

    fn range(kind: RangeKind, events: &[RangeEvent]) -> Range {
        Range { kind, events: events.to_vec() }
    }
    fn i(v: &str) -> RangeEvent {
        Introduced(v.into())
    }
    fn f(v: &str) -> RangeEvent {
        Fixed(v.into())
    }
    fn la(v: &str) -> RangeEvent {
        LastAffected(v.into())
    }
    fn lim(v: &str) -> RangeEvent {
        Limit(v.into())
    }
    fn hit(eco: &str, ranges: &[Range], v: &str) -> bool {
        affects(Scheme::of(eco), ranges, v).is_yes()
    }

    #[test]
    fn fsevents_mal_2023_462_is_exact() {
        // MAL-2023-462: introduced 1.0.0, fixed 1.2.11. chokidar@3 pulls fsevents 2.3.3.
        let r = [range(RangeKind::Semver, &[i("1.0.0"), f("1.2.11")])];
        for (v, want) in [
            ("2.3.3", false),
            ("1.2.11", false),
            ("1.2.10", true),
            ("1.0.0", true),
            ("0.3.8", false),
            ("1.2.11-rc.1", true),
        ] {
            assert_eq!(hit("npm", &r, v), want, "fsevents@{v}");
        }
    }

    #[test]
    fn solana_web3_mal_2024_11183_is_exact() {
        // MAL-2024-11183: @solana/web3.js 1.95.6 and 1.95.7 (introduced 1.95.6, fixed 1.95.8).
        let r = [range(RangeKind::Semver, &[i("1.95.6"), f("1.95.8")])];
        for (v, want) in [("1.95.5", false), ("1.95.6", true), ("1.95.7", true), ("1.95.8", false), ("1.98.0", false)] {
            assert_eq!(hit("npm", &r, v), want, "@solana/web3.js@{v}");
        }
    }

    #[test]
    fn every_event_type() {
        let introduced_only = [range(RangeKind::Semver, &[i("99.9.0")])];
        assert!(hit("npm", &introduced_only, "99.9.0") && hit("npm", &introduced_only, "100.0.0"));
        assert!(!hit("npm", &introduced_only, "1.4.2"), "dependency confusion: the company's own versions are clean");
        let last = [range(RangeKind::Semver, &[i("1.0.0"), la("1.0.4")])];
        assert!(hit("npm", &last, "1.0.4") && !hit("npm", &last, "1.0.5") && !hit("npm", &last, "0.9.0"));
        let limited = [range(RangeKind::Semver, &[i("0"), lim("2.0.0")])];
        assert!(hit("npm", &limited, "1.9.9") && !hit("npm", &limited, "2.0.0") && !hit("npm", &limited, "3.0.0"));
        let star = [range(RangeKind::Semver, &[i("1.0.0"), lim("*")])];
        assert!(hit("npm", &star, "5.0.0"));
        let every = [range(RangeKind::Ecosystem, &[i("0")])];
        assert!(hit("PyPI", &every, "0.0.1") && hit("PyPI", &every, "not-a-version"));
        assert_eq!(affects(Scheme::Pep440, &every, "1.0"), Coverage::Yes { range: 0, every_version: true });
        let bounded_zero = [range(RangeKind::Semver, &[i("0"), f("1.0.0")])];
        assert!(hit("npm", &bounded_zero, "0.5.0") && !hit("npm", &bounded_zero, "1.0.0"));
        assert_eq!(affects(Scheme::Semver, &bounded_zero, "0.5.0"), Coverage::Yes { range: 0, every_version: false });
    }

    #[test]
    fn several_ranges_and_several_intervals() {
        // Two intervals in one range, events out of order, plus a second range.
        let r = [
            range(RangeKind::Semver, &[f("1.5.0"), i("2.0.0"), i("1.0.0"), f("2.5.0")]),
            range(RangeKind::Semver, &[i("9.0.0"), la("9.0.1")]),
        ];
        for (v, want) in [
            ("0.9.0", false),
            ("1.0.0", true),
            ("1.4.9", true),
            ("1.5.0", false),
            ("1.9.9", false),
            ("2.0.0", true),
            ("2.5.0", false),
            ("9.0.1", true),
            ("9.0.2", false),
        ] {
            assert_eq!(hit("npm", &r, v), want, "{v}");
        }
        assert_eq!(affects(Scheme::Semver, &r, "9.0.0"), Coverage::Yes { range: 1, every_version: false });
        // A range introducing 0 beside a dependency-confusion range covers everything.
        let both = [range(RangeKind::Semver, &[i("99.9.0")]), range(RangeKind::Semver, &[i("0")])];
        assert!(hit("npm", &both, "1.0.0"));
    }

    #[test]
    fn prereleases_follow_the_ecosystem() {
        // SemVer: 2.0.0-beta is below 2.0.0, so a range fixed at 2.0.0 covers it.
        let r = [range(RangeKind::Semver, &[i("1.0.0"), f("2.0.0")])];
        assert!(hit("npm", &r, "2.0.0-beta.1") && !hit("npm", &r, "1.0.0-rc.1"));
        // PEP 440: 2.0rc1 < 2.0, and 1.0.post1 > 1.0.
        let py = [range(RangeKind::Ecosystem, &[i("1.0"), f("2.0")])];
        assert!(hit("PyPI", &py, "2.0rc1") && hit("PyPI", &py, "1.0.post1") && !hit("PyPI", &py, "1.0rc1"));
        assert!(hit("PyPI", &py, "1.0.0"), "1.0.0 == 1.0 in PEP 440");
        // RubyGems: 1.0.a < 1.0.
        let gem = [range(RangeKind::Ecosystem, &[i("1.0"), f("1.1")])];
        assert!(hit("RubyGems", &gem, "1.1.pre") && !hit("RubyGems", &gem, "1.0.a"));
        // NuGet and Maven.
        let nuget = [range(RangeKind::Ecosystem, &[i("1.0.0"), f("1.0.1")])];
        assert!(
            hit("NuGet", &nuget, "1.0.0.5") && hit("NuGet", &nuget, "1.0.1-beta") && !hit("NuGet", &nuget, "1.0.1")
        );
        let maven = [range(RangeKind::Ecosystem, &[i("1.0"), f("1.1")])];
        assert!(
            hit("Maven", &maven, "1.1-SNAPSHOT") && hit("Maven", &maven, "1.0.5") && !hit("Maven", &maven, "1.0-rc1")
        );
    }

    #[test]
    fn git_and_unorderable_ranges_never_match() {
        let git = [range(RangeKind::Git, &[i("0")])];
        assert_eq!(check_range(Scheme::Semver, &git[0]), Err(RangeProblem::Git));
        assert!(!hit("npm", &git, "1.0.0"), "a GIT range is never every version");
        let bad = range(RangeKind::Semver, &[i("one")]);
        assert!(matches!(check_range(Scheme::Semver, &bad), Err(RangeProblem::Version(_))));
        assert!(!hit("npm", &[bad], "1.0.0"));
        let unknown = range(RangeKind::Ecosystem, &[i("1.0"), f("2.0")]);
        assert!(check_range(Scheme::of("Hackage"), &unknown).is_err());
        assert_eq!(
            check_range(Scheme::Semver, &range(RangeKind::Semver, &[f("1.0.0")])),
            Err(RangeProblem::NoIntroduced)
        );
        assert!(matches!(
            affects(Scheme::Semver, &[range(RangeKind::Semver, &[i("1.0.0")])], "latest"),
            Coverage::Unplaceable(_)
        ));
    }
}
