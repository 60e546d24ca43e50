//! `scioc sources …`: the sources `scioc serve` polls.

use super::{Place, open_store};
use crate::{
    cli::{ListFormat, SourcesCommand},
    output,
    settings::source_def,
};
use anyhow::{Result, bail};
use scioc_model::FeedTime;
use scioc_store::FeedSource;

pub(super) async fn run(place: &Place, cmd: SourcesCommand) -> Result<()> {
    match cmd {
        SourcesCommand::Add { name, kind, location, ecosystem, interval, timeout } => {
            let def = source_def("--", &name, &kind, &location, ecosystem.as_deref(), (&interval, &timeout), "cli")?;
            let store = open_store(place).await?;
            let existed = store.feed_sources().await?.iter().any(|s| s.def.name == name);
            store.put_feed_source(def.clone()).await?;
            output::ok(&format!(
                "{} source {name}: {} at {}, every {} s; scioc serve polls it",
                if existed { "changed" } else { "added" },
                def.kind,
                def.location,
                def.interval_secs
            ));
        }
        SourcesCommand::List { format } => {
            let store = open_store(place).await?;
            let sources = store.feed_sources().await?;
            let now = FeedTime::now();
            match format {
                ListFormat::Json => {
                    let list: Vec<_> = sources.iter().map(|s| to_json(s, now)).collect();
                    println!("{}", serde_json::to_string_pretty(&list)?);
                }
                ListFormat::Table => {
                    if sources.is_empty() {
                        output::hint("no sources; add one with: scioc sources add NAME --kind osv --location URL");
                        return Ok(());
                    }
                    let mut table = comfy_table::Table::new();
                    table.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY).set_header([
                        "name",
                        "kind",
                        "location",
                        "every",
                        "last success",
                        "records",
                        "lag",
                        "last error",
                    ]);
                    for s in &sources {
                        let d = &s.def;
                        let st = &s.status;
                        table.add_row([
                            d.name.clone(),
                            d.kind.clone(),
                            d.location.clone(),
                            format!("{} s", d.interval_secs),
                            st.last_success.map_or("never".into(), |t| t.to_utc_string()),
                            st.records.to_string(),
                            lag(s, now).map_or("–".into(), |l| format!("{l} s")),
                            match (&st.last_error, st.failures) {
                                (Some(e), n) if n > 0 => format!("{e} ({n} in a row)"),
                                _ => String::new(),
                            },
                        ]);
                    }
                    println!("{table}");
                }
            }
        }
        SourcesCommand::Remove { name } => {
            let store = open_store(place).await?;
            if store.remove_feed_sources(std::slice::from_ref(&name)).await? == 0 {
                bail!("no source named {name:?}; `scioc sources list` shows them");
            }
            output::ok(&format!("removed source {name}; what it announced stays in the feed"));
        }
    }
    Ok(())
}

/// Seconds since the source was last read successfully (`None`: never).
pub(crate) fn lag(s: &FeedSource, now: FeedTime) -> Option<i64> {
    s.status.last_success.map(|t| (now.unix() - t.unix()).max(0))
}

/// A source and its status as JSON, as `scioc sources list --format json` and `scioc status` show it.
pub(crate) fn to_json(s: &FeedSource, now: FeedTime) -> serde_json::Value {
    let t = |t: Option<FeedTime>| t.map(|t| t.to_utc_string());
    serde_json::json!({
        "name": s.def.name,
        "kind": s.def.kind,
        "location": s.def.location,
        "ecosystem": s.def.ecosystem,
        "interval_secs": s.def.interval_secs,
        "timeout_secs": s.def.timeout_secs,
        "origin": s.def.origin,
        "last_attempt": t(s.status.last_attempt),
        "last_success": t(s.status.last_success),
        "last_change": t(s.status.last_change),
        "last_error": s.status.last_error,
        "last_error_at": t(s.status.last_error_at),
        "failures": s.status.failures,
        "records": s.status.records,
        "polls": s.status.polls,
        "lag_secs": lag(s, now),
        "next_poll": s.status.next_poll.to_utc_string(),
    })
}
