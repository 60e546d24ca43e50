//! `scioc scan`: load the index, scan, apply the ignore file, render, and map the outcome to a
//! CI exit code.

use super::{Place, open_existing_store};
use crate::{cli::ScanFormat, output, settings::Scan};
use anstream::print;
use anstyle::{AnsiColor, Style};
use anyhow::{Result, bail};
use scioc_scan::{Outcome, Report, Severity, ignore::Ignores, render};
use scioc_store::Store;
use scioc_verdict::{Engine, Sources};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

/// The name of the ignore file looked for by default.
const IGNORE_FILE: &str = "scioc-ignore.toml";

/// Runs a scan and returns its exit code: 0 clean, 1 findings, 127 error, 128 no packages.
pub(super) async fn run(place: &Place, args: Scan) -> u8 {
    match scan(place, args).await {
        Ok(code) => code,
        Err(e) => {
            output::error(&format!("{e:#}"));
            127
        }
    }
}

/// Builds the verdict engine from the store (when there is one) and the ToolTrust files
/// given. Returns the store it opened, if any, for naming matches.
async fn load_engine(place: &Place, args: &Scan) -> Result<(Engine, Option<Arc<dyn Store>>)> {
    let tooltrust = args.blacklist.is_some() || args.iocs.is_some();
    // A scan reads a store, never makes one: with only ToolTrust files it needs none.
    let store = if !tooltrust || place.has_store() { Some(open_existing_store(place).await?) } else { None };
    let t = std::time::Instant::now();
    let engine = Engine::load(Sources {
        store: store.as_deref(),
        blacklist: args.blacklist.as_deref(),
        iocs: args.iocs.as_deref(),
    })
    .await?;
    tracing::debug!("engine built in {:?}", t.elapsed());
    for w in engine.warnings() {
        output::warn(w);
    }
    if engine.sizes().is_empty() {
        bail!(
            "nothing to match against: the store at {} holds no malicious packages or indicators; load it first (scioc ingest osv …, scioc candidates promote …) or give --blacklist/--iocs",
            store.as_ref().map_or_else(|| place.data_dir.display().to_string(), |s| s.location())
        );
    }
    Ok((engine, store))
}

/// Names each feed match by its record (an OSV id) or threat name.
async fn name_feed_matches(store: Option<&dyn Store>, report: &mut Report) -> Result<()> {
    let seqs: Vec<i64> = report.findings.iter().filter(|f| f.reference.is_none()).filter_map(|f| f.event).collect();
    let Some(store) = store.filter(|_| !seqs.is_empty()) else { return Ok(()) };
    let stored = store.entries(seqs).await?;
    for f in report.findings.iter_mut().filter(|f| f.reference.is_none()) {
        let Some(e) = stored.iter().find(|e| Some(e.seq) == f.event) else { continue };
        let v: serde_json::Value = serde_json::from_slice(&e.entry_json).unwrap_or_default();
        let id = v["scioc"]["provenance"]["id"].as_str().map(str::to_owned);
        let threat = v["sample_list"][0]["threat_name"].as_str().map(str::to_owned);
        f.reference = id.or(threat).or_else(|| e.purl.clone());
    }
    Ok(())
}

fn ignore_file(args: &Scan, paths: &[PathBuf]) -> Option<PathBuf> {
    if let Some(f) = &args.ignore_file {
        return Some(f.clone());
    }
    let first_dir = paths.iter().find(|p| p.is_dir()).cloned().unwrap_or_else(|| PathBuf::from("."));
    [first_dir.join(IGNORE_FILE), PathBuf::from(IGNORE_FILE)].into_iter().find(|p| p.is_file())
}

async fn scan(place: &Place, args: Scan) -> Result<u8> {
    let fail_on = args.fail_on;
    let paths = args.paths.clone();
    for p in &paths {
        if !p.exists() {
            bail!("{}: no such file or directory", p.display());
        }
    }
    let ignores = match ignore_file(&args, &paths) {
        Some(f) => Ignores::load(&f)?,
        None => Ignores::default(),
    };
    // Reading the project needs no index: do it on another core while the index loads.
    let recursive = args.recursive;
    let reading = tokio::task::spawn_blocking({
        let paths = paths.clone();
        move || {
            let t = std::time::Instant::now();
            let extracted = scioc_scan::extract_sources(&scioc_scan::discover(&paths, recursive));
            tracing::debug!("{} packages read in {:?}", extracted.packages.len(), t.elapsed());
            extracted
        }
    });
    let (engine, store) = load_engine(place, &args).await?;
    let extracted = reading.await?;
    let t = std::time::Instant::now();
    let mut report = extracted.check(&engine);
    tracing::debug!("{} packages matched in {:?}", report.packages, t.elapsed());
    report.apply_ignores(&ignores, jiff::Zoned::now().date());
    name_feed_matches(store.as_deref(), &mut report).await?;

    for e in &report.errors {
        output::error(&e.to_string());
    }
    for e in &report.expired {
        output::warn(&format!(
            "the ignore of {} ({}) at {}:{} expired on {}; its {} finding(s) are shown again",
            e.rule.purl,
            e.rule.rule,
            e.rule.file.display(),
            e.rule.line,
            e.rule.expires.as_deref().unwrap_or(""),
            e.findings
        ));
    }
    let base = paths.iter().find(|p| p.is_dir()).cloned().unwrap_or_else(|| PathBuf::from("."));
    let text = match args.format {
        ScanFormat::Json => serde_json::to_string_pretty(&render::json(&report))? + "\n",
        ScanFormat::Sarif => serde_json::to_string_pretty(&render::sarif(&report, &base))? + "\n",
        ScanFormat::Markdown => render::markdown(&report, &base),
        ScanFormat::Table if args.output.is_some() => strip(&table(&report)),
        ScanFormat::Table => table(&report),
    };
    match &args.output {
        Some(path) => output::write_file(path, &text)?,
        None => print!("{text}"),
    }
    let failing = report.findings.iter().any(|f| f.severity >= fail_on);
    Ok(match report.outcome() {
        _ if failing => 1,
        // Findings below --fail-on: reported, not failing, unless a file went unread.
        Outcome::Findings if !report.errors.is_empty() => 127,
        Outcome::Findings | Outcome::Clean => 0,
        Outcome::Failed => 127,
        Outcome::NothingFound => {
            // The table says so itself; the other formats are for machines, so tell the person.
            if args.format != ScanFormat::Table {
                output::warn("no packages found: nothing scioc reads was there");
            }
            128
        }
    })
}

fn strip(s: &str) -> String {
    let mut out = Vec::new();
    let mut w = anstream::StripStream::new(&mut out);
    let _ = w.write_all(s.as_bytes());
    String::from_utf8_lossy(&out).into_owned()
}

fn style(s: Severity) -> Style {
    match s {
        Severity::Critical => AnsiColor::Red.on_default().bold(),
        Severity::High => AnsiColor::Red.on_default(),
        Severity::Medium => AnsiColor::Yellow.on_default(),
        Severity::Low => AnsiColor::Cyan.on_default(),
    }
}

/// Findings grouped by severity, worst first; colour codes are removed by `anstream` when
/// standard output is not a terminal.
fn table(report: &Report) -> String {
    use std::fmt::Write as _;
    let mut out = String::new();
    let cwd = std::env::current_dir().unwrap_or_default();
    match report.outcome() {
        Outcome::Clean => {
            let ok = AnsiColor::Green.on_default().bold();
            let _ = writeln!(
                out,
                "{ok}✓{ok:#} no known-malicious dependency among {} package(s) in {} file(s)",
                report.packages,
                report.files.len()
            );
        }
        Outcome::Failed => {
            let bad = AnsiColor::Red.on_default().bold();
            let _ = writeln!(
                out,
                "{bad}✗ the scan failed{bad:#}: {} file(s) could not be read, so nothing is known of them ({} package(s) in {} file(s) checked)",
                report.errors.len(),
                report.packages,
                report.files.len()
            );
        }
        Outcome::NothingFound => {
            let warn = AnsiColor::Yellow.on_default().bold();
            let _ = writeln!(out, "{warn}! no packages found{warn:#}: nothing scioc reads was there");
        }
        Outcome::Findings => {}
    }
    for (severity, count) in render::counts(report) {
        if count == 0 {
            continue;
        }
        let st = style(severity);
        let _ = writeln!(out, "\n{st}{} ({count}){st:#}", severity.as_str());
        let mut table = comfy_table::Table::new();
        table
            .load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
            .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
            .set_header(["rule", "package", "where", "via", "why", "reference"]);
        for f in report.findings.iter().filter(|f| f.severity == severity) {
            table.add_row([
                f.rule.id().to_owned(),
                render::package_label(f),
                format!("{}:{}", render::relative(&f.file, &cwd), f.line),
                f.path.join(" > "),
                f.evidence.clone(),
                f.reference.clone().unwrap_or_default(),
            ]);
        }
        let _ = writeln!(out, "{table}");
    }
    if !report.findings.is_empty() {
        let _ = writeln!(
            out,
            "\n{} finding(s) in {} package(s) of {} file(s)",
            report.findings.len(),
            report.packages,
            report.files.len()
        );
    }
    if !report.ignored.is_empty() {
        let _ = writeln!(out, "{} finding(s) hidden by ignore rules", report.ignored.len());
    }
    out
}
