//! The harness: a data directory, the binary, a running server and an HTTP client.

use scioc_api::{FeedResponse, Format};
use std::{
    io::{BufRead, BufReader, Write},
    path::{Path, PathBuf},
    process::{Child, Command, Output, Stdio},
    sync::Once,
    time::{Duration, Instant},
};

pub const FEED: &str = "/api/feed/supply_chain/ioc/v1/query";
pub const PASSWORD: &str = "correct-horse-battery";

/// Which store a test runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// The embedded store in the data directory.
    Sqlite,
    /// A fresh schema on the test PostgreSQL server, passed as `--database`.
    Postgres,
}

/// Runs each named test, an `async fn(Backend)` (after `async`) or `fn(Backend)` (after `sync`),
/// once per backend, as `name::sqlite` and `name::postgres`.
macro_rules! both_backends {
    (async $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[tokio::test]
            async fn sqlite() {
                super::$name($crate::support::Backend::Sqlite).await
            }
            #[tokio::test]
            async fn postgres() {
                super::$name($crate::support::Backend::Postgres).await
            }
        }
    )+};
    (sync $($name:ident),+ $(,)?) => {$(
        mod $name {
            #[test]
            fn sqlite() {
                super::$name($crate::support::Backend::Sqlite)
            }
            #[test]
            fn postgres() {
                super::$name($crate::support::Backend::Postgres)
            }
        }
    )+};
}
pub(crate) use both_backends;

/// The binary under test: this build's, or `SCIOC_TEST_BIN` to run the tests against another
/// build (how a fix is shown to fail before it: the old binary, the new tests).
pub fn binary() -> PathBuf {
    std::env::var_os("SCIOC_TEST_BIN").map_or_else(|| PathBuf::from(env!("CARGO_BIN_EXE_scioc")), PathBuf::from)
}

/// A scratch data directory, perhaps a database, and the binary to run against them.
pub struct Scioc {
    pub dir: tempfile::TempDir,
    pub db: Option<scioc_store::testing::TestDatabase>,
    /// `SCIOC_…` settings every command of this store runs with.
    pub env: Vec<(&'static str, String)>,
}

impl Scioc {
    /// On the embedded store.
    pub fn new() -> Self {
        Scioc::on(Backend::Sqlite)
    }

    /// On the given backend.
    pub fn on(backend: Backend) -> Self {
        let db = (backend == Backend::Postgres).then(scioc_store::testing::TestDatabase::new);
        Scioc { dir: tempfile::tempdir().unwrap(), db, env: Vec::new() }
    }

    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// The binary with `--data-dir` set and no SCIOC_* variables leaking in.
    pub fn cmd(&self) -> Command {
        let mut c = Command::new(binary());
        for (k, _) in std::env::vars() {
            if k.starts_with("SCIOC_") {
                c.env_remove(k);
            }
        }
        c.envs(self.env.iter().map(|(k, v)| (k, v)));
        c.arg("--data-dir").arg(self.data_dir()).current_dir(self.dir.path());
        if let Some(db) = &self.db {
            c.arg("--database").arg(db.url());
        }
        c
    }

    /// Runs the binary with `args` and `stdin`, returning its output.
    pub fn run(&self, args: &[&str], stdin: &str) -> Output {
        let mut child =
            self.cmd().args(args).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().unwrap();
        child.stdin.take().unwrap().write_all(stdin.as_bytes()).unwrap();
        child.wait_with_output().unwrap()
    }

    /// Runs and asserts success.
    pub fn ok(&self, args: &[&str], stdin: &str) -> String {
        let out = self.run(args, stdin);
        assert!(
            out.status.success(),
            "scioc {args:?} failed: {}\n{}",
            String::from_utf8_lossy(&out.stderr),
            String::from_utf8_lossy(&out.stdout)
        );
        String::from_utf8(out.stdout).unwrap()
    }

    /// What the store holds on disk for `table`: the whole SQLite file, or every row of the
    /// table as PostgreSQL prints it.
    pub fn stored_bytes(&self, table: &str) -> Vec<u8> {
        match &self.db {
            None => std::fs::read(self.data_dir().join("scioc.db")).unwrap(),
            Some(db) => db.rows_as_text(table).unwrap().into_bytes(),
        }
    }

    /// Opens the store the binary uses, beside it.
    pub async fn store(&self) -> std::sync::Arc<dyn scioc_store::Store> {
        match &self.db {
            None => std::sync::Arc::new(scioc_store::SqliteStore::open(&self.data_dir()).unwrap()),
            Some(db) => std::sync::Arc::new(
                scioc_store::PgStore::connect(db.url(), scioc_store::PgOptions { pool_size: 2, ..Default::default() })
                    .await
                    .unwrap(),
            ),
        }
    }

    /// Waits until `user`'s delivered position reaches `seq`: a pulled page is confirmed
    /// delivered just after its last byte was handed to the connection, so a test that kills the
    /// server right after reading a page waits for this first when it needs the page settled.
    pub async fn await_delivered(&self, user: &str, seq: i64) {
        let store = self.store().await;
        let start = Instant::now();
        loop {
            let cursors = store.cursors().await.unwrap();
            let at = cursors.iter().find(|c| c.user == user).map_or(0, |c| c.after_seq);
            if at >= seq {
                return;
            }
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "{user}'s pages up to {seq} were never confirmed (at {at})"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }

    pub fn add_user(&self, name: &str, role: &str) {
        self.ok(&["user", "add", name, "--role", role, "--password-stdin"], &format!("{PASSWORD}\n"));
    }

    /// Loads JSON Lines through `scioc ingest entries -`.
    pub fn ingest(&self, lines: &[String]) {
        self.ok(&["ingest", "entries", "-"], &(lines.join("\n") + "\n"));
    }

    pub fn serve(&self, extra: &[&str]) -> Server {
        Server::start(self, extra)
    }
}

/// A running `scioc serve`, stopped with SIGTERM when dropped.
pub struct Server {
    pub child: Child,
    pub url: String,
    pub ca: Option<PathBuf>,
}

impl Server {
    fn start(scioc: &Scioc, extra: &[&str]) -> Server {
        Server::ready(scioc, Server::spawn(scioc, extra, true), extra)
    }

    /// Starts `scioc serve` without waiting for it; `no_starter_set` as the flag.
    pub fn spawn(scioc: &Scioc, extra: &[&str], no_starter_set: bool) -> Child {
        scioc
            .cmd()
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .env("SCIOC_LOG", "warn")
            .env("SCIOC_NO_STARTER_SET", no_starter_set.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap()
    }

    /// Waits until a spawned server listens, returning its stdout's lines so far (the first
    /// names its URL).
    pub fn ready(scioc: &Scioc, mut child: Child, extra: &[&str]) -> Server {
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let first = lines.next().expect("serve printed nothing").unwrap();
        let url = first.rsplit(' ').next().unwrap().to_owned();
        if !first.starts_with("scioc feed listening on ") {
            // Never leave a server behind a failed test.
            let _ = child.kill();
            panic!("serve's first line is not its address: {first}");
        }
        // Keep draining stdout so the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in lines {});
        let ca = extra.contains(&"--tls-self-signed").then(|| scioc.data_dir().join("tls/ca.pem"));
        Server { child, url, ca }
    }

    /// Sends SIGTERM and waits for a clean exit.
    pub fn stop(mut self) -> std::process::ExitStatus {
        terminate(&self.child);
        let status = wait_timeout(&mut self.child, Duration::from_secs(15));
        std::mem::forget(self);
        status
    }

    /// Kills the server without letting it finish anything.
    pub fn kill(mut self) {
        self.child.kill().unwrap();
        self.child.wait().unwrap();
        std::mem::forget(self);
    }

    pub fn client(&self) -> Client {
        Client::new(&self.url, self.ca.as_deref())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        terminate(&self.child);
        let _ = wait_timeout(&mut self.child, Duration::from_secs(15));
    }
}

fn terminate(child: &Child) {
    let _ = Command::new("kill").arg("-TERM").arg(child.id().to_string()).status();
}

fn wait_timeout(child: &mut Child, limit: Duration) -> std::process::ExitStatus {
    let start = Instant::now();
    loop {
        if let Some(s) = child.try_wait().unwrap() {
            return s;
        }
        if start.elapsed() > limit {
            child.kill().unwrap();
            panic!("server did not stop within {limit:?} of SIGTERM");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

pub fn install_crypto() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
}

/// An HTTP client speaking to one server as one user.
#[derive(Clone)]
pub struct Client {
    pub http: reqwest::Client,
    pub base: String,
    pub user: Option<(String, String)>,
}

impl Client {
    pub fn new(base: &str, ca: Option<&Path>) -> Client {
        install_crypto();
        let mut b = reqwest::Client::builder().no_gzip().timeout(Duration::from_secs(60));
        if let Some(ca) = ca {
            let pem = std::fs::read(ca).unwrap();
            b = b.tls_certs_only([reqwest::Certificate::from_pem(&pem).unwrap()]);
        }
        Client { http: b.build().unwrap(), base: base.to_owned(), user: None }
    }

    pub fn as_user(&self, name: &str) -> Client {
        Client { user: Some((name.to_owned(), PASSWORD.to_owned())), ..self.clone() }
    }

    pub fn request(&self, method: reqwest::Method, path: &str) -> reqwest::RequestBuilder {
        let r = self.http.request(method, format!("{}{path}", self.base));
        match &self.user {
            Some((u, p)) => r.basic_auth(u, Some(p)),
            None => r,
        }
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::GET, path).send().await.unwrap()
    }

    pub async fn put(&self, path: &str) -> reqwest::Response {
        self.request(reqwest::Method::PUT, path).send().await.unwrap()
    }

    /// GETs a feed page and parses it, asserting 200.
    pub async fn page(&self, path: &str) -> FeedResponse {
        let r = self.get(path).await;
        assert_eq!(r.status(), 200, "GET {path}: {}", r.text().await.unwrap());
        let format = if path.contains("format=json") { Format::Json } else { Format::Xml };
        FeedResponse::parse(format, &r.bytes().await.unwrap()).unwrap()
    }
}

/// A JSON Lines entry with a unique sha256 derived from `i`, at `ts` (a `utc` time).
pub fn entry(i: usize, ts: &str) -> String {
    serde_json::json!({
        "event_type": "NEW_MALICIOUS",
        "sha256": format!("{i:064x}"),
        "filename": format!("pkg-{i}-1.0.0.tgz"),
        "sample_size": (1000 + i).to_string(),
        "identity": {"purl": format!("pkg:npm/pkg-{i}@1.0.0"), "community": "npm", "package": format!("pkg-{i}"), "version": "1.0.0",
                     "published": "2025-10-10T03:51:52+0000"},
        "sample_list": [{"status": "MALICIOUS", "threat_name": "Script-JS.Downloader.SupplyChain", "threat_level": "3", "sha256": format!("{:064x}", i + 1_000_000)}],
        "timestamp": ts,
    })
    .to_string()
}

/// The `i` an entry was made from, read back from its sha256.
pub fn id_of(entry: &serde_json::Value) -> usize {
    usize::from_str_radix(entry["sha256"].as_str().expect("entry has sha256"), 16).unwrap()
}

pub fn ids(resp: &FeedResponse) -> Vec<usize> {
    resp.feed().entries.iter().map(id_of).collect()
}

/// `utc` spelling of Unix seconds.
pub fn utc(secs: i64) -> String {
    scioc_model::FeedTime::from_unix(secs).to_utc_string()
}

/// Waits until the current second has closed, so that events stored in it are served.
pub async fn next_second() {
    let now = scioc_model::FeedTime::now();
    while scioc_model::FeedTime::now() <= now {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A minimal npm tarball: `package/package.json` naming `name@version`.
pub fn npm_tgz(name: &str, version: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let body = format!(r#"{{"name":"{name}","version":"{version}"}}"#);
    let mut h = tar::Header::new_gnu();
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    tar.append_data(&mut h, "package/package.json", body.as_bytes()).unwrap();
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

/// A minimal Python sdist: `name-version/PKG-INFO` naming `name==version`.
pub fn pypi_sdist(name: &str, version: &str) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let body = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    let mut h = tar::Header::new_gnu();
    h.set_size(body.len() as u64);
    h.set_mode(0o644);
    tar.append_data(&mut h, format!("{name}-{version}/PKG-INFO"), body.as_bytes()).unwrap();
    gz(&tar.into_inner().unwrap())
}

/// `bytes` gzip-compressed.
pub fn gz(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

/// A Python virtual environment under the target directory with `requirement` installed from
/// PyPI, made once (`.ci/clients.sh` makes the same ones up front). Fails, never skips, when
/// that is impossible.
pub fn python_venv(name: &str, requirement: &str) -> PathBuf {
    let venv = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(format!("{name}-venv"));
    let python = venv.join("bin/python");
    let marker = venv.join(format!(".installed-{}", requirement.replace(['=', '<', '>', ' '], "_")));
    if !marker.exists() {
        let _ = std::fs::remove_dir_all(&venv);
        let st = Command::new("python3").args(["-m", "venv"]).arg(&venv).status().expect("python3 is required");
        assert!(st.success(), "python3 -m venv {} failed", venv.display());
        let st = Command::new(&python)
            .args(["-m", "pip", "install", "--quiet", "--disable-pip-version-check", requirement])
            .status()
            .expect("running pip");
        assert!(st.success(), "pip install {requirement} failed; this test needs PyPI");
        std::fs::write(&marker, "").unwrap();
    }
    venv
}

/// npm packages installed once under the target directory from the npm registry, under
/// `dir` with the marker file `marker` (`.ci/clients.sh` installs the same ones up front, with
/// the same marker). Fails, never skips, when that is impossible. Returns the directory.
pub fn npm_packages(dir: &str, marker: &str, specs: &[&str]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join(dir);
    let marker = dir.join(marker);
    if !marker.exists() {
        std::fs::create_dir_all(&dir).unwrap();
        let st = Command::new("npm")
            .args(["install", "--no-audit", "--no-fund", "--prefix"])
            .arg(&dir)
            .args(specs)
            .status()
            .expect("npm is required");
        assert!(st.success(), "installing {specs:?} failed; this test needs the npm registry");
        std::fs::write(&marker, "").unwrap();
    }
    dir
}

/// Where `sarif` breaks the SARIF 2.1.0 schema, formats checked too.
pub fn sarif_problems(sarif: &serde_json::Value) -> Vec<String> {
    // The published schema's run.language pattern has a stray `]` (an erratum) that the
    // validator's check of the schema itself rejects; it is corrected here, nothing else changed.
    let schema_text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sarif-schema-2.1.0.json"))
            .unwrap()
            .replace("^[a-zA-Z]{2}|^[a-zA-Z]{2}-[a-zA-Z]{2}]?$", "^[a-zA-Z]{2}(-[a-zA-Z]{2})?$");
    let schema: serde_json::Value = serde_json::from_str(&schema_text).unwrap();
    let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
    validator.iter_errors(sarif).map(|e| format!("{}: {e}", e.instance_path())).collect()
}
