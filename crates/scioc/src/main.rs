//! The `scioc` command line. Parsing lives in [`cli`], each command in [`commands`].
//!
//! Exit codes: 0 success, 1 failure (bad input, refused data, store or server error),
//! 2 usage error (from the argument parser). `scioc scan` has its own: 0 clean, 1 findings,
//! 127 error, 128 no packages found.

mod cli;
mod commands;
mod config;
mod output;
mod settings;
mod store_url;

use clap::Parser;

/// mimalloc rather than the system allocator: scans and imports build and drop hundreds of
/// thousands of small strings, where glibc's allocator spends a third of the run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    // A scan reports every error with its own exit code (127), settings included.
    let failure = if matches!(args.command, cli::Command::Scan(_)) { 127 } else { 1 };
    match settings::Settings::resolve(args).and_then(commands::run) {
        Ok(code) => std::process::ExitCode::from(code),
        Err(e) => {
            output::error(&format!("{e:#}"));
            std::process::ExitCode::from(failure)
        }
    }
}
