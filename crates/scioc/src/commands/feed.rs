//! `scioc feed start|pull|query`: the remote feed from a shell.

use super::remote::connect;
use crate::cli::EventFormat;
use crate::settings::{Feed, FeedAction};
use anyhow::Result;
use futures_util::{Stream, StreamExt};
use scioc_client::{Error, ReceivedEvent, StartAt};
use serde_json::{Value, json};
use std::io::Write;

pub(super) async fn run(feed: Feed) -> Result<u8> {
    let client = connect(&feed.remote)?;
    match feed.action {
        FeedAction::Start(at) => {
            client.start(at).await?;
            let shown = match at {
                StartAt::Now => "now".to_owned(),
                StartAt::Utc(t) | StartAt::Timestamp(t) => t.to_utc_string(),
            };
            eprintln!("cursor set at {shown}");
            Ok(0)
        }
        FeedAction::Pull { limit, follow: Some(interval), format } => {
            print(client.follow(limit, interval), format, |_| true).await
        }
        FeedAction::Pull { limit, follow: None, format } => print(client.pull_all(limit), format, |_| true).await,
        FeedAction::Query { from, to, event_types, ecosystems, format } => {
            let keep = move |e: &ReceivedEvent| {
                let type_ok = event_types.is_empty() || event_types.contains(&e.event_type());
                let community = e.entry.identity.as_ref().and_then(|i| i.community.clone()).unwrap_or_default();
                let eco = scioc_model::ecosystem_of(&community).unwrap_or_default().to_ascii_lowercase();
                let eco_ok = ecosystems.is_empty() || ecosystems.iter().any(|x| *x == community || *x == eco);
                type_ok && eco_ok
            };
            print(client.window(from, to), format, keep).await
        }
    }
}

/// The entry as the feed gives it, with scioc's sequence, time and provenance.
fn event_json(e: &ReceivedEvent) -> Value {
    let mut v = e.entry_json();
    let mut scioc = serde_json::Map::new();
    if let Some(s) = e.sequence {
        scioc.insert("sequence".into(), json!(s));
    }
    if let Some(t) = e.time {
        scioc.insert("timestamp".into(), json!(t.to_utc_string()));
    }
    if let Some(p) = &e.provenance {
        scioc.insert("provenance".into(), serde_json::to_value(p).unwrap_or_default());
    }
    if !scioc.is_empty() {
        v["scioc"] = Value::Object(scioc);
    }
    v
}

const COLUMNS: [&str; 9] =
    ["sequence", "time", "event_type", "community", "package", "version", "purl", "sha256", "threat_name"];

fn row(e: &ReceivedEvent) -> [String; 9] {
    let id = e.entry.identity.as_ref();
    let field = |f: Option<&Option<String>>| f.and_then(|x| x.clone()).unwrap_or_default();
    [
        e.sequence.map(|s| s.to_string()).unwrap_or_default(),
        e.time.map(|t| t.to_utc_string()).unwrap_or_default(),
        e.event_type().as_str().to_owned(),
        field(id.map(|i| &i.community)),
        field(id.map(|i| &i.package)),
        field(id.map(|i| &i.version)),
        field(id.map(|i| &i.purl)),
        e.entry.sha256.as_ref().map(|h| h.as_str().to_owned()).unwrap_or_default(),
        e.entry.sample_list.first().and_then(|s| s.threat_name.clone()).unwrap_or_default(),
    ]
}

/// Prints events as they arrive (jsonl, csv) or at the end (json, table); exit 0, or 1 with
/// what was printed so far kept when the feed fails midway.
async fn print(
    events: impl Stream<Item = Result<ReceivedEvent, Error>>,
    format: EventFormat,
    keep: impl Fn(&ReceivedEvent) -> bool,
) -> Result<u8> {
    let mut events = std::pin::pin!(events);
    let stdout = std::io::stdout();
    let mut csv = (format == EventFormat::Csv).then(|| csv::Writer::from_writer(stdout.lock()));
    if let Some(w) = csv.as_mut() {
        w.write_record(COLUMNS)?;
    }
    let mut all = Vec::new();
    while let Some(e) = events.next().await {
        let e = e?;
        if !keep(&e) {
            continue;
        }
        match format {
            EventFormat::Jsonl => {
                let mut out = stdout.lock();
                serde_json::to_writer(&mut out, &event_json(&e))?;
                out.write_all(b"\n")?;
                out.flush()?;
            }
            EventFormat::Csv => {
                if let Some(w) = csv.as_mut() {
                    w.write_record(row(&e))?;
                    w.flush()?;
                }
            }
            EventFormat::Json | EventFormat::Table => all.push(e),
        }
    }
    match format {
        EventFormat::Json => {
            let list: Vec<Value> = all.iter().map(event_json).collect();
            println!("{}", serde_json::to_string_pretty(&list)?);
        }
        EventFormat::Table => {
            let mut table = comfy_table::Table::new();
            table
                .load_preset(comfy_table::presets::UTF8_HORIZONTAL_ONLY)
                .set_content_arrangement(comfy_table::ContentArrangement::Dynamic)
                .set_header(["seq", "time", "event", "purl", "threat"]);
            for e in &all {
                let r = row(e);
                table.add_row([r[0].clone(), r[1].clone(), r[2].clone(), r[6].clone(), r[8].clone()]);
            }
            println!("{table}");
            eprintln!("{} event(s)", all.len());
        }
        _ => {}
    }
    Ok(0)
}
