//! A scan: find the project's files, extract their packages, ask an [`Engine`] about each.
//!
//! **Architecture invariant:** a scan does no network IO and runs nothing; it reads files.

use crate::extract::{self, archive, node_modules};
use crate::ignore::{Expired, Ignored, Ignores};
use crate::{Engine, Finding, Package};
use serde::Serialize;
use std::collections::HashSet;
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

impl FileError {
    /// An error in `file`; the message is bounded and masked ([`crate::redact::message`]), so
    /// no report quotes more of a file than an excerpt, whoever wrote the message.
    pub fn new(file: PathBuf, line: usize, column: usize, message: &str) -> FileError {
        FileError { file, line, column, message: crate::redact::message(message) }
    }
}

impl std::fmt::Display for FileError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}", self.file.display())?;
        match (self.line, self.column) {
            (0, _) => {}
            (l, 0) => write!(f, ":{l}")?,
            (l, c) => write!(f, ":{l}:{c}")?,
        }
        write!(f, ": {}", self.message)
    }
}

/// What a scan found.
#[derive(Debug, Default, Serialize)]
pub struct Report {
    /// Sources read, in order: files, `node_modules` directories, archives.
    pub files: Vec<PathBuf>,
    /// Packages extracted.
    pub packages: usize,
    /// Findings, sorted by severity (worst first), then file, line, package, rule and evidence.
    pub findings: Vec<Finding>,
    /// Findings an ignore file hid.
    pub ignored: Vec<Ignored>,
    /// Ignores past their expiry that no longer hide a finding.
    pub expired: Vec<Expired>,
    /// Files that could not be read; the scan went on without them.
    pub errors: Vec<FileError>,
}

/// What a scan comes to, the one reading every rendering and the exit code share: a result
/// looks clean only when it is.
///
/// | the report holds | outcome |
/// |---|---|
/// | a finding | `Findings` (with errors too: those are shown as well) |
/// | no finding, a file that could not be read | `Failed` |
/// | no finding, no error, no package | `NothingFound` |
/// | packages, none of them found | `Clean` |
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Something known-malicious was found.
    Findings,
    /// Nothing was found, but some file could not be read: no verdict on it.
    Failed,
    /// Nothing scioc reads was there.
    NothingFound,
    /// Every package was checked and none is known-malicious.
    Clean,
}

impl Report {
    /// What the scan comes to (see [`Outcome`]).
    pub fn outcome(&self) -> Outcome {
        if !self.findings.is_empty() {
            Outcome::Findings
        } else if !self.errors.is_empty() {
            Outcome::Failed
        } else if self.packages == 0 {
            Outcome::NothingFound
        } else {
            Outcome::Clean
        }
    }

    /// Hides the findings `ignores` accept as of `today`, and notes expired ignores.
    pub fn apply_ignores(&mut self, ignores: &Ignores, today: jiff::civil::Date) {
        let (shown, hidden, expired) = ignores.apply(std::mem::take(&mut self.findings), today);
        self.findings = shown;
        self.ignored.extend(hidden);
        self.expired.extend(expired);
    }
}

/// The largest lockfile or manifest read (the largest real lockfiles are tens of megabytes).
pub(crate) const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;

fn is_lockfile_name(name: &str) -> bool {
    matches!(name, "package-lock.json" | "npm-shrinkwrap.json" | "yarn.lock" | "pnpm-lock.yaml" | "bun.lock")
}

/// One source a scan reads, with the tree it was found in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Source {
    /// A lockfile, manifest, SBOM, archive or `node_modules` directory.
    pub path: PathBuf,
    /// The scanned tree it belongs to: the directory given to the scan, or a given file's own
    /// directory. Nothing a source includes (`-r other.txt`) is read from outside it.
    pub root: PathBuf,
}

impl Source {
    /// A file or directory given on its own: its tree is the directory it is in.
    pub fn alone(path: PathBuf) -> Source {
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
            _ => PathBuf::from("."),
        };
        Source { path, root }
    }
}

/// The sources a scan reads under `paths`: given files as they are (lockfiles, manifests,
/// archives), directories walked (recursively when asked) honouring `.gitignore`, plus the
/// installed `node_modules` tree of each directory walked, in a stable order.
pub fn discover(paths: &[PathBuf], recursive: bool) -> Vec<Source> {
    let mut out = Vec::new();
    for p in paths {
        if p.is_file() || p.file_name().is_some_and(|n| n == "node_modules") {
            out.push(Source::alone(p.clone()));
            continue;
        }
        let mut walk = ignore::WalkBuilder::new(p);
        walk.max_depth(if recursive { None } else { Some(1) }).hidden(false).git_ignore(true).require_git(false);
        walk.filter_entry(|e| e.file_name() != "node_modules" && e.file_name() != ".git");
        let mut found: Vec<PathBuf> = Vec::new();
        for entry in walk.build().filter_map(Result::ok) {
            let Some(kind) = entry.file_type() else { continue };
            let path = entry.into_path();
            if kind.is_dir() {
                let tree = path.join("node_modules");
                if std::fs::symlink_metadata(&tree).is_ok_and(|m| m.is_dir()) {
                    found.push(tree);
                }
            } else if kind.is_file() && extract::for_path(&path).is_some() {
                found.push(path);
            }
        }
        found.sort();
        out.extend(found.into_iter().map(|path| Source { path, root: p.clone() }));
    }
    out
}

/// The packages of a set of sources, read but not yet matched: what [`extract`] returns and
/// [`Extracted::check`] matches. Reading needs no index, so the two can run at once.
#[derive(Debug, Default)]
pub struct Extracted {
    /// Sources read, in order.
    pub files: Vec<PathBuf>,
    /// Every package, in source order.
    pub packages: Vec<Package>,
    /// Sources that could not be read.
    pub errors: Vec<FileError>,
}

/// Reads every source's packages (no index needed).
pub fn extract(sources: &[Source]) -> Extracted {
    let mut out = Extracted::default();
    // A manifest's declared dependencies are redundant where a lockfile or an installed tree
    // beside it says exactly what was resolved.
    let resolved_dirs: HashSet<&Path> = sources
        .iter()
        .map(|s| s.path.as_path())
        .filter(|s| s.file_name().and_then(|n| n.to_str()).is_some_and(|n| is_lockfile_name(n) || n == "node_modules"))
        .filter_map(|s| s.parent())
        .collect();
    for Source { path: source, root } in sources {
        let err = |line, column, message: String| FileError::new(source.clone(), line, column, &message);
        let packages = if source.is_dir() {
            let (packages, errors) = node_modules::scan_tree(source);
            out.errors.extend(errors.into_iter().map(|(file, e)| FileError::new(file, e.line, e.column, &e.message)));
            packages
        } else if let Some(extractor) = extract::for_path(source) {
            if let Ok(meta) = std::fs::metadata(source)
                && meta.len() > MAX_FILE_BYTES
            {
                out.errors.push(err(
                    0,
                    0,
                    format!("{} bytes: larger than the {MAX_FILE_BYTES}-byte limit", meta.len()),
                ));
                continue;
            }
            let text = match std::fs::read_to_string(source) {
                Ok(t) => t,
                Err(e) => {
                    out.errors.push(err(0, 0, e.to_string()));
                    continue;
                }
            };
            match extractor.extract_within(source, &text, root) {
                Ok(mut packages) => {
                    if extractor.name() == "npm/package-json"
                        && source.parent().is_some_and(|d| resolved_dirs.contains(d))
                    {
                        packages.truncate(1);
                    }
                    packages
                }
                Err(e) => {
                    out.errors.push(err(e.line, e.column, e.message));
                    continue;
                }
            }
        } else if archive::is_archive(source) {
            match archive::package(source) {
                Ok(p) => vec![p],
                Err(e) => {
                    out.errors.push(err(e.line, e.column, e.message));
                    continue;
                }
            }
        } else {
            out.errors.push(err(0, 0, "not a lockfile, manifest, SBOM or package archive scioc reads".into()));
            continue;
        };
        out.files.push(source.clone());
        out.packages.extend(packages);
    }
    out
}

impl Extracted {
    /// Asks `engine` about every package.
    pub fn check(self, engine: &Engine) -> Report {
        let mut report = Report {
            files: self.files,
            packages: self.packages.iter().filter(|p| !p.name.is_empty()).count(),
            errors: self.errors,
            ..Report::default()
        };
        for p in &self.packages {
            let query = scioc_verdict::Query {
                ecosystem: p.ecosystem,
                name: &p.name,
                version: p.version.as_deref(),
                hashes: &p.hashes,
                scripts: &p.scripts,
                resolved: p.resolved.as_deref(),
            };
            report.findings.extend(engine.check(&query).into_iter().map(|v| Finding {
                blocks: v.blocks(),
                rule: v.rule,
                severity: v.severity,
                ecosystem: p.ecosystem,
                package: p.name.clone(),
                version: p.version.clone(),
                purl: p.purl(),
                file: p.file.clone(),
                line: p.line,
                path: p.path.clone(),
                evidence: v.evidence,
                event: v.event,
                reference: v.reference,
            }));
        }
        sort(&mut report.findings);
        report
    }
}

/// Scans `sources` with `engine`: [`extract`], then [`Extracted::check`].
pub fn scan(sources: &[Source], engine: &Engine) -> Report {
    extract(sources).check(engine)
}

/// The report order: worst first, then by place, package, rule and evidence.
pub fn sort(findings: &mut [Finding]) {
    findings.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            (&a.file, a.line, &a.package, &a.version, a.rule.id(), &a.evidence).cmp(&(
                &b.file,
                b.line,
                &b.package,
                &b.version,
                b.rule.id(),
                &b.evidence,
            ))
        })
    });
}

/// Whether `path` names a file scioc can read.
pub fn supported(path: &Path) -> bool {
    extract::for_path(path).is_some() || archive::is_archive(path)
}

/// Packages of one file, for tools and tests.
pub fn packages_of(file: &Path) -> Result<Vec<Package>, FileError> {
    let err = |line, column, message: String| FileError::new(file.to_owned(), line, column, &message);
    if archive::is_archive(file) {
        return archive::package(file).map(|p| vec![p]).map_err(|e| err(e.line, e.column, e.message));
    }
    let ex = extract::for_path(file).ok_or_else(|| err(0, 0, "not a lockfile or manifest scioc reads".into()))?;
    let text = std::fs::read_to_string(file).map_err(|e| err(0, 0, e.to_string()))?;
    ex.extract(file, &text).map_err(|e| err(e.line, e.column, e.message))
}
