//! `SA-006` mangled names (capability). Finds JavaScript whose identifiers are in the
//! `_0x4f2a` style of javascript-obfuscator.
//!
//! Why: obfuscation hides what code does from review; legitimate packages ship minified code,
//! not code renamed to hex. Example: `var _0x3c1d=['\x68\x74\x74\x70'];`. Known false
//! positives: the odd package that ships an obfuscated licence check; counted beside a threat.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-006", name: "mangled names", kind: Kind::Capability, behaviour: Behaviour::Unknown, weight: 3 };

/// Fewer than this many is a coincidence.
const AT_LEAST: usize = 20;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if ctx.facts.mangled >= AT_LEAST {
        out.push(Hit::new(&RULE, 1, format!("{} identifiers named like _0x1a2b", ctx.facts.mangled)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_many_hex_names() {
        let src: String = (0..25).map(|i| format!("var _0x{i:04x} = {i};\n")).collect();
        assert!(fired("a.js", &src, LIBRARY).contains(&"SA-006"));
    }

    #[test]
    fn near_misses() {
        let src: String = (0..25).map(|i| format!("var a{i} = {i};\n")).collect();
        assert!(!fired("a.js", &src, LIBRARY).contains(&"SA-006"));
    }
}
