//! The registry firewall against a hostile upstream (issue 29): one that serves a blocked
//! archive under false or missing hashes, changes an archive's bytes, points archive URLs and
//! redirects at other hosts, sends huge, compressed or slow answers. Each part checks what the
//! client receives over HTTP and what the firewall records.

use crate::fake_registry::FakeRegistry;
use crate::firewall::{ABBREVIATED, OLD, get, json, report, serve, within};
use crate::osv::Tree;
use crate::support::{Scioc, Server, npm_tgz, pypi_sdist};
use serde_json::{Value, json};
use std::time::{Duration, Instant};

/// What a client receives of a download: the status, every byte before the body ended, and
/// whether the body ended as a complete response (an aborted one ends in an error).
async fn download(url: &str) -> (u16, Vec<u8>, bool) {
    crate::support::install_crypto();
    let client = reqwest::Client::builder().no_gzip().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    // An archive refused in its first chunk ends before the response's head is out.
    let Ok(mut r) = client.get(url).send().await else { return (0, Vec::new(), false) };
    let status = r.status().as_u16();
    let mut bytes = Vec::new();
    loop {
        match r.chunk().await {
            Ok(Some(c)) => bytes.extend_from_slice(&c),
            Ok(None) => return (status, bytes, true),
            Err(_) => return (status, bytes, false),
        }
    }
}

fn sri(bytes: &[u8]) -> String {
    use base64::Engine;
    use sha2::Digest;
    format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(bytes)))
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

/// The refusals `scioc firewall blocks` lists, of one kind.
fn blocks(s: &Scioc, kind: &str) -> Vec<Value> {
    let out = s.ok(&["firewall", "blocks", "--kind", kind, "--format", "json"], "");
    serde_json::from_str::<Value>(&out).unwrap().as_array().unwrap().clone()
}

/// Waits until a refusal of `package@version` by `rule` is stored, and returns it.
async fn refusal(s: &Scioc, package: &str, version: &str, rule: &str) -> Value {
    let found = |s: &Scioc| {
        blocks(s, "refused")
            .into_iter()
            .find(|b| b["package"] == package && b["version"] == version && b["rule"] == rule)
    };
    within(Duration::from_secs(10), &format!("the refusal of {package}@{version} by {rule} stored"), || async {
        found(s).is_some()
    })
    .await;
    found(s).unwrap()
}

/// Ingests `bytes` as a malicious sample named `purl`, so that its hashes are blocked.
fn sample(s: &Scioc, file: &str, bytes: &[u8], purl: &str) {
    let path = s.dir.path().join(file);
    std::fs::write(&path, bytes).unwrap();
    s.ok(&["ingest", "sample", "--force", path.to_str().unwrap(), "--purl", purl], "");
}

/// The server's peak resident memory so far, in MiB (`VmHWM`).
fn peak_mib(server: &Server) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{}/status", server.child.id())).unwrap();
    let kib: u64 = status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap();
    kib / 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_archives_are_judged_by_the_bytes_that_stream() {
    let reg = FakeRegistry::start().await;
    let clean = reg.add_npm("hashpkg", "1.0.0", OLD);
    // An archive known to be malicious, served as 2.0.0 with no hashes in the metadata and as
    // 2.0.1 with another archive's; clean bytes under false hashes as 2.0.2 (integrity) and
    // 2.0.3 (shasum only).
    let evil = npm_tgz("evil-hash", "6.6.6");
    let decoy = npm_tgz("decoy", "1.0.0");
    reg.add_npm_archive("hashpkg", "2.0.0", OLD, evil.clone());
    reg.add_npm_archive("hashpkg", "2.0.1", OLD, evil.clone());
    reg.add_npm("hashpkg", "2.0.2", OLD);
    reg.add_npm("hashpkg", "2.0.3", OLD);
    reg.edit(|c| {
        let v = &mut c.packuments.get_mut("hashpkg").unwrap()["versions"];
        let tarball = v["2.0.0"]["dist"]["tarball"].clone();
        v["2.0.0"]["dist"] = json!({ "tarball": tarball });
        v["2.0.1"]["dist"] = json!({ "tarball": v["2.0.1"]["dist"]["tarball"].clone(), "integrity": sri(&decoy) });
        v["2.0.2"]["dist"] = json!({ "tarball": v["2.0.2"]["dist"]["tarball"].clone(), "integrity": sri(&decoy) });
        v["2.0.3"]["dist"] = json!({ "tarball": v["2.0.3"]["dist"]["tarball"].clone(), "shasum": "0".repeat(40) });
    });
    // Versions spelled past a block on 1.0.0, and a blocked version's file claimed by another.
    for v in ["=1.0.0", "01.0.0", "1.0.1"] {
        reg.add_npm("canon", v, OLD);
    }
    reg.add_npm("collide", "1.0.0", OLD);
    reg.add_npm("collide", "1.0.1", OLD);
    reg.add_npm("collide2", "1.0.1", OLD);
    reg.edit(|c| {
        let doc = c.packuments.get_mut("collide").unwrap();
        doc["versions"]["1.0.1"]["dist"] = doc["versions"]["1.0.0"]["dist"].clone();
        // collide2 1.0.0 is not in the packument at all; 1.0.1 names its file.
        let doc = c.packuments.get_mut("collide2").unwrap();
        let tarball = doc["versions"]["1.0.1"]["dist"]["tarball"].as_str().unwrap().replace("1.0.1.tgz", "1.0.0.tgz");
        doc["versions"]["1.0.1"]["dist"]["tarball"] = json!(tarball);
        let bytes = c.blobs.remove("/npm/collide2/-/collide2-1.0.1.tgz").unwrap();
        c.blobs.insert("/npm/collide2/-/collide2-1.0.0.tgz".to_owned(), bytes);
    });
    let quiet = reg.add_npm("quiet", "1.0.0", OLD);
    reg.edit(|c| {
        let v = &mut c.packuments.get_mut("quiet").unwrap()["versions"]["1.0.0"];
        v["dist"] = json!({ "tarball": v["dist"]["tarball"].clone() });
    });
    let first = reg.add_npm("moving", "1.0.0", OLD);

    let s = Scioc::new();
    let tree = Tree::new();
    sample(&s, "evil-hash-6.6.6.tgz", &evil, "pkg:npm/evil-hash@6.6.6");
    for (id, name) in [("MAL-2025-0101", "canon"), ("MAL-2025-0102", "collide"), ("MAL-2025-0103", "collide2")] {
        report(&s, &tree, id, "npm", name, &["1.0.0"]);
    }
    let server = serve(&s, &reg, &["--firewall-fresh-for", "1s"]);
    let npm = format!("{}/registry/npm", server.url);
    let archive = |name: &str, version: &str| format!("{npm}/{name}/-/{name}-{version}.tgz");

    // A clean archive streams whole.
    let (status, bytes, complete) = download(&archive("hashpkg", "1.0.0")).await;
    assert_eq!((status, complete), (200, true));
    assert_eq!(bytes, clean);
    // The blocked archive never arrives whole, whatever the metadata says of it; nor do bytes
    // that differ from the metadata's hashes.
    for version in ["2.0.0", "2.0.1", "2.0.2", "2.0.3"] {
        let (status, bytes, complete) = download(&archive("hashpkg", version)).await;
        assert!(!complete, "hashpkg@{version} arrived complete ({status}, {} bytes)", bytes.len());
        assert!(bytes.len() < evil.len().min(clean.len()), "hashpkg@{version}: {} bytes arrived", bytes.len());
    }
    // Each is recorded as a refusal with the rule, the reference and the reason apart.
    for version in ["2.0.0", "2.0.1"] {
        let row = refusal(&s, "hashpkg", version, "HASH").await;
        assert_eq!(row["kind"], "refused");
        assert_eq!(row["reference"], "pkg:npm/evil-hash@6.6.6", "a blocked hash names the package it is known as");
        let reason = row["reason"].as_str().unwrap();
        assert!(reason.starts_with(&format!("sha256 {} is the archive", sha256(&evil))), "{row}");
    }
    for version in ["2.0.2", "2.0.3"] {
        let row = refusal(&s, "hashpkg", version, "INTEGRITY").await;
        assert!(row["reference"].is_null(), "{row}");
        let algorithm = if version == "2.0.2" { "sha512" } else { "sha1" };
        assert!(row["reason"].as_str().unwrap().contains(&format!("its {algorithm} is")), "{row}");
    }

    // npm itself, with no integrity to check, installs nothing.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("npmrc"), "").unwrap();
    let out = std::process::Command::new("npm")
        .current_dir(dir.path())
        .args(["install", "hashpkg@2.0.0", "--ignore-scripts", "--no-audit", "--no-fund", "--fetch-retries=0"])
        .arg(format!("--registry={npm}/"))
        .arg(format!("--userconfig={}", dir.path().join("npmrc").display()))
        .arg(format!("--cache={}", dir.path().join("cache").display()))
        .output()
        .unwrap();
    assert!(!out.status.success(), "npm installed the blocked archive: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!dir.path().join("node_modules/hashpkg").exists());

    // Versions are judged in their canonical form.
    let doc = json(&format!("{npm}/canon"), ABBREVIATED).await;
    assert_eq!(doc["versions"].as_object().unwrap().keys().collect::<Vec<_>>(), ["1.0.1"]);
    for version in ["=1.0.0", "01.0.0"] {
        let r = get(&archive("canon", version), "*/*").await;
        assert_eq!(r.status(), 403, "canon@{version}");
        assert!(r.text().await.unwrap().contains("rule AS-008"));
    }
    // A blocked version's file is refused whichever version claims it.
    for name in ["collide", "collide2"] {
        let r = get(&archive(name, "1.0.0"), "*/*").await;
        assert_eq!(r.status(), 403, "{name}");
        let line = r.text().await.unwrap();
        assert!(line.contains(&format!("scioc blocked {name}@1.0.0: rule AS-008")), "{line}");
    }

    // Bytes the firewall delivered are remembered: once they are known to be malicious, the
    // next request is refused outright, without asking the upstream.
    let (_, bytes, complete) = download(&archive("quiet", "1.0.0")).await;
    assert!(complete && bytes == quiet);
    sample(&s, "elsewhere-9.9.9.tgz", &quiet, "pkg:npm/elsewhere@9.9.9");
    within(Duration::from_secs(3), "the delivered archive refused", || async {
        get(&archive("quiet", "1.0.0"), "*/*").await.status() == 403
    })
    .await;
    let fetched = || reg.paths().iter().filter(|p| *p == "/npm/quiet/-/quiet-1.0.0.tgz").count();
    let before = fetched();
    assert_eq!(get(&archive("quiet", "1.0.0"), "*/*").await.status(), 403);
    assert_eq!(fetched(), before, "the refusal came from the remembered hashes, not the upstream");
    refusal(&s, "quiet", "1.0.0", "HASH").await;

    // An archive whose bytes change upstream, hashes and all, is noticed and refused.
    let (_, bytes, complete) = download(&archive("moving", "1.0.0")).await;
    assert!(complete && bytes == first);
    let second = npm_tgz("moving", "1.0.0-changed");
    reg.add_npm_archive("moving", "1.0.0", OLD, second.clone());
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let (_, bytes, complete) = download(&archive("moving", "1.0.0")).await;
    assert!(!complete && bytes.len() < second.len());
    let row = refusal(&s, "moving", "1.0.0", "CHANGED").await;
    let reason = row["reason"].as_str().unwrap();
    assert!(reason.contains(&sha256(&first)) && reason.contains(&sha256(&second)), "{reason}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_files_are_judged_by_the_bytes_that_stream() {
    let reg = FakeRegistry::start().await;
    let evil = pypi_sdist("evilproj", "6.6");
    let clean = pypi_sdist("hashproj", "1.0");
    reg.add_pypi("hashproj", "hashproj-1.0.tar.gz", clean.clone(), "2020-01-01T00:00:00Z");
    reg.add_pypi("hashproj", "hashproj-2.0.tar.gz", evil.clone(), "2020-01-02T00:00:00Z");
    reg.add_pypi("hashproj", "hashproj-2.1.tar.gz", evil.clone(), "2020-01-03T00:00:00Z");
    reg.add_pypi("hashproj", "hashproj-2.2.tar.gz", pypi_sdist("hashproj", "2.2"), "2020-01-04T00:00:00Z");
    reg.edit(|c| {
        let files = c.pages.get_mut("hashproj").unwrap()["files"].as_array_mut().unwrap();
        files[1].as_object_mut().unwrap().insert("hashes".to_owned(), json!({}));
        files[2]["hashes"]["sha256"] = json!(sha256(b"another file"));
        files[3]["hashes"]["sha256"] = json!(sha256(b"another file"));
    });
    let s = Scioc::new();
    sample(&s, "evilproj-6.6.tar.gz", &evil, "pkg:pypi/evilproj@6.6");
    let server = serve(&s, &reg, &[]);
    let files = format!("{}/registry/pypi/files/hashproj", server.url);

    let (status, bytes, complete) = download(&format!("{files}/hashproj-1.0.tar.gz")).await;
    assert_eq!((status, complete, bytes == clean), (200, true, true));
    for file in ["hashproj-2.0.tar.gz", "hashproj-2.1.tar.gz", "hashproj-2.2.tar.gz"] {
        let (status, bytes, complete) = download(&format!("{files}/{file}")).await;
        assert!(!complete, "{file} arrived complete ({status}, {} bytes)", bytes.len());
        assert!(bytes.len() < evil.len().min(clean.len()), "{file}: {} bytes arrived", bytes.len());
    }
    refusal(&s, "hashproj", "2.0", "HASH").await;
    refusal(&s, "hashproj", "2.1", "HASH").await;
    let row = refusal(&s, "hashproj", "2.2", "INTEGRITY").await;
    assert!(row["reason"].as_str().unwrap().contains("its sha256 is"), "{row}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_the_configured_upstreams_and_download_origins_are_fetched() {
    let reg = FakeRegistry::start().await;
    let other = FakeRegistry::start().await;
    let secret = other.add_npm("secret", "1.0.0", OLD);
    other.add_pypi("secret-py", "secret_py-1.0.tar.gz", b"internal".to_vec(), "2020-01-01T00:00:00Z");
    let demo = reg.add_npm("demo", "1.0.0", OLD);
    // Archive URLs aimed elsewhere: another port, another loopback address, a redirect.
    let port = reg.url.rsplit(':').next().unwrap().to_owned();
    let elsewhere = [
        ("away", format!("{}/npm/secret/-/secret-1.0.0.tgz", other.url)),
        ("sideways", format!("http://127.0.0.2:{port}/npm/demo/-/demo-1.0.0.tgz")),
        ("hop", format!("{}/npm/hop/-/hop-1.0.0.tgz", reg.url)),
    ];
    for (name, _) in &elsewhere {
        reg.add_npm(name, "1.0.0", OLD);
    }
    reg.edit(|c| {
        for (name, url) in &elsewhere {
            c.packuments.get_mut(*name).unwrap()["versions"]["1.0.0"]["dist"] = json!({ "tarball": url });
        }
        c.redirects
            .insert("/npm/hop/-/hop-1.0.0.tgz".to_owned(), format!("{}/npm/secret/-/secret-1.0.0.tgz", other.url));
        // Metadata redirected to another host, and within the upstream.
        c.redirects.insert("/npm/moved".to_owned(), format!("{}/npm/secret", other.url));
        c.redirects.insert("/npm/renamed".to_owned(), format!("{}/npm/demo", reg.url));
        // A GitHub Packages-shaped archive URL, with no `/-/`.
        c.blobs.insert("/npm/download/demo/1.0.0/5f2a9c".to_owned(), demo.clone());
    });
    reg.add_npm("gh", "1.0.0", OLD);
    reg.edit(|c| {
        let url = format!("{}/npm/download/demo/1.0.0/5f2a9c", reg.url);
        c.packuments.get_mut("gh").unwrap()["versions"]["1.0.0"]["dist"] =
            json!({ "tarball": url, "integrity": sri(&demo) });
    });
    reg.add_pypi("pyssrf", "pyssrf-1.0.tar.gz", b"x".to_vec(), "2020-01-01T00:00:00Z");
    reg.edit(|c| {
        let file = &mut c.pages.get_mut("pyssrf").unwrap()["files"][0];
        file["url"] = json!(format!("{}/files/secret_py-1.0.tar.gz", other.url));
        file["hashes"]["sha256"] = json!(sha256(b"internal"));
    });

    let s = Scioc::new();
    let server = serve(&s, &reg, &[]);
    let npm = format!("{}/registry/npm", server.url);
    // The firewall's own health check, as an archive URL.
    reg.add_npm("itself", "1.0.0", OLD);
    reg.edit(|c| {
        c.packuments.get_mut("itself").unwrap()["versions"]["1.0.0"]["dist"] =
            json!({ "tarball": format!("{}/health", server.url) });
    });

    for (name, file) in
        [("away", "secret-1.0.0.tgz"), ("sideways", "demo-1.0.0.tgz"), ("hop", "hop-1.0.0.tgz"), ("itself", "health")]
    {
        let r = get(&format!("{npm}/{name}/-/{file}"), "*/*").await;
        assert_eq!(r.status(), 502, "{name}");
        let body = r.text().await.unwrap();
        assert!(body.contains("none of the configured upstreams or download origins"), "{name}: {body}");
    }
    let r = get(&format!("{npm}/moved"), ABBREVIATED).await;
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().contains("redirect"), "the refused redirect is named");
    assert_eq!(json(&format!("{npm}/renamed"), ABBREVIATED).await["name"], "demo", "a redirect within the upstream");
    let r = get(&format!("{}/registry/pypi/files/pyssrf/pyssrf-1.0.tar.gz", server.url), "*/*").await;
    assert_eq!(r.status(), 502);
    assert!(other.paths().is_empty(), "the other host was asked: {:?}", other.paths());

    // The upstream's archive URL is the key, whatever its shape.
    let doc = json(&format!("{npm}/gh"), ABBREVIATED).await;
    assert_eq!(doc["versions"]["1.0.0"]["dist"]["tarball"], format!("{npm}/gh/-/5f2a9c"));
    let (status, bytes, complete) = download(&format!("{npm}/gh/-/5f2a9c")).await;
    assert_eq!((status, complete, bytes == demo), (200, true, true));
    server.stop();

    // Internal addresses are refused unless their network is configured, also when a name
    // resolves to one.
    let name = reg.url.replace("127.0.0.1", "localhost");
    let s2 = Scioc::new();
    let bare = s2.serve(&["--npm-upstream", &format!("{name}/npm/")]);
    let r = get(&format!("{}/registry/npm/demo", bare.url), ABBREVIATED).await;
    assert_eq!(r.status(), 502);
    let body = r.text().await.unwrap();
    assert!(body.contains("is not a public address") && body.contains("--upstream-network"), "{body}");
    bare.stop();

    // A download origin the configuration names is fetched from, without the upstream's
    // credentials; the upstream gets them for its metadata and its archives alike.
    reg.edit(|c| c.credentials = Some(("reader".to_owned(), "s3cret".to_owned())));
    let upstream = reg.npm().replace("http://", "http://reader:s3cret@");
    let s3 = Scioc::new();
    let allowed = s3.serve(&[
        "--npm-upstream",
        &upstream,
        "--pypi-upstream",
        &reg.simple().replace("http://", "http://reader:s3cret@"),
        "--download-origin",
        &format!("{}/", other.url),
        "--upstream-network",
        "127.0.0.0/8",
    ]);
    let npm = format!("{}/registry/npm", allowed.url);
    let (status, bytes, complete) = download(&format!("{npm}/demo/-/demo-1.0.0.tgz")).await;
    assert_eq!((status, complete, bytes == demo), (200, true, true));
    let (status, bytes, complete) = download(&format!("{npm}/away/-/secret-1.0.0.tgz")).await;
    assert_eq!((status, complete, bytes == secret), (200, true, true));
    let r = get(&format!("{}/registry/pypi/files/pyssrf/pyssrf-1.0.tar.gz", allowed.url), "*/*").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().as_ref(), b"internal");
    let basic = Some("Basic cmVhZGVyOnMzY3JldA==".to_owned());
    for path in ["/npm/demo", "/npm/demo/-/demo-1.0.0.tgz", "/simple/pyssrf/"] {
        assert!(reg.authorized(path).contains(&basic), "{path} without the credentials");
    }
    for path in ["/npm/secret/-/secret-1.0.0.tgz", "/files/secret_py-1.0.tar.gz"] {
        let sent = other.authorized(path);
        assert!(!sent.is_empty() && sent.iter().all(Option::is_none), "{path}: {sent:?}");
    }
}

/// A packument of `n` versions, with no archives behind them.
fn packument(name: &str, n: usize, url: &str) -> Value {
    let mut versions = serde_json::Map::new();
    let mut time = serde_json::Map::new();
    for i in 0..n {
        let v = format!("1.{}.{}", i / 1000, i % 1000);
        versions.insert(
            v.clone(),
            json!({"name": name, "version": v, "description": "a package with a long history of releases",
                   "dist": {"tarball": format!("{url}/npm/{name}/-/{name}-{v}.tgz"),
                            "shasum": "0123456789abcdef0123456789abcdef01234567",
                            "integrity": format!("sha512-{}==", "A".repeat(86))}}),
        );
        time.insert(v, json!(OLD));
    }
    json!({"name": name, "dist-tags": {"latest": "1.0.0"}, "versions": versions, "time": time})
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn metadata_memory_is_bounded_and_large_packuments_are_cached() {
    let reg = FakeRegistry::start().await;
    let big = packument("big", 30_000, &reg.url);
    let size = big.to_string().len();
    assert!(size > 8 << 20, "a packument as large as popular ones: {size} bytes");
    // A gzip bomb: a small body that decodes to 400 MiB.
    let mut bomb = b"{\"name\":\"bomb\",\"versions\":{},\"padding\":\"".to_vec();
    bomb.resize(400 << 20, b'a');
    bomb.extend_from_slice(b"\"}");
    let bomb = crate::support::gz(&bomb);
    assert!(bomb.len() < 2 << 20);
    reg.edit(|c| {
        c.packuments.insert("big".to_owned(), big);
        for i in 0..6 {
            c.packuments.insert(format!("big{i}"), packument(&format!("big{i}"), 30_000, &reg.url));
        }
        c.gzipped.insert("/npm/bomb".to_owned(), bomb);
    });
    let s = Scioc::new();
    let server = serve(&s, &reg, &["--firewall-memory-mb", "96", "--upstream-timeout", "20s"]);
    let npm = format!("{}/registry/npm", server.url);

    // A large packument is fetched once and served again from the cache.
    let start = Instant::now();
    let doc = json(&format!("{npm}/big"), "application/json").await;
    let cold = start.elapsed();
    assert_eq!(doc["versions"].as_object().unwrap().len(), 30_000);
    let start = Instant::now();
    json(&format!("{npm}/big"), "application/json").await;
    let warm = start.elapsed();
    assert_eq!(reg.paths().iter().filter(|p| *p == "/npm/big").count(), 1, "fetched upstream once");
    eprintln!("{size} bytes: cold {cold:?}, warm {warm:?}");

    // A compressed answer counts as what it decodes to: refused past the bound, quickly.
    let baseline = peak_mib(&server);
    let start = Instant::now();
    let r = get(&format!("{npm}/bomb"), ABBREVIATED).await;
    assert_eq!(r.status(), 502);
    let body = r.text().await.unwrap();
    assert!(body.contains("MiB decoded") && body.contains("--firewall-memory-mb"), "{body}");
    assert!(start.elapsed() < Duration::from_secs(10), "{:?}", start.elapsed());

    // Many large packuments at once: each is served or refused with 503 and the reason, and
    // the memory they hold stays near the budget.
    let answers = futures_util::future::join_all((0..6).map(|i| {
        let url = format!("{npm}/big{i}");
        async move {
            let r = get(&url, "application/json").await;
            let retry = r.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
            (r.status().as_u16(), r.text().await.unwrap(), retry)
        }
    }))
    .await;
    for (status, body, retry) in &answers {
        match status {
            200 => assert!(body.starts_with('{')),
            503 => {
                assert!(body.contains("--firewall-memory-mb") && body.contains("retry"), "{body}");
                assert_eq!(retry.as_deref(), Some("1"), "a 503 for memory says when to retry");
            }
            other => panic!("{other}: {body}"),
        }
    }
    assert!(answers.iter().any(|(s, _, _)| *s == 200), "some were served");
    let peak = peak_mib(&server);
    eprintln!("peak resident: {baseline} MiB before the bomb, {peak} MiB after six 8+ MB packuments at once");
    assert!(peak < baseline + 3 * 96, "{peak} MiB resident, {baseline} MiB before, with a 96 MiB budget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slow_upstreams_are_cut_off_with_a_reason() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("slow", "1.0.0", OLD);
    let tgz = reg.add_npm("slowtar", "1.0.0", OLD);
    reg.edit(|c| {
        c.trickle.insert("/npm/slow".to_owned());
        c.trickle.insert("/npm/slowtar/-/slowtar-1.0.0.tgz".to_owned());
    });
    let s = Scioc::new();
    let server = serve(&s, &reg, &["--upstream-timeout", "2s"]);
    let npm = format!("{}/registry/npm", server.url);

    // Metadata sent a byte a second: 504 once the upstream timeout is up.
    let start = Instant::now();
    let r = get(&format!("{npm}/slow"), ABBREVIATED).await;
    let took = start.elapsed();
    assert_eq!(r.status(), 504);
    assert!(r.text().await.unwrap().contains("did not answer within 2 s"));
    assert!(took < Duration::from_secs(4), "{took:?}");

    // An archive sent a byte a second: aborted once it is slower than the minimum rate.
    let start = Instant::now();
    let (status, bytes, complete) = download(&format!("{npm}/slowtar/-/slowtar-1.0.0.tgz")).await;
    let took = start.elapsed();
    assert_eq!(status, 200);
    assert!(!complete && bytes.len() < tgz.len(), "{} of {} bytes, complete: {complete}", bytes.len(), tgz.len());
    assert!(took < Duration::from_secs(6), "{took:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn withheld_versions_and_refused_downloads_are_recorded_apart() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("logpkg", "1.0.0", OLD);
    reg.add_npm("logpkg", "1.1.0", OLD);
    let now = jiff::Timestamp::now().to_string();
    reg.add_pypi("fresh-py", "fresh_py-2.0.tar.gz", b"sdist".to_vec(), &now);
    reg.add_pypi("fresh-py", "fresh_py-2.0-py3-none-any.whl", b"wheel".to_vec(), &now);
    let s = Scioc::new();
    report(&s, &Tree::new(), "MAL-2025-0201", "npm", "logpkg", &["1.1.0"]);
    // A refusal older than the retention, and a recent one, already in the store.
    let store = s.store().await;
    let row = |days: i64| scioc_store::BlockRecord {
        time: scioc_model::FeedTime::now().add_secs(-days * 86_400),
        client: "10.0.0.9".to_owned(),
        ecosystem: "npm".to_owned(),
        package: format!("aged-{days}"),
        version: Some("1.0.0".to_owned()),
        rule: "AS-008".to_owned(),
        reference: Some("MAL-2020-0001".to_owned()),
        reason: "critical".to_owned(),
        what: format!("aged-{days}@1.0.0"),
        kind: scioc_store::BlockKind::Refused,
        count: 1,
    };
    store.record_blocks(vec![row(100), row(10)]).await.unwrap();
    drop(store);
    let server = serve(&s, &reg, &["--blocks-retention", "30d", "--min-age", "1h"]);
    let npm = format!("{}/registry/npm", server.url);

    // Past the retention, gone; within it, kept.
    within(Duration::from_secs(10), "the old refusal deleted", || async {
        !blocks(&s, "refused").iter().any(|b| b["package"] == "aged-100")
    })
    .await;
    assert!(blocks(&s, "refused").iter().any(|b| b["package"] == "aged-10"));

    // A client reads the packument four times and installs the safe version: one row says the
    // blocked version was withheld, and nothing was refused.
    for _ in 0..4 {
        json(&format!("{npm}/logpkg"), ABBREVIATED).await;
    }
    let r = get(&format!("{npm}/logpkg/-/logpkg-1.0.0.tgz"), "*/*").await;
    assert_eq!(r.status(), 200);
    // Every refused download is stored, each one.
    for _ in 0..7 {
        assert_eq!(get(&format!("{npm}/logpkg/-/logpkg-1.1.0.tgz"), "*/*").await.status(), 403);
    }
    // A cooldown withholds a version once, not once per file.
    for _ in 0..2 {
        get(&format!("{}/registry/pypi/simple/fresh-py/", server.url), "text/html").await;
    }
    within(Duration::from_secs(10), "seven refusals stored", || async {
        blocks(&s, "refused").iter().filter(|b| b["package"] == "logpkg").count() == 7
    })
    .await;
    let refused: Vec<Value> = blocks(&s, "refused").into_iter().filter(|b| b["package"] == "logpkg").collect();
    for b in &refused {
        assert_eq!((b["version"].as_str(), b["rule"].as_str()), (Some("1.1.0"), Some("AS-008")));
        assert_eq!(b["reference"], "MAL-2025-0201", "the reference column holds the report: {b}");
        assert!(b["reason"].as_str().unwrap().contains("known malicious"), "{b}");
        assert_eq!(b["count"], 1);
    }
    let withheld = blocks(&s, "withheld");
    let logpkg: Vec<&Value> = withheld.iter().filter(|b| b["package"] == "logpkg").collect();
    assert_eq!(logpkg.len(), 1, "one row for the first answer; repeats are folded: {logpkg:?}");
    assert_eq!((logpkg[0]["version"].as_str(), logpkg[0]["count"].as_u64()), (Some("1.1.0"), Some(1)));
    let fresh: Vec<&Value> = withheld.iter().filter(|b| b["package"] == "fresh-py").collect();
    assert_eq!(fresh.len(), 1, "one version, two files, one row: {fresh:?}");
    assert_eq!(fresh[0]["rule"], "COOLDOWN");
    assert!(blocks(&s, "refused").iter().all(|b| b["package"] != "fresh-py"));

    // The admin API filters the same way and refuses an unknown kind.
    s.add_user("root", "admin");
    let admin = server.client().as_user("root");
    let api: Value = admin.get("/api/scioc/v1/firewall/blocks?kind=withheld").await.json().await.unwrap();
    assert!(api["blocks"].as_array().unwrap().iter().all(|b| b["kind"] == "withheld"));
    assert_eq!(api["blocks"].as_array().unwrap().len(), withheld.len());
    let bad = admin.get("/api/scioc/v1/firewall/blocks?kind=denied").await;
    assert_eq!(bad.status(), 400);
    assert!(bad.text().await.unwrap().contains("expected refused or withheld"));
    // The table shows the kind, the count and the reason.
    let table = s.ok(&["firewall", "blocks", "--since", "1h"], "");
    assert!(table.contains("withheld") && table.contains("refused") && table.contains("count"), "{table}");

    // The repeats are written with their count when the window closes, or at shutdown.
    assert!(server.stop().success());
    let withheld = blocks(&s, "withheld");
    let logpkg: Vec<&Value> = withheld.iter().filter(|b| b["package"] == "logpkg").collect();
    let counts: Vec<u64> = logpkg.iter().map(|b| b["count"].as_u64().unwrap()).collect();
    assert_eq!(counts, [1, 3], "{logpkg:?}");
    assert!(logpkg[1]["reason"].as_str().unwrap().contains("asked again 3 time(s) within 60 s"), "{:?}", logpkg[1]);
}

/// Runs npm in `dir` against `registry` with its own cache and no user configuration.
fn npm(dir: &std::path::Path, registry: &str, args: &[&str]) -> std::process::Output {
    std::fs::write(dir.join("npmrc"), "").unwrap();
    std::process::Command::new("npm")
        .current_dir(dir)
        .args(args)
        .args(["--ignore-scripts", "--no-audit", "--no-fund", "--fetch-retries=0", "--no-update-notifier"])
        .arg(format!("--registry={registry}/"))
        .arg(format!("--userconfig={}", dir.join("npmrc").display()))
        .arg(format!("--cache={}", dir.join("cache").display()))
        .output()
        .unwrap()
}

/// Issue 29, part 6: npm installs from a warm cache without asking the registry, so a version
/// blocked after it was cached still installs; `--prefer-online` or clearing the cache
/// restores the firewall's word, and `scioc scan` of the lockfile catches it either way.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_warm_npm_cache_skips_the_firewall_and_the_lockfile_scan_catches_it() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("cached-pkg", "1.0.0", OLD);
    let s = Scioc::new();
    let server = serve(&s, &reg, &[]);
    let registry = format!("{}/registry/npm", server.url);
    let dir = tempfile::tempdir().unwrap();
    let dir = dir.path();
    std::fs::write(dir.join("package.json"), r#"{"name":"app","version":"1.0.0","private":true}"#).unwrap();
    let out = npm(dir, &registry, &["install", "cached-pkg@1.0.0"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    report(&s, &Tree::new(), "MAL-2025-0301", "npm", "cached-pkg", &["1.0.0"]);
    let archive = format!("{registry}/cached-pkg/-/cached-pkg-1.0.0.tgz");
    within(Duration::from_secs(3), "the firewall blocking it", || async { get(&archive, "*/*").await.status() == 403 })
        .await;
    let asked = || reg.paths().len();

    // The cache answers: npm ci installs it and never asks.
    std::fs::remove_dir_all(dir.join("node_modules")).unwrap();
    let before = asked();
    let out = npm(dir, &registry, &["ci"]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(dir.join("node_modules/cached-pkg/package.json").exists());
    assert_eq!(asked(), before, "npm asked nothing");

    // The second line: the lockfile scan names it.
    let scan = s.run(&["scan", "--fail-on", "high", dir.join("package-lock.json").to_str().unwrap()], "");
    assert_eq!(scan.status.code(), Some(1), "{}", String::from_utf8_lossy(&scan.stdout));
    assert!(String::from_utf8_lossy(&scan.stdout).contains("cached-pkg"));

    // --prefer-online makes npm ask again with the cache still warm, and the firewall refuses.
    std::fs::remove_dir_all(dir.join("node_modules")).unwrap();
    let out = npm(dir, &registry, &["ci", "--prefer-online"]);
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("E403") && err.contains("scioc blocked cached-pkg@1.0.0"), "{err}");
    assert!(!dir.join("node_modules/cached-pkg").exists());

    // With the cache cleared, npm asks the firewall and is refused.
    let out = npm(dir, &registry, &["cache", "clean", "--force"]);
    assert!(out.status.success());
    let out = npm(dir, &registry, &["ci"]);
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("scioc blocked cached-pkg@1.0.0"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.join("node_modules/cached-pkg").exists());
}
