//! One extractor per file format, behind one trait, listed in [`EXTRACTORS`].
//!
//! An extractor decides cheaply from a path whether a file is its own, then parses the text
//! into packages with file and line. It never runs anything. To add a format: write a module
//! here, register it in [`EXTRACTORS`], add fixtures and tests.
//!
//! Two sources are not single text files and live beside the registry: an installed
//! `node_modules` tree ([`node_modules`]) and package archives given directly ([`archive`]).

pub mod archive;
mod bun_lock;
mod cargo_lock;
mod gemfile_lock;
pub(crate) mod graph;
pub mod node_modules;
mod npm_package_json;
mod npm_package_lock;
mod pipfile_lock;
mod pnpm_lock;
mod poetry_lock;
mod pylock;
mod python_requirements;
mod sbom;
mod uv_lock;
mod yarn_lock;

use crate::Package;
use base64::Engine;
use std::path::Path;

/// A file that could not be read, with where and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtractError {
    /// One-based line, 0 when unknown.
    pub line: usize,
    /// One-based column, 0 when unknown.
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

impl ExtractError {
    /// An error at a line (column unknown).
    pub(crate) fn at(line: usize, message: impl Into<String>) -> ExtractError {
        ExtractError { line, column: 0, message: message.into() }
    }
}

/// One lockfile or manifest format.
pub trait Extractor: Sync {
    /// A path-like id: `npm/package-lock`.
    fn name(&self) -> &'static str;
    /// Whether `path` is a file of this format (by name only).
    fn file_required(&self, path: &Path) -> bool;
    /// The packages `text` (read from `path`) lists.
    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError>;
    /// Like [`Extractor::extract`] for a file found in the scanned tree `root`: a format that
    /// includes other files (`-r other.txt`) reads them only from inside `root`.
    fn extract_within(&self, path: &Path, text: &str, root: &Path) -> Result<Vec<Package>, ExtractError> {
        let _ = root;
        self.extract(path, text)
    }
}

/// Every extractor of text files.
pub static EXTRACTORS: &[&dyn Extractor] = &[
    &npm_package_lock::PackageLock,
    &yarn_lock::YarnLock,
    &pnpm_lock::PnpmLock,
    &bun_lock::BunLock,
    &npm_package_json::PackageJson,
    &python_requirements::Requirements,
    &poetry_lock::PoetryLock,
    &pipfile_lock::PipfileLock,
    &uv_lock::UvLock,
    &pylock::Pylock,
    &cargo_lock::CargoLock,
    &gemfile_lock::GemfileLock,
    &sbom::CycloneDx,
    &sbom::Spdx,
];

/// The extractor for `path`, if any.
pub fn for_path(path: &Path) -> Option<&'static dyn Extractor> {
    EXTRACTORS.iter().copied().find(|e| e.file_required(path))
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|f| f.to_str()).unwrap_or("")
}

/// Finds the lines of entries in document order in one forward pass, so that locating every
/// entry of a large file stays linear.
pub(crate) struct Locator<'a> {
    text: &'a str,
    at: usize,
    line: usize,
}

impl<'a> Locator<'a> {
    /// A locator at the start of `text`.
    pub(crate) fn new(text: &'a str) -> Locator<'a> {
        Locator { text, at: 0, line: 1 }
    }

    /// Moves to the next occurrence of `needle` and returns its one-based line; 0 (and no move)
    /// when there is none.
    pub(crate) fn find(&mut self, needle: &str) -> usize {
        match self.text[self.at..].find(needle) {
            Some(i) => {
                self.line += self.text.as_bytes()[self.at..self.at + i].iter().filter(|b| **b == b'\n').count();
                self.at += i;
                let line = self.line;
                self.line += needle.bytes().filter(|b| *b == b'\n').count();
                self.at += needle.len();
                line
            }
            None => 0,
        }
    }

    /// Like [`Locator::find`] for `needle` at the start of a line (after indentation).
    pub(crate) fn find_line_start(&mut self, needle: &str) -> usize {
        loop {
            let line = self.find(needle);
            if line == 0 {
                return 0;
            }
            let start = self.at - needle.len();
            let before = &self.text[..start];
            let line_start = before.rfind('\n').map_or(0, |i| i + 1);
            if before[line_start..].bytes().all(|b| b == b' ' || b == b'"' || b == b'\'' || b == b'-') {
                return line;
            }
        }
    }
}

/// One-based `(line, column)` of byte offset `at` in `text`.
pub(crate) fn position_of(text: &str, at: usize) -> (usize, usize) {
    let at = at.min(text.len());
    let before = &text[..at];
    let line = before.bytes().filter(|b| *b == b'\n').count() + 1;
    let column = at - before.rfind('\n').map_or(0, |i| i + 1) + 1;
    (line, column)
}

/// A JSON syntax error, placed.
pub(crate) fn json_error(e: &serde_json::Error, what: &str) -> ExtractError {
    ExtractError { line: e.line(), column: e.column(), message: format!("not {what}: {e}") }
}

/// A TOML syntax error, placed.
pub(crate) fn toml_error(text: &str, e: &toml::de::Error, what: &str) -> ExtractError {
    let (line, column) = e.span().map_or((0, 0), |s| position_of(text, s.start));
    ExtractError { line, column, message: format!("not {what}: {}", e.message().trim_end()) }
}

/// A YAML syntax error, placed.
pub(crate) fn yaml_error(e: &serde_yaml_ng::Error, what: &str) -> ExtractError {
    let (line, column) = e.location().map_or((0, 0), |l| (l.line(), l.column()));
    ExtractError { line, column, message: format!("not {what}: {e}") }
}

/// Subresource-integrity strings (`sha512-<base64> sha1-<base64>`) as `(algorithm, hex)`.
pub(crate) fn integrity(s: &str) -> Vec<(&'static str, String)> {
    s.split_whitespace()
        .filter_map(|part| {
            let (algo, b64) = part.split_once('-')?;
            let algo = algorithm(algo)?;
            let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
            Some((algo, hex::encode(&bytes)))
        })
        .collect()
}

/// `sha256:<hex>` (or `sha256=<hex>`) as `(algorithm, hex)`.
pub(crate) fn prefixed_hash(s: &str) -> Option<(&'static str, String)> {
    let (algo, value) = s.split_once([':', '='])?;
    let algo = algorithm(algo)?;
    let value = value.trim();
    (value.len() >= 32 && value.bytes().all(|b| b.is_ascii_hexdigit())).then(|| (algo, value.to_ascii_lowercase()))
}

/// The canonical spelling of a hash algorithm name (`SHA-256`, `sha256`, `SHA256` …).
pub(crate) fn algorithm(name: &str) -> Option<&'static str> {
    Some(match name.to_ascii_lowercase().replace('-', "").as_str() {
        "md5" => "md5",
        "sha1" => "sha1",
        "sha256" => "sha256",
        "sha512" => "sha512",
        _ => return None,
    })
}

/// Splits an npm `name@version` (the scope's `@` is not a separator).
pub(crate) fn split_at_version(ident: &str) -> Option<(&str, &str)> {
    // Past the first character, whatever its width (fuzzing found a name starting with a
    // four-byte one, which slicing at byte 1 panicked on).
    let first = ident.chars().next()?.len_utf8();
    let i = ident[first..].find('@')? + first;
    Some((&ident[..i], &ident[i + 1..]))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_from_versions_whatever_their_first_character() {
        assert_eq!(split_at_version("@scope/x@1.0.0"), Some(("@scope/x", "1.0.0")));
        assert_eq!(split_at_version("x@^1"), Some(("x", "^1")));
        assert_eq!(split_at_version("\u{9c5de}lk@4.1.2"), Some(("\u{9c5de}lk", "4.1.2")));
        assert_eq!(split_at_version("é@1"), Some(("é", "1")));
        assert_eq!(split_at_version("@"), None);
        assert_eq!(split_at_version(""), None);
    }

    #[test]
    fn names_are_unique_and_files_are_recognised() {
        let mut names: Vec<_> = EXTRACTORS.iter().map(|e| e.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EXTRACTORS.len());
        for (path, want) in [
            ("package-lock.json", Some("npm/package-lock")),
            ("a/b/npm-shrinkwrap.json", Some("npm/package-lock")),
            ("yarn.lock", Some("npm/yarn-lock")),
            ("pnpm-lock.yaml", Some("npm/pnpm-lock")),
            ("bun.lock", Some("npm/bun-lock")),
            ("package.json", Some("npm/package-json")),
            ("requirements.txt", Some("python/requirements")),
            ("requirements-dev.txt", Some("python/requirements")),
            ("poetry.lock", Some("python/poetry-lock")),
            ("Pipfile.lock", Some("python/pipfile-lock")),
            ("uv.lock", Some("python/uv-lock")),
            ("pylock.toml", Some("python/pylock")),
            ("pylock.dev.toml", Some("python/pylock")),
            ("Cargo.lock", Some("rust/cargo-lock")),
            ("Gemfile.lock", Some("ruby/gemfile-lock")),
            ("bom.json", Some("sbom/cyclonedx")),
            ("app.cdx.json", Some("sbom/cyclonedx")),
            ("app.spdx.json", Some("sbom/spdx")),
            ("package-lock.json.bak", None),
            ("my.requirements.txt.old", None),
            ("bun.lockb", None),
        ] {
            assert_eq!(for_path(Path::new(path)).map(|e| e.name()), want, "{path}");
        }
    }

    #[test]
    fn locator_is_forward_only_and_counts_lines() {
        let text = "a\n  \"x\": 1\nb\n  \"x\": 2\n";
        let mut l = Locator::new(text);
        assert_eq!(l.find("\"x\""), 2);
        assert_eq!(l.find("\"x\""), 4);
        assert_eq!(l.find("\"x\""), 0);
        let mut l = Locator::new("key: a-key\na-key:\n");
        assert_eq!(l.find_line_start("a-key"), 2);
    }

    #[test]
    fn hashes_and_identifiers() {
        assert_eq!(integrity("sha1-qtbWefFaciHtlHlVPUTjRz8FNvE=")[0].1, "aad6d679f15a7221ed9479553d44e3473f0536f1");
        assert_eq!(
            prefixed_hash("sha256:ABCDEF0123456789abcdef0123456789"),
            Some(("sha256", "abcdef0123456789abcdef0123456789".into()))
        );
        assert_eq!(prefixed_hash("md5:zz"), None);
        assert_eq!(algorithm("SHA-512"), Some("sha512"));
        assert_eq!(split_at_version("@s/a@1.0.0"), Some(("@s/a", "1.0.0")));
        assert_eq!(split_at_version("a@npm:b@1"), Some(("a", "npm:b@1")));
    }
}
