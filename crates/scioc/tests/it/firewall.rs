//! The registry firewall against a local upstream (`fake_registry`): what it withholds,
//! refuses and records, how fast a verdict reaches it, its cache, cooldown, failures and
//! hostile paths. Real package managers against the real registries are in
//! `firewall_clients`.

use crate::fake_registry::FakeRegistry;
use crate::osv::{Tree, record};
use crate::support::{Backend, Scioc, Server, binary};
use serde_json::Value;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

pub(crate) const ABBREVIATED: &str = "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8, */*";
pub(crate) const OLD: &str = "2020-02-01T00:00:00.000Z";

fn http() -> reqwest::Client {
    crate::support::install_crypto();
    reqwest::Client::builder().no_gzip().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

pub(crate) async fn get(url: &str, accept: &str) -> reqwest::Response {
    http().get(url).header("accept", accept).send().await.unwrap()
}

pub(crate) async fn json(url: &str, accept: &str) -> Value {
    let r = get(url, accept).await;
    assert_eq!(r.status(), 200, "GET {url}");
    r.json().await.unwrap()
}

/// The status line as sent, reason phrase included (HTTP clients only show the canonical one).
pub(crate) async fn status_line(base: &str, path: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let host = base.trim_start_matches("http://");
    let mut s = tokio::net::TcpStream::connect(host).await.unwrap();
    s.write_all(format!("GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n").as_bytes()).await.unwrap();
    let mut out = Vec::new();
    s.read_to_end(&mut out).await.unwrap();
    String::from_utf8_lossy(&out).lines().next().unwrap_or_default().to_owned()
}

/// Marks `(ecosystem, name, versions)` malicious through `scioc ingest osv`.
pub(crate) fn report(s: &Scioc, tree: &Tree, id: &str, ecosystem: &str, name: &str, versions: &[&str]) {
    tree.put(&format!("osv/malicious/{id}.json"), &record(id, ecosystem, name, versions, "2025-01-01T00:00:00Z"));
    s.ok(&["ingest", "osv", &tree.arg()], "");
}

/// Polls `check` until it holds, failing after `limit`; returns how long it took.
pub(crate) async fn within<F, Fut>(limit: Duration, what: &str, mut check: F) -> Duration
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    let start = Instant::now();
    loop {
        if check().await {
            return start.elapsed();
        }
        assert!(start.elapsed() < limit, "{what} did not happen within {limit:?}");
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

pub(crate) fn serve(s: &Scioc, reg: &FakeRegistry, extra: &[&str]) -> Server {
    // The local upstream is on loopback, which the firewall reaches only when told to.
    let mut args = vec![
        "--npm-upstream",
        reg.npm().leak(),
        "--pypi-upstream",
        reg.simple().leak(),
        "--upstream-network",
        "127.0.0.0/8",
    ];
    args.extend_from_slice(extra);
    s.serve(&args)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn npm_versions_are_withheld_refused_recorded_and_released() {
    let reg = FakeRegistry::start().await;
    let good = reg.add_npm("demo", "1.0.0", OLD);
    reg.add_npm("demo", "1.1.0", "2020-03-01T00:00:00.000Z");
    let scoped = reg.add_npm("@scope/pkg", "2.0.0", OLD);
    // An archive known to be malicious, published again under an innocent name.
    let evil = crate::support::npm_tgz("evil-hash", "6.6.6");
    reg.add_npm_archive("innocent", "1.0.0", OLD, evil.clone());
    let s = Scioc::new();
    let tree = Tree::new();
    report(&s, &tree, "MAL-2025-0001", "npm", "demo", &["1.1.0"]);
    let sample = s.dir.path().join("evil-hash-6.6.6.tgz");
    std::fs::write(&sample, &evil).unwrap();
    s.ok(&["ingest", "sample", "--force", sample.to_str().unwrap()], "");
    s.add_user("root", "admin");
    let server = serve(&s, &reg, &[]);
    let npm = format!("{}/registry/npm", server.url);

    // The blocked version leaves the packument, in both forms; latest falls back; npm's
    // policyRestrictions names it with the reason; archives route through the firewall.
    for accept in [ABBREVIATED, "application/json"] {
        let doc = json(&format!("{npm}/demo"), accept).await;
        let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
        assert_eq!(versions, ["1.0.0"], "{accept}");
        assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
        assert!(doc["time"].get("1.1.0").is_none());
        assert_eq!(doc["versions"]["1.0.0"]["dist"]["tarball"], format!("{npm}/demo/-/demo-1.0.0.tgz"));
        let message = doc["policyRestrictions"]["message"].as_str().unwrap();
        assert_eq!(message, "scioc blocked demo@1.1.0: rule AS-008, critical (MAL-2025-0001)");
    }
    let r = get(&format!("{npm}/demo"), ABBREVIATED).await;
    assert_eq!(r.headers()["vary"], "Accept");

    // A clean archive is the upstream's, byte for byte; a blocked one is refused with one line,
    // as the body npm prints and as the reason phrase.
    let r = get(&format!("{npm}/demo/-/demo-1.0.0.tgz"), "*/*").await;
    assert_eq!(r.status(), 200);
    assert_eq!(r.bytes().await.unwrap().to_vec(), good);
    let r = get(&format!("{npm}/demo/-/demo-1.1.0.tgz"), "*/*").await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"], "scioc blocked demo@1.1.0: rule AS-008, critical (MAL-2025-0001)");
    assert_eq!(
        status_line(&server.url, "/registry/npm/demo/-/demo-1.1.0.tgz").await,
        "HTTP/1.1 403 scioc blocked demo@1.1.0: rule AS-008, critical (MAL-2025-0001)"
    );

    // Hash: the known archive is refused under any name.
    let r = get(&format!("{npm}/innocent/-/innocent-1.0.0.tgz"), "*/*").await;
    assert_eq!(r.status(), 403);
    let body: Value = r.json().await.unwrap();
    assert!(body["error"].as_str().unwrap().starts_with("scioc blocked innocent@1.0.0: rule HASH"), "{body}");
    assert!(json(&format!("{npm}/innocent"), ABBREVIATED).await["versions"].as_object().unwrap().is_empty());

    // Scoped names, escaped or not.
    for path in ["@scope%2fpkg", "@scope%2Fpkg", "@scope/pkg"] {
        let doc = json(&format!("{npm}/{path}"), ABBREVIATED).await;
        assert_eq!(doc["versions"]["2.0.0"]["dist"]["tarball"], format!("{npm}/@scope/pkg/-/pkg-2.0.0.tgz"), "{path}");
    }
    let r = get(&format!("{npm}/@scope/pkg/-/pkg-2.0.0.tgz"), "*/*").await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), scoped);

    // Hostile names and paths: 400, and nothing reaches the upstream.
    let before = reg.paths().len();
    for path in [
        "/registry/npm/..%2f..%2fetc%2fpasswd",
        "/registry/npm/%2e%2e",
        "/registry/npm/@scope%2f..",
        "/registry/npm/@scope%2fpkg%2fmore",
        "/registry/npm/@scope%zz",
        "/registry/npm/%40scope%2fpkg",
        "/registry/npm/demo/-/..%2f..%2fsecret",
        "/registry/npm/demo/-/.hidden.tgz",
    ] {
        // Sent as written: an HTTP client library would resolve the dots first.
        let line = status_line(&server.url, path).await;
        assert!(line.starts_with("HTTP/1.1 400"), "{path}: {line}");
    }
    let overlong = format!("/registry/npm/{}", "a".repeat(215));
    assert!(status_line(&server.url, &overlong).await.starts_with("HTTP/1.1 400"));
    assert_eq!(reg.paths().len(), before, "hostile requests reached the upstream: {:?}", &reg.paths()[before..]);

    // Refusals are recorded: the CLI and the admin API list them.
    let listed = within(Duration::from_secs(5), "refusals stored", || async {
        let out = s.ok(&["firewall", "blocks", "--format", "json"], "");
        let v: Value = serde_json::from_str(&out).unwrap();
        v.as_array().unwrap().iter().any(|b| b["rule"] == "HASH")
    });
    listed.await;
    let out: Value =
        serde_json::from_str(&s.ok(&["firewall", "blocks", "--format", "json", "--since", "1h"], "")).unwrap();
    let demo = out.as_array().unwrap().iter().find(|b| b["package"] == "demo" && b["version"] == "1.1.0").unwrap();
    assert_eq!((demo["rule"].as_str(), demo["reference"].as_str()), (Some("AS-008"), Some("MAL-2025-0001")));
    assert_eq!(demo["client"], "127.0.0.1");
    let admin = server.client().as_user("root");
    let api: Value = admin.get("/api/scioc/v1/firewall/blocks").await.json().await.unwrap();
    assert!(api["blocks"].as_array().unwrap().iter().any(|b| b["package"] == "innocent" && b["rule"] == "HASH"));
    // Issue 28: `--since 24h` worked and `?since=24h` was a 400; one parser reads both.
    let recent: Value = admin.get("/api/scioc/v1/firewall/blocks?since=24h").await.json().await.unwrap();
    assert_eq!(recent["blocks"], api["blocks"], "every refusal is from the last day");
    let bad = admin.get("/api/scioc/v1/firewall/blocks?since=yesterday").await;
    assert_eq!(bad.status(), 400);
    let why = bad.text().await.unwrap();
    assert!(why.contains("a duration like 24h") && why.matches("expected").count() == 1, "said once: {why}");
    let cli: Value =
        serde_json::from_str(&s.ok(&["firewall", "blocks", "--format", "json", "--since", "2011-03-29"], "")).unwrap();
    assert_eq!(cli.as_array().unwrap().len(), api["blocks"].as_array().unwrap().len(), "a date works for the CLI too");
    assert_eq!(server.client().get("/api/scioc/v1/firewall/blocks").await.status(), 401);
    // And counted in the metrics, by ecosystem and rule.
    let metrics = admin.get("/metrics").await.text().await.unwrap();
    let blocks = crate::sources::metric(
        &metrics,
        "scioc_firewall_blocks_total{ecosystem=\"npm\",rule=\"AS-008\",kind=\"refused\"}",
    );
    assert!(blocks >= 1.0, "{metrics}");

    // A new report takes effect on cached metadata within 2 s, with no upstream request.
    let packuments = || reg.paths().iter().filter(|p| *p == "/npm/demo").count();
    let asked = packuments();
    report(&s, &tree, "MAL-2025-0002", "npm", "demo", &["1.0.0"]);
    let took = within(Duration::from_secs(2), "a new block on cached metadata", || async {
        json(&format!("{npm}/demo"), ABBREVIATED).await["versions"].as_object().unwrap().is_empty()
    })
    .await;
    assert_eq!(packuments(), asked, "the packument was served from the cache");
    eprintln!("new block applied in {took:?}");
    let doc = json(&format!("{npm}/demo"), ABBREVIATED).await;
    assert!(doc["dist-tags"].get("latest").is_none(), "no release is left for latest: {doc}");

    // An FP unblocks within 2 s, without a restart.
    s.ok(&["reclassify", "--purl", "pkg:npm/demo@1.1.0", "--fp", "--reason", "the maintainer's own release"], "");
    let took = within(Duration::from_secs(2), "an FP unblocking", || async {
        get(&format!("{npm}/demo/-/demo-1.1.0.tgz"), "*/*").await.status() == 200
    })
    .await;
    eprintln!("FP applied in {took:?}");
    let doc = json(&format!("{npm}/demo"), ABBREVIATED).await;
    assert_eq!(doc["dist-tags"]["latest"], "1.1.0");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_pages_negotiate_yank_blocked_files_and_stream_the_rest() {
    let reg = FakeRegistry::start().await;
    let sdist = b"an sdist".to_vec();
    reg.add_pypi("demo-pkg", "demo_pkg-1.0.tar.gz", sdist.clone(), "2020-01-01T00:00:00Z");
    reg.add_pypi("demo-pkg", "demo_pkg-1.1-py3-none-any.whl", b"a wheel".to_vec(), "2020-02-01T00:00:00Z");
    let s = Scioc::new();
    report(&s, &Tree::new(), "MAL-2025-0003", "PyPI", "demo-pkg", &["1.1"]);
    let server = serve(&s, &reg, &[]);
    let simple = format!("{}/registry/pypi/simple", server.url);
    let files = format!("{}/registry/pypi/files/demo-pkg", server.url);

    // PEP 691 JSON when asked for, with Vary; the blocked file yanked with the reason.
    let r = get(&format!("{simple}/demo-pkg/"), "application/vnd.pypi.simple.v1+json").await;
    assert_eq!(r.headers()["content-type"], "application/vnd.pypi.simple.v1+json");
    assert_eq!(r.headers()["vary"], "Accept");
    let page: Value = r.json().await.unwrap();
    let f = page["files"].as_array().unwrap();
    assert_eq!(f.len(), 2);
    assert_eq!(f[0]["url"], format!("{files}/demo_pkg-1.0.tar.gz"));
    assert_eq!(f[0]["requires-python"], ">=3.8");
    assert!(f[0]["core-metadata"]["sha256"].is_string());
    assert!(f[0].get("yanked").is_none());
    assert_eq!(
        f[1]["yanked"],
        "scioc blocked demo-pkg==1.1 (demo_pkg-1.1-py3-none-any.whl): rule AS-008, critical (MAL-2025-0003)"
    );

    // PEP 503 HTML otherwise, hashes in fragments and attributes kept.
    let r = get(&format!("{simple}/demo-pkg/"), "text/html").await;
    assert!(r.headers()["content-type"].to_str().unwrap().starts_with("text/html"));
    let html = r.text().await.unwrap();
    assert!(html.contains(&format!("{files}/demo_pkg-1.0.tar.gz#sha256=")), "{html}");
    assert!(html.contains("data-requires-python=\"&gt;=3.8\""), "{html}");
    assert!(html.contains("data-yanked=\"scioc blocked demo-pkg==1.1"), "{html}");

    // Names are normalized by redirect; bad ones never reach the upstream.
    let r = get(&format!("{simple}/Demo_Pkg/"), "text/html").await;
    assert_eq!(r.status(), 308);
    assert_eq!(r.headers()["location"], "/registry/pypi/simple/demo-pkg/");
    let before = reg.paths().len();
    for path in [
        "simple/..%2f..%2fetc/",
        "simple/%2e%2e/",
        "simple/-bad/",
        "files/demo-pkg/..%2fsecret",
        "files/demo-pkg/.hidden",
    ] {
        let line = status_line(&server.url, &format!("/registry/pypi/{path}")).await;
        assert!(line.starts_with("HTTP/1.1 400"), "{path}: {line}");
    }
    assert_eq!(reg.paths().len(), before);

    // Files: streamed byte for byte, PEP 658 metadata too; the blocked one refused.
    let r = get(&format!("{files}/demo_pkg-1.0.tar.gz"), "*/*").await;
    assert_eq!(r.bytes().await.unwrap().to_vec(), sdist);
    let r = get(&format!("{files}/demo_pkg-1.0.tar.gz.metadata"), "*/*").await;
    assert!(r.text().await.unwrap().starts_with("Metadata-Version"));
    let r = get(&format!("{files}/demo_pkg-1.1-py3-none-any.whl"), "*/*").await;
    assert_eq!(r.status(), 403);
    assert!(
        r.text().await.unwrap().contains("scioc blocked demo-pkg==1.1 (demo_pkg-1.1-py3-none-any.whl): rule AS-008")
    );
    assert_eq!(get(&format!("{files}/nothing-1.0.tar.gz"), "*/*").await.status(), 404);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn young_versions_wait_out_the_cooldown_unless_exempt() {
    let reg = FakeRegistry::start().await;
    let now = jiff::Timestamp::now().to_string();
    reg.add_npm("fresh", "1.0.0", OLD);
    reg.add_npm("fresh", "1.1.0", &now);
    reg.add_npm("trusted", "1.0.0", &now);
    reg.add_pypi("fresh-py", "fresh_py-2.0.tar.gz", b"x".to_vec(), &now);
    let s = Scioc::new();
    let server = serve(&s, &reg, &["--min-age", "1h", "--min-age-exempt", "trusted"]);
    let npm = format!("{}/registry/npm", server.url);
    // The abbreviated form has no times, so the full one is asked for.
    let doc = json(&format!("{npm}/fresh"), ABBREVIATED).await;
    let versions: Vec<&String> = doc["versions"].as_object().unwrap().keys().collect();
    assert_eq!(versions, ["1.0.0"]);
    assert_eq!(doc["dist-tags"]["latest"], "1.0.0");
    let r = get(&format!("{npm}/fresh/-/fresh-1.1.0.tgz"), "*/*").await;
    assert_eq!(r.status(), 403);
    let line = r.text().await.unwrap();
    assert!(line.contains("scioc blocked fresh@1.1.0: rule COOLDOWN (published"), "{line}");
    assert!(line.contains("younger than 1h"), "{line}");
    assert!(json(&format!("{npm}/trusted"), ABBREVIATED).await["versions"].get("1.0.0").is_some());
    let page =
        json(&format!("{}/registry/pypi/simple/fresh-py/", server.url), "application/vnd.pypi.simple.v1+json").await;
    assert!(page["files"][0]["yanked"].as_str().unwrap().contains("rule COOLDOWN"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_metadata_is_revalidated_and_upstream_failures_answer_502_or_504() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("demo", "1.0.0", OLD);
    let s = Scioc::new();
    let server = serve(&s, &reg, &["--firewall-fresh-for", "1s", "--upstream-timeout", "1s"]);
    let npm = format!("{}/registry/npm", server.url);
    let seen = |reg: &FakeRegistry| {
        reg.seen.lock().unwrap().iter().filter(|s| s.path == "/npm/demo").cloned().collect::<Vec<_>>()
    };

    json(&format!("{npm}/demo"), ABBREVIATED).await;
    json(&format!("{npm}/demo"), ABBREVIATED).await;
    assert_eq!(seen(&reg).len(), 1, "fresh metadata comes from the cache");
    tokio::time::sleep(Duration::from_millis(1200)).await;
    json(&format!("{npm}/demo"), ABBREVIATED).await;
    let s2 = seen(&reg);
    assert_eq!(s2.len(), 2);
    assert!(s2[1].if_none_match.is_some(), "revalidated with the ETag");
    assert_eq!(s2[1].status, 304);
    // A change upstream is seen at the next revalidation.
    reg.add_npm("demo", "1.1.0", OLD);
    tokio::time::sleep(Duration::from_millis(1200)).await;
    assert_eq!(json(&format!("{npm}/demo"), ABBREVIATED).await["dist-tags"]["latest"], "1.1.0");

    // Malformed JSON: 502 with the reason.
    reg.contents.lock().unwrap().garbage = Some("{not json".into());
    reg.contents.lock().unwrap().version += 1;
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = get(&format!("{npm}/demo"), ABBREVIATED).await;
    assert_eq!(r.status(), 502);
    let why: Value = r.json().await.unwrap();
    assert!(why["error"].as_str().unwrap().contains("malformed: not JSON"), "{why}");
    reg.contents.lock().unwrap().garbage = Some("[1, 2]".into());
    let r = get(&format!("{npm}/other"), ABBREVIATED).await;
    assert_eq!(r.status(), 404, "the upstream's 404 passes through");
    reg.contents.lock().unwrap().garbage = None;

    // A stalled upstream: 504 within the timeout, never a hang.
    reg.add_npm("slow", "1.0.0", OLD);
    reg.contents.lock().unwrap().stall = Some(Duration::from_secs(10));
    let start = Instant::now();
    let r = get(&format!("{npm}/slow"), ABBREVIATED).await;
    assert_eq!(r.status(), 504);
    assert!(start.elapsed() < Duration::from_secs(5), "{:?}", start.elapsed());
    reg.contents.lock().unwrap().stall = None;

    // A stopped upstream: 502 naming it.
    reg.stop();
    tokio::time::sleep(Duration::from_millis(1200)).await;
    let r = get(&format!("{npm}/gone"), ABBREVIATED).await;
    assert_eq!(r.status(), 502);
    assert!(r.text().await.unwrap().contains("could not be reached"));
}

/// A TCP forwarder to PostgreSQL that can be cut, to make the store unreachable.
struct Cuttable {
    port: u16,
    tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Cuttable {
    async fn start(port: u16, to: String) -> Cuttable {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let tasks: std::sync::Arc<std::sync::Mutex<Vec<tokio::task::JoinHandle<()>>>> = Default::default();
        let t = tasks.clone();
        let accept = tokio::spawn(async move {
            while let Ok((mut inbound, _)) = listener.accept().await {
                let to = to.clone();
                let h = tokio::spawn(async move {
                    if let Ok(mut out) = tokio::net::TcpStream::connect(to).await {
                        let _ = tokio::io::copy_bidirectional(&mut inbound, &mut out).await;
                    }
                });
                t.lock().unwrap().push(h);
            }
        });
        tasks.lock().unwrap().push(accept);
        Cuttable { port, tasks }
    }

    fn cut(&self) {
        for t in self.tasks.lock().unwrap().drain(..) {
            t.abort();
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_verdicts_fail_closed_or_open_as_configured() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("demo", "1.0.0", OLD);
    reg.add_npm("demo", "1.1.0", OLD);
    let s = Scioc::on(Backend::Postgres);
    report(&s, &Tree::new(), "MAL-2025-0004", "npm", "demo", &["1.1.0"]);
    let direct = url::Url::parse(s.db.as_ref().unwrap().url()).unwrap();
    let target = format!("{}:{}", direct.host_str().unwrap(), direct.port().unwrap_or(5432));
    let proxy = Cuttable::start(0, target.clone()).await;
    let mut via = direct.clone();
    via.set_port(Some(proxy.port)).unwrap();

    let start = |extra: &[&str]| {
        let child = Command::new(binary())
            .args(["--data-dir"])
            .arg(s.data_dir())
            .args(["--database", via.as_str(), "serve", "--listen", "127.0.0.1:0", "--no-starter-set"])
            .args(["--npm-upstream", &reg.npm(), "--upstream-network", "127.0.0.0/8"])
            .args(extra)
            .env("SCIOC_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        Server::ready(&s, child, &[])
    };
    let closed = start(&[]);
    let open = start(&["--fail-open"]);
    for server in [&closed, &open] {
        let doc = json(&format!("{}/registry/npm/demo", server.url), ABBREVIATED).await;
        assert!(doc["versions"].get("1.1.0").is_none());
    }

    proxy.cut();
    let url = format!("{}/registry/npm/demo", closed.url);
    within(Duration::from_secs(10), "failing closed", || async { get(&url, ABBREVIATED).await.status() == 503 }).await;
    let r = get(&url, ABBREVIATED).await;
    assert!(r.headers().contains_key("retry-after"));
    let why: Value = r.json().await.unwrap();
    assert!(why["error"].as_str().unwrap().starts_with("scioc firewall fails closed: "), "{why}");
    let tarball = get(&format!("{}/registry/npm/demo/-/demo-1.0.0.tgz", closed.url), "*/*").await;
    assert_eq!(tarball.status(), 503, "downloads fail closed too");

    // Failing open serves with the verdicts last known: the blocked version stays withheld.
    tokio::time::sleep(Duration::from_secs(4)).await;
    let doc = json(&format!("{}/registry/npm/demo", open.url), ABBREVIATED).await;
    assert!(doc["versions"].get("1.0.0").is_some() && doc["versions"].get("1.1.0").is_none(), "{doc}");
    let r = get(&format!("{}/registry/npm/demo/-/demo-1.1.0.tgz", open.url), "*/*").await;
    assert_eq!(r.status(), 403);

    // The store back: the closed firewall serves again.
    let _back = Cuttable::start(proxy.port, target).await;
    within(Duration::from_secs(20), "recovering", || async { get(&url, ABBREVIATED).await.status() == 200 }).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_package_name_indicator_blocks_every_version_within_2_s() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("totally-evil-pkg", "1.0.0", OLD);
    let s = Scioc::new();
    let server = serve(&s, &reg, &[]);
    let tarball = format!("{}/registry/npm/totally-evil-pkg/-/totally-evil-pkg-1.0.0.tgz", server.url);
    assert_eq!(get(&tarball, "*/*").await.status(), 200);
    let candidate = serde_json::json!([{"ecosystem": "npm", "ioc_type": "package_name", "value": "totally-evil-pkg",
        "confidence": "high", "reason": "firewall test", "source": "https://example.org/advisory/1",
        "first_seen": "2026-11-30", "suggested_action": "block", "promote_to": "npm_iocs"}]);
    let file = s.dir.path().join("candidates.json");
    std::fs::write(&file, candidate.to_string()).unwrap();
    let files = s.dir.path().join("iocs");
    s.ok(&["candidates", "promote", file.to_str().unwrap(), "--files", files.to_str().unwrap()], "");
    within(Duration::from_secs(2), "the indicator", || async { get(&tarball, "*/*").await.status() == 403 }).await;
    let why: Value = get(&tarball, "*/*").await.json().await.unwrap();
    // The promotion also announced the package in the feed (every version), whose verdict comes
    // first; the indicator stands behind it.
    assert!(why["error"].as_str().unwrap().starts_with("scioc blocked totally-evil-pkg@1.0.0: rule AS-008"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_firewall_auth_clients_send_the_feeds_credentials_as_npm_and_pip_do() {
    let reg = FakeRegistry::start().await;
    reg.add_npm("demo", "1.0.0", OLD);
    reg.add_pypi("demo-pkg", "demo_pkg-1.0.tar.gz", b"x".to_vec(), "2020-01-01T00:00:00Z");
    let s = Scioc::new();
    s.add_user("ci", "reader");
    let server = serve(&s, &reg, &["--firewall-auth"]);
    let url = format!("{}/registry/npm/demo", server.url);
    let before = reg.paths().len();
    let r = get(&url, ABBREVIATED).await;
    assert_eq!(r.status(), 401);
    assert!(r.headers()["www-authenticate"].to_str().unwrap().starts_with("Basic"));
    assert_eq!(reg.paths().len(), before, "nothing reaches the upstream without credentials");
    let password = crate::support::PASSWORD;
    // npm's `_auth` (and pip's https://user:password@host/ form) send Basic credentials.
    let basic = http().get(&url).basic_auth("ci", Some(password)).send().await.unwrap();
    assert_eq!(basic.status(), 200);
    // npm's `_authToken=NAME:PASSWORD` sends a Bearer token.
    let bearer = http().get(&url).bearer_auth(format!("ci:{password}")).send().await.unwrap();
    assert_eq!(bearer.status(), 200);
    let wrong = http().get(&url).bearer_auth("ci:wrong").send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let pip_form = url::Url::parse(&format!("{}/registry/pypi/simple/demo-pkg/", server.url)).unwrap();
    let r = http().get(pip_form).basic_auth("ci", Some(password)).send().await.unwrap();
    assert_eq!(r.status(), 200);
}
