//! The `scioc` command line. Parsing lives in [`cli`], each command in [`commands`].
//!
//! Exit codes: 0 success, 1 failure (bad input, refused data, store or server error),
//! 2 usage error (from the argument parser).

mod cli;
mod commands;
mod config;
mod output;

use clap::Parser;

fn main() -> std::process::ExitCode {
    let args = cli::Args::parse();
    match commands::run(args) {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            output::error(&format!("{e:#}"));
            std::process::ExitCode::FAILURE
        }
    }
}
