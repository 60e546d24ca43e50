//! Outside sources: their record state, atomic imports, indicators, and event look-ups.

use super::{Conn, PgResultExt, events};
use crate::{
    Appended, Error, EventFilter, Import, Indicator, PackageEvent, Result, SourceRecord, SourceState, StoredEvent,
};
use deadpool_postgres::GenericClient;
use scioc_model::{FeedTime, IndicatorKind, MatchKind};
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

/// Stores an import in one transaction. The head row is locked first, as by every append, so
/// imports from all nodes are serialized and the version check below cannot race.
pub(super) async fn commit(c: &mut Conn, import: &Import, now: FeedTime) -> Result<Appended> {
    let tx = c.transaction().await.db()?;
    let appended = events::append_in(&tx, &import.events).await?;
    let current = version(&tx, &import.source).await?;
    if current != import.expected_version {
        return Err(Error::Conflict(format!(
            "another import of {} ran while this one was prepared (version {current}, expected {}); run it again",
            import.source, import.expected_version
        )));
    }
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

/// Reads `(seq, ts, event_type, purl, entry_json)`.
fn stored_event(r: &Row) -> StoredEvent {
    StoredEvent {
        seq: r.get(0),
        time: FeedTime::from_unix(r.get(1)),
        event_type: r.get(2),
        purl: r.get(3),
        entry_json: r.get(4),
    }
}

/// Events matching a filter, in feed order.
pub(super) async fn find_events(c: &Conn, filter: &EventFilter) -> Result<Vec<StoredEvent>> {
    const COLS: &str = "SELECT seq, ts, event_type, purl, entry_json FROM events";
    let (sql, value) = match filter {
        EventFilter::Sha256(h) => (format!("{COLS} WHERE sha256 = $1 ORDER BY seq"), h.to_ascii_lowercase()),
        EventFilter::Sha1(h) => (format!("{COLS} WHERE sha1 = $1 ORDER BY seq"), h.to_ascii_lowercase()),
        EventFilter::Md5(h) => (format!("{COLS} WHERE md5 = $1 ORDER BY seq"), h.to_ascii_lowercase()),
        EventFilter::Purl(p) => (
            format!(
                "{COLS} WHERE purl = $1 OR (strpos($1, '@') = 0 AND substr(purl, 1, length($1) + 1) = $1 || '@') ORDER BY seq"
            ),
            p.clone(),
        ),
    };
    let stmt = c.prepare_cached(&sql).await.db()?;
    Ok(c.query(&stmt, &[&value]).await.db()?.iter().map(stored_event).collect())
}

/// Every indicator, sorted.
pub(super) async fn indicators(c: &Conn) -> Result<Vec<Indicator>> {
    let rows = c
        .query(
            "SELECT kind, value, ecosystem, package, source, source_id, match_kind, confidence, action FROM indicators
             ORDER BY kind, value, ecosystem, package, source, source_id",
            &[],
        )
        .await
        .db()?;
    Ok(rows.iter().map(indicator).collect())
}

/// Reads the nine columns of an [`Indicator`], in declaration order.
pub(super) fn indicator(r: &Row) -> Indicator {
    Indicator {
        kind: IndicatorKind::parse(r.get(0)).unwrap_or(IndicatorKind::Other),
        value: r.get(1),
        ecosystem: r.get(2),
        package: r.get(3),
        source: r.get(4),
        source_id: r.get(5),
        match_kind: MatchKind::parse(r.get(6)).unwrap_or(MatchKind::Exact),
        confidence: r.get(7),
        action: r.get(8),
    }
}

/// Every source's import version.
pub(super) async fn source_versions(c: &Conn) -> Result<Vec<(String, i64)>> {
    let rows = c.query("SELECT source, version FROM source_versions ORDER BY source", &[]).await.db()?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// The matching columns of every event, in feed order.
pub(super) async fn package_events(c: &Conn, after_seq: i64) -> Result<Vec<PackageEvent>> {
    let rows = c
        .query(
            "SELECT seq, event_type, CASE WHEN package IS NULL THEN purl END, community, package, version,
                    md5, sha1, sha256, sha512, CASE WHEN version IS NULL THEN source END, source_id, affected
             FROM events WHERE seq > $1 ORDER BY seq",
            &[&after_seq],
        )
        .await
        .db()?;
    Ok(rows
        .iter()
        .map(|r| PackageEvent {
            seq: r.get(0),
            event_type: r.get(1),
            purl: r.get(2),
            community: r.get(3),
            package: r.get(4),
            version: r.get(5),
            md5: r.get(6),
            sha1: r.get(7),
            sha256: r.get(8),
            sha512: r.get(9),
            source: r.get(10),
            source_id: r.get(11),
            affected: crate::rules::affected(r.get::<_, Option<String>>(12).as_deref()),
        })
        .collect())
}

/// Events by sequence number, in the order asked.
pub(super) async fn entries(c: &Conn, seqs: &[i64]) -> Result<Vec<StoredEvent>> {
    let rows =
        c.query("SELECT seq, ts, event_type, purl, entry_json FROM events WHERE seq = ANY($1)", &[&seqs]).await.db()?;
    let mut found: std::collections::HashMap<i64, StoredEvent> =
        rows.iter().map(stored_event).map(|e| (e.seq, e)).collect();
    Ok(seqs.iter().filter_map(|s| found.remove(s)).collect())
}
