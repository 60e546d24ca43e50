//! A package as the analyser sees it: its files that hold code (read out of the archive as
//! data by `scioc-ingest`'s hostile-archive reader, or from an unpacked directory), every
//! file's hashes, and what its manifest runs at install and import.

use crate::AnalyzeError;
use scioc_ingest::archive::{self, ArchiveKind, Content, Keep, Limits};
use std::path::Path;

/// Most bytes of one file read for analysis; longer files are analysed up to here.
pub const MAX_FILE: usize = 16 * 1024 * 1024;
/// Most bytes of all files of a package read for analysis.
pub const MAX_TOTAL: usize = 96 * 1024 * 1024;
/// Most files read from a directory.
const MAX_DIR_FILES: usize = 20_000;

/// What a file is, for the parser and the threat name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FileKind {
    /// JavaScript or TypeScript.
    JavaScript,
    /// Python.
    Python,
    /// A POSIX shell script.
    Shell,
    /// A Windows batch file.
    Batch,
    /// A PowerShell script.
    PowerShell,
    /// An npm lifecycle script's command line (`package.json#scripts.postinstall`).
    NpmScript,
    /// A `.pth` file, which Python runs at start-up when a line imports.
    Pth,
    /// A manifest (`package.json`, `setup.cfg`, `pyproject.toml`).
    Manifest,
    /// Anything else.
    Other,
}

impl FileKind {
    /// The kind a path names.
    pub fn of(path: &str) -> FileKind {
        if path.contains("package.json#scripts.") {
            return FileKind::NpmScript;
        }
        let name = path.rsplit('/').next().unwrap_or(path).to_ascii_lowercase();
        let ext = name.rsplit_once('.').map(|(_, e)| e).unwrap_or("");
        match ext {
            "js" | "cjs" | "mjs" | "jsx" | "ts" | "cts" | "mts" | "tsx" => FileKind::JavaScript,
            "py" | "pyw" => FileKind::Python,
            "sh" | "bash" | "zsh" => FileKind::Shell,
            "bat" | "cmd" => FileKind::Batch,
            "ps1" | "psm1" => FileKind::PowerShell,
            "pth" => FileKind::Pth,
            _ if matches!(name.as_str(), "package.json" | "setup.cfg" | "pyproject.toml") => FileKind::Manifest,
            _ => FileKind::Other,
        }
    }

    /// The file-type part of a threat name, in the feed's spelling.
    pub fn threat_type(self) -> &'static str {
        match self {
            FileKind::JavaScript => "Script-JS",
            FileKind::Python | FileKind::Pth => "Script-Python",
            FileKind::Shell => "Script-Shell",
            FileKind::Batch => "Script-BAT",
            FileKind::PowerShell => "Script-PowerShell",
            FileKind::NpmScript | FileKind::Manifest | FileKind::Other => "Text",
        }
    }
}

/// One file read for analysis.
#[derive(Debug, Clone)]
pub struct SourceFile {
    /// Its path in the archive (`package/index.js`), or a manifest's script
    /// (`package/package.json#scripts.postinstall`).
    pub path: String,
    /// What it is.
    pub kind: FileKind,
    /// Its text (invalid UTF-8 replaced).
    pub text: String,
    /// Whether it was longer than [`MAX_FILE`] and was analysed in part.
    pub truncated: bool,
}

impl SourceFile {
    pub(crate) fn new(path: &str, bytes: Vec<u8>, truncated: bool) -> SourceFile {
        let text = match String::from_utf8(bytes) {
            Ok(s) => s,
            Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
        };
        SourceFile { path: path.to_owned(), kind: FileKind::of(path), text, truncated }
    }
}

/// A file's hashes, as a feed entry's sample lists them.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Hashes {
    /// MD5, hex.
    pub md5: String,
    /// SHA-1, hex.
    pub sha1: String,
    /// SHA-256, hex.
    pub sha256: String,
    /// Size in bytes.
    pub size: u64,
}

/// The ecosystem a package belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Ecosystem {
    /// npm.
    Npm,
    /// PyPI.
    PyPI,
    /// RubyGems.
    RubyGems,
    /// crates.io.
    Cargo,
}

/// A package read for analysis.
#[derive(Debug, Clone)]
pub struct Package {
    /// The archive or directory it was read from.
    pub source: String,
    /// Its ecosystem.
    pub ecosystem: Ecosystem,
    /// Its name and version, from its manifest.
    pub name: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// The files holding code, and npm's lifecycle scripts as files of their own.
    pub files: Vec<SourceFile>,
    /// Every file's hashes, by path.
    pub hashes: Vec<(String, Hashes)>,
    /// The archive's own SHA-256, when read from an archive.
    pub sha256: Option<String>,
    /// The archive's file name as the registry or the user named it, when read from one.
    pub archive_name: Option<String>,
    /// The package's root directory inside the archive (`package/`, `name-1.0/`), with its
    /// trailing slash, or empty.
    pub root: String,
    /// Files the install runs (by path), and files an import runs.
    pub install_files: Vec<String>,
    /// Files an import runs first.
    pub import_files: Vec<String>,
    /// Dependencies the manifest names with a URL or git source: (name, source).
    pub url_dependencies: Vec<(String, String)>,
}

/// Levels of loads followed from what the install runs.
const INSTALL_LEVELS: usize = 4;

/// Levels of loads followed from what an import runs first.
const IMPORT_LEVELS: usize = 2;

/// A path with `.` and `..` segments resolved (never above the root).
fn normalize(path: &str) -> String {
    let mut parts: Vec<&str> = Vec::new();
    for p in path.split('/') {
        match p {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            p => parts.push(p),
        }
    }
    parts.join("/")
}

/// File names of native executables a package may carry and run.
pub(crate) fn is_native(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    [".exe", ".dll", ".scr", ".msi", ".com", ".elf", ".dylib", ".bin"].iter().any(|e| lower.ends_with(e))
}

/// Whether a path in an archive is read for analysis.
fn wanted(path: &str) -> bool {
    FileKind::of(path) != FileKind::Other
        || path.ends_with("/setup.py")
        || path == "setup.py"
        || path.ends_with(".egg-info/top_level.txt")
        || path.ends_with(".dist-info/top_level.txt")
}

impl Package {
    /// Reads an archive (by its name's kind) or an unpacked directory.
    pub fn read(path: &Path, limits: Limits) -> Result<Package, AnalyzeError> {
        let shown = path.display().to_string();
        if path.is_dir() {
            return Package::read_dir(path);
        }
        let name = path.file_name().map(|f| f.to_string_lossy().into_owned()).unwrap_or_default();
        let kind = ArchiveKind::from_name(&name).ok_or_else(|| AnalyzeError::Kind { path: shown.clone() })?;
        let file =
            std::fs::File::open(path).map_err(|e| AnalyzeError::Read { path: shown.clone(), reason: e.to_string() })?;
        Package::read_archive(&shown, &name, kind, std::io::BufReader::new(file), limits)
    }

    /// Reads an archive of `kind` named `filename` from `input` (a file or an upload).
    pub fn read_archive(
        shown: &str,
        filename: &str,
        kind: ArchiveKind,
        input: impl std::io::Read + std::io::Seek,
        limits: Limits,
    ) -> Result<Package, AnalyzeError> {
        let keep = Keep { wanted, max_file: MAX_FILE, max_total: MAX_TOTAL };
        let (inspected, contents) = archive::read_contents(filename, kind, input, limits, Some(keep))
            .map_err(|e| AnalyzeError::Archive { path: shown.to_owned(), reason: e.to_string() })?;
        let ecosystem = match kind {
            ArchiveKind::Tgz => Ecosystem::Npm,
            ArchiveKind::TarGz | ArchiveKind::Zip | ArchiveKind::Wheel => Ecosystem::PyPI,
            ArchiveKind::Gem => Ecosystem::RubyGems,
            ArchiveKind::Crate => Ecosystem::Cargo,
        };
        // A `.tar.gz` holding `package/package.json` is npm's, whatever its name says.
        let ecosystem = if ecosystem == Ecosystem::PyPI && contents.iter().any(|c| c.path == "package/package.json") {
            Ecosystem::Npm
        } else {
            ecosystem
        };
        let hashes = inspected
            .files
            .iter()
            .map(|f| {
                let h = Hashes {
                    md5: f.md5.to_string(),
                    sha1: f.sha1.to_string(),
                    sha256: f.sha256.to_string(),
                    size: f.size,
                };
                (f.path.clone(), h)
            })
            .collect();
        let files = contents
            .into_iter()
            .map(|Content { path, bytes, truncated }| SourceFile::new(&path, bytes, truncated))
            .collect();
        let mut package = Package::new(shown.to_owned(), ecosystem, files);
        package.name = inspected.manifest.as_ref().map(|m| m.name.clone());
        package.version = inspected.manifest.as_ref().map(|m| m.version.clone());
        package.hashes = hashes;
        package.sha256 = Some(inspected.sha256.to_string());
        package.archive_name = Some(filename.rsplit(['/', '\\']).next().unwrap_or(filename).to_owned());
        package.find_paths();
        package.forget_unread();
        Ok(package)
    }

    /// Whether a file is read by the rules: what the install or an import runs, and any other
    /// file of the package's own language that is not a test, an example or documentation.
    /// (Python in an npm package, or JavaScript in a PyPI one, runs only when something the
    /// install runs starts it, and then it is on the install path.)
    pub(crate) fn is_read(&self, file: &SourceFile) -> bool {
        if file.kind == FileKind::NpmScript
            || self.install_files.contains(&file.path)
            || self.import_files.contains(&file.path)
        {
            return true;
        }
        let foreign = match self.ecosystem {
            Ecosystem::Npm => file.kind == FileKind::Python,
            Ecosystem::PyPI => file.kind == FileKind::JavaScript,
            Ecosystem::RubyGems | Ecosystem::Cargo => false,
        };
        !foreign && !crate::inert(&file.path)
    }

    /// Frees the text of files the rules do not read, so a package's peak memory is its code.
    fn forget_unread(&mut self) {
        let unread: Vec<bool> = self.files.iter().map(|f| !self.is_read(f)).collect();
        for (file, unread) in self.files.iter_mut().zip(unread) {
            if unread {
                file.text = String::new();
            }
        }
    }

    /// A package of `files`, nothing known yet of its name, hashes or paths.
    pub(crate) fn new(source: String, ecosystem: Ecosystem, files: Vec<SourceFile>) -> Package {
        Package {
            source,
            ecosystem,
            name: None,
            version: None,
            files,
            hashes: Vec::new(),
            sha256: None,
            archive_name: None,
            root: String::new(),
            install_files: Vec::new(),
            import_files: Vec::new(),
            url_dependencies: Vec::new(),
        }
    }

    /// Reads an unpacked package directory: its code files, without following links out.
    fn read_dir(dir: &Path) -> Result<Package, AnalyzeError> {
        let shown = dir.display().to_string();
        let mut files = Vec::new();
        let mut total = 0usize;
        let mut stack = vec![(dir.to_path_buf(), String::new(), 0usize)];
        let mut seen = 0usize;
        while let Some((at, prefix, depth)) = stack.pop() {
            let entries = std::fs::read_dir(&at)
                .map_err(|e| AnalyzeError::Read { path: at.display().to_string(), reason: e.to_string() })?;
            for entry in entries.flatten() {
                seen += 1;
                if seen > MAX_DIR_FILES {
                    return Err(AnalyzeError::Read { path: shown, reason: format!("more than {MAX_DIR_FILES} files") });
                }
                let name = entry.file_name().to_string_lossy().into_owned();
                let rel = format!("{prefix}{name}");
                let Ok(kind) = entry.file_type() else { continue };
                if kind.is_symlink() {
                    continue;
                }
                if kind.is_dir() {
                    if depth < 32 && name != ".git" {
                        stack.push((entry.path(), format!("{rel}/"), depth + 1));
                    }
                } else if kind.is_file() && wanted(&rel) && total < MAX_TOTAL {
                    let mut bytes = Vec::new();
                    let file = std::fs::File::open(entry.path())
                        .map_err(|e| AnalyzeError::Read { path: rel.clone(), reason: e.to_string() })?;
                    std::io::Read::read_to_end(&mut std::io::Read::take(file, (MAX_FILE + 1) as u64), &mut bytes)
                        .map_err(|e| AnalyzeError::Read { path: rel.clone(), reason: e.to_string() })?;
                    let truncated = bytes.len() > MAX_FILE;
                    bytes.truncate(MAX_FILE);
                    total += bytes.len();
                    files.push(SourceFile::new(&rel, bytes, truncated));
                }
            }
        }
        files.sort_by(|a, b| a.path.cmp(&b.path));
        let ecosystem = if files.iter().any(|f| f.path == "package.json") { Ecosystem::Npm } else { Ecosystem::PyPI };
        let mut package = Package::new(shown, ecosystem, files);
        package.find_paths();
        package.forget_unread();
        Ok(package)
    }

    /// Finds the package's root, what its install runs and what an import runs first; adds
    /// npm's lifecycle scripts as files.
    fn find_paths(&mut self) {
        match self.ecosystem {
            Ecosystem::Npm => self.npm_paths(),
            Ecosystem::PyPI => self.python_paths(),
            Ecosystem::RubyGems | Ecosystem::Cargo => {}
        }
        // What those files load from the package runs when they do: relative `require("./x")`,
        // `import "./x"` and `from .x import`, and Python imports of the package's own
        // modules, followed a bounded number of levels (what the install runs, deeper).
        self.install_files = self.with_loads(&self.install_files, INSTALL_LEVELS);
        self.import_files = self.with_loads(&self.import_files, IMPORT_LEVELS);
    }

    /// `files` and what they load, `levels` deep: each level reads only the files the one
    /// before added.
    fn with_loads(&self, files: &[String], levels: usize) -> Vec<String> {
        let present: std::collections::HashSet<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let mut seen: std::collections::HashSet<String> = files.iter().cloned().collect();
        let mut out = files.to_vec();
        let mut frontier = files.to_vec();
        for _ in 0..levels {
            let mut next = Vec::new();
            for path in &frontier {
                for w in self.loads_of(path) {
                    if present.contains(w.as_str()) && seen.insert(w.clone()) {
                        next.push(w);
                    }
                }
            }
            if next.is_empty() {
                break;
            }
            out.extend(next.iter().cloned());
            frontier = next;
        }
        out
    }

    /// The package paths a file may load (candidates; not all exist).
    fn loads_of(&self, path: &str) -> Vec<String> {
        static JS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            crate::ascii_regex(r#"(?:require\s*\(\s*|import\s*\(?\s*|from\s+)['"](\.{1,2}/[^'"\n]+)['"]"#)
                .expect("valid")
        });
        static JS_RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            crate::ascii_regex(r#"\bnode(?:\.exe)?['"]?\s*[, ]\s*['"]?(?:\./)?([\w./-]+\.[cm]?js)\b"#).expect("valid")
        });
        // `from .x import y`, `from ..x.y import *`, `from . import (a, b)`.
        static PY: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            crate::ascii_regex(r"(?m)^\s*from\s+(\.+)([\w.]*)\s+import\s+(\*|\(?\s*[\w, ]+)").expect("valid")
        });
        // `import pkg.mod`, `from pkg.mod import x`: the package's own modules by absolute name.
        static PY_ABS: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            crate::ascii_regex(
                r"(?m)^([ \t]*)(?:from\s+([A-Za-z_][\w.]*)\s+import\s+(\*|\(?\s*[\w, ]+)|import\s+([A-Za-z_][\w.]*))",
            )
            .expect("valid")
        });
        // What a process the file starts runs: `python -m pkg.mod`, `[sys.executable, "-m",
        // "pkg.mod"]`, `python3 helper.py`.
        static PY_RUN: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
            crate::ascii_regex(
                r#"(?:(?:^|[\s'"\[(,])-m['"]?\s*,?\s*['"]?([A-Za-z_][\w.]*)|(?:(?:^|[\s'"/\\])python[\d.]*w?(?:\.exe)?|sys\.executable)(?:['"]?\s*,\s*['"]|\s+)([\w./-]+\.py)\b)"#,
            )
            .expect("valid")
        });
        let Some(file) = self.files.iter().find(|f| f.path == path) else { return Vec::new() };
        let dir = path.rsplit_once('/').map_or("", |(d, _)| d);
        let mut wanted: Vec<String> = Vec::new();
        let module_files = |wanted: &mut Vec<String>, base: &str, name: &str| {
            wanted.push(normalize(&format!("{base}/{name}.py")));
            wanted.push(normalize(&format!("{base}/{name}/__init__.py")));
        };
        match file.kind {
            FileKind::JavaScript => {
                for c in JS.captures_iter(&file.text).take(200) {
                    let joined = normalize(&format!("{dir}/{}", &c[1]));
                    for candidate in [joined.clone(), format!("{joined}.js"), format!("{joined}/index.js")] {
                        wanted.push(candidate);
                    }
                }
                // A process it starts: `spawn("node update.js")`, `exec("nohup node ./x.js &")`.
                for c in JS_RUN.captures_iter(&file.text).take(50) {
                    wanted.push(normalize(&format!("{dir}/{}", &c[1])));
                    wanted.push(normalize(&format!("{}{}", self.root, &c[1])));
                }
            }
            FileKind::Python => {
                for c in PY.captures_iter(&file.text).take(200) {
                    // One dot is this directory; each more, one up.
                    let up = "/..".repeat(c[1].len() - 1);
                    let base = format!("{dir}{up}");
                    let module = c[2].replace('.', "/");
                    let members = c[3].trim_start_matches('(');
                    if module.is_empty() {
                        for name in members.split(',').map(str::trim).filter(|n| !n.is_empty() && *n != "*") {
                            module_files(&mut wanted, &base, name);
                        }
                    } else {
                        module_files(&mut wanted, &base, &module);
                        for name in members.split(',').map(str::trim).filter(|n| !n.is_empty() && *n != "*") {
                            module_files(&mut wanted, &base, &format!("{module}/{name}"));
                        }
                    }
                }
                // `setup.py` imports its package for a version string, which is the import
                // path's business, not the install's. What it imports inside a function or a
                // class (a custom `install` command's `run`) runs at install, and so does a
                // module beside it (`from pre_install import run`).
                let from_setup = path.ends_with("setup.py");
                let in_def = if from_setup { function_lines(&file.text) } else { Vec::new() };
                let own = self.name.as_deref().map(|n| n.to_ascii_lowercase().replace('-', "_"));
                for c in PY_ABS.captures_iter(&file.text).take(200) {
                    let module = c.get(2).or(c.get(4)).map_or("", |m| m.as_str()).replace('.', "/");
                    if from_setup {
                        let line = file.text[..c.get(0).map_or(0, |m| m.start())].matches('\n').count();
                        let in_function = in_def.get(line).copied().unwrap_or(false);
                        let beside = !module.contains('/')
                            && own.as_deref() != Some(module.to_ascii_lowercase().as_str())
                            && self.has(&format!("{dir}/{module}.py"));
                        if !in_function && !beside {
                            continue;
                        }
                    }
                    let mut names = vec![module.clone()];
                    if let Some(members) = c.get(3) {
                        let members = members.as_str().trim_start_matches('(');
                        names.extend(
                            members
                                .split(',')
                                .map(str::trim)
                                .filter(|n| !n.is_empty() && *n != "*")
                                .map(|n| format!("{module}/{n}")),
                        );
                    }
                    for name in names {
                        for base in
                            [self.root.trim_end_matches('/').to_owned(), format!("{}src", self.root), dir.to_owned()]
                        {
                            module_files(&mut wanted, &base, &name);
                        }
                    }
                }
                for c in JS_RUN.captures_iter(&file.text).take(50) {
                    wanted.push(normalize(&format!("{dir}/{}", &c[1])));
                    wanted.push(normalize(&format!("{}{}", self.root, &c[1])));
                }
                for c in PY_RUN.captures_iter(&file.text).take(50) {
                    if let Some(module) = c.get(1) {
                        let module = module.as_str().replace('.', "/");
                        for base in [self.root.trim_end_matches('/').to_owned(), format!("{}src", self.root)] {
                            module_files(&mut wanted, &base, &module);
                            wanted.push(normalize(&format!("{base}/{module}/__main__.py")));
                        }
                    } else if let Some(script) = c.get(2) {
                        let script = script.as_str().trim_start_matches("./");
                        wanted.push(normalize(&format!("{dir}/{script}")));
                        wanted.push(normalize(&format!("{}{script}", self.root)));
                    }
                }
            }
            _ => {}
        }
        wanted
    }

    /// Whether the package holds a file read for analysis at `path` (normalised).
    fn has(&self, path: &str) -> bool {
        let path = normalize(path);
        self.files.iter().any(|f| f.path == path)
    }

    fn npm_paths(&mut self) {
        let Some(manifest) = self
            .files
            .iter()
            .filter(|f| f.path.ends_with("package.json") && f.path.matches('/').count() <= 1)
            .min_by_key(|f| f.path.len())
        else {
            return;
        };
        self.root = manifest.path.strip_suffix("package.json").unwrap_or("").to_owned();
        let Ok(json) = serde_json::from_str::<serde_json::Value>(&manifest.text) else { return };
        self.name = self.name.take().or_else(|| json["name"].as_str().map(str::to_owned));
        self.version = self.version.take().or_else(|| json["version"].as_str().map(str::to_owned));
        let manifest_path = manifest.path.clone();
        let main = json["main"].as_str().unwrap_or("index.js").trim_start_matches("./").to_owned();
        let main = if FileKind::of(&main) == FileKind::Other { format!("{main}.js") } else { main };
        let mut scripts = Vec::new();
        for hook in ["preinstall", "install", "postinstall", "prepare"] {
            if let Some(command) = json["scripts"][hook].as_str() {
                scripts.push(SourceFile {
                    path: format!("{manifest_path}#scripts.{hook}"),
                    kind: FileKind::NpmScript,
                    text: command.chars().take(64 * 1024).collect(),
                    truncated: false,
                });
                // The files the command runs: `node x.js`, `sh ./setup.sh`, `python y.py`.
                for word in command.split([' ', '&', ';', '|', '"', '\'']) {
                    // `node .` and `node ./` run the package's main file.
                    let word = if matches!(word, "." | "./") { main.as_str() } else { word.trim_start_matches("./") };
                    if FileKind::of(word) != FileKind::Other {
                        self.install_files.push(format!("{}{word}", self.root));
                    }
                }
            }
        }
        self.import_files.push(format!("{}{main}", self.root));
        for section in ["dependencies", "optionalDependencies", "devDependencies"] {
            if let Some(deps) = json[section].as_object() {
                for (name, spec) in deps {
                    let spec = spec.as_str().unwrap_or("");
                    if spec.starts_with("http:")
                        || spec.starts_with("https:")
                        || spec.starts_with("git")
                        || spec.contains("://")
                    {
                        self.url_dependencies.push((name.clone(), spec.to_owned()));
                    }
                }
            }
        }
        self.files.extend(scripts);
    }

    fn python_paths(&mut self) {
        // The sdist's root holds setup.py (else PKG-INFO, pyproject.toml or setup.cfg); a
        // wheel has no root directory.
        if let Some(setup) =
            self.files.iter().filter(|f| f.path.ends_with("setup.py")).min_by_key(|f| f.path.matches('/').count())
        {
            self.root = setup.path.strip_suffix("setup.py").unwrap_or("").to_owned();
            self.install_files.push(setup.path.clone());
        } else if let Some(meta) = self
            .hashes
            .iter()
            .map(|(p, _)| p.as_str())
            .filter(|p| {
                let name = p.rsplit('/').next().unwrap_or(p);
                matches!(name, "PKG-INFO" | "pyproject.toml" | "setup.cfg") && !p.contains(".egg-info/")
            })
            .min_by_key(|p| p.matches('/').count())
        {
            self.root = meta.rsplit_once('/').map_or(String::new(), |(d, _)| format!("{d}/"));
        }
        let root_depth = self.root.matches('/').count();
        let present: std::collections::HashSet<&str> = self.files.iter().map(|f| f.path.as_str()).collect();
        let mut imports = Vec::new();
        for f in &self.files {
            let depth = f.path.matches('/').count() - root_depth.min(f.path.matches('/').count());
            if f.kind == FileKind::Pth {
                self.install_files.push(f.path.clone());
            } else if f.path.ends_with("__init__.py") && f.path.starts_with(&self.root) {
                // A package's own `__init__.py` near the root, or that of any top-level
                // package (one whose parent is no package), as a `src/` layout or a wheel
                // re-packed in a subdirectory has them.
                let parent = f.path.rsplit_once('/').map_or("", |(d, _)| d);
                let grand = parent.rsplit_once('/').map_or("", |(d, _)| d);
                let top_level = !present.contains(format!("{grand}/__init__.py").as_str());
                if depth <= 2 || (top_level && depth <= 4 && !crate::inert(&f.path) && !vendored(&f.path)) {
                    imports.push(f.path.clone());
                }
            }
        }
        // Single-module packages: what `top_level.txt` or `py_modules=[…]` names, and a wheel's
        // modules at its top.
        let mut modules: Vec<String> = Vec::new();
        for f in &self.files {
            if f.path.ends_with("/top_level.txt") {
                modules.extend(f.text.lines().map(str::trim).filter(|l| !l.is_empty()).take(50).map(str::to_owned));
            }
            if f.path.ends_with("setup.py") {
                static PY_MODULES: std::sync::LazyLock<regex::Regex> = std::sync::LazyLock::new(|| {
                    crate::ascii_regex(r"py_modules\s*=\s*[\[(]([^\])]*)[\])]").expect("valid")
                });
                for c in PY_MODULES.captures_iter(&f.text).take(5) {
                    modules.extend(c[1].split(',').map(|m| m.trim().trim_matches(['"', '\'']).to_owned()));
                }
            }
        }
        let wheel = self.hashes.iter().any(|(p, _)| p.split('/').next().is_some_and(|d| d.ends_with(".dist-info")));
        for f in &self.files {
            let at_top = f.kind == FileKind::Python && !f.path.contains('/');
            if wheel && at_top && f.path != "setup.py" {
                imports.push(f.path.clone());
            }
        }
        for m in modules.iter().filter(|m| !m.is_empty() && !m.contains(['/', '\\'])) {
            for base in [self.root.clone(), format!("{}src/", self.root)] {
                let path = format!("{base}{}.py", m.replace('.', "/"));
                if present.contains(path.as_str()) {
                    imports.push(path);
                }
            }
        }
        imports.sort();
        imports.dedup();
        self.import_files.extend(imports);
    }
}

/// For each 0-based line of Python source, whether it sits inside a `def` body: what a
/// function (a custom install command's `run`) imports runs when it is called, not when the
/// module is read.
fn function_lines(text: &str) -> Vec<bool> {
    let mut out = Vec::new();
    let mut def_indent: Option<usize> = None;
    for line in text.lines() {
        let indent = line.len() - line.trim_start().len();
        let code = line.trim_start();
        if code.is_empty() || code.starts_with('#') {
            out.push(def_indent.is_some());
            continue;
        }
        if def_indent.is_some_and(|d| indent <= d) {
            def_indent = None;
        }
        out.push(def_indent.is_some());
        if def_indent.is_none() && (code.starts_with("def ") || code.starts_with("async def ")) {
            def_indent = Some(indent);
        }
    }
    out
}

/// Whether a path sits in a copy of another project shipped inside the package.
fn vendored(path: &str) -> bool {
    path.split('/')
        .any(|p| matches!(p, "_vendor" | "vendor" | "vendored" | "third_party" | "site-packages" | "node_modules"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_import_path_follows_the_packages_own_modules_a_bounded_depth() {
        let dir = tempfile::tempdir().unwrap();
        let write = |p: &str, text: &str| {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        };
        write("setup.py", "from setuptools import setup\nfrom pkg import __version__\nsetup(name='pkg')\n");
        write("pkg/__init__.py", "from .a import x\n__version__ = '1'\n");
        write("pkg/a.py", "import pkg.b\nx = 1\n");
        write("pkg/b.py", "from pkg import c\n");
        write("pkg/c.py", "from pkg import d\n");
        write("pkg/d.py", "y = 2\n");
        let p = Package::read(dir.path(), Limits::default()).unwrap();
        for want in ["pkg/__init__.py", "pkg/a.py", "pkg/b.py"] {
            assert!(p.import_files.iter().any(|f| f == want), "{want} in {:?}", p.import_files);
        }
        assert!(!p.import_files.iter().any(|f| f == "pkg/d.py"), "two levels beyond __init__.py, no more");
        assert_eq!(p.install_files, ["setup.py"], "setup.py's import of its own version is not the install's");
    }

    fn read(files: &[(&str, &str)]) -> Package {
        let dir = tempfile::tempdir().unwrap();
        for (p, text) in files {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        Package::read(dir.path(), Limits::default()).unwrap()
    }

    #[test]
    fn star_parenthesised_and_dotted_imports_are_followed() {
        let p = read(&[
            ("pkg/__init__.py", "from .a import *\nfrom .sub.b import (\n    x,\n)\n"),
            ("pkg/a.py", "y = 1\n"),
            ("pkg/sub/__init__.py", ""),
            ("pkg/sub/b.py", "x = 1\n"),
        ]);
        for want in ["pkg/a.py", "pkg/sub/b.py"] {
            assert!(p.import_files.iter().any(|f| f == want), "{want} in {:?}", p.import_files);
        }
    }

    #[test]
    fn what_setup_runs_is_the_installs_and_what_it_imports_for_a_version_is_not() {
        let p = read(&[
            (
                "setup.py",
                "from setuptools import setup\nfrom pkg import __version__\nfrom helper import prepare\nclass Install:\n    def run(self):\n        from pkg.post import go\n        subprocess.run([sys.executable, '-m', 'pkg.tool'])\nsetup(name='pkg')\n",
            ),
            ("helper.py", "prepare = 1\n"),
            ("pkg/__init__.py", "__version__ = '1'\n"),
            ("pkg/post.py", "go = 1\n"),
            ("pkg/tool/__main__.py", "print(1)\n"),
        ]);
        for want in ["setup.py", "helper.py", "pkg/post.py", "pkg/tool/__main__.py"] {
            assert!(p.install_files.iter().any(|f| f == want), "{want} in {:?}", p.install_files);
        }
        assert!(!p.install_files.iter().any(|f| f == "pkg/__init__.py"), "{:?}", p.install_files);
    }

    #[test]
    fn src_layouts_and_single_modules_are_imported() {
        let p = read(&[
            ("pyproject.toml", "[project]\nname = 'x'\n"),
            ("src/x/__init__.py", "from .core import run\n"),
            ("src/x/core.py", "run = 1\n"),
            ("x.egg-info/top_level.txt", "x\nsolo\n"),
            ("src/solo.py", "z = 1\n"),
            ("tests/test_x.py", "import x\n"),
        ]);
        for want in ["src/x/__init__.py", "src/x/core.py", "src/solo.py"] {
            assert!(p.import_files.iter().any(|f| f == want), "{want} in {:?}", p.import_files);
        }
        let test = p.files.iter().find(|f| f.path == "tests/test_x.py").unwrap();
        assert!(test.text.is_empty(), "a test off every path is not held");
    }
}
