//! `SA-001` install hook (capability). Finds code that runs when the package is installed: an
//! npm `preinstall`/`install`/`postinstall` script, a `setup.py` that overrides an install
//! command (`cmdclass`), a `.pth` file that imports (Python runs it at every start-up).
//!
//! Why: install time is where most malicious packages act, before any code imports them.
//! Example: `"postinstall": "node setup.js"`. Known false positives: native builds
//! (`node-gyp rebuild`), `husky install`, binary downloads of esbuild or sharp: a capability,
//! never a verdict alone.

use super::{Ctx, Hit, Kind, Rule};
use crate::package::FileKind;
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-001", name: "install hook", kind: Kind::Capability, behaviour: Behaviour::Unknown, weight: 1 };

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    match ctx.file.kind {
        FileKind::NpmScript => out.push(Hit::new(&RULE, 1, format!("npm lifecycle script: {}", ctx.file.path))),
        FileKind::Pth => {
            if let Some((i, line)) =
                ctx.file.text.lines().enumerate().find(|(_, l)| l.trim_start().starts_with("import "))
            {
                out.push(Hit::new(&RULE, i as u32 + 1, format!(".pth line run at start-up: {}", line.trim())));
            }
        }
        FileKind::Python if ctx.place.install => {
            if let Some(c) = ctx.facts.calls.iter().find(|c| c.options.iter().any(|o| o == "cmdclass")) {
                out.push(Hit::new(&RULE, c.line, "setup() overrides an install command (cmdclass)"));
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_cmdclass_and_executing_pth_files() {
        assert!(
            fired("setup.py", "from setuptools import setup\nsetup(name='x', cmdclass={'install': I})\n", INSTALL)
                .contains(&"SA-001")
        );
        assert!(fired("x.pth", "import os; os.system('id')\n", INSTALL).contains(&"SA-001"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("setup.py", "from setuptools import setup\nsetup(name='x')\n", INSTALL).contains(&"SA-001"));
        assert!(!fired("x.pth", "./lib/site\n", INSTALL).contains(&"SA-001"));
    }
}
