//! A whole store as plain rows, for copying one store into another (`scioc copy`).
//!
//! Events travel with their stored renderings and sequence numbers untouched, so a copy has the
//! same [`crate::Store::digest`] as its source; everything else travels as [`Meta`], whose
//! equality between source and copy is the second half of the check.

use crate::{Indicator, SourceRecord, UserRecord};
use scioc_model::{EventType, FeedTime};

/// Events read per batch when copying.
pub const COPY_BATCH: u32 = 2000;

/// One row of the `events` table, the same on both backends: what [`crate::Store::append`]
/// makes of a new event ([`EventRow::new`]), what a dump reads and what a restore writes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EventRow {
    /// Sequence number.
    pub seq: i64,
    /// Feed time, Unix seconds.
    pub ts: i64,
    /// What the event announces.
    pub event_type: EventType,
    /// The entry's purl.
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
    /// The JSON rendering.
    pub entry_json: Vec<u8>,
    /// The XML rendering.
    pub entry_xml: Vec<u8>,
    /// Provenance: the source.
    pub source: Option<String>,
    /// Provenance: the source's record id.
    pub source_id: Option<String>,
    /// The ranges of a versionless event, as JSON, when less than every version.
    pub affected: Option<String>,
    /// The threat level of the entry's first sample, 1 to 5, if it has one.
    pub threat_level: Option<i64>,
}

impl EventRow {
    /// The columns of an event row, in the order of the struct's fields: every statement that
    /// reads or writes a whole row names them with this text.
    pub(crate) const COLUMNS: &'static str = "seq, ts, event_type, purl, community, package, version, md5, sha1, \
        sha256, sha512, entry_json, entry_xml, source, source_id, affected, threat_level";

    /// The row of a new event at `seq` and `time`, with its renderings.
    pub(crate) fn new(seq: i64, time: FeedTime, event: &crate::NewEvent, fragments: scioc_api::Fragments) -> EventRow {
        let e = &event.entry;
        let id = e.identity.as_ref();
        let text = |v: Option<&String>| v.cloned();
        EventRow {
            seq,
            ts: time.unix(),
            event_type: e.event_type,
            purl: text(id.and_then(|i| i.purl.as_ref())),
            community: text(id.and_then(|i| i.community.as_ref())),
            package: text(id.and_then(|i| i.package.as_ref())),
            version: text(id.and_then(|i| i.version.as_ref())),
            md5: e.md5.as_ref().map(|h| h.as_str().to_owned()),
            sha1: e.sha1.as_ref().map(|h| h.as_str().to_owned()),
            sha256: e.sha256.as_ref().map(|h| h.as_str().to_owned()),
            sha512: e.sha512.as_ref().map(|h| h.as_str().to_owned()),
            entry_json: fragments.json,
            entry_xml: fragments.xml,
            source: event.provenance.as_ref().map(|p| p.source.clone()),
            source_id: event.provenance.as_ref().and_then(|p| p.id.clone()),
            affected: event.affected_column(),
            threat_level: e.sample_list.first().and_then(|s| s.threat_level).map(|l| i64::from(l.get())),
        }
    }
}

/// Reads an [`EventRow`] from database row `$row`, whose columns are [`EventRow::COLUMNS`], with
/// the driver's fallible getter `$get` (`get` for SQLite, `try_get` for PostgreSQL): one place
/// knows the column order for both backends.
macro_rules! event_row {
    ($row:expr, $get:ident) => {
        $crate::dump::EventRow {
            seq: $row.$get(0)?,
            ts: $row.$get(1)?,
            event_type: $row.$get::<_, $crate::rows::TypeColumn>(2)?.0,
            purl: $row.$get(3)?,
            community: $row.$get(4)?,
            package: $row.$get(5)?,
            version: $row.$get(6)?,
            md5: $row.$get(7)?,
            sha1: $row.$get(8)?,
            sha256: $row.$get(9)?,
            sha512: $row.$get(10)?,
            entry_json: $row.$get(11)?,
            entry_xml: $row.$get(12)?,
            source: $row.$get(13)?,
            source_id: $row.$get(14)?,
            affected: $row.$get(15)?,
            threat_level: $row.$get(16)?,
        }
    };
}
pub(crate) use event_row;

/// A user's pull cursor as stored: where its delivered pages end (pages still in flight are
/// not carried over, so a copy serves them again).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct CursorRecord {
    /// The user.
    pub user: String,
    /// The last delivered sequence number.
    pub after_seq: i64,
    /// The earliest time the next pull returns.
    pub not_before: i64,
    /// The time shown as the next page's `time_range.from`.
    pub position: i64,
    /// When it last moved.
    pub updated_at: i64,
}

/// Everything a store holds about one outside source.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceDump {
    /// The source's name.
    pub source: String,
    /// Its import version.
    pub version: i64,
    /// Its records with the time each was last written, by id.
    pub records: Vec<(SourceRecord, i64)>,
}

/// Everything but the events, sorted, so two stores' metas compare equal when they hold the same.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Meta {
    /// Users, by name.
    pub users: Vec<UserRecord>,
    /// Cursors, by user.
    pub cursors: Vec<CursorRecord>,
    /// Sources, by name.
    pub sources: Vec<SourceDump>,
    /// Indicators with the time each was added, sorted.
    pub indicators: Vec<(Indicator, i64)>,
    /// Claims of source records on announcements, oldest first ([`crate::merge`]).
    pub claims: Vec<crate::StoredClaim>,
    /// The firewall's refusals, oldest first.
    pub blocks: Vec<crate::BlockRecord>,
    /// The archives the firewall delivered, with their hashes as first seen.
    pub archives: Vec<crate::SeenArchive>,
}

impl Meta {
    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.users.is_empty()
            && self.cursors.is_empty()
            && self.sources.is_empty()
            && self.indicators.is_empty()
            && self.claims.is_empty()
            && self.blocks.is_empty()
            && self.archives.is_empty()
    }
}

/// Groups `(source, record, updated_at)` rows under their sources' `(name, version)`, sorted by
/// source; records of a source never imported through a versioned import get version 0.
pub(crate) fn group_sources(
    versions: Vec<(String, i64)>,
    records: impl IntoIterator<Item = (String, SourceRecord, i64)>,
) -> Vec<SourceDump> {
    let mut sources: Vec<SourceDump> =
        versions.into_iter().map(|(source, version)| SourceDump { source, version, records: Vec::new() }).collect();
    for (source, record, updated_at) in records {
        match sources.iter_mut().find(|s| s.source == source) {
            Some(s) => s.records.push((record, updated_at)),
            None => sources.push(SourceDump { source, version: 0, records: vec![(record, updated_at)] }),
        }
    }
    sources.sort_by(|a, b| a.source.cmp(&b.source));
    sources
}

/// Checks that `batch` continues a copy whose last event was `prev` (`(seq, ts)`): sequence
/// numbers one apart, times never going back. Returns the new last event.
pub(crate) fn check_continuity(prev: (i64, i64), batch: &[EventRow]) -> crate::Result<(i64, i64)> {
    let mut last = prev;
    for e in batch {
        if e.seq != last.0 + 1 || e.ts < last.1 {
            return Err(crate::Error::Rejected {
                index: (e.seq - 1).max(0) as usize,
                message: format!(
                    "source event {} at {} does not follow event {} at {}: a copy needs sequence numbers without gaps and times that never go back",
                    e.seq, e.ts, last.0, last.1
                ),
            });
        }
        last = (e.seq, e.ts);
    }
    Ok(last)
}
