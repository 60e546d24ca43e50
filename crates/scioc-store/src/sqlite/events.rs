//! Appending events and reading pages of them.

use super::{SqlResultExt, optional_head};
use crate::{Appended, Error, Head, NewEvent, Page, PageRow, Result, TimeQuery};
use r2d2_sqlite::rusqlite::{Connection, Statement, TransactionBehavior, params};
use scioc_api::{Format, render_entry};
use scioc_model::{FEED_EPOCH, FeedTime};

/// The newest event.
pub(super) fn head(conn: &Connection) -> Result<Option<Head>> {
    optional_head(conn, "SELECT seq, ts FROM events ORDER BY seq DESC LIMIT 1", [])
}

/// Appends a batch in one immediate transaction, enforcing the feed's time rules.
pub(super) fn append(conn: &mut Connection, batch: Vec<NewEvent>, now: FeedTime) -> Result<Appended> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let out = append_in(&tx, batch, now)?;
    tx.commit().db()?;
    Ok(out)
}

/// Appends a batch inside the caller's write transaction.
pub(super) fn append_in(tx: &Connection, batch: Vec<NewEvent>, now: FeedTime) -> Result<Appended> {
    let head = head(tx)?;
    let mut seq = head.map_or(0, |h| h.seq);
    let mut prev = head.map(|h| h.time);
    // If the clock went back, events without a time take the newest time, never an earlier one.
    let default_time = prev.map_or(now, |p| p.max(now));
    let mut out = Appended { count: 0, first_seq: None, last_seq: None, first_time: None, last_time: None };
    {
        let mut insert = tx
            .prepare_cached(
                "INSERT INTO events (seq, ts, event_type, purl, community, package, version, md5, sha1, sha256, sha512,
                                     entry_json, entry_xml, source, source_id)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15)",
            )
            .db()?;
        for (index, event) in batch.into_iter().enumerate() {
            let time = match event.time {
                None => default_time,
                Some(t) => {
                    check_time(t, now, prev).map_err(|message| Error::Rejected { index, message })?;
                    t
                }
            };
            seq += 1;
            let fragments = render_entry(&event.entry, event.provenance.as_ref(), seq, time);
            let e = &event.entry;
            let id = e.identity.as_ref();
            insert
                .execute(params![
                    seq,
                    time.unix(),
                    e.event_type.as_str(),
                    id.and_then(|i| i.purl.as_deref()),
                    id.and_then(|i| i.community.as_deref()),
                    id.and_then(|i| i.package.as_deref()),
                    id.and_then(|i| i.version.as_deref()),
                    e.md5.as_ref().map(|h| h.as_str()),
                    e.sha1.as_ref().map(|h| h.as_str()),
                    e.sha256.as_ref().map(|h| h.as_str()),
                    e.sha512.as_ref().map(|h| h.as_str()),
                    fragments.json,
                    fragments.xml,
                    event.provenance.as_ref().map(|p| p.source.as_str()),
                    event.provenance.as_ref().and_then(|p| p.id.as_deref()),
                ])
                .db()?;
            out.count += 1;
            out.first_seq.get_or_insert(seq);
            out.first_time.get_or_insert(time);
            out.last_seq = Some(seq);
            out.last_time = Some(time);
            prev = Some(time);
        }
    }
    Ok(out)
}

fn check_time(t: FeedTime, now: FeedTime, prev: Option<FeedTime>) -> Result<(), String> {
    if t < FEED_EPOCH {
        return Err(format!("timestamp {t} is before the feed epoch {FEED_EPOCH}"));
    }
    if t > now {
        return Err(format!("timestamp {t} is in the future (now is {now})"));
    }
    match prev {
        Some(p) if t < p => Err(format!(
            "timestamp {t} is older than the newest event before it ({p}); the feed never goes back in time"
        )),
        _ => Ok(()),
    }
}

/// Name of the column holding the rendering in `format`. The SQL built from it is fixed text:
/// the name comes from this closed match, never from input.
pub(super) fn fragment_column(format: Format) -> &'static str {
    match format {
        Format::Json => "entry_json",
        Format::Xml => "entry_xml",
    }
}

/// A page being read: positions, and the fragments joined as they are read.
pub(super) struct PageBuf {
    format: Format,
    pub(super) rows: Vec<PageRow>,
    pub(super) entries: Vec<u8>,
}

impl PageBuf {
    pub(super) fn new(format: Format, limit: u32) -> Self {
        PageBuf { format, rows: Vec::with_capacity(limit as usize), entries: Vec::with_capacity(limit as usize * 1024) }
    }

    /// Reads `(seq, ts, fragment)` rows from a prepared statement, copying each fragment once.
    pub(super) fn read(&mut self, stmt: &mut Statement<'_>, params: impl r2d2_sqlite::rusqlite::Params) -> Result<()> {
        let mut rows = stmt.query(params).db()?;
        while let Some(r) = rows.next().db()? {
            self.rows.push(PageRow { seq: r.get(0).db()?, time: FeedTime::from_unix(r.get(1).db()?) });
            if !self.entries.is_empty() {
                self.entries.extend_from_slice(self.format.separator());
            }
            self.entries.extend_from_slice(r.get_ref(2).db()?.as_blob().map_err(|e| Error::Backend(e.into()))?);
        }
        Ok(())
    }

    /// Appends the rest of the last row's second, so that a page never splits a second.
    pub(super) fn finish_second(&mut self, conn: &Connection) -> Result<()> {
        let Some(last) = self.rows.last().copied() else { return Ok(()) };
        let sql = format!(
            "SELECT seq, ts, {} FROM events WHERE ts = ?1 AND seq > ?2 ORDER BY seq",
            fragment_column(self.format)
        );
        let mut stmt = conn.prepare_cached(&sql).db()?;
        self.read(&mut stmt, params![last.time.unix(), last.seq])
    }

    pub(super) fn into_page(self, more: bool) -> Page {
        Page { rows: self.rows, entries: self.entries, more }
    }
}

/// Whether any event lies after second `last` and before the horizon. A finished page holds
/// all of its last second, so these are exactly the events left after it.
pub(super) fn more_after(conn: &Connection, last: FeedTime, horizon: FeedTime) -> Result<bool> {
    conn.prepare_cached("SELECT EXISTS (SELECT 1 FROM events WHERE ts > ?1 AND ts < ?2)")
        .db()?
        .query_row(params![last.unix(), horizon.unix()], |r| r.get(0))
        .db()
}

/// A time query, read in one snapshot.
pub(super) fn query(conn: &mut Connection, q: &TimeQuery) -> Result<Page> {
    let tx = conn.transaction().db()?;
    let mut page = PageBuf::new(q.format, q.limit);
    {
        let sql = format!(
            "SELECT seq, ts, {} FROM events WHERE ts >= ?1 AND ts < ?2 ORDER BY ts, seq LIMIT ?3",
            fragment_column(q.format)
        );
        let mut stmt = tx.prepare_cached(&sql).db()?;
        page.read(&mut stmt, params![q.from.unix(), q.horizon.unix(), q.limit])?;
    }
    let more = if page.rows.len() as u32 >= q.limit {
        page.finish_second(&tx)?;
        more_after(&tx, page.rows.last().map_or(q.from, |r| r.time), q.horizon)?
    } else {
        false
    };
    tx.commit().db()?;
    Ok(page.into_page(more))
}

/// SHA-256 over `(seq, ts, event_type, entry_json)` of every event in feed order.
pub(super) fn digest(conn: &mut Connection) -> Result<String> {
    use sha2::{Digest, Sha256};
    let tx = conn.transaction().db()?;
    let mut h = Sha256::new();
    {
        let mut stmt = tx.prepare("SELECT seq, ts, event_type, entry_json FROM events ORDER BY seq").db()?;
        let mut rows = stmt.query([]).db()?;
        while let Some(r) = rows.next().db()? {
            let (seq, ts): (i64, i64) = (r.get(0).db()?, r.get(1).db()?);
            let kind: String = r.get(2).db()?;
            let entry = r.get_ref(3).db()?.as_blob().map_err(|e| Error::Backend(e.into()))?;
            h.update(seq.to_le_bytes());
            h.update(ts.to_le_bytes());
            h.update((kind.len() as u64).to_le_bytes());
            h.update(kind.as_bytes());
            h.update((entry.len() as u64).to_le_bytes());
            h.update(entry);
        }
    }
    tx.commit().db()?;
    Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
}
