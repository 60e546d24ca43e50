//! `scioc ingest …`.

use super::{Place, open_store};
use crate::{cli::IngestCommand, output};
use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use scioc_ingest::{archive, entries, osv};
use scioc_model::FeedTime;
use std::{
    fs::File,
    io::{BufRead, BufReader, IsTerminal},
    path::Path,
};

pub(super) async fn run(place: &Place, cmd: IngestCommand) -> Result<()> {
    match cmd {
        IngestCommand::Entries { file } => load_entries(place, &file).await,
        IngestCommand::Sample {
            archives,
            purl,
            threat_name,
            threat_level,
            force,
            source_url,
            max_files,
            max_expanded,
            max_ratio,
        } => {
            if archives.len() > 1 && (purl.is_some() || source_url.is_some()) {
                bail!("--purl and --source-url name one archive; give one archive with them");
            }
            let overrides = scioc_analyze::sample::Overrides {
                threat_name: threat_name.map(|n| scioc_model::clean_text(&n, 200)),
                threat_level: threat_level.map(|l| scioc_model::ThreatLevel::try_from(u64::from(l))).transpose()?,
                force,
            };
            let limits =
                archive::Limits { max_entries: max_files, max_expanded, max_ratio, ..archive::Limits::default() };
            load_samples(place, &archives, &overrides, (purl, source_url), limits).await
        }
        IngestCommand::Osv { sources, dry_run, strict } => {
            load_osv(place, &sources, osv::Options { dry_run, strict, deadline: None }).await
        }
    }
}

async fn load_samples(
    place: &Place,
    archives: &[std::path::PathBuf],
    overrides: &scioc_analyze::sample::Overrides,
    (purl, source_url): (Option<String>, Option<String>),
    limits: archive::Limits,
) -> Result<()> {
    use scioc_analyze::sample::Naming;
    let mut batch = Vec::new();
    let mut records = Vec::new();
    let mut problems = 0;
    for path in archives {
        let inspected = match archive::inspect(path, limits) {
            Ok(i) => i,
            Err(e) => {
                anstream::eprintln!("{e}");
                problems += 1;
                continue;
            }
        };
        let analysis = match scioc_analyze::analyze_path(path, limits) {
            Ok(a) => a,
            Err(e) => {
                output::error(&e.to_string());
                problems += 1;
                continue;
            }
        };
        let (claims, naming) =
            match scioc_analyze::sample::claims(&analysis, overrides, purl.clone(), source_url.clone()) {
                Ok(c) => c,
                Err(e) => {
                    output::error(&e.to_string());
                    problems += 1;
                    continue;
                }
            };
        match naming {
            Naming::Analysis => {}
            Naming::Overridden => output::hint(&format!(
                "{}: the analyser names it {}; announced under your name and level instead",
                path.display(),
                analysis.threat_name.as_deref().unwrap_or("malicious")
            )),
            Naming::Forced(verdict) => output::warn(&format!(
                "{}: the analyser finds it {} (score {}); announced as malicious because of --force, every file listed",
                path.display(),
                verdict.as_str(),
                analysis.score
            )),
        }
        let claims = &claims;
        match archive::entry(&inspected, claims) {
            Ok((entry, provenance)) => {
                let purl = entry.identity.as_ref().and_then(|i| i.purl.clone()).unwrap_or_default();
                let omitted = match provenance.omitted_files {
                    0 => String::new(),
                    n => {
                        format!(" (the event lists {} of them; the store keeps all)", inspected.files.len() as u64 - n)
                    }
                };
                output::hint(&format!(
                    "{}: {purl} {} (level {}), {} files{omitted}, sha256 {}",
                    path.display(),
                    claims.threat_name,
                    claims.threat_level.get(),
                    inspected.files.len(),
                    inspected.sha256
                ));
                for f in &analysis.files {
                    output::note(&format!("  malicious file {}  {}", f.path, f.threat_name));
                }
                records.push(archive::record(&inspected));
                batch.push(scioc_store::NewEvent {
                    entry,
                    time: None,
                    affected: None,
                    provenance: Some(provenance),
                    claim: None,
                });
            }
            Err(e) => {
                anstream::eprintln!("{}: {e}", path.display());
                problems += 1;
            }
        }
    }
    if problems > 0 {
        bail!("{problems} archive(s) refused; nothing was imported");
    }
    let store = open_store(place).await?;
    let a = archive::commit(store.as_ref(), batch, records).await?;
    output::ok(&format!(
        "imported {} archive event(s) (sequence {}–{})",
        a.count,
        a.first_seq.unwrap_or(0),
        a.last_seq.unwrap_or(0)
    ));
    Ok(())
}

async fn load_osv(place: &Place, sources: &[String], options: osv::Options) -> Result<()> {
    let sources = sources.iter().map(|s| osv::Source::parse(s)).collect::<Result<Vec<_>, _>>()?;
    // A dry run reads the store to compare with, and must not make one: without one, it
    // compares with an empty scratch store that goes when the run ends.
    let scratch;
    let store = if options.dry_run && !place.has_store() {
        scratch = tempfile::tempdir()?;
        output::hint(&format!(
            "dry run: no store in {} ({}), so every record reads as new",
            place.data_dir.display(),
            place.data_dir_from
        ));
        std::sync::Arc::new(scioc_store::SqliteStore::open(scratch.path())?) as std::sync::Arc<dyn scioc_store::Store>
    } else {
        open_store(place).await?
    };
    let started = std::time::Instant::now();
    let bar = ProgressBar::new_spinner().with_style(
        ProgressStyle::with_template("{spinner} reading OSV records: {msg} files").expect("valid template"),
    );
    bar.set_message("0");
    let terminal = std::io::stderr().is_terminal();
    if terminal {
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
    }
    // On a terminal a spinner; otherwise a plain line every 5,000 files, for logs.
    let progress = |n: usize| {
        if terminal {
            bar.set_message(n.to_string());
        } else if n.is_multiple_of(5000) && n > 0 {
            eprintln!("read {n} OSV files");
        }
    };
    let result = osv::import(store.as_ref(), osv::Input::Sources(&sources), options, &progress).await;
    bar.finish_and_clear();
    let out = match result {
        Ok(out) => out,
        Err(osv::ImportError::Invalid(problems)) => {
            for p in &problems {
                anstream::eprintln!("{}: {}", p.origin, p.message);
            }
            bail!(
                "{} invalid OSV record(s); nothing was imported (without --strict the rest would be)",
                problems.len()
            );
        }
        Err(e) => return Err(e.into()),
    };
    for p in &out.invalid {
        output::warn(&format!("skipped invalid record {}: {}", p.origin, p.message));
    }
    let [new, fp, renamed] = out.events;
    let dating = match (out.dating, &out.appended) {
        (Some(osv::Dating::Published), _) => "; dated by each record's publication time (the feed was empty)".into(),
        (Some(osv::Dating::History), Some(a)) => format!(
            "; dated by each record's publication time and laid out in time order with the {} event(s) the feed held (no client had read the feed yet, so none holds a position in it)",
            a.relaid
        ),
        (Some(osv::Dating::History), None) => {
            "; to be dated by publication, below the events of a feed no client has read".into()
        }
        (Some(osv::Dating::ImportTime), Some(a)) => match (a.first_time, a.last_time) {
            (Some(first), Some(last)) if first != last => format!(
                "; dated {} to {} (the feed already held events, and a client has read it or this source was imported before: only a source's first import into a feed no client has read is dated by publication; a second holds a bounded number of events, so a large import is spread over seconds, some ahead of the clock)",
                first.to_utc_string(),
                last.to_utc_string()
            ),
            (Some(first), _) => format!(
                "; dated {} (the feed already held events, and a client has read it or this source was imported before)",
                first.to_utc_string()
            ),
            _ => String::new(),
        },
        (Some(osv::Dating::ImportTime), None) => "; to be dated at import time (the feed already holds events)".into(),
        (None, _) => String::new(),
    };
    println!(
        "{} files: {} MAL records compared ({} withdrawn), {} unchanged, {} other advisories skipped, {} invalid skipped{}",
        out.files,
        out.compared,
        out.withdrawn,
        out.unchanged,
        out.skipped_not_mal,
        out.invalid.len(),
        if out.duplicates > 0 { format!(", {} duplicates", out.duplicates) } else { String::new() },
    );
    println!("events: {new} NEW_MALICIOUS, {fp} FP, {renamed} NEW_THREAT_NAME; {} indicators{dating}", out.indicators);
    if !out.skipped_ranges.is_empty() {
        let reasons: Vec<String> = out.skipped_ranges.iter().map(|(why, n)| format!("{n} × {why}")).collect();
        println!("ranges skipped (never read as every version): {}", reasons.join("; "));
    }
    match out.appended {
        Some(a) => output::ok(&format!(
            "imported {} event(s){}{} in {:.2} s",
            a.count - a.relaid,
            match (a.first_seq, a.last_seq) {
                (Some(f), Some(l)) => format!(" (sequence {f}–{l})"),
                _ => String::new(),
            },
            match a.merged {
                0 => String::new(),
                n => format!("; {n} left out, their versions being announced by another record already (or still)"),
            },
            started.elapsed().as_secs_f64()
        )),
        None => output::hint(&format!("dry run: nothing stored ({:.2} s)", started.elapsed().as_secs_f64())),
    }
    Ok(())
}

async fn load_entries(place: &Place, file: &Path) -> Result<()> {
    let name = file.display().to_string();
    let (reader, progress): (Box<dyn BufRead>, ProgressBar) = if name == "-" {
        (Box::new(std::io::stdin().lock()), ProgressBar::hidden())
    } else {
        let f = File::open(file).map_err(|e| anyhow::anyhow!("{name}: {e}"))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let bar = ProgressBar::new(len).with_style(
            ProgressStyle::with_template("{spinner} checking {msg} {bar:30} {bytes}/{total_bytes} ({bytes_per_sec})")
                .expect("valid template"),
        );
        bar.set_message(name.clone());
        (Box::new(BufReader::new(bar.wrap_read(f))), bar)
    };
    let store = open_store(place).await?;
    let newest = store.head().await?.map(|h| h.time);
    let now = FeedTime::now();
    let parsed = entries::parse(reader, newest, now);
    progress.finish_and_clear();
    let lines = match parsed {
        Ok(lines) => lines,
        Err(refused) => {
            for p in &refused.problems {
                anstream::eprintln!("{name}:{p}");
            }
            if let Some(io) = refused.io_error {
                bail!("{name}: reading failed at {io}; nothing was imported");
            }
            if refused.total > refused.problems.len() {
                anstream::eprintln!("{name}: … and {} more", refused.total - refused.problems.len());
            }
            bail!("{name}: refused, {} bad line(s); nothing was imported", refused.total);
        }
    };
    if lines.is_empty() {
        output::warn(&format!("{name}: no entries; nothing to import"));
        return Ok(());
    }
    let line_numbers: Vec<usize> = lines.iter().map(|l| l.line).collect();
    let appended = match store.append(lines.into_iter().map(|l| l.event).collect()).await {
        Ok(a) => a,
        Err(scioc_store::Error::Rejected { index, message }) => {
            anstream::eprintln!("{name}:{}: timestamp: {message}", line_numbers[index]);
            bail!("{name}: refused; nothing was imported");
        }
        Err(e) => return Err(e.into()),
    };
    output::ok(&format!(
        "imported {} event(s) from {name}: sequence {}–{}, {} → {}",
        appended.count,
        appended.first_seq.unwrap_or(0),
        appended.last_seq.unwrap_or(0),
        appended.first_time.map(|t| t.to_utc_string()).unwrap_or_default(),
        appended.last_time.map(|t| t.to_utc_string()).unwrap_or_default(),
    ));
    Ok(())
}
