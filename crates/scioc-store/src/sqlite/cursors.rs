//! Per-user pull cursors, delivered at least once.
//!
//! A cursor's frontier is `(after_seq, not_before, position)`: the next pull returns events with
//! a sequence number above `after_seq` and a time at or after `not_before`. Because times never
//! go back as sequence numbers grow, that is exactly "the events after the last one handed out".
//! After a page `not_before` becomes its last time, which filters nothing new (later events are
//! never older) but lets the pull walk the `(ts, seq)` index from there.
//!
//! A leased pull moves the frontier at once, so a concurrent pull continues after its page, and
//! records the page in `pull_leases`. The cursor's delivered position (`done_*`) follows when the
//! page is confirmed ([`crate::rules::settle`]); a released or expired lease puts the frontier
//! back at the delivered position, so those events are served again. Every step runs in an
//! immediate transaction, so two pulls by one user are serialized.

use super::{
    SqlResultExt,
    events::{finish_second, more_after, read_rows},
};
use crate::{
    PullPage, PullQuery, Result,
    rules::{LeaseRow, PageBuilder, Position, fragment_column, settle},
};
use r2d2_sqlite::rusqlite::{Connection, OptionalExtension, Transaction, TransactionBehavior, params};
use scioc_model::{FeedTime, UserName};
use std::str::FromStr;

/// Points `user`'s cursor at the first event at or after `at`, forgetting pages in flight.
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
        "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at,
                              done_after_seq, done_not_before, done_position)
         VALUES (?1, ?2, ?3, ?3, ?4, ?2, ?3, ?3)
         ON CONFLICT (user_name) DO UPDATE SET after_seq = excluded.after_seq, not_before = excluded.not_before,
             position = excluded.position, updated_at = excluded.updated_at,
             done_after_seq = excluded.done_after_seq, done_not_before = excluded.done_not_before,
             done_position = excluded.done_position",
    )
    .db()?
    .execute(params![user.as_str(), after, at.unix(), FeedTime::now().unix()])
    .db()?;
    forget_leases(tx, user)
}

fn forget_leases(tx: &Transaction<'_>, user: &UserName) -> Result<()> {
    tx.prepare_cached("DELETE FROM pull_leases WHERE user_name = ?1").db()?.execute(params![user.as_str()]).db()?;
    Ok(())
}

/// Puts `user`'s frontier back at the delivered position and forgets every page in flight.
fn rewind(tx: &Transaction<'_>, user: &UserName) -> Result<()> {
    tx.prepare_cached(
        "UPDATE cursors SET after_seq = done_after_seq, not_before = done_not_before, position = done_position,
                            updated_at = ?2
         WHERE user_name = ?1",
    )
    .db()?
    .execute(params![user.as_str(), FeedTime::now().unix()])
    .db()?;
    forget_leases(tx, user)
}

/// The next page after `user`'s cursor; the cursor moves past it in the same transaction.
pub(super) fn pull(conn: &mut Connection, user: &UserName, q: &PullQuery) -> Result<PullPage> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let expired: bool = tx
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM pull_leases WHERE user_name = ?1 AND NOT done AND expires_at <= ?2)",
        )
        .db()?
        .query_row(params![user.as_str(), FeedTime::now().unix()], |r| r.get(0))
        .db()?;
    if expired {
        rewind(&tx, user)?;
    }
    let cursor = |tx: &Transaction<'_>| -> Result<Option<Position>> {
        tx.prepare_cached("SELECT after_seq, not_before, position FROM cursors WHERE user_name = ?1")
            .db()?
            .query_row(params![user.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .optional()
            .db()
    };
    let from = match cursor(&tx)? {
        Some(c) => c,
        None => {
            // Never started: the feed begins for this user at the time of the first pull.
            set(&tx, user, q.horizon)?;
            cursor(&tx)?.expect("cursor just written")
        }
    };
    let (after, not_before, position) = from;
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
    let mut lease = None;
    if let Some(last) = page.last() {
        let to = crate::rules::cursor_after(last);
        tx.prepare_cached(
            "UPDATE cursors SET after_seq = ?2, not_before = ?3, position = ?4, updated_at = ?5 WHERE user_name = ?1",
        )
        .db()?
        .execute(params![user.as_str(), to.0, to.1, to.2, FeedTime::now().unix()])
        .db()?;
        let (holder, expires) = match &q.lease {
            Some(terms) => (terms.holder.as_str(), terms.expires.unix()),
            None => ("", 0),
        };
        let id: i64 = tx
            .prepare_cached(
                "INSERT INTO pull_leases (user_name, from_after_seq, from_not_before, from_position,
                                          to_after_seq, to_not_before, to_position, holder, expires_at, done)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10) RETURNING id",
            )
            .db()?
            .query_row(
                params![user.as_str(), from.0, from.1, from.2, to.0, to.1, to.2, holder, expires, q.lease.is_none()],
                |r| r.get(0),
            )
            .db()?;
        if q.lease.is_some() {
            lease = Some(id);
        } else {
            settle_user(&tx, user)?;
        }
    }
    tx.commit().db()?;
    Ok(PullPage { page: page.into_page(more, q.horizon), from: FeedTime::from_unix(position), lease, rewound: expired })
}

/// Moves `user`'s delivered position over the delivered pages that continue it.
fn settle_user(tx: &Transaction<'_>, user: &UserName) -> Result<()> {
    let done: Position = tx
        .prepare_cached("SELECT done_after_seq, done_not_before, done_position FROM cursors WHERE user_name = ?1")
        .db()?
        .query_row(params![user.as_str()], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
        .db()?;
    let leases = tx
        .prepare_cached(
            "SELECT id, from_after_seq, from_not_before, from_position, to_after_seq, to_not_before, to_position, done
             FROM pull_leases WHERE user_name = ?1 ORDER BY id",
        )
        .db()?
        .query_map(params![user.as_str()], |r| {
            Ok(LeaseRow {
                id: r.get(0)?,
                from: (r.get(1)?, r.get(2)?, r.get(3)?),
                to: (r.get(4)?, r.get(5)?, r.get(6)?),
                done: r.get(7)?,
            })
        })
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    let (at, passed) = settle(done, &leases);
    if passed.is_empty() {
        return Ok(());
    }
    tx.prepare_cached(
        "UPDATE cursors SET done_after_seq = ?2, done_not_before = ?3, done_position = ?4 WHERE user_name = ?1",
    )
    .db()?
    .execute(params![user.as_str(), at.0, at.1, at.2])
    .db()?;
    let mut delete = tx.prepare_cached("DELETE FROM pull_leases WHERE id = ?1").db()?;
    for id in passed {
        delete.execute(params![id]).db()?;
    }
    Ok(())
}

/// Marks a leased page delivered.
pub(super) fn confirm(conn: &mut Connection, user: &UserName, lease: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let marked = tx
        .prepare_cached("UPDATE pull_leases SET done = 1 WHERE id = ?1 AND user_name = ?2")
        .db()?
        .execute(params![lease, user.as_str()])
        .db()?;
    if marked > 0 {
        settle_user(&tx, user)?;
    }
    tx.commit().db()
}

/// Gives a leased page up: the user's cursor goes back to its delivered position.
pub(super) fn release(conn: &mut Connection, user: &UserName, lease: i64) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let in_flight: bool = tx
        .prepare_cached("SELECT EXISTS (SELECT 1 FROM pull_leases WHERE id = ?1 AND user_name = ?2 AND NOT done)")
        .db()?
        .query_row(params![lease, user.as_str()], |r| r.get(0))
        .db()?;
    if in_flight {
        rewind(&tx, user)?;
    }
    tx.commit().db()
}

/// Releases every page in flight that `holder` leased.
pub(super) fn release_holder(conn: &mut Connection, holder: &str) -> Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let users = tx
        .prepare_cached("SELECT DISTINCT user_name FROM pull_leases WHERE holder = ?1 AND NOT done")
        .db()?
        .query_map(params![holder], |r| r.get::<_, String>(0))
        .db()?
        .collect::<Result<Vec<_>, _>>()
        .db()?;
    for name in &users {
        // Names in the table were valid when stored.
        if let Ok(user) = UserName::from_str(name) {
            rewind(&tx, &user)?;
        }
    }
    tx.commit().db()?;
    Ok(users.len() as u64)
}

/// Every cursor where its delivered pages left it, by user.
pub(super) fn list(conn: &Connection) -> Result<Vec<crate::dump::CursorRecord>> {
    let mut stmt = conn
        .prepare_cached(
            "SELECT user_name, done_after_seq, done_not_before, done_position, updated_at FROM cursors ORDER BY user_name",
        )
        .db()?;
    let rows = stmt
        .query_map([], |r| {
            Ok(crate::dump::CursorRecord {
                user: r.get(0)?,
                after_seq: r.get(1)?,
                not_before: r.get(2)?,
                position: r.get(3)?,
                updated_at: r.get(4)?,
            })
        })
        .db()?;
    rows.collect::<std::result::Result<Vec<_>, _>>().db()
}
