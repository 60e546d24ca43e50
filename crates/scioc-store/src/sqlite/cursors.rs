//! Per-user pull cursors.
//!
//! A cursor is `(after_seq, not_before, position)`: the next pull returns events with a
//! sequence number above `after_seq` and a time at or after `not_before`. Because times never
//! go back as sequence numbers grow, that is exactly "the events after the last one delivered".
//! After a delivery `not_before` becomes the last delivered time, which filters nothing new
//! (later events are never older) but lets the pull walk the `(ts, seq)` index from there.
//! Start and pull run in immediate transactions, so two pulls by one user are serialized and
//! neither repeats nor skips an event.

use super::{
    SqlResultExt,
    events::{finish_second, more_after, read_rows},
};
use crate::{
    PullPage, PullQuery, Result,
    rules::{PageBuilder, fragment_column},
};
use r2d2_sqlite::rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use scioc_model::{FeedTime, UserName};

/// Points `user`'s cursor at the first event at or after `at`.
pub(super) fn start(conn: &mut Connection, user: &UserName, at: FeedTime) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    set(&tx, user, at)?;
    tx.commit().db()
}

fn set(tx: &Transaction<'_>, user: &UserName, at: FeedTime) -> Result<()> {
    let after: i64 = tx
        .prepare_cached("SELECT seq FROM events WHERE ts < ?1 ORDER BY ts DESC, seq DESC LIMIT 1")
        .db()?
        .query_row(params![at.unix()], |r| r.get(0))
        .optional()
        .db()?
        .unwrap_or(0);
    tx.prepare_cached(
        "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at) VALUES (?1, ?2, ?3, ?3, ?4)
         ON CONFLICT (user_name) DO UPDATE SET after_seq = excluded.after_seq, not_before = excluded.not_before,
             position = excluded.position, updated_at = excluded.updated_at",
    )
    .db()?
    .execute(params![user.as_str(), after, at.unix(), FeedTime::now().unix()])
    .db()?;
    Ok(())
}

/// The next page after `user`'s cursor; the cursor moves past it in the same transaction.
pub(super) fn pull(conn: &mut Connection, user: &UserName, q: &PullQuery) -> Result<PullPage> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let cursor = |tx: &Transaction<'_>| -> Result<Option<(i64, i64, i64)>> {
        tx.prepare_cached("SELECT after_seq, not_before, position FROM cursors WHERE user_name = ?1")
            .db()?
            .query_row(params![user.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .db()
    };
    let (after, not_before, position) = match cursor(&tx)? {
        Some(c) => c,
        None => {
            // Never started: the feed begins for this user at the time of the first pull.
            set(&tx, user, q.horizon)?;
            cursor(&tx)?.expect("cursor just written")
        }
    };
    let mut page = PageBuilder::new(q.format, q.limit);
    {
        let sql = format!(
            "SELECT seq, ts, {} FROM events WHERE ts >= ?2 AND ts < ?3 AND seq > ?1 ORDER BY ts, seq LIMIT ?4",
            fragment_column(q.format)
        );
        let mut stmt = tx.prepare_cached(&sql).db()?;
        read_rows(&mut page, &mut stmt, params![after, not_before, q.horizon.unix(), q.limit])?;
    }
    let more = if page.is_full(q.limit) {
        finish_second(&mut page, &tx)?;
        more_after(&tx, page.last().map_or(q.horizon, |r| r.time), q.horizon)?
    } else {
        false
    };
    if let Some(last) = page.last() {
        tx.prepare_cached(
            "UPDATE cursors SET after_seq = ?2, not_before = ?3, position = ?4, updated_at = ?5 WHERE user_name = ?1",
        )
        .db()?
        .execute(params![user.as_str(), last.seq, last.time.unix(), last.time.unix() + 1, FeedTime::now().unix()])
        .db()?;
    }
    tx.commit().db()?;
    Ok(PullPage { page: page.into_page(more), from: FeedTime::from_unix(position) })
}
