//! Package archives, read as hostile input: npm `.tgz`, PyPI `.whl`, `.tar.gz` and `.zip`
//! sdists, RubyGems `.gem` and crates.io `.crate`.
//!
//! The archive is hashed whole (MD5, SHA-1, SHA-256, SHA-512) and every file inside is hashed
//! as it streams past; nothing is written to disk and nothing is executed. An entry whose path
//! is absolute or climbs out with `..`, or a link pointing outside the archive, refuses the
//! archive; [`Limits`] bound entries, expansion and compression ratio against bombs.

mod digest;
mod event;
mod limits;
pub mod manifest;

pub use event::{Claims, NamedSample, SOURCE, commit, entry, record};
pub use limits::Limits;
pub use manifest::Manifest;

use digest::{Digests, Tee};
use limits::Budget;
use scioc_model::{Md5, Sha1, Sha256, Sha512};
use std::{
    fs::File,
    io::{BufReader, Read, Seek, SeekFrom},
    path::Path,
};

/// Largest manifest read, in bytes.
const MAX_MANIFEST: usize = 4 * 1024 * 1024;

/// Why an archive was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{}{message}", if archive.is_empty() { String::new() } else { format!("{archive}: ") })]
pub struct ArchiveError {
    /// The archive (empty until the reader that met the problem names it).
    pub archive: String,
    /// What kind of refusal.
    pub kind: ArchiveErrorKind,
    /// What was wrong.
    pub message: String,
}

impl ArchiveError {
    /// A refusal of `kind`, before the archive is named.
    pub fn new(kind: ArchiveErrorKind, message: impl Into<String>) -> Self {
        ArchiveError { archive: String::new(), kind, message: message.into() }
    }

    /// The same refusal, naming its archive.
    fn of(self, archive: &str) -> Self {
        ArchiveError { archive: archive.to_owned(), ..self }
    }
}

/// Why an archive was refused, to match on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ArchiveErrorKind {
    /// Its name is not that of an archive kind scioc reads.
    Name,
    /// It cannot be read: an I/O error, or not a zip, tar or gzip stream.
    Unreadable,
    /// An entry's path climbs out, is absolute or empty, or a link points outside.
    Hostile,
    /// It expands past the [`Limits`].
    Bomb,
    /// Its manifest is missing what it must say, unreadable, or too large.
    Manifest,
}

/// One file inside an archive.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileHash {
    /// Its path inside the archive (nested archives as `data.tar.gz/…`).
    pub path: String,
    /// Its size.
    pub size: u64,
    /// MD5.
    pub md5: Md5,
    /// SHA-1.
    pub sha1: Sha1,
    /// SHA-256.
    pub sha256: Sha256,
}

impl FileHash {
    fn new(path: String, digests: Digests) -> FileHash {
        let d = digests.finish();
        FileHash { path, size: d.size, md5: d.md5, sha1: d.sha1, sha256: d.sha256 }
    }
}

/// What reading an archive found.
#[derive(Debug, Clone)]
pub struct Inspected {
    /// The archive's file name.
    pub filename: String,
    /// Its size.
    pub size: u64,
    /// Its MD5.
    pub md5: Md5,
    /// Its SHA-1.
    pub sha1: Sha1,
    /// Its SHA-256.
    pub sha256: Sha256,
    /// Its SHA-512.
    pub sha512: Sha512,
    /// The package manifest, when one was found.
    pub manifest: Option<Manifest>,
    /// Every file inside, in archive order.
    pub files: Vec<FileHash>,
}

/// The kinds of archive read, chosen once from the file name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ArchiveKind {
    /// An npm `.tgz` (or any gzipped tar whose manifest is `package/package.json`).
    Tgz,
    /// A PyPI sdist `.tar.gz`.
    TarGz,
    /// A PyPI sdist `.zip`.
    Zip,
    /// A PyPI wheel `.whl` (a zip with `*.dist-info/METADATA`).
    Wheel,
    /// A RubyGems `.gem` (a plain tar of `metadata.gz` and `data.tar.gz`).
    Gem,
    /// A crates.io `.crate` (a gzipped tar with `Cargo.toml`).
    Crate,
}

impl ArchiveKind {
    /// The kind a file name says, by its ending in any case; `None` for other names.
    pub fn from_name(name: &str) -> Option<ArchiveKind> {
        let lower = name.to_ascii_lowercase();
        let kinds = [
            (".tgz", ArchiveKind::Tgz),
            (".tar.gz", ArchiveKind::TarGz),
            (".zip", ArchiveKind::Zip),
            (".whl", ArchiveKind::Wheel),
            (".gem", ArchiveKind::Gem),
            (".crate", ArchiveKind::Crate),
        ];
        kinds.into_iter().find(|(end, _)| lower.ends_with(end)).map(|(_, kind)| kind)
    }
}

/// What a name must end in to be read as an archive.
pub const ARCHIVE_NAMES: &str = "an npm .tgz, a PyPI .whl/.tar.gz/.zip, a RubyGems .gem or a .crate";

/// A normalized path inside an archive, or why it is hostile.
pub fn safe_path(raw: &str) -> Result<String, ArchiveError> {
    let hostile = |m: String| ArchiveError::new(ArchiveErrorKind::Hostile, m);
    let unified = raw.replace('\\', "/");
    if unified.starts_with('/') || unified.as_bytes().get(1) == Some(&b':') {
        return Err(hostile(format!("entry {raw:?} has an absolute path")));
    }
    let mut parts = Vec::new();
    for part in unified.split('/') {
        match part {
            "" | "." => {}
            ".." => return Err(hostile(format!("entry {raw:?} climbs out of the archive with '..'"))),
            p => parts.push(p),
        }
    }
    if parts.is_empty() {
        return Err(hostile(format!("entry {raw:?} has an empty path")));
    }
    Ok(parts.join("/"))
}

/// Whether a link at `path` pointing to `target` stays inside the archive.
fn link_stays_inside(path: &str, target: &str) -> bool {
    let target = target.replace('\\', "/");
    if target.starts_with('/') || target.as_bytes().get(1) == Some(&b':') {
        return false;
    }
    let mut depth: i64 = path.split('/').count() as i64 - 1;
    for part in target.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                depth -= 1;
                if depth < 0 {
                    return false;
                }
            }
            _ => depth += 1,
        }
    }
    true
}

/// Reads the archive file at `path`: [`read`] with the kind its name says.
pub fn inspect(path: &Path, limits: Limits) -> Result<Inspected, ArchiveError> {
    let shown = path.display().to_string();
    let fail = |kind, message: String| ArchiveError::new(kind, message).of(&shown);
    let filename = path
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .ok_or_else(|| fail(ArchiveErrorKind::Name, "not a file".into()))?;
    let kind = ArchiveKind::from_name(&filename)
        .ok_or_else(|| fail(ArchiveErrorKind::Name, format!("expected {ARCHIVE_NAMES}")))?;
    let file = File::open(path).map_err(|e| fail(ArchiveErrorKind::Unreadable, e.to_string()))?;
    read(&filename, kind, BufReader::new(file), limits).map_err(|e| e.of(&shown))
}

/// Reads an archive of `kind` named `filename` from `input`: hashes it whole, hashes every
/// file inside as it streams past and reads its manifest. Nothing is written anywhere: an
/// upload is read from memory as it came.
pub fn read(
    filename: &str,
    kind: ArchiveKind,
    input: impl Read + Seek,
    limits: Limits,
) -> Result<Inspected, ArchiveError> {
    read_contents(filename, kind, input, limits, None).map(|(inspected, _)| inspected)
}

/// [`read`], also keeping the contents of the files `keep` wants (bounded by it), for an
/// analysis that must read them. Still nothing is written anywhere.
pub fn read_contents(
    filename: &str,
    kind: ArchiveKind,
    mut input: impl Read + Seek,
    limits: Limits,
    keep: Option<Keep>,
) -> Result<(Inspected, Vec<Content>), ArchiveError> {
    let fail = |e: ArchiveError| e.of(filename);
    // The archive itself, hashed whole, then read again from the start.
    let mut whole = Tee { inner: &mut input, digests: Digests::new(true) };
    std::io::copy(&mut whole, &mut std::io::sink()).map_err(|e| fail(unreadable(e)))?;
    let digested = whole.digests.finish();
    input.seek(SeekFrom::Start(0)).map_err(|e| fail(unreadable(e)))?;

    let mut reader = Reader {
        budget: Budget::new(limits, digested.size),
        files: Vec::new(),
        manifests: Vec::new(),
        keep,
        kept: Vec::new(),
    };
    match kind {
        ArchiveKind::Zip | ArchiveKind::Wheel => reader.zip(input),
        ArchiveKind::Gem => reader.tar(input, Layout::Gem),
        ArchiveKind::Tgz | ArchiveKind::TarGz | ArchiveKind::Crate => {
            reader.tar(flate2::read::GzDecoder::new(input), Layout::Package { prefix: "" })
        }
    }
    .map_err(fail)?;
    let manifest = reader.pick_manifest(kind).map_err(fail)?;
    let inspected = Inspected {
        filename: filename.to_owned(),
        size: digested.size,
        md5: digested.md5,
        sha1: digested.sha1,
        sha256: digested.sha256,
        sha512: digested.sha512.expect("asked for"),
        manifest,
        files: reader.files,
    };
    Ok((inspected, reader.kept))
}

/// An archive that cannot be read, for a reason the reader gives.
fn unreadable(e: impl std::fmt::Display) -> ArchiveError {
    ArchiveError::new(ArchiveErrorKind::Unreadable, e.to_string())
}

/// How a tar is laid out.
#[derive(Clone, Copy)]
enum Layout<'a> {
    /// A package's files, named under `prefix` (a gem's nested `data.tar.gz/`).
    Package { prefix: &'a str },
    /// A gem: `metadata.gz`, `checksums.yaml.gz` and the files in a nested `data.tar.gz`.
    Gem,
}

/// The walk over an archive's entries.
struct Reader {
    budget: Budget,
    files: Vec<FileHash>,
    /// Candidate manifests: (path, bytes), without bytes when over [`MAX_MANIFEST`].
    manifests: Vec<(String, Option<Vec<u8>>)>,
    /// Which files' contents to keep, and the files kept.
    keep: Option<Keep>,
    kept: Vec<Content>,
}

/// Which files' contents [`read_contents`] keeps.
#[derive(Clone, Copy)]
pub struct Keep {
    /// Whether to keep a file, by its path inside the archive.
    pub wanted: fn(&str) -> bool,
    /// Most bytes kept of one file; the rest is hashed but not kept.
    pub max_file: usize,
    /// Most bytes kept of all files together; later files are hashed but not kept.
    pub max_total: usize,
}

/// One file's content, as [`read_contents`] kept it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Content {
    /// Its path inside the archive.
    pub path: String,
    /// Its first bytes, up to [`Keep::max_file`].
    pub bytes: Vec<u8>,
    /// Whether it was longer than what was kept.
    pub truncated: bool,
}

fn is_manifest(path: &str) -> bool {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [_, "package.json" | "PKG-INFO" | "Cargo.toml"] => true,
        [dir, "METADATA"] => dir.ends_with(".dist-info"),
        ["metadata.gz"] => true,
        _ => false,
    }
}

impl Reader {
    /// Hashes one file's content as it streams past, keeping a manifest's bytes up to
    /// [`MAX_MANIFEST`]: a larger manifest is hashed but never held, so a small archive that
    /// expands to a huge `package.json` costs time within the [`Limits`], not memory.
    fn file(&mut self, path: String, mut content: impl Read) -> Result<(), ArchiveError> {
        let mut hashes = Digests::new(false);
        let manifest = is_manifest(&path);
        let mut kept = Some(Vec::new());
        let total: usize = self.kept.iter().map(|c| c.bytes.len()).sum();
        let mut content_kept = self
            .keep
            .filter(|k| (k.wanted)(&path) && total < k.max_total)
            .map(|k| (Vec::new(), k.max_file.min(k.max_total - total), false));
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = content.read(&mut buf).map_err(|e| unreadable(format!("{path}: {e}")))?;
            if n == 0 {
                break;
            }
            self.budget.expand(n as u64)?;
            hashes.update(&buf[..n]);
            if manifest && let Some(k) = kept.as_mut() {
                if k.len() + n > MAX_MANIFEST {
                    kept = None;
                } else {
                    k.extend_from_slice(&buf[..n]);
                }
            }
            if let Some((bytes, max, truncated)) = content_kept.as_mut() {
                let room = *max - bytes.len();
                bytes.extend_from_slice(&buf[..n.min(room)]);
                *truncated |= n > room;
            }
        }
        if let Some((mut bytes, _, truncated)) = content_kept {
            // Growth by doubling leaves up to half a buffer unused; many files keep their bytes
            // until the analysis ends.
            bytes.shrink_to_fit();
            self.kept.push(Content { path: path.clone(), bytes, truncated });
        }
        self.files.push(FileHash::new(path.clone(), hashes));
        if manifest {
            self.manifests.push((path, kept));
        }
        Ok(())
    }

    /// Walks a tar: every file hashed, links checked to stay inside, a gem's nested
    /// `data.tar.gz` read as it streams past (hashed on the way, never held).
    fn tar(&mut self, input: impl Read, layout: Layout<'_>) -> Result<(), ArchiveError> {
        let what = match layout {
            Layout::Package { .. } => "tar",
            Layout::Gem => "gem (tar)",
        };
        let mut archive = tar::Archive::new(input);
        for entry in archive.entries().map_err(|e| unreadable(format!("not a readable {what}: {e}")))? {
            let entry = entry.map_err(|e| unreadable(format!("not a readable {what}: {e}")))?;
            self.budget.entry()?;
            let raw = String::from_utf8_lossy(&entry.path_bytes()).into_owned();
            let path = safe_path(&raw)?;
            let kind = entry.header().entry_type();
            if kind.is_symlink() || kind.is_hard_link() {
                let target =
                    entry.link_name_bytes().map(|t| String::from_utf8_lossy(&t).into_owned()).unwrap_or_default();
                if !link_stays_inside(&path, &target) {
                    return Err(ArchiveError::new(
                        ArchiveErrorKind::Hostile,
                        format!("link {raw:?} points outside the archive, to {target:?}"),
                    ));
                }
                continue;
            }
            if !kind.is_file() {
                continue;
            }
            match layout {
                Layout::Package { prefix } => self.file(format!("{prefix}{path}"), entry)?,
                Layout::Gem if path == "data.tar.gz" => {
                    let at = self.files.len();
                    let mut tee = Tee { inner: entry, digests: Digests::new(false) };
                    // Read through a trait object: a generic reader nested in itself has no end.
                    let nested: &mut dyn Read = &mut flate2::read::GzDecoder::new(&mut tee);
                    self.tar(nested, Layout::Package { prefix: "data.tar.gz/" })?;
                    std::io::copy(&mut tee, &mut std::io::sink()).map_err(|e| unreadable(format!("{path}: {e}")))?;
                    self.files.insert(at, FileHash::new(path, tee.digests));
                }
                Layout::Gem => self.file(path, entry)?,
            }
        }
        Ok(())
    }

    fn zip(&mut self, input: impl Read + Seek) -> Result<(), ArchiveError> {
        let mut zip = zip::ZipArchive::new(input).map_err(|e| unreadable(format!("not a readable zip: {e}")))?;
        for i in 0..zip.len() {
            let entry = zip.by_index(i).map_err(|e| unreadable(format!("not a readable zip: {e}")))?;
            self.budget.entry()?;
            let raw = String::from_utf8_lossy(entry.name_raw()).into_owned();
            let path = safe_path(&raw)?;
            if entry.is_symlink() {
                let mut target = String::new();
                entry.take(4096).read_to_string(&mut target).map_err(|e| unreadable(format!("{raw}: {e}")))?;
                if !link_stays_inside(&path, &target) {
                    return Err(ArchiveError::new(
                        ArchiveErrorKind::Hostile,
                        format!("link {raw:?} points outside the archive, to {target:?}"),
                    ));
                }
                continue;
            }
            if !entry.is_file() {
                continue;
            }
            self.file(path, entry)?;
        }
        Ok(())
    }

    /// The first candidate manifest whose path matches, with that path; an error when it was
    /// too large to keep.
    fn find(&self, pred: impl Fn(&str) -> bool) -> Result<Option<(&str, &[u8])>, ArchiveError> {
        match self.manifests.iter().find(|(p, _)| pred(p)) {
            None => Ok(None),
            Some((path, Some(bytes))) => Ok(Some((path, bytes))),
            Some((path, None)) => Err(ArchiveError::new(
                ArchiveErrorKind::Manifest,
                format!("{path} is larger than the {MAX_MANIFEST}-byte manifest limit"),
            )),
        }
    }

    /// The manifest, with where it sits in the archive.
    fn pick_manifest(&self, kind: ArchiveKind) -> Result<Option<Manifest>, ArchiveError> {
        let placed = |(path, m): (&str, Manifest)| Manifest { path: path.to_owned(), ..m };
        let read = |found: Option<(&str, &[u8])>, parse: fn(&[u8]) -> Result<Manifest, ArchiveError>| {
            found.map(|(path, bytes)| parse(bytes).map(|m| placed((path, m)))).transpose()
        };
        if kind == ArchiveKind::Gem {
            let Some((path, gz)) = self.find(|p| p == "metadata.gz")? else { return Ok(None) };
            let mut yaml = Vec::new();
            flate2::read::GzDecoder::new(gz)
                .take(MAX_MANIFEST as u64 + 1)
                .read_to_end(&mut yaml)
                .map_err(|e| ArchiveError::new(ArchiveErrorKind::Manifest, format!("metadata.gz: {e}")))?;
            if yaml.len() > MAX_MANIFEST {
                return Err(ArchiveError::new(
                    ArchiveErrorKind::Manifest,
                    format!("metadata.gz expands past the {MAX_MANIFEST}-byte manifest limit"),
                ));
            }
            return manifest::gem(&yaml).map(|m| Some(placed((path, m))));
        }
        if kind == ArchiveKind::Crate {
            return read(self.find(|p| p.ends_with("/Cargo.toml"))?, manifest::cargo);
        }
        if kind == ArchiveKind::Wheel {
            return read(self.find(|p| p.ends_with(".dist-info/METADATA"))?, manifest::python);
        }
        if let Some(npm) = self.find(|p| p == "package/package.json")? {
            return read(Some(npm), manifest::npm);
        }
        if let Some(pkg_info) = self.find(|p| p.ends_with("/PKG-INFO"))? {
            return read(Some(pkg_info), manifest::python);
        }
        read(self.find(|p| p.ends_with("/package.json"))?, manifest::npm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_paths_are_refused() {
        assert_eq!(safe_path("./package/index.js").unwrap(), "package/index.js");
        for bad in ["../x", "package/../../x", "/etc/passwd", "C:\\\\x", "a\\\\..\\\\..\\\\x", ""] {
            assert!(safe_path(bad).is_err(), "{bad}");
        }
        assert!(link_stays_inside("package/a/link", "../b"));
        assert!(!link_stays_inside("package/link", "../../etc/passwd"));
        assert!(!link_stays_inside("package/link", "/etc/passwd"));
    }

    /// Issue 13, defect 8: a 12.5 MB `.tgz` whose `package/package.json` expands to 1000 MiB
    /// took `ingest sample` and `scan` to 1.8 GB: the manifest was read whole before its size
    /// was checked. It is refused now, having been hashed in 64 KiB pieces.
    #[test]
    fn an_oversized_manifest_is_refused_without_being_held() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("huge-1.0.0.tgz");
        let size = 64 * 1024 * 1024u64;
        {
            let gz = flate2::write::GzEncoder::new(File::create(&path).unwrap(), flate2::Compression::fast());
            let mut tar = tar::Builder::new(gz);
            let mut h = tar::Header::new_gnu();
            h.set_size(size);
            h.set_mode(0o644);
            tar.append_data(&mut h, "package/package.json", std::io::repeat(b' ').take(size)).unwrap();
            tar.into_inner().unwrap().finish().unwrap();
        }
        let limits = Limits { max_ratio: 1_000_000, ..Limits::default() };
        let e = inspect(&path, limits).unwrap_err();
        assert!(e.message.contains("package/package.json is larger than the 4194304-byte manifest limit"), "{e}");
        // The reader never held more than a manifest's worth.
        let mut reader = Reader {
            budget: Budget::new(limits, size),
            files: Vec::new(),
            manifests: Vec::new(),
            keep: None,
            kept: Vec::new(),
        };
        reader.file("package/package.json".into(), std::io::repeat(b' ').take(size)).unwrap();
        assert_eq!(reader.manifests, vec![("package/package.json".to_owned(), None)]);
        assert_eq!(reader.files[0].size, size);
    }
}
