//! `scioc ingest …`.

use super::open_store;
use crate::{cli::IngestCommand, output};
use anyhow::{Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use scioc_ingest::entries;
use scioc_model::FeedTime;
use scioc_store::Store;
use std::{
    fs::File,
    io::{BufRead, BufReader},
    path::Path,
};

pub(super) async fn run(data_dir: &Path, cmd: IngestCommand) -> Result<()> {
    match cmd {
        IngestCommand::Entries { file } => load_entries(data_dir, &file).await,
    }
}

async fn load_entries(data_dir: &Path, file: &Path) -> Result<()> {
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
    let store = open_store(data_dir)?;
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
    let appended = match store.append(lines.into_iter().map(|l| l.event).collect(), now).await {
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
