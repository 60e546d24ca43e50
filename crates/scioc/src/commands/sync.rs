//! `scioc sync --from URL`: mirror a remote feed into the local store.

use super::{Place, open_store, remote};
use crate::output;
use crate::settings::Sync;
use anyhow::Result;
use std::time::{Duration, Instant};

pub(super) async fn run(place: &Place, args: Sync) -> Result<()> {
    let client = remote::connect(&args.remote)?;
    let url = args.remote.url.clone();
    let store = open_store(place).await?;
    let follow = args.follow;
    let bar = indicatif::ProgressBar::new_spinner();
    bar.set_style(
        indicatif::ProgressStyle::with_template("{spinner} {msg}")
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_spinner()),
    );
    bar.enable_steady_tick(Duration::from_millis(200));
    let started = Instant::now();
    let source = scioc_ingest::sync::source_name(&url);
    let stored = scioc_ingest::sync::sync(store.as_ref(), &client, &source, args.limit, follow, |p| {
        let rate = p.stored as f64 / started.elapsed().as_secs_f64().max(0.001);
        bar.set_message(format!(
            "{} event(s) mirrored ({} this run, {rate:.0}/s); at {}, {} behind",
            p.total,
            p.stored,
            p.at.to_utc_string(),
            lag(p.lag_secs)
        ));
    })
    .await;
    bar.finish_and_clear();
    let synced = stored?;
    eprintln!(
        "{} event(s) mirrored from {url} in {:.1}s; the mirror is caught up",
        synced.stored,
        started.elapsed().as_secs_f64()
    );
    match synced.knowledge {
        scioc_ingest::sync::KnowledgeSync::Updated { rules, indicators } => {
            eprintln!("knowledge mirrored: {rules} curated rule(s), {indicators} indicator(s)")
        }
        scioc_ingest::sync::KnowledgeSync::Unchanged => eprintln!("knowledge unchanged since the last sync"),
        scioc_ingest::sync::KnowledgeSync::NotOffered => output::warn(
            "the server offers no knowledge document (not a scioc server): indicators and curated rules are not mirrored",
        ),
    }
    Ok(())
}

fn lag(secs: i64) -> String {
    match secs {
        s if s < 120 => format!("{s}s"),
        s if s < 7200 => format!("{}m", s / 60),
        s if s < 172_800 => format!("{}h", s / 3600),
        s => format!("{}d", s / 86_400),
    }
}
