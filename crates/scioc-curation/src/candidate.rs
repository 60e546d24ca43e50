//! A candidate indicator, as `schema/ioc-candidates.schema.json` describes it.

use scioc_model::{IndicatorKind, MatchKind};
use serde::{Deserialize, Serialize};

/// One reviewed (or to-be-reviewed) candidate. Field order is the schema's, and is the order
/// candidates are written in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Candidate {
    /// `npm`, `PyPI`, `Go`, `github-actions`, `crates.io`, `RubyGems`, `NuGet`, `Maven`.
    pub ecosystem: String,
    /// `package_name`, `domain`, `script_pattern`, `dependency_name`, `url`, `file_path`, `other`, `sha256`.
    pub ioc_type: String,
    /// The indicator.
    pub value: String,
    /// `exact`, `contains` or `regex`; see [`Candidate::effective_match`].
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub match_kind: Option<String>,
    /// `low`, `medium`, `high`.
    pub confidence: String,
    /// Why.
    pub reason: String,
    /// A public reference (URI).
    pub source: String,
    /// `YYYY-MM-DD`.
    pub first_seen: String,
    /// `watch`, `flag`, `block`.
    pub suggested_action: String,
    /// `watch_only`, `npm_iocs`, `blacklist`.
    pub promote_to: String,
    /// Free notes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notes: Option<String>,
    /// Stable blacklist identifier.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub blacklist_id: Option<String>,
    /// Versions or ranges.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub affected_versions: Option<Vec<String>>,
    /// `BLOCK` or `WARN`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<String>,
    /// `CRITICAL`, `HIGH`, `MEDIUM`, `LOW`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub severity: Option<String>,
}

/// The `match` a type gets when none is given: `exact` for names and hashes, `contains`
/// otherwise (an unknown type, which validation refuses, gets `contains`).
pub fn default_match(ioc_type: &str) -> &'static str {
    IndicatorKind::parse(ioc_type).map_or(MatchKind::Contains, IndicatorKind::default_match).as_str()
}

impl Candidate {
    /// `match` with the type's default applied.
    pub fn effective_match(&self) -> String {
        self.match_kind.clone().unwrap_or_else(|| default_match(&self.ioc_type).to_owned())
    }

    /// The indicator kind, when `ioc_type` names one.
    pub fn kind(&self) -> Option<IndicatorKind> {
        IndicatorKind::parse(&self.ioc_type)
    }
}
