//! The registry firewall's recorded refusals, and the archives it delivered.

use super::SqlResultExt;
use crate::{BlockKind, BlockRecord, Result, SeenArchive};
use r2d2_sqlite::rusqlite::{Connection, OptionalExtension, Row, params};
use scioc_model::FeedTime;

/// The columns [`block`] reads, in order.
pub(super) const BLOCK_COLUMNS: &str =
    "at, client, ecosystem, package, version, rule, reference, what, kind, reason, count";

/// Inserts one refusal (for a batch and for a restore alike).
pub(super) fn insert(conn: &Connection, b: &BlockRecord) -> Result<()> {
    conn.prepare_cached(
        "INSERT INTO firewall_blocks (at, client, ecosystem, package, version, rule, reference, what, kind, reason, count)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )
    .db()?
    .execute(params![
        b.time.unix(),
        b.client,
        b.ecosystem,
        b.package,
        b.version,
        b.rule,
        b.reference,
        b.what,
        b.kind.as_str(),
        b.reason,
        b.count
    ])
    .db()?;
    Ok(())
}

pub(super) fn record(conn: &mut Connection, blocks: &[BlockRecord]) -> Result<()> {
    let tx = conn.transaction().db()?;
    for b in blocks {
        insert(&tx, b)?;
    }
    tx.commit().db()
}

/// Reads a row of [`BLOCK_COLUMNS`].
pub(super) fn block(r: &Row<'_>) -> r2d2_sqlite::rusqlite::Result<BlockRecord> {
    Ok(BlockRecord {
        time: FeedTime::from_unix(r.get(0)?),
        client: r.get(1)?,
        ecosystem: r.get(2)?,
        package: r.get(3)?,
        version: r.get(4)?,
        rule: r.get(5)?,
        reference: r.get(6)?,
        what: r.get(7)?,
        kind: BlockKind::parse(&r.get::<_, String>(8)?),
        reason: r.get::<_, Option<String>>(9)?.unwrap_or_default(),
        count: r.get(10)?,
    })
}

pub(super) fn since(
    conn: &Connection,
    since: FeedTime,
    kind: Option<BlockKind>,
    limit: u32,
) -> Result<Vec<BlockRecord>> {
    let mut stmt = conn
        .prepare_cached(&format!(
            "SELECT {BLOCK_COLUMNS} FROM firewall_blocks WHERE at >= ?1 AND (?3 IS NULL OR kind = ?3)
             ORDER BY at, id LIMIT ?2"
        ))
        .db()?;
    let rows = stmt.query_map(params![since.unix(), limit, kind.map(BlockKind::as_str)], block).db()?;
    rows.map(|r| r.db()).collect()
}

pub(super) fn prune(conn: &mut Connection, before: FeedTime) -> Result<u64> {
    let n = conn.execute("DELETE FROM firewall_blocks WHERE at < ?1", [before.unix()]).db()?;
    Ok(n as u64)
}

/// The columns [`archive`] reads, in order.
pub(super) const ARCHIVE_COLUMNS: &str = "ecosystem, package, file, version, sha256, sha512, first_seen";

/// Reads a row of [`ARCHIVE_COLUMNS`].
pub(super) fn archive(r: &Row<'_>) -> r2d2_sqlite::rusqlite::Result<SeenArchive> {
    Ok(SeenArchive {
        ecosystem: r.get(0)?,
        package: r.get(1)?,
        file: r.get(2)?,
        version: r.get(3)?,
        sha256: r.get(4)?,
        sha512: r.get(5)?,
        first_seen: FeedTime::from_unix(r.get(6)?),
    })
}

pub(super) fn seen(conn: &Connection, ecosystem: &str, package: &str, file: &str) -> Result<Option<SeenArchive>> {
    conn.prepare_cached(&format!(
        "SELECT {ARCHIVE_COLUMNS} FROM archive_hashes WHERE ecosystem = ?1 AND package = ?2 AND file = ?3"
    ))
    .db()?
    .query_row(params![ecosystem, package, file], archive)
    .optional()
    .db()
}

/// Inserts `a` unless its file is known, and returns the first one seen (for a restore too).
pub(super) fn remember(conn: &Connection, a: &SeenArchive) -> Result<SeenArchive> {
    conn.prepare_cached(&format!(
        "INSERT INTO archive_hashes ({ARCHIVE_COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7) ON CONFLICT DO NOTHING"
    ))
    .db()?
    .execute(params![a.ecosystem, a.package, a.file, a.version, a.sha256, a.sha512, a.first_seen.unix()])
    .db()?;
    Ok(seen(conn, &a.ecosystem, &a.package, &a.file)?.unwrap_or_else(|| a.clone()))
}

/// Every archive seen, for a dump.
pub(super) fn all_archives(conn: &Connection) -> Result<Vec<SeenArchive>> {
    let mut stmt = conn
        .prepare(&format!("SELECT {ARCHIVE_COLUMNS} FROM archive_hashes ORDER BY ecosystem, package, file"))
        .db()?;
    let rows = stmt.query_map([], archive).db()?;
    rows.map(|r| r.db()).collect()
}

/// Every refusal, for a dump.
pub(super) fn all_blocks(conn: &Connection) -> Result<Vec<BlockRecord>> {
    let mut stmt = conn.prepare(&format!("SELECT {BLOCK_COLUMNS} FROM firewall_blocks ORDER BY at, id")).db()?;
    let rows = stmt.query_map([], block).db()?;
    rows.map(|r| r.db()).collect()
}
