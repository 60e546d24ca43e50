//! Reading the whole store as rows, and filling an empty store from another one.

use super::{Conn, PgResultExt, events::Columns, sources::indicator, users};
use crate::rows::INDICATOR_COLUMNS;
use crate::{
    Error, Result, SourceRecord, Store,
    dump::{COPY_BATCH, EventRow, Meta, check_continuity, event_row, group_sources},
};
use tokio_postgres::IsolationLevel;

/// Up to `limit` events after `after_seq`, in sequence order.
pub(super) async fn events(c: &Conn, after_seq: i64, limit: u32) -> Result<Vec<EventRow>> {
    let sql = format!("SELECT {} FROM events WHERE seq > $1 ORDER BY seq LIMIT $2", EventRow::COLUMNS);
    let stmt = c.prepare_cached(&sql).await.db()?;
    let rows = c.query(&stmt, &[&after_seq, &i64::from(limit)]).await.db()?;
    rows.iter()
        .map(|r| -> Result<EventRow, tokio_postgres::Error> { Ok(event_row!(r, try_get)) })
        .collect::<Result<Vec<_>, _>>()
        .db()
}

/// Everything but the events, in one snapshot.
pub(super) async fn meta(c: &mut Conn) -> Result<Meta> {
    let tx =
        c.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await.db()?;
    let users = users::list(&tx).await?;
    let cursors = super::cursors::list(&tx).await?;
    let versions = tx
        .query("SELECT source, version FROM source_versions", &[])
        .await
        .db()?
        .iter()
        .map(|r| (r.get(0), r.get(1)))
        .collect();
    let records = tx
        .query("SELECT source, id, content_hash, state, updated_at FROM source_records ORDER BY source, id", &[])
        .await
        .db()?
        .iter()
        .map(|r| (r.get(0), SourceRecord { id: r.get(1), content_hash: r.get(2), state: r.get(3) }, r.get(4)))
        .collect::<Vec<_>>();
    let sources = group_sources(versions, records);
    let indicators = tx
        .query(
            &format!(
                "SELECT {INDICATOR_COLUMNS}, added_at FROM indicators ORDER BY kind, value, ecosystem, package, source, source_id"
            ),
            &[],
        )
        .await
        .db()?
        .iter()
        .map(|r| Ok((indicator(r)?, r.try_get(9)?)))
        .collect::<Result<_, tokio_postgres::Error>>()
        .db()?;
    let claims = super::claims::all(&tx).await?;
    let blocks = super::blocks::all_blocks(&tx).await?;
    let archives = super::blocks::all_archives(&tx).await?;
    tx.commit().await.db()?;
    Ok(Meta { users, cursors, sources, indicators, claims, blocks, archives })
}

/// Fills this empty store from `from` in one transaction.
pub(super) async fn restore(c: &mut Conn, from: &dyn Store, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<u64> {
    let tx = c.transaction().await.db()?;
    let held: i64 = tx
        .query_one(
            "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM source_records)
                  + (SELECT COUNT(*) FROM source_versions) + (SELECT COUNT(*) FROM indicators)",
            &[],
        )
        .await
        .db()?
        .get(0);
    if held > 0 {
        return Err(Error::Conflict("the target store is not empty; a copy only fills an empty store".into()));
    }
    // Taking the head row keeps every other writer out until the copy commits.
    tx.query_one("SELECT seq FROM feed_head WHERE id = 1 FOR UPDATE", &[]).await.db()?;
    let mut last = (0, 0);
    loop {
        let batch = from.export_events(last.0, COPY_BATCH).await?;
        if batch.is_empty() {
            break;
        }
        last = check_continuity(last, &batch)?;
        let mut cols = Columns::default();
        for e in &batch {
            cols.push(e);
        }
        cols.insert(&tx).await?;
        progress(last.0 as u64);
    }
    // Clients of the store copied from may have been served up to now: seal it.
    tx.execute(
        "UPDATE feed_head SET seq = $1, ts = $2,
             closed_before = GREATEST(closed_before, floor(extract(epoch FROM clock_timestamp()))::bigint) WHERE id = 1",
        &[&last.0, &last.1],
    )
    .await
    .db()?;
    let meta = from.export_meta().await?;
    for u in &meta.users {
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES ($1, $2, $3, $4, $5)",
            &[&u.name.as_str(), &u.role.as_str(), &u.password_hash, &u.created_at.unix(), &u.updated_at.unix()],
        )
        .await
        .db()?;
    }
    for k in &meta.cursors {
        tx.execute(
            "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at, done_after_seq, done_not_before, done_position)
             VALUES ($1, $2, $3, $4, $5, $2, $3, $4)",
            &[&k.user, &k.after_seq, &k.not_before, &k.position, &k.updated_at],
        )
        .await
        .db()?;
    }
    for s in &meta.sources {
        if s.version > 0 {
            tx.execute("INSERT INTO source_versions (source, version) VALUES ($1, $2)", &[&s.source, &s.version])
                .await
                .db()?;
        }
        let put = tx
            .prepare_cached(
                "INSERT INTO source_records (source, id, content_hash, state, updated_at) VALUES ($1, $2, $3, $4, $5)",
            )
            .await
            .db()?;
        for (r, updated_at) in &s.records {
            tx.execute(&put, &[&s.source, &r.id, &r.content_hash, &r.state, updated_at]).await.db()?;
        }
    }
    let add = tx
        .prepare_cached(
            "INSERT INTO indicators (kind, value, ecosystem, package, source, source_id, match_kind, confidence, action, added_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .await
        .db()?;
    for (i, added_at) in &meta.indicators {
        tx.execute(
            &add,
            &[
                &i.kind.as_str(),
                &i.value,
                &i.ecosystem,
                &i.package,
                &i.source,
                &i.source_id,
                &i.match_kind.as_str(),
                &i.confidence,
                &i.action,
                added_at,
            ],
        )
        .await
        .db()?;
    }
    // In order, so the copy's claims are ordered as the source's.
    super::claims::insert(&tx, &meta.claims).await?;
    for b in &meta.blocks {
        super::blocks::insert(&tx, b).await?;
    }
    for a in &meta.archives {
        super::blocks::remember(&tx, a).await?;
    }
    tx.commit().await.db()?;
    Ok(last.0 as u64)
}
