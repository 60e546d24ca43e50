//! SARIF 2.1.0, as GitHub code scanning takes it: one run, the three rules with help and a
//! `security-severity`, one result per finding located at its lockfile line (relative to the
//! scanned root, under `%SRCROOT%`), a stable partial fingerprint, ignored findings as
//! suppressed results with their justification, and unreadable files as tool notifications.

use super::{package_label, reference_url, relative};
use crate::{Finding, Report, Severity};
use serde_sarif::sarif::{
    ArtifactLocation, Invocation, Location, Message, MultiformatMessageString, Notification, PhysicalLocation,
    PropertyBag, Region, ReportingConfiguration, ReportingDescriptor, Result as SarifResult, ResultLevel, Run, Sarif,
    Suppression, Tool, ToolComponent,
};
use std::collections::BTreeMap;
use std::path::Path;

/// `(id, name, short description, full description, default severity)` of each rule.
const RULES: [(&str, &str, &str, &str, Severity); 3] = [
    (
        "AS-008",
        "KnownMaliciousVersion",
        "Known-malicious package version",
        "The dependency is a package version the threat-intelligence feed or a curated blacklist rule names as malicious (exactly or by range). Remove it, rotate any secret the install could reach, and rebuild from a clean lockfile.",
        Severity::Critical,
    ),
    (
        "HASH",
        "KnownMaliciousArchive",
        "Archive hash of a known-malicious package",
        "The lockfile records an integrity hash (or the archive hashes) equal to an archive the feed lists as malicious, whatever name and version it claims. Treat it as malicious.",
        Severity::Critical,
    ),
    (
        "AS-016",
        "IndicatorOfCompromise",
        "Indicator of compromise",
        "A package name, dependency name, lifecycle-script pattern, domain or URL matches a curated indicator of compromise. Severity follows the indicator's confidence and suggested action.",
        Severity::High,
    ),
];

fn level(s: Severity) -> ResultLevel {
    match s {
        Severity::Critical | Severity::High => ResultLevel::Error,
        Severity::Medium => ResultLevel::Warning,
        Severity::Low => ResultLevel::Note,
    }
}

/// The CVSS-like score GitHub sorts security alerts by.
fn security_severity(s: Severity) -> &'static str {
    match s {
        Severity::Critical => "9.8",
        Severity::High => "8.0",
        Severity::Medium => "5.5",
        Severity::Low => "3.0",
    }
}

fn properties(pairs: &[(&str, serde_json::Value)], tags: Option<Vec<String>>) -> PropertyBag {
    let additional: BTreeMap<String, serde_json::Value> =
        pairs.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    match tags {
        Some(t) => PropertyBag::builder().tags(t).additional_properties(additional).build(),
        None => PropertyBag::builder().additional_properties(additional).build(),
    }
}

fn location(file: &Path, line: usize, base: &Path) -> Location {
    let artifact = if file.starts_with(base) || file.is_relative() {
        ArtifactLocation::builder().uri(relative(file, base)).uri_base_id("%SRCROOT%").build()
    } else {
        ArtifactLocation::builder().uri(format!("file://{}", file.display())).build()
    };
    let region = Region::builder().start_line(line.max(1) as i64).build();
    Location::builder()
        .physical_location(PhysicalLocation::builder().artifact_location(artifact).region(region).build())
        .build()
}

/// A fingerprint that survives line moves: rule, package URL (or name) and file.
fn fingerprint(f: &Finding, base: &Path) -> String {
    use sha2::{Digest, Sha256};
    let id = f.purl.clone().unwrap_or_else(|| format!("{}/{}", f.ecosystem, f.package));
    let digest = Sha256::digest(format!("{}\0{id}\0{}\0{}", f.rule, relative(&f.file, base), f.evidence));
    hex::encode(&digest[..16])
}

fn result(f: &Finding, base: &Path, suppression: Option<&str>) -> SarifResult {
    let rule_index = RULES.iter().position(|r| r.0 == f.rule.id()).unwrap_or(0) as i64;
    let mut text = format!("{}: {}", package_label(f), f.evidence);
    if f.path.len() > 1 {
        text.push_str(&format!(" (via {})", f.path.join(" > ")));
    }
    if let Some(r) = &f.reference {
        text.push_str(&format!(". Reference: {r}"));
    }
    let mut props = vec![
        ("severity", serde_json::json!(f.severity.as_str())),
        ("security-severity", serde_json::json!(security_severity(f.severity))),
        ("ecosystem", serde_json::json!(f.ecosystem)),
        ("package", serde_json::json!(f.package)),
        ("path", serde_json::json!(f.path)),
    ];
    if let Some(v) = &f.version {
        props.push(("version", serde_json::json!(v)));
    }
    if let Some(p) = &f.purl {
        props.push(("purl", serde_json::json!(p)));
    }
    if let Some(url) = f.reference.as_deref().and_then(reference_url) {
        props.push(("reference", serde_json::json!(url)));
    }
    let fingerprints = BTreeMap::from([("scioc/v1".to_owned(), fingerprint(f, base))]);
    let builder = SarifResult::builder()
        .rule_id(f.rule.id())
        .rule_index(rule_index)
        .level(level(f.severity))
        .message(Message::builder().text(text).build())
        .locations(vec![location(&f.file, f.line, base)])
        .partial_fingerprints(fingerprints)
        .properties(properties(&props, None));
    match suppression {
        Some(reason) => builder
            .suppressions(vec![
                Suppression::builder()
                    .kind(serde_json::json!("external"))
                    .status(serde_json::json!("accepted"))
                    .justification(reason.to_owned())
                    .build(),
            ])
            .build(),
        None => builder.build(),
    }
}

/// The report as a SARIF 2.1.0 log; locations relative to `base` (the scanned root).
pub fn sarif(report: &Report, base: &Path) -> Sarif {
    let rules: Vec<ReportingDescriptor> = RULES
        .iter()
        .map(|(id, name, short, full, sev)| {
            ReportingDescriptor::builder()
                .id(*id)
                .name(*name)
                .short_description(MultiformatMessageString::builder().text(*short).build())
                .full_description(MultiformatMessageString::builder().text(*full).build())
                .help(
                    MultiformatMessageString::builder()
                        .text(*full)
                        .markdown(format!(
                            "**{short}.** {full}\n\nRun `scioc scan --format table` for the full report."
                        ))
                        .build(),
                )
                .help_uri("https://github.com/scioc/scioc/blob/main/docs/scan.md")
                .default_configuration(
                    ReportingConfiguration::builder()
                        .level(serde_json::to_value(level(*sev)).unwrap_or_default())
                        .build(),
                )
                .properties(properties(
                    &[
                        ("security-severity", serde_json::json!(security_severity(*sev))),
                        ("precision", serde_json::json!("very-high")),
                        ("problem.severity", serde_json::json!("error")),
                    ],
                    Some(vec!["security".into(), "supply-chain".into(), "malware".into()]),
                ))
                .build()
        })
        .collect();
    let driver = ToolComponent::builder()
        .name("scioc")
        .version(env!("CARGO_PKG_VERSION"))
        .semantic_version(env!("CARGO_PKG_VERSION"))
        .information_uri("https://github.com/scioc/scioc")
        .rules(rules)
        .build();
    let mut results: Vec<SarifResult> = report.findings.iter().map(|f| result(f, base, None)).collect();
    results.extend(report.ignored.iter().map(|i| result(&i.finding, base, Some(&i.by.reason))));
    let notifications: Vec<Notification> = report
        .errors
        .iter()
        .map(|e| {
            Notification::builder()
                .level(serde_json::json!("error"))
                .message(Message::builder().text(e.message.clone()).build())
                .locations(vec![location(&e.file, e.line, base)])
                .build()
        })
        .collect();
    let invocation = Invocation::builder()
        .execution_successful(report.errors.is_empty())
        .tool_execution_notifications(notifications)
        .build();
    let root = std::fs::canonicalize(base).unwrap_or_else(|_| base.to_owned());
    let mut root_uri = format!("file://{}", root.display());
    if !root_uri.ends_with('/') {
        root_uri.push('/');
    }
    let run = Run::builder()
        .tool(Tool::builder().driver(driver).build())
        .results(results)
        .invocations(vec![invocation])
        .original_uri_base_ids(BTreeMap::from([(
            "%SRCROOT%".to_owned(),
            ArtifactLocation::builder().uri(root_uri).build(),
        )]))
        .build();
    Sarif::builder()
        .schema("https://json.schemastore.org/sarif-2.1.0.json")
        .version(serde_json::json!("2.1.0"))
        .runs(vec![run])
        .build()
}
