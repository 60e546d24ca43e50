//! A dependency as an extractor reports it.

use serde::Serialize;
use std::path::PathBuf;

/// One resolved dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// `npm`, `PyPI` or `crates.io` (OSV's spelling).
    pub ecosystem: &'static str,
    /// The name as the lockfile writes it.
    pub name: String,
    /// The resolved version, when the file pins one.
    pub version: Option<String>,
    /// The file it was read from.
    pub file: PathBuf,
    /// One-based line of its entry in that file.
    pub line: usize,
    /// Archive hashes the file records, as lower-case hex: `(algorithm, hex)` with algorithm
    /// `sha1`, `sha256` or `sha512`.
    pub hashes: Vec<(&'static str, String)>,
    /// How it is reached: the chain of packages from the project down to it (itself last).
    pub path: Vec<String>,
}
