//! Curation: candidate validation, promotion, demotion, export and drafting from OSV.

use crate::support::{FEED, Scioc, next_second};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn cand(ecosystem: &str, ioc_type: &str, value: &str, promote_to: &str) -> Value {
    json!({"ecosystem": ecosystem, "ioc_type": ioc_type, "value": value, "confidence": "high",
           "reason": "seen in an incident", "source": "https://example.org/advisory", "first_seen": "2026-03-31",
           "suggested_action": "block", "promote_to": promote_to})
}

fn blacklisted(name: &str, versions: &[&str]) -> Value {
    let mut c = cand("npm", "package_name", name, "blacklist");
    c["blacklist_id"] = json!(format!("{}-COMPROMISE", name.to_uppercase()));
    c["affected_versions"] = json!(versions);
    c["action"] = json!("BLOCK");
    c["severity"] = json!("CRITICAL");
    c
}

fn write(s: &Scioc, name: &str, v: &Value) -> String {
    let p = s.dir.path().join(name);
    std::fs::write(&p, serde_json::to_vec_pretty(v).unwrap()).unwrap();
    p.display().to_string()
}

fn dir(s: &Scioc) -> PathBuf {
    s.dir.path().join("iocs")
}

fn promote(s: &Scioc, file: &str) -> String {
    s.ok(&["candidates", "promote", file, "--files", dir(s).to_str().unwrap()], "")
}

fn read(path: &Path) -> Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

fn snapshot(d: &Path) -> Vec<(String, Vec<u8>)> {
    ["blacklist.json", "npm_iocs.json", "watchlist.json"]
        .iter()
        .map(|n| (n.to_string(), std::fs::read(d.join(n)).unwrap_or_default()))
        .collect()
}

#[test]
fn every_validation_error_class_is_reported_at_once_with_its_pointer() {
    let s = Scioc::new();
    let mut bad = cand("npx", "script_pattern", "(unclosed", "blacklist");
    bad["match"] = json!("regex");
    bad["confidence"] = json!("sure");
    bad["reason"] = json!("");
    bad["source"] = json!("not a uri");
    bad["first_seen"] = json!("31-03-2026");
    bad["colour"] = json!("red");
    let mut hash = cand("npm", "sha256", "abc", "npm_iocs");
    hash.as_object_mut().unwrap().remove("reason");
    let mut versions = blacklisted("left-pad", &["1.0.0", "one.two"]);
    versions["ecosystem"] = json!("PyPI");
    versions["affected_versions"] = json!(["1.0", "=>2"]);
    let domain = cand("npm", "domain", "https://evil.example/x", "npm_iocs");
    let file =
        write(&s, "bad.json", &json!([cand("npm", "package_name", "fine", "npm_iocs"), bad, hash, versions, domain]));
    let other = write(&s, "other.json", &json!({"not": "an array"}));
    let out = s.run(&["candidates", "validate", &file, &other], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    for line in [
        format!("{file}: /1: promote_to blacklist needs a non-empty \"action\""),
        format!("{file}: /1: promote_to blacklist needs a non-empty \"affected_versions\""),
        format!("{file}: /1: promote_to blacklist needs a non-empty \"blacklist_id\""),
        format!("{file}: /1: promote_to blacklist needs a non-empty \"severity\""),
        format!("{file}: /1/colour: unknown field"),
        format!("{file}: /1/confidence: expected one of low, medium, high, got \"sure\""),
        format!(
            "{file}: /1/ecosystem: expected one of npm, PyPI, Go, github-actions, crates.io, RubyGems, NuGet, Maven, got \"npx\""
        ),
        format!("{file}: /1/first_seen: expected a date YYYY-MM-DD, got \"31-03-2026\""),
        format!("{file}: /1/reason: must not be empty"),
        format!("{file}: /1/source: expected an absolute URI, got \"not a uri\""),
        format!("{file}: /1/value: not a valid regular expression: error: unclosed group"),
        format!("{file}: /2: missing required field \"reason\""),
        format!("{file}: /2/value: expected 64 hex digits of SHA-256, got \"abc\""),
        format!(
            "{file}: /3/affected_versions/1: expected a PEP 440 version or specifier (1.0.2, >=1.0,<2.0, ==1.*), got \"=>2\""
        ),
        format!("{file}: /4/value: expected a host name like evil.example, got \"https://evil.example/x\""),
        format!("{other}: expected a JSON array of candidates"),
        "error: 16 problem(s) in 2 candidate file(s); nothing was changed".to_owned(),
    ] {
        assert!(err.contains(&line), "missing:\n{line}\nin:\n{err}");
    }
}

#[tokio::test]
async fn promotion_paths_flaws_fixed_idempotent_and_demotion_as_fp() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let d = dir(&s);
    std::fs::create_dir_all(&d).unwrap();
    // An existing ToolTrust file with an entry lacking "match" (upstream flaw 1).
    std::fs::write(d.join("npm_iocs.json"), r#"[{"ecosystem":"npm","ioc_type":"package_name","value":"plain-crypto-js","reason":"old","confidence":"high","source":"https://example.org/a","first_seen":"2026-03-31","suggested_action":"flag"}]"#).unwrap();
    let mut mixed_case = cand("npm", "package_name", "Plain-Crypto-JS", "npm_iocs");
    mixed_case["match"] = json!("exact");
    let file = write(
        &s,
        "c1.json",
        &json!([
            mixed_case,
            cand("npm", "domain", "sfrclak.com", "npm_iocs"),
            cand("PyPI", "domain", "h4ck.cfd", "npm_iocs"),
            cand("npm", "file_path", "/tmp/x", "npm_iocs"),
            cand("npm", "domain", "maybe.example", "watch_only"),
            cand("npm", "domain", "not-a-package.example", "blacklist")
                .as_object()
                .unwrap()
                .clone()
                .into_iter()
                .chain([
                    ("blacklist_id".to_owned(), json!("X")),
                    ("affected_versions".to_owned(), json!(["1.0.0"])),
                    ("action".to_owned(), json!("BLOCK")),
                    ("severity".to_owned(), json!("HIGH"))
                ])
                .collect::<serde_json::Map<_, _>>(),
            blacklisted("axios", &["1.14.1", "0.30.4"]),
        ]),
    );
    let out = promote(&s, &file);
    for line in [
        "npm_iocs.json: 1 added, 0 merged, 0 removed, 1 unchanged, 2 skipped",
        "unchanged npm package_name \"Plain-Crypto-JS\": already present (same type, value and match, defaults applied)",
        "skipped   PyPI domain \"h4ck.cfd\": ToolTrust's npm_iocs.json holds only npm",
        "skipped   npm file_path \"/tmp/x\": no scanner rule enforces ioc_type \"file_path\"; promote it as watch_only",
        "watchlist.json: 1 added",
        "skipped   npm domain \"not-a-package.example\": a blacklist entry names a package; ioc_type is \"domain\"",
        "added     npm package_name \"axios\": NEW_MALICIOUS for 1.14.1, 0.30.4",
    ] {
        assert!(out.contains(line), "missing {line:?} in:\n{out}");
    }
    let iocs = read(&d.join("npm_iocs.json"));
    assert_eq!(iocs.as_array().unwrap().len(), 2, "the entry without match is not added twice: {iocs}");
    let watch = read(&d.join("watchlist.json"));
    assert_eq!(watch[0]["value"], "maybe.example", "watch_only is recorded, not dropped");

    // Versions in another order are the same set (upstream flaw 2); new ones merge.
    let again = write(&s, "c2.json", &json!([blacklisted("axios", &["0.30.4", "1.14.1"])]));
    assert!(promote(&s, &again).contains("every version is already in AXIOS-COMPROMISE"));
    let merge = write(&s, "c3.json", &json!([blacklisted("axios", &["0.30.4", "1.14.2"])]));
    assert!(promote(&s, &merge).contains("versions 1.14.2 merged into AXIOS-COMPROMISE"));
    assert_eq!(read(&d.join("blacklist.json"))[0]["affected_versions"], json!(["1.14.1", "0.30.4", "1.14.2"]));

    // A second run is byte-identical and adds nothing.
    let before = snapshot(&d);
    let out = promote(&s, &file);
    assert!(out.contains("no data file changed") && out.contains("0 feed event(s)"), "{out}");
    assert_eq!(snapshot(&d), before);
    let text = String::from_utf8(std::fs::read(d.join("blacklist.json")).unwrap()).unwrap();
    assert!(text.ends_with("]\n") && text.contains("\n  {\n    \"id\""), "2-space indent, trailing newline");

    // The feed carries one NEW_MALICIOUS per concrete version, and one for every version of the
    // package a blocking exact package indicator names (issue 28: the firewall blocked it, the
    // feed said nothing).
    next_second().await;
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    let page = c.page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json")).await;
    let got: Vec<(&str, &str)> = page
        .feed()
        .entries
        .iter()
        .map(|e| (e["event_type"].as_str().unwrap(), e["identity"]["version"].as_str().unwrap_or("every version")))
        .collect();
    assert_eq!(
        got,
        vec![
            ("NEW_MALICIOUS", "every version"),
            ("NEW_MALICIOUS", "1.14.1"),
            ("NEW_MALICIOUS", "0.30.4"),
            ("NEW_MALICIOUS", "1.14.2")
        ]
    );
    assert_eq!(page.feed().entries[0]["scioc"]["affected"]["all_versions"], true);
    assert_eq!(page.feed().entries[1]["sample_list"][0]["threat_name"], "AXIOS-COMPROMISE");
    let inds: Value = serde_json::from_str(&s.ok(&["indicators", "--format", "json"], "")).unwrap();
    assert!(inds.as_array().unwrap().iter().any(|i| i["value"] == "h4ck.cfd" && i["source"] == "curation"), "{inds}");

    // A failure changes nothing: a broken data file refuses the run.
    std::fs::write(d.join("watchlist.json"), "{broken").unwrap();
    let bl_before = std::fs::read(d.join("blacklist.json")).unwrap();
    let out = s.run(&["candidates", "promote", &merge, "--files", d.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("watchlist.json"));
    assert_eq!(std::fs::read(d.join("blacklist.json")).unwrap(), bl_before);
    std::fs::write(d.join("watchlist.json"), serde_json::to_vec_pretty(&watch).unwrap()).unwrap();

    // Demotion: out of the file, FP in a pull.
    next_second().await;
    assert_eq!(c.put(&format!("{FEED}/start")).await.status(), 200);
    let demote = write(&s, "fp.json", &json!([blacklisted("axios", &["1.14.2"])]));
    let out = s.ok(
        &["candidates", "demote", &demote, "--files", d.to_str().unwrap(), "--reason", "not malicious after all"],
        "",
    );
    assert!(out.contains("FP for 1.14.2"), "{out}");
    assert_eq!(read(&d.join("blacklist.json"))[0]["affected_versions"], json!(["1.14.1", "0.30.4"]));
    next_second().await;
    let pulled = c.page(&format!("{FEED}/pull?format=json")).await;
    let e = &pulled.feed().entries;
    assert_eq!(e.len(), 1);
    assert_eq!((e[0]["event_type"].as_str(), e[0]["identity"]["version"].as_str()), (Some("FP"), Some("1.14.2")));
    assert_eq!(e[0]["scioc"]["provenance"]["reason"], "not malicious after all");
}

#[test]
fn dry_run_shows_the_diff_and_writes_nothing() {
    let s = Scioc::new();
    let file = write(&s, "c.json", &json!([blacklisted("evil", &["1.0.0"])]));
    let out = s.ok(&["candidates", "promote", &file, "--files", dir(&s).to_str().unwrap(), "--dry-run"], "");
    assert!(out.contains("+++ b/blacklist.json") && out.contains("+    \"component\": \"evil\","), "{out}");
    assert!(!dir(&s).join("blacklist.json").exists());
    let st: Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    assert_eq!(st["events"], 0);
}

#[test]
fn export_then_promote_gives_identical_files() {
    let s = Scioc::new();
    let starter: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/candidates"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    let mut args = vec!["candidates", "promote", "--files"];
    let d = dir(&s);
    args.push(d.to_str().unwrap());
    args.extend(starter.iter().map(String::as_str));
    s.ok(&args, "");
    let out = s.dir.path().join("export");
    s.ok(&["export", "tooltrust", "--out", out.to_str().unwrap()], "");
    for f in ["blacklist.json", "npm_iocs.json"] {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(d.join(f)).unwrap(), "{f} exported as promoted");
    }
    // Re-import through promote, into a fresh store and directory.
    let t = Scioc::new();
    let d2 = dir(&t);
    t.ok(
        &["candidates", "promote", out.join("candidates.json").to_str().unwrap(), "--files", d2.to_str().unwrap()],
        "",
    );
    for f in ["blacklist.json", "npm_iocs.json"] {
        assert_eq!(std::fs::read(out.join(f)).unwrap(), std::fs::read(d2.join(f)).unwrap(), "{f} after the round trip");
    }
    assert!(read(&out.join("blacklist.json")).as_array().unwrap().len() >= 25);
}

#[test]
fn the_starter_set_validates_and_seeds_an_empty_feed() {
    let s = Scioc::new();
    let starter: Vec<String> = std::fs::read_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/../../data/candidates"))
        .unwrap()
        .map(|e| e.unwrap().path().display().to_string())
        .collect();
    assert!(starter.len() >= 25, "at least 25 incidents");
    let mut args = vec!["candidates", "validate"];
    args.extend(starter.iter().map(String::as_str));
    assert!(s.ok(&args, "").contains("are valid"));
    // Every file is built into the binary.
    let listed = include_str!("../../../scioc-curation/src/starter.rs");
    for f in &starter {
        let name = Path::new(f).file_name().unwrap().to_str().unwrap();
        assert!(listed.contains(&format!("\"{name}\"")), "{name} is missing from starter.rs");
    }
    let mut child = s
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = std::io::BufRead::lines(std::io::BufReader::new(child.stdout.take().unwrap()));
    assert!(lines.next().unwrap().unwrap().starts_with("scioc feed listening on"));
    let second = lines.next().unwrap().unwrap();
    child.kill().unwrap();
    child.wait().unwrap();
    assert!(second.contains("promoted the built-in starter set (25 incidents"), "{second}");
    let st: Value = serde_json::from_str(&s.ok(&["status", "--format", "json"], "")).unwrap();
    assert!(st["events"].as_u64().unwrap() > 100, "{st}");
}

#[test]
fn from_osv_drafts_watch_only_candidates_for_recent_records() {
    let t = crate::osv::fixture();
    let s = Scioc::new();
    s.ok(&["ingest", "osv", &t.arg()], "");
    let d = dir(&s);
    std::fs::create_dir_all(&d).unwrap();
    std::fs::write(d.join("blacklist.json"), serde_json::to_vec(&json!([{"id": "X", "component": "@evil/scoped", "ecosystem": "npm", "affected_versions": ["1.0.0"], "action": "BLOCK", "severity": "HIGH"}])).unwrap()).unwrap();
    let out = s.dir.path().join("drafts.json");
    s.ok(
        &[
            "candidates",
            "from-osv",
            "--since",
            "2024-06-01",
            "--files",
            d.to_str().unwrap(),
            "--out",
            out.to_str().unwrap(),
        ],
        "",
    );
    let drafts = read(&out);
    let names: Vec<&str> = drafts.as_array().unwrap().iter().map(|c| c["value"].as_str().unwrap()).collect();
    assert_eq!(names, ["@evil/scoped", "pattern.json", "bе.vlaanderen", "reqeusts"], "by ecosystem, then name");
    let scoped = &drafts[0];
    assert_eq!(scoped["affected_versions"], json!(["1.0.1"]), "1.0.0 is already blacklisted");
    assert_eq!(
        (scoped["promote_to"].as_str(), scoped["blacklist_id"].as_str()),
        (Some("watch_only"), Some("MAL-2024-1"))
    );
    assert_eq!(drafts[3]["affected_versions"], json!(["*"]));
    // The drafts are valid candidates, and old records are left out.
    assert!(s.ok(&["candidates", "validate", out.to_str().unwrap()], "").contains("4 candidate(s)"));
    let none = s.run(&["candidates", "from-osv", "--since", "2024-07-01"], "");
    assert_eq!(String::from_utf8_lossy(&none.stdout).trim(), "[]");
    // Issue 28: nothing drafted right after an import, and nothing said why.
    let why = String::from_utf8_lossy(&none.stderr);
    assert!(why.contains("own `modified` time") && why.contains("0 of the store's 4 active record(s)"), "{why}");
    let filtered = s.ok(&["candidates", "from-osv", "--since", "2024-06-01", "--filter", "^req"], "");
    assert_eq!(serde_json::from_str::<Value>(&filtered).unwrap().as_array().unwrap().len(), 1);
    assert_eq!(s.run(&["candidates", "from-osv", "--since", "yesterday"], "").status.code(), Some(1));
}

#[test]
fn a_range_the_matcher_cannot_parse_is_refused_at_validation() {
    let s = Scioc::new();
    // node-semver reads `<<2.4.3` leniently; the verdict engine's parser refuses it, and
    // validation uses that parser, so the candidate never reaches the data files.
    let file = write(&s, "bad-range.json", &json!([blacklisted("left-pad-evil", &[">=2.4.0 <<2.4.3"])]));
    let out = s.run(&["candidates", "validate", &file], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(err.contains("/0/affected_versions/0") && err.contains("<<2.4.3"), "{err}");
    let out = s.run(&["candidates", "promote", &file, "--files", dir(&s).to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    assert!(!dir(&s).join("blacklist.json").exists(), "nothing was written");
    // The same range written well is accepted and matched.
    let good = write(&s, "good-range.json", &json!([blacklisted("left-pad-evil", &[">=2.4.0 <2.4.3"])]));
    s.ok(&["candidates", "validate", &good], "");
}

#[test]
fn demoting_another_ecosystems_indicator_leaves_npms_entry_alone() {
    let s = Scioc::new();
    let npm = cand("npm", "domain", "evil-cdn.example", "npm_iocs");
    let pypi = cand("PyPI", "domain", "evil-cdn.example", "npm_iocs");
    promote(&s, &write(&s, "both.json", &json!([npm, pypi.clone()])));
    let iocs = read(&dir(&s).join("npm_iocs.json"));
    assert_eq!(iocs.as_array().unwrap().len(), 1, "only npm's goes to npm_iocs.json: {iocs:#}");
    let file = write(&s, "fp.json", &json!([pypi]));
    s.ok(
        &["candidates", "demote", &file, "--files", dir(&s).to_str().unwrap(), "--reason", "PyPI report retracted"],
        "",
    );
    let after = read(&dir(&s).join("npm_iocs.json"));
    assert_eq!(after, iocs, "npm's entry stays in npm_iocs.json");
    let listed = s.ok(&["indicators", "--format", "json"], "");
    let listed: Value = serde_json::from_str(&listed).unwrap();
    let domains: Vec<&str> = listed
        .as_array()
        .unwrap()
        .iter()
        .filter(|i| i["value"] == "evil-cdn.example")
        .map(|i| i["ecosystem"].as_str().unwrap())
        .collect();
    assert_eq!(domains, vec!["npm"], "the store keeps npm's record and drops PyPI's");
}

/// Issue 13, defect 12: `candidates validate` on 1M bad objects took 71 s and 5.2 GB and printed
/// 10M lines. A file holds at most 100,000 candidates, and at most 1,000 problems are listed,
/// the rest counted.
#[test]
fn validating_a_huge_bad_file_is_capped_and_counted() {
    let s = Scioc::new();
    let million = s.dir.path().join("million.json");
    std::fs::write(&million, format!("[{}{{\"x\":1}}]", "{\"x\":1},".repeat(999_999))).unwrap();
    let start = std::time::Instant::now();
    let out = s.run(&["candidates", "validate", million.to_str().unwrap()], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.contains("1000000 candidates; a file holds at most 100000"), "{err}");
    assert!(err.lines().count() < 5, "{err}");

    let many = s.dir.path().join("many.json");
    std::fs::write(&many, format!("[{}{{\"x\":1}}]", "{\"x\":1},".repeat(99_999))).unwrap();
    let out = s.run(&["candidates", "validate", many.to_str().unwrap()], "");
    let err = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1));
    assert!(err.lines().count() <= 1003, "{} lines", err.lines().count());
    assert!(err.contains("more problem(s); only the first 1000 are listed"), "{}", err.lines().last().unwrap_or(""));
    assert!(err.contains("/0/x: unknown field"), "the first problems are listed in order");
    assert!(start.elapsed() < std::time::Duration::from_secs(60), "took {:?}", start.elapsed());
}
