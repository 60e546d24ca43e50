//! `scioc scan` on lockfiles produced by real package managers (`tests/data/scan/real/`, each
//! with the command that produced it), copied and injected with known-malicious entries: from
//! the shared OSV snapshot (loaded whole), from the starter candidates, and an innocent-looking
//! entry whose integrity hash is that of a malicious archive ingested as a sample. Unmodified,
//! each lockfile must give no finding; injected, each injected entry must be found with the
//! right rule, line and path, and nothing else. Formats no package manager here can produce
//! (Bundler, SBOM generators) are written by hand and scanned against the same store.
//!
//! One test per format, each over its fixtures; `every_fixture_is_covered` checks that the
//! tables name every fixture directory. The store is prepared once per test process by the
//! first test that needs it ([`shared`]) and only read by the scans, which run side by side.

use crate::support::{Scioc, npm_tgz};
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha256, Sha512};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

const REAL: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scan/real");

/// What a finding must be: rule, `name@version`, file name, line, path.
type Want = (String, String, String, usize, Vec<String>);

/// Injects entries into a copied project, with the hashes of the ingested malicious archive,
/// and says what must be found.
type Injector = fn(&Path, &Hashes) -> Vec<Want>;

/// Fixture directories of one format, each with what to inject into it.
type Fixtures = &'static [(&'static str, Injector)];

fn want(rule: &str, pkg: &str, file: &str, text: &str, needle: &str, path: &[&str]) -> Want {
    let at = text.find(needle).unwrap_or_else(|| panic!("{needle:?} not in {file}"));
    let line = text[..at].matches('\n').count() + 1;
    (rule.into(), pkg.into(), file.into(), line, path.iter().map(|s| s.to_string()).collect())
}

/// The line above the first `needle`: the `[[package]]` header of a TOML block.
fn line_above(text: &str, needle: &str) -> usize {
    text[..text.find(needle).unwrap_or_else(|| panic!("{needle:?} not found"))].matches('\n').count()
}

fn copy(dir: &str, to: &Path) -> PathBuf {
    let dest = to.join(dir);
    std::fs::create_dir_all(&dest).unwrap();
    for e in std::fs::read_dir(Path::new(REAL).join(dir)).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            std::fs::copy(e.path(), dest.join(e.file_name())).unwrap();
        }
    }
    dest
}

fn read(p: &Path) -> String {
    std::fs::read_to_string(p).unwrap()
}

/// Inserts `insert` after the first line containing `anchor` (searched from `from`).
fn insert_after(text: &str, from: &str, anchor: &str, insert: &str) -> String {
    let start = text.find(from).unwrap_or_else(|| panic!("{from:?} not found"));
    let at = start + text[start..].find(anchor).unwrap_or_else(|| panic!("{anchor:?} not found after {from:?}"));
    let eol = at + text[at..].find('\n').unwrap() + 1;
    format!("{}{insert}{}", &text[..eol], &text[eol..])
}

struct Hashes {
    sri: String,
    sha256: String,
}

/// npm lockfiles (v1, v2, v3).
fn npm_lock(dir: &Path, h: &Hashes, version: u8) -> Vec<Want> {
    let file = dir.join("package-lock.json");
    let mut doc: Value = serde_json::from_str(&read(&file)).unwrap();
    let entry = |name: &str, v: &str, integrity: &str| serde_json::json!({"version": v, "resolved": format!("https://registry.npmjs.org/{name}/-/{name}-{v}.tgz"), "integrity": integrity});
    let other = "sha512-AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA==";
    if version == 1 {
        let deps = doc["dependencies"].as_object_mut().unwrap();
        deps["debug"]["requires"]["internal-logger"] = "2.9.0".into();
        deps["debug"]["dependencies"] =
            serde_json::json!({"internal-logger": entry("internal-logger", "2.9.0", other)});
        deps.insert("ua-parser-js".into(), entry("ua-parser-js", "0.7.29", other));
        deps.insert("lodash-helpers".into(), entry("lodash-helpers", "1.0.0", &h.sri));
    } else {
        let packages = doc["packages"].as_object_mut().unwrap();
        packages["node_modules/debug"]["dependencies"]["internal-logger"] = "2.9.0".into();
        packages
            .insert("node_modules/debug/node_modules/internal-logger".into(), entry("internal-logger", "2.9.0", other));
        packages.insert("node_modules/ua-parser-js".into(), entry("ua-parser-js", "0.7.29", other));
        packages.insert("node_modules/lodash-helpers".into(), entry("lodash-helpers", "1.0.0", &h.sri));
    }
    let text = serde_json::to_string_pretty(&doc).unwrap() + "\n";
    std::fs::write(&file, &text).unwrap();
    let f = "package-lock.json";
    let (nested, top) = if version == 1 {
        ("\"internal-logger\": {", ("\"ua-parser-js\": {", "\"lodash-helpers\": {"))
    } else {
        (
            "\"node_modules/debug/node_modules/internal-logger\"",
            ("\"node_modules/ua-parser-js\"", "\"node_modules/lodash-helpers\""),
        )
    };
    vec![
        want("AS-008", "internal-logger@2.9.0", f, &text, nested, &["debug", "internal-logger"]),
        want("AS-008", "ua-parser-js@0.7.29", f, &text, top.0, &["ua-parser-js"]),
        want("HASH", "lodash-helpers@1.0.0", f, &text, top.1, &["lodash-helpers"]),
    ]
}

fn pnpm(dir: &Path, h: &Hashes, version: u8) -> Vec<Want> {
    let file = dir.join("pnpm-lock.yaml");
    let mut text = read(&file);
    let key = |n: &str, v: &str| match version {
        5 => format!("/{n}/{v}"),
        6 => format!("/{n}@{v}"),
        _ => format!("{n}@{v}"),
    };
    let block =
        |n: &str, v: &str, integrity: &str| format!("\n  {}:\n    resolution: {{integrity: {integrity}}}\n", key(n, v));
    let packages: String = [
        block("internal-logger", "2.9.0", "sha512-AAAA"),
        block("ua-parser-js", "0.7.29", "sha512-AAAA"),
        block("lodash-helpers", "1.0.0", &h.sri),
    ]
    .concat();
    // The new packages go at the start of `packages:`; debug gains a dependency on one of them.
    text = insert_after(&text, "\npackages:", "packages:", &packages[1..]);
    let debug = match version {
        5 => "\n  /debug/4.3.4:",
        6 => "\n  /debug@4.3.4:",
        _ => "\n  debug@4.3.4:",
    };
    let from = if version == 9 { text.rfind(debug).unwrap() } else { text.find(debug).unwrap() };
    text = format!(
        "{}{}",
        &text[..from],
        insert_after(&text[from..], debug, "    dependencies:", "      internal-logger: 2.9.0\n")
    );
    if version == 9 {
        text.push_str("\n  internal-logger@2.9.0: {}\n\n  ua-parser-js@0.7.29: {}\n\n  lodash-helpers@1.0.0: {}\n");
    }
    std::fs::write(&file, &text).unwrap();
    let f = "pnpm-lock.yaml";
    vec![
        want(
            "AS-008",
            "internal-logger@2.9.0",
            f,
            &text,
            &format!("  {}:", key("internal-logger", "2.9.0")),
            &["debug", "internal-logger"],
        ),
        want(
            "AS-008",
            "ua-parser-js@0.7.29",
            f,
            &text,
            &format!("  {}:", key("ua-parser-js", "0.7.29")),
            &["ua-parser-js"],
        ),
        want(
            "HASH",
            "lodash-helpers@1.0.0",
            f,
            &text,
            &format!("  {}:", key("lodash-helpers", "1.0.0")),
            &["lodash-helpers"],
        ),
    ]
}

fn yarn_classic(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("yarn.lock");
    let mut text = insert_after(&read(&file), "\ndebug@4.3.4:", "  dependencies:", "    internal-logger \"2.9.0\"\n");
    let block = |n: &str, range: &str, v: &str, integrity: &str| {
        format!(
            "\n{n}@{range}:\n  version \"{v}\"\n  resolved \"https://registry.yarnpkg.com/{n}/-/{n}-{v}.tgz\"\n  integrity {integrity}\n"
        )
    };
    text.push_str(&block("internal-logger", "2.9.0", "2.9.0", "sha512-AAAA"));
    text.push_str(&block("ua-parser-js", "^0.7.29", "0.7.29", "sha512-AAAA"));
    text.push_str(&block("lodash-helpers", "^1.0.0", "1.0.0", &h.sri));
    std::fs::write(&file, &text).unwrap();
    let f = "yarn.lock";
    vec![
        want("AS-008", "internal-logger@2.9.0", f, &text, "\ninternal-logger@2.9.0:", &["debug", "internal-logger"]),
        want("AS-008", "ua-parser-js@0.7.29", f, &text, "\nua-parser-js@^0.7.29:", &["ua-parser-js"]),
        want("HASH", "lodash-helpers@1.0.0", f, &text, "\nlodash-helpers@^1.0.0:", &["lodash-helpers"]),
    ]
    .into_iter()
    .map(|(r, p, f, l, path)| (r, p, f, l + 1, path))
    .collect()
}

/// Berry records no registry hash (its `checksum` is of yarn's cache zip), so no HASH here.
fn yarn_berry(dir: &Path) -> Vec<Want> {
    let file = dir.join("yarn.lock");
    let mut text =
        insert_after(&read(&file), "\"debug@npm:4.3.4\":", "  dependencies:", "    internal-logger: \"npm:2.9.0\"\n");
    for (n, v) in [("internal-logger", "2.9.0"), ("ua-parser-js", "0.7.29")] {
        text.push_str(&format!(
            "\n\"{n}@npm:{v}\":\n  version: {v}\n  resolution: \"{n}@npm:{v}\"\n  languageName: node\n  linkType: hard\n"
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let f = "yarn.lock";
    vec![
        want(
            "AS-008",
            "internal-logger@2.9.0",
            f,
            &text,
            "\"internal-logger@npm:2.9.0\":",
            &["debug", "internal-logger"],
        ),
        want("AS-008", "ua-parser-js@0.7.29", f, &text, "\"ua-parser-js@npm:0.7.29\":", &["ua-parser-js"]),
    ]
}

fn bun(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("bun.lock");
    let text = read(&file);
    let end = text.rfind("  }\n}").unwrap();
    let added = format!(
        "\n    \"debug/internal-logger\": [\"internal-logger@2.9.0\", \"\", {{}}, \"sha512-AAAA\"],\n\n    \"ua-parser-js\": [\"ua-parser-js@0.7.29\", \"\", {{}}, \"sha512-AAAA\"],\n\n    \"lodash-helpers\": [\"lodash-helpers@1.0.0\", \"\", {{}}, \"{}\"],\n",
        h.sri
    );
    let text = format!("{}{added}{}", &text[..end], &text[end..]);
    std::fs::write(&file, &text).unwrap();
    let f = "bun.lock";
    vec![
        want("AS-008", "internal-logger@2.9.0", f, &text, "\"debug/internal-logger\"", &["debug", "internal-logger"]),
        want("AS-008", "ua-parser-js@0.7.29", f, &text, "\"ua-parser-js\":", &["ua-parser-js"]),
        want("HASH", "lodash-helpers@1.0.0", f, &text, "\"lodash-helpers\":", &["lodash-helpers"]),
    ]
}

fn requirements(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("requirements.txt");
    let mut text = read(&file);
    let other = "ab".repeat(32);
    text.push_str(&format!(
        "requstsss==2.28.2 \\\n    --hash=sha256:{other}\nctx==0.2.6 \\\n    --hash=sha256:{other}\ninnocent-py==1.0.0 \\\n    --hash=sha256:{}\n",
        h.sha256
    ));
    std::fs::write(&file, &text).unwrap();
    let f = "requirements.txt";
    vec![
        want("AS-008", "requstsss@2.28.2", f, &text, "requstsss==2.28.2", &["requstsss"]),
        want("AS-008", "ctx@0.2.6", f, &text, "ctx==0.2.6", &["ctx"]),
        want("HASH", "innocent-py@1.0.0", f, &text, "innocent-py==1.0.0", &["innocent-py"]),
    ]
}

fn pipfile(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("Pipfile.lock");
    let mut doc: Value = serde_json::from_str(&read(&file)).unwrap();
    let other = format!("sha256:{}", "ab".repeat(32));
    let default = doc["default"].as_object_mut().unwrap();
    default.insert("requstsss".into(), serde_json::json!({"hashes": [other], "index": "pypi", "version": "==2.28.2"}));
    default.insert("ctx".into(), serde_json::json!({"hashes": [other], "index": "pypi", "version": "==0.2.6"}));
    default.insert(
        "innocent-py".into(),
        serde_json::json!({"hashes": [format!("sha256:{}", h.sha256)], "index": "pypi", "version": "==1.0.0"}),
    );
    let text = serde_json::to_string_pretty(&doc).unwrap();
    std::fs::write(&file, &text).unwrap();
    let f = "Pipfile.lock";
    vec![
        want("AS-008", "requstsss@2.28.2", f, &text, "\"requstsss\"", &["requstsss"]),
        want("AS-008", "ctx@0.2.6", f, &text, "\"ctx\"", &["ctx"]),
        want("HASH", "innocent-py@1.0.0", f, &text, "\"innocent-py\"", &["innocent-py"]),
    ]
}

fn poetry(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("poetry.lock");
    let text = read(&file);
    let other = "ab".repeat(32);
    let block = |n: &str, v: &str, hash: &str| {
        format!(
            "[[package]]\nname = \"{n}\"\nversion = \"{v}\"\ndescription = \"\"\noptional = false\npython-versions = \"*\"\ngroups = [\"main\"]\nfiles = [\n    {{file = \"{n}-{v}.tar.gz\", hash = \"sha256:{hash}\"}},\n]\n\n"
        )
    };
    let at = text.find("[metadata]").unwrap();
    let added =
        [block("requstsss", "2.28.2", &other), block("ctx", "0.2.6", &other), block("innocent-py", "1.0.0", &h.sha256)]
            .concat();
    let text = format!("{}{added}{}", &text[..at], &text[at..]);
    std::fs::write(&file, &text).unwrap();
    let f = "poetry.lock";
    let line_before = |name: &str| line_above(&text, &format!("name = \"{name}\""));
    vec![
        ("AS-008".into(), "requstsss@2.28.2".into(), f.into(), line_before("requstsss"), vec!["requstsss".into()]),
        ("AS-008".into(), "ctx@0.2.6".into(), f.into(), line_before("ctx"), vec!["ctx".into()]),
        ("HASH".into(), "innocent-py@1.0.0".into(), f.into(), line_before("innocent-py"), vec!["innocent-py".into()]),
    ]
}

fn uv_lock(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("uv.lock");
    let mut text =
        insert_after(&read(&file), "name = \"fixture-uv\"", "dependencies = [", "    { name = \"requstsss\" },\n");
    let other = "ab".repeat(32);
    for (n, v, hash) in [
        ("requstsss", "2.28.2", other.as_str()),
        ("ctx", "0.2.6", other.as_str()),
        ("innocent-py", "1.0.0", h.sha256.as_str()),
    ] {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{n}\"\nversion = \"{v}\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nsdist = {{ url = \"https://files.pythonhosted.org/packages/{n}-{v}.tar.gz\", hash = \"sha256:{hash}\", size = 1 }}\n"
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let line_before = |name: &str| line_above(&text, &format!("name = \"{name}\"\nversion"));
    let f = "uv.lock";
    vec![
        (
            "AS-008".into(),
            "requstsss@2.28.2".into(),
            f.into(),
            line_before("requstsss"),
            vec!["fixture-uv".into(), "requstsss".into()],
        ),
        ("AS-008".into(), "ctx@0.2.6".into(), f.into(), line_before("ctx"), vec!["ctx".into()]),
        ("HASH".into(), "innocent-py@1.0.0".into(), f.into(), line_before("innocent-py"), vec!["innocent-py".into()]),
    ]
}

fn pylock(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("pylock.toml");
    let mut text = read(&file);
    let other = "ab".repeat(32);
    for (n, v, hash) in [
        ("requstsss", "2.28.2", other.as_str()),
        ("ctx", "0.2.6", other.as_str()),
        ("innocent-py", "1.0.0", h.sha256.as_str()),
    ] {
        text.push_str(&format!(
            "\n[[packages]]\nname = \"{n}\"\nversion = \"{v}\"\nindex = \"https://pypi.org/simple\"\nsdist = {{ url = \"https://files.pythonhosted.org/packages/{n}-{v}.tar.gz\", size = 1, hashes = {{ sha256 = \"{hash}\" }} }}\n"
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let line_before = |name: &str| line_above(&text, &format!("name = \"{name}\"\nversion"));
    let f = "pylock.toml";
    vec![
        ("AS-008".into(), "requstsss@2.28.2".into(), f.into(), line_before("requstsss"), vec!["requstsss".into()]),
        ("AS-008".into(), "ctx@0.2.6".into(), f.into(), line_before("ctx"), vec!["ctx".into()]),
        ("HASH".into(), "innocent-py@1.0.0".into(), f.into(), line_before("innocent-py"), vec!["innocent-py".into()]),
    ]
}

fn cargo_lock(dir: &Path, h: &Hashes) -> Vec<Want> {
    let file = dir.join("Cargo.lock");
    let mut text = insert_after(&read(&file), "name = \"fixture-cargo\"", "dependencies = [", " \"littest\",\n");
    let other = "ab".repeat(32);
    for (n, v, hash) in [
        ("littest", "0.3.1", other.as_str()),
        ("rustdecimal", "1.23.1", other.as_str()),
        ("innocent-crate", "1.0.0", h.sha256.as_str()),
    ] {
        text.push_str(&format!(
            "\n[[package]]\nname = \"{n}\"\nversion = \"{v}\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"{hash}\"\n"
        ));
    }
    std::fs::write(&file, &text).unwrap();
    let f = "Cargo.lock";
    vec![
        want("AS-008", "littest@0.3.1", f, &text, "name = \"littest\"", &["fixture-cargo", "littest"]),
        want("AS-008", "rustdecimal@1.23.1", f, &text, "name = \"rustdecimal\"", &["rustdecimal"]),
        want("HASH", "innocent-crate@1.0.0", f, &text, "name = \"innocent-crate\"", &["innocent-crate"]),
    ]
}

fn found(s: &Scioc, dir: &Path) -> (i32, Vec<Want>, Value) {
    let out = s.run(&["scan", "--format", "json", dir.to_str().unwrap()], "");
    let v: Value =
        serde_json::from_slice(&out.stdout).unwrap_or_else(|_| panic!("{}", String::from_utf8_lossy(&out.stderr)));
    let got = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["rule"].as_str().unwrap().to_owned(),
                format!("{}@{}", f["package"].as_str().unwrap(), f["version"].as_str().unwrap_or("")),
                Path::new(f["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned(),
                f["line"].as_u64().unwrap() as usize,
                f["path"].as_array().unwrap().iter().map(|p| p.as_str().unwrap().to_owned()).collect(),
            )
        })
        .collect();
    (out.status.code().unwrap(), got, v)
}

const PACKAGE_LOCK: Fixtures = &[
    ("npm", |d: &Path, h: &Hashes| npm_lock(d, h, 3)),
    ("npm-v2", |d: &Path, h: &Hashes| npm_lock(d, h, 2)),
    ("npm-v1", |d: &Path, h: &Hashes| npm_lock(d, h, 1)),
];
const PNPM_LOCK: Fixtures = &[
    ("pnpm", |d: &Path, h: &Hashes| pnpm(d, h, 9)),
    ("pnpm-v6", |d: &Path, h: &Hashes| pnpm(d, h, 6)),
    ("pnpm-v5", |d: &Path, h: &Hashes| pnpm(d, h, 5)),
];
const YARN_CLASSIC: Fixtures = &[("yarn-classic", yarn_classic)];
const YARN_BERRY: Fixtures = &[("yarn-berry", |d: &Path, _: &Hashes| yarn_berry(d))];
const BUN_LOCK: Fixtures = &[("bun", bun), ("bun-lockv1", bun)];
const REQUIREMENTS: Fixtures = &[("pip", requirements)];
const PIPFILE_LOCK: Fixtures = &[("pipenv", pipfile)];
const POETRY_LOCK: Fixtures = &[("poetry", poetry)];
/// A uv project holds three lockfiles: `requirements.txt`, `uv.lock` and `pylock.toml`.
const UV: Fixtures = &[("uv", |d: &Path, h: &Hashes| [requirements(d, h), uv_lock(d, h), pylock(d, h)].concat())];
const CARGO_LOCK: Fixtures = &[("cargo", cargo_lock)];

/// Every table above.
const ALL: &[Fixtures] = &[
    PACKAGE_LOCK,
    PNPM_LOCK,
    YARN_CLASSIC,
    YARN_BERRY,
    BUN_LOCK,
    REQUIREMENTS,
    PIPFILE_LOCK,
    POETRY_LOCK,
    UV,
    CARGO_LOCK,
];

/// The store every scan reads, and the hashes of the malicious archive ingested into it.
struct Shared {
    scioc: Scioc,
    hashes: Hashes,
}

/// The store, prepared once per process by the first test that asks; the others wait for it.
fn shared() -> &'static Shared {
    static SHARED: OnceLock<Shared> = OnceLock::new();
    SHARED.get_or_init(prepare)
}

/// The store: the whole shared OSV snapshot, the starter candidates, and one malicious archive
/// ingested as a sample (its hashes are what the innocent-looking entries carry). A static is
/// never dropped, so its directory lives under the target directory, named for this process;
/// those of processes that have ended are removed, and a concurrent run keeps its own.
fn prepare() -> Shared {
    let root = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    for e in std::fs::read_dir(&root).into_iter().flatten().flatten() {
        let name = e.file_name().to_string_lossy().into_owned();
        if let Some(pid) = name.strip_prefix("scan-real-")
            && !Path::new("/proc").join(pid).exists()
        {
            let _ = std::fs::remove_dir_all(e.path());
        }
    }
    let parent = root.join(format!("scan-real-{}", std::process::id()));
    std::fs::create_dir_all(&parent).unwrap();
    let s = Scioc { dir: tempfile::tempdir_in(&parent).unwrap(), db: None, env: Vec::new() };
    s.ok(&["ingest", "osv", crate::osv_snapshot::snapshot().to_str().unwrap()], "");
    let starter: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/candidates"))
        .unwrap()
        .map(|e| e.unwrap().path().to_string_lossy().into_owned())
        .collect();
    let iocs = s.dir.path().join("iocs");
    let mut args = vec!["candidates", "promote", "--files", iocs.to_str().unwrap()];
    args.extend(starter.iter().map(String::as_str));
    s.ok(&args, "");
    let tgz = npm_tgz("evil-hash", "6.6.6");
    let sample = s.dir.path().join("evil-hash-6.6.6.tgz");
    std::fs::write(&sample, &tgz).unwrap();
    s.ok(&["ingest", "sample", "--force", sample.to_str().unwrap()], "");
    let hashes = Hashes {
        sri: format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&tgz))),
        sha256: format!("{:x}", Sha256::digest(&tgz)),
    };
    Shared { scioc: s, hashes }
}

/// Scans each fixture as it is (no false positive) and then injected (each injected entry found
/// with its rule, line and path, and nothing else), in a scratch directory of the test's own.
fn check(fixtures: Fixtures) {
    let Shared { scioc: s, hashes: h } = shared();
    let work = tempfile::tempdir().unwrap();
    for &(dir, inject) in fixtures {
        let clean = copy(dir, &work.path().join("clean"));
        let (code, got, v) = found(s, &clean);
        assert_eq!((code, got.len()), (0, 0), "{dir}: {v:#}");
        assert!(v["packages"].as_u64().unwrap() >= 3, "{dir}: {v:#}");

        let project = copy(dir, &work.path().join("projects"));
        let mut want = inject(&project, h);
        let (code, mut got, v) = found(s, &project);
        want.sort();
        got.sort();
        assert_eq!(got, want, "{dir}: each injected entry found with its rule, line and path, and nothing else\n{v:#}");
        assert_eq!(code, 1, "{dir}");
        assert!(v["errors"].as_array().unwrap().is_empty(), "{dir}: {v:#}");
    }
}

#[test]
fn package_lock_json() {
    check(PACKAGE_LOCK);
}

#[test]
fn pnpm_lock_yaml() {
    check(PNPM_LOCK);
}

#[test]
fn yarn_lock_classic() {
    check(YARN_CLASSIC);
}

#[test]
fn yarn_lock_berry() {
    check(YARN_BERRY);
}

#[test]
fn bun_lock() {
    check(BUN_LOCK);
}

#[test]
fn requirements_txt() {
    check(REQUIREMENTS);
}

#[test]
fn pipfile_lock() {
    check(PIPFILE_LOCK);
}

#[test]
fn poetry_lock() {
    check(POETRY_LOCK);
}

#[test]
fn uv_project() {
    check(UV);
}

#[test]
fn cargo_lock_file() {
    check(CARGO_LOCK);
}

/// Each fixture directory is in exactly one table, and each table entry is a directory.
#[test]
fn every_fixture_is_covered() {
    let mut dirs: Vec<String> = std::fs::read_dir(REAL)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().unwrap().is_dir())
        .map(|e| e.file_name().into_string().unwrap())
        .collect();
    dirs.sort();
    let mut covered: Vec<String> = ALL.iter().flat_map(|t| t.iter().map(|(dir, _)| (*dir).to_owned())).collect();
    covered.sort();
    assert_eq!(covered, dirs);
}

#[test]
fn bundler_and_sboms() {
    let Shared { scioc: s, hashes: h } = shared();
    let work = tempfile::tempdir().unwrap();
    // Formats no package manager here can produce (Bundler, SBOM generators), written by hand in
    // their documented shapes, against the same store.
    let other = work.path().join("other");
    std::fs::create_dir_all(&other).unwrap();
    let gemfile = "GEM\n  remote: https://rubygems.org/\n  specs:\n    batman_rails (0.16.1)\n      rack (>= 2.0)\n    rack (3.1.8)\n\nPLATFORMS\n  ruby\n\nDEPENDENCIES\n  batman_rails\n\nBUNDLED WITH\n   2.5.3\n";
    std::fs::write(other.join("Gemfile.lock"), gemfile).unwrap();
    let bom = serde_json::json!({
        "bomFormat": "CycloneDX", "specVersion": "1.6",
        "metadata": {"component": {"bom-ref": "app", "name": "app", "type": "application"}},
        "components": [
            {"bom-ref": "a", "type": "library", "name": "left-pad", "purl": "pkg:npm/left-pad@1.3.0"},
            {"bom-ref": "b", "type": "library", "name": "internal-logger", "purl": "pkg:npm/internal-logger@2.9.0"},
            {"bom-ref": "c", "type": "library", "name": "lodash-helpers", "purl": "pkg:npm/lodash-helpers@1.0.0",
             "hashes": [{"alg": "SHA-256", "content": h.sha256}]}
        ],
        "dependencies": [{"ref": "app", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["b"]}]
    });
    let bom_text = serde_json::to_string_pretty(&bom).unwrap();
    std::fs::write(other.join("app.cdx.json"), &bom_text).unwrap();
    let spdx = serde_json::json!({
        "spdxVersion": "SPDX-2.3", "SPDXID": "SPDXRef-DOCUMENT", "name": "app",
        "documentDescribes": ["SPDXRef-app"],
        "packages": [
            {"SPDXID": "SPDXRef-app", "name": "app"},
            {"SPDXID": "SPDXRef-requests", "name": "requests",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requests@2.32.3"}]},
            {"SPDXID": "SPDXRef-requstsss", "name": "requstsss",
             "externalRefs": [{"referenceCategory": "PACKAGE-MANAGER", "referenceType": "purl", "referenceLocator": "pkg:pypi/requstsss@2.28.2"}]}
        ],
        "relationships": [
            {"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-requests"},
            {"spdxElementId": "SPDXRef-requests", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-requstsss"}
        ]
    });
    let spdx_text = serde_json::to_string_pretty(&spdx).unwrap();
    std::fs::write(other.join("app.spdx.json"), &spdx_text).unwrap();
    let (code, mut got, v) = found(s, &other);
    let mut want = vec![
        want("AS-008", "batman_rails@0.16.1", "Gemfile.lock", gemfile, "batman_rails (0.16.1)", &["batman_rails"]),
        want(
            "AS-008",
            "internal-logger@2.9.0",
            "app.cdx.json",
            &bom_text,
            "\"pkg:npm/internal-logger@2.9.0\"",
            &["left-pad", "internal-logger"],
        ),
        want(
            "HASH",
            "lodash-helpers@1.0.0",
            "app.cdx.json",
            &bom_text,
            "\"pkg:npm/lodash-helpers@1.0.0\"",
            &["lodash-helpers"],
        ),
        want(
            "AS-008",
            "requstsss@2.28.2",
            "app.spdx.json",
            &spdx_text,
            "\"SPDXRef-requstsss\"",
            &["requests", "requstsss"],
        ),
    ];
    want.sort();
    got.sort();
    assert_eq!(got, want, "{v:#}");
    assert_eq!(code, 1);
}
