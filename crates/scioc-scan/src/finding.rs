//! What the scanner reports.

use scioc_verdict::{Rule, Severity};
use serde::Serialize;
use std::path::PathBuf;

/// One finding.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// `AS-008` (known-malicious version), `HASH` (archive hash) or `AS-016` (indicator).
    pub rule: Rule,
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
    /// Whether the knowledge behind it blocks (the firewall refuses such a package); `false`
    /// for a curated rule or an indicator that only warns.
    pub blocks: bool,
}
