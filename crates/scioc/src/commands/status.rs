//! `scioc status` and `scioc indicators`.

use super::{Place, open_existing_store};
use crate::cli::{IndicatorsArgs, ListFormat, StatusArgs};
use anyhow::Result;

pub(super) async fn run(place: &Place, args: StatusArgs) -> Result<()> {
    let store = open_existing_store(place).await?;
    let stats = store.stats().await?;
    let newest = stats.head.map(|h| h.time.to_utc_string());
    let digest = if args.digest { Some(store.digest().await?) } else { None };
    let sources = store.feed_sources().await?;
    let now = scioc_model::FeedTime::now();
    match args.format {
        ListFormat::Json => println!(
            "{}",
            serde_json::json!({
                "store": store.location(),
                "events": stats.events,
                "users": stats.users,
                "indicators": stats.indicators,
                "bytes": stats.bytes,
                "newest_event": newest,
                "newest_sequence": stats.head.map(|h| h.seq),
                "digest": digest,
                "sources": sources.iter().map(|s| s.to_json(now)).collect::<Vec<_>>(),
            })
        ),
        ListFormat::Table => {
            println!("store         {}", store.location());
            println!("events        {}", stats.events);
            println!("newest event  {}", newest.as_deref().unwrap_or("none"));
            println!("users         {}", stats.users);
            println!("indicators    {}", stats.indicators);
            println!("size          {:.1} MiB", stats.bytes as f64 / (1024.0 * 1024.0));
            if let Some(d) = digest {
                println!("digest        {d}");
            }
            for s in &sources {
                let state = match (&s.status.last_error, s.status.failures) {
                    (Some(e), n) if n > 0 => format!("failing ({n} in a row): {e}"),
                    _ => match s.lag_secs(now) {
                        Some(lag) => format!("ok, {} records, read {lag} s ago", s.status.records),
                        None => "not read yet".to_owned(),
                    },
                };
                println!("source        {} ({}): {state}", s.def.name, s.def.kind);
            }
        }
    }
    Ok(())
}

pub(super) async fn indicators(place: &Place, args: IndicatorsArgs) -> Result<()> {
    let store = open_existing_store(place).await?;
    let all = store.indicators().await?;
    match args.format {
        ListFormat::Json => {
            let list: Vec<_> = all
                .iter()
                .map(|i| {
                    serde_json::json!({"kind": i.kind, "value": i.value, "match": i.match_kind, "ecosystem": i.ecosystem,
                                       "package": i.package, "confidence": i.confidence, "action": i.action,
                                       "source": i.source, "source_id": i.source_id})
                })
                .collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
                .set_header(["kind", "value", "package", "source"]);
            for i in &all {
                table.add_row([
                    i.kind.as_str(),
                    &i.value,
                    &format!("{} {}", i.ecosystem, i.package),
                    &format!("{} {}", i.source, i.source_id),
                ]);
            }
            println!("{table}");
        }
    }
    Ok(())
}

/// `scioc firewall blocks`.
pub(super) async fn blocks(place: &Place, since: scioc_model::FeedTime, limit: u32, format: ListFormat) -> Result<()> {
    let store = open_existing_store(place).await?;
    let blocks = store.blocks(since, limit).await?;
    match format {
        ListFormat::Json => {
            let list: Vec<_> = blocks.iter().map(scioc_store::BlockRecord::to_json).collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY).set_header([
                "time",
                "client",
                "package",
                "version",
                "rule",
                "reference",
            ]);
            for b in &blocks {
                table.add_row([
                    b.time.to_utc_string().as_str(),
                    &b.client,
                    &format!("{} {}", b.ecosystem, b.package),
                    b.version.as_deref().unwrap_or(""),
                    &b.rule,
                    b.reference.as_deref().unwrap_or(""),
                ]);
            }
            println!("{table}");
            crate::output::hint(&format!("{} refusal(s)", blocks.len()));
        }
    }
    Ok(())
}
