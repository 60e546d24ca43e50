//! Claims: which source records announce which package versions ([`crate::merge`]).

use super::PgResultExt;
use crate::merge::{self, Resolved};
use crate::{ClaimKey, NewEvent, Result, StoredClaim};
use deadpool_postgres::GenericClient;

/// The claims as four columns for `UNNEST`.
fn columns(claims: &[StoredClaim]) -> [Vec<&str>; 4] {
    let col = |f: fn(&StoredClaim) -> &str| claims.iter().map(f).collect::<Vec<&str>>();
    [col(|c| &c.key.purl), col(|c| &c.key.ranges), col(|c| &c.source), col(|c| &c.record)]
}

fn claim(r: &tokio_postgres::Row) -> StoredClaim {
    StoredClaim { key: ClaimKey { purl: r.get(0), ranges: r.get(1) }, source: r.get(2), record: r.get(3) }
}

/// Keeps or drops an import's events by the claims on what they announce, and stores the
/// claims that result, inside the import's transaction (which holds the feed's head, so
/// imports resolve one after another).
pub(super) async fn resolve_in(
    tx: &impl GenericClient,
    source: &str,
    events: &[NewEvent],
    listed: &[(String, Vec<ClaimKey>)],
) -> Result<Resolved> {
    let (purls, records) = merge::touched(events, listed);
    let purls: Vec<String> = purls.into_iter().collect();
    let held: Vec<StoredClaim> = if purls.is_empty() && records.is_empty() {
        Vec::new()
    } else {
        tx.query(
            "SELECT purl, ranges, source, record FROM claims
             WHERE purl = ANY($1) OR (source = $2 AND record = ANY($3)) ORDER BY n",
            &[&purls, &source, &records],
        )
        .await
        .db()?
        .iter()
        .map(claim)
        .collect()
    };
    let resolved = merge::resolve(source, events, listed, held);

    if !resolved.drop.is_empty() {
        let [p, r, s, id] = columns(&resolved.drop);
        tx.execute(
            "DELETE FROM claims c USING UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[]) AS d (purl, ranges, source, record)
             WHERE c.purl = d.purl AND c.ranges = d.ranges AND c.source = d.source AND c.record = d.record",
            &[&p, &r, &s, &id],
        )
        .await
        .db()?;
    }
    insert(tx, &resolved.make).await?;
    Ok(resolved)
}

/// Inserts `claims` in their order (kept in `n`); one already there is kept.
pub(super) async fn insert(tx: &impl GenericClient, claims: &[StoredClaim]) -> Result<()> {
    if claims.is_empty() {
        return Ok(());
    }
    let [p, r, s, id] = columns(claims);
    tx.execute(
        "INSERT INTO claims (purl, ranges, source, record)
         SELECT purl, ranges, source, record
         FROM UNNEST($1::TEXT[], $2::TEXT[], $3::TEXT[], $4::TEXT[]) WITH ORDINALITY AS m (purl, ranges, source, record, i)
         ORDER BY i ON CONFLICT DO NOTHING",
        &[&p, &r, &s, &id],
    )
    .await
    .db()?;
    Ok(())
}

/// Every claim, oldest first.
pub(super) async fn all(c: &impl GenericClient) -> Result<Vec<StoredClaim>> {
    Ok(c.query("SELECT purl, ranges, source, record FROM claims ORDER BY n", &[])
        .await
        .db()?
        .iter()
        .map(claim)
        .collect())
}
