//! The ToolTrust data files (`blacklist.json`, `npm_iocs.json`) and scioc's `watchlist.json`:
//! reading, deterministic rendering and atomic writing.
//!
//! Fields a newer ToolTrust may add are kept as they are (`extra`).

use crate::{Candidate, CurationError};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::path::{Path, PathBuf};

/// File names inside the data directory.
pub const BLACKLIST: &str = "blacklist.json";
/// See [`BLACKLIST`].
pub const NPM_IOCS: &str = "npm_iocs.json";
/// See [`BLACKLIST`].
pub const WATCHLIST: &str = "watchlist.json";

/// One `blacklist.json` entry (ToolTrust rule AS-008).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BlacklistEntry {
    /// Stable identifier.
    pub id: String,
    /// Package name.
    pub component: String,
    /// Ecosystem.
    pub ecosystem: String,
    /// Versions or ranges.
    pub affected_versions: Vec<String>,
    /// `BLOCK` or `WARN`.
    pub action: String,
    /// `CRITICAL` … `LOW`.
    pub severity: String,
    /// Prose.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// A public reference.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub link: String,
    /// Fields scioc does not know, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One `npm_iocs.json` entry (ToolTrust rule AS-016).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NpmIoc {
    /// Ecosystem.
    #[serde(default)]
    pub ecosystem: String,
    /// `package_name`, `dependency_name`, `script_pattern`, `domain`, `url`.
    pub ioc_type: String,
    /// Older entries name their value `name`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The indicator.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub value: String,
    /// `exact` or `contains`; absent means the type's default.
    #[serde(rename = "match", default, skip_serializing_if = "Option::is_none")]
    pub match_kind: Option<String>,
    /// Prose.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub reason: String,
    /// `low` … `high`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub confidence: String,
    /// A public reference.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub source: String,
    /// `YYYY-MM-DD`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub first_seen: String,
    /// `watch`, `flag`, `block`.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub suggested_action: String,
    /// Fields scioc does not know, kept.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl NpmIoc {
    /// The indicator, from `value` or the older `name`.
    pub fn effective_value(&self) -> &str {
        if self.value.is_empty() { self.name.as_deref().unwrap_or("") } else { &self.value }
    }

    /// The dedupe key: ecosystem (npm when absent), type, value and match, lower-cased, with
    /// the default match applied.
    pub fn key(&self) -> (String, String, String, String) {
        let m = self.match_kind.clone().unwrap_or_else(|| crate::candidate::default_match(&self.ioc_type).to_owned());
        let ecosystem = if self.ecosystem.is_empty() { "npm".to_owned() } else { self.ecosystem.to_lowercase() };
        (ecosystem, self.ioc_type.to_lowercase(), self.effective_value().to_lowercase(), m.to_lowercase())
    }
}

/// The three data files, in memory.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataFiles {
    /// `blacklist.json`.
    pub blacklist: Vec<BlacklistEntry>,
    /// `npm_iocs.json`.
    pub npm_iocs: Vec<NpmIoc>,
    /// `watchlist.json`.
    pub watchlist: Vec<Candidate>,
}

fn read_array<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, CurationError> {
    match std::fs::read(path) {
        Ok(bytes) => serde_json::from_slice(&bytes)
            .map_err(|e| CurationError::File { path: path.to_owned(), message: format!("not a valid data file: {e}") }),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(CurationError::File { path: path.to_owned(), message: e.to_string() }),
    }
}

/// Reads one data file (`blacklist.json` or `npm_iocs.json` shape) that must exist; errors name
/// the file, line and column.
pub fn read_required<T: for<'de> Deserialize<'de>>(path: &Path) -> Result<Vec<T>, CurationError> {
    let bytes =
        std::fs::read(path).map_err(|e| CurationError::File { path: path.to_owned(), message: e.to_string() })?;
    serde_json::from_slice(&bytes)
        .map_err(|e| CurationError::File { path: path.to_owned(), message: format!("not a valid data file: {e}") })
}

impl DataFiles {
    /// Reads the files in `dir`; a missing file is empty.
    pub fn load(dir: &Path) -> Result<Self, CurationError> {
        Ok(DataFiles {
            blacklist: read_array(&dir.join(BLACKLIST))?,
            npm_iocs: read_array(&dir.join(NPM_IOCS))?,
            watchlist: read_array(&dir.join(WATCHLIST))?,
        })
    }

    /// Sorts every file the one way it is written.
    pub fn sort(&mut self) {
        self.blacklist.sort_by_key(|e| (e.ecosystem.to_lowercase(), e.component.to_lowercase(), e.id.clone()));
        self.npm_iocs.sort_by_key(|i| (i.ecosystem.to_lowercase(), i.key()));
        self.watchlist.sort_by_key(|c| {
            (
                c.ecosystem.to_lowercase(),
                c.ioc_type.clone(),
                c.value.to_lowercase(),
                c.effective_match(),
                c.first_seen.clone(),
            )
        });
    }

    /// The files' contents: sorted, 2-space indented, with a trailing newline.
    pub fn render(&self) -> Vec<(&'static str, String)> {
        let mut sorted = self.clone();
        sorted.sort();
        let pretty = |v: String| v + "\n";
        vec![
            (BLACKLIST, pretty(serde_json::to_string_pretty(&sorted.blacklist).expect("serializes"))),
            (NPM_IOCS, pretty(serde_json::to_string_pretty(&sorted.npm_iocs).expect("serializes"))),
            (WATCHLIST, pretty(serde_json::to_string_pretty(&sorted.watchlist).expect("serializes"))),
        ]
    }
}

/// Files written to temporary names, waiting to be renamed into place all at once.
#[derive(Debug)]
pub struct Staged {
    temps: Vec<(tempfile::TempPath, PathBuf)>,
}

/// Writes every changed file of `files` beside its target, without touching the targets.
pub fn stage(dir: &Path, files: &DataFiles) -> Result<Staged, CurationError> {
    stage_named(dir, files.render().into_iter().map(|(n, c)| (n.to_owned(), c)).collect())
}

/// Writes each `(name, content)` that differs from what is on disk beside its target. The
/// files are meant to be committed and shared, so they get the mode any new file gets (0666
/// less the umask), not the temporary file's private 0600.
pub fn stage_named(dir: &Path, contents: Vec<(String, String)>) -> Result<Staged, CurationError> {
    std::fs::create_dir_all(dir).map_err(|e| CurationError::File { path: dir.to_owned(), message: e.to_string() })?;
    let mut temps = Vec::new();
    for (name, content) in contents {
        let target = dir.join(name);
        if std::fs::read_to_string(&target).ok().as_deref() == Some(content.as_str()) {
            continue;
        }
        let err = |e: std::io::Error| CurationError::File { path: target.clone(), message: e.to_string() };
        let mut builder = tempfile::Builder::new();
        builder.prefix(".scioc-");
        #[cfg(unix)]
        builder.permissions(std::os::unix::fs::PermissionsExt::from_mode(0o666));
        let mut tmp = builder.tempfile_in(dir).map_err(err)?;
        std::io::Write::write_all(&mut tmp, content.as_bytes()).map_err(err)?;
        tmp.as_file().sync_all().map_err(err)?;
        temps.push((tmp.into_temp_path(), target));
    }
    Ok(Staged { temps })
}

impl Staged {
    /// Renames every staged file into place.
    pub fn commit(self) -> Result<Vec<PathBuf>, CurationError> {
        let mut written = Vec::new();
        for (tmp, target) in self.temps {
            tmp.persist(&target).map_err(|e| CurationError::File { path: target.clone(), message: e.to_string() })?;
            written.push(target);
        }
        Ok(written)
    }
}
