//! The feed event for an inspected archive.

use super::Inspected;
use crate::osv::map::{purl, split_name};
use scioc_model::{
    Entry, EventType, FieldError, Md5, Provenance, RawEntry, RawIdentity, RawSample, SampleStatus, Sha1, Sha256,
    StringOrNumber, ThreatLevel, clean_text,
};
use scioc_store::{Appended, NewEvent, SourceRecord, Store};

/// What the caller says of an archive, beyond what is inside it.
#[derive(Debug, Clone)]
pub struct Claims {
    /// The package URL, overriding the manifest's.
    pub purl: Option<String>,
    /// Threat name for every sample.
    pub threat_name: String,
    /// Threat level for every sample.
    pub threat_level: ThreatLevel,
    /// Where the archive was downloaded from.
    pub source_url: Option<String>,
    /// The files an analysis named malicious, each with its own threat name and level. When
    /// given, the entry's `sample_list` holds the archive and these files only; when `None`,
    /// every file, under `threat_name`.
    pub named: Option<Vec<NamedSample>>,
}

/// A file inside the archive named malicious, by its SHA-256.
#[derive(Debug, Clone)]
pub struct NamedSample {
    /// The file's SHA-256, as the archive reader computes it.
    pub sha256: String,
    /// Its threat name.
    pub threat_name: String,
    /// Its threat level.
    pub threat_level: ThreatLevel,
}

/// Longest file path an entry's provenance shows; a longer one is cut with `…`.
const MAX_LISTED_PATH: usize = 256;

/// A `NEW_MALICIOUS` entry for the archive: its hashes, its identity (from `claims.purl`, else
/// its manifest) and one sample for the archive followed by one for each file inside (or, when
/// `claims.named` is given, for each file named there), with the paths in the provenance. An entry holds at most [`scioc_model::MAX_SAMPLES`] samples, so an
/// archive of more files lists its first ones and counts the rest in
/// `provenance.omitted_files`; [`record`] keeps the whole list.
pub fn entry(inspected: &Inspected, claims: &Claims) -> Result<(Entry, Provenance), FieldError> {
    let mut identity = RawIdentity::default();
    if let Some(m) = &inspected.manifest {
        identity.purl =
            Some(purl(m.purl_type, &m.name, Some(&m.version)).map_err(|e| FieldError::new("identity.purl", e))?);
        identity.community = Some(m.purl_type.to_owned());
        identity.namespace = split_name(m.purl_type, &m.name).0.map(str::to_owned);
        identity.package = Some(m.name.clone());
        identity.version = Some(m.version.clone());
        identity.homepage = m.homepage.clone();
        identity.repository = m.repository.clone();
    }
    if let Some(p) = &claims.purl {
        let parsed: packageurl::PackageUrl<'_> =
            p.parse().map_err(|e| FieldError::new("purl", format!("expected a package URL, got {p:?} ({e})")))?;
        identity.purl = Some(parsed.to_string());
        identity.community = Some(parsed.ty().to_owned());
        identity.namespace = parsed.namespace().map(str::to_owned);
        identity.package = Some(match parsed.namespace() {
            Some(ns) if parsed.ty() == "npm" => format!("{ns}/{}", parsed.name()),
            _ => parsed.name().to_owned(),
        });
        identity.version = parsed.version().map(str::to_owned);
    }
    if identity.purl.is_none() {
        return Err(FieldError::new(
            "identity",
            "no manifest (package.json, METADATA/PKG-INFO, gem metadata, Cargo.toml) names the package; pass --purl",
        ));
    }
    let sample = |md5: &Md5, sha1: &Sha1, sha256: &Sha256, name: &str, level: ThreatLevel| RawSample {
        status: Some(SampleStatus::Malicious.as_str().to_owned()),
        threat_name: Some(name.to_owned()),
        threat_level: Some(StringOrNumber::String(level.get().to_string())),
        md5: Some(md5.to_string()),
        sha1: Some(sha1.to_string()),
        sha256: Some(sha256.to_string()),
    };
    let mut samples =
        vec![sample(&inspected.md5, &inspected.sha1, &inspected.sha256, &claims.threat_name, claims.threat_level)];
    let mut files = vec![inspected.filename.clone()];
    // Each file once, in archive order, under its own name or the claims' one.
    let chosen: Vec<(&super::FileHash, &str, ThreatLevel)> = match &claims.named {
        None => inspected.files.iter().map(|f| (f, claims.threat_name.as_str(), claims.threat_level)).collect(),
        Some(named) => {
            let mut seen = std::collections::HashSet::new();
            inspected
                .files
                .iter()
                .filter_map(|f| {
                    let n = named.iter().find(|n| n.sha256.eq_ignore_ascii_case(f.sha256.as_str()))?;
                    seen.insert(f.sha256.as_str()).then_some((f, n.threat_name.as_str(), n.threat_level))
                })
                .collect()
        }
    };
    let listed = chosen.len().min(scioc_model::MAX_SAMPLES - 1);
    for (f, name, level) in &chosen[..listed] {
        samples.push(sample(&f.md5, &f.sha1, &f.sha256, name, *level));
        files.push(clean_text(&f.path, MAX_LISTED_PATH));
    }
    let entry = RawEntry {
        event_type: Some(EventType::NewMalicious.as_str().to_owned()),
        md5: Some(inspected.md5.to_string()),
        sha1: Some(inspected.sha1.to_string()),
        sha256: Some(inspected.sha256.to_string()),
        sha512: Some(inspected.sha512.to_string()),
        filename: Some(inspected.filename.clone()),
        sample_size: Some(StringOrNumber::String(inspected.size.to_string())),
        source_url: claims.source_url.clone(),
        identity: Some(identity),
        sample_list: Some(samples),
        ..RawEntry::default()
    };
    let provenance = Provenance {
        source: SOURCE.into(),
        files,
        omitted_files: (inspected.files.len() - listed) as u64,
        ..Provenance::default()
    };
    Ok((Entry::try_from(entry)?, provenance))
}

/// The source name under which the store keeps archives' whole file lists.
pub const SOURCE: &str = "archive";

/// The store's record of an archive: every file inside, with its size and hashes, under the
/// archive's SHA-256. An entry lists at most [`scioc_model::MAX_SAMPLES`] of them; this keeps
/// them all.
pub fn record(inspected: &Inspected) -> SourceRecord {
    let files: Vec<_> = inspected
        .files
        .iter()
        .map(|f| {
            serde_json::json!({"path": f.path, "size": f.size, "md5": f.md5.as_str(), "sha1": f.sha1.as_str(),
                               "sha256": f.sha256.as_str()})
        })
        .collect();
    let state = serde_json::json!({"filename": inspected.filename, "size": inspected.size, "files": files});
    SourceRecord {
        id: inspected.sha256.as_str().to_owned(),
        content_hash: inspected.sha256.as_str().to_owned(),
        state: state.to_string(),
    }
}

/// Stores archives' events and their whole file lists ([`record`]) in one import, trying again
/// when another import of archives committed first.
pub async fn commit(
    store: &dyn Store,
    events: Vec<NewEvent>,
    records: Vec<SourceRecord>,
) -> Result<Appended, scioc_store::Error> {
    scioc_store::append_records(store, SOURCE, events, records).await
}
