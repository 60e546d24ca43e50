//! The shared store: PostgreSQL, for many stateless server nodes over one database.
//!
//! The SQL stays within what PostgreSQL-wire distributed databases (CockroachDB, YugabyteDB)
//! accept, so moving beyond one database server is a change of URL. In particular the feed's
//! invariants rest on row locks, not advisory locks:
//!
//! - every append (and import) first locks the single `feed_head` row, so appends from any
//!   number of nodes are serialized: sequence numbers are assigned in commit order and times
//!   never go back;
//! - every pull locks its user's `cursors` row, so two pulls by one user through two nodes run
//!   one after the other, and the second starts where the first ended;
//! - a time query is one statement, and so reads one snapshot.
//!
//! A transaction that the database aborts as a serialization failure or deadlock (routine
//! under CockroachDB's serializable isolation) is run again, a few times, from the start.

mod blocks;
mod claims;
mod cursors;
mod dump;
mod events;
mod feed_sources;
mod logins;
mod migrate;
mod sources;
mod tls;
mod users;

use crate::{
    Appended, BlockRecord, Error, EventFilter, Head, Import, Indicator, LoginCharge, LoginState, NewEvent, NewUser,
    PackageEvent, Page, PullPage, PullQuery, Result, SourceState, Stats, Store, StoredEvent, TimeQuery, UserRecord,
};
use crate::{BlockKind, DailyCount, FeedSource, SourceDef, SourceStatus};
use deadpool_postgres::{Manager, ManagerConfig, Object as Conn, Pool, RecyclingMethod, Runtime};
use scioc_model::{FeedTime, Role, UserName};
use std::time::Duration;
use tokio_postgres::error::SqlState;

/// Connection settings beyond the URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PgOptions {
    /// Most connections this process opens.
    pub pool_size: usize,
    /// How long a request waits for a free connection, or for a new one to open.
    pub wait_timeout: Duration,
    /// Whether to apply pending migrations on connect (`false`: refuse to run on an old schema).
    pub migrate: bool,
    /// CA certificates (PEM) to verify the server with when the URL has `sslmode=require`;
    /// `None` for the platform's roots.
    pub ca_file: Option<std::path::PathBuf>,
    /// Most events one second holds; larger batches are spread over the following seconds.
    pub events_per_second: std::num::NonZeroU32,
}

impl Default for PgOptions {
    fn default() -> Self {
        PgOptions {
            pool_size: 16,
            wait_timeout: Duration::from_secs(30),
            migrate: true,
            ca_file: None,
            events_per_second: std::num::NonZeroU32::new(crate::rules::DEFAULT_EVENTS_PER_SECOND).expect("positive"),
        }
    }
}

/// The PostgreSQL store. Cheap to clone; clones share the pool.
#[derive(Clone)]
pub struct PgStore {
    pool: Pool,
    location: String,
    per_second: u32,
    /// The highest seal this node made ([`events::seal`]): seconds before it are closed for
    /// good, so a time query within them needs neither the seal nor the database's clock.
    sealed: std::sync::Arc<std::sync::atomic::AtomicI64>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore").field("location", &self.location).finish()
    }
}

/// Times a transaction is tried when the database aborts it as a serialization failure.
const ATTEMPTS: u32 = 8;

impl PgStore {
    /// Connects to the database at `url` (`postgres://user:password@host:port/db?options`),
    /// checking the connection and applying pending migrations.
    pub async fn connect(url: &str, options: PgOptions) -> Result<Self> {
        let location = redact(url);
        let open_err = |e: Box<dyn std::error::Error + Send + Sync>| Error::Open { path: location.clone(), source: e };
        let mut config: tokio_postgres::Config = url.parse().map_err(|e: tokio_postgres::Error| open_err(e.into()))?;
        if config.get_connect_timeout().is_none() {
            config.connect_timeout(Duration::from_secs(10));
        }
        if config.get_application_name().is_none() {
            config.application_name("scioc");
        }
        let tls = tls::connector(&mut config, options.ca_file.as_deref()).map_err(|e| open_err(e.into()))?;
        let manager = Manager::from_config(config, tls, ManagerConfig { recycling_method: RecyclingMethod::Fast });
        let pool = Pool::builder(manager)
            .max_size(options.pool_size.max(1))
            .runtime(Runtime::Tokio1)
            .wait_timeout(Some(options.wait_timeout))
            .create_timeout(Some(options.wait_timeout))
            .build()
            .map_err(|e| open_err(e.into()))?;
        let mut client = pool.get().await.map_err(|e| open_err(e.into()))?;
        if options.migrate {
            migrate::apply(&mut client).await?;
        } else {
            migrate::check(&mut client).await?;
        }
        Ok(PgStore { pool, location, per_second: options.events_per_second.get(), sealed: Default::default() })
    }

    /// The migrations this build knows, and whether each is applied: `(version, name, applied)`.
    pub async fn migrations(&self) -> Result<Vec<(i64, &'static str, bool)>> {
        migrate::status(&mut self.client().await?).await
    }

    async fn client(&self) -> Result<Conn> {
        self.pool.get().await.map_err(|e| match e {
            deadpool_postgres::PoolError::Timeout(_) => Error::Busy,
            deadpool_postgres::PoolError::Backend(e) if e.as_db_error().is_none() => {
                Error::Unavailable(format!("cannot reach the database: {e}"))
            }
            e => Error::Backend(e.into()),
        })
    }
}

/// The URL without its password, for logs and messages.
fn redact(url: &str) -> String {
    match url::Url::parse(url) {
        Ok(mut u) if u.password().is_some() => {
            let _ = u.set_password(Some("****"));
            u.to_string()
        }
        Ok(u) => u.to_string(),
        Err(_) => "postgres (unparsable URL)".to_owned(),
    }
}

/// Converts driver errors into the store's, keeping driver types out of the public API.
pub(crate) trait PgResultExt<T> {
    fn db(self) -> Result<T>;
}

impl<T> PgResultExt<T> for Result<T, tokio_postgres::Error> {
    fn db(self) -> Result<T> {
        self.map_err(|e| {
            // Class 53: insufficient resources (disk full, out of memory, too many connections);
            // class 58: system errors (I/O); no code with a closed connection: the server is gone.
            let unavailable = match e.code() {
                Some(code) => code.code().starts_with("53") || code.code().starts_with("58"),
                None => e.is_closed(),
            };
            if unavailable {
                let reason = match e.as_db_error() {
                    Some(db) => db.message().to_owned(),
                    None => "the connection to the database was lost".to_owned(),
                };
                Error::Unavailable(reason)
            } else {
                Error::Backend(e.into())
            }
        })
    }
}

/// Whether `e` is the database aborting a transaction that may succeed when run again.
fn retryable(e: &Error) -> bool {
    let Error::Backend(source) = e else { return false };
    source
        .downcast_ref::<tokio_postgres::Error>()
        .and_then(|e| e.code())
        .is_some_and(|c| *c == SqlState::T_R_SERIALIZATION_FAILURE || *c == SqlState::T_R_DEADLOCK_DETECTED)
}

/// Runs a write transaction, again from the start if the database aborted it as retryable.
macro_rules! retry {
    ($store:expr, |$client:ident| $body:expr) => {{
        let mut attempt = 0;
        loop {
            let mut $client = $store.client().await?;
            match $body.await {
                Err(e) if retryable(&e) && attempt + 1 < ATTEMPTS => {
                    attempt += 1;
                    tracing::debug!(attempt, error = %e, "transaction aborted by the database; running it again");
                    tokio::time::sleep(Duration::from_millis(5 << attempt.min(6))).await;
                }
                result => break result,
            }
        }
    }};
}

#[async_trait::async_trait]
impl Store for PgStore {
    fn location(&self) -> String {
        self.location.clone()
    }

    async fn head(&self) -> Result<Option<Head>> {
        events::head(&self.client().await?).await
    }

    async fn stats(&self) -> Result<Stats> {
        events::stats(&self.client().await?).await
    }

    async fn append(&self, batch: Vec<NewEvent>) -> Result<Appended> {
        // The database's clock stamps and checks times, whatever this node's says.
        retry!(self, |c| events::append(&mut c, &batch, self.per_second))
    }

    async fn query(&self, query: TimeQuery) -> Result<Page> {
        use std::sync::atomic::Ordering;
        let c = self.client().await?;
        let known = FeedTime::from_unix(self.sealed.load(Ordering::Acquire));
        // Within sealed seconds this node's clock may stand for the database's: both have left them.
        let horizon = if known >= query.horizon {
            query.horizon
        } else {
            let sealed = match events::seal(&c, false).await {
                // An append holds the lock. While no client has read the feed, that append may
                // be an import laying it out again (new sequence numbers): this first read
                // waits for it and seals, so the import either committed before or sees the
                // feed was read.
                Ok((None, ..)) if sources::unread(&c).await? => events::seal(&c, true).await,
                other => other,
            };
            let (sealed, committed, now) = match sealed {
                Ok(found) => found,
                // A database that refuses writes (read-only, out of space) still serves reads:
                // only what the committed feed proves closed.
                Err(e) => {
                    tracing::debug!(error = %e, "could not seal the feed's closed seconds; serving to the committed head");
                    events::committed(&c).await?
                }
            };
            if let Some(s) = sealed {
                self.sealed.fetch_max(s.unix(), Ordering::AcqRel);
            }
            query.horizon.min(now).min(sealed.unwrap_or(committed))
        };
        events::query(&c, &query, horizon).await
    }

    async fn start_cursor(&self, user: &UserName, at: FeedTime) -> Result<()> {
        retry!(self, |c| cursors::start(&mut c, user, at))
    }

    async fn pull(&self, user: &UserName, query: PullQuery) -> Result<PullPage> {
        retry!(self, |c| cursors::pull(&mut c, user, &query))
    }

    async fn confirm_pull(&self, user: &UserName, lease: i64) -> Result<()> {
        retry!(self, |c| cursors::confirm(&mut c, user, lease))
    }

    async fn release_pull(&self, user: &UserName, lease: i64) -> Result<()> {
        retry!(self, |c| cursors::release(&mut c, user, lease))
    }

    async fn release_leases_of(&self, holder: &str) -> Result<u64> {
        retry!(self, |c| cursors::release_holder(&mut c, holder))
    }

    async fn source_state(&self, source: &str) -> Result<SourceState> {
        retry!(self, |c| sources::state(&mut c, source))
    }

    async fn commit_import(&self, import: Import) -> Result<Appended> {
        retry!(self, |c| sources::commit(&mut c, &import, self.per_second, false))
    }

    async fn unread(&self) -> Result<bool> {
        sources::unread(&self.client().await?).await
    }

    async fn commit_history(&self, import: Import) -> Result<Appended> {
        retry!(self, |c| sources::commit(&mut c, &import, self.per_second, true))
    }

    async fn digest(&self) -> Result<String> {
        retry!(self, |c| events::digest(&mut c))
    }

    async fn find_events(&self, filter: EventFilter) -> Result<Vec<StoredEvent>> {
        events::find_events(&self.client().await?, &filter).await
    }

    async fn package_events(&self, after_seq: i64) -> Result<Vec<PackageEvent>> {
        events::package_events(&self.client().await?, after_seq).await
    }

    async fn source_versions(&self) -> Result<Vec<(String, i64)>> {
        sources::source_versions(&self.client().await?).await
    }

    async fn entries(&self, seqs: Vec<i64>) -> Result<Vec<StoredEvent>> {
        events::entries(&self.client().await?, &seqs).await
    }

    async fn indicators(&self) -> Result<Vec<Indicator>> {
        sources::indicators(&self.client().await?).await
    }

    async fn create_user(&self, user: NewUser) -> Result<()> {
        users::create(&self.client().await?, &user).await
    }

    async fn user(&self, name: &UserName) -> Result<Option<UserRecord>> {
        users::get(&self.client().await?, name).await
    }

    async fn users(&self) -> Result<Vec<UserRecord>> {
        users::list(&self.client().await?).await
    }

    async fn login_state(&self, keys: &[String], user: &str, address: &str) -> Result<LoginState> {
        logins::state(&self.client().await?, keys, user, address).await
    }

    async fn charge_login_failures(&self, charges: &[LoginCharge], now_ms: i64) -> Result<Vec<i64>> {
        retry!(self, |c| logins::charge(&mut c, charges, now_ms))
    }

    async fn record_login(&self, user: &UserName, address: &str, now_ms: i64, forget_before_ms: i64) -> Result<()> {
        retry!(self, |c| logins::record(&mut c, user, address, now_ms, forget_before_ms))
    }

    async fn record_blocks(&self, blocks: Vec<BlockRecord>) -> Result<()> {
        blocks::record(&mut self.client().await?, &blocks).await
    }

    async fn blocks(&self, since: FeedTime, kind: Option<BlockKind>, limit: u32) -> Result<Vec<BlockRecord>> {
        blocks::since(&self.client().await?, since, kind, limit).await
    }

    async fn prune_blocks(&self, before: FeedTime) -> Result<u64> {
        blocks::prune(&self.client().await?, before).await
    }

    async fn seen_archive(&self, ecosystem: &str, package: &str, file: &str) -> Result<Option<crate::SeenArchive>> {
        blocks::seen(&self.client().await?, ecosystem, package, file).await
    }

    async fn remember_archive(&self, archive: crate::SeenArchive) -> Result<crate::SeenArchive> {
        blocks::remember(&self.client().await?, &archive).await
    }

    async fn claims(&self) -> Result<Vec<crate::StoredClaim>> {
        claims::all(&self.client().await?).await
    }

    async fn event_counts(&self) -> Result<Vec<(scioc_model::EventType, u64)>> {
        let c = self.client().await?;
        let rows = c.query("SELECT event_type, n FROM event_type_counts WHERE n > 0", &[]).await.db()?;
        Ok(rows.iter().map(|r| (r.get::<_, crate::rows::TypeColumn>(0).0, r.get::<_, i64>(1) as u64)).collect())
    }

    async fn daily_counts(&self, since: FeedTime) -> Result<Vec<DailyCount>> {
        let c = self.client().await?;
        let rows = c
            .query(
                "SELECT ts / 86400, event_type, COALESCE(community, ''), COUNT(*) FROM events \
                 WHERE ts >= $1 GROUP BY 1, 2, 3 ORDER BY 1, 2, 3",
                &[&since.unix()],
            )
            .await
            .db()?;
        Ok(rows
            .iter()
            .map(|r| DailyCount {
                day: r.get(0),
                event_type: r.get::<_, crate::rows::TypeColumn>(1).0,
                ecosystem: r.get(2),
                count: r.get::<_, i64>(3) as u64,
            })
            .collect())
    }

    async fn cursors(&self) -> Result<Vec<crate::dump::CursorRecord>> {
        cursors::list(&self.client().await?).await
    }

    async fn feed_sources(&self) -> Result<Vec<FeedSource>> {
        feed_sources::list(&self.client().await?).await
    }

    async fn put_feed_source(&self, def: SourceDef) -> Result<()> {
        feed_sources::put(&self.client().await?, &def).await
    }

    async fn remove_feed_sources(&self, names: &[String]) -> Result<usize> {
        feed_sources::remove(&self.client().await?, names).await
    }

    async fn claim_feed_source(
        &self,
        name: &str,
        holder: &str,
        now: FeedTime,
        until: FeedTime,
    ) -> Result<Option<FeedSource>> {
        feed_sources::claim(&self.client().await?, name, holder, now, until).await
    }

    async fn finish_feed_poll(&self, name: &str, holder: &str, status: SourceStatus) -> Result<()> {
        feed_sources::finish(&self.client().await?, name, holder, &status).await
    }

    async fn remove_user(&self, name: &UserName) -> Result<()> {
        users::remove(&self.client().await?, name).await
    }

    async fn set_password(&self, name: &UserName, password_hash: String) -> Result<()> {
        users::set_password(&self.client().await?, name, &password_hash).await
    }

    async fn set_role(&self, name: &UserName, role: Role) -> Result<()> {
        users::set_role(&self.client().await?, name, role).await
    }

    async fn export_events(&self, after_seq: i64, limit: u32) -> Result<Vec<crate::dump::EventRow>> {
        dump::events(&self.client().await?, after_seq, limit).await
    }

    async fn export_meta(&self) -> Result<crate::dump::Meta> {
        retry!(self, |c| dump::meta(&mut c))
    }

    async fn restore(&self, from: &dyn Store, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<u64> {
        dump::restore(&mut self.client().await?, from, progress).await
    }
}
