//! The registry firewall driven by real package managers (npm, pnpm, yarn, bun, pip, uv)
//! against the real registries, whose addresses are read from the package managers' own
//! configuration. One tiny package per ecosystem: `is-number` (npm) and `six` (PyPI), whose
//! latest versions the test store marks malicious.
//!
//! What each client shows of a refusal differs: npm (`E403`, from the packument's
//! `policyRestrictions`), pnpm, pip and uv print the reason; yarn classic and bun print only
//! the status of the refused download, and for a pinned version no longer in the packument
//! they say it does not exist.

use crate::firewall::{json as http_json, within};
use crate::osv::{Tree, record};
use crate::support::{Scioc, python_venv};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::time::Duration;

/// The node clients, installed once under the target directory (as `.ci/clients.sh` does).
fn node_clients() -> PathBuf {
    crate::support::npm_packages(
        "node-clients",
        ".installed-pnpm10-yarn1.22.22-bun1",
        &["pnpm@10", "yarn@1.22.22", "bun@1"],
    )
    .join("node_modules/.bin")
}

fn run(cmd: &mut Command) -> (bool, String) {
    let Output { status, stdout, stderr } = cmd.output().unwrap_or_else(|e| panic!("{cmd:?}: {e}"));
    (status.success(), format!("{}{}", String::from_utf8_lossy(&stdout), String::from_utf8_lossy(&stderr)))
}

fn ok(cmd: &mut Command) -> String {
    let shown = format!("{cmd:?}");
    let (ok, out) = run(cmd);
    assert!(ok, "{shown} failed:\n{out}");
    out
}

/// Every file under `dir`, relative, with its bytes.
fn files(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
            } else {
                out.push((p.strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(&p).unwrap()));
            }
        }
    }
    out.sort();
    out
}

/// One node client's way of adding a package and of installing from its lockfile.
struct NodeClient {
    name: &'static str,
    lockfile: &'static str,
    /// Whether its output names the reason of a refused download.
    shows_reason: bool,
}

const NODE_CLIENTS: [NodeClient; 4] = [
    NodeClient { name: "npm", lockfile: "package-lock.json", shows_reason: true },
    NodeClient { name: "pnpm", lockfile: "pnpm-lock.yaml", shows_reason: true },
    NodeClient { name: "yarn", lockfile: "yarn.lock", shows_reason: false },
    NodeClient { name: "bun", lockfile: "bun.lock", shows_reason: false },
];

impl NodeClient {
    /// `add SPEC` (or a frozen install from the lockfile when `spec` is `None`) in `project`,
    /// against `registry`, with caches of its own under `scratch`.
    fn command(&self, bin: &Path, project: &Path, scratch: &Path, registry: &str, spec: Option<&str>) -> Command {
        let cache = scratch.join(format!("cache-{}-{}", self.name, fastrand::u64(..)));
        let mut c;
        match self.name {
            "npm" => {
                let rc = scratch.join("npmrc");
                std::fs::write(&rc, format!("registry={registry}\n")).unwrap();
                c = Command::new("npm");
                match spec {
                    Some(s) => c.args(["install", s]),
                    None => c.arg("ci"),
                };
                c.args(["--no-audit", "--no-fund", "--no-update-notifier", "--userconfig"])
                    .arg(&rc)
                    .arg("--cache")
                    .arg(&cache);
            }
            "pnpm" => {
                c = Command::new(bin.join("pnpm"));
                match spec {
                    Some(s) => c.args(["add", s]),
                    None => c.args(["install", "--frozen-lockfile"]),
                };
                c.args(["--registry", registry, "--config.node-linker=hoisted", "--store-dir"]).arg(&cache);
            }
            "yarn" => {
                c = Command::new(bin.join("yarn"));
                match spec {
                    Some(s) => c.args(["add", s]),
                    None => c.args(["install", "--frozen-lockfile"]),
                };
                c.args(["--registry", registry, "--non-interactive", "--cache-folder"]).arg(&cache);
            }
            _ => {
                c = Command::new(bin.join("bun"));
                match spec {
                    Some(s) => c.args(["add", s]),
                    None => c.args(["install", "--frozen-lockfile"]),
                };
                c.env("BUN_CONFIG_REGISTRY", registry).arg("--cache-dir").arg(&cache);
            }
        }
        c.current_dir(project);
        c
    }
}

fn project(scratch: &Path, name: &str) -> PathBuf {
    let dir = scratch.join(name);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("package.json"), r#"{"name":"firewall-test","version":"1.0.0","license":"MIT"}"#).unwrap();
    dir
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_pnpm_yarn_and_bun_install_through_the_firewall() {
    let bin = node_clients();
    let upstream = ok(Command::new("npm").args(["config", "get", "registry"])).trim().to_owned();
    assert!(upstream.starts_with("http"), "npm's registry: {upstream}");
    let s = Scioc::new();
    let server = s.serve(&["--npm-upstream", &upstream]);
    let registry = format!("{}/registry/npm/", server.url);
    let scratch = tempfile::tempdir().unwrap();
    let scratch = scratch.path();

    // Clean installs: the same files as a direct install, lockfiles through the firewall.
    let direct = project(scratch, "direct");
    ok(&mut NODE_CLIENTS[0].command(&bin, &direct, scratch, &upstream, Some("is-number@7.0.0")));
    let want = files(&direct.join("node_modules/is-number"));
    assert!(want.iter().any(|(p, _)| p == Path::new("index.js")));
    for c in &NODE_CLIENTS {
        let p = project(scratch, &format!("clean-{}", c.name));
        ok(&mut c.command(&bin, &p, scratch, &registry, Some("is-number@7.0.0")));
        assert_eq!(files(&p.join("node_modules/is-number")), want, "{}: files differ from a direct install", c.name);
    }

    // Reported: the version is withheld within 2 s.
    let tree = Tree::new();
    let id = "MAL-2099-7001";
    tree.put(&format!("osv/malicious/{id}.json"), &record(id, "npm", "is-number", &["7.0.0"], "2025-01-01T00:00:00Z"));
    s.ok(&["ingest", "osv", &tree.arg()], "");
    let packument = format!("{registry}is-number");
    let abbreviated = "application/vnd.npm.install-v1+json";
    within(Duration::from_secs(2), "the block", || async {
        http_json(&packument, abbreviated).await["versions"].as_object().is_some_and(|v| !v.contains_key("7.0.0"))
    })
    .await;
    let reason = format!("scioc blocked is-number@7.0.0: rule AS-008, critical ({id})");

    for c in &NODE_CLIENTS {
        // Asking for the blocked version fails; npm says why.
        let p = project(scratch, &format!("pinned-{}", c.name));
        let (done, out) = run(&mut c.command(&bin, &p, scratch, &registry, Some("is-number@7.0.0")));
        assert!(!done, "{}: installing the blocked version succeeded:\n{out}", c.name);
        assert!(out.contains("7.0.0"), "{}: {out}", c.name);
        if c.name == "npm" {
            assert!(out.contains(&reason), "npm: {out}");
        }
        // A lockfile made before the report still pins it: the download is refused.
        let locked = scratch.join(format!("clean-{}", c.name));
        std::fs::remove_dir_all(locked.join("node_modules")).unwrap();
        let (done, out) = run(&mut c.command(&bin, &locked, scratch, &registry, None));
        assert!(!done, "{}: the frozen install of a blocked version succeeded:\n{out}", c.name);
        assert!(out.contains("403"), "{}: {out}", c.name);
        if c.shows_reason {
            assert!(out.contains(&reason), "{}: the reason is not shown:\n{out}", c.name);
        }
        // Without a version: the last good release, recorded in the lockfile.
        let p = project(scratch, &format!("latest-{}", c.name));
        ok(&mut c.command(&bin, &p, scratch, &registry, Some("is-number")));
        let lock = std::fs::read_to_string(p.join(c.lockfile)).unwrap();
        let pins_7 = ["\"7.0.0\"", "is-number@7.0.0", "is-number-7.0.0"].iter().any(|p| lock.contains(p));
        assert!(lock.contains("6.0.0") && !pins_7, "{}: {}\n{lock}", c.name, c.lockfile);
    }

    // An FP while the firewall runs unblocks within 2 s.
    s.ok(&["reclassify", "--purl", "pkg:npm/is-number@7.0.0", "--fp", "--reason", "test: not malicious"], "");
    let took = within(Duration::from_secs(2), "the FP", || async {
        http_json(&packument, abbreviated).await["versions"].as_object().is_some_and(|v| v.contains_key("7.0.0"))
    })
    .await;
    eprintln!("FP applied in {took:?}");
    for c in &NODE_CLIENTS {
        let p = project(scratch, &format!("released-{}", c.name));
        ok(&mut c.command(&bin, &p, scratch, &registry, Some("is-number@7.0.0")));
    }
    let blocks = s.ok(&["firewall", "blocks", "--format", "json"], "");
    assert!(blocks.contains("\"is-number\""), "{blocks}");
}

/// pip's index URL as pip itself is configured: its config, else its environment, else its
/// built-in default.
fn pip_index(python: &Path) -> String {
    let configured = Command::new(python).args(["-m", "pip", "config", "get", "global.index-url"]).output().unwrap();
    if configured.status.success() {
        return String::from_utf8(configured.stdout).unwrap().trim().to_owned();
    }
    if let Ok(url) = std::env::var("PIP_INDEX_URL") {
        return url;
    }
    let default = Command::new(python)
        .args(["-c", "from pip._internal.models.index import PyPI; print(PyPI.simple_url)"])
        .output()
        .unwrap();
    String::from_utf8(default.stdout).unwrap().trim().to_owned()
}

/// The origin (`https://host/`) the index serves `six`'s files from, read from its PEP 691 page.
async fn files_origin(index: &str) -> String {
    crate::support::install_crypto();
    let index = format!("{}/", index.trim_end_matches('/'));
    let page: serde_json::Value = reqwest::Client::new()
        .get(format!("{index}six/"))
        .header("accept", "application/vnd.pypi.simple.v1+json")
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let file = page["files"][0]["url"].as_str().expect("a file URL on the index's page");
    let url = url::Url::parse(file).or_else(|_| url::Url::parse(&index).unwrap().join(file)).unwrap();
    format!("{}://{}/", url.scheme(), url.host_str().unwrap())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pip_and_uv_install_through_the_firewall() {
    let venv = python_venv("uv", "uv==0.13.9");
    let (python, uv) = (venv.join("bin/python"), venv.join("bin/uv"));
    let upstream = pip_index(&python);
    assert!(upstream.starts_with("http"), "pip's index: {upstream}");
    // PyPI serves its files from another host than its index: the firewall fetches them only
    // from an origin it is told, never from one a page names. The test reads that origin off
    // the index's own page, as an administrator would.
    let files = files_origin(&upstream).await;
    let s = Scioc::new();
    let server = s.serve(&["--pypi-upstream", &upstream, "--download-origin", &files]);
    let index = format!("{}/registry/pypi/simple/", server.url);
    let scratch = tempfile::tempdir().unwrap();
    let scratch = scratch.path();
    // Only the index under test: no local wheel directories, no caches.
    let pip = |target: &str, index: &str, args: &[&str]| {
        let mut c = Command::new(&python);
        c.args([
            "-m",
            "pip",
            "install",
            "--no-deps",
            "--no-cache-dir",
            "--disable-pip-version-check",
            "--index-url",
            index,
        ])
        .arg("--target")
        .arg(scratch.join(target))
        .args(args)
        .env_remove("PIP_FIND_LINKS")
        .env_remove("PIP_INDEX_URL")
        .env_remove("PIP_EXTRA_INDEX_URL");
        c
    };
    let uv_install = |target: &str, args: &[&str]| {
        let mut c = Command::new(&uv);
        c.args(["pip", "install", "--no-deps", "--no-cache", "--index-url", &index, "--python"])
            .arg(&python)
            .arg("--target")
            .arg(scratch.join(target))
            .args(args)
            .env_remove("UV_INDEX_URL")
            .env_remove("UV_FIND_LINKS");
        c
    };

    // Clean installs: the same files as a direct install.
    ok(&mut pip("direct", &upstream, &["six==1.17.0"]));
    let module = |target: &str| std::fs::read(scratch.join(target).join("six.py")).unwrap();
    ok(&mut pip("pip-clean", &index, &["six==1.17.0"]));
    ok(&mut uv_install("uv-clean", &["six==1.17.0"]));
    assert_eq!(module("pip-clean"), module("direct"));
    assert_eq!(module("uv-clean"), module("direct"));

    // Reported: the file is withheld within 2 s, and pinning it fails with the reason.
    let tree = Tree::new();
    let id = "MAL-2099-7002";
    tree.put(&format!("osv/malicious/{id}.json"), &record(id, "PyPI", "six", &["1.17.0"], "2025-01-01T00:00:00Z"));
    s.ok(&["ingest", "osv", &tree.arg()], "");
    let page = format!("{index}six/");
    let json = "application/vnd.pypi.simple.v1+json";
    let yanked = || async {
        http_json(&page, json).await["files"].as_array().is_some_and(|f| {
            f.iter()
                .any(|f| f["filename"].as_str().is_some_and(|n| n.starts_with("six-1.17.0")) && f["yanked"].is_string())
        })
    };
    within(Duration::from_secs(2), "the block", yanked).await;
    let reason = format!("rule AS-008, critical ({id})");
    let (done, out) = run(&mut pip("pip-pinned", &index, &["six==1.17.0"]));
    assert!(!done && out.contains("scioc blocked six==1.17.0") && out.contains(&reason), "pip:\n{out}");
    let (done, out) = run(&mut uv_install("uv-pinned", &["six==1.17.0"]));
    assert!(!done && out.contains("scioc blocked six==1.17.0") && out.contains(&reason), "uv:\n{out}");

    // Without a version: the last good release, in pip's report and uv's lock.
    let report = scratch.join("report.json");
    ok(pip("pip-latest", &index, &["six", "--report"]).arg(&report));
    let r: serde_json::Value = serde_json::from_slice(&std::fs::read(&report).unwrap()).unwrap();
    assert_eq!(r["install"][0]["metadata"]["version"], "1.16.0", "{r}");
    std::fs::write(scratch.join("requirements.in"), "six\n").unwrap();
    let locked = scratch.join("requirements.txt");
    ok(Command::new(&uv)
        .args(["pip", "compile", "--no-cache", "--index-url", &index, "--python"])
        .arg(&python)
        .arg(scratch.join("requirements.in"))
        .arg("-o")
        .arg(&locked));
    let lock = std::fs::read_to_string(&locked).unwrap();
    assert!(lock.contains("six==1.16.0"), "{lock}");

    // An FP while the firewall runs unblocks within 2 s.
    s.ok(&["reclassify", "--purl", "pkg:pypi/six@1.17.0", "--fp", "--reason", "test: not malicious"], "");
    let took = within(Duration::from_secs(2), "the FP", || async { !yanked().await }).await;
    eprintln!("FP applied in {took:?}");
    ok(&mut pip("pip-released", &index, &["six==1.17.0"]));
    ok(&mut uv_install("uv-released", &["six==1.17.0"]));
    assert_eq!(module("pip-released"), module("direct"));
}
