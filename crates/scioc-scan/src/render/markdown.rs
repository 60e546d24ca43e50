//! Markdown for pull-request comments: a one-line verdict, a table of findings worst first,
//! and notes on expired ignores and unreadable files.

use super::{package_label, reference_url, relative};
use crate::{Outcome, Report};
use std::fmt::Write;
use std::path::Path;

/// Escapes text for a Markdown table cell.
fn cell(s: &str) -> String {
    s.replace('\\', "\\\\").replace('|', "\\|").replace('\n', " ").replace('`', "'")
}

/// The report as Markdown, paths relative to `base`.
pub fn markdown(report: &Report, base: &Path) -> String {
    let mut out = String::new();
    let n = report.findings.len();
    let checked = format!("{} package(s) in {} file(s) checked.", report.packages, report.files.len());
    match report.outcome() {
        Outcome::Clean => {
            let _ = writeln!(out, "### ✅ scioc: no known-malicious dependency\n\n{checked}");
        }
        Outcome::Failed => {
            let _ = writeln!(
                out,
                "### ❌ scioc: the scan failed: {} file(s) could not be read, so nothing is known of them\n\n{checked}",
                report.errors.len()
            );
        }
        Outcome::NothingFound => {
            let _ = writeln!(out, "### ⚠️ scioc: no packages found: nothing scioc reads was there\n\n{checked}");
        }
        Outcome::Findings => {}
    }
    if n > 0 {
        let counts: Vec<String> = super::counts(report)
            .iter()
            .filter(|(_, c)| *c > 0)
            .map(|(s, c)| format!("{c} {}", s.as_lower()))
            .collect();
        let _ = writeln!(
            out,
            "### 🚨 scioc: {n} finding(s) ({})\n\n{} package(s) in {} file(s) checked.\n",
            counts.join(", "),
            report.packages,
            report.files.len()
        );
        out.push_str("| Severity | Rule | Package | Where | Via | Why | Reference |\n|---|---|---|---|---|---|---|\n");
        for f in &report.findings {
            let reference = f.reference.as_deref().unwrap_or("");
            let reference = match reference_url(reference) {
                Some(url) => format!("[{}]({url})", cell(reference)),
                None => cell(reference),
            };
            let _ = writeln!(
                out,
                "| **{}** | {} | `{}` | `{}:{}` | {} | {} | {} |",
                f.severity.as_str(),
                f.rule,
                cell(&package_label(f)),
                cell(&relative(&f.file, base)),
                f.line,
                cell(&f.path.join(" › ")),
                cell(&f.evidence),
                reference
            );
        }
    }
    if !report.ignored.is_empty() {
        let _ = writeln!(out, "\n{} finding(s) hidden by ignore rules.", report.ignored.len());
    }
    for e in &report.expired {
        let _ = writeln!(
            out,
            "\n> ⚠️ The ignore of `{}` ({}) at `{}:{}` expired on {}; its {} finding(s) are shown again.",
            cell(&e.rule.purl),
            e.rule.rule,
            cell(&relative(&e.rule.file, base)),
            e.rule.line,
            e.rule.expires.as_deref().unwrap_or(""),
            e.findings
        );
    }
    for e in &report.errors {
        let _ = writeln!(out, "\n> ❌ Could not read `{}`", cell(&e.to_string()));
    }
    out
}
