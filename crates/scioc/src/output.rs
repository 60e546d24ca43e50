//! Output for people: colour when the stream is a terminal, plain otherwise.

use anstream::{eprintln, println};
use anstyle::{AnsiColor, Style};

const ERROR: Style = AnsiColor::Red.on_default().bold();
const WARN: Style = AnsiColor::Yellow.on_default().bold();
const OK: Style = AnsiColor::Green.on_default().bold();
const DIM: Style = Style::new().dimmed();

/// `error: message` on stderr.
pub(crate) fn error(message: &str) {
    eprintln!("{ERROR}error{ERROR:#}: {message}");
}

/// `warning: message` on stderr.
pub(crate) fn warn(message: &str) {
    eprintln!("{WARN}warning{WARN:#}: {message}");
}

/// A success line on stdout.
pub(crate) fn ok(message: &str) {
    println!("{OK}✓{OK:#} {message}");
}

/// A hint line on stdout.
pub(crate) fn hint(message: &str) {
    println!("{DIM}{message}{DIM:#}");
}
