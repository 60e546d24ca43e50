//! `scioc scan`.

use super::open_store;
use crate::{
    cli::{ListFormat, ScanArgs},
    output,
};
use anyhow::Result;
use scioc_scan::{BlacklistRule, Index, Severity};
use scioc_store::Store;
use std::path::{Path, PathBuf};

/// Runs a scan and returns its exit code: 0 clean, 1 findings, 127 error, 128 no packages.
pub(super) async fn run(data_dir: &Path, args: ScanArgs) -> u8 {
    match scan(data_dir, args).await {
        Ok(code) => code,
        Err(e) => {
            output::error(&format!("{e:#}"));
            127
        }
    }
}

/// Loads the index from the store: feed events, curated blacklist rules and indicators.
async fn load_index(store: &dyn Store) -> Result<Index> {
    let events = store.package_events().await?;
    let curated = store.source_state(scioc_curation::promote::SOURCE).await?;
    let rules = scioc_curation::promote::records(&curated)
        .into_values()
        .filter_map(|r| r.entry)
        .map(|e| BlacklistRule {
            ecosystem: e.ecosystem,
            component: e.component,
            specs: e.affected_versions,
            id: e.id,
            severity: e.severity,
            link: e.link,
        })
        .collect();
    let indicators = store.indicators().await?;
    Ok(Index::build(&events, rules, &indicators))
}

async fn scan(data_dir: &Path, args: ScanArgs) -> Result<u8> {
    let fail_on = Severity::parse(&args.fail_on).unwrap_or(Severity::Low);
    let paths = if args.paths.is_empty() { vec![PathBuf::from(".")] } else { args.paths.clone() };
    for p in &paths {
        if !p.exists() {
            anyhow::bail!("{}: no such file or directory", p.display());
        }
    }
    let store = open_store(data_dir)?;
    let index = load_index(store.as_ref()).await?;
    let files = scioc_scan::discover(&paths, args.recursive);
    let mut report = scioc_scan::scan(&files, &index);
    // Name each feed match by its record (an OSV id, a blacklist id) or threat.
    let seqs: Vec<i64> = report.findings.iter().filter(|f| f.reference.is_none()).filter_map(|f| f.event).collect();
    let stored = store.entries(seqs).await?;
    for f in report.findings.iter_mut().filter(|f| f.reference.is_none()) {
        let Some(e) = stored.iter().find(|e| Some(e.seq) == f.event) else { continue };
        let v: serde_json::Value = serde_json::from_slice(&e.entry_json).unwrap_or_default();
        let id = v["scioc"]["provenance"]["id"].as_str().map(str::to_owned);
        let threat = v["sample_list"][0]["threat_name"].as_str().map(str::to_owned);
        f.reference = id.or(threat).or_else(|| e.purl.clone());
    }
    for e in &report.errors {
        let at = match (e.line, e.column) {
            (0, _) => String::new(),
            (l, 0) => format!(":{l}"),
            (l, c) => format!(":{l}:{c}"),
        };
        output::error(&format!("{}{at}: {}", e.file.display(), e.message));
    }
    match args.format {
        ListFormat::Json => {
            let doc = serde_json::json!({
                "schema": "scioc-scan/1",
                "files": report.files,
                "packages": report.packages,
                "findings": report.findings,
                "errors": report.errors,
            });
            println!("{}", serde_json::to_string_pretty(&doc)?);
        }
        ListFormat::Table => {
            if report.findings.is_empty() {
                output::ok(&format!(
                    "no known-malicious dependency among {} package(s) in {} file(s)",
                    report.packages,
                    report.files.len()
                ));
            } else {
                let mut table = comfy_table::Table::new();
                table.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY).set_header([
                    "severity",
                    "rule",
                    "package",
                    "where",
                    "via",
                    "why",
                    "reference",
                ]);
                for f in &report.findings {
                    let package = match &f.version {
                        Some(v) => format!("{} {}@{v}", f.ecosystem, f.package),
                        None => format!("{} {}", f.ecosystem, f.package),
                    };
                    table.add_row([
                        f.severity.as_str().to_owned(),
                        f.rule.to_owned(),
                        package,
                        format!("{}:{}", f.file.display(), f.line),
                        f.path.join(" > "),
                        f.evidence.clone(),
                        f.reference.clone().unwrap_or_default(),
                    ]);
                }
                println!("{table}");
                println!(
                    "{} finding(s) in {} package(s) of {} file(s)",
                    report.findings.len(),
                    report.packages,
                    report.files.len()
                );
            }
        }
    }
    let failing = report.findings.iter().any(|f| f.severity >= fail_on);
    Ok(if failing {
        1
    } else if !report.errors.is_empty() {
        127
    } else if report.packages == 0 {
        128
    } else {
        0
    })
}
