//! Test support (feature `testing`): a PostgreSQL schema of its own for each test.
//!
//! The server is the one named by `SCIOC_TEST_DATABASE_URL`, else
//! `postgres://postgres@127.0.0.1:5432/test`. When nothing listens there, a throwaway cluster
//! is made once per test process with `initdb` and `pg_ctl` (from `PATH` or
//! `/usr/lib/postgresql/*/bin`) on a free port, and stopped and deleted when the process ends.

use std::{
    path::{Path, PathBuf},
    process::Command,
    sync::{
        OnceLock,
        atomic::{AtomicU32, Ordering},
    },
};

/// The default server for tests.
pub const DEFAULT_TEST_URL: &str = "postgres://postgres@127.0.0.1:5432/test";

/// A schema of its own on the test server, dropped with everything in it when this is dropped.
#[derive(Debug)]
pub struct TestDatabase {
    server: String,
    schema: String,
    url: String,
}

impl TestDatabase {
    /// Creates a fresh, empty schema; panics with the reason if no server can be had.
    pub fn new() -> TestDatabase {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let server = server_url().to_owned();
        let schema = format!(
            "scioc_t_{}_{}_{:04x}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.subsec_nanos() & 0xffff)
        );
        execute(&server, &format!("CREATE SCHEMA {schema}")).unwrap_or_else(|e| panic!("creating test schema: {e}"));
        let sep = if server.contains('?') { '&' } else { '?' };
        let url = format!("{server}{sep}options=-c%20search_path%3D{schema}");
        TestDatabase { server, schema, url }
    }

    /// The URL that selects this schema (through the `search_path` connection option).
    pub fn url(&self) -> &str {
        &self.url
    }

    /// The schema's name.
    pub fn schema(&self) -> &str {
        &self.schema
    }

    /// A server setting, as `SHOW` prints it. `name` is a plain identifier (checked).
    pub fn setting(&self, name: &str) -> Result<String, TestDbError> {
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(TestDbError::Name(name.to_owned()));
        }
        query_text(&self.url, &format!("SHOW {name}")).map(|s| s.trim_end().to_owned())
    }

    /// Every row of `table` in this schema as PostgreSQL prints it, one per line. `table` is a
    /// plain identifier (checked), never input from outside a test.
    pub fn rows_as_text(&self, table: &str) -> Result<String, TestDbError> {
        if !table.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(TestDbError::Name(table.to_owned()));
        }
        query_text(&self.url, &format!("SELECT t::text FROM {table} t"))
    }
}

impl Default for TestDatabase {
    fn default() -> Self {
        TestDatabase::new()
    }
}

impl Drop for TestDatabase {
    fn drop(&mut self) {
        if let Err(e) = execute(&self.server, &format!("DROP SCHEMA IF EXISTS {} CASCADE", self.schema)) {
            eprintln!("warning: could not drop test schema {}: {e}", self.schema);
        }
    }
}

/// Runs statements on a connection of their own.
fn execute(url: &str, sql: &str) -> Result<(), String> {
    run_sql(url, sql, false).map(drop)
}

/// The first column of every row of a query, as text, one per line.
fn query_text(url: &str, sql: &str) -> Result<String, TestDbError> {
    run_sql(url, sql, true).map_err(TestDbError::Query)
}

/// Why a test database could not answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TestDbError {
    /// Not a plain identifier: refused before it reaches SQL.
    #[error("not a plain identifier: {0:?}")]
    Name(String),
    /// The query failed.
    #[error("query failed: {0}")]
    Query(String),
}

/// Connects and runs `sql` (as a query whose rows are returned, or as statements), from a
/// thread of its own so that it works inside and outside an async runtime alike.
fn run_sql(url: &str, sql: &str, rows: bool) -> Result<String, String> {
    let (url, sql) = (url.to_owned(), sql.to_owned());
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
        rt.block_on(async {
            let (client, conn) =
                tokio_postgres::connect(&url, tokio_postgres::NoTls).await.map_err(|e| e.to_string())?;
            let conn = tokio::spawn(conn);
            let result = if rows {
                client.query(&sql, &[]).await.map(|rows| rows.iter().map(|r| r.get::<_, String>(0) + "\n").collect())
            } else {
                client.batch_execute(&sql).await.map(|()| String::new())
            };
            drop(client);
            let _ = conn.await;
            result.map_err(|e| e.to_string())
        })
    })
    .join()
    .map_err(|_| "the connection thread panicked".to_owned())?
}

/// The server URL: configured, default, or a throwaway cluster.
fn server_url() -> &'static str {
    static URL: OnceLock<String> = OnceLock::new();
    URL.get_or_init(|| {
        if let Ok(url) = std::env::var("SCIOC_TEST_DATABASE_URL") {
            return url;
        }
        if std::env::var_os("SCIOC_TEST_THROWAWAY_CLUSTER").is_none() && execute(DEFAULT_TEST_URL, "SELECT 1").is_ok() {
            return DEFAULT_TEST_URL.to_owned();
        }
        throwaway_cluster().unwrap_or_else(|e| {
            panic!("no PostgreSQL at {DEFAULT_TEST_URL} and no throwaway cluster could be started: {e}")
        })
    })
}

fn pg_bin(name: &str) -> PathBuf {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    on_path
        .or_else(|| {
            let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
                .ok()?
                .filter_map(|e| e.ok().map(|e| e.path().join("bin").join(name)))
                .filter(|p| p.is_file())
                .collect();
            found.sort();
            found.pop()
        })
        .unwrap_or_else(|| PathBuf::from(name))
}

/// Whether this process runs as root, where `initdb` refuses to run and the cluster is run as
/// the `postgres` system user instead.
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.trim_ascii() == b"0")
}

fn run(cmd: &mut Command) -> Result<(), String> {
    let out = cmd.output().map_err(|e| format!("{cmd:?}: {e}"))?;
    if out.status.success() { Ok(()) } else { Err(format!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr))) }
}

fn as_cluster_user(root: bool, program: &Path) -> Command {
    if root {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn throwaway_cluster() -> Result<String, String> {
    let root = is_root();
    let dir = tempfile::Builder::new().prefix("scioc-pg-").tempdir().map_err(|e| e.to_string())?.keep();
    if root {
        run(Command::new("chown").arg("-R").arg("postgres").arg(&dir))?;
    }
    let data = dir.join("data");
    run(as_cluster_user(root, &pg_bin("initdb")).arg("-D").arg(&data).args([
        "-U",
        "postgres",
        "--auth=trust",
        "--no-sync",
        "-E",
        "UTF8",
    ]))?;
    let port =
        std::net::TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).map_err(|e| e.to_string())?.port();
    let pg_ctl = pg_bin("pg_ctl");
    run(as_cluster_user(root, &pg_ctl)
        .arg("-D")
        .arg(&data)
        .arg("-l")
        .arg(dir.join("log"))
        .arg("-o")
        .arg(format!("-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off", dir.display()))
        .args(["-w", "start"]))?;
    // Stop and delete the cluster once this process is gone.
    let watchdog = format!(
        "while kill -0 {pid} 2>/dev/null; do sleep 1; done; {stop} -D '{data}' -m immediate stop >/dev/null 2>&1; rm -rf '{dir}'",
        pid = std::process::id(),
        stop = if root { format!("runuser -u postgres -- {}", pg_ctl.display()) } else { pg_ctl.display().to_string() },
        data = data.display(),
        dir = dir.display(),
    );
    Command::new("sh").arg("-c").arg(watchdog).spawn().map_err(|e| e.to_string())?;
    eprintln!("note: started a throwaway PostgreSQL cluster on port {port} in {}", dir.display());
    Ok(format!("postgres://postgres@127.0.0.1:{port}/postgres"))
}
