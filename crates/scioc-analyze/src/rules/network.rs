//! `SA-002` network (capability). Finds calls that reach the network: `fetch`, `https.get`,
//! `requests.post`, `urlopen`, sockets, DNS lookups, and `curl`/`wget`/`Invoke-WebRequest` in
//! scripts.
//!
//! Why: what a package steals must leave, and what it downloads must arrive. Example:
//! `https.request(opts)`. Known false positives: nearly every client library; a capability,
//! counted only beside a threat.

use super::{Ctx, Hit, Kind, NETWORK, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-002", name: "network", kind: Kind::Capability, behaviour: Behaviour::Unknown, weight: 1 };

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some(c) = ctx.facts.calls_to(NETWORK).next() {
        out.push(Hit::new(&RULE, c.line, format!("{}(…)", c.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_clients_and_commands() {
        assert!(fired("a.js", "require('https').get('https://x.example/')", LIBRARY).contains(&"SA-002"));
        assert!(fired("a.py", "import requests\nrequests.post('https://x', data=1)\n", LIBRARY).contains(&"SA-002"));
        assert!(fired("a.sh", "curl -s https://x.example/\n", LIBRARY).contains(&"SA-002"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "const url = 'https://x.example/'; console.log(url)", LIBRARY).contains(&"SA-002"));
    }
}
