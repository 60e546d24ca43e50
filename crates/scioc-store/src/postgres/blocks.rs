//! The registry firewall's recorded refusals.

use super::{Conn, PgResultExt};
use crate::{BlockRecord, Result};
use scioc_model::FeedTime;

pub(super) async fn record(c: &mut Conn, blocks: &[BlockRecord]) -> Result<()> {
    let tx = c.transaction().await.db()?;
    let stmt = tx
        .prepare_cached(
            "INSERT INTO firewall_blocks (at, client, ecosystem, package, version, rule, reference, what)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        )
        .await
        .db()?;
    for b in blocks {
        tx.execute(
            &stmt,
            &[&b.time.unix(), &b.client, &b.ecosystem, &b.package, &b.version, &b.rule, &b.reference, &b.what],
        )
        .await
        .db()?;
    }
    tx.commit().await.db()
}

pub(super) async fn since(c: &Conn, since: FeedTime, limit: u32) -> Result<Vec<BlockRecord>> {
    let stmt = c
        .prepare_cached(
            "SELECT at, client, ecosystem, package, version, rule, reference, what FROM firewall_blocks
             WHERE at >= $1 ORDER BY at, id LIMIT $2",
        )
        .await
        .db()?;
    let rows = c.query(&stmt, &[&since.unix(), &i64::from(limit)]).await.db()?;
    Ok(rows
        .iter()
        .map(|r| BlockRecord {
            time: FeedTime::from_unix(r.get(0)),
            client: r.get(1),
            ecosystem: r.get(2),
            package: r.get(3),
            version: r.get(4),
            rule: r.get(5),
            reference: r.get(6),
            what: r.get(7),
        })
        .collect())
}
