//! Output for people: colour when the stream is a terminal, plain otherwise.
//!
//! A closed stream is not an error here: a line nobody reads is dropped (`scioc serve | head`
//! must keep serving), so these never panic the way `println!` does on a broken pipe.

use anstyle::{AnsiColor, Style};
use std::io::Write;

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const OK: Style = AnsiColor::Green.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// `error: message` on stderr.
pub(crate) fn error(message: &str) {
    let _ = writeln!(anstream::stderr(), "{ERROR}error{ERROR:#}: {message}");
}

/// `warning: message` on stderr.
pub(crate) fn warn(message: &str) {
    let _ = writeln!(anstream::stderr(), "{WARN}warning{WARN:#}: {message}");
}

/// A success line on stdout.
pub(crate) fn ok(message: &str) {
    let _ = writeln!(anstream::stdout(), "{OK}✓{OK:#} {message}");
}

/// A hint line on stdout.
pub(crate) fn hint(message: &str) {
    let _ = writeln!(anstream::stdout(), "{DIM}{message}{DIM:#}");
}

/// A hint line on stderr, for commands whose stdout is data.
pub(crate) fn note(message: &str) {
    let _ = writeln!(anstream::stderr(), "{DIM}{message}{DIM:#}");
}

/// A plain line on stdout.
pub(crate) fn line(message: &str) {
    let _ = writeln!(anstream::stdout(), "{message}");
}

/// Writes one file atomically: beside its target, synced, then renamed over it, through the
/// same staging the data files use, so a reader never sees half of it.
pub(crate) fn write_file(path: &std::path::Path, text: &str) -> anyhow::Result<()> {
    use anyhow::Context;
    let dir = path.parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(std::path::Path::new("."));
    let name = path.file_name().with_context(|| format!("{}: not a file name", path.display()))?;
    scioc_curation::files::stage_named(dir, vec![(name.to_string_lossy().into_owned(), text.to_owned())])?.commit()?;
    Ok(())
}

/// `n` and the noun in the number it takes: `1 user`, `2 users`, `0 users`.
pub(crate) fn count(n: impl Into<u64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
}
