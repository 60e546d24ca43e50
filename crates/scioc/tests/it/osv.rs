//! `scioc ingest osv` on small trees written here: every mapping rule, every transition, every
//! kind of source.

use crate::support::{FEED, Scioc};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};

/// An OSV tree in a temporary directory.
pub struct Tree {
    pub dir: tempfile::TempDir,
}

impl Tree {
    pub fn new() -> Self {
        Tree { dir: tempfile::tempdir().unwrap() }
    }

    pub fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }

    pub fn put(&self, rel: &str, record: &Value) {
        let path = self.root().join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, serde_json::to_vec_pretty(record).unwrap()).unwrap();
    }

    pub fn remove(&self, rel: &str) {
        std::fs::remove_file(self.root().join(rel)).unwrap();
    }

    pub fn arg(&self) -> String {
        self.root().display().to_string()
    }
}

/// A MAL record; `versions` empty means every version (`introduced: "0"`).
pub fn record(id: &str, ecosystem: &str, name: &str, versions: &[&str], published: &str) -> Value {
    json!({
        "schema_version": "1.5.0",
        "id": id,
        "modified": "2024-06-01T12:00:00Z",
        "published": published,
        "aliases": [format!("GHSA-{}", &id[4..])],
        "summary": format!("Malicious code in {name} ({ecosystem})"),
        "details": "long text\nwith lines",
        "affected": [{
            "package": {"ecosystem": ecosystem, "name": name},
            "versions": versions,
            "ranges": if versions.is_empty() { json!([{"type": "SEMVER", "events": [{"introduced": "0"}]}]) } else { json!(null) },
        }],
        "references": [{"type": "ADVISORY", "url": format!("https://github.com/advisories/GHSA-{}", &id[4..])}],
        "database_specific": {"malicious-packages-origins": [{"source": "ghsa-malware", "sha256": "ab"}, {"source": "ossf-package-analysis"}]},
    })
}

fn events_of(stdout: &str) -> (u64, u64, u64) {
    let line =
        stdout.lines().find(|l| l.starts_with("events: ")).unwrap_or_else(|| panic!("no events line in {stdout}"));
    let n = |label: &str| -> u64 {
        let before = line.split(label).next().unwrap();
        before.trim_end().rsplit([' ', ',']).next().unwrap().parse().unwrap()
    };
    (n(" NEW_MALICIOUS"), n(" FP"), n(" NEW_THREAT_NAME"))
}

fn status(s: &Scioc) -> Value {
    serde_json::from_str(&s.ok(&["status", "--format", "json", "--digest"], "")).unwrap()
}

async fn all_entries(c: &crate::support::Client) -> Vec<Value> {
    c.page(&format!("{FEED}/utc/2011-03-29T00:00:00?format=json&limit=1000")).await.feed().entries.clone()
}

const SRI: &str = "sha512-EdEWUN/Dk/3ETQ2ejbRD/2iyJrC8QLKXXUa6/5H69n3ZpXTYcbi5R5Y4PVGpG9UpGdNLtCjHQPb49sXrfMPKkA==";

pub fn fixture() -> Tree {
    let t = Tree::new();
    let mut scoped = record("MAL-2024-1", "npm", "@evil/scoped", &["1.0.0", "1.0.1"], "2024-01-10T00:00:00Z");
    scoped["affected"][0]["database_specific"] = json!({"indicators": {"package_integrity": [
        {"filename": "scoped-1.0.1.tgz", "hashes": {"sha1": "aad8d679f15a721ed79454d553e3473f9f0536f1", "sha512_sri": SRI}}]}});
    scoped["database_specific"]["iocs"] = json!({"domains": ["evil.example"], "urls": ["https://evil.example/x"], "ip_addresses": ["203.0.113.7"], "ips": null});
    t.put("osv/malicious/npm/@evil/scoped/MAL-2024-1.json", &scoped);
    let mut typo = record("MAL-2024-2", "PyPI", "reqeusts", &[], "2024-02-01T00:00:00Z");
    typo["summary"] = json!("Malicious code in reqeusts (PyPI)\n\tsteals tokens");
    t.put("osv/malicious/pypi/reqeusts/MAL-2024-2.json", &typo);
    t.put(
        "osv/malicious/npm/pattern.json/MAL-2024-3.json",
        &record("MAL-2024-3", "npm", "pattern.json", &[], "2024-03-01T00:00:00Z"),
    );
    t.put(
        "osv/malicious/nuget/bе.vlaanderen/MAL-2024-4.json",
        &record("MAL-2024-4", "NuGet", "bе.vlaanderen", &["2.0.0"], "2024-04-01T00:00:00Z"),
    );
    t.put("osv/malicious/npm/other/GHSA-aaaa-bbbb-cccc.json", &json!({"id": "GHSA-aaaa-bbbb-cccc", "modified": "2024-01-01T00:00:00Z", "affected": [{"package": {"ecosystem": "npm", "name": "other"}}]}));
    let mut never = record("MAL-2024-5", "npm", "never-announced", &["0.1.0"], "2024-05-01T00:00:00Z");
    never["withdrawn"] = json!("2024-05-02T00:00:00Z");
    t.put("osv/withdrawn/npm/never-announced/MAL-2024-5.json", &never);
    t
}

#[tokio::test]
async fn every_mapping_rule_on_a_small_tree() {
    let t = fixture();
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let out = s.ok(&["ingest", "osv", &t.arg()], "");
    assert!(
        out.contains(
            "6 files: 5 MAL records compared (1 withdrawn), 0 unchanged, 1 other advisories skipped, 0 invalid skipped"
        ),
        "{out}"
    );
    assert!(out.contains("dated by each record's publication time"), "{out}");
    assert_eq!(events_of(&out), (5, 0, 0));

    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    let entries = all_entries(&c).await;
    let purls: Vec<&str> = entries.iter().map(|e| e["identity"]["purl"].as_str().unwrap()).collect();
    assert_eq!(purls[..3], ["pkg:npm/%40evil/scoped@1.0.0", "pkg:npm/%40evil/scoped@1.0.1", "pkg:pypi/reqeusts"]);
    assert_eq!(purls.len(), 5, "{purls:?}");

    // One entry per explicit version, with the record's identity and publication time.
    let first = &entries[0];
    assert_eq!(first["event_type"], "NEW_MALICIOUS");
    assert_eq!(first["identity"]["community"], "npm");
    assert_eq!(first["identity"]["namespace"], "@evil");
    assert_eq!(first["identity"]["package"], "@evil/scoped");
    assert_eq!(first["identity"]["version"], "1.0.0");
    assert_eq!(first["identity"]["published"], "2024-01-10T00:00:00+0000");
    assert_eq!(first["scioc"]["timestamp"], "2024-01-10T00:00:00", "a first import is dated by publication");
    // Provenance under the entry.
    let p = &first["scioc"]["provenance"];
    assert_eq!(p["source"], "osv");
    assert_eq!(p["id"], "MAL-2024-1");
    assert_eq!(p["aliases"], json!(["GHSA-2024-1"]));
    assert_eq!(p["references"][0]["url"], "https://github.com/advisories/GHSA-2024-1");
    assert_eq!(p["contributors"], json!(["ghsa-malware", "ossf-package-analysis"]));
    assert_eq!(p["modified"], "2024-06-01T12:00:00Z");
    assert!(first.get("sha1").is_none());
    // The package's integrity hashes go to the version its file name carries, SRI as hex.
    let second = &entries[1];
    assert_eq!(second["sha1"], "aad8d679f15a721ed79454d553e3473f9f0536f1");
    assert_eq!(second["filename"], "scoped-1.0.1.tgz");
    assert_eq!(second["sha512"].as_str().unwrap().len(), 128);
    assert!(second["sha512"].as_str().unwrap().starts_with("11d116"), "{}", second["sha512"]);
    // A package whose every version is malicious: one entry without a version, its ranges as
    // `scioc.affected`.
    let typo = &entries[2];
    assert!(typo["identity"].get("version").is_none());
    // Its summary says it steals tokens: classified, named in the vendor's pattern, level 5.
    assert_eq!(typo["sample_list"][0]["threat_name"], "Script-Python.Infostealer.SupplyChain");
    assert_eq!(typo["sample_list"][0]["threat_level"], "5");
    assert_eq!(typo["scioc"]["affected"]["ranges"][0]["events"][0]["introduced"], "0");
    assert_eq!(typo["scioc"]["affected"]["all_versions"], true);
    assert!(typo["scioc"]["provenance"].get("ranges").is_none(), "ranges live in one place");
    // Oddities of real trees: a package directory ending in .json, and homoglyphs.
    assert_eq!(entries[3]["identity"]["package"], "pattern.json");
    assert_eq!(entries[4]["identity"]["package"], "bе.vlaanderen");

    // Network indicators are linked to the package.
    let inds: Value = serde_json::from_str(&s.ok(&["indicators", "--format", "json"], "")).unwrap();
    let got: Vec<(&str, &str)> =
        inds.as_array().unwrap().iter().map(|i| (i["kind"].as_str().unwrap(), i["value"].as_str().unwrap())).collect();
    assert_eq!(got, vec![("domain", "evil.example"), ("ip", "203.0.113.7"), ("url", "https://evil.example/x")]);
    assert!(inds.as_array().unwrap().iter().all(|i| i["package"] == "@evil/scoped" && i["source_id"] == "MAL-2024-1"));
}

#[tokio::test]
async fn imports_are_incremental_and_withdrawals_become_fp() {
    let t = Tree::new();
    let mut a = record("MAL-2025-10", "npm", "evil-a", &["1.0.0"], "2025-01-01T00:00:00Z");
    a["database_specific"]["iocs"] = json!({"domains": ["a.example"]});
    t.put("osv/malicious/npm/evil-a/MAL-2025-10.json", &a);
    t.put(
        "osv/malicious/npm/evil-b/MAL-2025-11.json",
        &record("MAL-2025-11", "npm", "evil-b", &[], "2025-01-02T00:00:00Z"),
    );
    let s = Scioc::new();
    s.add_user("alice", "reader");
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (2, 0, 0));
    let first = status(&s);

    // Unchanged: nothing new, not even parsed.
    let out = s.ok(&["ingest", "osv", &t.arg()], "");
    assert_eq!(events_of(&out), (0, 0, 0));
    assert!(out.contains("0 MAL records compared (0 withdrawn), 2 unchanged"), "{out}");
    assert_eq!(status(&s)["digest"], first["digest"]);

    // A new version: an event for it alone, dated now.
    a["affected"][0]["versions"] = json!(["1.0.0", "1.0.1"]);
    t.put("osv/malicious/npm/evil-a/MAL-2025-10.json", &a);
    let out = s.ok(&["ingest", "osv", &t.arg()], "");
    assert_eq!(events_of(&out), (1, 0, 0));
    assert!(
        out.contains("; dated ")
            && out.contains(
                "(the feed already held events, and a client has read it or this source was imported before)"
            ),
        "{out}"
    );

    // A new threat name: NEW_THREAT_NAME for each announced version.
    a["summary"] = json!("Credential stealer in evil-a");
    t.put("osv/malicious/npm/evil-a/MAL-2025-10.json", &a);
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (0, 0, 2));

    // Moved to withdrawn/: an FP for everything it announced, visible in a pull.
    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    // Start in a fresh second, after the events above.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert_eq!(c.put(&format!("{FEED}/start")).await.status(), 200);
    t.remove("osv/malicious/npm/evil-a/MAL-2025-10.json");
    a["withdrawn"] = json!("2025-02-01T00:00:00Z");
    t.put("osv/withdrawn/npm/evil-a/MAL-2025-10.json", &a);
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (0, 2, 0));
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let pulled = c.page(&format!("{FEED}/pull?format=json")).await;
    let fps: Vec<(&str, &str, &str)> = pulled
        .feed()
        .entries
        .iter()
        .map(|e| {
            (
                e["event_type"].as_str().unwrap(),
                e["identity"]["purl"].as_str().unwrap(),
                e["sample_list"][0]["status"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(fps, vec![("FP", "pkg:npm/evil-a@1.0.0", "KNOWN"), ("FP", "pkg:npm/evil-a@1.0.1", "KNOWN")]);
    let inds: Value = serde_json::from_str(&s.ok(&["indicators", "--format", "json"], "")).unwrap();
    assert!(inds.as_array().unwrap().is_empty(), "a withdrawn record's indicators are retired: {inds}");

    // Withdrawn again, unchanged: nothing. Restored: announced anew.
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (0, 0, 0));
    t.remove("osv/withdrawn/npm/evil-a/MAL-2025-10.json");
    a.as_object_mut().unwrap().remove("withdrawn");
    t.put("osv/malicious/npm/evil-a/MAL-2025-10.json", &a);
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (2, 0, 0));
}

fn zip_tree(root: &Path, out: &Path) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(out).unwrap());
    for entry in walk(root) {
        let rel = entry.strip_prefix(root).unwrap().to_string_lossy().replace('\\', "/");
        zip.start_file(rel, zip::write::SimpleFileOptions::default()).unwrap();
        std::io::Write::write_all(&mut zip, &std::fs::read(&entry).unwrap()).unwrap();
    }
    zip.finish().unwrap();
}

fn tar_gz_tree(root: &Path, out: &Path) {
    let gz = flate2::write::GzEncoder::new(std::fs::File::create(out).unwrap(), flate2::Compression::fast());
    let mut tar = tar::Builder::new(gz);
    tar.append_dir_all("./", root).unwrap();
    tar.into_inner().unwrap().finish().unwrap();
}

fn walk(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() { out.extend(walk(&p)) } else { out.push(p) }
    }
    out.sort();
    out
}

/// Serves `body` to every GET on a loopback port, for `count` requests.
fn serve_bytes(body: Vec<u8>, count: usize) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/all.zip", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(count) {
            let mut stream = stream.unwrap();
            let mut buf = [0u8; 4096];
            let _ = std::io::Read::read(&mut stream, &mut buf);
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/zip\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                body.len()
            );
            let _ = std::io::Write::write_all(&mut stream, head.as_bytes());
            let _ = std::io::Write::write_all(&mut stream, &body);
        }
    });
    url
}

#[test]
fn a_directory_a_zip_a_tar_gz_and_a_url_import_alike() {
    let t = fixture();
    let zip = t.dir.path().join("all.zip");
    let tgz = t.dir.path().join("tree.tar.gz");
    zip_tree(&t.root(), &zip);
    tar_gz_tree(&t.root(), &tgz);
    let url = serve_bytes(std::fs::read(&zip).unwrap(), 1);
    let mut digests = Vec::new();
    for source in [t.arg(), zip.display().to_string(), tgz.display().to_string(), url] {
        let s = Scioc::new();
        let out = s.ok(&["ingest", "osv", &source], "");
        assert_eq!(events_of(&out), (5, 0, 0), "{source}: {out}");
        digests.push(status(&s)["digest"].as_str().unwrap().to_owned());
    }
    assert!(digests.windows(2).all(|w| w[0] == w[1]), "every source gives the same feed: {digests:?}");

    let s = Scioc::new();
    let bad = s.run(&["ingest", "osv", "http://127.0.0.1:9/none.zip"], "");
    assert_eq!(bad.status.code(), Some(1));
    let bad = s.run(&["ingest", "osv", "/nonexistent/tree"], "");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("/nonexistent/tree"));
}

#[test]
fn invalid_records_refuse_the_whole_import() {
    let t = fixture();
    std::fs::create_dir_all(t.root().join("osv/malicious/npm/broken")).unwrap();
    std::fs::write(t.root().join("osv/malicious/npm/broken/MAL-2024-9.json"), b"{\"id\": \"MAL-2024-9\", ").unwrap();
    let mut bad_hash = record("MAL-2024-8", "npm", "bad-hash", &["1.0.0"], "2024-01-01T00:00:00Z");
    bad_hash["affected"][0]["database_specific"] =
        json!({"indicators": {"package_integrity": [{"filename": "bad-hash-1.0.0.tgz", "hashes": {"sha1": "xyz"}}]}});
    t.put("osv/malicious/npm/bad-hash/MAL-2024-8.json", &bad_hash);
    let s = Scioc::new();
    let out = s.run(&["ingest", "osv", "--strict", &t.arg()], "");
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("broken/MAL-2024-9.json: not an OSV record"), "{err}");
    assert!(err.contains("bad-hash/MAL-2024-8.json") && err.contains("sha1"), "{err}");
    assert!(err.contains("2 invalid OSV record(s); nothing was imported"), "{err}");
    assert_eq!(status(&s)["events"], 0, "--strict refuses the whole import");

    // By default a malformed record is reported with its path and reason, and the rest import.
    let out = s.run(&["ingest", "osv", &t.arg()], "");
    assert!(out.status.success());
    let stdout = String::from_utf8_lossy(&out.stdout);
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("skipped invalid record") && err.contains("broken/MAL-2024-9.json"), "{err}");
    assert!(stdout.contains("2 invalid skipped"), "{stdout}");
    assert_eq!(events_of(&stdout), (5, 0, 0));
}

/// MAL-2023-462's shape: a report that names no version, only a bounded range.
fn ranged(id: &str, name: &str, ranges: Value) -> Value {
    let mut r = record(id, "npm", name, &[], "2024-01-01T00:00:00Z");
    r["affected"][0]["ranges"] = ranges;
    r
}

#[tokio::test]
async fn ranges_travel_in_the_feed_and_a_change_of_range_is_an_fp_then_a_new_announcement() {
    let t = Tree::new();
    let path = "osv/malicious/npm/fsevents/MAL-2023-462.json";
    t.put(
        path,
        &ranged(
            "MAL-2023-462",
            "fsevents",
            json!([{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.11"}]}]),
        ),
    );
    // A GIT-only report: skipped with a counted reason, never "every version".
    t.put(
        "osv/malicious/npm/gitonly/MAL-2024-9.json",
        &ranged(
            "MAL-2024-9",
            "gitonly",
            json!([{"type": "GIT", "repo": "https://example.org/r", "events": [{"introduced": "0"}]}]),
        ),
    );
    let s = Scioc::new();
    s.add_user("alice", "reader");
    let out = s.ok(&["ingest", "osv", &t.arg()], "");
    assert_eq!(events_of(&out), (1, 0, 0), "{out}");
    assert!(out.contains("ranges skipped (never read as every version): 1 × a GIT range names commits"), "{out}");

    let project = s.dir.path().join("project");
    std::fs::create_dir_all(&project).unwrap();
    let lock = |v: &str| {
        json!({"name": "p", "version": "1.0.0", "lockfileVersion": 3, "requires": true, "packages": {
            "": {"name": "p", "version": "1.0.0", "dependencies": {"fsevents": v}},
            "node_modules/fsevents": {"version": v, "optional": true}}})
    };
    let scan = |v: &str| {
        std::fs::write(project.join("package-lock.json"), serde_json::to_vec_pretty(&lock(v)).unwrap()).unwrap();
        let out = s.run(&["scan", "--format", "json", project.to_str().unwrap()], "");
        let doc: Value = serde_json::from_slice(&out.stdout).unwrap();
        (out.status.code().unwrap(), doc["findings"].as_array().unwrap().len())
    };
    assert_eq!(scan("2.3.3"), (0, 0), "chokidar's fsevents is outside the range");
    assert_eq!(scan("1.2.10"), (1, 1));
    assert_eq!(scan("gitonly-not-a-lock"), (0, 0));

    let server = s.serve(&[]);
    let c = server.client().as_user("alice");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let entries = all_entries(&c).await;
    assert_eq!(entries.len(), 1, "{entries:#?}");
    assert!(entries[0]["identity"].get("version").is_none(), "one event per package");
    assert_eq!(
        entries[0]["scioc"]["affected"],
        json!({"all_versions": false, "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "1.2.11"}]}]})
    );

    // The report widens to every version: FP of the old range, then the new one.
    t.put(path, &ranged("MAL-2023-462", "fsevents", json!([{"type": "SEMVER", "events": [{"introduced": "0"}]}])));
    let out = s.ok(&["ingest", "osv", &t.arg()], "");
    assert_eq!(events_of(&out), (1, 1, 0), "{out}");
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    let entries = all_entries(&c).await;
    assert_eq!(entries.len(), 3);
    assert_eq!(entries[1]["event_type"], "FP");
    assert_eq!(entries[1]["scioc"]["affected"], entries[0]["scioc"]["affected"], "the FP names the range it withdraws");
    assert_eq!(
        (&entries[2]["event_type"], &entries[2]["scioc"]["affected"]["all_versions"]),
        (&json!("NEW_MALICIOUS"), &json!(true))
    );
    assert_eq!(scan("2.3.3"), (1, 1), "now every version is");
    // And back to a bounded range: every version no longer holds.
    t.put(
        path,
        &ranged(
            "MAL-2023-462",
            "fsevents",
            json!([{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"last_affected": "1.2.10"}]}]),
        ),
    );
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (1, 1, 0));
    assert_eq!(scan("2.3.3"), (0, 0));
    assert_eq!(scan("1.2.10"), (1, 1));
    // Unchanged bytes: nothing.
    assert_eq!(events_of(&s.ok(&["ingest", "osv", &t.arg()], "")), (0, 0, 0));
}
