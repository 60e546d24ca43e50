//! `scioc migrate` and `scioc copy`.

use super::{Place, open_postgres, open_sqlite};
use crate::{
    cli::{CopyArgs, MigrateArgs},
    output,
    store_url::StoreUrl,
};
use anyhow::{Context, Result, bail};
use indicatif::{ProgressBar, ProgressStyle};
use scioc_store::{PgOptions, PgStore, SqliteStore, Store};
use std::sync::Arc;

pub(super) async fn migrate(place: &Place, args: MigrateArgs) -> Result<u8> {
    let (location, migrations) = match &place.database {
        Some(url) => {
            let options = PgOptions { migrate: !args.check, ..place.pg_options(1) };
            let store = match PgStore::connect(url, options).await {
                Err(scioc_store::Error::Schema(why)) if args.check => {
                    output::error(&why);
                    return Ok(1);
                }
                other => other.context("opening the shared store")?,
            };
            (store.location(), store.migrations().await?)
        }
        None => {
            let path = place.data_dir.join(scioc_store::DB_FILE);
            if args.check {
                let pending = SqliteStore::pending_migrations(&path)?;
                if pending > 0 {
                    output::error(&format!("{}: {pending} migration(s) pending; run `scioc migrate`", path.display()));
                    return Ok(1);
                }
            }
            let store = SqliteStore::open(&place.data_dir)
                .with_context(|| format!("opening the store in {}", place.data_dir.display()))?;
            (store.location(), store.migrations()?)
        }
    };
    for (version, name, applied) in &migrations {
        println!("{version:>4}  {name:<24} {}", if *applied { "applied" } else { "pending" });
    }
    output::ok(&format!("{location}: schema at version {}", migrations.iter().filter(|m| m.2).count()));
    Ok(0)
}

async fn open(place: &Place, url: &StoreUrl, must_exist: bool) -> Result<Arc<dyn Store>> {
    match url {
        StoreUrl::Sqlite(dir) => {
            if must_exist && !dir.join(scioc_store::DB_FILE).is_file() {
                bail!("--from: no store in {} (no {} there)", dir.display(), scioc_store::DB_FILE);
            }
            open_sqlite(dir, place.events_per_second)
        }
        StoreUrl::Postgres(url) => open_postgres(url, place.pg_options(2)).await,
    }
}

pub(super) async fn copy(place: &Place, args: CopyArgs) -> Result<()> {
    let from = StoreUrl::parse(&args.from, "--from")?;
    let to = StoreUrl::parse(&args.to, "--to")?;
    if from == to {
        bail!("--from and --to name the same store");
    }
    let source = open(place, &from, true).await.context("opening --from")?;
    let target = open(place, &to, false).await.context("opening --to")?;
    let total = source.head().await?.map_or(0, |h| h.seq) as u64;
    let bar = ProgressBar::new(total).with_style(
        ProgressStyle::with_template("{spinner} copying events {bar:30} {pos}/{len} ({per_sec}, {eta})")
            .expect("static template"),
    );
    let copied = target
        .restore(&*source, &|n| bar.set_position(n))
        .await
        .with_context(|| format!("copying {} into {}", source.location(), target.location()))?;
    bar.finish_and_clear();

    let (want, got) = (source.digest().await?, target.digest().await?);
    if want != got {
        bail!(
            "the copy's events differ from the source's (digest {got}, expected {want}); was the source written to during the copy?"
        );
    }
    let (meta, copied_meta) = (source.export_meta().await?, target.export_meta().await?);
    if meta != copied_meta {
        bail!(
            "the copy's users, cursors, sources, indicators or claims differ from the source's; was it written to during the copy?"
        );
    }
    output::ok(&format!(
        "copied {}, {}, {}, {}, {} and {} from {} into {}",
        output::count(copied, "event", "events"),
        output::count(meta.users.len() as u64, "user", "users"),
        output::count(meta.cursors.len() as u64, "cursor", "cursors"),
        output::count(
            meta.sources.iter().map(|s| s.records.len() as u64).sum::<u64>(),
            "source record",
            "source records"
        ),
        output::count(meta.indicators.len() as u64, "indicator", "indicators"),
        output::count(meta.claims.len() as u64, "claim", "claims"),
        source.location(),
        target.location(),
    ));
    output::hint(&format!("verified: event digest {want} on both sides; every other row equal"));
    Ok(())
}
