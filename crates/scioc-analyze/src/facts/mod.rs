//! What a file's code does, reduced to facts the rules read: the calls it makes (with the
//! names they resolve to through imports and aliases), the string literals it holds, and a few
//! shapes (environment dumps, mangled names, lines padded to hide code). Parsers produce them
//! ([`js`], [`python`]); [`text`] reads what no parser does (shell, batch, PowerShell, and code
//! a parser refused), so a rule never sees raw syntax.

pub(crate) mod fold;
pub(crate) mod js;
pub(crate) mod python;
pub(crate) mod text;

/// One call, as written: `child_process.exec`, `subprocess.Popen`, `eval`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Call {
    /// The callee, resolved through imports and aliases where the file says (`cp.exec` after
    /// `const cp = require("child_process")` is `child_process.exec`).
    pub(crate) name: String,
    /// 1-based line.
    pub(crate) line: u32,
    /// Its first argument when that is a string literal (or a template without holes); for a
    /// Python process call, the command line folded from a list of words or a template, its
    /// holes shown as `{}`.
    pub(crate) first: Option<String>,
    /// Names of the calls nested in its arguments (`eval(atob(x))` gives `atob`).
    pub(crate) inner: Vec<String>,
    /// Keyword or option names passed (`detached`, `shell`, `creationflags`, `stdio`).
    pub(crate) options: Vec<String>,
}

/// A secret-named value passed to a network call.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SecretSent {
    /// The name that says it is a secret.
    pub(crate) name: String,
    /// 1-based line of the call.
    pub(crate) line: u32,
    /// Whether the name is a key that signs for its owner (a private key, a seed phrase, a
    /// secret key), not an id an SDK sends its own service.
    pub(crate) key: bool,
    /// The address the call sends to, when the code spells it (`https://…`, an f-string's
    /// constant start).
    pub(crate) to: Option<String>,
}

impl Call {
    /// Whether this is a program a command line in the code runs
    /// ([`python::COMMAND`]), not a call of the code's own.
    pub(crate) fn is_command(&self) -> bool {
        self.options.iter().any(|o| o == python::COMMAND)
    }
}

/// What the rules read of one file.
#[derive(Debug, Default, Clone)]
pub(crate) struct Facts {
    pub(crate) calls: Vec<Call>,
    /// String literals and their lines.
    pub(crate) strings: Vec<(String, u32)>,
    /// Modules imported or required.
    pub(crate) imports: Vec<(String, u32)>,
    /// Lines where the whole environment is read as one value (`JSON.stringify(process.env)`,
    /// `dict(os.environ)`), not one variable of it.
    pub(crate) env_dumps: Vec<u32>,
    /// Secret-named values (`private_key`, `mnemonic`, a name bound from one) passed to a
    /// network call.
    pub(crate) secrets_sent: Vec<SecretSent>,
    /// Lines of network calls made when the module runs (not inside a function) that send
    /// something of the host's: a computed body or query, or a URL spliced with host data.
    pub(crate) module_sends: Vec<u32>,
    /// Identifiers in the `_0x1a2b` style of JavaScript obfuscators.
    pub(crate) mangled: usize,
    /// Whether a parser read the file (else only [`text`] facts).
    pub(crate) parsed: bool,
    /// Why the parser refused it, when it did.
    pub(crate) parse_error: Option<String>,
}

impl Facts {
    /// Calls whose resolved name is one of `names` or ends with `.name` for one of them.
    pub(crate) fn calls_to<'a>(&'a self, names: &'a [&str]) -> impl Iterator<Item = &'a Call> + 'a {
        self.calls.iter().filter(move |c| names.iter().any(|n| name_is(&c.name, n)))
    }

    /// Strings that contain one of `needles` (ASCII case-insensitively).
    pub(crate) fn strings_with<'a>(&'a self, needles: &'a [&str]) -> impl Iterator<Item = &'a (String, u32)> + 'a {
        self.strings.iter().filter(move |(s, _)| {
            let lower = s.to_ascii_lowercase();
            needles.iter().any(|n| lower.contains(n))
        })
    }
}

/// Whether a resolved call name is `want`: equal, or `want` is a dotted suffix of it
/// (`os.system` matches `nt.os.system`; `exec` matches `exec` but not `subprocess.exec`
/// unless asked for a dotted name).
pub(crate) fn name_is(name: &str, want: &str) -> bool {
    name == want || (want.contains('.') && name.ends_with(want) && name[..name.len() - want.len()].ends_with('.'))
}

/// Lines by byte offset.
pub(crate) struct Lines(Vec<usize>);

impl Lines {
    pub(crate) fn new(source: &str) -> Lines {
        Lines(std::iter::once(0).chain(source.match_indices('\n').map(|(i, _)| i + 1)).collect())
    }

    /// The 1-based line of a byte offset.
    pub(crate) fn of(&self, offset: usize) -> u32 {
        (self.0.partition_point(|&start| start <= offset)).max(1) as u32
    }
}
