//! Appending events and reading pages of them.

use super::{SqlResultExt, optional_head};
use crate::rows::{PACKAGE_EVENT_COLUMNS, STORED_EVENT_COLUMNS, package_event, stored_event};
use crate::{
    Appended, Error, Head, NewEvent, Page, Result, TimeQuery,
    dump::EventRow,
    rules::{Clock, FeedDigest, PageBuilder, fragment_column, render},
};
use crate::{EventFilter, PackageEvent, StoredEvent};
use r2d2_sqlite::rusqlite::OptionalExtension;
use r2d2_sqlite::rusqlite::{Connection, Statement, TransactionBehavior, params};
use scioc_model::FeedTime;

/// The newest event.
pub(super) fn head(conn: &Connection) -> Result<Option<Head>> {
    optional_head(conn, "SELECT seq, ts FROM events ORDER BY seq DESC LIMIT 1", [])
}

/// Appends a batch in one immediate transaction, enforcing the feed's time rules.
pub(super) fn append(
    conn: &mut Connection,
    batch: Vec<NewEvent>,
    clock: fn() -> FeedTime,
    per_second: u32,
) -> Result<Appended> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    // An appended FP (a manual reclassification) takes back the claims on its purl.
    super::claims::resolve_in(&tx, "", &batch, &[])?;
    let out = append_in(&tx, batch, clock, per_second)?;
    tx.commit().db()?;
    Ok(out)
}

/// Appends a batch inside the caller's write transaction, which must be immediate: the clock
/// is read here, once the write lock is held, so that an append waiting for the lock is never
/// stamped in a second that a reader served while it waited.
pub(super) fn append_in(
    tx: &Connection,
    batch: Vec<NewEvent>,
    clock: fn() -> FeedTime,
    per_second: u32,
) -> Result<Appended> {
    let head = head(tx)?;
    let mut seq = head.map_or(0, |h| h.seq);
    let in_head_second: i64 = match head {
        Some(h) => tx.query_row("SELECT COUNT(*) FROM events WHERE ts = ?1", [h.time.unix()], |r| r.get(0)).db()?,
        None => 0,
    };
    let closed_before = seal_of(tx)?;
    let mut clock = Clock::new(head, clock(), closed_before, in_head_second as u64, per_second);
    let mut out = Appended::default();
    {
        let mut insert = insert_statement(tx)?;
        for (index, event) in batch.into_iter().enumerate() {
            let time = clock.assign(index, event.time)?;
            seq += 1;
            let fragments = render(&event, index, seq, time)?;
            insert_row(&mut insert, &EventRow::new(seq, time, &event, fragments))?;
            out.record(seq, time);
        }
    }
    Ok(out)
}

/// The statement that inserts one [`EventRow`].
pub(super) fn insert_statement(tx: &Connection) -> Result<r2d2_sqlite::rusqlite::CachedStatement<'_>> {
    let sql = format!(
        "INSERT INTO events ({}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
        EventRow::COLUMNS
    );
    tx.prepare_cached(&sql).db()
}

/// Inserts one row with [`insert_statement`].
pub(super) fn insert_row(insert: &mut Statement<'_>, e: &EventRow) -> Result<()> {
    insert
        .execute(params![
            e.seq,
            e.ts,
            e.event_type.as_str(),
            e.purl,
            e.community,
            e.package,
            e.version,
            e.md5,
            e.sha1,
            e.sha256,
            e.sha512,
            e.entry_json,
            e.entry_xml,
            e.source,
            e.source_id,
            e.affected,
            e.threat_level
        ])
        .db()?;
    Ok(())
}

/// Reads `(seq, ts, fragment)` rows from a prepared statement into `page`.
pub(super) fn read_rows(
    page: &mut PageBuilder,
    stmt: &mut Statement<'_>,
    params: impl r2d2_sqlite::rusqlite::Params,
) -> Result<()> {
    let mut rows = stmt.query(params).db()?;
    while let Some(r) = rows.next().db()? {
        let fragment = r.get_ref(2).db()?.as_blob().map_err(|e| Error::Backend(e.into()))?;
        page.push(r.get(0).db()?, r.get(1).db()?, fragment);
    }
    Ok(())
}

/// Appends the rest of the last event's second, so that a page never splits a second.
pub(super) fn finish_second(page: &mut PageBuilder, conn: &Connection) -> Result<()> {
    let Some(last) = page.last() else { return Ok(()) };
    let sql = format!(
        "SELECT seq, ts, {} FROM events WHERE ts = ?1 AND seq > ?2 ORDER BY seq",
        fragment_column(page.format())
    );
    let mut stmt = conn.prepare_cached(&sql).db()?;
    read_rows(page, &mut stmt, params![last.time.unix(), last.seq])
}

/// Whether any event lies after second `last` and before the horizon. A finished page holds
/// all of its last second, so these are exactly the events left after it.
pub(super) fn more_after(conn: &Connection, last: FeedTime, horizon: FeedTime) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE ts > ?1 AND ts < ?2)")
        .db()?
        .query_row(params![last.unix(), horizon.unix()], |r| r.get(0))
        .db()
}

/// The feed's seal: no event is stamped before it ([`seal`]).
pub(super) fn seal_of(conn: &Connection) -> Result<FeedTime> {
    let t: i64 = conn
        .prepare_cached("SELECT closed_before FROM feed_seal WHERE id = 1")
        .db()?
        .query_row([], |r| r.get(0))
        .db()?;
    Ok(FeedTime::from_unix(t))
}

/// Seals the seconds before the clock's, if no append holds the write lock: takes the lock
/// without waiting (the connection's busy timeout is zero), reads the clock under it and raises
/// the stored seal to it. Every append that could still be stamped before that second has then
/// committed, and every later one reads a clock (or this seal) at least as late. Returns the
/// seal, or `None` when an append holds the lock.
pub(super) fn seal(conn: &mut Connection, clock: fn() -> FeedTime) -> Result<Option<FeedTime>> {
    let tx = match conn.transaction_with_behavior(TransactionBehavior::Immediate).db() {
        Ok(tx) => tx,
        Err(Error::Busy) => return Ok(None),
        Err(e) => return Err(e),
    };
    let now = clock();
    let mut sealed = seal_of(&tx)?;
    if sealed < now {
        tx.prepare_cached("UPDATE feed_seal SET closed_before = ?1 WHERE id = 1").db()?.execute([now.unix()]).db()?;
        sealed = now;
    }
    tx.commit().db()?;
    Ok(Some(sealed))
}

/// A time query, read in one snapshot. `sealed` is how far [`seal`] closed the feed, or `None`
/// when an append held the lock: then only the seconds before the committed head's second (an
/// append in flight is stamped at or after it) or before the stored seal are served.
pub(super) fn query(conn: &mut Connection, q: &TimeQuery, sealed: Option<FeedTime>) -> Result<Page> {
    let tx = conn.transaction().db()?;
    let closed = match sealed {
        Some(s) => s,
        None => seal_of(&tx)?.max(head(&tx)?.map_or(FeedTime::from_unix(0), |h| h.time)),
    };
    let q = &TimeQuery { horizon: q.horizon.min(closed), ..*q };
    let mut page = PageBuilder::new(q.format, q.limit);
    {
        let sql = format!(
            "SELECT seq, ts, {} FROM events WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, seq LIMIT ?3",
            fragment_column(q.format)
        );
        let mut stmt = tx.prepare_cached(&sql).db()?;
        read_rows(&mut page, &mut stmt, params![q.from.unix(), q.horizon.unix(), q.limit])?;
    }
    let more = if page.is_full(q.limit) {
        finish_second(&mut page, &tx)?;
        more_after(&tx, page.last().map_or(q.from, |r| r.time), q.horizon)?
    } else {
        false
    };
    tx.commit().db()?;
    Ok(page.into_page(more, q.horizon))
}

/// SHA-256 over `(seq, ts, event_type, entry_json)` of every event in feed order.
pub(super) fn digest(conn: &mut Connection) -> Result<String> {
    let tx = conn.transaction().db()?;
    let mut h = FeedDigest::default();
    {
        let mut stmt = tx.prepare("SELECT seq, ts, event_type, entry_json FROM events ORDER BY seq").db()?;
        let mut rows = stmt.query([]).db()?;
        while let Some(r) = rows.next().db()? {
            let (seq, ts): (i64, i64) = (r.get(0).db()?, r.get(1).db()?);
            let kind: String = r.get(2).db()?;
            let entry = r.get_ref(3).db()?.as_blob().map_err(|e| Error::Backend(e.into()))?;
            h.add(seq, ts, &kind, entry);
        }
    }
    tx.commit().db()?;
    Ok(h.hex())
}

/// Reads `(seq, ts, event_type, purl, entry_json)`.
fn stored_event(r: &r2d2_sqlite::rusqlite::Row<'_>) -> r2d2_sqlite::rusqlite::Result<StoredEvent> {
    Ok(stored_event!(r, get))
}

/// Events matching a filter, in feed order.
pub(super) fn find_events(conn: &mut Connection, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
    let (condition, value) = crate::rules::filter_condition(filter, "?1", "instr");
    let sql = format!("SELECT {STORED_EVENT_COLUMNS} FROM events WHERE {condition} ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt.query_map(params![value], stored_event).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// The matching columns of every event, in feed order.
pub(super) fn package_events(conn: &mut Connection, after_seq: i64) -> Result<Vec<PackageEvent>> {
    let sql = format!("SELECT {PACKAGE_EVENT_COLUMNS} FROM events WHERE seq > ?1 ORDER BY seq");
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt.query_map([after_seq], |r| Ok(package_event!(r, get))).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Events by sequence number.
pub(super) fn entries(conn: &mut Connection, seqs: &[i64]) -> Result<Vec<StoredEvent>> {
    let mut stmt = conn.prepare_cached(&format!("SELECT {STORED_EVENT_COLUMNS} FROM events WHERE seq = ?1")).db()?;
    let mut out = Vec::new();
    for seq in seqs {
        let row = stmt.query_row(params![seq], stored_event).optional().db()?;
        out.extend(row);
    }
    Ok(out)
}
