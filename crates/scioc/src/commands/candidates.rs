//! `scioc candidates …` and `scioc export …`.

use super::{Place, open_existing_store, open_store};
use crate::{
    cli::ExportCommand,
    output,
    settings::{Candidates, Demoted},
};
use anyhow::{Result, bail};
use scioc_curation::{
    Candidate,
    files::{self, DataFiles},
    from_osv,
    promote::{self, Change, Plan},
    validate,
};

use scioc_store::Store;
use std::path::{Path, PathBuf};

pub(super) async fn run(place: &Place, cmd: Candidates) -> Result<()> {
    match cmd {
        Candidates::FromOsv { since, filter, out, dir } => {
            let store = open_existing_store(place).await?;
            let osv = store.source_state("osv").await?;
            let mut blacklist = DataFiles::load(&dir)?.blacklist;
            let curated = store.source_state(promote::SOURCE).await?;
            blacklist.extend(promote::export(&curated).0.blacklist);
            let drafted = from_osv::draft(&osv, &blacklist, since, filter.as_ref());
            let (active, recent) = from_osv::recent(&osv, since);
            // Issue 28: right after an import, --since 24h drafted nothing without saying why.
            output::note(&format!(
                "--since chooses by each OSV record's own `modified` time (when its source last changed it), \
                 not by when scioc imported it: {recent} of the store's {active} active record(s) were modified \
                 since {since}"
            ));
            let text = serde_json::to_string_pretty(&drafted)? + "\n";
            match out {
                Some(path) => {
                    output::write_file(&path, &text)?;
                    output::ok(&format!("drafted {} watch_only candidate(s) into {}", drafted.len(), path.display()));
                }
                None => print!("{text}"),
            }
            Ok(())
        }
        Candidates::Validate { files } => {
            let candidates = read_all(&files)?;
            output::ok(&format!("{} candidate(s) in {} file(s) are valid", candidates.len(), files.len()));
            Ok(())
        }
        Candidates::Promote { files, dir, dry_run } => {
            let candidates = read_all(&files)?;
            let store = open_store(place).await?;
            let state = store.source_state(promote::SOURCE).await?;
            let before = DataFiles::load(&dir)?;
            let plan = promote::plan_promotion(before.clone(), &candidates, &state);
            apply(store.as_ref(), &dir, &before, plan, dry_run).await
        }
        Candidates::Demote { what, dir, reason, dry_run } => {
            let before = DataFiles::load(&dir)?;
            let (candidates, by_name) = match &what {
                Demoted::Files(files) => (read_all(files)?, None),
                Demoted::Indicator { ecosystem, ioc_type, value } => {
                    let named = format!("{ecosystem} {ioc_type} {value:?}");
                    (demoted_indicator(ecosystem, ioc_type, value, &reason), Some(named))
                }
                Demoted::BlacklistId(id) => {
                    let Some(e) = before.blacklist.iter().find(|e| &e.id == id) else {
                        bail!("no entry {id:?} in {}", dir.join(files::BLACKLIST).display());
                    };
                    let mut c = demoted_candidate(&e.ecosystem, "package_name", &e.component, &reason, "blacklist");
                    c.affected_versions = Some(vec!["*".into()]);
                    (vec![c], Some(format!("blacklist entry {id}")))
                }
            };
            let store = open_existing_store(place).await?;
            let state = store.source_state(promote::SOURCE).await?;
            let mut plan = promote::plan_demotion(before.clone(), &candidates, &state, &reason);
            if let Some(named) = by_name {
                // Named by flags, it was looked for everywhere: say where it was, not where it was not.
                if !plan.report.iter().any(|l| l.change == Change::Removed) {
                    bail!(
                        "nothing to demote: {named} is in none of the data files in {} nor in the feed",
                        dir.display()
                    );
                }
                plan.report.retain(|l| l.change != Change::Skipped);
            }
            apply(store.as_ref(), &dir, &before, plan, dry_run).await
        }
    }
}

/// A candidate that names only what to take out (demotion reads no other field).
fn demoted_candidate(ecosystem: &str, ioc_type: &str, value: &str, reason: &str, promote_to: &str) -> Candidate {
    Candidate {
        ecosystem: ecosystem.to_owned(),
        ioc_type: ioc_type.to_owned(),
        value: value.to_owned(),
        match_kind: None,
        confidence: String::new(),
        reason: reason.to_owned(),
        source: String::new(),
        first_seen: String::new(),
        suggested_action: String::new(),
        promote_to: promote_to.to_owned(),
        notes: None,
        blacklist_id: None,
        affected_versions: None,
        action: None,
        severity: None,
    }
}

/// One indicator, everywhere promotion may have put it: the watchlist, npm_iocs.json and, for
/// a package name, blacklist.json (every version).
fn demoted_indicator(ecosystem: &str, ioc_type: &str, value: &str, reason: &str) -> Vec<Candidate> {
    let mut out = vec![
        demoted_candidate(ecosystem, ioc_type, value, reason, "watch_only"),
        demoted_candidate(ecosystem, ioc_type, value, reason, "npm_iocs"),
    ];
    if ioc_type == "package_name" {
        let mut c = demoted_candidate(ecosystem, ioc_type, value, reason, "blacklist");
        c.affected_versions = Some(vec!["*".into()]);
        out.push(c);
    }
    out
}

/// Reads and validates every file, reporting every problem of every file before failing.
fn read_all(paths: &[PathBuf]) -> Result<Vec<Candidate>> {
    let mut all = Vec::new();
    let mut problems = 0;
    let mut bad_files = 0;
    for path in paths {
        match validate::read_file(path) {
            Ok(c) => all.extend(c),
            Err(ps) => {
                bad_files += 1;
                for p in &ps {
                    anstream::eprintln!("{}: {p}", path.display());
                }
                problems += ps.len();
            }
        }
    }
    if problems > 0 {
        bail!("{problems} problem(s) in {bad_files} candidate file(s); nothing was changed");
    }
    Ok(all)
}

/// Prints the report and the diff, or writes the files and commits the store.
async fn apply(store: &dyn Store, dir: &Path, before: &DataFiles, plan: Plan, dry_run: bool) -> Result<()> {
    report(&plan);
    let events = plan.import.events.len();
    if dry_run {
        for ((name, old), (_, new)) in before.render().into_iter().zip(plan.files.render()) {
            let old_text = if dir.join(name).exists() {
                std::fs::read_to_string(dir.join(name)).unwrap_or(old)
            } else {
                String::new()
            };
            if old_text != new {
                let diff = similar::TextDiff::from_lines(&old_text, &new);
                print!("{}", diff.unified_diff().context_radius(2).header(&format!("a/{name}"), &format!("b/{name}")));
            }
        }
        output::hint(&format!("dry run: nothing written; {events} feed event(s) would be emitted{}", why_none(events)));
        return Ok(());
    }
    // Stage every file first; if the store refuses, the staged files are dropped and no data
    // file has changed.
    let staged = files::stage(dir, &plan.files)?;
    let import = plan.import;
    let touches_store = !import.events.is_empty()
        || !import.records.is_empty()
        || !import.indicators.is_empty()
        || !import.remove_records.is_empty()
        || !import.retire_indicators_of.is_empty();
    if touches_store {
        store.commit_import(import).await?;
    }
    let written = staged.commit()?;
    if written.is_empty() {
        output::ok(&format!("no data file changed in {}; {events} feed event(s){}", dir.display(), why_none(events)));
    } else {
        let names: Vec<String> = written.iter().map(|p| p.display().to_string()).collect();
        output::ok(&format!("wrote {}; {events} feed event(s){}", names.join(", "), why_none(events)));
    }
    Ok(())
}

/// Why a promotion announces nothing, when it does not: the report's `store` lines say, per
/// candidate.
fn why_none(events: usize) -> &'static str {
    match events {
        0 => {
            " (the feed announces what blocks and is new: already announced, warning-only, watch-only and unexpressible entries add none; the store lines above say which)"
        }
        _ => "",
    }
}

fn report(plan: &Plan) {
    for file in [files::BLACKLIST, files::NPM_IOCS, files::WATCHLIST, "store"] {
        let lines: Vec<_> = plan.report.iter().filter(|l| l.file == file).collect();
        if lines.is_empty() {
            continue;
        }
        let count = |c: Change| lines.iter().filter(|l| l.change == c).count();
        println!(
            "{file}: {} added, {} merged, {} removed, {} unchanged, {} skipped",
            count(Change::Added),
            count(Change::Merged),
            count(Change::Removed),
            count(Change::Unchanged),
            count(Change::Skipped)
        );
        for l in lines {
            let word = match l.change {
                Change::Added => "added",
                Change::Merged => "merged",
                Change::Removed => "removed",
                Change::Unchanged => "unchanged",
                Change::Skipped => "skipped",
            };
            if l.why.is_empty() {
                println!("  {word:9} {}", l.what);
            } else {
                println!("  {word:9} {}: {}", l.what, l.why);
            }
        }
    }
}

pub(super) async fn export(place: &Place, cmd: ExportCommand) -> Result<()> {
    let ExportCommand::Tooltrust { out } = cmd else { anyhow::bail!("not a ToolTrust export") };
    let store = open_store(place).await?;
    let state = store.source_state(promote::SOURCE).await?;
    let (data, candidates) = promote::export(&state);
    let mut contents: Vec<(String, String)> =
        data.render().into_iter().filter(|(n, _)| *n != files::WATCHLIST).map(|(n, c)| (n.to_owned(), c)).collect();
    contents.push(("candidates.json".into(), serde_json::to_string_pretty(&candidates)? + "\n"));
    files::stage_named(&out, contents)?.commit()?;
    output::ok(&format!(
        "exported {} blacklist entries and {} npm IoCs to {} (candidates.json promotes back to the same files)",
        data.blacklist.len(),
        data.npm_iocs.len(),
        out.display()
    ));
    Ok(())
}
