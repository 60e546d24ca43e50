//! `SA-022` cryptominer (threat). Finds mining pools and miners: `stratum+tcp://` URLs,
//! XMRig and its options, well-known pools.
//!
//! Why: a package that mines spends the victim's machine for someone else. Example:
//! `xmrig -o stratum+tcp://pool:3333 -u 4A…`. Known false positives: mining software
//! packages themselves, which are rare on the registries.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-022", name: "cryptominer", kind: Kind::Threat, behaviour: Behaviour::Cryptominer, weight: 10 };

const TEXT: &[&str] = &[
    "stratum+tcp://",
    "stratum+ssl://",
    "xmrig",
    "--donate-level",
    "minexmr.com",
    "supportxmr.com",
    "nanopool.org",
    "moneroocean",
    "coinhive",
    "cryptonight",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some((s, line)) = ctx.facts.strings_with(TEXT).next() {
        out.push(Hit::new(&RULE, *line, s.chars().take(120).collect::<String>()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_pools() {
        assert!(fired("a.sh", "./xmrig -o stratum+tcp://pool.example:3333 -u abc\n", LIBRARY).contains(&"SA-022"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "const s = 'tcp://localhost:3333'", LIBRARY).contains(&"SA-022"));
    }
}
