//! Polled sources: definitions, status and the poll lease.

use super::{Conn, PgResultExt};
use crate::{FeedSource, Result, SourceDef, SourceStatus};
use scioc_model::FeedTime;
use tokio_postgres::Row;

const COLUMNS: &str = "name, kind, location, ecosystem, interval_secs, timeout_secs, origin, etag, last_modified, \
    cursor, last_attempt, last_success, last_change, last_error, last_error_at, failures, records, polls, next_poll, \
    lease_holder, lease_until";

fn time(t: Option<i64>) -> Option<FeedTime> {
    t.map(FeedTime::from_unix)
}

fn source(r: &Row) -> FeedSource {
    let holder: Option<String> = r.get(19);
    FeedSource {
        def: SourceDef {
            name: r.get(0),
            kind: r.get(1),
            location: r.get(2),
            ecosystem: r.get(3),
            interval_secs: r.get::<_, i64>(4) as u64,
            timeout_secs: r.get::<_, i64>(5) as u64,
            origin: r.get(6),
        },
        status: SourceStatus {
            etag: r.get(7),
            last_modified: r.get(8),
            cursor: r.get(9),
            last_attempt: time(r.get(10)),
            last_success: time(r.get(11)),
            last_change: time(r.get(12)),
            last_error: r.get(13),
            last_error_at: time(r.get(14)),
            failures: r.get::<_, i64>(15) as u32,
            records: r.get::<_, i64>(16) as u64,
            polls: r.get::<_, i64>(17) as u64,
            next_poll: FeedTime::from_unix(r.get(18)),
            lease: holder.zip(time(r.get(20))),
        },
    }
}

pub(super) async fn list(c: &Conn) -> Result<Vec<FeedSource>> {
    let rows = c.query(&format!("SELECT {COLUMNS} FROM feed_sources ORDER BY name"), &[]).await.db()?;
    Ok(rows.iter().map(source).collect())
}

pub(super) async fn put(c: &Conn, d: &SourceDef) -> Result<()> {
    c.execute(
        "INSERT INTO feed_sources (name, kind, location, ecosystem, interval_secs, timeout_secs, origin)
         VALUES ($1, $2, $3, $4, $5, $6, $7)
         ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, location = excluded.location,
             ecosystem = excluded.ecosystem, interval_secs = excluded.interval_secs,
             timeout_secs = excluded.timeout_secs, origin = excluded.origin",
        &[&d.name, &d.kind, &d.location, &d.ecosystem, &(d.interval_secs as i64), &(d.timeout_secs as i64), &d.origin],
    )
    .await
    .db()?;
    Ok(())
}

pub(super) async fn remove(c: &Conn, names: &[String]) -> Result<usize> {
    let n = c.execute("DELETE FROM feed_sources WHERE name = ANY($1)", &[&names]).await.db()?;
    Ok(n as usize)
}

pub(super) async fn claim(
    c: &Conn,
    name: &str,
    holder: &str,
    now: FeedTime,
    until: FeedTime,
) -> Result<Option<FeedSource>> {
    // One statement: of two nodes racing, the second finds the row already leased.
    let row = c
        .query_opt(
            &format!(
                "UPDATE feed_sources SET lease_holder = $2, lease_until = $4
                 WHERE name = $1 AND next_poll <= $3 AND (lease_holder IS NULL OR lease_until < $3 OR lease_holder = $2)
                 RETURNING {COLUMNS}"
            ),
            &[&name, &holder, &now.unix(), &until.unix()],
        )
        .await
        .db()?;
    Ok(row.as_ref().map(source))
}

pub(super) async fn finish(c: &Conn, name: &str, holder: &str, s: &SourceStatus) -> Result<()> {
    c.execute(
        "UPDATE feed_sources SET etag = $3, last_modified = $4, cursor = $5, last_attempt = $6, last_success = $7,
             last_change = $8, last_error = $9, last_error_at = $10, failures = $11, records = $12, polls = $13,
             next_poll = $14, lease_holder = NULL, lease_until = NULL
         WHERE name = $1 AND lease_holder = $2",
        &[
            &name,
            &holder,
            &s.etag,
            &s.last_modified,
            &s.cursor,
            &s.last_attempt.map(FeedTime::unix),
            &s.last_success.map(FeedTime::unix),
            &s.last_change.map(FeedTime::unix),
            &s.last_error,
            &s.last_error_at.map(FeedTime::unix),
            &i64::from(s.failures),
            &(s.records as i64),
            &(s.polls as i64),
            &s.next_poll.unix(),
        ],
    )
    .await
    .db()?;
    Ok(())
}
