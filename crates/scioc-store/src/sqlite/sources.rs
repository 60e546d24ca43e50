//! Outside sources: their record state, atomic imports, indicators, and event look-ups.

use super::{SqlResultExt, events};
use crate::rows::{INDICATOR_COLUMNS, indicator_row};
use crate::{Appended, Import, Indicator, Result, SourceRecord, SourceState};
use r2d2_sqlite::rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use scioc_model::FeedTime;

/// Adds an indicator; one already there (same kind, value, package and source) is kept.
pub(super) const INSERT_INDICATOR: &str = "INSERT INTO indicators (kind, value, ecosystem, package, source, source_id, added_at, match_kind, confidence, action)
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING";

/// Runs [`INSERT_INDICATOR`] for `i`, added at `added_at` (Unix seconds): for imports and
/// for restoring a dump alike.
pub(super) fn insert_indicator(
    add: &mut r2d2_sqlite::rusqlite::CachedStatement<'_>,
    i: &Indicator,
    added_at: i64,
) -> Result<()> {
    add.execute(params![
        i.kind.as_str(),
        i.value,
        i.ecosystem,
        i.package,
        i.source,
        i.source_id,
        added_at,
        i.match_kind.as_str(),
        i.confidence,
        i.action
    ])
    .db()?;
    Ok(())
}

fn version(conn: &Connection, source: &str) -> Result<i64> {
    Ok(conn
        .prepare_cached("SELECT version FROM source_versions WHERE source = ?1")
        .db()?
        .query_row(params![source], |r| r.get(0))
        .optional()
        .db()?
        .unwrap_or(0))
}

/// Every record of `source` and its version, in one snapshot.
pub(super) fn state(conn: &mut Connection, source: &str) -> Result<SourceState> {
    let tx = conn.transaction().db()?;
    let version = version(&tx, source)?;
    let records = {
        let mut stmt =
            tx.prepare("SELECT id, content_hash, state FROM source_records WHERE source = ?1 ORDER BY id").db()?;
        let rows = stmt
            .query_map(params![source], |r| {
                Ok(SourceRecord { id: r.get(0)?, content_hash: r.get(1)?, state: r.get(2)? })
            })
            .db()?;
        rows.collect::<Result<Vec<_>, _>>().db()?
    };
    tx.commit().db()?;
    Ok(SourceState { version, records })
}

/// Whether no time query sealed a second and no cursor exists ([`crate::Store::unread`]).
pub(super) fn unread(conn: &Connection) -> Result<bool> {
    let sealed = events::seal_of(conn)?.unix() > 0;
    let cursors: bool = conn.query_row("SELECT EXISTS (SELECT 1 FROM cursors)", [], |r| r.get(0)).db()?;
    Ok(!sealed && !cursors)
}

/// Takes every stored event out of the feed, as the events they were appended as, for
/// [`crate::Store::commit_history`]; refuses once the feed has been read.
fn take_feed(tx: &Connection) -> Result<Vec<crate::NewEvent>> {
    if !unread(tx)? {
        return Err(crate::rules::feed_was_read());
    }
    let stored = {
        let mut stmt = tx.prepare("SELECT entry_json, ts FROM events ORDER BY seq").db()?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, Vec<u8>>(0)?, r.get::<_, i64>(1)?))).db()?;
        let rows = rows.collect::<Result<Vec<_>, _>>().db()?;
        rows.into_iter().map(|(json, ts)| crate::rules::stored_as_new(&json, ts)).collect::<Result<Vec<_>>>()?
    };
    // The counts are kept by a trigger on insert: they start again with the feed.
    tx.execute_batch("DELETE FROM events; DELETE FROM event_type_counts;").db()?;
    tx.execute(
        "INSERT INTO source_versions (source, version) VALUES (?1, 1)
         ON CONFLICT (source) DO UPDATE SET version = version + 1",
        [crate::RELAID_SOURCE],
    )
    .db()?;
    Ok(stored)
}

/// Stores an import in one immediate transaction, refusing it if the source moved on; with
/// `history`, the stored events and the import's are laid out again in time order
/// ([`crate::Store::commit_history`]).
pub(super) fn commit(
    conn: &mut Connection,
    import: Import,
    clock: fn() -> FeedTime,
    per_second: u32,
    history: bool,
) -> Result<Appended> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let now = clock();
    let current = version(&tx, &import.source)?;
    if current != import.expected_version {
        return Err(crate::rules::import_conflict(&import.source, current, import.expected_version));
    }
    let resolved = super::claims::resolve_in(&tx, &import.source, &import.events, &import.claims)?;
    let kept = resolved.kept(import.events);
    let (batch, relaid) = match history {
        true => {
            let stored = take_feed(&tx)?;
            let n = stored.len();
            (crate::rules::lay_out(stored, kept, now), n)
        }
        false => (kept, 0),
    };
    let mut appended = events::append_in(&tx, batch, clock, per_second)?;
    appended.merged = resolved.merged;
    appended.relaid = relaid;
    {
        let mut put = tx
            .prepare_cached(
                "INSERT INTO source_records (source, id, content_hash, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)
                 ON CONFLICT (source, id) DO UPDATE SET content_hash = excluded.content_hash, state = excluded.state,
                     updated_at = excluded.updated_at",
            )
            .db()?;
        for r in &import.records {
            put.execute(params![import.source, r.id, r.content_hash, r.state, now.unix()]).db()?;
        }
        let mut retire = tx.prepare_cached("DELETE FROM indicators WHERE source = ?1 AND source_id = ?2").db()?;
        for id in &import.retire_indicators_of {
            retire.execute(params![import.source, id]).db()?;
        }
        let mut add = tx.prepare_cached(INSERT_INDICATOR).db()?;
        for i in &import.indicators {
            insert_indicator(&mut add, i, now.unix())?;
        }
        let mut forget = tx.prepare_cached("DELETE FROM source_records WHERE source = ?1 AND id = ?2").db()?;
        let mut unclaim = tx.prepare_cached("DELETE FROM claims WHERE source = ?1 AND record = ?2").db()?;
        for id in &import.remove_records {
            forget.execute(params![import.source, id]).db()?;
            unclaim.execute(params![import.source, id]).db()?;
        }
    }
    tx.execute(
        "INSERT INTO source_versions (source, version) VALUES (?1, ?2)
         ON CONFLICT (source) DO UPDATE SET version = excluded.version",
        params![import.source, current + 1],
    )
    .db()?;
    tx.commit().db()?;
    Ok(appended)
}

/// Every indicator, sorted.
pub(super) fn indicators(conn: &mut Connection) -> Result<Vec<Indicator>> {
    let sql = format!(
        "SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY kind, value, ecosystem, package, source, source_id"
    );
    let mut stmt = conn.prepare(&sql).db()?;
    let rows = stmt.query_map([], indicator).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Reads a row of [`INDICATOR_COLUMNS`] (and, in a dump, the time after them).
pub(super) fn indicator(r: &r2d2_sqlite::rusqlite::Row<'_>) -> r2d2_sqlite::rusqlite::Result<Indicator> {
    Ok(indicator_row!(r, get))
}

/// Every source's import version.
pub(super) fn source_versions(conn: &mut Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT source, version FROM source_versions ORDER BY source").db()?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}
