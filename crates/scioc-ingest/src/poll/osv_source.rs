//! Polling OSV records: a local tree or archive, a zip URL, or an OSV bucket directory.

use super::fetch::{self, Fetched, is_url};
use super::{Found, PollError};
use crate::osv::{self, Input, Options, Outcome, Source};
use scioc_store::{SourceDef, SourceStatus, Store};
use std::io::Write;

/// Above this many records modified since the last poll, the bucket's `all.zip` is read
/// instead of each record.
const MAX_SINGLE: usize = 500;

fn found(out: &Outcome, records: u64) -> Found {
    Found { changed: true, records, events: out.appended.as_ref().map_or(0, |a| a.count) }
}

fn unchanged(status: &SourceStatus) -> Found {
    Found { changed: false, records: status.records, events: 0 }
}

pub(super) async fn poll(
    store: &dyn Store,
    client: &reqwest::Client,
    def: &SourceDef,
    status: &mut SourceStatus,
) -> Result<Found, PollError> {
    let location = def.location.as_str();
    if !is_url(location) {
        // A local tree another job keeps current: read again, unchanged records skipped.
        let source =
            Source::parse(location).map_err(|e| PollError::Fetch { url: location.into(), message: e.to_string() })?;
        let out = osv::import(store, Input::Sources(&[source]), Options::default(), &|_| {}).await?;
        let records = (out.compared + out.unchanged) as u64;
        return Ok(Found { changed: out.compared > 0, ..found(&out, records) });
    }
    if location.ends_with(".zip") {
        return match fetch::get(client, location, Some(status)).await? {
            Fetched::NotModified => Ok(unchanged(status)),
            Fetched::Body { bytes, etag, last_modified } => {
                let out = import_zip(store, location, &bytes).await?;
                (status.etag, status.last_modified) = (etag, last_modified);
                Ok(found(&out, (out.compared + out.unchanged) as u64))
            }
        };
    }
    let base = location.trim_end_matches('/');
    let csv_url = format!("{base}/modified_id.csv");
    let (bytes, etag, last_modified) = match fetch::get(client, &csv_url, Some(status)).await? {
        Fetched::NotModified => return Ok(unchanged(status)),
        Fetched::Body { bytes, etag, last_modified } => (bytes, etag, last_modified),
    };
    let lines = parse_modified_ids(&csv_url, &bytes)?;
    let newest = lines.iter().map(|(m, _)| m.clone()).max();
    // Records modified in the cursor's own second are read again: one may have changed after
    // the last read within that second (unchanged ones are skipped by their hash).
    let due: Vec<&str> = match &status.cursor {
        Some(cursor) => lines.iter().filter(|(m, _)| m >= cursor).map(|(_, id)| id.as_str()).collect(),
        None => lines.iter().map(|(_, id)| id.as_str()).collect(),
    };
    let out = if status.cursor.is_none() || due.len() > MAX_SINGLE {
        let zip_url = format!("{base}/all.zip");
        let Fetched::Body { bytes, .. } = fetch::get(client, &zip_url, None).await? else {
            unreachable!("an unconditional request is never answered 304")
        };
        import_zip(store, &zip_url, &bytes).await?
    } else {
        let mut docs = Vec::with_capacity(due.len());
        for id in due {
            let url = format!("{base}/{id}.json");
            let Fetched::Body { bytes, .. } = fetch::get(client, &url, None).await? else {
                unreachable!("an unconditional request is never answered 304")
            };
            docs.push((url, bytes));
        }
        osv::import(store, Input::Documents(docs), Options::default(), &|_| {}).await?
    };
    (status.etag, status.last_modified, status.cursor) = (etag, last_modified, newest);
    Ok(found(&out, lines.len() as u64))
}

/// `modified,ID` lines of a bucket's `modified_id.csv`, refusing what is not.
fn parse_modified_ids(url: &str, bytes: &[u8]) -> Result<Vec<(String, String)>, PollError> {
    let text = std::str::from_utf8(bytes)
        .map_err(|_| PollError::Fetch { url: url.into(), message: "not UTF-8 text".into() })?;
    let mut out = Vec::new();
    for (n, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let bad = |why: &str| PollError::Fetch {
            url: url.into(),
            message: format!("line {}: {why}, expected `modified,ID` (an RFC 3339 time and a record id)", n + 1),
        };
        let (modified, id) = line.trim().split_once(',').ok_or_else(|| bad("no comma"))?;
        modified.parse::<scioc_model::Published>().map_err(|_| bad("not a time"))?;
        let id_ok =
            !id.is_empty() && id.len() <= 128 && id.chars().all(|c| c.is_ascii_alphanumeric() || "-_.".contains(c));
        if !id_ok {
            return Err(bad("not a record id"));
        }
        out.push((modified.to_owned(), id.to_owned()));
    }
    Ok(out)
}

async fn import_zip(store: &dyn Store, origin: &str, bytes: &[u8]) -> Result<Outcome, PollError> {
    let fail = |e: std::io::Error| PollError::Fetch { url: origin.into(), message: e.to_string() };
    let mut tmp = tempfile::Builder::new().prefix("scioc-poll-").suffix(".zip").tempfile().map_err(fail)?;
    tmp.write_all(bytes).map_err(fail)?;
    let path = tmp.into_temp_path();
    let source = Source::Zip(path.to_path_buf());
    Ok(osv::import(store, Input::Sources(&[source]), Options::default(), &|_| {}).await?)
}
