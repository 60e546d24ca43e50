//! Machine and review formats of a [`Report`](crate::Report): the stable JSON document, SARIF
//! 2.1.0 for code-scanning services, and Markdown for pull-request comments. (The terminal table
//! lives in the CLI, which knows whether it writes to a terminal.)

mod json;
mod markdown;
mod sarif;

pub use json::{SCHEMA, json};
pub use markdown::markdown;
pub use sarif::sarif;

use crate::{Finding, Report, Severity};
use std::path::Path;

/// Counts of findings per severity, worst first.
pub fn counts(report: &Report) -> [(Severity, usize); 4] {
    [Severity::Critical, Severity::High, Severity::Medium, Severity::Low]
        .map(|s| (s, report.findings.iter().filter(|f| f.severity == s).count()))
}

/// `name@version` with the ecosystem.
pub fn package_label(f: &Finding) -> String {
    match &f.version {
        Some(v) => format!("{} {}@{v}", f.ecosystem, f.package),
        None => format!("{} {}", f.ecosystem, f.package),
    }
}

/// A path shown relative to `base` when it is under it, with `/` separators.
pub fn relative(path: &Path, base: &Path) -> String {
    let shown = path.strip_prefix(base).unwrap_or(path);
    shown.to_string_lossy().replace('\\', "/")
}

/// A link for a reference: URLs as they are, OSV ids to osv.dev.
pub fn reference_url(reference: &str) -> Option<String> {
    if reference.starts_with("https://") || reference.starts_with("http://") {
        Some(reference.to_owned())
    } else if reference.starts_with("MAL-") || reference.starts_with("GHSA-") {
        Some(format!("https://osv.dev/vulnerability/{reference}"))
    } else {
        None
    }
}
