//! Appending to a source whose other writers may commit at the same moment.

use crate::{Appended, Error, Import, NewEvent, Result, SourceRecord, Store};

/// Times [`append_records`] reads the source's version and tries again after another writer of
/// the same source committed first.
pub const APPEND_ATTEMPTS: u32 = 8;

/// Stores events and records of `source` in one import, reading the source's version afresh
/// and trying again (at most [`APPEND_ATTEMPTS`] times) when another import of the same source
/// committed between the read and the write. For sources whose records are only ever added or
/// replaced whole (archives, analyses), where a retry cannot lose another writer's work.
pub async fn append_records(
    store: &dyn Store,
    source: &str,
    events: Vec<NewEvent>,
    records: Vec<SourceRecord>,
) -> Result<Appended> {
    let mut attempt = 1;
    loop {
        let version = store.source_versions().await?.into_iter().find(|(s, _)| s == source).map_or(0, |(_, v)| v);
        let import = Import {
            source: source.into(),
            expected_version: version,
            events: events.clone(),
            records: records.clone(),
            ..Import::default()
        };
        match store.commit_import(import).await {
            Err(Error::Conflict(_)) if attempt < APPEND_ATTEMPTS => attempt += 1,
            other => return other,
        }
    }
}
