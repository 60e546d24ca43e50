//! Values passed to and returned by a [`crate::Store`].

use scioc_api::Format;
use scioc_model::{Affected, Entry, EventType, FeedTime, IndicatorKind, MatchKind, Provenance, Role};

/// The newest event of the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Head {
    /// Its sequence number.
    pub seq: i64,
    /// Its time.
    pub time: FeedTime,
}

/// How many events of one type one ecosystem had on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DailyCount {
    /// The day, as days since 1970-01-01 (UTC).
    pub day: i64,
    /// The events' type.
    pub event_type: EventType,
    /// The entries' `community` (`npm`, `pypi`, …), or empty when they have none.
    pub ecosystem: String,
    /// How many.
    pub count: u64,
}

/// Counts of what a store holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stats {
    /// Number of events.
    pub events: u64,
    /// Number of users.
    pub users: u64,
    /// Number of indicators.
    pub indicators: u64,
    /// Bytes the store takes: the SQLite file's pages, or the PostgreSQL schema's tables with
    /// their indexes and TOAST.
    pub bytes: u64,
    /// The newest event.
    pub head: Option<Head>,
}

/// An event to append.
#[derive(Debug, Clone)]
pub struct NewEvent {
    /// The entry.
    pub entry: Entry,
    /// When it enters the feed; `None` for now.
    pub time: Option<FeedTime>,
    /// For an entry without a version: the ranges it covers, shown as the entry's
    /// `scioc.affected`. `None` on a versionless entry means every version.
    pub affected: Option<Affected>,
    /// Where it came from, shown under the entry's `scioc` object.
    pub provenance: Option<Provenance>,
    /// For an import's `NEW_MALICIOUS`, `FP` or `NEW_THREAT_NAME`: the announcement a source
    /// record makes or takes back, so that several records announcing one package version make
    /// one announcement ([`crate::merge`]). `None` for an event that is not a record's word.
    pub claim: Option<Claim>,
}

impl NewEvent {
    /// An event with neither ranges, provenance nor claim.
    pub fn plain(entry: Entry, time: Option<FeedTime>) -> NewEvent {
        NewEvent { entry, time, affected: None, provenance: None, claim: None }
    }

    /// The `affected` column: the ranges as JSON, unless they cover every version.
    pub(crate) fn affected_column(&self) -> Option<String> {
        self.affected.as_ref().filter(|a| !a.all_versions).map(|a| serde_json::to_string(a).expect("ranges serialize"))
    }
}

/// What a source record announces: a package version (its purl with the version), or a
/// versionless purl with the ranges it covers.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ClaimKey {
    /// The canonical purl, with the version when there is one.
    pub purl: String,
    /// For a versionless purl, its ranges as JSON; empty for every version or for a version.
    pub ranges: String,
}

impl ClaimKey {
    /// The key of `purl` covering `affected` (`None` or every version: empty ranges).
    pub fn new(purl: &str, affected: Option<&Affected>) -> ClaimKey {
        let ranges = affected
            .filter(|a| !a.all_versions)
            .map(|a| serde_json::to_string(a).expect("ranges serialize"))
            .unwrap_or_default();
        ClaimKey { purl: purl.to_owned(), ranges }
    }
}

/// An announcement made or taken back by one record of the importing source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Claim {
    /// What is announced.
    pub key: ClaimKey,
    /// The source's record that announces it.
    pub record: String,
}

/// One stored claim: a record of a source announcing a key. Claims are ordered by when they
/// were made: the oldest is the announcer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredClaim {
    /// What is announced.
    pub key: ClaimKey,
    /// The source.
    pub source: String,
    /// The source's record.
    pub record: String,
}

/// What an append stored.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Appended {
    /// How many events.
    pub count: usize,
    /// Sequence number of the first, if any.
    pub first_seq: Option<i64>,
    /// Sequence number of the last, if any.
    pub last_seq: Option<i64>,
    /// Time of the first, if any.
    pub first_time: Option<FeedTime>,
    /// Time of the last, if any.
    pub last_time: Option<FeedTime>,
    /// An import's events left out because another record already announces the same thing,
    /// or still does ([`crate::merge`]).
    pub merged: usize,
    /// Of `count`, the events that were stored already and were laid out again with the
    /// import's ([`crate::Store::commit_history`]).
    pub relaid: usize,
}

impl Appended {
    /// Counts one more stored event.
    pub(crate) fn record(&mut self, seq: i64, time: FeedTime) {
        self.count += 1;
        self.first_seq.get_or_insert(seq);
        self.first_time.get_or_insert(time);
        self.last_seq = Some(seq);
        self.last_time = Some(time);
    }
}

/// A stateless time query.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TimeQuery {
    /// First second to return.
    pub from: FeedTime,
    /// Events wanted, 1 to 1000; the page may hold more to finish the last second.
    pub limit: u32,
    /// Which stored rendering to return.
    pub format: Format,
    /// Only seconds before this one are served: a second is closed, and so never split
    /// across pages, once the clock has left it.
    pub horizon: FeedTime,
}

/// A cursor pull.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullQuery {
    /// Events wanted, 1 to 1000; the page may hold more to finish the last second.
    pub limit: u32,
    /// Which stored rendering to return.
    pub format: Format,
    /// As in [`TimeQuery::horizon`].
    pub horizon: FeedTime,
    /// Hold the cursor's move until the page is confirmed delivered ([`crate::Store::confirm_pull`]);
    /// `None` moves it for good at once.
    pub lease: Option<LeaseTerms>,
}

/// How a pull's page is held until it is delivered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LeaseTerms {
    /// Who delivers it: a name for the server, the same across its restarts, so that a server
    /// killed mid-delivery releases its pages when it starts again ([`crate::Store::release_leases_of`]).
    pub holder: String,
    /// When an unconfirmed page counts as lost (a server that died without starting again):
    /// the next pull after it serves the page again.
    pub expires: FeedTime,
}

/// One event of a page: its position in the feed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRow {
    /// Sequence number.
    pub seq: i64,
    /// Feed time.
    pub time: FeedTime,
}

/// A page of events.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Page {
    /// The events, in feed order.
    pub rows: Vec<PageRow>,
    /// Their stored renderings in the requested format, joined by the format's separator,
    /// ready to splice into an envelope.
    pub entries: Vec<u8>,
    /// Whether events remain before the horizon after this page.
    pub more: bool,
    /// The horizon the page was read to: the caller's, or earlier when the shared database's
    /// clock is behind the caller's (only seconds the database's clock has left are served).
    /// A last page's `time_range.to`.
    pub horizon: FeedTime,
}

/// A page returned by a pull, with where the cursor stood.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PullPage {
    /// The page.
    pub page: Page,
    /// The feed time the cursor stood at before this pull.
    pub from: FeedTime,
    /// The lease holding the page, when one was asked for and the page is not empty.
    pub lease: Option<i64>,
    /// Whether this pull first rewound the cursor over pages that were never confirmed
    /// delivered (their leases expired), so that it serves them again.
    pub rewound: bool,
}

/// A user to create.
#[derive(Debug, Clone)]
pub struct NewUser {
    /// The name.
    pub name: scioc_model::UserName,
    /// The role.
    pub role: Role,
    /// An argon2 PHC string.
    pub password_hash: String,
    /// Creation time.
    pub now: FeedTime,
}

/// A stored user.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    /// The name.
    pub name: scioc_model::UserName,
    /// The role.
    pub role: Role,
    /// An argon2 PHC string.
    pub password_hash: String,
    /// When the user was created.
    pub created_at: FeedTime,
    /// When the user was last changed.
    pub updated_at: FeedTime,
}

/// One failed login charged to a leaky bucket of the login throttle, kept as the time the
/// bucket drains empty (a "theoretical arrival time"): the charge moves it `interval_ms` later,
/// starting from now if it had drained, and never beyond `cap_ms` from now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginCharge {
    /// The bucket: a user name, a client address or the pair, as the throttle spells them.
    pub key: String,
    /// How long one failure takes to drain, in milliseconds.
    pub interval_ms: i64,
    /// The most a bucket holds, as milliseconds to drain.
    pub cap_ms: i64,
}

/// What the login throttle knows of one attempt, read in one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LoginState {
    /// For each key asked for, when its bucket drains empty (milliseconds since the Unix epoch),
    /// or `None` when it holds nothing.
    pub drains_at_ms: Vec<Option<i64>>,
    /// When the user last logged in from the address (milliseconds), if ever.
    pub known_since_ms: Option<i64>,
}

/// What a source's loader last recorded of one of its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceRecord {
    /// The record's id within the source (an OSV id).
    pub id: String,
    /// A hash of the record's bytes as last imported; equal bytes need no new look.
    pub content_hash: String,
    /// The loader's own state for the record, as JSON.
    pub state: String,
}

/// Everything the store holds about one source, read in one snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SourceState {
    /// Bumped by every import; pass it back in [`Import::expected_version`].
    pub version: i64,
    /// The records.
    pub records: Vec<SourceRecord>,
}

/// An indicator of compromise linked to a package.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
pub struct Indicator {
    /// What it names: OSV gives `domain`, `url` and `ip`; curation any kind.
    pub kind: IndicatorKind,
    /// The indicator itself.
    pub value: String,
    /// Ecosystem of the linked package, or empty.
    pub ecosystem: String,
    /// Name of the linked package, or empty.
    pub package: String,
    /// Which source said so (`osv`, `curation`).
    pub source: String,
    /// The source's record id, or empty.
    pub source_id: String,
    /// How the value is compared.
    pub match_kind: MatchKind,
    /// `low`, `medium` or `high`.
    pub confidence: String,
    /// `watch`, `flag` or `block`.
    pub action: String,
}

impl Indicator {
    /// Whether the indicator stands for every version of the package it names: an exact
    /// `package_name` or `dependency_name` whose action is `block`. The feed, the OSV API and the
    /// guard lists then name that package as malicious, as the firewall and the scanner judge it.
    pub fn blocks_package(&self) -> bool {
        matches!(self.kind, IndicatorKind::PackageName | IndicatorKind::DependencyName)
            && self.match_kind == MatchKind::Exact
            && self.action.eq_ignore_ascii_case("block")
    }
}

/// The outcome of one import of a source, stored in one transaction: its events, the new state
/// of the records it touched, and its indicators.
#[derive(Debug, Clone, Default)]
pub struct Import {
    /// The source (`osv`).
    pub source: String,
    /// The version read with [`crate::Store::source_state`]; if another import has run since,
    /// the import is refused with [`crate::Error::Conflict`] and nothing is stored.
    pub expected_version: i64,
    /// Events to append, as [`crate::Store::append`] would.
    pub events: Vec<NewEvent>,
    /// Records to insert or replace.
    pub records: Vec<SourceRecord>,
    /// Indicators to add (existing ones are kept).
    pub indicators: Vec<Indicator>,
    /// Records whose indicators no longer hold (a withdrawn report): removed before adding.
    pub retire_indicators_of: Vec<String>,
    /// Records to forget (a demoted candidate).
    pub remove_records: Vec<String>,
    /// The whole set of what each of these records announces after the import (its claims);
    /// records not named keep theirs. See [`crate::merge`].
    pub claims: Vec<(String, Vec<ClaimKey>)>,
}

/// Which events to find.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EventFilter {
    /// Events whose package file has this SHA-256.
    Sha256(String),
    /// Events whose package file has this SHA-1.
    Sha1(String),
    /// Events whose package file has this MD5.
    Md5(String),
    /// Events of this exact purl; a purl without a version also matches every version of it.
    Purl(String),
}

/// The matching columns of one event, for building a scanner's index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PackageEvent {
    /// Sequence number.
    pub seq: i64,
    /// What the event announces.
    pub event_type: EventType,
    /// The entry's purl, read only when the entry names no package otherwise (the rest is in
    /// `community`, `package` and `version`).
    pub purl: Option<String>,
    /// Its community (purl type).
    pub community: Option<String>,
    /// Its package name.
    pub package: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// Hashes of the package file.
    pub md5: Option<String>,
    /// See `md5`.
    pub sha1: Option<String>,
    /// See `md5`.
    pub sha256: Option<String>,
    /// See `md5`.
    pub sha512: Option<String>,
    /// For a versionless event, the source it came from (`osv`, `curation`, `reclassify`, …),
    /// if recorded; the source of a versioned event decides nothing and is not read.
    pub source: Option<String>,
    /// The source's record id (an OSV id), if any.
    pub source_id: Option<String>,
    /// For a versionless event: the ranges it covers, when less than every version.
    pub affected: Option<Affected>,
    /// The entry's threat level (its first sample's), 1 to 5, if it has one.
    pub threat_level: Option<u8>,
}

/// An event as stored, for tools that look events up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredEvent {
    /// Sequence number.
    pub seq: i64,
    /// Feed time.
    pub time: FeedTime,
    /// What the event announces.
    pub event_type: EventType,
    /// The entry's purl, if any.
    pub purl: Option<String>,
    /// The entry as wire JSON (with its `scioc` object).
    pub entry_json: Vec<u8>,
}

/// One refusal by the registry firewall: a download or a version it would not serve.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockRecord {
    /// When.
    pub time: FeedTime,
    /// Who asked: the client's address, and the user when it authenticated.
    pub client: String,
    /// The ecosystem as OSV names it (`npm`, `PyPI`).
    pub ecosystem: String,
    /// The package.
    pub package: String,
    /// The version, when the refusal was of one.
    pub version: Option<String>,
    /// The rule that matched (`AS-008`, `HASH`, `AS-016`, `COOLDOWN`).
    pub rule: String,
    /// The record behind it (`MAL-2025-1234`, a rule's id or link), when there is one.
    pub reference: Option<String>,
    /// Why, in words (the verdict's evidence, the cooldown's age, a mismatched hash).
    pub reason: String,
    /// What was refused, in words (`evil@1.0.0`, `evil==1.0 (evil-1.0.tar.gz)`).
    pub what: String,
    /// Whether a version was withheld from metadata or a download refused.
    pub kind: BlockKind,
    /// How many identical refusals this row stands for (withheld versions are folded while a
    /// client keeps asking for the same metadata; refused downloads never are).
    pub count: u32,
}

/// What the firewall did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum BlockKind {
    /// A version (or file) left out of the metadata a client asked for.
    Withheld,
    /// A download refused (403), or aborted before its end because its bytes were refused.
    Refused,
}

impl BlockKind {
    /// `withheld` or `refused`.
    pub fn as_str(self) -> &'static str {
        match self {
            BlockKind::Withheld => "withheld",
            BlockKind::Refused => "refused",
        }
    }

    /// Reads [`BlockKind::as_str`]'s spelling; anything else is a refusal.
    pub fn parse(s: &str) -> BlockKind {
        BlockKind::named(s).unwrap_or(BlockKind::Refused)
    }

    /// Reads [`BlockKind::as_str`]'s spelling, strictly (for filters people type).
    pub fn named(s: &str) -> Option<BlockKind> {
        match s {
            "withheld" => Some(BlockKind::Withheld),
            "refused" => Some(BlockKind::Refused),
            _ => None,
        }
    }
}

impl BlockRecord {
    /// The record as JSON, as the admin API and `scioc firewall blocks --format json` show it.
    pub fn to_json(&self) -> serde_json::Value {
        serde_json::json!({
            "time": self.time.to_utc_string(),
            "kind": self.kind.as_str(),
            "client": self.client,
            "ecosystem": self.ecosystem,
            "package": self.package,
            "version": self.version,
            "rule": self.rule,
            "reference": self.reference,
            "reason": self.reason,
            "what": self.what,
            "count": self.count,
        })
    }
}

/// The hashes of an archive the firewall delivered, as first seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenArchive {
    /// `npm` or `PyPI`.
    pub ecosystem: String,
    /// The package.
    pub package: String,
    /// The file, as the firewall names it.
    pub file: String,
    /// The version it belongs to, when known.
    pub version: Option<String>,
    /// Its SHA-256, hex.
    pub sha256: String,
    /// Its SHA-512, hex, when it was computed (the upstream's metadata gave one to check).
    pub sha512: Option<String>,
    /// When it was first delivered.
    pub first_seen: FeedTime,
}

/// A source `scioc serve` polls, as configured (`[[sources]]` or `scioc sources add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDef {
    /// Its name, unique in the store.
    pub name: String,
    /// Its kind (`osv`, `datadog`), as the poller names them.
    pub kind: String,
    /// Where it is: a URL or a local path.
    pub location: String,
    /// The ecosystem its records are of, for kinds whose files do not say (`datadog`).
    pub ecosystem: Option<String>,
    /// Seconds between polls.
    pub interval_secs: u64,
    /// Seconds one poll may take.
    pub timeout_secs: u64,
    /// Who defined it: `config` (the config file, replaced at every start) or `cli`.
    pub origin: String,
}

/// What the polls of a source found so far.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceStatus {
    /// The validator of the last response, sent back as `If-None-Match`.
    pub etag: Option<String>,
    /// The `Last-Modified` of the last response, sent back as `If-Modified-Since`.
    pub last_modified: Option<String>,
    /// How far the source was read (for an OSV bucket, the newest `modified` imported).
    pub cursor: Option<String>,
    /// When a poll last started.
    pub last_attempt: Option<FeedTime>,
    /// When a poll last succeeded (changed or not).
    pub last_success: Option<FeedTime>,
    /// When a poll last found something new.
    pub last_change: Option<FeedTime>,
    /// Why the last failed poll failed.
    pub last_error: Option<String>,
    /// When it failed.
    pub last_error_at: Option<FeedTime>,
    /// Failures in a row since the last success (the backoff's exponent).
    pub failures: u32,
    /// Records the source held at its last successful read.
    pub records: u64,
    /// Polls so far, successful or not.
    pub polls: u64,
    /// When the next poll is due.
    pub next_poll: FeedTime,
    /// The node polling it now, and until when its lease runs.
    pub lease: Option<(String, FeedTime)>,
}

impl Default for SourceStatus {
    /// A source never polled: due at once.
    fn default() -> Self {
        SourceStatus {
            etag: None,
            last_modified: None,
            cursor: None,
            last_attempt: None,
            last_success: None,
            last_change: None,
            last_error: None,
            last_error_at: None,
            failures: 0,
            records: 0,
            polls: 0,
            next_poll: FeedTime::from_unix(0),
            lease: None,
        }
    }
}

/// A source and its status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FeedSource {
    /// What was configured.
    pub def: SourceDef,
    /// What the polls found.
    pub status: SourceStatus,
}

impl FeedSource {
    /// Seconds since the source was last read successfully (`None`: never).
    pub fn lag_secs(&self, now: FeedTime) -> Option<i64> {
        self.status.last_success.map(|t| (now.unix() - t.unix()).max(0))
    }

    /// The source and its status as JSON, as `scioc sources list`, `scioc status` and `/health`
    /// show it.
    pub fn to_json(&self, now: FeedTime) -> serde_json::Value {
        let t = |t: Option<FeedTime>| t.map(FeedTime::to_utc_string);
        serde_json::json!({
            "name": self.def.name,
            "kind": self.def.kind,
            "location": self.def.location,
            "ecosystem": self.def.ecosystem,
            "interval_secs": self.def.interval_secs,
            "timeout_secs": self.def.timeout_secs,
            "origin": self.def.origin,
            "last_attempt": t(self.status.last_attempt),
            "last_success": t(self.status.last_success),
            "last_change": t(self.status.last_change),
            "last_error": self.status.last_error,
            "last_error_at": t(self.status.last_error_at),
            "failures": self.status.failures,
            "records": self.status.records,
            "polls": self.status.polls,
            "lag_secs": self.lag_secs(now),
            "next_poll": self.status.next_poll.to_utc_string(),
        })
    }
}
