//! `scioc sources …`: the sources `scioc serve` polls.

use super::{Place, open_existing_store, open_store};
use crate::{
    cli::{ListFormat, SourcesCommand},
    output,
    settings::source_def,
};
use anyhow::{Result, bail};
use scioc_model::FeedTime;

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
            let store = open_existing_store(place).await?;
            let sources = store.feed_sources().await?;
            let now = FeedTime::now();
            match format {
                ListFormat::Json => {
                    let list: Vec<_> = sources.iter().map(|s| s.to_json(now)).collect();
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
                            s.lag_secs(now).map_or("–".into(), |l| format!("{l} s")),
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
