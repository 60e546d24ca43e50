//! Appending events under the head lock, and reading pages of them.

use super::{Conn, PgResultExt};
use crate::rows::{PACKAGE_EVENT_COLUMNS, STORED_EVENT_COLUMNS, package_event, stored_event};
use crate::{
    Appended, Head, NewEvent, Page, Result, Stats, TimeQuery,
    dump::EventRow,
    rules::{Clock, FeedDigest, PageBuilder, fragment_column, render},
};
use crate::{EventFilter, PackageEvent, StoredEvent};
use deadpool_postgres::GenericClient;
use futures_util::{StreamExt, pin_mut};
use scioc_model::FeedTime;
use tokio_postgres::IsolationLevel;
use tokio_postgres::Row;

/// The database's clock, in whole seconds.
pub(super) async fn database_now(c: &impl GenericClient) -> Result<FeedTime> {
    let row = c.query_one("SELECT floor(extract(epoch FROM clock_timestamp()))::bigint", &[]).await.db()?;
    Ok(FeedTime::from_unix(row.get(0)))
}

/// Events inserted per statement.
const INSERT_CHUNK: usize = 500;

fn head_of(seq: i64, ts: i64) -> Option<Head> {
    (seq > 0).then(|| Head { seq, time: FeedTime::from_unix(ts) })
}

/// The newest event.
pub(super) async fn head(c: &Conn) -> Result<Option<Head>> {
    let row = c.query_one("SELECT seq, ts FROM feed_head WHERE id = 1", &[]).await.db()?;
    Ok(head_of(row.get(0), row.get(1)))
}

/// Counts, read in one statement and so in one snapshot.
pub(super) async fn stats(c: &Conn) -> Result<Stats> {
    let row = c
        .query_one(
            "SELECT (SELECT COUNT(*) FROM events), (SELECT COUNT(*) FROM users), (SELECT COUNT(*) FROM indicators),
                    h.seq, h.ts,
                    (SELECT COALESCE(SUM(pg_total_relation_size(c.oid)), 0)::BIGINT FROM pg_class c
                     WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind = 'r')
             FROM feed_head h WHERE h.id = 1",
            &[],
        )
        .await
        .db()?;
    Ok(Stats {
        events: row.get::<_, i64>(0) as u64,
        users: row.get::<_, i64>(1) as u64,
        indicators: row.get::<_, i64>(2) as u64,
        head: head_of(row.get(3), row.get(4)),
        bytes: row.get::<_, i64>(5) as u64,
    })
}

/// Appends a batch in one transaction, stamped by the database's clock.
pub(super) async fn append(c: &mut Conn, batch: &[NewEvent], per_second: u32) -> Result<Appended> {
    let tx = c.transaction().await.db()?;
    let out = append_in(&tx, batch, per_second).await?;
    // An appended FP (a manual reclassification) takes back the claims on its purl; after the
    // head's lock, as imports take them.
    super::claims::resolve_in(&tx, "", batch, &[]).await?;
    tx.commit().await.db()?;
    Ok(out)
}

/// The columns of a chunk of events, one vector each, for one multi-row insert.
#[derive(Default)]
pub(super) struct Columns<'a> {
    seq: Vec<i64>,
    ts: Vec<i64>,
    event_type: Vec<&'a str>,
    purl: Vec<Option<&'a str>>,
    community: Vec<Option<&'a str>>,
    package: Vec<Option<&'a str>>,
    version: Vec<Option<&'a str>>,
    md5: Vec<Option<&'a str>>,
    sha1: Vec<Option<&'a str>>,
    sha256: Vec<Option<&'a str>>,
    sha512: Vec<Option<&'a str>>,
    entry_json: Vec<&'a [u8]>,
    entry_xml: Vec<&'a [u8]>,
    source: Vec<Option<&'a str>>,
    source_id: Vec<Option<&'a str>>,
    affected: Vec<Option<&'a str>>,
    threat_level: Vec<Option<i64>>,
}

impl<'a> Columns<'a> {
    /// Adds a row.
    pub(super) fn push(&mut self, e: &'a EventRow) {
        self.seq.push(e.seq);
        self.ts.push(e.ts);
        self.event_type.push(e.event_type.as_str());
        self.purl.push(e.purl.as_deref());
        self.community.push(e.community.as_deref());
        self.package.push(e.package.as_deref());
        self.version.push(e.version.as_deref());
        self.md5.push(e.md5.as_deref());
        self.sha1.push(e.sha1.as_deref());
        self.sha256.push(e.sha256.as_deref());
        self.sha512.push(e.sha512.as_deref());
        self.entry_json.push(&e.entry_json);
        self.entry_xml.push(&e.entry_xml);
        self.source.push(e.source.as_deref());
        self.source_id.push(e.source_id.as_deref());
        self.affected.push(e.affected.as_deref());
        self.threat_level.push(e.threat_level);
    }

    /// Inserts the rows with one statement ([`insert_events_sql`]).
    pub(super) async fn insert(&self, tx: &deadpool_postgres::Transaction<'_>) -> Result<()> {
        let insert = tx.prepare_cached(insert_events_sql()).await.db()?;
        tx.execute(
            &insert,
            &[
                &self.seq,
                &self.ts,
                &self.event_type,
                &self.purl,
                &self.community,
                &self.package,
                &self.version,
                &self.md5,
                &self.sha1,
                &self.sha256,
                &self.sha512,
                &self.entry_json,
                &self.entry_xml,
                &self.source,
                &self.source_id,
                &self.affected,
                &self.threat_level,
            ],
        )
        .await
        .db()?;
        Ok(())
    }
}

/// Inserts rows given as one array per column (`UNNEST` turns them back into rows); one round
/// trip per chunk instead of one per event.
fn insert_events_sql() -> &'static str {
    static SQL: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        format!(
            "INSERT INTO events ({}) SELECT * FROM UNNEST($1::BIGINT[], $2::BIGINT[], $3::TEXT[], $4::TEXT[], \
             $5::TEXT[], $6::TEXT[], $7::TEXT[], $8::TEXT[], $9::TEXT[], $10::TEXT[], $11::TEXT[], $12::BYTEA[], \
             $13::BYTEA[], $14::TEXT[], $15::TEXT[], $16::TEXT[], $17::BIGINT[])",
            EventRow::COLUMNS
        )
    });
    &SQL
}

/// Appends a batch inside the caller's transaction, after locking the head row: appends from
/// every node queue here, so sequence numbers follow commit order. Events are stamped by the
/// database's clock, read once the head is held, so nodes whose clocks disagree never stamp into
/// a second that another node has already served (queries serve by the same clock).
pub(super) async fn append_in(
    tx: &deadpool_postgres::Transaction<'_>,
    batch: &[NewEvent],
    per_second: u32,
) -> Result<Appended> {
    let row = tx.query_one("SELECT seq, ts, closed_before FROM feed_head WHERE id = 1 FOR UPDATE", &[]).await.db()?;
    let head = head_of(row.get(0), row.get(1));
    let closed_before = FeedTime::from_unix(row.get(2));
    let now = database_now(tx).await?;
    let mut seq = head.map_or(0, |h| h.seq);
    let in_head_second: i64 = match head {
        Some(h) => tx.query_one("SELECT COUNT(*) FROM events WHERE ts = $1", &[&h.time.unix()]).await.db()?.get(0),
        None => 0,
    };
    let mut clock = Clock::new(head, now, closed_before, in_head_second as u64, per_second);
    let mut out = Appended::default();
    for (chunk_no, chunk) in batch.chunks(INSERT_CHUNK).enumerate() {
        let mut rows = Vec::with_capacity(chunk.len());
        for (i, event) in chunk.iter().enumerate() {
            let index = chunk_no * INSERT_CHUNK + i;
            let time = clock.assign(index, event.time)?;
            seq += 1;
            rows.push(EventRow::new(seq, time, event, render(event, index, seq, time)?));
            out.record(seq, time);
        }
        let mut cols = Columns::default();
        rows.iter().for_each(|r| cols.push(r));
        cols.insert(tx).await?;
    }
    if let (Some(seq), Some(time)) = (out.last_seq, out.last_time) {
        tx.execute("UPDATE feed_head SET seq = $1, ts = $2 WHERE id = 1", &[&seq, &time.unix()]).await.db()?;
    }
    Ok(out)
}

/// A page in one statement, and so in one snapshot and one round trip: `cut` is the time of
/// the `limit`-th event of the range (none if the range holds fewer), the page is every event of
/// the range up to and including that whole second, and each row carries whether events remain
/// after it. `$1`..`$3` are from, horizon and limit; `extra` narrows the range further (a
/// pull's `seq > $4`).
fn page_sql(format: scioc_api::Format, extra: &str) -> String {
    let range = format!("ts >= $1 AND ts < $2{extra}");
    format!(
        "WITH cut AS (SELECT ts FROM events WHERE {range} ORDER BY ts, seq OFFSET $3::BIGINT - 1 LIMIT 1)
         SELECT seq, ts, {column},
                EXISTS (SELECT 1 FROM events WHERE ts > (SELECT ts FROM cut) AND ts < $2) AS more
         FROM events
         WHERE {range} AND ts <= COALESCE((SELECT ts FROM cut), $2)
         ORDER BY ts, seq",
        column = fragment_column(format)
    )
}

/// Reads a page with [`page_sql`]; returns whether events remain after it.
pub(super) async fn read_page(
    page: &mut PageBuilder,
    c: &impl GenericClient,
    extra: &str,
    params: &[&(dyn tokio_postgres::types::ToSql + Sync)],
) -> Result<bool> {
    let stmt = c.prepare_cached(&page_sql(page.format(), extra)).await.db()?;
    let mut more = false;
    for r in c.query(&stmt, params).await.db()? {
        page.push(r.get(0), r.get(1), r.get::<_, &[u8]>(2));
        more = r.get(3);
    }
    Ok(more)
}

/// Seals the seconds before the database's clock, if no append holds the head row: takes its
/// lock without waiting (`SKIP LOCKED`), and raises `closed_before` to the clock read under it,
/// in one statement that commits at once. Every append that could still be stamped before that
/// second has then committed, and every later one reads a clock (or this seal) at least as late.
/// With `wait`, waits for the lock instead (the first read of a feed no client has read, which
/// an import could still lay out again: [`crate::Store::commit_history`]).
///
/// Returns the seal when it was taken, else how far the committed feed is closed (the head's
/// second, before which no append in flight can be stamped, or the stored seal), and the
/// database's clock.
pub(super) async fn seal(c: &Conn, wait: bool) -> Result<(Option<FeedTime>, FeedTime, FeedTime)> {
    const SQL: &str = "WITH now AS (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS t),
                  free AS (SELECT id FROM feed_head WHERE id = 1 FOR UPDATE SKIP LOCKED),
                  sealed AS (UPDATE feed_head SET closed_before = GREATEST(closed_before, (SELECT t FROM now))
                             WHERE id IN (SELECT id FROM free) RETURNING closed_before)
             SELECT (SELECT closed_before FROM sealed), GREATEST(h.closed_before, h.ts), (SELECT t FROM now)
             FROM feed_head h WHERE h.id = 1";
    // Waiting, the clock is read once the lock is held.
    const WAITING: &str = "WITH free AS (SELECT id FROM feed_head WHERE id = 1 FOR UPDATE),
                  now AS (SELECT floor(extract(epoch FROM clock_timestamp()))::bigint AS t FROM free),
                  sealed AS (UPDATE feed_head SET closed_before = GREATEST(closed_before, (SELECT t FROM now))
                             WHERE id IN (SELECT id FROM free) RETURNING closed_before)
             SELECT (SELECT closed_before FROM sealed), (SELECT closed_before FROM sealed), (SELECT t FROM now)";
    let stmt = c.prepare_cached(if wait { WAITING } else { SQL }).await.db()?;
    let row = c.query_one(&stmt, &[]).await.db()?;
    Ok((
        row.get::<_, Option<i64>>(0).map(FeedTime::from_unix),
        FeedTime::from_unix(row.get::<_, Option<i64>>(1).unwrap_or(0)),
        FeedTime::from_unix(row.get::<_, Option<i64>>(2).unwrap_or(0)),
    ))
}

/// What [`seal`] answers when it cannot write: no seal, how far the committed feed is closed,
/// and the database's clock.
pub(super) async fn committed(c: &Conn) -> Result<(Option<FeedTime>, FeedTime, FeedTime)> {
    let row = c
        .query_one(
            "SELECT GREATEST(closed_before, ts), floor(extract(epoch FROM clock_timestamp()))::bigint
             FROM feed_head WHERE id = 1",
            &[],
        )
        .await
        .db()?;
    Ok((None, FeedTime::from_unix(row.get(0)), FeedTime::from_unix(row.get(1))))
}

/// A time query, read up to `horizon` (which the caller has made safe with [`seal`]).
pub(super) async fn query(c: &Conn, q: &TimeQuery, horizon: FeedTime) -> Result<Page> {
    let mut page = PageBuilder::new(q.format, q.limit);
    let more = read_page(&mut page, c, "", &[&q.from.unix(), &horizon.unix(), &i64::from(q.limit)]).await?;
    Ok(page.into_page(more, horizon))
}

/// SHA-256 over every event in feed order, streamed from one snapshot.
pub(super) async fn digest(c: &mut Conn) -> Result<String> {
    let tx =
        c.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await.db()?;
    let mut h = FeedDigest::default();
    {
        let rows = tx
            .query_raw("SELECT seq, ts, event_type, entry_json FROM events ORDER BY seq", std::iter::empty::<i64>())
            .await
            .db()?;
        pin_mut!(rows);
        while let Some(r) = rows.next().await {
            let r = r.db()?;
            h.add(r.get(0), r.get(1), r.get(2), r.get(3));
        }
    }
    tx.commit().await.db()?;
    Ok(h.hex())
}

/// Reads `(seq, ts, event_type, purl, entry_json)`.
fn stored_event(r: &Row) -> Result<StoredEvent, tokio_postgres::Error> {
    Ok(stored_event!(r, try_get))
}

/// Events matching a filter, in feed order.
pub(super) async fn find_events(c: &Conn, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
    let (condition, value) = crate::rules::filter_condition(filter, "$1", "strpos");
    let sql = format!("SELECT {STORED_EVENT_COLUMNS} FROM events WHERE {condition} ORDER BY seq");
    let stmt = c.prepare_cached(&sql).await.db()?;
    c.query(&stmt, &[&value]).await.db()?.iter().map(stored_event).collect::<Result<Vec<_>, _>>().db()
}

/// The matching columns of every event, in feed order.
pub(super) async fn package_events(c: &Conn, after_seq: i64) -> Result<Vec<PackageEvent>> {
    let sql = format!("SELECT {PACKAGE_EVENT_COLUMNS} FROM events WHERE seq > $1 ORDER BY seq");
    let rows = c.query(&sql, &[&after_seq]).await.db()?;
    rows.iter()
        .map(|r| -> Result<PackageEvent, tokio_postgres::Error> { Ok(package_event!(r, try_get)) })
        .collect::<Result<Vec<_>, _>>()
        .db()
}

/// Events by sequence number, in the order asked.
pub(super) async fn entries(c: &Conn, seqs: &[i64]) -> Result<Vec<StoredEvent>> {
    let sql = format!("SELECT {STORED_EVENT_COLUMNS} FROM events WHERE seq = ANY($1)");
    let rows = c.query(&sql, &[&seqs]).await.db()?;
    let mut found: std::collections::HashMap<i64, StoredEvent> =
        rows.iter().map(stored_event).map(|e| e.map(|e| (e.seq, e))).collect::<Result<_, _>>().db()?;
    Ok(seqs.iter().filter_map(|s| found.remove(s)).collect())
}
