//! Claims: which source records announce which package versions ([`crate::merge`]).

use super::SqlResultExt;
use crate::merge::{self, Resolved};
use crate::{ClaimKey, NewEvent, Result, StoredClaim};
use r2d2_sqlite::rusqlite::{Connection, params};
use std::collections::BTreeMap;

fn claim(r: &r2d2_sqlite::rusqlite::Row<'_>) -> r2d2_sqlite::rusqlite::Result<(i64, StoredClaim)> {
    Ok((
        r.get(0)?,
        StoredClaim { key: ClaimKey { purl: r.get(1)?, ranges: r.get(2)? }, source: r.get(3)?, record: r.get(4)? },
    ))
}

/// Keeps or drops an import's events by the claims on what they announce, and stores the
/// claims that result, inside the import's transaction.
pub(super) fn resolve_in(
    tx: &Connection,
    source: &str,
    events: &[NewEvent],
    listed: &[(String, Vec<ClaimKey>)],
) -> Result<Resolved> {
    let (purls, records) = merge::touched(events, listed);
    let mut held: BTreeMap<i64, StoredClaim> = BTreeMap::new();
    {
        let mut by_purl =
            tx.prepare_cached("SELECT n, purl, ranges, source, record FROM claims WHERE purl = ?1").db()?;
        for purl in &purls {
            for row in by_purl.query_map(params![purl], claim).db()? {
                let (n, c) = row.db()?;
                held.insert(n, c);
            }
        }
        let mut by_record = tx
            .prepare_cached("SELECT n, purl, ranges, source, record FROM claims WHERE source = ?1 AND record = ?2")
            .db()?;
        for record in &records {
            for row in by_record.query_map(params![source, record], claim).db()? {
                let (n, c) = row.db()?;
                held.insert(n, c);
            }
        }
    }
    let resolved = merge::resolve(source, events, listed, held.into_values().collect());
    let mut drop =
        tx.prepare_cached("DELETE FROM claims WHERE purl = ?1 AND ranges = ?2 AND source = ?3 AND record = ?4").db()?;
    for c in &resolved.drop {
        drop.execute(params![c.key.purl, c.key.ranges, c.source, c.record]).db()?;
    }
    let mut make = tx
        .prepare_cached(
            "INSERT INTO claims (purl, ranges, source, record) VALUES (?1, ?2, ?3, ?4) ON CONFLICT DO NOTHING",
        )
        .db()?;
    for c in &resolved.make {
        make.execute(params![c.key.purl, c.key.ranges, c.source, c.record]).db()?;
    }
    Ok(resolved)
}

/// Every claim, oldest first.
pub(super) fn all(conn: &Connection) -> Result<Vec<StoredClaim>> {
    let mut stmt = conn.prepare_cached("SELECT n, purl, ranges, source, record FROM claims ORDER BY n").db()?;
    let rows = stmt.query_map([], claim).db()?;
    rows.map(|r| r.map(|(_, c)| c)).collect::<Result<Vec<_>, _>>().db()
}
