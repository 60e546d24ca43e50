//! Reading OSV JSON files from a directory tree, a `.zip`, a `.tar.gz` or an `http(s)` URL.
//!
//! Trees are walked, never globbed: real trees hold directories whose names end in `.json`
//! (a package called `pattern.json`) and names in any script. Nothing is extracted to disk.

use std::{
    fs::File as FsFile,
    io::Read,
    path::{Component, Path, PathBuf},
};

/// Largest OSV file accepted.
pub const MAX_FILE: u64 = 16 * 1024 * 1024;
/// Most bytes read out of one archive, against decompression bombs.
pub const MAX_TOTAL: u64 = 4 * 1024 * 1024 * 1024;
/// Largest download accepted.
pub const MAX_DOWNLOAD: u64 = 2 * 1024 * 1024 * 1024;

/// Where OSV records come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A directory tree, OpenSSF-shaped (`osv/malicious/**`, `osv/withdrawn/**`) or flat.
    Dir(PathBuf),
    /// A `.zip` such as OSV.dev's per-ecosystem `all.zip`.
    Zip(PathBuf),
    /// A `.tar.gz` (or `.tgz`) of a tree.
    TarGz(PathBuf),
    /// An `http(s)://` URL of a zip.
    Url(String),
    /// One record, a `.json` file.
    File(PathBuf),
}

/// Why a source could not be read.
#[derive(Debug, thiserror::Error)]
#[error("{origin}: {message}")]
pub struct SourceError {
    /// The source, or the file within it.
    pub origin: String,
    /// What went wrong.
    pub message: String,
}

fn err(origin: impl Into<String>, message: impl std::fmt::Display) -> SourceError {
    SourceError { origin: origin.into(), message: message.to_string() }
}

impl Source {
    /// Classifies a command-line argument: a URL, a directory, a `.zip` or a `.tar.gz`.
    pub fn parse(arg: &str) -> Result<Source, SourceError> {
        if arg.starts_with("https://") || arg.starts_with("http://") {
            return Ok(Source::Url(arg.to_owned()));
        }
        let path = PathBuf::from(arg);
        let meta = std::fs::metadata(&path).map_err(|e| err(arg, e))?;
        if meta.is_dir() {
            Ok(Source::Dir(path))
        } else if arg.ends_with(".zip") {
            Ok(Source::Zip(path))
        } else if arg.ends_with(".tar.gz") || arg.ends_with(".tgz") {
            Ok(Source::TarGz(path))
        } else if arg.ends_with(".json") {
            Ok(Source::File(path))
        } else {
            Err(err(arg, "expected a directory, a .json record, a .zip, a .tar.gz or an http(s):// URL"))
        }
    }
}

/// One OSV file read from a source.
#[derive(Debug, Clone)]
pub struct File {
    /// Where it was read: `SOURCE/path/inside`.
    pub origin: String,
    /// Whether it sits under an `osv/withdrawn/` directory.
    pub withdrawn_dir: bool,
    /// Its bytes.
    pub bytes: Vec<u8>,
}

/// Whether a path inside a source lies in the `withdrawn/` half of an OpenSSF tree.
fn in_withdrawn_dir(path: &Path) -> bool {
    let parts: Vec<_> = path
        .components()
        .filter_map(|c| match c {
            Component::Normal(s) => s.to_str(),
            _ => None,
        })
        .collect();
    parts.first() == Some(&"withdrawn") || parts.windows(2).any(|w| w == ["osv", "withdrawn"])
}

fn wanted(name: &str) -> bool {
    name.ends_with(".json")
}

/// Reads every `.json` file of a local source, in a stable order, handing each to `each`.
pub fn read<E: From<SourceError>>(source: &Source, each: &mut dyn FnMut(File) -> Result<(), E>) -> Result<(), E> {
    match source {
        Source::Dir(root) => read_dir(root, each),
        Source::Zip(path) => read_zip(path, each),
        Source::TarGz(path) => read_tar_gz(path, each),
        Source::File(path) => {
            let origin = path.display().to_string();
            let f = FsFile::open(path).map_err(|e| err(origin.as_str(), e))?;
            let len = f.metadata().map(|m| m.len()).unwrap_or(0);
            let bytes = read_limited(f, &origin, len)?;
            each(File { withdrawn_dir: false, origin, bytes })
        }
        Source::Url(url) => Err(err(url.as_str(), "download it first (see fetch)").into()),
    }
}

fn read_limited(mut r: impl Read, origin: &str, size_hint: u64) -> Result<Vec<u8>, SourceError> {
    if size_hint > MAX_FILE {
        return Err(err(origin, format!("{size_hint} bytes is over the limit of {MAX_FILE} for one OSV file")));
    }
    let mut bytes = Vec::with_capacity(size_hint as usize);
    (&mut r).take(MAX_FILE + 1).read_to_end(&mut bytes).map_err(|e| err(origin, e))?;
    if bytes.len() as u64 > MAX_FILE {
        return Err(err(origin, format!("over the limit of {MAX_FILE} bytes for one OSV file")));
    }
    Ok(bytes)
}

fn read_dir<E: From<SourceError>>(root: &Path, each: &mut dyn FnMut(File) -> Result<(), E>) -> Result<(), E> {
    let walker = walkdir::WalkDir::new(root).follow_links(false).sort_by_file_name();
    for entry in walker {
        let entry = entry.map_err(|e| err(root.display().to_string(), e))?;
        if !entry.file_type().is_file() || !wanted(&entry.file_name().to_string_lossy()) {
            continue;
        }
        let origin = entry.path().display().to_string();
        let f = FsFile::open(entry.path()).map_err(|e| err(origin.as_str(), e))?;
        let len = f.metadata().map(|m| m.len()).unwrap_or(0);
        let bytes = read_limited(f, &origin, len)?;
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        each(File { withdrawn_dir: in_withdrawn_dir(rel), origin, bytes })?;
    }
    Ok(())
}

fn read_zip<E: From<SourceError>>(path: &Path, each: &mut dyn FnMut(File) -> Result<(), E>) -> Result<(), E> {
    let name = path.display().to_string();
    let f = FsFile::open(path).map_err(|e| err(name.as_str(), e))?;
    let mut zip = zip::ZipArchive::new(f).map_err(|e| err(name.as_str(), format!("not a readable zip: {e}")))?;
    let mut total = 0u64;
    for i in 0..zip.len() {
        let entry = zip.by_index(i).map_err(|e| err(name.as_str(), e))?;
        let inner = entry.name().map_err(|e| err(name.as_str(), e))?.into_owned();
        if !entry.is_file() || !wanted(&inner) {
            continue;
        }
        let origin = format!("{name}:{inner}");
        total += entry.size();
        if total > MAX_TOTAL {
            return Err(err(origin, format!("the archive expands past {MAX_TOTAL} bytes")).into());
        }
        let withdrawn_dir = in_withdrawn_dir(Path::new(&inner));
        let size = entry.size();
        let bytes = read_limited(entry, &origin, size)?;
        each(File { origin, withdrawn_dir, bytes })?;
    }
    Ok(())
}

fn read_tar_gz<E: From<SourceError>>(path: &Path, each: &mut dyn FnMut(File) -> Result<(), E>) -> Result<(), E> {
    let name = path.display().to_string();
    let f = FsFile::open(path).map_err(|e| err(name.as_str(), e))?;
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::io::BufReader::new(f)));
    let mut total = 0u64;
    for entry in archive.entries().map_err(|e| err(name.as_str(), format!("not a readable .tar.gz: {e}")))? {
        let entry = entry.map_err(|e| err(name.as_str(), format!("not a readable .tar.gz: {e}")))?;
        if !entry.header().entry_type().is_file() {
            continue;
        }
        let inner = entry.path().map_err(|e| err(name.as_str(), e))?.into_owned();
        if !wanted(&inner.to_string_lossy()) {
            continue;
        }
        let origin = format!("{name}:{}", inner.display());
        total += entry.size();
        if total > MAX_TOTAL {
            return Err(err(origin, format!("the archive expands past {MAX_TOTAL} bytes")).into());
        }
        let size = entry.size();
        let bytes = read_limited(entry, &origin, size)?;
        each(File { origin, withdrawn_dir: in_withdrawn_dir(&inner), bytes })?;
    }
    Ok(())
}

/// Downloads a zip from `url` into a temporary file (removed when the returned path is
/// dropped), refusing more than [`MAX_DOWNLOAD`] bytes.
pub async fn fetch(url: &str) -> Result<tempfile::TempPath, SourceError> {
    use tokio::io::AsyncWriteExt;
    let client =
        reqwest::Client::builder().timeout(std::time::Duration::from_secs(600)).build().map_err(|e| err(url, e))?;
    let mut response = client.get(url).send().await.map_err(|e| err(url, e))?;
    if !response.status().is_success() {
        return Err(err(url, format!("the server answered {}", response.status())));
    }
    let tmp = tempfile::Builder::new().prefix("scioc-osv-").suffix(".zip").tempfile().map_err(|e| err(url, e))?;
    let path = tmp.into_temp_path();
    let mut out = tokio::fs::File::create(&path).await.map_err(|e| err(url, e))?;
    let mut total = 0u64;
    while let Some(chunk) = response.chunk().await.map_err(|e| err(url, e))? {
        total += chunk.len() as u64;
        if total > MAX_DOWNLOAD {
            return Err(err(url, format!("the download exceeds {MAX_DOWNLOAD} bytes")));
        }
        out.write_all(&chunk).await.map_err(|e| err(url, e))?;
    }
    out.flush().await.map_err(|e| err(url, e))?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn withdrawn_dirs_are_recognised_only_where_they_are() {
        assert!(in_withdrawn_dir(Path::new("osv/withdrawn/npm/x/MAL-1.json")));
        assert!(in_withdrawn_dir(Path::new("./osv/withdrawn/npm/x/MAL-1.json")));
        assert!(in_withdrawn_dir(Path::new("withdrawn/npm/x/MAL-1.json")));
        assert!(!in_withdrawn_dir(Path::new("osv/malicious/npm/withdrawn/MAL-1.json")), "a package named withdrawn");
    }
}
