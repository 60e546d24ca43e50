//! Reading the whole store as rows, and filling an empty store from another one.

use super::SqlResultExt;
use crate::rows::INDICATOR_COLUMNS;
use crate::{
    Error, Result, SourceRecord,
    dump::{EventRow, Meta, check_continuity, event_row, group_sources},
};
use r2d2_sqlite::rusqlite::{Connection, Row, TransactionBehavior, params};
use tokio::sync::mpsc;

/// What a restore receives, in order: event batches, then the meta, then the end of the channel.
pub(super) enum Part {
    Events(Vec<EventRow>),
    Meta(Box<Meta>),
}

/// Up to `limit` events after `after_seq`, in sequence order.
pub(super) fn events(conn: &mut Connection, after_seq: i64, limit: u32) -> Result<Vec<EventRow>> {
    let sql = format!("SELECT {} FROM events WHERE seq > ?1 ORDER BY seq LIMIT ?2", EventRow::COLUMNS);
    let mut stmt = conn.prepare_cached(&sql).db()?;
    let rows = stmt.query_map(params![after_seq, limit], |r: &Row<'_>| Ok(event_row!(r, get))).db()?;
    rows.collect::<Result<Vec<_>, _>>().db()
}

/// Everything but the events, in one snapshot.
pub(super) fn meta(conn: &mut Connection) -> Result<Meta> {
    let tx = conn.transaction().db()?;
    let users = super::users::list(&tx)?;
    let cursors = super::cursors::list(&tx)?;
    let versions = {
        let mut stmt = tx.prepare("SELECT source, version FROM source_versions").db()?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
        rows.collect::<Result<Vec<_>, _>>().db()?
    };
    let records = {
        let mut stmt = tx
            .prepare("SELECT source, id, content_hash, state, updated_at FROM source_records ORDER BY source, id")
            .db()?;
        let rows = stmt
            .query_map([], |r| {
                let record = SourceRecord { id: r.get(1)?, content_hash: r.get(2)?, state: r.get(3)? };
                Ok((r.get(0)?, record, r.get(4)?))
            })
            .db()?;
        rows.collect::<Result<Vec<_>, _>>().db()?
    };
    let sources = group_sources(versions, records);
    let indicators = {
        let mut stmt = tx
            .prepare(&format!(
                "SELECT {INDICATOR_COLUMNS}, added_at FROM indicators ORDER BY kind, value, ecosystem, package, source, source_id"
            ))
            .db()?;
        let rows = stmt.query_map([], |r| Ok((super::sources::indicator(r)?, r.get(9)?))).db()?;
        rows.collect::<Result<Vec<_>, _>>().db()?
    };
    let claims = super::claims::all(&tx)?;
    let blocks = super::blocks::all_blocks(&tx)?;
    let archives = super::blocks::all_archives(&tx)?;
    tx.commit().db()?;
    Ok(Meta { users, cursors, sources, indicators, claims, blocks, archives })
}

/// Fills this empty store from `parts` in one transaction: nothing is kept unless the meta
/// arrives after every event batch.
pub(super) fn restore(conn: &mut Connection, mut parts: mpsc::Receiver<Part>) -> Result<u64> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let held: i64 = tx
        .query_row(
            "SELECT (SELECT COUNT(*) FROM events) + (SELECT COUNT(*) FROM users) + (SELECT COUNT(*) FROM source_records)
                  + (SELECT COUNT(*) FROM source_versions) + (SELECT COUNT(*) FROM indicators)",
            [],
            |r| r.get(0),
        )
        .db()?;
    if held > 0 {
        return Err(Error::Conflict("the target store is not empty; a copy only fills an empty store".into()));
    }
    let mut last = (0, 0);
    let meta = loop {
        match parts.blocking_recv() {
            Some(Part::Events(batch)) => {
                last = check_continuity(last, &batch)?;
                let mut insert = super::events::insert_statement(&tx)?;
                for e in &batch {
                    super::events::insert_row(&mut insert, e)?;
                }
            }
            Some(Part::Meta(meta)) => break meta,
            None => return Err(Error::Conflict("the copy's source stopped before it was read to the end".into())),
        }
    };
    for u in &meta.users {
        tx.execute(
            "INSERT INTO users (name, role, password_hash, created_at, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            params![u.name.as_str(), u.role.as_str(), u.password_hash, u.created_at.unix(), u.updated_at.unix()],
        )
        .db()?;
    }
    for c in &meta.cursors {
        tx.execute(
            "INSERT INTO cursors (user_name, after_seq, not_before, position, updated_at, done_after_seq, done_not_before, done_position)
             VALUES (?1, ?2, ?3, ?4, ?5, ?2, ?3, ?4)",
            params![c.user, c.after_seq, c.not_before, c.position, c.updated_at],
        )
        .db()?;
    }
    for s in &meta.sources {
        if s.version > 0 {
            tx.execute("INSERT INTO source_versions (source, version) VALUES (?1, ?2)", params![s.source, s.version])
                .db()?;
        }
        let mut put = tx
            .prepare_cached(
                "INSERT INTO source_records (source, id, content_hash, state, updated_at) VALUES (?1, ?2, ?3, ?4, ?5)",
            )
            .db()?;
        for (r, updated_at) in &s.records {
            put.execute(params![s.source, r.id, r.content_hash, r.state, updated_at]).db()?;
        }
    }
    {
        let mut add = tx.prepare_cached(super::sources::INSERT_INDICATOR).db()?;
        for (i, added_at) in &meta.indicators {
            super::sources::insert_indicator(&mut add, i, *added_at)?;
        }
        // In order, so the copy's claims are ordered as the source's.
        let mut claim =
            tx.prepare_cached("INSERT INTO claims (purl, ranges, source, record) VALUES (?1, ?2, ?3, ?4)").db()?;
        for c in &meta.claims {
            claim.execute(params![c.key.purl, c.key.ranges, c.source, c.record]).db()?;
        }
    }
    for b in &meta.blocks {
        super::blocks::insert(&tx, b)?;
    }
    for a in &meta.archives {
        super::blocks::remember(&tx, a)?;
    }
    // Clients of the store copied from may have been served up to now: seal it.
    tx.execute("UPDATE feed_seal SET closed_before = max(closed_before, ?1)", [scioc_model::FeedTime::now().unix()])
        .db()?;
    tx.commit().db()?;
    Ok(last.0 as u64)
}
