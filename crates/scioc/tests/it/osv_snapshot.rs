//! The full shared OpenSSF snapshot: counts checked against the raw JSON, idempotent
//! re-import, a withdrawal seen as FP over the API, and a kill -9 mid-import.

use crate::support::{FEED, Scioc};
use serde_json::Value;
use std::{collections::BTreeSet, io::Read, path::PathBuf, process::Stdio, time::Duration};

pub fn snapshot() -> PathBuf {
    let p = PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/data/ossf-malicious-packages-2025-06-04.tar.gz");
    assert!(
        p.exists(),
        "the shared OSV snapshot is missing at {}; these tests need ../shared beside the repository",
        p.display()
    );
    p
}

/// Figures computed here from the raw JSON, independently of scioc's code.
#[derive(Debug, Default)]
pub struct Expected {
    mal_files: usize,
    withdrawn: usize,
    pub announcements: usize,
    indicators: BTreeSet<(String, String, String, String, String)>,
}

pub fn expected() -> Expected {
    let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(snapshot()).unwrap()));
    let mut e = Expected::default();
    for entry in archive.entries().unwrap() {
        let mut entry = entry.unwrap();
        let path = entry.path().unwrap().to_string_lossy().into_owned();
        if !entry.header().entry_type().is_file() || !path.ends_with(".json") {
            continue;
        }
        let mut bytes = Vec::new();
        entry.read_to_end(&mut bytes).unwrap();
        let v: Value = serde_json::from_slice(&bytes).unwrap();
        let id = v["id"].as_str().unwrap().to_owned();
        if !id.starts_with("MAL-") {
            continue;
        }
        e.mal_files += 1;
        if path.contains("osv/withdrawn/") || v.get("withdrawn").is_some() {
            e.withdrawn += 1;
            continue;
        }
        for a in v["affected"].as_array().unwrap() {
            // One per listed version, and one without a version carrying the ranges when the
            // item has any that are not GIT.
            let ranged = a["ranges"].as_array().into_iter().flatten().any(|r| r["type"] != "GIT");
            e.announcements += a["versions"].as_array().map_or(0, |vs| vs.len()) + usize::from(ranged);
            let eco = a["package"]["ecosystem"].as_str().unwrap().to_owned();
            let name = a["package"]["name"].as_str().unwrap().to_owned();
            let iocs = &v["database_specific"]["iocs"];
            for (key, kind) in [("domains", "domain"), ("urls", "url"), ("ip_addresses", "ip"), ("ips", "ip")] {
                for value in iocs[key].as_array().into_iter().flatten() {
                    let value = value.as_str().unwrap().trim().to_owned();
                    if !value.is_empty() {
                        e.indicators.insert((kind.into(), value, eco.clone(), name.clone(), id.clone()));
                    }
                }
            }
        }
    }
    e
}

fn status(s: &Scioc) -> Value {
    serde_json::from_str(&s.ok(&["status", "--format", "json", "--digest"], "")).unwrap()
}

#[tokio::test]
async fn the_full_snapshot_imports_exactly_and_idempotently() {
    let want = expected();
    assert!(want.mal_files > 33_000 && want.announcements > 40_000, "{want:?}");
    let s = Scioc::new();
    s.add_user("soc", "reader");
    let out = s.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
    assert!(
        out.contains(&format!("{} MAL records compared ({} withdrawn)", want.mal_files, want.withdrawn)),
        "{out}\nexpected {want:?}"
    );
    let st = status(&s);
    assert_eq!(st["events"], want.announcements as u64, "one event per version, and one per package with ranges");
    assert_eq!(st["indicators"], want.indicators.len() as u64);

    // Unchanged: zero events, the same feed.
    let again = s.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
    assert!(again.contains(&format!("{} unchanged", want.mal_files)), "{again}");
    assert_eq!(status(&s)["digest"], st["digest"]);

    // The same records from an unpacked tree are the same records.
    let tree = tempfile::tempdir().unwrap();
    tar::Archive::new(flate2::read::GzDecoder::new(std::fs::File::open(snapshot()).unwrap()))
        .unpack(tree.path())
        .unwrap();
    let root = tree.path().to_str().unwrap();
    assert!(s.ok(&["ingest", "osv", root], "").contains("events: 0 NEW_MALICIOUS, 0 FP, 0 NEW_THREAT_NAME"));

    // Withdraw a report with several versions: FP events for each, seen in a pull.
    let (id, from, versions) = pick_report(tree.path());
    let server = s.serve(&[]);
    let c = server.client().as_user("soc");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    assert_eq!(c.put(&format!("{FEED}/start")).await.status(), 200);
    let to = tree.path().join("osv/withdrawn").join(from.strip_prefix(tree.path().join("osv/malicious")).unwrap());
    std::fs::create_dir_all(to.parent().unwrap()).unwrap();
    std::fs::rename(&from, &to).unwrap();
    let out = s.ok(&["ingest", "osv", root], "");
    assert!(out.contains(&format!("events: 0 NEW_MALICIOUS, {versions} FP, 0 NEW_THREAT_NAME")), "{out}");
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let page = c.page(&format!("{FEED}/pull?format=json")).await;
    let entries = &page.feed().entries;
    assert_eq!(entries.len(), versions);
    assert!(
        entries.iter().all(|e| e["event_type"] == "FP" && e["scioc"]["provenance"]["id"] == id.as_str()),
        "{entries:?}"
    );
}

/// An active npm report listing at least three versions: its id, its path, its version count.
fn pick_report(root: &std::path::Path) -> (String, PathBuf, usize) {
    let mut stack = vec![root.join("osv/malicious/npm")];
    while let Some(dir) = stack.pop() {
        let mut entries: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|e| e.unwrap().path()).collect();
        entries.sort();
        for p in entries {
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|e| e == "json") {
                let v: Value = serde_json::from_slice(&std::fs::read(&p).unwrap()).unwrap();
                let n = v["affected"][0]["versions"].as_array().map_or(0, |a| a.len());
                if n >= 3 && v.get("withdrawn").is_none() && v["affected"].as_array().unwrap().len() == 1 {
                    return (v["id"].as_str().unwrap().to_owned(), p, n);
                }
            }
        }
    }
    panic!("no npm report with three versions in the snapshot");
}

#[test]
fn a_kill_during_import_then_a_rerun_equals_a_clean_import() {
    let clean = Scioc::new();
    clean.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
    let want = status(&clean)["digest"].clone();

    for delay_ms in [300, 1200, 2000] {
        let s = Scioc::new();
        let mut child = s
            .cmd()
            .args(["ingest", "osv", snapshot().to_str().unwrap()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        std::thread::sleep(Duration::from_millis(delay_ms));
        let _ = child.kill(); // SIGKILL: no chance to clean up
        child.wait().unwrap();
        s.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
        assert_eq!(status(&s)["digest"], want, "killed after {delay_ms} ms");
    }
}
