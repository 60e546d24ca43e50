//! One extractor per file format, behind one trait, listed in [`EXTRACTORS`].
//!
//! An extractor decides cheaply from a path whether a file is its own, then parses the text
//! into packages with file and line. It never runs anything. To add a format: write a module
//! here, register it in [`EXTRACTORS`], add fixtures and tests.

mod cargo_lock;
mod npm_package_lock;
mod python_requirements;

use crate::Package;
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

/// One lockfile or manifest format.
pub trait Extractor: Sync {
    /// A path-like id: `npm/package-lock`.
    fn name(&self) -> &'static str;
    /// Whether `path` is a file of this format (by name only).
    fn file_required(&self, path: &Path) -> bool;
    /// The packages `text` (read from `path`) lists.
    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError>;
}

/// Every extractor.
pub static EXTRACTORS: &[&dyn Extractor] =
    &[&npm_package_lock::PackageLock, &python_requirements::Requirements, &cargo_lock::CargoLock];

/// The extractor for `path`, if any.
pub fn for_path(path: &Path) -> Option<&'static dyn Extractor> {
    EXTRACTORS.iter().copied().find(|e| e.file_required(path))
}

/// One-based line of byte offset `at` in `text`.
pub(crate) fn line_of(text: &str, at: usize) -> usize {
    text[..at.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

fn file_name(path: &Path) -> &str {
    path.file_name().and_then(|f| f.to_str()).unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique_and_files_are_recognised() {
        let mut names: Vec<_> = EXTRACTORS.iter().map(|e| e.name()).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), EXTRACTORS.len());
        for (path, want) in [
            ("package-lock.json", Some("npm/package-lock")),
            ("a/b/npm-shrinkwrap.json", Some("npm/package-lock")),
            ("requirements.txt", Some("python/requirements")),
            ("requirements-dev.txt", Some("python/requirements")),
            ("Cargo.lock", Some("rust/cargo-lock")),
            ("package-lock.json.bak", None),
            ("my.requirements.txt.old", None),
        ] {
            assert_eq!(for_path(Path::new(path)).map(|e| e.name()), want, "{path}");
        }
    }
}
