//! What the scanner reports.

use serde::Serialize;
use std::path::PathBuf;

/// How bad a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Severity {
    /// Low.
    Low,
    /// Medium.
    Medium,
    /// High.
    High,
    /// Critical.
    Critical,
}

impl Severity {
    /// Parses `low` … `critical` in any case.
    pub fn parse(s: &str) -> Option<Severity> {
        Some(match s.to_ascii_lowercase().as_str() {
            "low" => Severity::Low,
            "medium" => Severity::Medium,
            "high" => Severity::High,
            "critical" => Severity::Critical,
            _ => return None,
        })
    }

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

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `AS-008` (known-malicious version), `HASH` (archive hash) or `AS-016` (indicator).
    pub rule: &'static str,
    /// How bad.
    pub severity: Severity,
    /// Ecosystem of the package.
    pub ecosystem: &'static str,
    /// Package name.
    pub package: String,
    /// Its version, when pinned.
    pub version: Option<String>,
    /// Its package URL, when the ecosystem has a purl type.
    pub purl: Option<String>,
    /// File and line of the package's entry.
    pub file: PathBuf,
    /// One-based line.
    pub line: usize,
    /// The dependency path, project first.
    pub path: Vec<String>,
    /// Why it matched.
    pub evidence: String,
    /// The feed event that matched (its sequence number), if any.
    pub event: Option<i64>,
    /// A reference: a record id or a link.
    pub reference: Option<String>,
}
