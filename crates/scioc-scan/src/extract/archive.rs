//! Package archives given directly (`.tgz`, `.whl`, `.tar.gz`, `.zip`, `.gem`, `.crate`): matched
//! by their hashes, whatever they claim to be, and by the name and version their manifest
//! states. The archive is read within [`scioc_ingest::archive::Limits`], never unpacked to
//! disk and never run.

use super::ExtractError;
use crate::Package;
use std::path::Path;

/// Whether `path` names an archive format scioc reads.
pub fn is_archive(path: &Path) -> bool {
    path.file_name().and_then(|f| f.to_str()).and_then(scioc_ingest::archive::ArchiveKind::from_name).is_some()
}

/// The package an archive holds, with the archive's four hashes.
pub fn package(path: &Path) -> Result<Package, ExtractError> {
    let inspected = scioc_ingest::archive::inspect(path, scioc_ingest::archive::Limits::default())
        .map_err(|e| ExtractError::at(0, e.message))?;
    let (ecosystem, name, version) = match &inspected.manifest {
        Some(m) => (scioc_model::ecosystem_of(m.purl_type).unwrap_or("npm"), m.name.clone(), Some(m.version.clone())),
        None => ("", inspected.filename.clone(), None),
    };
    let mut p = Package::new(ecosystem, &name, version.as_deref(), path, 0);
    p.hashes = vec![
        ("md5", inspected.md5.as_str().to_owned()),
        ("sha1", inspected.sha1.as_str().to_owned()),
        ("sha256", inspected.sha256.as_str().to_owned()),
        ("sha512", inspected.sha512.as_str().to_owned()),
    ];
    Ok(p)
}
