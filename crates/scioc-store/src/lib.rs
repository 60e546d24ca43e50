//! Storage for the scioc feed, behind one async interface: [`Store`].
//!
//! The store holds events (append-only, in `(time, sequence)` order), per-user pull cursors and
//! users. [`SqliteStore`] is the embedded implementation: one SQLite file in WAL mode inside
//! the data directory, with versioned migrations and `synchronous=FULL`, so a write that
//! returned is on disk. [`PgStore`] is the shared one, for many stateless server nodes over one
//! PostgreSQL (or PostgreSQL-wire distributed) database; the same test suite runs on both.
//! [`Store::restore`] copies any store into an empty one of either kind.
//!
//! **Architecture invariant:** only this crate speaks SQL, and every statement is parameterised.
//! **Architecture invariant:** the store upholds the feed's ordering rules itself
//! (see [`Store::append`]); callers cannot store an event that would go back in time.
//! **Architecture invariant:** an entry is rendered for the wire once, when appended; pages
//! are spliced from the stored fragments.
//!
//! ```
//! # tokio::runtime::Runtime::new().unwrap().block_on(async {
//! use scioc_model::{Entry, FeedTime, RawEntry};
//! use scioc_store::{NewEvent, SqliteStore, Store, TimeQuery};
//!
//! let dir = tempfile::tempdir().unwrap();
//! let store = SqliteStore::open(dir.path()).unwrap();
//! let entry = Entry::try_from(serde_json::from_str::<RawEntry>(
//!     r#"{"event_type":"NEW_MALICIOUS","identity":{"purl":"pkg:npm/evil@1.0.0"}}"#).unwrap()).unwrap();
//! let t = FeedTime::parse_utc("2025-06-04T10:00:00").unwrap();
//! store.append(vec![NewEvent { entry, time: Some(t), affected: None, provenance: None, claim: None }]).await.unwrap();
//! let page = store.query(TimeQuery { from: t, limit: 10, format: scioc_api::Format::Json, horizon: FeedTime::now() }).await.unwrap();
//! assert_eq!(page.rows.len(), 1);
//! # });
//! ```
#![deny(missing_docs)]

mod append;
pub mod dump;
mod error;
pub mod merge;
mod migrate;
mod postgres;
mod rows;
mod rules;
mod sqlite;
#[cfg(feature = "testing")]
pub mod testing;
mod types;

pub use append::{APPEND_ATTEMPTS, append_records};
pub use error::{Error, Result};
pub use postgres::{PgOptions, PgStore};
pub use rules::{DEFAULT_EVENTS_PER_SECOND, MAX_ENTRY_BYTES, RELAID_SOURCE};
pub use sqlite::{DB_FILE, SqliteStore};
pub use types::{
    Appended, BlockKind, BlockRecord, Claim, ClaimKey, DailyCount, EventFilter, FeedSource, Head, Import, Indicator,
    LeaseTerms, LoginCharge, LoginState, NewEvent, NewUser, PackageEvent, Page, PageRow, PullPage, PullQuery,
    SeenArchive, SourceDef, SourceRecord, SourceState, SourceStatus, Stats, StoredClaim, StoredEvent, TimeQuery,
    UserRecord,
};

use scioc_model::{FeedTime, Role, UserName};

/// The storage interface the server, loaders and tools use.
///
/// Every implementation upholds the feed's invariants:
/// sequence numbers grow by one with each event, an event's time is never earlier than the
/// time of the event before it, and a page never splits a second.
#[async_trait::async_trait]
pub trait Store: Send + Sync + 'static {
    /// Where the store lives, for people: a file path, or a database URL without its password.
    fn location(&self) -> String;

    /// The newest event's sequence number and time, or `None` for an empty feed.
    async fn head(&self) -> Result<Option<Head>>;

    /// Counts of what the store holds.
    async fn stats(&self) -> Result<Stats>;

    /// Appends `batch` atomically: all events or none.
    ///
    /// The store reads its clock (`now`) once it holds the feed's write lock: an append that
    /// waits for the lock is never stamped in a second a time query served while it waited.
    /// A shared database ([`PgStore`]) reads the database's clock, so that every node stamps and
    /// serves by one clock.
    ///
    /// An event without a time gets `now`, or the newest event's time if the clock has gone
    /// back. An explicit time is refused ([`Error::Rejected`], naming the event's index) when
    /// it is before the feed epoch, after `now`, or earlier than the event before it; one that
    /// falls in a second a time query has already sealed is stamped at the seal instead.
    async fn append(&self, batch: Vec<NewEvent>) -> Result<Appended>;

    /// Events with `from <= time < horizon`, in feed order: `limit` of them plus the rest of
    /// the last one's second ([`Page::horizon`] says how far it read).
    ///
    /// Only *sealed* seconds are served: the store takes the feed's write lock without waiting
    /// for it, reads its clock under it and records that every second before is closed (once
    /// per second and process). While an append holds the lock, only the seconds before the
    /// committed head's second (or a seal recorded earlier) are served, since the append may
    /// still be stamped in any later one. So a client continuing at `time_range.to` never
    /// misses an event, whoever writes and however slowly. A shared database also serves no
    /// second its own clock has not left, even when `horizon` is later.
    async fn query(&self, query: TimeQuery) -> Result<Page>;

    /// Sets `user`'s cursor so that the next pull starts at the first event at or after the
    /// given time.
    async fn start_cursor(&self, user: &UserName, at: FeedTime) -> Result<()>;

    /// The next page after `user`'s cursor, advancing the cursor in the same transaction.
    /// A user without a cursor starts at `query.horizon`.
    ///
    /// With [`PullQuery::lease`] the move is provisional: the next pull continues after this
    /// page (concurrent pulls never return the same event), but the page counts as delivered
    /// only once [`Store::confirm_pull`] says so. [`Store::release_pull`], or a lease past its
    /// expiry, rewinds the cursor to the last delivered event, so the next pull serves the page
    /// again: delivery is at least once.
    async fn pull(&self, user: &UserName, query: PullQuery) -> Result<PullPage>;

    /// Marks a leased page delivered. Nothing happens if the lease is gone (the cursor was
    /// rewound or started anew since).
    async fn confirm_pull(&self, user: &UserName, lease: i64) -> Result<()>;

    /// Gives a leased page up as not delivered: `user`'s cursor goes back to the last delivered
    /// event, and every page in flight for the user is served again.
    async fn release_pull(&self, user: &UserName, lease: i64) -> Result<()>;

    /// Releases every page in flight whose lease `holder` took, as [`Store::release_pull`]
    /// does: a server calls it when it starts, for the pages it was delivering when it died.
    /// Returns how many cursors went back.
    async fn release_leases_of(&self, holder: &str) -> Result<u64>;

    /// What the store holds about `source`'s records, with the version an import must expect.
    async fn source_state(&self, source: &str) -> Result<SourceState>;

    /// Stores an import atomically: its events (under the rules of [`Store::append`]), its
    /// records and its indicators; [`Error::Conflict`] if another import of the source ran since
    /// its state was read.
    async fn commit_import(&self, import: Import) -> Result<Appended>;

    /// Whether no client has read the feed yet: no time query has served a second of it as
    /// closed, and no cursor was ever started. Only then may history go below its events
    /// ([`Store::commit_history`]).
    async fn unread(&self) -> Result<bool>;

    /// Stores an import whose events are history, dated before the feed's newest event (a first
    /// import of a snapshot after the starter set, or the starter set after a snapshot): the
    /// stored events and the import's are laid out again in one time order, with new sequence
    /// numbers, in one transaction. Allowed only while the feed is [unread](Store::unread), since
    /// no client can then hold a position in it; [`Error::Conflict`] otherwise, and nothing is
    /// stored. An event of the import without a time gets `now`. The source version
    /// [`RELAID_SOURCE`] moves, so that anything that follows the feed by sequence number reads it
    /// again.
    async fn commit_history(&self, import: Import) -> Result<Appended>;

    /// A SHA-256 over every event in feed order (sequence, time, type and stored entry), so
    /// that two stores can be compared.
    async fn digest(&self) -> Result<String>;

    /// Events matching `filter`, in feed order.
    async fn find_events(&self, filter: EventFilter) -> Result<Vec<StoredEvent>>;

    /// The matching columns of every event after `after_seq` (0: all), in feed order.
    async fn package_events(&self, after_seq: i64) -> Result<Vec<PackageEvent>>;

    /// Every source's import version, by source name: a cheap way to tell whether any
    /// source's records or indicators changed since they were last read.
    async fn source_versions(&self) -> Result<Vec<(String, i64)>>;

    /// Entries of the given events (wire JSON), by sequence number.
    async fn entries(&self, seqs: Vec<i64>) -> Result<Vec<StoredEvent>>;

    /// All indicators, sorted.
    async fn indicators(&self) -> Result<Vec<Indicator>>;

    /// Adds a user; [`Error::UserExists`] if the name is taken.
    async fn create_user(&self, user: NewUser) -> Result<()>;

    /// One user, if it exists.
    async fn user(&self, name: &UserName) -> Result<Option<UserRecord>>;

    /// All users, by name.
    async fn users(&self) -> Result<Vec<UserRecord>>;

    /// Removes a user and its cursor; [`Error::NoSuchUser`] if absent.
    async fn remove_user(&self, name: &UserName) -> Result<()>;

    /// Replaces a user's password hash; [`Error::NoSuchUser`] if absent.
    async fn set_password(&self, name: &UserName, password_hash: String) -> Result<()>;

    /// Changes a user's role; [`Error::NoSuchUser`] if absent.
    async fn set_role(&self, name: &UserName, role: Role) -> Result<()>;

    /// Up to `limit` events after sequence number `after_seq`, exactly as stored.
    async fn export_events(&self, after_seq: i64, limit: u32) -> Result<Vec<dump::EventRow>>;

    /// Everything but the events: users, cursors, sources and indicators, sorted.
    async fn export_meta(&self) -> Result<dump::Meta>;

    /// Fills this store, which must be empty ([`Error::Conflict`] otherwise), with everything
    /// `from` holds, in one transaction: a failure leaves it empty. Calls `progress` with the
    /// number of events copied so far; returns the number of events.
    async fn restore(&self, from: &dyn Store, progress: &(dyn Fn(u64) + Send + Sync)) -> Result<u64>;

    /// The login throttle's buckets for `keys` and when `user` last logged in from `address`, in
    /// one snapshot (see [`LoginCharge`]).
    async fn login_state(&self, keys: &[String], user: &str, address: &str) -> Result<LoginState>;

    /// Charges one failed login to each bucket in one transaction, returning when each now
    /// drains empty (milliseconds), in order; buckets that drained before `now_ms` are dropped.
    async fn charge_login_failures(&self, charges: &[LoginCharge], now_ms: i64) -> Result<Vec<i64>>;

    /// Records that `user` logged in from `address` at `now_ms`; records older than
    /// `forget_before_ms` are dropped.
    async fn record_login(&self, user: &UserName, address: &str, now_ms: i64, forget_before_ms: i64) -> Result<()>;

    /// Records the registry firewall's refusals, in one transaction.
    async fn record_blocks(&self, blocks: Vec<BlockRecord>) -> Result<()>;

    /// The firewall's refusals at or after `since`, oldest first, at most `limit`; only those
    /// of `kind` when given.
    async fn blocks(&self, since: FeedTime, kind: Option<BlockKind>, limit: u32) -> Result<Vec<BlockRecord>>;

    /// Deletes the firewall's refusals before `before`; returns how many went.
    async fn prune_blocks(&self, before: FeedTime) -> Result<u64>;

    /// The hashes of an archive the firewall delivered before, if it did.
    async fn seen_archive(&self, ecosystem: &str, package: &str, file: &str) -> Result<Option<SeenArchive>>;

    /// Records an archive's hashes unless that file was seen before; returns what was seen
    /// first (this one, or the earlier one whose bytes may differ).
    async fn remember_archive(&self, archive: SeenArchive) -> Result<SeenArchive>;

    /// Every claim of a source record on an announcement, oldest (the announcer) first
    /// ([`merge`]).
    async fn claims(&self) -> Result<Vec<StoredClaim>>;

    /// How many events of each type the feed holds (for metrics and the console: nothing is ever
    /// deleted, so these only grow). Read from a table a trigger keeps on every insert, not by
    /// counting the feed.
    async fn event_counts(&self) -> Result<Vec<(scioc_model::EventType, u64)>>;

    /// How many events of each type each ecosystem had on each UTC day from `since` on, by
    /// day: what the console charts.
    async fn daily_counts(&self, since: FeedTime) -> Result<Vec<DailyCount>>;

    /// Every user's cursor, where its delivered pages left it, by user.
    async fn cursors(&self) -> Result<Vec<dump::CursorRecord>>;

    /// Every polled source with its status, by name.
    async fn feed_sources(&self) -> Result<Vec<FeedSource>>;

    /// Adds a source or replaces its definition, keeping its status.
    async fn put_feed_source(&self, def: SourceDef) -> Result<()>;

    /// Removes the sources named `names`; returns how many there were.
    async fn remove_feed_sources(&self, names: &[String]) -> Result<usize>;

    /// Takes the lease on source `name` for `holder` until `until`, when its next poll is due at
    /// `now` and no other holder's lease is running: the source and its status if taken, else
    /// `None`. One statement, so two nodes never both take it.
    async fn claim_feed_source(
        &self,
        name: &str,
        holder: &str,
        now: FeedTime,
        until: FeedTime,
    ) -> Result<Option<FeedSource>>;

    /// Stores what a poll by `holder` found and releases its lease (a poll whose lease was
    /// taken over in the meantime stores nothing).
    async fn finish_feed_poll(&self, name: &str, holder: &str, status: SourceStatus) -> Result<()>;
}
