//! `scioc status` and `scioc indicators`.

use super::{Place, open_existing_store};
use crate::cli::{IndicatorsArgs, IndicatorsFormat, ListFormat, StatusArgs};
use crate::output;
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
    let everything = store.indicators().await?;
    let total = everything.len();
    let contains = args.contains.as_deref().map(str::to_lowercase);
    let same = |want: &Option<String>, got: &str| want.as_deref().is_none_or(|w| w.eq_ignore_ascii_case(got));
    let all: Vec<_> = everything
        .into_iter()
        .filter(|i| same(&args.kind, i.kind.as_str()) && same(&args.ecosystem, &i.ecosystem))
        .filter(|i| same(&args.package, &i.package) && same(&args.source, &i.source))
        .filter(|i| contains.as_deref().is_none_or(|c| i.value.to_lowercase().contains(c)))
        .take(args.limit.unwrap_or(usize::MAX))
        .collect();
    match args.format {
        IndicatorsFormat::Csv => {
            let mut w = csv::Writer::from_writer(std::io::stdout().lock());
            w.write_record([
                "kind",
                "value",
                "match",
                "ecosystem",
                "package",
                "confidence",
                "action",
                "source",
                "source_id",
            ])?;
            for i in &all {
                w.write_record([
                    i.kind.as_str(),
                    &i.value,
                    i.match_kind.as_str(),
                    &i.ecosystem,
                    &i.package,
                    &i.confidence,
                    &i.action,
                    &i.source,
                    &i.source_id,
                ])?;
            }
            w.flush()?;
        }
        IndicatorsFormat::Json => {
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
        IndicatorsFormat::Table => {
            // One line per indicator, no rules between rows, the long parts shortened: a
            // table to read, with JSON and CSV for every field.
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::NOTHING)
                .set_content_arrangement(comfy_table::ContentArrangement::Disabled)
                .set_header(["KIND", "VALUE", "PACKAGE", "SOURCE"]);
            for i in &all {
                let package = format!("{} {}", i.ecosystem, i.package);
                table.add_row([i.kind.as_str(), &shorten(&i.value, 60), package.trim(), &shorten(&i.source, 24)]);
            }
            println!("{table}");
            output::hint(&format!(
                "{} of {total} indicator(s); --kind, --ecosystem, --package, --source, --contains and --limit narrow them; --format json|csv shows every field",
                all.len()
            ));
        }
    }
    Ok(())
}

/// `scioc firewall blocks`.
pub(super) async fn blocks(
    place: &Place,
    since: scioc_model::FeedTime,
    kind: Option<scioc_store::BlockKind>,
    limit: u32,
    format: ListFormat,
) -> Result<()> {
    let store = open_existing_store(place).await?;
    let blocks = store.blocks(since, kind, limit).await?;
    match format {
        ListFormat::Json => {
            let list: Vec<_> = blocks.iter().map(scioc_store::BlockRecord::to_json).collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        ListFormat::Table => {
            let mut table = comfy_table::Table::new();
            table.load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY).set_header([
                "time",
                "kind",
                "count",
                "client",
                "package",
                "version",
                "rule",
                "reference",
                "reason",
            ]);
            for b in &blocks {
                table.add_row([
                    b.time.to_utc_string().as_str(),
                    b.kind.as_str(),
                    &b.count.to_string(),
                    &b.client,
                    &format!("{} {}", b.ecosystem, b.package),
                    b.version.as_deref().unwrap_or(""),
                    &b.rule,
                    b.reference.as_deref().unwrap_or(""),
                    &shorten(&b.reason, 80),
                ]);
            }
            println!("{table}");
            output::hint(&format!("{} refusal(s)", blocks.len()));
        }
    }
    Ok(())
}

/// `text` cut to `max` characters, with an ellipsis when cut.
fn shorten(text: &str, max: usize) -> String {
    match text.char_indices().nth(max.saturating_sub(1)) {
        Some((at, _)) if text.chars().count() > max => format!("{}…", &text[..at]),
        _ => text.to_owned(),
    }
}
