//! One module per command; [`run`] dispatches.

mod candidates;
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
use scioc_store::SqliteStore;
use std::{io::IsTerminal, path::Path, sync::Arc};

/// Runs the parsed command, returning the process exit code.
pub(crate) fn run(args: Args) -> Result<u8> {
    // One TLS implementation for every client and server in the process: ring.
    let _ = rustls::crypto::ring::default_provider().install_default();
    let file = config::load(&args)?;
    let data_dir = config::data_dir(&args, &file);
    let default_log = if matches!(args.command, Command::Serve(_)) { "info" } else { "warn" };
    init_logging(args.log.as_deref().unwrap_or(default_log))?;
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
                    Ok(scan) => scan::run(&data_dir, scan).await,
                    Err(e) => {
                        crate::output::error(&format!("{e:#}"));
                        127
                    }
                });
            }
            Command::Feed(cmd) => return feed::run(cmd, &file).await,
            Command::Sync(args) => return sync::run(&data_dir, args, &file).await,
            _ => {}
        }
        match args.command {
            Command::Serve(serve) => serve::run(&data_dir, config::serve(&serve, &file)?).await,
            Command::Ingest(cmd) => ingest::run(&data_dir, cmd).await,
            Command::User(cmd) => user::run(&data_dir, cmd).await,
            Command::Status(status) => status::run(&data_dir, status).await,
            Command::Reclassify(args) => reclassify::run(&data_dir, args).await,
            Command::Indicators(args) => status::indicators(&data_dir, args).await,
            Command::Candidates(cmd) => candidates::run(&data_dir, cmd).await,
            Command::Export(cmd) => candidates::export(&data_dir, cmd).await,
            Command::Scan(_) | Command::Feed(_) | Command::Sync(_) => unreachable!("handled above"),
        }
        .map(|()| 0)
    })
}

fn init_logging(filter: &str) -> Result<()> {
    let filter =
        tracing_subscriber::EnvFilter::try_new(filter).with_context(|| format!("invalid log filter {filter:?}"))?;
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .with_target(false)
        .init();
    Ok(())
}

/// Opens the embedded store in `data_dir`.
pub(crate) fn open_store(data_dir: &Path) -> Result<Arc<SqliteStore>> {
    let store = SqliteStore::open(data_dir).with_context(|| format!("opening the store in {}", data_dir.display()))?;
    Ok(Arc::new(store))
}
