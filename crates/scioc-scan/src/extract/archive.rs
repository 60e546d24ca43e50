//! Package archives given directly (`.tgz`, `.whl`, `.tar.gz`, `.zip`, `.gem`, `.crate`): matched
//! by their hashes, whatever they claim to be, and by the name and version their manifest
//! states. The archive is read within [`scioc_ingest::archive::Limits`], never unpacked to
//! disk and never run.

use super::ExtractError;
use crate::Package;
use std::path::{Path, PathBuf};

/// A file inside an archive, named as `ARCHIVE!/PATH` (as Java's jar URLs do).
fn inside(archive: &Path, member: &str) -> PathBuf {
    let mut s = archive.as_os_str().to_owned();
    s.push("!/");
    s.push(member);
    PathBuf::from(s)
}

/// Whether `path` names an archive format scioc reads.
pub fn is_archive(path: &Path) -> bool {
    path.file_name().and_then(|f| f.to_str()).and_then(scioc_ingest::archive::ArchiveKind::from_name).is_some()
}

/// The package an archive holds, with the archive's four hashes and the lifecycle scripts its
/// manifest declares (the ones an install runs). It is located at its manifest inside the
/// archive (`evil-1.0.0.tgz!/package/package.json`, at the line of its name); an archive
/// without a manifest, at the archive's first line.
pub fn package(path: &Path) -> Result<Package, ExtractError> {
    let inspected = scioc_ingest::archive::inspect(path, scioc_ingest::archive::Limits::default())
        .map_err(|e| ExtractError::at(1, e.message))?;
    let (ecosystem, name, version) = match &inspected.manifest {
        Some(m) => (scioc_model::ecosystem_of(m.purl_type).unwrap_or("npm"), m.name.clone(), Some(m.version.clone())),
        None => ("", inspected.filename.clone(), None),
    };
    let (file, line) = match &inspected.manifest {
        Some(m) if !m.path.is_empty() => (inside(path, &m.path), m.line.max(1)),
        _ => (path.to_path_buf(), 1),
    };
    let mut p = Package::new(ecosystem, &name, version.as_deref(), &file, line);
    if let Some(m) = &inspected.manifest {
        p.scripts =
            m.scripts.iter().filter(|(hook, _)| crate::LIFECYCLE_SCRIPTS.contains(&hook.as_str())).cloned().collect();
    }
    p.hashes = vec![
        ("md5", inspected.md5.as_str().to_owned()),
        ("sha1", inspected.sha1.as_str().to_owned()),
        ("sha256", inspected.sha256.as_str().to_owned()),
        ("sha512", inspected.sha512.as_str().to_owned()),
    ];
    Ok(p)
}
