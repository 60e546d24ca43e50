//! A dependency as an extractor reports it.

use serde::Serialize;
use std::path::{Path, PathBuf};

/// One resolved (or declared) dependency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Package {
    /// `npm`, `PyPI`, `crates.io`, `RubyGems`, … (OSV's spelling).
    pub ecosystem: &'static str,
    /// The name as the file writes it.
    pub name: String,
    /// The resolved version, when the file pins one.
    pub version: Option<String>,
    /// The file it was read from.
    pub file: PathBuf,
    /// One-based line of its entry in that file (0 when the format has no lines).
    pub line: usize,
    /// Archive hashes the file records, as lower-case hex: `(algorithm, hex)` with algorithm
    /// `md5`, `sha1`, `sha256` or `sha512`.
    pub hashes: Vec<(&'static str, String)>,
    /// How it is reached: the chain of packages from the project down to it (itself last).
    pub path: Vec<String>,
    /// Lifecycle scripts (`preinstall`, `install`, `postinstall`, `prepare`) as `(name, command)`.
    pub scripts: Vec<(String, String)>,
    /// Where the package manager fetched it from, when the file says.
    pub resolved: Option<String>,
}

impl Package {
    /// A package reached directly (its path is itself), with no hashes, scripts or source.
    pub fn new(ecosystem: &'static str, name: &str, version: Option<&str>, file: &Path, line: usize) -> Package {
        Package {
            ecosystem,
            name: name.to_owned(),
            version: version.map(str::to_owned),
            file: file.to_owned(),
            line,
            hashes: Vec::new(),
            path: vec![name.to_owned()],
            scripts: Vec::new(),
            resolved: None,
        }
    }

    /// `name@version`, or the name alone.
    pub fn display(&self) -> String {
        match &self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.clone(),
        }
    }

    /// The package URL (`pkg:npm/%40scope/name@1.0.0`), when the ecosystem has a purl type.
    pub fn purl(&self) -> Option<String> {
        let ty = scioc_model::purl_type_of(self.ecosystem)?;
        scioc_model::build_purl(ty, &self.name, self.version.as_deref()).ok()
    }
}

/// The lifecycle scripts npm runs on install, in the order it runs them.
pub const LIFECYCLE_SCRIPTS: [&str; 4] = ["preinstall", "install", "postinstall", "prepare"];
