//! `SA-004` host fingerprint (capability). Finds code that collects who and where it runs:
//! host name, user name, network interfaces, platform details.
//!
//! Why: dependency-confusion probes and stealers send a fingerprint home. Example:
//! `os.hostname()`, `getpass.getuser()`. Known false positives: telemetry, logging, CLIs that
//! greet the user; a capability, counted beside a network sink.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-004", name: "host fingerprint", kind: Kind::Capability, behaviour: Behaviour::Probe, weight: 1 };

const CALLS: &[&str] = &[
    "os.hostname",
    "os.userInfo",
    "os.networkInterfaces",
    "os.homedir",
    "socket.gethostname",
    "platform.node",
    "platform.uname",
    "getpass.getuser",
    "os.getlogin",
    "os.uname",
    "whoami",
    "hostname",
    "uname",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some(c) = ctx.facts.calls_to(CALLS).next() {
        out.push(Hit::new(&RULE, c.line, format!("{}()", c.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_host_details() {
        assert!(fired("a.js", "const os = require('os'); os.hostname()", LIBRARY).contains(&"SA-004"));
        assert!(fired("a.py", "import getpass\ngetpass.getuser()\n", LIBRARY).contains(&"SA-004"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "const os = require('os'); os.platform()", LIBRARY).contains(&"SA-004"));
    }
}
