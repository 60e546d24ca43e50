//! The registry firewall's recorded refusals, and the archives it delivered.

use super::{Conn, PgResultExt};
use crate::{BlockKind, BlockRecord, Result, SeenArchive};
use deadpool_postgres::GenericClient;
use scioc_model::FeedTime;
use tokio_postgres::Row;

const BLOCK_COLUMNS: &str = "at, client, ecosystem, package, version, rule, reference, what, kind, reason, count";
const ARCHIVE_COLUMNS: &str = "ecosystem, package, file, version, sha256, sha512, first_seen";

/// Inserts one refusal (for a batch and for a restore alike).
pub(super) async fn insert(c: &impl GenericClient, b: &BlockRecord) -> Result<()> {
    let stmt = c
        .prepare_cached(
            "INSERT INTO firewall_blocks (at, client, ecosystem, package, version, rule, reference, what, kind, reason, count)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .await
        .db()?;
    c.execute(
        &stmt,
        &[
            &b.time.unix(),
            &b.client,
            &b.ecosystem,
            &b.package,
            &b.version,
            &b.rule,
            &b.reference,
            &b.what,
            &b.kind.as_str(),
            &b.reason,
            &i64::from(b.count),
        ],
    )
    .await
    .db()?;
    Ok(())
}

pub(super) async fn record(c: &mut Conn, blocks: &[BlockRecord]) -> Result<()> {
    let tx = c.transaction().await.db()?;
    for b in blocks {
        insert(&tx, b).await?;
    }
    tx.commit().await.db()
}

fn block(r: &Row) -> BlockRecord {
    BlockRecord {
        time: FeedTime::from_unix(r.get(0)),
        client: r.get(1),
        ecosystem: r.get(2),
        package: r.get(3),
        version: r.get(4),
        rule: r.get(5),
        reference: r.get(6),
        what: r.get(7),
        kind: BlockKind::parse(r.get(8)),
        reason: r.get::<_, Option<String>>(9).unwrap_or_default(),
        count: u32::try_from(r.get::<_, i64>(10)).unwrap_or(u32::MAX),
    }
}

pub(super) async fn since(c: &Conn, since: FeedTime, kind: Option<BlockKind>, limit: u32) -> Result<Vec<BlockRecord>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {BLOCK_COLUMNS} FROM firewall_blocks WHERE at >= $1 AND ($3::text IS NULL OR kind = $3)
             ORDER BY at, id LIMIT $2"
        ))
        .await
        .db()?;
    let rows = c.query(&stmt, &[&since.unix(), &i64::from(limit), &kind.map(BlockKind::as_str)]).await.db()?;
    Ok(rows.iter().map(block).collect())
}

pub(super) async fn prune(c: &Conn, before: FeedTime) -> Result<u64> {
    c.execute("DELETE FROM firewall_blocks WHERE at < $1", &[&before.unix()]).await.db()
}

fn archive(r: &Row) -> SeenArchive {
    SeenArchive {
        ecosystem: r.get(0),
        package: r.get(1),
        file: r.get(2),
        version: r.get(3),
        sha256: r.get(4),
        sha512: r.get(5),
        first_seen: FeedTime::from_unix(r.get(6)),
    }
}

pub(super) async fn seen(c: &impl GenericClient, eco: &str, package: &str, file: &str) -> Result<Option<SeenArchive>> {
    let stmt = c
        .prepare_cached(&format!(
            "SELECT {ARCHIVE_COLUMNS} FROM archive_hashes WHERE ecosystem = $1 AND package = $2 AND file = $3"
        ))
        .await
        .db()?;
    Ok(c.query_opt(&stmt, &[&eco, &package, &file]).await.db()?.as_ref().map(archive))
}

/// Inserts `a` unless its file is known, and returns the first one seen (for a restore too).
pub(super) async fn remember(c: &impl GenericClient, a: &SeenArchive) -> Result<SeenArchive> {
    let stmt = c
        .prepare_cached(&format!(
            "INSERT INTO archive_hashes ({ARCHIVE_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING"
        ))
        .await
        .db()?;
    c.execute(&stmt, &[&a.ecosystem, &a.package, &a.file, &a.version, &a.sha256, &a.sha512, &a.first_seen.unix()])
        .await
        .db()?;
    Ok(seen(c, &a.ecosystem, &a.package, &a.file).await?.unwrap_or_else(|| a.clone()))
}

/// Every archive seen, for a dump.
pub(super) async fn all_archives(c: &impl GenericClient) -> Result<Vec<SeenArchive>> {
    let rows = c
        .query(&format!("SELECT {ARCHIVE_COLUMNS} FROM archive_hashes ORDER BY ecosystem, package, file"), &[])
        .await
        .db()?;
    Ok(rows.iter().map(archive).collect())
}

/// Every refusal, for a dump.
pub(super) async fn all_blocks(c: &impl GenericClient) -> Result<Vec<BlockRecord>> {
    let rows = c.query(&format!("SELECT {BLOCK_COLUMNS} FROM firewall_blocks ORDER BY at, id"), &[]).await.db()?;
    Ok(rows.iter().map(block).collect())
}
