//! Per-user pull cursors, with the same meaning as the embedded store's (see its `cursors`
//! module): the next pull returns events with a sequence number above `after_seq` and a time at
//! or after `not_before`.
//!
//! A pull locks its user's cursor row (`SELECT … FOR UPDATE`) before reading, so two pulls by
//! one user through two nodes queue on that row: the second reads the cursor the first left,
//! and neither repeats nor skips an event. Skipping is also ruled out for events committed
//! while a pull runs: appends are serialized on the head row, so a later commit always carries
//! a higher sequence number than every event already visible, and is found by the next pull.

use super::{Conn, PgResultExt, events::read_page};
use crate::{PullPage, PullQuery, Result, rules::PageBuilder};
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
        "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at) VALUES ($1, $2, $3, $3, $4)
         ON CONFLICT (user_name) DO UPDATE SET after_seq = excluded.after_seq, not_before = excluded.not_before,
             position = excluded.position, updated_at = excluded.updated_at",
        &[&user.as_str(), &after, &at.unix(), &FeedTime::now().unix()],
    )
    .await
    .db()?;
    tx.commit().await.db()
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
                "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at)
                 VALUES ($1, $2, $3, $3, $4) ON CONFLICT (user_name) DO NOTHING",
                &[&user.as_str(), &after, &q.horizon.unix(), &FeedTime::now().unix()],
            )
            .await
            .db()?;
            tx.query_one(&lock, &[&user.as_str()]).await.db()?
        }
    };
    let (after, not_before, position): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    let mut page = PageBuilder::new(q.format, q.limit);
    let more =
        read_page(&mut page, &tx, " AND seq > $4", &[&not_before, &q.horizon.unix(), &i64::from(q.limit), &after])
            .await?;
    if let Some(last) = page.last() {
        let advance = tx
            .prepare_cached(
                "UPDATE cursors SET after_seq = $2, not_before = $3, position = $4, updated_at = $5 WHERE user_name = $1",
            )
            .await
            .db()?;
        tx.execute(
            &advance,
            &[&user.as_str(), &last.seq, &last.time.unix(), &(last.time.unix() + 1), &FeedTime::now().unix()],
        )
        .await
        .db()?;
    }
    tx.commit().await.db()?;
    Ok(PullPage { page: page.into_page(more), from: FeedTime::from_unix(position) })
}
