//! The rules a verdict can come from, and how bad a verdict is.

use serde::{Serialize, Serializer};
use std::fmt;

/// Which rule found a package malicious.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Rule {
    /// `AS-008`: a known-malicious version, from the feed (versions and OSV ranges) or a
    /// curated blacklist rule.
    KnownMalicious,
    /// `HASH`: the archive's hash is that of a known-malicious package.
    ArchiveHash,
    /// `AS-016`: an indicator of compromise (names, scripts, domains, URLs, IPs, hashes).
    Indicator,
}

impl Rule {
    /// Every rule, in report order.
    pub const ALL: [Rule; 3] = [Rule::KnownMalicious, Rule::ArchiveHash, Rule::Indicator];

    /// The rule's id, as reports and ignore files write it.
    pub fn id(self) -> &'static str {
        match self {
            Rule::KnownMalicious => "AS-008",
            Rule::ArchiveHash => "HASH",
            Rule::Indicator => "AS-016",
        }
    }

    /// Reads a rule id.
    pub fn parse(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

/// How bad a verdict is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Low: an indicator flagged with low confidence, or a known spam package (threat level 1)
    Low,
    /// Medium: an indicator flagged with medium confidence, or a known probe (threat level 2)
    Medium,
    /// High: a blocking indicator, a flagged one with high confidence, or a known protestware or typosquat package (threat level 3)
    High,
    /// Critical: a known-malicious version or archive (of threat level 4 or 5)
    Critical,
}

impl Severity {
    /// The severity of a known-malicious package whose threat level (1 to 5) is `level`:
    ///
    /// | threat level | severity |
    /// |---|---|
    /// | 5, 4, or none known | critical |
    /// | 3 (protestware, typosquat) | high |
    /// | 2 (a probe) | medium |
    /// | 1 (spam) | low |
    pub fn of_threat_level(level: Option<u8>) -> Severity {
        match level {
            None | Some(4..) => Severity::Critical,
            Some(3) => Severity::High,
            Some(2) => Severity::Medium,
            Some(_) => Severity::Low,
        }
    }
}

/// Text that names no severity.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected a severity low, medium, high or critical, got {0:?}")]
pub struct UnknownSeverity(pub String);

impl std::str::FromStr for Severity {
    type Err = UnknownSeverity;

    /// Parses `low` … `critical` in any case.
    fn from_str(s: &str) -> Result<Severity, UnknownSeverity> {
        Ok(match s.to_ascii_lowercase().as_str() {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return Err(UnknownSeverity(s.to_owned())),
        })
    }
}

impl Severity {
    /// Lower-case name, as `--fail-on` spells it.
    pub fn as_lower(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }

    /// Upper-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "LOW",
            Severity::Medium => "MEDIUM",
            Severity::High => "HIGH",
            Severity::Critical => "CRITICAL",
        }
    }

    /// The severity an indicator earns from its confidence and suggested action.
    pub fn of_indicator(confidence: &str, action: &str) -> Severity {
        match (action, confidence) {
            ("block", "high") => Severity::Critical,
            ("block", _) | ("flag", "high") => Severity::High,
            ("flag", "medium") => Severity::Medium,
            _ => Severity::Low,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rule_ids_round_trip() {
        for r in Rule::ALL {
            assert_eq!(Rule::parse(r.id()), Some(r));
        }
        assert_eq!(serde_json::to_value(Rule::ArchiveHash).unwrap(), "HASH");
        assert_eq!(Rule::parse("AS-999"), None);
    }
}
