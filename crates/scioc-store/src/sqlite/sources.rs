//! Outside sources: their record state, atomic imports, indicators, and event look-ups.

use super::{SqlResultExt, events};
use crate::{
    Appended, Error, EventFilter, Import, Indicator, PackageEvent, Result, SourceRecord, SourceState, StoredEvent,
};
use r2d2_sqlite::rusqlite::{Connection, OptionalExtension, TransactionBehavior, params};
use scioc_model::{FeedTime, IndicatorKind, MatchKind};

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

/// Stores an import in one immediate transaction, refusing it if the source moved on.
pub(super) fn commit(conn: &mut Connection, import: Import, now: FeedTime) -> Result<Appended> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let current = version(&tx, &import.source)?;
    if current != import.expected_version {
        return Err(Error::Conflict(format!(
            "another import of {} ran while this one was prepared (version {current}, expected {}); run it again",
            import.source, import.expected_version
        )));
    }
    let appended = events::append_in(&tx, import.events, now)?;
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
        let mut add = tx
            .prepare_cached(
                "INSERT INTO indicators (kind, value, ecosystem, package, source, source_id, added_at, match_kind, confidence, action)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) ON CONFLICT DO NOTHING",
            )
            .db()?;
        for i in &import.indicators {
            add.execute(params![
                i.kind.as_str(),
                i.value,
                i.ecosystem,
                i.package,
                i.source,
                i.source_id,
                now.unix(),
                i.match_kind.as_str(),
                i.confidence,
                i.action
            ])
            .db()?;
        }
        let mut forget = tx.prepare_cached("DELETE FROM source_records WHERE source = ?1 AND id = ?2").db()?;
        for id in &import.remove_records {
            forget.execute(params![import.source, id]).db()?;
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

/// Reads `(seq, ts, event_type, purl, entry_json)`.
fn stored_event(r: &r2d2_sqlite::rusqlite::Row<'_>) -> r2d2_sqlite::rusqlite::Result<StoredEvent> {
    Ok(StoredEvent {
        seq: r.get(0)?,
        time: FeedTime::from_unix(r.get(1)?),
        event_type: r.get(2)?,
        purl: r.get(3)?,
        entry_json: r.get(4)?,
    })
}

/// Events matching a filter, in feed order.
pub(super) fn find_events(conn: &mut Connection, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
    const COLS: &str = "SELECT seq, ts, event_type, purl, entry_json FROM events";
    let (sql, value) = match filter {
        EventFilter::Sha256(h) => (format!("{COLS} WHERE sha256 = ?1 ORDER BY seq"), h.to_ascii_lowercase()),
        EventFilter::Sha1(h) => (format!("{COLS} WHERE sha1 = ?1 ORDER BY seq"), h.to_ascii_lowercase()),
        EventFilter::Md5(h) => (format!("{COLS} WHERE md5 = ?1 ORDER BY seq"), h.to_ascii_lowercase()),
        EventFilter::Purl(p) => (
            format!(
                "{COLS} WHERE purl = ?1 OR (instr(?1, '@') = 0 AND substr(purl, 1, length(?1) + 1) = ?1 || '@') ORDER BY seq"
            ),
            p.clone(),
        ),
    };
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt.query_map(params![value], stored_event).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Every indicator, sorted.
pub(super) fn indicators(conn: &mut Connection) -> Result<Vec<Indicator>> {
    let mut stmt = conn
        .prepare(
            "SELECT kind, value, ecosystem, package, source, source_id, match_kind, confidence, action FROM indicators
             ORDER BY kind, value, ecosystem, package, source, source_id",
        )
        .db()?;
    let rows = stmt.query_map([], indicator).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Reads the nine columns of an [`Indicator`], in declaration order.
pub(super) fn indicator(r: &r2d2_sqlite::rusqlite::Row<'_>) -> r2d2_sqlite::rusqlite::Result<Indicator> {
    Ok(Indicator {
        kind: IndicatorKind::parse(&r.get::<_, String>(0)?).unwrap_or(IndicatorKind::Other),
        value: r.get(1)?,
        ecosystem: r.get(2)?,
        package: r.get(3)?,
        source: r.get(4)?,
        source_id: r.get(5)?,
        match_kind: MatchKind::parse(&r.get::<_, String>(6)?).unwrap_or(MatchKind::Exact),
        confidence: r.get(7)?,
        action: r.get(8)?,
    })
}

/// The matching columns of every event, in feed order.
pub(super) fn package_events(conn: &mut Connection, after_seq: i64) -> Result<Vec<PackageEvent>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT seq, event_type, CASE WHEN package IS NULL THEN purl END, community, package, version,
                    md5, sha1, sha256, sha512, CASE WHEN version IS NULL THEN source END, source_id, affected
             FROM events WHERE seq > ?1 ORDER BY seq",
        )
        .db()?;
    let rows = stmt
        .query_map([after_seq], |r| {
            Ok(PackageEvent {
                seq: r.get(0)?,
                event_type: r.get(1)?,
                purl: r.get(2)?,
                community: r.get(3)?,
                package: r.get(4)?,
                version: r.get(5)?,
                md5: r.get(6)?,
                sha1: r.get(7)?,
                sha256: r.get(8)?,
                sha512: r.get(9)?,
                source: r.get(10)?,
                source_id: r.get(11)?,
                affected: crate::rules::affected(r.get::<_, Option<String>>(12)?.as_deref()),
            })
        })
        .db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Every source's import version.
pub(super) fn source_versions(conn: &mut Connection) -> Result<Vec<(String, i64)>> {
    let mut stmt = conn.prepare_cached("SELECT source, version FROM source_versions ORDER BY source").db()?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Events by sequence number.
pub(super) fn entries(conn: &mut Connection, seqs: &[i64]) -> Result<Vec<StoredEvent>> {
    let mut stmt =
        conn.prepare_cached("SELECT seq, ts, event_type, purl, entry_json FROM events WHERE seq = ?1").db()?;
    let mut out = Vec::new();
    for seq in seqs {
        let row = stmt.query_row(params![seq], stored_event).optional().db()?;
        out.extend(row);
    }
    Ok(out)
}
