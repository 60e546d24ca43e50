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

/// A plain line on stdout.
pub(crate) fn line(message: &str) {
    let _ = writeln!(anstream::stdout(), "{message}");
}
