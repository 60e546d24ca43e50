//! The feed event for an inspected archive.

use super::Inspected;
use crate::osv::map::{purl, revalidate, split_name};
use scioc_model::{Entry, EventType, FieldError, Identity, Provenance, Sample, SampleStatus, ThreatLevel};

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
}

/// A `NEW_MALICIOUS` entry for the archive: its hashes, its identity (from `claims.purl`, else
/// its manifest) and one sample for the archive followed by one for every file inside, with
/// the paths in the provenance.
pub fn entry(inspected: &Inspected, claims: &Claims) -> Result<(Entry, Provenance), FieldError> {
    let mut identity = Identity::default();
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
    let sample = |md5, sha1, sha256| Sample {
        status: SampleStatus::Malicious,
        threat_name: Some(claims.threat_name.clone()),
        threat_level: Some(claims.threat_level),
        md5: Some(md5),
        sha1: Some(sha1),
        sha256: Some(sha256),
    };
    let mut samples = vec![sample(inspected.md5.clone(), inspected.sha1.clone(), inspected.sha256.clone())];
    let mut files = vec![inspected.filename.clone()];
    for f in &inspected.files {
        samples.push(sample(f.md5.clone(), f.sha1.clone(), f.sha256.clone()));
        files.push(f.path.clone());
    }
    let entry = Entry {
        event_type: EventType::NewMalicious,
        md5: Some(inspected.md5.clone()),
        sha1: Some(inspected.sha1.clone()),
        sha256: Some(inspected.sha256.clone()),
        sha512: Some(inspected.sha512.clone()),
        filename: Some(inspected.filename.clone()),
        sample_size: Some(inspected.size),
        source_url: claims.source_url.clone(),
        identity: Some(identity),
        sample_list: samples,
    };
    let provenance = Provenance { source: "archive".into(), files, ..Provenance::default() };
    Ok((revalidate(entry)?, provenance))
}
