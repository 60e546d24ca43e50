//! One module per command; [`run`] dispatches.

mod candidates;
mod copy;
mod feed;
mod ingest;
mod reclassify;
mod remote;
mod scan;
mod serve;
mod status;
mod sync;
mod user;

use crate::{
    cli::{Args, Command},
    config,
};
use anyhow::{Context, Result};
use scioc_store::{PgOptions, PgStore, SqliteStore, Store};
use std::{io::IsTerminal, path::PathBuf, sync::Arc};

/// Runs the parsed command, returning the process exit code.
pub(crate) fn run(args: Args) -> Result<u8> {
    // One TLS implementation for every client and server in the process: ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let file = config::load(&args)?;
    let place = config::place(&args, &file)?;
    let default_log = if matches!(args.command, Command::Serve(_)) { "info" } else { "warn" };
    // Held to the end of `run`: dropping it flushes the log lines still queued.
    let _log = init_logging(args.log.as_deref().unwrap_or(default_log))?;
    // Store calls run on the blocking pool; bound it so a burst of requests cannot spawn
    // hundreds of threads (each with its own allocator arena).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(32)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        match args.command {
            Command::Scan(scan) => {
                // A scan reports every error with its own exit code (127), settings included.
                return Ok(match config::scan(scan, &file) {
                    Ok(scan) => scan::run(&place, scan).await,
                    Err(e) => {
                        crate::output::error(&format!("{e:#}"));
                        127
                    }
                });
            }
            Command::Feed(cmd) => return feed::run(cmd, &file).await,
            Command::Sync(args) => return sync::run(&place, args, &file).await,
            _ => {}
        }
        match args.command {
            Command::Serve(serve) => serve::run(&place, config::serve(&serve, &file)?).await,
            Command::Ingest(cmd) => ingest::run(&place, cmd).await,
            Command::User(cmd) => user::run(&place, cmd).await,
            Command::Status(status) => status::run(&place, status).await,
            Command::Reclassify(args) => reclassify::run(&place, args).await,
            Command::Indicators(args) => status::indicators(&place, args).await,
            Command::Candidates(cmd) => candidates::run(&place, cmd).await,
            Command::Export(cmd) => candidates::export(&place, cmd).await,
            Command::Migrate(args) => return copy::migrate(&place, args).await,
            Command::Copy(args) => copy::copy(&place, args).await,
            Command::Scan(_) | Command::Feed(_) | Command::Sync(_) => unreachable!("handled above"),
        }
        .map(|()| 0)
    })
}

/// Log lines queued for stderr before new ones are dropped.
const LOG_QUEUE_LINES: usize = 16_384;

/// Logs to stderr through a queue and a writer thread, so that logging never blocks a request
/// or a shutdown: when the reader of stderr is slow the queue fills and new lines are dropped,
/// and when it is gone (`scioc serve 2>&1 | head`) every line is dropped. Nothing the log does
/// can panic or stall the process.
fn init_logging(filter: &str) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).with_context(|| format!("invalid log filter {filter:?}"))?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("scioc-log")
        .finish(IgnoreErrors(std::io::stderr()));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .log_internal_errors(false)
        .init();
    Ok(guard)
}

/// A writer for which a closed stream is not an error: what cannot be written is dropped.
struct IgnoreErrors<W>(W);

impl<W: std::io::Write> std::io::Write for IgnoreErrors<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let _ = self.0.write_all(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let _ = self.0.flush();
        Ok(())
    }
}

/// Where the store is, after flags, environment and config file are merged.
#[derive(Debug, Clone)]
pub(crate) struct Place {
    /// The data directory: the embedded store, TLS material and other local files.
    pub(crate) data_dir: PathBuf,
    /// A PostgreSQL URL, when the store is shared instead of embedded.
    pub(crate) database: Option<String>,
    /// Most database connections to open.
    pub(crate) pool: usize,
    /// CA certificates to verify the database's TLS certificate with.
    pub(crate) ca: Option<PathBuf>,
}

impl Place {
    /// Connection settings for PostgreSQL, with `pool_size` connections at most.
    pub(crate) fn pg_options(&self, pool_size: usize) -> PgOptions {
        PgOptions { pool_size, ca_file: self.ca.clone(), ..Default::default() }
    }
}

impl Place {
    /// Whether a store exists here already (a shared database always does).
    pub(crate) fn has_store(&self) -> bool {
        self.database.is_some() || self.data_dir.join(scioc_store::DB_FILE).exists()
    }
}

/// Opens the store: the shared database if one is named, else the embedded one.
pub(crate) async fn open_store(place: &Place) -> Result<Arc<dyn Store>> {
    match &place.database {
        Some(url) => open_postgres(url, place.pg_options(place.pool)).await,
        None => open_sqlite(&place.data_dir),
    }
}

fn open_sqlite(data_dir: &std::path::Path) -> Result<Arc<dyn Store>> {
    let store = SqliteStore::open(data_dir).with_context(|| format!("opening the store in {}", data_dir.display()))?;
    Ok(Arc::new(store))
}

async fn open_postgres(url: &str, options: PgOptions) -> Result<Arc<dyn Store>> {
    let store = PgStore::connect(url, options).await.context("opening the shared store")?;
    Ok(Arc::new(store))
}
