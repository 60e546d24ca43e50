//! Polling a directory of ToolTrust data files (another team's curation, say): every
//! `blacklist.json` entry becomes an OSV-shaped record of the source `tooltrust:<name>`, imported
//! as the source's whole knowledge, so an entry removed from the file is withdrawn. Concrete
//! versions are announced one by one and `*` (or no version) as every version; other version
//! ranges are left to the scanner, which reads the files themselves. The directory's
//! `npm_iocs.json` indicators are kept under the source `tooltrust:<name>:iocs`, replaced whole
//! when the file changes and retired when it goes.

use super::{Found, PollError};
use crate::osv::{self, Options};
use scioc_store::{SourceDef, SourceStatus, Store};
use serde_json::json;
use sha2::{Digest, Sha256};

/// The record under which the indicators file's hash is kept.
const IOCS_FILE: &str = "npm_iocs.json";

pub(super) async fn poll(store: &dyn Store, def: &SourceDef, _status: &mut SourceStatus) -> Result<Found, PollError> {
    let dir = std::path::Path::new(&def.location);
    let files = scioc_curation::files::DataFiles::load(dir)
        .map_err(|e| PollError::Fetch { url: def.location.clone(), message: e.to_string() })?;
    let mut documents = Vec::with_capacity(files.blacklist.len());
    for e in &files.blacklist {
        let Some(ecosystem) = osv_ecosystem(&e.ecosystem) else {
            return Err(PollError::Fetch {
                url: dir.join("blacklist.json").display().to_string(),
                message: format!("{}: ecosystem {:?} has no OSV name scioc knows", e.id, e.ecosystem),
            });
        };
        let every = e.affected_versions.is_empty() || e.affected_versions.iter().any(|v| v.trim() == "*");
        let versions: Vec<&str> = e
            .affected_versions
            .iter()
            .map(|v| v.trim())
            .filter(|v| scioc_versions::Spec::parse(ecosystem, v).is_ok_and(|s| s.is_concrete()))
            .collect();
        let mut affected = json!({"package": {"ecosystem": ecosystem, "name": e.component}, "versions": versions});
        if every {
            affected["ranges"] = json!([{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]);
        }
        let id = format!("TOOLTRUST-{}", e.id);
        let reason =
            if e.reason.is_empty() { format!("{} in a ToolTrust blacklist", e.component) } else { e.reason.clone() };
        let mut record = json!({"id": id, "summary": reason, "affected": [affected]});
        if !e.link.is_empty() {
            record["references"] = json!([{"type": "ADVISORY", "url": e.link}]);
        }
        documents.push((id, record.to_string().into_bytes()));
    }
    let records = documents.len() as u64;
    let out = osv::import_complete(store, &format!("tooltrust:{}", def.name), documents, Options::default()).await?;
    let iocs = import_iocs(store, def, dir).await?;
    Ok(Found {
        changed: out.compared > 0 || iocs.is_some(),
        records: records + iocs.unwrap_or(0),
        events: out.appended.as_ref().map_or(0, |a| a.count),
    })
}

/// Replaces the source's indicators with the directory's `npm_iocs.json` (none when the file
/// is gone) when its bytes changed; returns how many it holds now, or `None` when unchanged.
async fn import_iocs(store: &dyn Store, def: &SourceDef, dir: &std::path::Path) -> Result<Option<u64>, PollError> {
    let source = format!("tooltrust:{}:iocs", def.name);
    let path = dir.join(IOCS_FILE);
    let fetch = |message: String| PollError::Fetch { url: path.display().to_string(), message };
    let bytes = match std::fs::read(&path) {
        Ok(b) => Some(b),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
        Err(e) => return Err(fetch(e.to_string())),
    };
    let hash = bytes.as_ref().map(|b| hex::encode(Sha256::digest(b)));
    let state = store.source_state(&source).await?;
    let stored = state.records.iter().find(|r| r.id == IOCS_FILE).map(|r| r.content_hash.clone());
    if stored == hash {
        return Ok(None);
    }
    let mut indicators = match &bytes {
        Some(_) => scioc_verdict::tooltrust(None, Some(&path)).map_err(|e| fetch(e.to_string()))?.indicators,
        None => Vec::new(),
    };
    // Kept under the source, so the next change retires exactly these.
    for i in &mut indicators {
        i.source = source.clone();
    }
    let mut retire: Vec<String> =
        store.indicators().await?.into_iter().filter(|i| i.source == source).map(|i| i.source_id).collect();
    retire.sort();
    retire.dedup();
    let count = indicators.len() as u64;
    let import = scioc_store::Import {
        source: source.clone(),
        expected_version: state.version,
        records: hash
            .map(|h| scioc_store::SourceRecord { id: IOCS_FILE.into(), content_hash: h, state: "{}".into() })
            .into_iter()
            .collect(),
        remove_records: if bytes.is_none() { vec![IOCS_FILE.into()] } else { Vec::new() },
        indicators,
        retire_indicators_of: retire,
        ..scioc_store::Import::default()
    };
    store.commit_import(import).await?;
    Ok(Some(count))
}

/// The OSV name of a ToolTrust ecosystem (`npm`, `pypi`/`PyPI`, …).
fn osv_ecosystem(name: &str) -> Option<&'static str> {
    let ptype = scioc_model::purl_type_of(name)
        .or_else(|| scioc_model::ecosystem_of(&name.to_lowercase()).and_then(scioc_model::purl_type_of))?;
    scioc_model::ecosystem_of(ptype)
}
