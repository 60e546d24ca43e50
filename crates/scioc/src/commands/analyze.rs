//! `scioc analyze`: the package analyser on archives or directories, as a table for people or
//! one JSON object per archive per line for machines.

use crate::cli::{AnalyzeArgs, AnalyzeFailOn, AnalyzeFormat};
use crate::output;
use anstyle::{AnsiColor, Style};
use scioc_analyze::{Analysis, Verdict};
use std::io::Write;

/// Analyses every path; returns the exit code: 0 nothing at or above `--fail-on`, 1 found,
/// 127 when a path could not be read (the others are still analysed).
pub(crate) fn run(args: &AnalyzeArgs) -> anyhow::Result<u8> {
    let fail_at = match args.fail_on {
        AnalyzeFailOn::Suspicious => Verdict::Suspicious,
        AnalyzeFailOn::Malicious => Verdict::Malicious,
    };
    let (mut found, mut failed) = (false, false);
    let many = args.paths.len() > 1;
    // SARIF is one document, and candidates one file: both need every analysis first.
    let mut kept = Vec::new();
    for (i, path) in args.paths.iter().enumerate() {
        if many && args.format == AnalyzeFormat::Table && std::io::IsTerminal::is_terminal(&std::io::stderr()) {
            output::note(&format!("[{}/{}] {}", i + 1, args.paths.len(), path.display()));
        }
        match scioc_analyze::analyze_path(path, scioc_ingest::archive::Limits::default()) {
            Ok(a) => {
                found |= a.verdict >= fail_at;
                match args.format {
                    AnalyzeFormat::Json => {
                        let line = serde_json::to_string(&a)?;
                        writeln!(std::io::stdout(), "{line}")?;
                    }
                    AnalyzeFormat::Table => table(&a),
                    AnalyzeFormat::Sarif => {}
                }
                if args.format == AnalyzeFormat::Sarif || args.candidates.is_some() {
                    kept.push(a);
                }
            }
            Err(e) => {
                failed = true;
                output::error(&e.to_string());
            }
        }
    }
    if args.format == AnalyzeFormat::Sarif {
        let log = serde_json::to_string_pretty(&scioc_analyze::sarif::render(&kept))?;
        writeln!(std::io::stdout(), "{log}")?;
    }
    if let Some(file) = &args.candidates {
        write_candidates(file, &kept)?;
    }
    Ok(if failed { 127 } else { u8::from(found) })
}

/// Writes the draft candidates of every analysis to `file`, atomically.
fn write_candidates(file: &std::path::Path, analyses: &[Analysis]) -> anyhow::Result<()> {
    let today = jiff::Timestamp::now().strftime("%Y-%m-%d").to_string();
    let mut drafted = Vec::new();
    for a in analyses {
        let source = match (&a.sha256, &a.name, &a.version) {
            (Some(sha), _, _) => format!("urn:scioc:analysis:sha256:{sha}"),
            (None, Some(n), Some(v)) => format!("urn:scioc:analysis:{}@{v}", n.replace('/', "%2F")),
            _ => "urn:scioc:analysis".to_owned(),
        };
        drafted.extend(scioc_analyze::candidates::draft(a, &today, &source));
    }
    let text = serde_json::to_string_pretty(&drafted)? + "\n";
    output::write_file(file, &text)?;
    let strong = drafted.iter().filter(|c| c.promote_to != "watch_only").count();
    output::hint(&format!(
        "wrote {} draft candidate(s) to {} ({strong} beyond watch_only); review them, then scioc candidates validate {}",
        drafted.len(),
        file.display(),
        file.display()
    ));
    Ok(())
}

fn table(a: &Analysis) {
    let style = match a.verdict {
        Verdict::Malicious => AnsiColor::Red.on_default().bold(),
        Verdict::Suspicious => AnsiColor::Yellow.on_default().bold(),
        Verdict::Clean => AnsiColor::Green.on_default().bold(),
    };
    let name = match (&a.name, &a.version) {
        (Some(n), Some(v)) => format!("{n}@{v}"),
        (Some(n), None) => n.clone(),
        _ => String::new(),
    };
    let threat =
        a.threat_name.as_deref().map(|t| format!("  {t} (level {})", a.threat_level.unwrap_or(0))).unwrap_or_default();
    let mut out = anstream::stdout();
    let _ = writeln!(out, "{}  {name}  {style}{}{style:#} (score {}){threat}", a.path, a.verdict.as_str(), a.score);
    for f in &a.files {
        let sha = f.hashes.as_ref().map(|h| h.sha256.as_str()).unwrap_or("");
        let _ = writeln!(out, "  malicious file {}  {}  {sha}", f.path, f.threat_name);
    }
    if !a.findings.is_empty() {
        let mut t = comfy_table::Table::new();
        t.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY).set_header(["rule", "kind", "file:line", "evidence"]);
        for f in &a.findings {
            let kind = match f.kind {
                scioc_analyze::rules::Kind::Threat => "threat",
                scioc_analyze::rules::Kind::Capability => "capability",
            };
            t.add_row([
                format!("{} {}", f.rule, f.name),
                kind.to_owned(),
                format!("{}:{}", f.file, f.line),
                f.excerpt.clone(),
            ]);
        }
        let _ = writeln!(out, "{t}");
    }
    let dim = Style::new().dimmed();
    for n in &a.notes {
        let _ = writeln!(out, "  {dim}note: {n}{dim:#}");
    }
}
