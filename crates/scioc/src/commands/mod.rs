//! One module per command; [`run`] dispatches.

mod analyze;
mod candidates;
mod copy;
mod export;
mod feed;
mod ingest;
mod reclassify;
mod remote;
mod scan;
mod serve;
pub(crate) mod sources;
mod status;
mod sync;
mod user;

use crate::settings::{Job, Settings};
use anyhow::{Context, Result};
use scioc_store::{PgOptions, PgStore, SqliteStore, Store};
use std::{io::IsTerminal, sync::Arc};

pub(crate) use crate::settings::Place;

/// Runs resolved settings, returning the process exit code.
pub(crate) fn run(settings: Settings) -> Result<u8> {
    // One TLS implementation for every client and server in the process: ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let Settings { log, log_format, place, job } = settings;
    // Held to the end of `run`: dropping it flushes the log lines still queued.
    let _log = init_logging(&log, log_format)?;
    // Store calls run on the blocking pool; bound it so a burst of requests cannot spawn
    // hundreds of threads (each with its own allocator arena).
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .max_blocking_threads(32)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let done = |r: Result<()>| r.map(|()| 0);
    runtime.block_on(async {
        match job {
            Job::Scan(scan) => Ok(scan::run(&place, scan).await),
            Job::Analyze(args) => analyze::run(&args),
            Job::Feed(feed) => feed::run(feed).await,
            Job::Sync(sync) => done(sync::run(&place, sync).await),
            Job::Serve(serve) => done(serve::run(&place, *serve).await),
            Job::Ingest(cmd) => done(ingest::run(&place, cmd).await),
            Job::User(cmd) => done(user::run(&place, cmd).await),
            Job::Sources(cmd) => done(sources::run(&place, cmd).await),
            Job::Status(status) => done(status::run(&place, status).await),
            Job::Reclassify(args) => done(reclassify::run(&place, args).await),
            Job::Indicators(args) => done(status::indicators(&place, args).await),
            Job::FirewallBlocks { since, kind, limit, format } => {
                done(status::blocks(&place, since, kind, limit, format).await)
            }
            Job::Candidates(cmd) => done(candidates::run(&place, cmd).await),
            Job::Export(cmd) => done(export::export(&place, cmd).await),
            Job::Migrate(args) => copy::migrate(&place, args).await,
            Job::Copy(args) => done(copy::copy(&place, args).await),
        }
    })
}

/// Log lines queued for stderr before new ones are dropped.
const LOG_QUEUE_LINES: usize = 16_384;

/// Logs to stderr through a queue and a writer thread, so that logging never blocks a request
/// or a shutdown: when the reader of stderr is slow the queue fills and new lines are dropped,
/// and when it is gone (`scioc serve 2>&1 | head`) every line is dropped. Nothing the log does
/// can panic or stall the process.
fn init_logging(filter: &str, format: crate::cli::LogFormat) -> Result<tracing_appender::non_blocking::WorkerGuard> {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).with_context(|| format!("invalid log filter {filter:?}"))?;
    let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
        .lossy(true)
        .buffered_lines_limit(LOG_QUEUE_LINES)
        .thread_name("scioc-log")
        .finish(IgnoreErrors(std::io::stderr()));
    match format {
        crate::cli::LogFormat::Text => tracing_subscriber::fmt()
            .with_env_filter(filter)
            .with_writer(writer)
            .with_ansi(std::io::stderr().is_terminal())
            .with_target(false)
            .log_internal_errors(false)
            .init(),
        crate::cli::LogFormat::Json => tracing_subscriber::fmt()
            .json()
            .with_env_filter(filter)
            .with_writer(writer)
            .with_target(true)
            .log_internal_errors(false)
            .init(),
    }
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

/// Opens a store that must exist already, for a command that only reads: an embedded store
/// is never created here. When there is none, says where it looked, why there, and what fills
/// one.
pub(crate) async fn open_existing_store(place: &Place) -> Result<Arc<dyn Store>> {
    if !place.has_store() {
        anyhow::bail!(
            "no store in {} ({}); this command only reads one, so it made none. Fill one with \
             `scioc sync --from https://HOST:PORT` (another scioc's feed), `scioc ingest osv PATH` \
             (OSV reports) or `scioc serve` (the starter set), or name one with --data-dir, \
             SCIOC_DATA_DIR or --database",
            place.data_dir.display(),
            place.data_dir_from
        );
    }
    open_store(place).await
}

/// Opens the store: the shared database if one is named, else the embedded one, created if
/// need be.
pub(crate) async fn open_store(place: &Place) -> Result<Arc<dyn Store>> {
    match &place.database {
        Some(url) => open_postgres(url, place.pg_options(place.pool)).await,
        None => open_sqlite(&place.data_dir, place.events_per_second),
    }
}

fn open_sqlite(data_dir: &std::path::Path, per_second: std::num::NonZeroU32) -> Result<Arc<dyn Store>> {
    let store = SqliteStore::open(data_dir)
        .with_context(|| format!("opening the store in {}", data_dir.display()))?
        .with_events_per_second(per_second);
    Ok(Arc::new(store))
}

async fn open_postgres(url: &str, options: PgOptions) -> Result<Arc<dyn Store>> {
    let store = PgStore::connect(url, options).await.context("opening the shared store")?;
    Ok(Arc::new(store))
}
