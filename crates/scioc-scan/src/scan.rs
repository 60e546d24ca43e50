//! A scan: find the project's files, extract their packages, match them against an [`Index`].
//!
//! **Architecture invariant:** a scan does no network IO and runs nothing; it reads files.

use crate::{Finding, Index, Package, extract};
use serde::Serialize;
use std::path::{Path, PathBuf};

/// A file that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FileError {
    /// The file.
    pub file: PathBuf,
    /// One-based line, 0 when unknown.
    pub line: usize,
    /// One-based column, 0 when unknown.
    pub column: usize,
    /// What was wrong.
    pub message: String,
}

/// What a scan found.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Files read, in order.
    pub files: Vec<PathBuf>,
    /// Packages extracted.
    pub packages: usize,
    /// Findings, sorted by severity (worst first), then file, line, package and rule.
    pub findings: Vec<Finding>,
    /// Files that could not be read; the scan went on without them.
    pub errors: Vec<FileError>,
}

/// The files a scan reads under `paths`: given files as they are, directories walked
/// (recursively when asked) honouring `.gitignore`, in a stable order.
pub fn discover(paths: &[PathBuf], recursive: bool) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() {
            out.push(p.clone());
            continue;
        }
        let mut walk = ignore::WalkBuilder::new(p);
        walk.max_depth(if recursive { None } else { Some(1) }).hidden(false).git_ignore(true).require_git(false);
        walk.filter_entry(|e| e.file_name() != "node_modules" && e.file_name() != ".git");
        let mut found: Vec<PathBuf> = walk
            .build()
            .filter_map(Result::ok)
            .filter(|e| e.file_type().is_some_and(|t| t.is_file()))
            .map(|e| e.into_path())
            .filter(|p| extract::for_path(p).is_some())
            .collect();
        found.sort();
        out.extend(found);
    }
    out
}

/// Scans `files` against `index`.
pub fn scan(files: &[PathBuf], index: &Index) -> Report {
    let mut report = Report::default();
    for file in files {
        let Some(extractor) = extract::for_path(file) else {
            report.errors.push(FileError {
                file: file.clone(),
                line: 0,
                column: 0,
                message: "not a lockfile or manifest scioc reads".into(),
            });
            continue;
        };
        let text = match std::fs::read_to_string(file) {
            Ok(t) => t,
            Err(e) => {
                report.errors.push(FileError { file: file.clone(), line: 0, column: 0, message: e.to_string() });
                continue;
            }
        };
        match extractor.extract(file, &text) {
            Ok(packages) => {
                report.files.push(file.clone());
                report.packages += packages.len();
                for p in &packages {
                    report.findings.extend(index.check(p));
                }
            }
            Err(e) => {
                report.errors.push(FileError { file: file.clone(), line: e.line, column: e.column, message: e.message })
            }
        }
    }
    report.findings.sort_by(|a, b| {
        b.severity
            .cmp(&a.severity)
            .then_with(|| (&a.file, a.line, &a.package, a.rule).cmp(&(&b.file, b.line, &b.package, b.rule)))
    });
    report
}

/// Whether `path` names a file scioc can read.
pub fn supported(path: &Path) -> bool {
    extract::for_path(path).is_some()
}

/// Packages of one file, for tools and tests.
pub fn packages_of(file: &Path) -> Result<Vec<Package>, FileError> {
    let err = |line, column, message| FileError { file: file.to_owned(), line, column, message };
    let ex = extract::for_path(file).ok_or_else(|| err(0, 0, "not a lockfile or manifest scioc reads".into()))?;
    let text = std::fs::read_to_string(file).map_err(|e| err(0, 0, e.to_string()))?;
    ex.extract(file, &text).map_err(|e| err(e.line, e.column, e.message))
}
