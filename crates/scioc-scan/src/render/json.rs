//! The JSON document: `scioc-scan/1`, documented in `docs/scan.md`. Fields are only ever
//! added within a schema version.

use crate::Report;
use serde_json::{Value, json};

/// The schema identifier written in every document.
pub const SCHEMA: &str = "scioc-scan/1";

/// The report as the stable JSON document.
pub fn json(report: &Report) -> Value {
    let summary: serde_json::Map<String, Value> =
        super::counts(report).iter().map(|(s, n)| (s.as_lower().to_owned(), json!(n))).collect();
    json!({
        "schema": SCHEMA,
        "tool": {"name": "scioc", "version": env!("CARGO_PKG_VERSION")},
        "summary": summary,
        "files": report.files,
        "packages": report.packages,
        "findings": report.findings,
        "ignored": report.ignored,
        "expired_ignores": report.expired,
        "errors": report.errors,
    })
}
