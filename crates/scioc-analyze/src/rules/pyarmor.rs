//! `SA-018` PyArmor (capability). Finds code protected by PyArmor, which ships only an
//! encrypted blob and a native runtime.
//!
//! Why: nobody can review what it does, which malware authors like; some commercial packages
//! use it legitimately. Example: `from pytransform import pyarmor_runtime`. Known false
//! positives: commercial packages; counted beside the install path.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-018", name: "PyArmor", kind: Kind::Capability, behaviour: Behaviour::Unknown, weight: 4 };

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some((_, line)) = ctx.facts.strings_with(&["__pyarmor__", "pyarmor_runtime"]).next() {
        out.push(Hit::new(&RULE, *line, "PyArmor-protected code"));
        return;
    }
    if let Some((m, line)) =
        ctx.facts.imports.iter().find(|(m, _)| m.starts_with("pytransform") || m.starts_with("pyarmor_runtime"))
    {
        out.push(Hit::new(&RULE, *line, format!("imports {m}")));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_pyarmor() {
        assert!(
            fired(
                "a.py",
                "from pytransform import pyarmor_runtime\npyarmor_runtime()\n__pyarmor__(__name__, __file__, b'x')\n",
                LIBRARY
            )
            .contains(&"SA-018")
        );
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.py", "import transform\n", LIBRARY).contains(&"SA-018"));
    }
}
