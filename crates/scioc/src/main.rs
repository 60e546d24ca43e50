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

/// mimalloc rather than the system allocator: scans and imports build and drop hundreds of
/// thousands of small strings, where glibc's allocator spends a third of the run.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// Ends the process quietly and successfully when standard output is closed under it
/// (`scioc indicators | head`), as ripgrep does: `print!` panics on a broken pipe, from
/// whichever thread writes, so the one place that sees every such write is the panic hook.
/// Any other panic goes to the default hook.
fn end_quietly_on_a_closed_stdout() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or("");
        // std's wording, "failed printing to stdout: Broken pipe (os error 32)", or a library's
        // that panics on a failed write and shows the io::Error's kind (`BrokenPipe`).
        if message.contains("Broken pipe") || message.contains("BrokenPipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

/// An error and its causes on one line, each cause once: many library errors already quote
/// their source in their own message (`cannot listen on …: Address already in use`), and
/// anyhow's `{:#}` would repeat it.
fn describe(e: &anyhow::Error) -> String {
    let mut out = String::new();
    for cause in e.chain() {
        let text = cause.to_string();
        if !out.contains(&text) {
            if !out.is_empty() {
                out.push_str(": ");
            }
            out.push_str(&text);
        }
    }
    out
}

fn main() -> std::process::ExitCode {
    end_quietly_on_a_closed_stdout();
    let args = cli::parse();
    // Made from the definitions alone: no settings, no store.
    match &args.command {
        cli::Command::Completions { shell } => {
            let mut cmd = cli::command();
            clap_complete::generate(*shell, &mut cmd, "scioc", &mut std::io::stdout());
            return std::process::ExitCode::SUCCESS;
        }
        cli::Command::Man => {
            let cmd = cli::command();
            return match clap_mangen::Man::new(cmd).render(&mut std::io::stdout()) {
                Ok(()) => std::process::ExitCode::SUCCESS,
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => std::process::ExitCode::SUCCESS,
                Err(e) => {
                    output::error(&format!("writing the manual page: {e}"));
                    std::process::ExitCode::FAILURE
                }
            };
        }
        _ => {}
    }
    // A scan reports every error with its own exit code (127), settings included.
    let failure = if matches!(args.command, cli::Command::Scan(_) | cli::Command::Analyze(_)) { 127 } else { 1 };
    match settings::Settings::resolve(args).and_then(commands::run) {
        Ok(code) => std::process::ExitCode::from(code),
        // A write error that reached here because the reader went away is no failure.
        Err(e)
            if e.chain().any(|c| {
                c.downcast_ref::<std::io::Error>().is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
            }) =>
        {
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            output::error(&describe(&e));
            std::process::ExitCode::from(failure)
        }
    }
}
