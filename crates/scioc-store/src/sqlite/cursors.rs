//! Per-user pull cursors.
//!
//! A cursor is `(after_seq, not_before, position)`: the next pull returns events with a
//! sequence number above `after_seq` and a time at or after `not_before`. Because times never
//! go back as sequence numbers grow, that is exactly "the events after the last one delivered".
//! Start and pull run in immediate transactions, so two pulls by one user are serialized and
//! neither repeats nor skips an event.

use super::{
    SqlResultExt,
    events::{collect_rows, finish_second, fragment_column, more_after},
};
use crate::{Page, PullPage, PullQuery, Result};
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
        .prepare_cached("SELECT COALESCE(MAX(seq), 0) FROM events WHERE ts < ?1")
        .db()?
        .query_row(params![at.unix()], |r| r.get(0))
        .db()?;
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
    let mut rows = Vec::with_capacity(q.limit as usize);
    {
        let sql = format!(
            "SELECT seq, ts, {} FROM events WHERE seq > ?1 AND ts >= ?2 AND ts < ?3 ORDER BY seq LIMIT ?4",
            fragment_column(q.format)
        );
        let mut stmt = tx.prepare_cached(&sql).db()?;
        collect_rows(&mut stmt, params![after, not_before, q.horizon.unix(), q.limit], &mut rows)?;
    }
    if rows.len() as u32 >= q.limit {
        finish_second(&tx, q.format, &mut rows)?;
    }
    let more = match rows.last() {
        Some(last) => {
            let more = more_after(&tx, last.seq, q.horizon)?;
            tx.prepare_cached("UPDATE cursors SET after_seq = ?2, position = ?3, updated_at = ?4 WHERE user_name = ?1")
                .db()?
                .execute(params![user.as_str(), last.seq, last.time.unix() + 1, FeedTime::now().unix()])
                .db()?;
            more
        }
        None => false,
    };
    tx.commit().db()?;
    Ok(PullPage { page: Page { rows, more }, from: FeedTime::from_unix(position) })
}
