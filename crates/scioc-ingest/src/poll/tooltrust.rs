//! Polling a directory of ToolTrust data files (another team's curation, say): every
//! `blacklist.json` entry becomes an OSV-shaped record of the source `tooltrust:<name>`, imported
//! as the source's whole knowledge, so an entry removed from the file is withdrawn. Concrete
//! versions are announced one by one and `*` (or no version) as every version; other version
//! ranges are left to the scanner, which reads the files themselves.

use super::{Found, PollError};
use crate::osv::{self, Options};
use scioc_store::{SourceDef, SourceStatus, Store};
use serde_json::json;

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
    Ok(Found { changed: out.compared > 0, records, events: out.appended.as_ref().map_or(0, |a| a.count) })
}

/// The OSV name of a ToolTrust ecosystem (`npm`, `pypi`/`PyPI`, …).
fn osv_ecosystem(name: &str) -> Option<&'static str> {
    let ptype = scioc_model::purl_type_of(name)
        .or_else(|| scioc_model::ecosystem_of(&name.to_lowercase()).and_then(scioc_model::purl_type_of))?;
    scioc_model::ecosystem_of(ptype)
}
