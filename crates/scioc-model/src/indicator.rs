//! Indicator kinds and how an indicator's value is matched: one list for curation, the store
//! and the scanner.

use serde::{Deserialize, Serialize};
use std::fmt;

/// What an indicator names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum IndicatorKind {
    /// A package's own name.
    PackageName,
    /// A name among a package's dependencies.
    DependencyName,
    /// Text in a lifecycle script (`preinstall`, `install`, `postinstall`, `prepare`).
    ScriptPattern,
    /// A host name: matches itself and its subdomains.
    Domain,
    /// A URL.
    Url,
    /// An IP address.
    Ip,
    /// The SHA-256 of a package archive.
    Sha256,
    /// A path inside a package.
    FilePath,
    /// Anything else, kept for people; never matched.
    Other,
}

impl IndicatorKind {
    /// Every kind, in declaration order.
    pub const ALL: [IndicatorKind; 9] = [
        IndicatorKind::PackageName,
        IndicatorKind::DependencyName,
        IndicatorKind::ScriptPattern,
        IndicatorKind::Domain,
        IndicatorKind::Url,
        IndicatorKind::Ip,
        IndicatorKind::Sha256,
        IndicatorKind::FilePath,
        IndicatorKind::Other,
    ];

    /// The kind as written in files and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            IndicatorKind::PackageName => "package_name",
            IndicatorKind::DependencyName => "dependency_name",
            IndicatorKind::ScriptPattern => "script_pattern",
            IndicatorKind::Domain => "domain",
            IndicatorKind::Url => "url",
            IndicatorKind::Ip => "ip",
            IndicatorKind::Sha256 => "sha256",
            IndicatorKind::FilePath => "file_path",
            IndicatorKind::Other => "other",
        }
    }

    /// Reads a kind as written in files and the store.
    pub fn parse(s: &str) -> Option<IndicatorKind> {
        IndicatorKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the scanner matches indicators of this kind.
    pub fn is_enforced(self) -> bool {
        !matches!(self, IndicatorKind::FilePath | IndicatorKind::Other)
    }

    /// Whether ToolTrust's `npm_iocs.json` can hold this kind.
    pub fn in_tooltrust(self) -> bool {
        matches!(
            self,
            IndicatorKind::PackageName
                | IndicatorKind::DependencyName
                | IndicatorKind::ScriptPattern
                | IndicatorKind::Domain
                | IndicatorKind::Url
        )
    }

    /// The `match` a kind gets when none is given: `exact` for names and hashes, `contains`
    /// otherwise.
    pub fn default_match(self) -> MatchKind {
        match self {
            IndicatorKind::PackageName | IndicatorKind::DependencyName | IndicatorKind::Sha256 => MatchKind::Exact,
            _ => MatchKind::Contains,
        }
    }
}

impl fmt::Display for IndicatorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How an indicator's value is compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MatchKind {
    /// The whole text, case-insensitively.
    Exact,
    /// Anywhere in the text, case-insensitively.
    Contains,
    /// A regular expression.
    Regex,
}

impl MatchKind {
    /// The kind as written in files and the store.
    pub fn as_str(self) -> &'static str {
        match self {
            MatchKind::Exact => "exact",
            MatchKind::Contains => "contains",
            MatchKind::Regex => "regex",
        }
    }

    /// Reads a match kind as written in files and the store.
    pub fn parse(s: &str) -> Option<MatchKind> {
        [MatchKind::Exact, MatchKind::Contains, MatchKind::Regex].into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for MatchKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kinds_round_trip() {
        for k in IndicatorKind::ALL {
            assert_eq!(IndicatorKind::parse(k.as_str()), Some(k));
            assert_eq!(serde_json::to_value(k).unwrap(), k.as_str());
        }
        assert_eq!(IndicatorKind::parse("Domain"), None);
        assert_eq!(MatchKind::parse("regex"), Some(MatchKind::Regex));
        assert!(IndicatorKind::Sha256.is_enforced() && !IndicatorKind::Sha256.in_tooltrust());
    }
}
