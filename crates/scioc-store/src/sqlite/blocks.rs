//! The registry firewall's recorded refusals.

use super::SqlResultExt;
use crate::{BlockRecord, Result};
use r2d2_sqlite::rusqlite::{Connection, params};
use scioc_model::FeedTime;

pub(super) fn record(conn: &mut Connection, blocks: &[BlockRecord]) -> Result<()> {
    let tx = conn.transaction().db()?;
    {
        let mut stmt = tx
            .prepare_cached(
                "INSERT INTO firewall_blocks (at, client, ecosystem, package, version, rule, reference, what)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
            )
            .db()?;
        for b in blocks {
            stmt.execute(params![
                b.time.unix(),
                b.client,
                b.ecosystem,
                b.package,
                b.version,
                b.rule,
                b.reference,
                b.what
            ])
            .db()?;
        }
    }
    tx.commit().db()
}

pub(super) fn since(conn: &Connection, since: FeedTime, limit: u32) -> Result<Vec<BlockRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, client, ecosystem, package, version, rule, reference, what FROM firewall_blocks
             WHERE at >= ?1 ORDER BY at, id LIMIT ?2",
        )
        .db()?;
    let rows = stmt
        .query_map(params![since.unix(), limit], |r| {
            Ok(BlockRecord {
                time: FeedTime::from_unix(r.get(0)?),
                client: r.get(1)?,
                ecosystem: r.get(2)?,
                package: r.get(3)?,
                version: r.get(4)?,
                rule: r.get(5)?,
                reference: r.get(6)?,
                what: r.get(7)?,
            })
        })
        .db()?;
    rows.map(|r| r.db()).collect()
}
