//! Per-user pull cursors, with the same meaning as the embedded store's (see its `cursors`
//! module): the next pull returns events with a sequence number above `after_seq` and a time at
//! or after `not_before`; a leased page moves the delivered position (`done_*`) only when
//! confirmed, and a released or expired lease rewinds the frontier to it.
//!
//! A pull locks its user's cursor row (`SELECT … FOR UPDATE`) before reading, so two pulls by
//! one user through two nodes queue on that row: the second reads the cursor the first left,
//! and neither repeats nor skips an event. Skipping is also ruled out for events committed
//! while a pull runs: appends are serialized on the head row, so a later commit always carries
//! a higher sequence number than every event already visible, and is found by the next pull.

use super::{Conn, PgResultExt, events::read_page};
use crate::{
    PullPage, PullQuery, Result,
    rules::{LeaseRow, PageBuilder, Position, settle},
};
use deadpool_postgres::{GenericClient, Transaction};
use scioc_model::{FeedTime, UserName};

/// The last event before `at`: a cursor started at `at` continues after it.
async fn last_before(tx: &Transaction<'_>, at: FeedTime) -> Result<i64> {
    let stmt =
        tx.prepare_cached("SELECT seq FROM events WHERE ts < $1 ORDER BY ts DESC, seq DESC LIMIT 1").await.db()?;
    Ok(tx.query_opt(&stmt, &[&at.unix()]).await.db()?.map_or(0, |r| r.get(0)))
}

/// Points `user`'s cursor at the first event at or after `at`.
pub(super) async fn start(c: &mut Conn, user: &UserName, at: FeedTime) -> Result<()> {
    let tx = c.transaction().await.db()?;
    let after = last_before(&tx, at).await?;
    tx.execute(
        "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at,
                              done_after_seq, done_not_before, done_position)
         VALUES ($1, $2, $3, $3, $4, $2, $3, $3)
         ON CONFLICT (user_name) DO UPDATE SET after_seq = excluded.after_seq, not_before = excluded.not_before,
             position = excluded.position, updated_at = excluded.updated_at,
             done_after_seq = excluded.done_after_seq, done_not_before = excluded.done_not_before,
             done_position = excluded.done_position",
        &[&user.as_str(), &after, &at.unix(), &FeedTime::now().unix()],
    )
    .await
    .db()?;
    tx.execute("DELETE FROM pull_leases WHERE user_name = $1", &[&user.as_str()]).await.db()?;
    tx.commit().await.db()
}

/// Puts `user`'s frontier back at the delivered position and forgets every page in flight; the
/// caller holds the user's cursor row.
async fn rewind(tx: &Transaction<'_>, user: &str) -> Result<()> {
    tx.execute(
        "UPDATE cursors SET after_seq = done_after_seq, not_before = done_not_before, position = done_position,
                            updated_at = $2
         WHERE user_name = $1",
        &[&user, &FeedTime::now().unix()],
    )
    .await
    .db()?;
    tx.execute("DELETE FROM pull_leases WHERE user_name = $1", &[&user]).await.db()?;
    Ok(())
}

/// Locks `user`'s cursor row, so that lease changes of one user are serialized like pulls.
async fn lock(tx: &Transaction<'_>, user: &str) -> Result<bool> {
    Ok(tx.query_opt("SELECT 1 FROM cursors WHERE user_name = $1 FOR UPDATE", &[&user]).await.db()?.is_some())
}

/// Moves `user`'s delivered position over the delivered pages that continue it.
async fn settle_user(tx: &Transaction<'_>, user: &str) -> Result<()> {
    let row = tx
        .query_one("SELECT done_after_seq, done_not_before, done_position FROM cursors WHERE user_name = $1", &[&user])
        .await
        .db()?;
    let done: Position = (row.get(0), row.get(1), row.get(2));
    let leases: Vec<LeaseRow> = tx
        .query(
            "SELECT id, from_after_seq, from_not_before, from_position, to_after_seq, to_not_before, to_position, done
             FROM pull_leases WHERE user_name = $1 ORDER BY id",
            &[&user],
        )
        .await
        .db()?
        .iter()
        .map(|r| LeaseRow {
            id: r.get(0),
            from: (r.get(1), r.get(2), r.get(3)),
            to: (r.get(4), r.get(5), r.get(6)),
            done: r.get(7),
        })
        .collect();
    let (at, passed) = settle(done, &leases);
    if passed.is_empty() {
        return Ok(());
    }
    tx.execute(
        "UPDATE cursors SET done_after_seq = $2, done_not_before = $3, done_position = $4 WHERE user_name = $1",
        &[&user, &at.0, &at.1, &at.2],
    )
    .await
    .db()?;
    tx.execute("DELETE FROM pull_leases WHERE id = ANY($1)", &[&passed]).await.db()?;
    Ok(())
}

/// Marks a leased page delivered.
pub(super) async fn confirm(c: &mut Conn, user: &UserName, lease: i64) -> Result<()> {
    let tx = c.transaction().await.db()?;
    if lock(&tx, user.as_str()).await? {
        let marked = tx
            .execute("UPDATE pull_leases SET done = TRUE WHERE id = $1 AND user_name = $2", &[&lease, &user.as_str()])
            .await
            .db()?;
        if marked > 0 {
            settle_user(&tx, user.as_str()).await?;
        }
    }
    tx.commit().await.db()
}

/// Gives a leased page up: the user's cursor goes back to its delivered position.
pub(super) async fn release(c: &mut Conn, user: &UserName, lease: i64) -> Result<()> {
    let tx = c.transaction().await.db()?;
    if lock(&tx, user.as_str()).await? {
        let in_flight = tx
            .query_opt(
                "SELECT 1 FROM pull_leases WHERE id = $1 AND user_name = $2 AND NOT done",
                &[&lease, &user.as_str()],
            )
            .await
            .db()?
            .is_some();
        if in_flight {
            rewind(&tx, user.as_str()).await?;
        }
    }
    tx.commit().await.db()
}

/// Releases every page in flight that `holder` leased.
pub(super) async fn release_holder(c: &mut Conn, holder: &str) -> Result<u64> {
    let tx = c.transaction().await.db()?;
    let users: Vec<String> = tx
        .query(
            "SELECT DISTINCT user_name FROM pull_leases WHERE holder = $1 AND NOT done ORDER BY user_name",
            &[&holder],
        )
        .await
        .db()?
        .iter()
        .map(|r| r.get(0))
        .collect();
    for user in &users {
        if lock(&tx, user).await? {
            rewind(&tx, user).await?;
        }
    }
    tx.commit().await.db()?;
    Ok(users.len() as u64)
}

/// The next page after `user`'s cursor; the cursor moves past it in the same transaction.
pub(super) async fn pull(c: &mut Conn, user: &UserName, q: &PullQuery) -> Result<PullPage> {
    let tx = c.transaction().await.db()?;
    let lock = tx
        .prepare_cached("SELECT after_seq, not_before, position FROM cursors WHERE user_name = $1 FOR UPDATE")
        .await
        .db()?;
    let row = match tx.query_opt(&lock, &[&user.as_str()]).await.db()? {
        Some(row) => row,
        None => {
            // Never started: the feed begins for this user at the time of the first pull. Two
            // first pulls at once both insert; one insert wins and both then lock its row.
            let after = last_before(&tx, q.horizon).await?;
            tx.execute(
                "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at,
                                      done_after_seq, done_not_before, done_position)
                 VALUES ($1, $2, $3, $3, $4, $2, $3, $3) ON CONFLICT (user_name) DO NOTHING",
                &[&user.as_str(), &after, &q.horizon.unix(), &FeedTime::now().unix()],
            )
            .await
            .db()?;
            tx.query_one(&lock, &[&user.as_str()]).await.db()?
        }
    };
    let expired = tx
        .query_opt(
            "SELECT 1 FROM pull_leases WHERE user_name = $1 AND NOT done AND expires_at <= $2 LIMIT 1",
            &[&user.as_str(), &FeedTime::now().unix()],
        )
        .await
        .db()?
        .is_some();
    let row = if expired {
        rewind(&tx, user.as_str()).await?;
        tx.query_one(&lock, &[&user.as_str()]).await.db()?
    } else {
        row
    };
    let from: Position = (row.get(0), row.get(1), row.get(2));
    let (after, not_before, position) = from;
    // Only seconds the database's clock has left are served, whatever this node's clock says.
    let horizon = q.horizon.min(super::events::database_now(&tx).await?);
    let mut page = PageBuilder::new(q.format, q.limit);
    let more = read_page(&mut page, &tx, " AND seq > $4", &[&not_before, &horizon.unix(), &i64::from(q.limit), &after])
        .await?;
    let mut lease = None;
    if let Some(last) = page.last() {
        let to = crate::rules::cursor_after(last);
        let advance = tx
            .prepare_cached(
                "UPDATE cursors SET after_seq = $2, not_before = $3, position = $4, updated_at = $5 WHERE user_name = $1",
            )
            .await
            .db()?;
        tx.execute(&advance, &[&user.as_str(), &to.0, &to.1, &to.2, &FeedTime::now().unix()]).await.db()?;
        let (holder, expires) = match &q.lease {
            Some(terms) => (terms.holder.as_str(), terms.expires.unix()),
            None => ("", 0),
        };
        let insert = tx
            .prepare_cached(
                "INSERT INTO pull_leases (user_name, from_after_seq, from_not_before, from_position,
                                          to_after_seq, to_not_before, to_position, holder, expires_at, done)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id",
            )
            .await
            .db()?;
        let id: i64 = tx
            .query_one(
                &insert,
                &[
                    &user.as_str(),
                    &from.0,
                    &from.1,
                    &from.2,
                    &to.0,
                    &to.1,
                    &to.2,
                    &holder,
                    &expires,
                    &q.lease.is_none(),
                ],
            )
            .await
            .db()?
            .get(0);
        if q.lease.is_some() {
            lease = Some(id);
        } else {
            settle_user(&tx, user.as_str()).await?;
        }
    }
    tx.commit().await.db()?;
    Ok(PullPage { page: page.into_page(more, horizon), from: FeedTime::from_unix(position), lease, rewound: expired })
}

/// Every cursor where its delivered pages left it, by user.
pub(super) async fn list(c: &impl GenericClient) -> Result<Vec<crate::dump::CursorRecord>> {
    let rows = c
        .query(
            "SELECT user_name, done_after_seq, done_not_before, done_position, updated_at FROM cursors ORDER BY user_name",
            &[],
        )
        .await
        .db()?;
    Ok(rows
        .iter()
        .map(|r| crate::dump::CursorRecord {
            user: r.get(0),
            after_seq: r.get(1),
            not_before: r.get(2),
            position: r.get(3),
            updated_at: r.get(4),
        })
        .collect())
}
