//! `SA-003` process (capability). Finds calls that start another program: `child_process`,
//! `subprocess`, `os.system`, `os.popen`, `pty.spawn`, `Start-Process`.
//!
//! Why: a downloaded payload, a shell or a miner runs as another process. Example:
//! `execSync("node-gyp rebuild")`. Known false positives: build tools, CLIs, test runners;
//! a capability, counted only beside a threat.

use super::{Ctx, Hit, Kind, Rule, SPAWN};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-003", name: "process", kind: Kind::Capability, behaviour: Behaviour::Unknown, weight: 1 };

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some(c) = ctx.facts.calls_to(SPAWN).next() {
        out.push(Hit::new(&RULE, c.line, format!("{}({})", c.name, c.first.as_deref().unwrap_or("…"))));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_spawns() {
        assert!(
            fired("a.js", "const { execSync } = require('child_process'); execSync('ls')", LIBRARY).contains(&"SA-003")
        );
        assert!(fired("a.py", "import subprocess\nsubprocess.run(['ls'])\n", LIBRARY).contains(&"SA-003"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "function exec(x) { return x } exec('ls')", LIBRARY).contains(&"SA-003"));
    }
}
