//! `SA-025` escaped code evaluated (threat). Finds a file written mostly in string escapes
//! (`"\x65\166\141\x6c"`) that evaluates code, the shape of BlankOBF and similar obfuscators.
//!
//! Why: nobody writes hundreds of octal and hex escapes by hand; together with `eval` or
//! `exec` they hide a program from review. Example: `_=eval("\145\166\141\x6c")`. Known false
//! positives: generated tables of binary data, which do not evaluate.

use super::{Ctx, EVAL, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-025", name: "escaped code evaluated", kind: Kind::Threat, behaviour: Behaviour::Unknown, weight: 6 };

/// Escapes needed, and their share of the file's bytes (in tenths of a percent).
const AT_LEAST: usize = 100;
const SHARE_PER_MILLE: usize = 50;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    // Test vectors are escaped too; what runs at install or import counts.
    if !(ctx.place.install || ctx.place.import) {
        return;
    }
    let Some(eval) = ctx.facts.calls_to(EVAL).next() else { return };
    let text = ctx.file.text.as_bytes();
    let escapes =
        text.windows(2).filter(|w| w[0] == b'\\' && (w[1] == b'x' || w[1].is_ascii_digit() || w[1] == b'u')).count();
    if escapes >= AT_LEAST && escapes * 4 * 1000 / text.len().max(1) >= SHARE_PER_MILLE {
        out.push(Hit::new(&RULE, eval.line, format!("{escapes} string escapes and {}()", eval.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_escaped_programs() {
        let payload: String =
            "import os; os.system('id')".bytes().map(|b| format!("\\x{b:02x}")).collect::<String>().repeat(5);
        assert!(
            fired("a.py", &format!("_ = eval(\"\\145\\166\\141\\x6c\")\n_(\"{payload}\")\n"), INSTALL)
                .contains(&"SA-025")
        );
    }

    #[test]
    fn near_misses() {
        let table: String = (0..200).map(|i| format!("\\x{:02x}", i % 256)).collect();
        assert!(!fired("a.py", &format!("TABLE = b\"{table}\"\n"), LIBRARY).contains(&"SA-025"));
    }
}
