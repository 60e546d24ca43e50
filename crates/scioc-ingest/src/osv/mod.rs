//! OSV malicious-package reports (the OpenSSF data set, OSV.dev's `all.zip`) into the feed.
//!
//! [`import`] reads every source, skips non-`MAL-` advisories, and compares each record with
//! what the store last recorded of it (see [`plan`]): unchanged bytes are not even parsed, and
//! only changes become events. Everything is stored in one transaction.
//!
//! Dating: a first import dates each event by its record's `published` time, so history reads
//! true: into an empty feed, or, for a source's first import, below the events a feed already
//! holds while no client has read it (the starter set `scioc serve` promotes, say;
//! [`scioc_store::Store::commit_history`] lays them out again in time order). Later imports, and
//! any once a client has read the feed, are dated when they arrive: the feed never goes back in
//! time for its readers.

pub mod classify;
pub mod map;
pub mod plan;
pub mod record;
pub mod source;

pub use source::{Source, SourceError};

use plan::RecordState;
use scioc_model::{EventType, FEED_EPOCH, FeedTime, Provenance};
use scioc_store::{Appended, Claim, ClaimKey, Import, NewEvent, SourceRecord, Store};
use sha2::{Digest, Sha256};
use std::collections::HashMap;

/// The store's name for this source.
pub const SOURCE: &str = "osv";

/// How an import dated its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dating {
    /// By each record's publication time: the feed was empty.
    Published,
    /// By each record's publication time, laid out in time order with the events the feed
    /// held, which no client had read (the source's first import).
    History,
    /// At import time: the feed held events, and a client has read it or the source was
    /// imported before.
    ImportTime,
}

/// Import settings.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Read, parse and plan, but store nothing.
    pub dry_run: bool,
    /// Refuse the whole import when any record is invalid, instead of skipping those.
    pub strict: bool,
    /// Give up ([`ImportError::TimedOut`]) when reading and planning pass this instant: an
    /// upload over HTTP is bounded in time, CPU work included.
    pub deadline: Option<std::time::Instant>,
}

/// How many records are read or planned between looks at the deadline.
const DEADLINE_EVERY: usize = 256;

/// What to import.
#[derive(Debug)]
pub enum Input<'a> {
    /// Directories, archives and URLs.
    Sources(&'a [Source]),
    /// Records already in memory (an upload): `(name, bytes)`.
    Documents(Vec<(String, Vec<u8>)>),
}

/// What an import did.
#[derive(Debug, Clone, Default)]
pub struct Outcome {
    /// `.json` files read.
    pub files: usize,
    /// Advisories skipped because their id is not `MAL-`.
    pub skipped_not_mal: usize,
    /// `MAL-` records whose bytes were unchanged since the last import.
    pub unchanged: usize,
    /// `MAL-` records parsed and compared.
    pub compared: usize,
    /// Of those, withdrawn ones.
    pub withdrawn: usize,
    /// Records that appeared more than once; the withdrawn copy, else the last, was used.
    pub duplicates: usize,
    /// Invalid records, skipped with their reasons (or refusing the import when strict).
    pub invalid: Vec<InvalidRecord>,
    /// Events planned, by type: `NEW_MALICIOUS`, `FP`, `NEW_THREAT_NAME` (the store leaves
    /// out those another record's announcement already covers: [`Appended::merged`]).
    pub events: [usize; 3],
    /// Indicators offered to the store (existing ones are kept once).
    pub indicators: usize,
    /// Ranges that cannot be matched to package versions, skipped, by reason.
    pub skipped_ranges: std::collections::BTreeMap<String, usize>,
    /// How events were dated.
    pub dating: Option<Dating>,
    /// What the store appended (`None` on a dry run).
    pub appended: Option<Appended>,
}

/// A record the import could not read, named by where it came from (a path in a tree, an
/// entry of a zip, a URL).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InvalidRecord {
    /// Where the record came from.
    pub origin: String,
    /// Why it was refused.
    pub message: String,
}

/// Why an import failed; nothing was stored.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// A source could not be read.
    #[error(transparent)]
    Source(#[from] SourceError),
    /// Some records are invalid.
    #[error("{} invalid record(s); nothing was imported", .0.len())]
    Invalid(Vec<InvalidRecord>),
    /// The store refused or failed.
    #[error(transparent)]
    Store(#[from] scioc_store::Error),
    /// Reading and planning took past [`Options::deadline`].
    #[error("the import took longer than allowed ({0} records read); nothing was imported")]
    TimedOut(usize),
}

fn check_deadline(options: &Options, done: usize) -> Result<(), ImportError> {
    match options.deadline {
        Some(deadline) if done.is_multiple_of(DEADLINE_EVERY) && std::time::Instant::now() > deadline => {
            Err(ImportError::TimedOut(done))
        }
        _ => Ok(()),
    }
}

/// A record read this time, waiting to be compared.
struct Pending {
    hash: String,
    /// The record as compact JSON.
    document: String,
    withdrawn: bool,
    mapped: Option<map::Mapped>,
}

/// Bumped whenever mapping a record changes, so the next import compares every record again
/// instead of skipping it as unchanged. 2: ranges kept as `scioc.affected`; 3: the record
/// itself kept in its state (for the OSV API); 4: threat names and levels from the behaviour
/// classification (the first import after an upgrade announces each record's new name once,
/// as `NEW_THREAT_NAME`).
/// 5: each record's claims kept in the store, so one package version reported by several
/// records or sources is announced once (the first import after an upgrade writes them).
const MAPPING_VERSION: &[u8] = b"scioc-osv-mapping/5\n";

fn content_hash(bytes: &[u8], withdrawn_dir: bool) -> String {
    let mut h = Sha256::new();
    h.update(MAPPING_VERSION);
    h.update(bytes);
    h.update([withdrawn_dir as u8]);
    hex::encode(h.finalize())
}

/// Imports `input` into `store` in one transaction. `progress` is called with the number of
/// files read so far.
pub async fn import(
    store: &dyn Store,
    input: Input<'_>,
    options: Options,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Outcome, ImportError> {
    import_into(store, &Kept { source: SOURCE, any_id: false, complete: None }, input, options, progress).await
}

/// Imports OSV-shaped `documents` that are the whole of another source's knowledge (a polled
/// manifest, say) under the source name `source`: ids need not be `MAL-`, and a record the
/// source held before but no longer lists is withdrawn (its announcements become `FP`). Each
/// document is named by its record's id.
pub async fn import_complete(
    store: &dyn Store,
    source: &str,
    documents: Vec<(String, Vec<u8>)>,
    options: Options,
) -> Result<Outcome, ImportError> {
    let listed = documents.iter().map(|(id, _)| id.clone()).collect();
    let kept = Kept { source, any_id: true, complete: Some(listed) };
    import_into(store, &kept, Input::Documents(documents), options, &|_| {}).await
}

/// Under which source records are kept, and how that source's records are read.
struct Kept<'a> {
    source: &'a str,
    /// Whether ids other than `MAL-` are records (else they are skipped as other advisories).
    any_id: bool,
    /// When the input is everything the source holds, the ids it lists: what it no longer lists
    /// is withdrawn.
    complete: Option<std::collections::HashSet<String>>,
}

async fn import_into(
    store: &dyn Store,
    kept: &Kept<'_>,
    input: Input<'_>,
    options: Options,
    progress: &(dyn Fn(usize) + Sync),
) -> Result<Outcome, ImportError> {
    let state = store.source_state(kept.source).await?;
    let empty_feed = store.head().await?.is_none();
    // Only a source's first import is history: later ones carry news, dated when it arrives.
    let unread = !empty_feed && state.records.is_empty() && store.unread().await?;
    let known: HashMap<&str, (&str, &str)> =
        state.records.iter().map(|r| (r.id.as_str(), (r.content_hash.as_str(), r.state.as_str()))).collect();

    let mut out = Outcome::default();
    let mut pending: HashMap<String, Pending> = HashMap::new();
    let mut downloads = Vec::new();
    let sources = match input {
        Input::Sources(sources) => sources,
        Input::Documents(docs) => {
            for (origin, bytes) in docs {
                out.files += 1;
                check_deadline(&options, out.files)?;
                read_one(
                    source::File { origin, withdrawn_dir: false, bytes },
                    kept.any_id,
                    &known,
                    &mut pending,
                    &mut out,
                );
            }
            &[]
        }
    };
    for source in sources {
        let local = match source {
            Source::Url(url) => {
                let path = source::fetch(url).await?;
                let local = Source::Zip(path.to_path_buf());
                downloads.push(path);
                local
            }
            other => other.clone(),
        };
        source::read::<ImportError>(&local, &mut |file| {
            out.files += 1;
            if out.files % 1000 == 0 {
                progress(out.files);
            }
            check_deadline(&options, out.files)?;
            read_one(file, kept.any_id, &known, &mut pending, &mut out);
            Ok(())
        })?;
    }
    progress(out.files);
    if !out.invalid.is_empty() && options.strict {
        return Err(ImportError::Invalid(std::mem::take(&mut out.invalid)));
    }
    if let Some(listed) = &kept.complete {
        // What the source no longer lists is withdrawn, once.
        for (id, (_, state)) in known.iter().filter(|(id, _)| !listed.contains(**id)) {
            if !pending.contains_key(*id) && !serde_json::from_str::<RecordState>(state).is_ok_and(|s| s.withdrawn) {
                let document = serde_json::json!({"id": id, "withdrawn": "removed from the source"}).to_string();
                let hash = content_hash(document.as_bytes(), true);
                pending.insert((*id).to_owned(), Pending { hash, document, withdrawn: true, mapped: None });
                out.withdrawn += 1;
                out.compared += 1;
            }
        }
    }

    // Plan every changed record, in id order so that a re-run plans identically.
    let mut pending: Vec<(String, Pending)> = pending.into_iter().collect();
    pending.sort_by(|a, b| a.0.cmp(&b.0));
    let now = FeedTime::now();
    let mut planned: Vec<(FeedTime, NewEvent)> = Vec::new();
    let mut records = Vec::new();
    let mut indicators = Vec::new();
    let mut retired = Vec::new();
    let mut claims = Vec::new();
    // Each record is dropped once planned, so the import never holds records and events at once.
    for (n, (id, p)) in pending.into_iter().enumerate() {
        check_deadline(&options, n + 1)?;
        let before: Option<RecordState> = known.get(id.as_str()).and_then(|(_, s)| serde_json::from_str(s).ok());
        let now_mapped = if p.withdrawn { None } else { p.mapped.as_ref() };
        let (events, mut state) = plan::plan(before.as_ref(), now_mapped);
        state.document = Some(p.document);
        // A changed record's indicators are replaced by what it says now (none if withdrawn).
        retired.push(id.clone());
        if let Some(m) = now_mapped {
            indicators.extend(m.indicators.iter().cloned());
        }
        let published = p.mapped.as_ref().and_then(|m| m.published).unwrap_or(now).clamp(FEED_EPOCH, now);
        // Named by the source it was kept under (`datadog:…` for a manifest's synthetic records).
        let provenance = p.mapped.map(|m| Provenance { source: kept.source.into(), ..m.provenance });
        for e in events {
            let slot = match e.entry.event_type {
                EventType::NewMalicious => 0,
                EventType::FalsePositive => 1,
                EventType::NewThreatName => 2,
            };
            out.events[slot] += 1;
            let provenance = provenance.clone().or_else(|| {
                Some(Provenance { source: kept.source.into(), id: Some(id.clone()), ..Provenance::default() })
            });
            let claim = Some(Claim { key: ClaimKey::new(&e.key, e.affected.as_ref()), record: id.clone() });
            planned.push((published, NewEvent { entry: e.entry, time: None, affected: e.affected, provenance, claim }));
        }
        claims.push((id.clone(), state.active.keys().map(|k| ClaimKey::new(k, state.ranges.get(k))).collect()));
        records.push(SourceRecord {
            id: id.clone(),
            content_hash: p.hash.clone(),
            state: serde_json::to_string(&state).expect("state serializes"),
        });
    }
    let dating = match (empty_feed, unread) {
        (true, _) => Dating::Published,
        (false, true) => Dating::History,
        (false, false) => Dating::ImportTime,
    };
    // An import that appends nothing dates nothing.
    out.dating = (!planned.is_empty()).then_some(dating);
    if dating != Dating::ImportTime {
        // A stable sort keeps id order within a second, so a re-run dates identically.
        planned.sort_by_key(|(t, _)| *t);
        for (t, e) in &mut planned {
            e.time = Some(*t);
        }
    }
    indicators.sort();
    indicators.dedup();
    out.indicators = indicators.len();
    if options.dry_run {
        return Ok(out);
    }
    let import = Import {
        source: kept.source.into(),
        expected_version: state.version,
        events: planned.into_iter().map(|(_, e)| e).collect(),
        records,
        indicators,
        retire_indicators_of: retired,
        remove_records: Vec::new(),
        claims,
    };
    // Dated by publication because the feed was empty, or unread, when the import began; if
    // another writer appended since (an empty feed) or a client read the feed since (an unread
    // one), those times would go back before what a reader holds: date now instead.
    let fallback = (dating != Dating::ImportTime).then(|| import.clone());
    let stored = match dating {
        Dating::History => store.commit_history(import).await,
        _ => store.commit_import(import).await,
    };
    let fall_back = match &stored {
        Err(scioc_store::Error::Rejected { .. }) if dating == Dating::Published => store.head().await?.is_some(),
        Err(scioc_store::Error::Conflict(_)) if dating == Dating::History => !store.unread().await?,
        _ => false,
    };
    out.appended = Some(match (stored, fallback) {
        (Err(_), Some(mut import)) if fall_back => {
            import.events.iter_mut().for_each(|e| e.time = None);
            out.dating = Some(Dating::ImportTime);
            store.commit_import(import).await?
        }
        (other, _) => other?,
    });
    drop(downloads);
    Ok(out)
}

/// Classifies one file: skipped, unchanged, invalid, or pending comparison.
fn read_one(
    file: source::File,
    any_id: bool,
    known: &HashMap<&str, (&str, &str)>,
    pending: &mut HashMap<String, Pending>,
    out: &mut Outcome,
) {
    let stem = file.origin.rsplit(['/', ':']).next().unwrap_or("").trim_end_matches(".json").to_owned();
    let hash = content_hash(&file.bytes, file.withdrawn_dir);
    if (any_id || stem.starts_with("MAL-")) && known.get(stem.as_str()).is_some_and(|(h, _)| *h == hash) {
        out.unchanged += 1;
        return;
    }
    let record: record::Record = match serde_json::from_slice(&file.bytes) {
        Ok(r) => r,
        Err(e) => {
            // A non-MAL advisory may use fields we do not read; only MAL- records must parse.
            let id = serde_json::from_slice::<serde_json::Value>(&file.bytes)
                .ok()
                .and_then(|v| v.get("id").and_then(|id| id.as_str()).map(str::to_owned));
            if !any_id && id.is_some_and(|id| !id.starts_with("MAL-")) {
                out.skipped_not_mal += 1;
                return;
            }
            out.invalid.push(InvalidRecord { origin: file.origin.clone(), message: format!("not an OSV record: {e}") });
            return;
        }
    };
    if !any_id && !record.id.starts_with("MAL-") {
        out.skipped_not_mal += 1;
        return;
    }
    if known.get(record.id.as_str()).is_some_and(|(h, _)| *h == hash) {
        out.unchanged += 1;
        return;
    }
    let withdrawn = file.withdrawn_dir || record.withdrawn.is_some();
    let mapped = match map::map(&record) {
        Ok(m) => Some(m),
        // A withdrawn record needs no mapping to retract what it announced.
        Err(_) if withdrawn => None,
        Err(e) => {
            out.invalid.push(InvalidRecord { origin: file.origin.clone(), message: e.to_string() });
            return;
        }
    };
    out.compared += 1;
    for (reason, n) in mapped.iter().flat_map(|m| &m.skipped) {
        *out.skipped_ranges.entry(reason.clone()).or_default() += n;
    }
    if withdrawn {
        out.withdrawn += 1;
    }
    // Kept compact: the offline databases are one record per line, and the store is smaller.
    let document = serde_json::from_slice::<serde_json::Value>(&file.bytes)
        .map(|v| v.to_string())
        .unwrap_or_else(|_| String::from_utf8_lossy(&file.bytes).into_owned());
    let new = Pending { hash, document, withdrawn, mapped };
    match pending.get(&record.id) {
        Some(old) => {
            out.duplicates += 1;
            if !old.withdrawn || new.withdrawn {
                pending.insert(record.id, new);
            }
        }
        None => {
            pending.insert(record.id, new);
        }
    }
}
