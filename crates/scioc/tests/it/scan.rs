//! `scioc scan` (first part of the scanner issue): npm, pip and Cargo lockfiles against a store
//! loaded from OSV records and the starter candidates.

use crate::support::Scioc;
use serde_json::{Value, json};

fn project(s: &Scioc) -> std::path::PathBuf {
    let p = s.dir.path().join("proj");
    std::fs::create_dir_all(p.join("sub")).unwrap();
    std::fs::write(
        p.join("package-lock.json"),
        r#"{
  "name": "proj",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "proj"},
    "node_modules/left-pad": {"version": "1.3.0"},
    "node_modules/@evil/scoped": {"version": "1.0.1"},
    "node_modules/@evil/scoped/node_modules/ua-parser-js": {"version": "0.7.29"},
    "node_modules/ua-parser-js": {"version": "0.7.30"},
    "node_modules/innocent-name": {"version": "1.0.0", "integrity": "sha1-qtjWefFachXtlHlVPUTjRz8FNvE="},
    "node_modules/plain-crypto-js": {"version": "4.2.1"}
  }
}"#,
    )
    .unwrap();
    std::fs::write(p.join("requirements.txt"), "Requests==2.31.0\nREQEUSTS==1.0\nctx==0.2.6 --hash=sha256:00\n")
        .unwrap();
    std::fs::write(p.join("sub/Cargo.lock"), "version = 4\n\n[[package]]\nname = \"rust_decimal\"\nversion = \"1.0.0\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n\n[[package]]\nname = \"rustdecimal\"\nversion = \"1.23.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\n").unwrap();
    p
}

fn scan(s: &Scioc, args: &[&str]) -> (i32, Value) {
    let mut all = vec!["scan", "--format", "json"];
    all.extend(args);
    let out = s.run(&all, "");
    (out.status.code().unwrap(), serde_json::from_slice(&out.stdout).unwrap_or(Value::Null))
}

fn found(v: &Value) -> Vec<(String, String, String, u64)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            let file =
                std::path::Path::new(f["file"].as_str().unwrap()).file_name().unwrap().to_string_lossy().into_owned();
            (
                f["rule"].as_str().unwrap().to_owned(),
                format!("{}@{}", f["package"].as_str().unwrap(), f["version"].as_str().unwrap_or("")),
                file,
                f["line"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn exact_findings_rules_paths_suppression_and_exit_codes() {
    let s = Scioc::new();
    s.ok(&["ingest", "osv", &crate::osv::fixture().arg()], "");
    let starter: Vec<String> =
        ["2021-10-ua-parser-js.json", "2026-03-axios.json", "2022-05-ctx.json", "2022-05-rustdecimal.json"]
            .iter()
            .map(|f| format!("{}/../../data/candidates/{f}", env!("CARGO_MANIFEST_DIR")))
            .collect();
    let mut args = vec!["candidates", "promote", "--files"];
    let iocs = s.dir.path().join("iocs");
    args.push(iocs.to_str().unwrap());
    args.extend(starter.iter().map(String::as_str));
    s.ok(&args, "");
    let proj = project(&s);

    // Not recursive: the Cargo.lock in sub/ is not read.
    let (code, v) = scan(&s, &[proj.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(
        found(&v),
        vec![
            ("AS-008".into(), "@evil/scoped@1.0.1".into(), "package-lock.json".into(), 7),
            ("AS-008".into(), "ua-parser-js@0.7.29".into(), "package-lock.json".into(), 8),
            ("AS-008".into(), "plain-crypto-js@4.2.1".into(), "package-lock.json".into(), 11),
            ("AS-016".into(), "plain-crypto-js@4.2.1".into(), "package-lock.json".into(), 11),
            ("AS-008".into(), "REQEUSTS@1.0".into(), "requirements.txt".into(), 2),
            ("AS-008".into(), "ctx@0.2.6".into(), "requirements.txt".into(), 3),
        ],
        "{v:#}"
    );
    let ua = &v["findings"][1];
    assert_eq!(ua["path"], json!(["@evil/scoped", "ua-parser-js"]), "the dependency path");
    assert_eq!(ua["reference"], "https://github.com/faisalman/ua-parser-js/issues/536");
    assert_eq!(v["findings"][0]["reference"], "MAL-2024-1");
    assert_eq!(v["packages"], 9);

    // Recursive: the Cargo.lock too, with crates.io's name folding (rustdecimal, not rust_decimal).
    let (_, v) = scan(&s, &["--recursive", proj.to_str().unwrap()]);
    assert!(found(&v).contains(&("AS-008".into(), "rustdecimal@1.23.1".into(), "Cargo.lock".into(), 9)), "{v:#}");
    assert!(!found(&v).iter().any(|f| f.1.starts_with("rust_decimal")));

    // An FP in the feed suppresses what it covers.
    s.ok(&["reclassify", "--purl", "pkg:npm/%40evil/scoped", "--fp", "--reason", "test"], "");
    let (_, v) = scan(&s, &[proj.to_str().unwrap()]);
    assert!(!found(&v).iter().any(|f| f.1.starts_with("@evil/scoped")), "{v:#}");

    // --fail-on: only findings at or above it fail the run.
    let clean = s.dir.path().join("clean");
    std::fs::create_dir_all(&clean).unwrap();
    std::fs::write(clean.join("requirements.txt"), "requests==2.31.0\n").unwrap();
    assert_eq!(scan(&s, &[clean.to_str().unwrap()]).0, 0);
    let (code, _) = scan(&s, &["--fail-on", "critical", proj.to_str().unwrap()]);
    assert_eq!(code, 1);
    // 128: nothing to scan; 127: an error (an unreadable file, or a missing path).
    let empty = s.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    assert_eq!(scan(&s, &[empty.to_str().unwrap()]).0, 128);
    assert_eq!(s.run(&["scan", "/nonexistent/project"], "").status.code(), Some(127));
    let broken = s.dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("package-lock.json"), "{\n  \"packages\": [,\n}").unwrap();
    std::fs::write(broken.join("requirements.txt"), "requests==2.31.0\n").unwrap();
    let out = s.run(&["scan", broken.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(127));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("package-lock.json:2:") && err.contains("not JSON"),
        "one clear error naming file, line and column: {err}"
    );
}

#[test]
fn an_archive_hash_is_found_under_an_innocent_name() {
    use base64::Engine;
    use sha2::{Digest, Sha512};
    let s = Scioc::new();
    let tgz = crate::support::npm_tgz("evil-hash", "6.6.6");
    let path = s.dir.path().join("evil-hash-6.6.6.tgz");
    std::fs::write(&path, &tgz).unwrap();
    s.ok(&["ingest", "sample", "--force", path.to_str().unwrap()], "");
    let integrity = format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(Sha512::digest(&tgz)));
    let proj = s.dir.path().join("p");
    std::fs::create_dir_all(&proj).unwrap();
    std::fs::write(
        proj.join("package-lock.json"),
        format!(r#"{{"lockfileVersion": 3, "packages": {{"": {{}}, "node_modules/lodash-helpers": {{"version": "1.0.0", "integrity": "{integrity}"}}}}}}"#),
    )
    .unwrap();
    let (code, v) = scan(&s, &[proj.to_str().unwrap()]);
    assert_eq!(code, 1);
    assert_eq!(found(&v), vec![("HASH".into(), "lodash-helpers@1.0.0".into(), "package-lock.json".into(), 1)]);
    // The reference names the package the hash was reported for, not the innocent name.
    assert_eq!(v["findings"][0]["reference"], "pkg:npm/evil-hash@6.6.6");

    // The archive itself, given directly: matched by its hash and by the manifest inside.
    let (code, v) = scan(&s, &[path.to_str().unwrap()]);
    assert_eq!(code, 1, "{v:#}");
    let rules: Vec<(&str, &str)> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| (f["rule"].as_str().unwrap(), f["package"].as_str().unwrap()))
        .collect();
    assert_eq!(rules, vec![("AS-008", "evil-hash"), ("HASH", "evil-hash")], "{v:#}");
    // A corrupt archive is one clear error, exit 127.
    let bad = s.dir.path().join("broken-1.0.0.tgz");
    std::fs::write(&bad, b"not gzip").unwrap();
    let out = s.run(&["scan", bad.to_str().unwrap()], "");
    assert_eq!(out.status.code(), Some(127));
    assert!(String::from_utf8_lossy(&out.stderr).contains("broken-1.0.0.tgz"));
}

/// Issue 13, defect 1: `node_modules/<pkg>/node_modules` linked back up the tree made the scan
/// grow without end (4 GB in 25 s); it must read each real package once and finish.
#[cfg(unix)]
#[test]
fn a_node_modules_symlink_loop_is_not_followed() {
    let s = Scioc::new();
    s.ok(&["ingest", "entries", "-"], &(crate::support::entry(1, "2024-01-01T00:00:00") + "\n"));
    let p = s.dir.path().join("p");
    std::fs::create_dir_all(&p).unwrap();
    std::fs::write(p.join("package.json"), r#"{"name":"r","version":"1.0.0"}"#).unwrap();
    for x in ["a", "b"] {
        let dir = p.join("node_modules").join(x);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("package.json"), format!(r#"{{"name":"{x}","version":"1.0.0"}}"#)).unwrap();
        std::os::unix::fs::symlink("..", dir.join("node_modules")).unwrap();
    }
    let started = std::time::Instant::now();
    let (code, v) = scan(&s, &[p.to_str().unwrap()]);
    assert_eq!((code, v["packages"].as_u64()), (0, Some(3)), "r, a and b once each: {v:#}");
    assert!(started.elapsed() < std::time::Duration::from_secs(30));
}

/// Issue 13, defect 4: `-r /tmp/creds` printed that file's line, a token included, in every
/// report format, and `-r /etc/passwd` printed `root:x:0:0…`. Includes stay inside the scanned
/// tree, and no report quotes a file it could not read beyond a masked excerpt.
#[test]
fn includes_from_outside_the_project_are_refused_and_never_quoted() {
    let s = Scioc::new();
    s.ok(&["ingest", "entries", "-"], &(crate::support::entry(1, "2024-01-01T00:00:00") + "\n"));
    let creds = s.dir.path().join("creds");
    std::fs::write(&creds, "TOKEN=ghp_9aZk2LmQ8rT5vW1xY3bCdE7fG\n").unwrap();
    let p = s.dir.path().join("leaky");
    std::fs::create_dir_all(p.join("dir")).unwrap();
    std::fs::write(p.join("requirements.txt"), format!("requests==2.31.0\n-r {}\n", creds.display())).unwrap();
    std::fs::write(p.join("requirements-sys.txt"), "-r /etc/passwd\n").unwrap();
    // A loop through ../dir/ spellings ends; a line in the tree holding a token is masked.
    std::fs::write(p.join("requirements-loop.txt"), "-r dir/../requirements-loop.txt\n-r ./dir/../dir/more.txt\n")
        .unwrap();
    std::fs::write(p.join("dir/more.txt"), "-r ../requirements-loop.txt\nAuthorization: Bearer hunter2-hunter2x\n")
        .unwrap();
    for format in ["table", "markdown", "sarif", "json"] {
        let out = s.run(&["scan", "--format", format, p.to_str().unwrap()], "");
        let all = format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr));
        assert_eq!(out.status.code(), Some(127), "{format}: a file could not be read: {all}");
        for secret in ["9aZk2LmQ8rT5", "root:x:0", "hunter2-hunter2"] {
            assert!(!all.contains(secret), "{format} quotes {secret:?}: {all}");
        }
        assert!(all.contains("outside the scanned tree"), "{format} names the refusal: {all}");
        assert!(all.contains("requirements-loop.txt"), "{format}: the loop file is reported, not endless: {all}");
    }
}

#[test]
fn a_failed_or_empty_scan_never_looks_clean() {
    let s = Scioc::new();
    s.ok(&["ingest", "osv", &crate::osv::fixture().arg()], "");
    let broken = s.dir.path().join("broken");
    std::fs::create_dir_all(&broken).unwrap();
    std::fs::write(broken.join("package-lock.json"), r#"{"name": "proj", "lockfileVersion": 3, "packages": {"#)
        .unwrap();
    let empty = s.dir.path().join("empty");
    std::fs::create_dir_all(&empty).unwrap();
    let run = |dir: &std::path::Path, format: &str| {
        let out = s.run(&["scan", "--format", format, dir.to_str().unwrap()], "");
        (out.status.code().unwrap(), String::from_utf8_lossy(&out.stdout).into_owned())
    };

    // An unreadable lockfile: a failure, in red, never the green tick.
    let (code, table) = run(&broken, "table");
    assert_eq!(code, 127);
    assert!(!table.contains('✓') && table.contains("✗ the scan failed: 1 file(s) could not be read"), "{table}");
    let (code, md) = run(&broken, "markdown");
    assert_eq!(code, 127);
    assert!(md.starts_with("### ❌ scioc: the scan failed") && !md.contains('✅'), "{md}");
    assert!(md.contains("Could not read"), "the error is quoted: {md}");

    // Nothing to read: a warning, never the green tick.
    let (code, table) = run(&empty, "table");
    assert_eq!(code, 128);
    assert!(!table.contains('✓') && table.contains("no packages found"), "{table}");
    let (code, md) = run(&empty, "markdown");
    assert_eq!(code, 128);
    assert!(md.starts_with("### ⚠️ scioc: no packages found") && !md.contains('✅'), "{md}");

    // Clean is green.
    std::fs::write(
        broken.join("package-lock.json"),
        r#"{"name": "proj", "lockfileVersion": 3, "packages": {"": {"name": "proj"}, "node_modules/left-pad": {"version": "1.3.0"}}}"#,
    )
    .unwrap();
    let (code, md) = run(&broken, "markdown");
    assert_eq!(code, 0);
    assert!(md.starts_with("### ✅ scioc: no known-malicious dependency"), "{md}");
}
