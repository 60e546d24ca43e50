//! The rules: one module each, each with a stable id, what it finds, why it matters, an
//! example and its known false positives in its doc comment, and its own fixtures.
//!
//! A rule is a **capability** (something good code does too: a network call, a process, an
//! install hook) or a **threat** (something good code does not: a reverse shell, a Discord
//! webhook, `eval` of decoded bytes). A capability alone never makes a verdict; the verdict
//! ([`crate::verdict`]) weighs threats, their place on the install path, and what they reach
//! within one file.

use crate::facts::Facts;
use crate::package::SourceFile;
use scioc_model::Behaviour;

mod credentials;
mod decode_eval;
mod destruction;
mod dns_exfil;
mod download_exec;
mod drop_and_run;
mod drop_host;
mod encoded_powershell;
mod env_dump;
mod escaped_eval;
mod exfil_oast;
mod exfil_webhook;
mod hidden_payload;
mod high_entropy_exec;
mod install_script;
mod key_sent;
mod mangled;
mod manifest_mismatch;
mod miner;
mod module_send;
mod native_run;
mod network;
mod persistence;
mod process;
mod pyarmor;
mod raw_ip_url;
mod recon_command;
mod reverse_shell;
mod secret_sent;
mod self_propagation;
mod silent_process;
mod stealer_dependency;
mod sysinfo;
mod typosquat;
mod url_dependency;

/// Capability or threat.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Good code does it too; it counts only beside a threat.
    Capability,
    /// Good code does not; it counts on its own.
    Threat,
}

/// A rule's identity and weight.
#[derive(Debug)]
pub struct Rule {
    /// Stable id: `SA-` and a number, never reused.
    pub id: &'static str,
    /// A short name.
    pub name: &'static str,
    /// Capability or threat.
    pub kind: Kind,
    /// The behaviour it points to, for the threat name.
    pub behaviour: Behaviour,
    /// Its weight in a file's score.
    pub weight: u32,
}

/// Where a file sits on the package's paths.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Place {
    /// It runs when the package is installed (an npm lifecycle script or what it runs,
    /// `setup.py`, a `.pth` file).
    pub(crate) install: bool,
    /// It runs when the package is imported (a package's `__init__.py`, npm's `main`).
    pub(crate) import: bool,
}

/// What a rule reads: one file, its facts and its place.
pub(crate) struct Ctx<'a> {
    pub(crate) file: &'a SourceFile,
    pub(crate) facts: &'a Facts,
    pub(crate) place: Place,
    /// The package's native executables, by path.
    pub(crate) natives: &'a [String],
}

/// One match of a rule.
#[derive(Debug, Clone)]
pub(crate) struct Hit {
    pub(crate) rule: &'static Rule,
    pub(crate) line: u32,
    /// What matched, in a few words or the matched text.
    pub(crate) what: String,
    /// An indicator it names (a URL, a domain, an IP), if any.
    pub(crate) indicator: Option<String>,
}

impl Hit {
    pub(crate) fn new(rule: &'static Rule, line: u32, what: impl Into<String>) -> Hit {
        Hit { rule, line, what: what.into(), indicator: None }
    }

    pub(crate) fn naming(mut self, indicator: impl Into<String>) -> Hit {
        self.indicator = Some(indicator.into());
        self
    }
}

type Check = fn(&Ctx<'_>, &mut Vec<Hit>);

/// Every rule, with its check.
pub(crate) const ALL: &[(&Rule, Check)] = &[
    (&install_script::RULE, install_script::check),
    (&network::RULE, network::check),
    (&process::RULE, process::check),
    (&sysinfo::RULE, sysinfo::check),
    (&env_dump::RULE, env_dump::check),
    (&mangled::RULE, mangled::check),
    (&download_exec::RULE, download_exec::check),
    (&reverse_shell::RULE, reverse_shell::check),
    (&encoded_powershell::RULE, encoded_powershell::check),
    (&silent_process::RULE, silent_process::check),
    (&exfil_webhook::RULE, exfil_webhook::check),
    (&exfil_oast::RULE, exfil_oast::check),
    (&raw_ip_url::RULE, raw_ip_url::check),
    (&credentials::RULE, credentials::check),
    (&decode_eval::RULE, decode_eval::check),
    (&hidden_payload::RULE, hidden_payload::check),
    (&high_entropy_exec::RULE, high_entropy_exec::check),
    (&pyarmor::RULE, pyarmor::check),
    (&self_propagation::RULE, self_propagation::check),
    (&persistence::RULE, persistence::check),
    (&destruction::RULE, destruction::check),
    (&miner::RULE, miner::check),
    (&dns_exfil::RULE, dns_exfil::check),
    (&native_run::RULE, native_run::check),
    (&escaped_eval::RULE, escaped_eval::check),
    (&stealer_dependency::RULE, stealer_dependency::check),
    (&drop_and_run::RULE, drop_and_run::check),
    (&drop_host::RULE, drop_host::check),
    (&secret_sent::RULE, secret_sent::check),
    (&key_sent::RULE, key_sent::check),
    (&recon_command::RULE, recon_command::check),
    (&module_send::RULE, module_send::check),
];

type PackageCheck = fn(&crate::package::Package) -> Option<Hit>;

/// Rules on the package as a whole (its name, its manifest's dependencies). The verdict counts
/// what they find on each file that runs at install and does something there; without one, on
/// the manifest alone.
pub(crate) const PACKAGE: &[(&Rule, PackageCheck)] = &[
    (&typosquat::RULE, typosquat::check),
    (&url_dependency::RULE, url_dependency::check),
    (&manifest_mismatch::RULE, manifest_mismatch::check),
];

/// Every rule's identity, for `--help` and the docs.
pub fn rules() -> impl Iterator<Item = &'static Rule> {
    ALL.iter().map(|(r, _)| *r).chain(PACKAGE.iter().map(|(r, _)| *r))
}

/// Runs every rule on one file.
pub(crate) fn check(ctx: &Ctx<'_>) -> Vec<Hit> {
    let mut hits = Vec::new();
    for (_, check) in ALL {
        check(ctx, &mut hits);
    }
    hits
}

/// Names of calls that run code from a string in the same process.
pub(crate) const EVAL: &[&str] = &[
    "eval",
    "exec",
    "Function",
    "new Function",
    "compile",
    "vm.runInThisContext",
    "vm.runInNewContext",
    "vm.Script",
    "new vm.Script",
    "execfile",
    "builtins.exec",
    "builtins.eval",
    "iex",
    "invoke-expression",
    "new module.constructor",
    "module._compile",
    "Module._compile",
];

/// Whether a call name decodes, decrypts or decompresses: by its last segment, so a decoder
/// reached through any object counts (`Fernet(k).decrypt`, `zlib.decompress`, `codecs.decode`).
pub(crate) fn decodes(name: &str) -> bool {
    let last = name.rsplit('.').next().unwrap_or(name);
    matches!(
        last,
        "atob"
            | "fromCharCode"
            | "unescape"
            | "b64decode"
            | "b32decode"
            | "b85decode"
            | "a85decode"
            | "decodebytes"
            | "decodestring"
            | "decode"
            | "decrypt"
            | "decompress"
            | "loads"
            | "fromhex"
            | "unhexlify"
            | "a2b_base64"
            | "inflateSync"
            | "gunzipSync"
            | "inflateRawSync"
            | "createDecipher"
            | "createDecipheriv"
            | "rot13"
    ) || name.starts_with("Buffer.from")
}

/// Names of calls that start another program.
pub(crate) const SPAWN: &[&str] = &[
    "child_process.exec",
    "child_process.execSync",
    "child_process.spawn",
    "child_process.spawnSync",
    "child_process.execFile",
    "child_process.execFileSync",
    "child_process.fork",
    "os.system",
    "os.popen",
    "os.startfile",
    "os.execv",
    "os.execl",
    "os.spawnl",
    "subprocess.Popen",
    "subprocess.call",
    "subprocess.run",
    "subprocess.check_call",
    "subprocess.check_output",
    "subprocess.getoutput",
    "commands.getoutput",
    "pty.spawn",
    "start-process",
];

/// Names of calls that reach the network.
pub(crate) const NETWORK: &[&str] = &[
    "fetch",
    "http.get",
    "http.request",
    "https.get",
    "https.request",
    "axios",
    "axios.get",
    "axios.post",
    "request",
    "request.post",
    "node-fetch",
    "net.connect",
    "net.createConnection",
    "new net.Socket",
    "dns.lookup",
    "dns.resolve",
    "dns.resolveTxt",
    "new XMLHttpRequest",
    "requests.get",
    "requests.post",
    "requests.put",
    "requests.request",
    "urllib.request.urlopen",
    "urllib.request.urlretrieve",
    "urllib.request.Request",
    "urllib.urlopen",
    "urllib2.urlopen",
    "urlopen",
    "urlretrieve",
    "httpx.get",
    "httpx.post",
    "http.client.HTTPSConnection",
    "http.client.HTTPConnection",
    "socket.socket",
    "socket.create_connection",
    "socket.gethostbyname",
    "curl",
    "wget",
    "invoke-webrequest",
    "invoke-restmethod",
    "iwr",
    "certutil",
    "bitsadmin",
];

/// Whether the file is one of the shell languages (where calls are commands).
/// The command lines a file runs, with their lines: every line of a script, and the command a
/// process call in code runs (Python folds it from lists and templates).
pub(crate) fn command_lines<'a>(ctx: &'a Ctx<'_>) -> impl Iterator<Item = (&'a str, u32)> + 'a {
    let script = is_script(ctx.file);
    let spawned = ctx.facts.calls_to(SPAWN).filter_map(|c| c.first.as_deref().map(|l| (l, c.line)));
    spawned.chain(ctx.facts.strings.iter().filter(move |_| script).map(|(l, n)| (l.as_str(), *n)))
}

/// Whether a command line pipes what a stage for which `feeds` holds writes into an
/// interpreter (`curl … | sh`, `base64 -d | bash`).
pub(crate) fn piped_into_interpreter(line: &str, feeds: impl Fn(&str) -> bool) -> bool {
    let l = line.to_ascii_lowercase();
    let segments: Vec<&str> = l.split('|').map(str::trim).collect();
    segments.windows(2).any(|w| {
        let program = w[1].split_whitespace().next().unwrap_or("").rsplit('/').next().unwrap_or("");
        feeds(w[0])
            && matches!(
                program,
                "sh" | "bash"
                    | "zsh"
                    | "dash"
                    | "python"
                    | "python3"
                    | "node"
                    | "perl"
                    | "ruby"
                    | "iex"
                    | "powershell"
                    | "pwsh"
                    | "invoke-expression"
            )
    })
}

pub(crate) fn is_script(file: &SourceFile) -> bool {
    use crate::package::FileKind;
    matches!(file.kind, FileKind::Shell | FileKind::Batch | FileKind::PowerShell | FileKind::NpmScript)
}

#[cfg(test)]
pub(crate) mod fixture {
    //! Running the rules on a fixture written for the test.

    use super::*;
    use crate::package::{FileKind, SourceFile};

    /// The ids of the rules that fire on `source` as a file at `path`, at `place`.
    pub(crate) fn fired(path: &str, source: &str, place: Place) -> Vec<&'static str> {
        let file = SourceFile::new(path, source.as_bytes().to_vec(), false);
        assert_ne!(file.kind, FileKind::Other, "{path} is read as code");
        let facts = crate::facts_of(&file);
        let mut ids: Vec<&str> =
            check(&Ctx { file: &file, facts: &facts, place, natives: &[] }).iter().map(|h| h.rule.id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    }

    pub(crate) const INSTALL: Place = Place { install: true, import: false };
    pub(crate) const LIBRARY: Place = Place { install: false, import: false };
}
