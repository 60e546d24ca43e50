//! The embedded store: one SQLite database in WAL mode.
//!
//! Writes go through a single writer connection guarded by a mutex, so writers in this process
//! queue without SQLite's busy loop; writers in other processes (a `scioc ingest` beside a
//! running server) wait on the busy timeout. Reads use a pool of read-only connections, each
//! seeing a consistent snapshot for the length of its transaction.

mod blocks;
mod claims;
mod cursors;
mod dump;
mod events;
mod feed_sources;
mod logins;
mod sources;
mod users;

use crate::{
    Appended, BlockRecord, Error, EventFilter, Head, Import, Indicator, LoginCharge, LoginState, NewEvent, NewUser,
    PackageEvent, Page, PullPage, PullQuery, Result, SourceState, Stats, Store, StoredEvent, TimeQuery, UserRecord,
    migrate,
};
use crate::{BlockKind, DailyCount, FeedSource, SourceDef, SourceStatus};
use r2d2_sqlite::{
    SqliteConnectionManager,
    rusqlite::{self, Connection, ErrorCode, OptionalExtension, TransactionBehavior},
};
use scioc_model::{FeedTime, Role, UserName};
use std::{
    path::{Path, PathBuf},
    sync::{Arc, Mutex},
    time::Duration,
};

/// File name of the database inside the data directory.
pub const DB_FILE: &str = "scioc.db";

/// How long a writer waits for another process's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(15);

/// Read connections kept open.
const READERS: u32 = 8;

const MIGRATIONS: &[migrate::Migration] = &[
    migrate::Migration { version: 1, name: "feed", sql: include_str!("../../migrations/sqlite/0001_feed.sql") },
    migrate::Migration { version: 2, name: "sources", sql: include_str!("../../migrations/sqlite/0002_sources.sql") },
    migrate::Migration {
        version: 3,
        name: "indicator_attributes",
        sql: include_str!("../../migrations/sqlite/0003_indicator_attributes.sql"),
    },
    migrate::Migration {
        version: 4,
        name: "scan_index",
        sql: include_str!("../../migrations/sqlite/0004_scan_index.sql"),
    },
    migrate::Migration { version: 5, name: "affected", sql: include_str!("../../migrations/sqlite/0005_affected.sql") },
    migrate::Migration {
        version: 6,
        name: "pull_leases",
        sql: include_str!("../../migrations/sqlite/0006_pull_leases.sql"),
    },
    migrate::Migration {
        version: 7,
        name: "firewall_blocks",
        sql: include_str!("../../migrations/sqlite/0007_firewall_blocks.sql"),
    },
    migrate::Migration {
        version: 8,
        name: "feed_sources",
        sql: include_str!("../../migrations/sqlite/0008_feed_sources.sql"),
    },
    migrate::Migration { version: 9, name: "claims", sql: include_str!("../../migrations/sqlite/0009_claims.sql") },
    migrate::Migration {
        version: 10,
        name: "threat_level",
        sql: include_str!("../../migrations/sqlite/0010_threat_level.sql"),
    },
    migrate::Migration {
        version: 11,
        name: "event_type_counts",
        sql: include_str!("../../migrations/sqlite/0011_event_type_counts.sql"),
    },
    migrate::Migration {
        version: 12,
        name: "feed_seal",
        sql: include_str!("../../migrations/sqlite/0012_feed_seal.sql"),
    },
    migrate::Migration {
        version: 13,
        name: "login_throttle",
        sql: include_str!("../../migrations/sqlite/0013_login_throttle.sql"),
    },
    migrate::Migration {
        version: 14,
        name: "firewall_records",
        sql: include_str!("../../migrations/sqlite/0014_firewall_records.sql"),
    },
];

/// The embedded SQLite store. Cheap to clone; clones share connections.
#[derive(Clone)]
pub struct SqliteStore {
    inner: Arc<Inner>,
}

struct Inner {
    path: PathBuf,
    writer: Mutex<Connection>,
    /// A second write connection that never waits for the lock: time queries seal with it
    /// ([`events::seal`]), and fall back to the committed head when an append holds the lock.
    sealer: Mutex<Connection>,
    /// The highest seal this process made or read: seconds before it are closed for good.
    sealed: std::sync::atomic::AtomicI64,
    readers: r2d2::Pool<SqliteConnectionManager>,
    /// Most events one second holds ([`crate::rules::Clock`]).
    per_second: std::sync::atomic::AtomicU32,
    /// The clock appends stamp by, read under the write lock.
    clock: fn() -> FeedTime,
}

impl std::fmt::Debug for SqliteStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SqliteStore").field("path", &self.inner.path).finish()
    }
}

impl SqliteStore {
    /// Sets the most events one second may hold (default
    /// [`DEFAULT_EVENTS_PER_SECOND`](crate::DEFAULT_EVENTS_PER_SECOND)); larger batches are spread
    /// over the following seconds.
    pub fn with_events_per_second(self, n: std::num::NonZeroU32) -> Self {
        self.inner.per_second.store(n.get(), std::sync::atomic::Ordering::Relaxed);
        self
    }

    fn per_second(&self) -> u32 {
        self.inner.per_second.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// Stamps events by `clock` instead of the system's (for tests of a clock that goes back).
    /// Must be called before the store is cloned.
    pub fn with_clock(mut self, clock: fn() -> FeedTime) -> Self {
        Arc::get_mut(&mut self.inner).expect("with_clock is called before the store is shared").clock = clock;
        self
    }

    /// How far a time query wanting `horizon` may read: `Some` when every second before the
    /// returned one is sealed ([`events::seal`]), `None` when an append holds the write lock.
    async fn closed_before(&self, horizon: FeedTime) -> Result<Option<FeedTime>> {
        use std::sync::atomic::Ordering;
        let known = FeedTime::from_unix(self.inner.sealed.load(Ordering::Acquire));
        if known >= horizon {
            return Ok(Some(known));
        }
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut conn = inner.sealer.lock().unwrap_or_else(|p| p.into_inner());
            // Another query may have sealed while this one waited for the connection.
            let known = FeedTime::from_unix(inner.sealed.load(Ordering::Acquire));
            if known >= horizon {
                return Ok(Some(known));
            }
            // A store that cannot write (a full disk) still serves reads: only what the committed
            // feed proves closed.
            let sealed = match events::seal(&mut conn, inner.clock) {
                // A writer holds the lock. While no client has read the feed, that writer may be
                // an import laying it out again (new sequence numbers): this first read waits
                // for it and seals, so the import either committed before or sees the feed was
                // read.
                Ok(None) if sources::unread(&conn)? => {
                    conn.busy_timeout(BUSY_TIMEOUT).db()?;
                    let sealed = events::seal(&mut conn, inner.clock);
                    conn.busy_timeout(Duration::ZERO).db()?;
                    sealed?
                }
                Ok(sealed) => sealed,
                Err(e) => {
                    tracing::debug!(error = %e, "could not seal the feed's closed seconds; serving to the committed head");
                    None
                }
            };
            if let Some(s) = sealed {
                inner.sealed.fetch_max(s.unix(), Ordering::AcqRel);
            }
            Ok(sealed)
        })
        .await
    }

    /// Opens (creating if needed) the store in `data_dir`, applying pending migrations.
    pub fn open(data_dir: &Path) -> Result<Self> {
        let open_err = |path: &Path, e: Box<dyn std::error::Error + Send + Sync>| Error::Open {
            path: path.display().to_string(),
            source: e,
        };
        create_private_dir(data_dir).map_err(|e| open_err(data_dir, e.into()))?;
        let path = data_dir.join(DB_FILE);
        let mut writer = Connection::open(&path).map_err(|e| open_err(&path, e.into()))?;
        writer.busy_timeout(BUSY_TIMEOUT).db()?;
        // WAL lets readers run beside the writer; FULL makes every commit durable before it returns.
        let mode: String = writer.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0)).db()?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(Error::Schema(format!("{} could not be put in WAL mode (got {mode})", path.display())));
        }
        writer.execute_batch("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON; PRAGMA cache_size = -4000;").db()?;
        migrate_sqlite(&mut writer)?;
        let sealer = Connection::open(&path).map_err(|e| open_err(&path, e.into()))?;
        sealer.busy_timeout(Duration::ZERO).db()?;
        sealer.execute_batch("PRAGMA synchronous = FULL;").db()?;
        let manager = SqliteConnectionManager::file(&path).with_init(|c| {
            c.busy_timeout(BUSY_TIMEOUT)?;
            c.execute_batch("PRAGMA query_only = ON; PRAGMA cache_size = -2000;")
        });
        let readers = r2d2::Pool::builder()
            .max_size(READERS)
            .min_idle(Some(1))
            .build(manager)
            .map_err(|e| open_err(&path, e.into()))?;
        Ok(SqliteStore {
            inner: Arc::new(Inner {
                path,
                writer: Mutex::new(writer),
                sealer: Mutex::new(sealer),
                sealed: 0.into(),
                readers,
                per_second: crate::rules::DEFAULT_EVENTS_PER_SECOND.into(),
                clock: FeedTime::now,
            }),
        })
    }

    /// Path of the database file.
    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    /// The migrations this build knows, and whether each is applied: `(version, name, applied)`.
    pub fn migrations(&self) -> Result<Vec<(i64, &'static str, bool)>> {
        let conn = self.inner.readers.get().map_err(|e| Error::Backend(e.into()))?;
        let done = applied(&conn)?;
        Ok(MIGRATIONS.iter().map(|m| (m.version, m.name, done.iter().any(|(v, _)| *v == m.version))).collect())
    }

    /// How many migrations the database file at `path` lacks, without changing it (all of them
    /// when there is no file).
    pub fn pending_migrations(path: &Path) -> Result<usize> {
        if !path.exists() {
            return Ok(MIGRATIONS.len());
        }
        let conn = Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            .map_err(|e| Error::Open { path: path.display().to_string(), source: e.into() })?;
        let has_table: bool = conn
            .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')", [], |r| r.get(0))
            .db()?;
        let done = if has_table { applied(&conn)? } else { Vec::new() };
        Ok(migrate::plan(MIGRATIONS, &done).map_err(|e| Error::Schema(e.to_string()))?.len())
    }

    async fn read<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            let mut conn = inner.readers.get().map_err(|e| Error::Backend(e.into()))?;
            f(&mut conn)
        })
        .await
    }

    async fn write<T, F>(&self, f: F) -> Result<T>
    where
        T: Send + 'static,
        F: FnOnce(&mut Connection) -> Result<T> + Send + 'static,
    {
        let inner = self.inner.clone();
        run_blocking(move || {
            // A panic while holding the lock leaves no half transaction behind (SQLite rolls
            // back an unfinished one), so a poisoned lock is safe to take over.
            let mut conn = inner.writer.lock().unwrap_or_else(|p| p.into_inner());
            f(&mut conn)
        })
        .await
    }
}

async fn run_blocking<T, F>(f: F) -> Result<T>
where
    T: Send + 'static,
    F: FnOnce() -> Result<T> + Send + 'static,
{
    tokio::task::spawn_blocking(f).await.map_err(|e| Error::Backend(e.into()))?
}

fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

fn migrate_sqlite(conn: &mut Connection) -> Result<()> {
    // Up to date (the usual case): no write lock is needed, so a store opens at once even while
    // another process holds the lock for a long append.
    let has_table: bool = conn
        .query_row("SELECT EXISTS (SELECT 1 FROM sqlite_master WHERE name = 'schema_migrations')", [], |r| r.get(0))
        .db()?;
    if has_table && migrate::plan(MIGRATIONS, &applied(conn)?).map_err(|e| Error::Schema(e.to_string()))?.is_empty() {
        return Ok(());
    }
    conn.execute_batch(
        "CREATE TABLE IF NOT EXISTS schema_migrations (
            version INTEGER PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL, applied_at INTEGER NOT NULL)",
    )
    .db()?;
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate).db()?;
    let pending = migrate::plan(MIGRATIONS, &applied(&tx)?).map_err(|e| Error::Schema(e.to_string()))?;
    for m in pending {
        tx.execute_batch(m.sql).map_err(|e| Error::Schema(format!("migration {} ({}): {e}", m.version, m.name)))?;
        tx.execute(
            "INSERT INTO schema_migrations (version, name, checksum, applied_at) VALUES (?1, ?2, ?3, ?4)",
            rusqlite::params![m.version, m.name, m.checksum(), FeedTime::now().unix()],
        )
        .db()?;
        tracing::info!(version = m.version, name = m.name, "applied store migration");
    }
    tx.commit().db()
}

/// `(version, checksum)` of the applied migrations.
fn applied(conn: &Connection) -> Result<Vec<(i64, String)>> {
    let mut stmt = conn.prepare("SELECT version, checksum FROM schema_migrations ORDER BY version").db()?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?))).db()?;
    rows.collect::<rusqlite::Result<_>>().db()
}

/// Converts driver errors into the store's, keeping driver types out of the public API.
pub(crate) trait SqlResultExt<T> {
    fn db(self) -> Result<T>;
}

impl<T> SqlResultExt<T> for rusqlite::Result<T> {
    fn db(self) -> Result<T> {
        self.map_err(|e| match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => Error::Busy,
            Some(ErrorCode::DiskFull) => Error::Unavailable("the disk holding the database is full".into()),
            Some(ErrorCode::SystemIoFailure) => Error::Unavailable(format!("the database's storage fails: {e}")),
            Some(ErrorCode::ReadOnly) => Error::Unavailable("the database is read-only".into()),
            Some(ErrorCode::OutOfMemory) => Error::Unavailable("out of memory".into()),
            _ => Error::Backend(e.into()),
        })
    }
}

fn count(conn: &Connection, sql: &str) -> Result<u64> {
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).db().map(|n| n as u64)
}

#[async_trait::async_trait]
impl Store for SqliteStore {
    fn location(&self) -> String {
        self.inner.path.display().to_string()
    }

    async fn head(&self) -> Result<Option<Head>> {
        self.read(|c| events::head(c)).await
    }

    async fn stats(&self) -> Result<Stats> {
        self.read(|c| {
            let tx = c.transaction().db()?;
            let stats = Stats {
                events: count(&tx, "SELECT COUNT(*) FROM events")?,
                users: count(&tx, "SELECT COUNT(*) FROM users")?,
                indicators: count(&tx, "SELECT COUNT(*) FROM indicators")?,
                bytes: count(&tx, "SELECT page_count * page_size FROM pragma_page_count(), pragma_page_size()")?,
                head: events::head(&tx)?,
            };
            tx.commit().db()?;
            Ok(stats)
        })
        .await
    }

    async fn append(&self, batch: Vec<NewEvent>) -> Result<Appended> {
        let (per_second, clock) = (self.per_second(), self.inner.clock);
        self.write(move |c| events::append(c, batch, clock, per_second)).await
    }

    async fn query(&self, query: TimeQuery) -> Result<Page> {
        let sealed = self.closed_before(query.horizon).await?;
        self.read(move |c| events::query(c, &query, sealed)).await
    }

    async fn start_cursor(&self, user: &UserName, at: FeedTime) -> Result<()> {
        let user = user.clone();
        self.write(move |c| cursors::start(c, &user, at)).await
    }

    async fn pull(&self, user: &UserName, query: PullQuery) -> Result<PullPage> {
        let user = user.clone();
        self.write(move |c| cursors::pull(c, &user, &query)).await
    }

    async fn confirm_pull(&self, user: &UserName, lease: i64) -> Result<()> {
        let user = user.clone();
        self.write(move |c| cursors::confirm(c, &user, lease)).await
    }

    async fn release_pull(&self, user: &UserName, lease: i64) -> Result<()> {
        let user = user.clone();
        self.write(move |c| cursors::release(c, &user, lease)).await
    }

    async fn release_leases_of(&self, holder: &str) -> Result<u64> {
        let holder = holder.to_owned();
        self.write(move |c| cursors::release_holder(c, &holder)).await
    }

    async fn source_state(&self, source: &str) -> Result<SourceState> {
        let source = source.to_owned();
        self.read(move |c| sources::state(c, &source)).await
    }

    async fn commit_import(&self, import: Import) -> Result<Appended> {
        let (per_second, clock) = (self.per_second(), self.inner.clock);
        self.write(move |c| sources::commit(c, import, clock, per_second, false)).await
    }

    async fn unread(&self) -> Result<bool> {
        self.read(|c| sources::unread(c)).await
    }

    async fn commit_history(&self, import: Import) -> Result<Appended> {
        let (per_second, clock) = (self.per_second(), self.inner.clock);
        self.write(move |c| sources::commit(c, import, clock, per_second, true)).await
    }

    async fn digest(&self) -> Result<String> {
        self.read(events::digest).await
    }

    async fn find_events(&self, filter: EventFilter) -> Result<Vec<StoredEvent>> {
        self.read(move |c| events::find_events(c, &filter)).await
    }

    async fn package_events(&self, after_seq: i64) -> Result<Vec<PackageEvent>> {
        self.read(move |c| events::package_events(c, after_seq)).await
    }

    async fn source_versions(&self) -> Result<Vec<(String, i64)>> {
        self.read(sources::source_versions).await
    }

    async fn entries(&self, seqs: Vec<i64>) -> Result<Vec<StoredEvent>> {
        self.read(move |c| events::entries(c, &seqs)).await
    }

    async fn indicators(&self) -> Result<Vec<Indicator>> {
        self.read(sources::indicators).await
    }

    async fn create_user(&self, user: NewUser) -> Result<()> {
        self.write(move |c| users::create(c, &user)).await
    }

    async fn user(&self, name: &UserName) -> Result<Option<UserRecord>> {
        let name = name.clone();
        self.read(move |c| users::get(c, &name)).await
    }

    async fn users(&self) -> Result<Vec<UserRecord>> {
        self.read(|c| users::list(c)).await
    }

    async fn login_state(&self, keys: &[String], user: &str, address: &str) -> Result<LoginState> {
        let (keys, user, address) = (keys.to_vec(), user.to_owned(), address.to_owned());
        self.read(move |c| logins::state(c, &keys, &user, &address)).await
    }

    async fn charge_login_failures(&self, charges: &[LoginCharge], now_ms: i64) -> Result<Vec<i64>> {
        let charges = charges.to_vec();
        self.write(move |c| logins::charge(c, &charges, now_ms)).await
    }

    async fn record_login(&self, user: &UserName, address: &str, now_ms: i64, forget_before_ms: i64) -> Result<()> {
        let (user, address) = (user.clone(), address.to_owned());
        self.write(move |c| logins::record(c, &user, &address, now_ms, forget_before_ms)).await
    }

    async fn record_blocks(&self, blocks: Vec<BlockRecord>) -> Result<()> {
        self.write(move |c| blocks::record(c, &blocks)).await
    }

    async fn blocks(&self, since: FeedTime, kind: Option<BlockKind>, limit: u32) -> Result<Vec<BlockRecord>> {
        self.read(move |c| blocks::since(c, since, kind, limit)).await
    }

    async fn prune_blocks(&self, before: FeedTime) -> Result<u64> {
        self.write(move |c| blocks::prune(c, before)).await
    }

    async fn seen_archive(&self, ecosystem: &str, package: &str, file: &str) -> Result<Option<crate::SeenArchive>> {
        let (e, p, f) = (ecosystem.to_owned(), package.to_owned(), file.to_owned());
        self.read(move |c| blocks::seen(c, &e, &p, &f)).await
    }

    async fn remember_archive(&self, archive: crate::SeenArchive) -> Result<crate::SeenArchive> {
        self.write(move |c| blocks::remember(c, &archive)).await
    }

    async fn claims(&self) -> Result<Vec<crate::StoredClaim>> {
        self.read(|c| claims::all(c)).await
    }

    async fn event_counts(&self) -> Result<Vec<(scioc_model::EventType, u64)>> {
        self.read(|c| {
            let mut stmt = c.prepare_cached("SELECT event_type, n FROM event_type_counts WHERE n > 0").db()?;
            let rows = stmt
                .query_map([], |r| Ok((r.get::<_, crate::rows::TypeColumn>(0)?.0, r.get::<_, i64>(1)? as u64)))
                .db()?;
            rows.map(|r| r.db()).collect()
        })
        .await
    }

    async fn daily_counts(&self, since: FeedTime) -> Result<Vec<DailyCount>> {
        self.read(move |c| {
            let mut stmt = c
                .prepare_cached(
                    "SELECT ts / 86400, event_type, COALESCE(community, ''), COUNT(*) FROM events \
                     WHERE ts >= ?1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                )
                .db()?;
            let rows = stmt
                .query_map([since.unix()], |r| {
                    Ok(DailyCount {
                        day: r.get(0)?,
                        event_type: r.get::<_, crate::rows::TypeColumn>(1)?.0,
                        ecosystem: r.get(2)?,
                        count: r.get::<_, i64>(3)? as u64,
                    })
                })
                .db()?;
            rows.map(|r| r.db()).collect()
        })
        .await
    }

    async fn cursors(&self) -> Result<Vec<crate::dump::CursorRecord>> {
        self.read(|c| cursors::list(c)).await
    }

    async fn feed_sources(&self) -> Result<Vec<FeedSource>> {
        self.read(|c| feed_sources::list(c)).await
    }

    async fn put_feed_source(&self, def: SourceDef) -> Result<()> {
        self.write(move |c| feed_sources::put(c, &def)).await
    }

    async fn remove_feed_sources(&self, names: &[String]) -> Result<usize> {
        let names = names.to_vec();
        self.write(move |c| feed_sources::remove(c, &names)).await
    }

    async fn claim_feed_source(
        &self,
        name: &str,
        holder: &str,
        now: FeedTime,
        until: FeedTime,
    ) -> Result<Option<FeedSource>> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.write(move |c| feed_sources::claim(c, &name, &holder, now, until)).await
    }

    async fn finish_feed_poll(&self, name: &str, holder: &str, status: SourceStatus) -> Result<()> {
        let (name, holder) = (name.to_owned(), holder.to_owned());
        self.write(move |c| feed_sources::finish(c, &name, &holder, &status)).await
    }

    async fn remove_user(&self, name: &UserName) -> Result<()> {
        let name = name.clone();
        self.write(move |c| users::remove(c, &name)).await
    }

    async fn set_password(&self, name: &UserName, password_hash: String) -> Result<()> {
        let name = name.clone();
        self.write(move |c| users::set_password(c, &name, &password_hash)).await
    }

    async fn set_role(&self, name: &UserName, role: Role) -> Result<()> {
        let name = name.clone();
        self.write(move |c| users::set_role(c, &name, role)).await
    }

    async fn export_events(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::dump::EventRow>> {
        self.read(move |c| dump::events(c, after_seq, limit)).await
    }

    async fn export_meta(&self) -> Result<crate::dump::Meta> {
        self.read(dump::meta).await
    }

    async fn restore(&self, from: &dyn Store, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<u64> {
        let (parts, received) = tokio::sync::mpsc::channel(2);
        let writer = self.write(move |c| dump::restore(c, received));
        let reader = async move {
            let mut after = 0;
            let mut copied = 0;
            loop {
                let batch = from.export_events(after, crate::dump::COPY_BATCH).await?;
                let Some(last) = batch.last() else { break };
                after = last.seq;
                copied += batch.len() as u64;
                if parts.send(dump::Part::Events(batch)).await.is_err() {
                    // The writer gave up; its error is the one to report.
                    return Ok(());
                }
                progress(copied);
            }
            let meta = from.export_meta().await?;
            let _ = parts.send(dump::Part::Meta(Box::new(meta))).await;
            Ok::<_, Error>(())
        };
        let (written, read) = tokio::join!(writer, reader);
        read?;
        written
    }
}

/// Reads a row's `(seq, ts)` pair as a [`Head`].
fn head_row(row: &rusqlite::Row<'_>) -> rusqlite::Result<Head> {
    Ok(Head { seq: row.get(0)?, time: FeedTime::from_unix(row.get(1)?) })
}

fn optional_head(conn: &Connection, sql: &str, params: impl rusqlite::Params) -> Result<Option<Head>> {
    conn.query_row(sql, params, head_row).optional().db()
}
