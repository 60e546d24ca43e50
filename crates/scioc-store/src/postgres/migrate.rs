//! Versioned migrations for PostgreSQL, under the rules of [`crate::migrate`].
//!
//! Nodes starting together may all try to migrate: each takes the `schema_lock` row first, so
//! one applies what is pending and the others find nothing left to do.

use super::{Conn, PgResultExt};
use crate::{Error, Result, migrate::Migration};
use scioc_model::FeedTime;

const MIGRATIONS: &[Migration] = &[
    Migration { version: 1, name: "feed", sql: include_str!("../../migrations/postgres/0001_feed.sql") },
    Migration { version: 2, name: "affected", sql: include_str!("../../migrations/postgres/0002_affected.sql") },
    Migration { version: 3, name: "pull_leases", sql: include_str!("../../migrations/postgres/0003_pull_leases.sql") },
    Migration {
        version: 4,
        name: "firewall_blocks",
        sql: include_str!("../../migrations/postgres/0004_firewall_blocks.sql"),
    },
    Migration {
        version: 5,
        name: "feed_sources",
        sql: include_str!("../../migrations/postgres/0005_feed_sources.sql"),
    },
    Migration { version: 6, name: "claims", sql: include_str!("../../migrations/postgres/0006_claims.sql") },
    Migration {
        version: 7,
        name: "threat_level",
        sql: include_str!("../../migrations/postgres/0007_threat_level.sql"),
    },
    Migration {
        version: 8,
        name: "event_type_counts",
        sql: include_str!("../../migrations/postgres/0008_event_type_counts.sql"),
    },
    Migration { version: 9, name: "feed_seal", sql: include_str!("../../migrations/postgres/0009_feed_seal.sql") },
    Migration {
        version: 10,
        name: "login_throttle",
        sql: include_str!("../../migrations/postgres/0010_login_throttle.sql"),
    },
    Migration {
        version: 11,
        name: "firewall_records",
        sql: include_str!("../../migrations/postgres/0011_firewall_records.sql"),
    },
];

const BOOKKEEPING: &str = "
    CREATE TABLE IF NOT EXISTS schema_migrations (
        version BIGINT PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at BIGINT NOT NULL);
    CREATE TABLE IF NOT EXISTS schema_lock (id INTEGER PRIMARY KEY);
    INSERT INTO schema_lock (id) VALUES (1) ON CONFLICT DO NOTHING;";

/// Times creating the bookkeeping tables is tried before giving up.
const BOOKKEEPING_ATTEMPTS: u32 = 10;

/// Creates the bookkeeping tables. Sessions creating the same table at once collide in
/// PostgreSQL's catalog even with `IF NOT EXISTS`, with one of several errors (a unique
/// violation on `pg_type`, a duplicate table or object, a deadlock, "tuple concurrently
/// updated"); whichever it is, the loser waits a random moment and tries again. (An advisory
/// lock would serialize them, but the distributed databases this SQL also serves have none.)
async fn bookkeeping(c: &Conn) -> Result<()> {
    for attempt in 0..BOOKKEEPING_ATTEMPTS {
        match c.batch_execute(&format!("BEGIN; {BOOKKEEPING} COMMIT;")).await {
            Ok(()) => return Ok(()),
            Err(e) if attempt + 1 < BOOKKEEPING_ATTEMPTS && e.code().is_some() => {
                let _ = c.batch_execute("ROLLBACK").await;
                let jitter = std::time::Duration::from_millis(
                    20 + u64::from(std::process::id() % 7) * 10 + u64::from(attempt) * 15,
                );
                tokio::time::sleep(jitter).await;
            }
            Err(e) => {
                let _ = c.batch_execute("ROLLBACK").await;
                let detail =
                    e.as_db_error().map_or_else(|| e.to_string(), |d| format!("{} ({})", d.message(), d.code().code()));
                return Err(Error::Schema(format!("creating the migration tables: {detail}")));
            }
        }
    }
    unreachable!("the last attempt returns")
}

async fn applied(c: &impl deadpool_postgres::GenericClient) -> Result<Vec<(i64, String)>> {
    let rows = c.query("SELECT version, checksum FROM schema_migrations ORDER BY version", &[]).await.db()?;
    Ok(rows.iter().map(|r| (r.get(0), r.get(1))).collect())
}

/// Applies pending migrations in one transaction, holding the schema lock.
pub(super) async fn apply(c: &mut Conn) -> Result<()> {
    bookkeeping(c).await?;
    let tx = c.transaction().await.db()?;
    tx.query_one("SELECT id FROM schema_lock WHERE id = 1 FOR UPDATE", &[]).await.db()?;
    let done = applied(&tx).await?;
    for m in crate::migrate::plan(MIGRATIONS, &done).map_err(|e| Error::Schema(e.to_string()))? {
        tx.batch_execute(m.sql)
            .await
            .map_err(|e| Error::Schema(format!("migration {} ({}): {e}", m.version, m.name)))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES ($1, $2, $3, $4)",
            &[&m.version, &m.name, &m.checksum(), &FeedTime::now().unix()],
        )
        .await
        .db()?;
        tracing::info!(version = m.version, name = m.name, "applied store migration");
    }
    tx.commit().await.db()
}

/// The known migrations and whether each is applied.
pub(super) async fn status(c: &mut Conn) -> Result<Vec<(i64, &'static str, bool)>> {
    bookkeeping(c).await?;
    let done = applied(&*c).await?;
    crate::migrate::plan(MIGRATIONS, &done).map_err(|e| Error::Schema(e.to_string()))?;
    Ok(MIGRATIONS.iter().map(|m| (m.version, m.name, done.iter().any(|(v, _)| *v == m.version))).collect())
}

/// Refuses a schema with pending migrations.
pub(super) async fn check(c: &mut Conn) -> Result<()> {
    let pending = status(c).await?.iter().filter(|(_, _, applied)| !applied).count();
    if pending > 0 {
        return Err(Error::Schema(format!("{pending} migration(s) pending; run `scioc migrate`")));
    }
    Ok(())
}
