//! Polling a DataDog-style manifest: `{"name": null | ["1.0.0", …]}` for one ecosystem, where
//! `null` means every version. Each entry becomes an OSV-shaped record of the source (named
//! `datadog:<source name>`), imported as the source's whole knowledge: an entry that gains
//! versions announces them, and one that disappears is withdrawn.

use super::fetch::{self, Fetched};
use super::{Found, PollError};
use crate::osv::{self, Options};
use scioc_store::{SourceDef, SourceStatus, Store};
use serde_json::{Value, json};

/// Most entries a manifest may hold (the real ones hold a few thousand).
const MAX_ENTRIES: usize = 200_000;

pub(super) async fn poll(
    store: &dyn Store,
    client: &reqwest::Client,
    def: &SourceDef,
    status: &mut SourceStatus,
) -> Result<Found, PollError> {
    let (bytes, etag, last_modified) = match fetch::read(client, &def.location, status).await? {
        Fetched::NotModified => return Ok(Found { changed: false, records: status.records, events: 0 }),
        Fetched::Body { bytes, etag, last_modified } => (bytes, etag, last_modified),
    };
    let ecosystem = def.ecosystem.as_deref().unwrap_or_default();
    let documents = records(&def.location, ecosystem, &bytes)?;
    let records = documents.len() as u64;
    let out = osv::import_complete(store, &format!("datadog:{}", def.name), documents, Options::default()).await?;
    (status.etag, status.last_modified) = (etag, last_modified);
    Ok(Found { changed: true, records, events: out.appended.as_ref().map_or(0, |a| a.count) })
}

/// The manifest's entries as OSV-shaped records `(id, JSON)`, refusing a manifest that is not one.
fn records(location: &str, ecosystem: &str, bytes: &[u8]) -> Result<Vec<(String, Vec<u8>)>, PollError> {
    let bad = |message: String| PollError::Fetch { url: location.into(), message };
    let manifest: serde_json::Map<String, Value> = serde_json::from_slice(bytes)
        .map_err(|e| bad(format!("not a manifest: {e}; expected {{\"package\": null | [\"version\", …]}}")))?;
    if manifest.len() > MAX_ENTRIES {
        return Err(bad(format!("{} entries; at most {MAX_ENTRIES} are read", manifest.len())));
    }
    let mut out = Vec::with_capacity(manifest.len());
    for (name, versions) in &manifest {
        let affected = match versions {
            Value::Null => json!({"package": {"ecosystem": ecosystem, "name": name},
                                   "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}),
            Value::Array(list) if list.iter().all(Value::is_string) => {
                json!({"package": {"ecosystem": ecosystem, "name": name}, "versions": list})
            }
            other => return Err(bad(format!("{name:?}: expected null or a list of version strings, got {other}"))),
        };
        let id = format!("DATADOG-{ecosystem}-{name}");
        let record = json!({
            "id": id,
            "summary": format!("Malicious package {name} ({ecosystem}) listed in a DataDog malicious-packages manifest"),
            "affected": [affected],
        });
        out.push((id, record.to_string().into_bytes()));
    }
    Ok(out)
}
