//! What a versionless event covers: the version ranges of its report, in OSV's own shape.
//!
//! An event that names one version covers that version. An event without a version covers what
//! its `scioc.affected` says; without one (an old store, a hand-loaded entry or a whole-package
//! reclassification) it covers every version. Matching lives in `scioc-versions`.

use serde::{Deserialize, Serialize};

/// The ranges an event covers, rendered as the entry's `scioc.affected`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Affected {
    /// Whether the ranges cover every version (`introduced: "0"` with no upper bound): derived
    /// from `ranges` by [`Affected::new`], for clients that want a yes or no.
    #[serde(default)]
    pub all_versions: bool,
    /// The ranges, in the report's order; a version in any of them is covered.
    pub ranges: Vec<Range>,
}

impl Affected {
    /// The ranges, with `all_versions` worked out.
    pub fn new(ranges: Vec<Range>) -> Affected {
        let all_versions = ranges.iter().any(Range::is_every_version);
        Affected { all_versions, ranges }
    }
}

/// One OSV range: how its versions are ordered, and where it starts and stops.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Range {
    /// `SEMVER`, `ECOSYSTEM` or `GIT`.
    #[serde(rename = "type")]
    pub kind: RangeKind,
    /// The events, as the report lists them.
    pub events: Vec<RangeEvent>,
}

impl Range {
    /// Whether this range is `introduced: "0"` with no `fixed`, `last_affected` or `limit`: the
    /// only form that means every version.
    pub fn is_every_version(&self) -> bool {
        self.kind != RangeKind::Git
            && !self.events.is_empty()
            && self.events.iter().all(|e| matches!(e, RangeEvent::Introduced(v) if v == "0"))
    }
}

/// How a range's versions are ordered.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RangeKind {
    /// SemVer 2.0 precedence.
    Semver,
    /// The ecosystem's own ordering (PEP 440 for PyPI, and so on).
    Ecosystem,
    /// Commits of a repository: cannot be matched to a package version.
    Git,
}

/// One event of a range.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RangeEvent {
    /// Versions from here on are affected (`"0"`: from the first).
    Introduced(String),
    /// Versions from here on are not (this one is the first good one).
    Fixed(String),
    /// The last affected version; those after it are not.
    LastAffected(String),
    /// Nothing at or after this version is affected, whatever the other events say.
    Limit(String),
}

impl RangeEvent {
    /// The version the event names.
    pub fn version(&self) -> &str {
        match self {
            RangeEvent::Introduced(v) | RangeEvent::Fixed(v) | RangeEvent::LastAffected(v) | RangeEvent::Limit(v) => v,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_shape_is_osv_shape() {
        let a: Affected = serde_json::from_str(
            r#"{"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.11"}]}]}"#,
        )
        .unwrap();
        assert_eq!(a.ranges[0].events[1], RangeEvent::Fixed("1.2.11".into()));
        assert!(!Affected::new(a.ranges.clone()).all_versions);
        let every = Range { kind: RangeKind::Ecosystem, events: vec![RangeEvent::Introduced("0".into())] };
        assert!(Affected::new(vec![every]).all_versions);
        assert_eq!(
            serde_json::to_string(&Affected::new(a.ranges)).unwrap(),
            r#"{"all_versions":false,"ranges":[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"1.2.11"}]}]}"#
        );
        let git = Range { kind: RangeKind::Git, events: vec![RangeEvent::Introduced("0".into())] };
        assert!(!git.is_every_version(), "a GIT range never means every version");
    }
}
