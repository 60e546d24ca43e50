//! Outside sources: their record state, atomic imports, indicators, and event look-ups.

use super::{Conn, PgResultExt, events};
use crate::rows::{INDICATOR_COLUMNS, indicator_row};
use crate::{Appended, Import, Indicator, Result, SourceRecord, SourceState};
use deadpool_postgres::GenericClient;

use tokio_postgres::{IsolationLevel, Row};

async fn version(c: &impl GenericClient, source: &str) -> Result<i64> {
    let stmt = c.prepare_cached("SELECT version FROM source_versions WHERE source = $1").await.db()?;
    Ok(c.query_opt(&stmt, &[&source]).await.db()?.map_or(0, |r| r.get(0)))
}

/// Every record of `source` and its version, in one snapshot.
pub(super) async fn state(c: &mut Conn, source: &str) -> Result<SourceState> {
    let tx =
        c.build_transaction().isolation_level(IsolationLevel::RepeatableRead).read_only(true).start().await.db()?;
    let version = version(&tx, source).await?;
    let records = tx
        .query("SELECT id, content_hash, state FROM source_records WHERE source = $1 ORDER BY id", &[&source])
        .await
        .db()?
        .iter()
        .map(|r| SourceRecord { id: r.get(0), content_hash: r.get(1), state: r.get(2) })
        .collect();
    tx.commit().await.db()?;
    Ok(SourceState { version, records })
}

/// Whether no time query sealed a second and no cursor exists ([`crate::Store::unread`]).
pub(super) async fn unread(c: &impl GenericClient) -> Result<bool> {
    let row = c
        .query_one(
            "SELECT h.closed_before = 0 AND NOT EXISTS (SELECT 1 FROM cursors) FROM feed_head h WHERE h.id = 1",
            &[],
        )
        .await
        .db()?;
    Ok(row.get(0))
}

/// Takes every stored event out of the feed, under the head lock, as the events they were
/// appended as ([`crate::Store::commit_history`]); refuses once the feed has been read.
async fn take_feed(tx: &deadpool_postgres::Transaction<'_>) -> Result<Vec<crate::NewEvent>> {
    if !unread(tx).await? {
        return Err(crate::rules::feed_was_read());
    }
    let rows = tx.query("SELECT entry_json, ts FROM events ORDER BY seq", &[]).await.db()?;
    let stored =
        rows.iter().map(|r| crate::rules::stored_as_new(r.get::<_, &[u8]>(0), r.get(1))).collect::<Result<Vec<_>>>()?;
    // The counts are kept by a trigger on insert: they start again with the feed.
    tx.batch_execute(
        "DELETE FROM events; DELETE FROM event_type_counts; UPDATE feed_head SET seq = 0, ts = 0 WHERE id = 1",
    )
    .await
    .db()?;
    tx.execute(
        "INSERT INTO source_versions (source, version) VALUES ($1, 1)
         ON CONFLICT (source) DO UPDATE SET version = source_versions.version + 1",
        &[&crate::RELAID_SOURCE],
    )
    .await
    .db()?;
    Ok(stored)
}

/// Stores an import in one transaction. The head row is locked first, as by every append, so
/// imports from all nodes are serialized and the version check below cannot race. With
/// `history`, the stored events and the import's are laid out again in time order
/// ([`crate::Store::commit_history`]).
pub(super) async fn commit(c: &mut Conn, import: &Import, per_second: u32, history: bool) -> Result<Appended> {
    let tx = c.transaction().await.db()?;
    // The head lock first, then the version: an import that lost the race is refused as a
    // conflict before its events are judged against a head that moved (their times could then
    // look like going back in time, a different and misleading refusal).
    tx.execute("SELECT 1 FROM feed_head WHERE id = 1 FOR UPDATE", &[]).await.db()?;
    let now = events::database_now(&tx).await?;
    let current = version(&tx, &import.source).await?;
    if current != import.expected_version {
        return Err(crate::rules::import_conflict(&import.source, current, import.expected_version));
    }
    let resolved = super::claims::resolve_in(&tx, &import.source, &import.events, &import.claims).await?;
    let mut appended = if history {
        let stored = take_feed(&tx).await?;
        let n = stored.len();
        let batch = crate::rules::lay_out(stored, resolved.kept(import.events.clone()), now);
        let mut a = events::append_in(&tx, &batch, per_second).await?;
        a.relaid = n;
        a
    } else if resolved.merged == 0 {
        events::append_in(&tx, &import.events, per_second).await?
    } else {
        events::append_in(&tx, &resolved.kept(import.events.clone()), per_second).await?
    };
    appended.merged = resolved.merged;
    let source = import.source.as_str();
    if !import.records.is_empty() {
        let ids: Vec<&str> = import.records.iter().map(|r| r.id.as_str()).collect();
        let hashes: Vec<&str> = import.records.iter().map(|r| r.content_hash.as_str()).collect();
        let states: Vec<&str> = import.records.iter().map(|r| r.state.as_str()).collect();
        tx.execute(
            "INSERT INTO source_records (source, id, content_hash, state, updated_at)
             SELECT $1::TEXT, r.id, r.content_hash, r.state, $5::BIGINT FROM UNNEST($2::TEXT[], $3::TEXT[], $4::TEXT[]) AS r (id, content_hash, state)
             ON CONFLICT (source, id) DO UPDATE SET content_hash = excluded.content_hash, state = excluded.state,
                 updated_at = excluded.updated_at",
            &[&source, &ids, &hashes, &states, &now.unix()],
        )
        .await
        .db()?;
    }
    if !import.retire_indicators_of.is_empty() {
        tx.execute(
            "DELETE FROM indicators WHERE source = $1 AND source_id = ANY($2)",
            &[&source, &import.retire_indicators_of],
        )
        .await
        .db()?;
    }
    if !import.indicators.is_empty() {
        let col = |f: fn(&Indicator) -> &str| import.indicators.iter().map(f).collect::<Vec<&str>>();
        tx.execute(
            "INSERT INTO indicators (kind, value, ecosystem, package, source, source_id, match_kind, confidence, action, added_at)
             SELECT *, $10::BIGINT FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[], $5::TEXT[], $6::TEXT[], $7::TEXT[],
                                      $8::TEXT[], $9::TEXT[])
             ON CONFLICT DO NOTHING",
            &[
                &col(|i| i.kind.as_str()),
                &col(|i| &i.value),
                &col(|i| &i.ecosystem),
                &col(|i| &i.package),
                &col(|i| &i.source),
                &col(|i| &i.source_id),
                &col(|i| i.match_kind.as_str()),
                &col(|i| &i.confidence),
                &col(|i| &i.action),
                &now.unix(),
            ],
        )
        .await
        .db()?;
    }
    if !import.remove_records.is_empty() {
        tx.execute("DELETE FROM source_records WHERE source = $1 AND id = ANY($2)", &[&source, &import.remove_records])
            .await
            .db()?;
        tx.execute("DELETE FROM claims WHERE source = $1 AND record = ANY($2)", &[&source, &import.remove_records])
            .await
            .db()?;
    }
    tx.execute(
        "INSERT INTO source_versions (source, version) VALUES ($1, $2)
         ON CONFLICT (source) DO UPDATE SET version = excluded.version",
        &[&source, &(current + 1)],
    )
    .await
    .db()?;
    tx.commit().await.db()?;
    Ok(appended)
}

/// Every indicator, sorted.
pub(super) async fn indicators(c: &Conn) -> Result<Vec<Indicator>> {
    let sql = format!(
        "SELECT {INDICATOR_COLUMNS} FROM indicators ORDER BY kind, value, ecosystem, package, source, source_id"
    );
    let rows = c.query(&sql, &[]).await.db()?;
    rows.iter().map(indicator).collect::<Result<Vec<_>, _>>().db()
}

/// Reads a row of [`INDICATOR_COLUMNS`] (and, in a dump, the time after them).
pub(super) fn indicator(r: &Row) -> Result<Indicator, tokio_postgres::Error> {
    Ok(indicator_row!(r, try_get))
}

/// Every source's import version.
pub(super) async fn source_versions(c: &Conn) -> Result<Vec<(String, i64)>> {
    let rows = c.query("SELECT source, version FROM source_versions ORDER BY source", &[]).await.db()?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}
