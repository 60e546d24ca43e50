//! `scioc status`.

use super::open_store;
use crate::cli::{ListFormat, StatusArgs};
use anyhow::Result;
use scioc_store::Store;
use std::path::Path;

pub(super) async fn run(data_dir: &Path, args: StatusArgs) -> Result<()> {
    let store = open_store(data_dir)?;
    let stats = store.stats().await?;
    let newest = stats.head.map(|h| h.time.to_utc_string());
    match args.format {
        ListFormat::Json => println!(
            "{}",
            serde_json::json!({
                "store": store.path().display().to_string(),
                "events": stats.events,
                "users": stats.users,
                "newest_event": newest,
                "newest_sequence": stats.head.map(|h| h.seq),
            })
        ),
        ListFormat::Table => {
            println!("store         {}", store.path().display());
            println!("events        {}", stats.events);
            println!("newest event  {}", newest.as_deref().unwrap_or("none"));
            println!("users         {}", stats.users);
        }
    }
    Ok(())
}
