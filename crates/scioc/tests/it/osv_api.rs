//! The OSV-compatible API, the offline OSV databases and their real readers: pip-audit
//! (`--osv-url`) and Renovate's `@renovatebot/osv-offline` 1.8.0, installed from the
//! registries; osv-scanner's zip layout checked against its documented reading rules.

use crate::osv_snapshot::snapshot;
use crate::support::{Scioc, python_venv};
use serde_json::{Value, json};
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A malicious report from the shared snapshot: every version of `ascii2text` (PyPI).
const SNAPSHOT_ID: &str = "MAL-2022-7421";

fn record(id: &str, name: &str, version: &str, modified: &str, withdrawn: bool) -> Value {
    let mut v = json!({
        "schema_version": "1.5.0", "id": id, "modified": modified, "published": "2099-01-01T00:00:00Z",
        "summary": format!("Malicious code in {name} (PyPI)"),
        "affected": [{"package": {"ecosystem": "PyPI", "name": name}, "versions": [version]}]
    });
    if withdrawn {
        v["withdrawn"] = json!(modified);
    }
    v
}

/// Imports records through `scioc ingest osv DIR`.
fn import(scioc: &Scioc, records: &[Value]) -> String {
    let dir = tempfile::tempdir().unwrap();
    for r in records {
        std::fs::write(dir.path().join(format!("{}.json", r["id"].as_str().unwrap())), r.to_string()).unwrap();
    }
    scioc.ok(&["ingest", "osv", dir.path().to_str().unwrap()], "")
}

fn pip_audit(url: &str, requirements: &str) -> (i32, Value) {
    let venv = python_venv("pip-audit", "pip-audit==2.10.1");
    let dir = tempfile::tempdir().unwrap();
    let req = dir.path().join("requirements.txt");
    std::fs::write(&req, requirements).unwrap();
    let out = Command::new(venv.join("bin/pip-audit"))
        .args(["--no-deps", "--disable-pip", "-s", "osv", "--format", "json", "--progress-spinner", "off", "-r"])
        .arg(&req)
        .args(["--osv-url", &format!("{url}/v1/query"), "--cache-dir"])
        .arg(dir.path().join("cache"))
        .env_remove("PIP_FIND_LINKS")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let report: Value = serde_json::from_str(&stdout).unwrap_or_else(|e| {
        panic!("pip-audit printed no JSON report ({e}):\n{stdout}\n{}", String::from_utf8_lossy(&out.stderr))
    });
    (out.status.code().unwrap_or(-1), report)
}

fn vulns_of(report: &Value) -> Vec<String> {
    report["dependencies"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|d| d["vulns"].as_array().unwrap().iter().map(|v| v["id"].as_str().unwrap().to_owned()))
        .collect()
}

#[test]
fn pip_audit_reports_what_scioc_knows_and_not_what_was_withdrawn() {
    let scioc = Scioc::new();
    scioc.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
    import(&scioc, &[record("MAL-2099-0002", "scioc-gone-pkg", "2.0.0", "2099-01-02T00:00:00Z", false)]);
    let server = scioc.serve(&["--osv-anonymous"]);

    // A pin the snapshot covers (every version of the package) is reported with its id;
    // the version is matched the PEP 440 way (pip-audit sends `0.1` for `0.1.0`).
    let (code, report) = pip_audit(&server.url, "ascii2text==0.1.0\n");
    assert_eq!(vulns_of(&report), [SNAPSHOT_ID], "{report}");
    assert_eq!(code, 1, "pip-audit exits 1 on a finding");
    let (_, report) = pip_audit(&server.url, "scioc-gone-pkg==2.0.0\n");
    assert_eq!(vulns_of(&report), ["MAL-2099-0002"], "reported before its withdrawal");

    // Withdrawn by its source: no longer reported, and served as withdrawn.
    import(&scioc, &[record("MAL-2099-0002", "scioc-gone-pkg", "2.0.0", "2099-01-03T00:00:00Z", true)]);
    std::thread::sleep(std::time::Duration::from_millis(1500));
    let (code, report) = pip_audit(&server.url, "scioc-gone-pkg==2.0.0\n");
    assert_eq!((code, vulns_of(&report)), (0, vec![]), "{report}");
    let out = Command::new("curl").args(["-sf", &format!("{}/v1/vulns/MAL-2099-0002", server.url)]).output().unwrap();
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["withdrawn"], "2099-01-03T00:00:00Z");
    assert_eq!(got["modified"], "2099-01-03T00:00:00Z", "modified follows the store");

    // A clean file reports nothing.
    let (code, report) = pip_audit(&server.url, "six==1.16.0\nrequests==2.32.3\n");
    assert_eq!((code, vulns_of(&report)), (0, vec![]), "{report}");
}

/// `@renovatebot/osv-offline@1.8.0`, installed once.
fn osv_offline() -> PathBuf {
    crate::support::npm_packages("osv-offline", ".installed-1.8.0", &["@renovatebot/osv-offline@1.8.0"])
        .join("node_modules")
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        std::fs::copy(e.path(), to.join(e.file_name())).unwrap();
    }
}

#[test]
fn the_offline_databases_are_read_by_osv_offline_and_follow_osv_scanners_layout() {
    let scioc = Scioc::new();
    scioc.ok(&["ingest", "osv", snapshot().to_str().unwrap()], "");
    let out = tempfile::tempdir().unwrap();
    let (a, b) = (out.path().join("a"), out.path().join("b"));
    scioc.ok(&["export", "osv", "--out", a.to_str().unwrap()], "");
    scioc.ok(&["export", "osv", "--out", b.to_str().unwrap()], "");

    // Deterministic: the same store gives byte-identical files.
    for f in ["npm/all.zip", "PyPI/all.zip", "osv-offline/osv-offline.zip", "PyPI/modified_id.csv", "ecosystems.txt"] {
        assert_eq!(std::fs::read(a.join(f)).unwrap(), std::fs::read(b.join(f)).unwrap(), "{f} differs between runs");
    }

    // osv-scanner's rules: one folder per OSV ecosystem name, every zip entry one OSV record
    // of that ecosystem; the old and new layouts hold the same zip.
    let ecosystems = std::fs::read_to_string(a.join("ecosystems.txt")).unwrap();
    assert!(ecosystems.lines().any(|l| l == "npm") && ecosystems.lines().any(|l| l == "PyPI"), "{ecosystems}");
    for eco in ecosystems.lines() {
        assert!(scioc_osv::ecosystem(eco).is_some(), "{eco} is not an OSV ecosystem name");
        let zip_bytes = std::fs::read(a.join("osv-scanner").join(eco).join("all.zip")).unwrap();
        assert_eq!(zip_bytes, std::fs::read(a.join("osv-scalibr").join(eco).join("all.zip")).unwrap());
        let mut z = zip::ZipArchive::new(std::io::Cursor::new(zip_bytes)).unwrap();
        let csv = std::fs::read_to_string(a.join(eco).join("modified_id.csv")).unwrap();
        assert_eq!(csv.lines().count(), z.len(), "{eco}: modified_id.csv lists every record");
        for i in 0..z.len() {
            let mut f = z.by_index(i).unwrap();
            let mut text = String::new();
            f.read_to_string(&mut text).unwrap();
            let v: Value = serde_json::from_str(&text).unwrap();
            let id = v["id"].as_str().unwrap();
            assert_eq!(f.name().unwrap(), format!("{id}.json"));
            assert!(v["modified"].as_str().is_some_and(|m| m.ends_with('Z')), "{id}: modified");
            let ecos: Vec<&str> =
                v["affected"].as_array().unwrap().iter().filter_map(|x| x["package"]["ecosystem"].as_str()).collect();
            assert!(ecos.contains(&eco), "{id} in {eco}/all.zip names {ecos:?}");
        }
    }

    // Renovate's reader, with downloads disabled, on a copy (it compacts the files it loads).
    let root = out.path().join("renovate");
    copy_dir(&a.join("osv-offline"), &root);
    let script = r#"
        const { OsvOffline } = require('@renovatebot/osv-offline');
        (async () => {
          const db = await OsvOffline.create();
          const hit = await db.getVulnerabilities('PyPI', 'ascii2text');
          const miss = await db.getVulnerabilities('npm', 'left-pad');
          console.log(JSON.stringify({hit: hit.map(v => v.id), affected: hit.map(v => v.affected), miss: miss.length}));
        })().catch(e => { console.error(e); process.exit(1); });
    "#;
    let out = Command::new("node")
        .args(["-e", script])
        .env("NODE_PATH", osv_offline())
        .env("OSV_OFFLINE_ROOT_DIR", &root)
        .env("OSV_OFFLINE_DISABLE_DOWNLOAD", "true")
        .output()
        .unwrap();
    assert!(out.status.success(), "osv-offline failed: {}", String::from_utf8_lossy(&out.stderr));
    let got: Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(got["hit"], json!([SNAPSHOT_ID]), "{got}");
    assert_eq!(got["miss"], 0);
    // Renovate evaluates the record's ranges itself: they are the report's own.
    assert_eq!(got["affected"][0][0]["ranges"][0]["events"][0]["introduced"], "0");
}

#[tokio::test]
async fn the_api_behaves_as_osv_dev_documents() {
    crate::support::install_crypto();
    let scioc = Scioc::new();
    let out = import(
        &scioc,
        &[
            record("MAL-2099-0010", "twice-pkg", "1.0.0", "2099-01-01T00:00:00Z", false),
            record("MAL-2099-0011", "twice-pkg", "1.0.0", "2099-01-05T00:00:00Z", false),
        ],
    );
    // One version, two reports: one announcement, which the second joins.
    assert!(out.contains("imported 1 event(s)") && out.contains("; 1 left out"), "{out}");
    scioc.add_user("reader", "reader");
    let closed = scioc.serve(&[]);
    let r = reqwest::Client::new().post(format!("{}/v1/query", closed.url)).body("{}").send().await.unwrap();
    assert_eq!(r.status(), 401, "the feed's credentials by default");
    drop(closed);
    let server = scioc.serve(&["--osv-anonymous", "--osv-page-size", "1"]);
    let http = reqwest::Client::new();
    let post = |path: &str, body: String| {
        let req = http.post(format!("{}{path}", server.url)).body(body);
        async move {
            let r = req.send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let q = |name: &str, version: Option<&str>| {
        let mut v = json!({"package": {"name": name, "ecosystem": "PyPI"}});
        if let Some(ver) = version {
            v["version"] = json!(ver);
        }
        v
    };

    // Two reports, one per page, in the order the feed learnt them; a token leads on.
    let (s, body) = post("/v1/query", q("twice-pkg", Some("1.0")).to_string()).await;
    assert_eq!(s, 200, "{body}");
    let page1: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(page1["vulns"].as_array().unwrap().len(), 1);
    let token = page1["next_page_token"].as_str().expect("a next page").to_owned();
    let mut next = q("twice-pkg", Some("1.0"));
    next["page_token"] = json!(token);
    let (_, body) = post("/v1/query", next.to_string()).await;
    let page2: Value = serde_json::from_str(&body).unwrap();
    let ids = [page1["vulns"][0]["id"].clone(), page2["vulns"][0]["id"].clone()];
    assert_eq!(ids, [json!("MAL-2099-0010"), json!("MAL-2099-0011")]);
    assert!(page2.get("next_page_token").is_none());

    // Unaffected versions and unknown packages: `{}`; a purl works as name and ecosystem.
    assert_eq!(post("/v1/query", q("twice-pkg", Some("1.0.1")).to_string()).await, (200, "{}".to_owned()));
    assert_eq!(post("/v1/query", q("nobody-knows", None).to_string()).await, (200, "{}".to_owned()));
    let (_, body) = post("/v1/query", json!({"package": {"purl": "pkg:pypi/twice-pkg@1.0.0"}}).to_string()).await;
    assert!(body.contains("MAL-2099-0010"), "{body}");

    // A batch: ids and modified times only; `{}` for nothing.
    let batch = json!({"queries": [q("twice-pkg", Some("1.0.0")), q("nobody-knows", Some("1.0"))]});
    let (s, body) = post("/v1/querybatch", batch.to_string()).await;
    assert_eq!(s, 200);
    let v: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(v["results"][0]["vulns"][0], json!({"id": "MAL-2099-0010", "modified": "2099-01-01T00:00:00Z"}));
    assert!(v["results"][0]["next_page_token"].is_string());
    assert_eq!(v["results"][1], json!({}));

    // By id.
    let r = http.get(format!("{}/v1/vulns/MAL-2099-0011", server.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    assert_eq!(r.json::<Value>().await.unwrap()["id"], "MAL-2099-0011");
    let r = http.get(format!("{}/v1/vulns/MAL-0000-0000", server.url)).send().await.unwrap();
    assert_eq!(r.status(), 404);

    // Bad input: 400 with the reason, and nothing else changes.
    let before = scioc.stored_bytes("events");
    let many = json!({"queries": vec![q("x", None); 1001]});
    for (body, says) in [
        ("{\"package\":".to_owned(), "not a valid query"),
        (json!({"package": {"name": "x", "ecosystem": "Nope"}}).to_string(), "unknown ecosystem"),
        (json!({"package": {"purl": "pkg:pypi/x@1.0"}, "version": "1.0"}).to_string(), "given twice"),
        (json!({"package": {"name": "x", "ecosystem": "PyPI"}, "page_token": "!!"}).to_string(), "page_token"),
    ] {
        let (s, got) = post("/v1/query", body).await;
        assert_eq!(s, 400, "{got}");
        assert!(got.contains(says), "{says}: {got}");
    }
    // A huge body is refused before it is read; curl waits for the answer (Expect:
    // 100-continue) instead of writing into a connection the server is closing.
    let huge = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(huge.path(), format!("{{\"pad\":\"{}\"}}", "x".repeat(5 << 20))).unwrap();
    let out = Command::new("curl")
        .args(["-s", "-w", "\n%{http_code}", "-XPOST", &format!("{}/v1/query", server.url), "--data-binary"])
        .arg(format!("@{}", huge.path().display()))
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.ends_with("\n400") && said.contains("over the limit"), "{said}");
    let (s, got) = post("/v1/querybatch", many.to_string()).await;
    assert_eq!(s, 400);
    assert!(got.contains("Too many queries"), "{got}");
    let (s, got) = post("/v1/querybatch", json!({"queries": [q("x", None), {"package": {}}]}).to_string()).await;
    assert_eq!(s, 400);
    assert!(got.contains("queries[1]"), "{got}");
    assert_eq!(scioc.stored_bytes("events"), before, "bad requests changed nothing");

    // The bucket: ETag, If-None-Match and X-Goog-Hash.
    let r = http.head(format!("{}/osv/PyPI/all.zip", server.url)).send().await.unwrap();
    assert_eq!(r.status(), 200);
    let etag = r.headers()["etag"].to_str().unwrap().to_owned();
    let crc = r.headers()["x-goog-hash"].to_str().unwrap().to_owned();
    let body = http.get(format!("{}/osv/PyPI/all.zip", server.url)).send().await.unwrap().bytes().await.unwrap();
    use base64::Engine as _;
    let want = base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(&body).to_be_bytes());
    assert_eq!(crc, format!("crc32c={want}"));
    let r = http.get(format!("{}/osv/PyPI/all.zip", server.url)).header("if-none-match", &etag).send().await.unwrap();
    assert_eq!(r.status(), 304);
    let r = http.get(format!("{}/osv/PyPI/MAL-2099-0010.json", server.url)).send().await.unwrap();
    assert_eq!(r.json::<Value>().await.unwrap()["id"], "MAL-2099-0010");
}

#[test]
fn an_archive_scioc_analysed_is_served_as_a_synthesized_record_with_its_hashes() {
    use sha2::Digest as _;
    let scioc = Scioc::new();
    let archive = crate::support::npm_tgz("scioc-archived-pkg", "2.0.0");
    let path = scioc.data_dir().with_extension("tgz");
    std::fs::write(&path, &archive).unwrap();
    scioc.ok(&["ingest", "sample", "--force", path.to_str().unwrap()], "");
    let server = scioc.serve(&["--osv-anonymous"]);
    let query = |version: &str| {
        let body = json!({"package": {"name": "scioc-archived-pkg", "ecosystem": "npm"}, "version": version});
        let out = Command::new("curl")
            .args(["-sf", "-XPOST", &format!("{}/v1/query", server.url), "-d", &body.to_string()])
            .output()
            .unwrap();
        serde_json::from_slice::<Value>(&out.stdout).unwrap()
    };
    let got = query("2.0.0");
    let record = &got["vulns"][0];
    let id = record["id"].as_str().unwrap_or_else(|| panic!("no record: {got}"));
    assert!(id.starts_with(scioc_osv::ID_PREFIX), "{id}");
    assert_eq!(record["affected"][0]["package"]["purl"], "pkg:npm/scioc-archived-pkg");
    assert_eq!(record["affected"][0]["versions"], json!(["2.0.0"]));
    let sha256 = hex::encode(sha2::Sha256::digest(&archive));
    assert_eq!(
        record["affected"][0]["database_specific"]["indicators"]["package_integrity"][0]["hashes"]["sha256"], sha256,
        "{record}"
    );
    assert_eq!(query("2.0.1"), json!({}));
    let out = Command::new("curl").args(["-sf", &format!("{}/v1/vulns/{id}", server.url)]).output().unwrap();
    assert_eq!(serde_json::from_slice::<Value>(&out.stdout).unwrap(), *record, "the same record by id");
}
