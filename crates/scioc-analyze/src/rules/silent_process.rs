//! `SA-010` silent detached process (capability). Finds a process started to outlive the
//! install and stay out of sight: `detached` with `unref()`, `windowsHide`, `nohup … &`,
//! `start_new_session`, `DETACHED_PROCESS`/`CREATE_NO_WINDOW`, `-WindowStyle Hidden`.
//!
//! Why: a payload that must keep running after `npm install` returns detaches itself.
//! Example: `spawn(node, [p], { detached: true, stdio: "ignore" }).unref()`. Known false
//! positives: daemons and background updaters; counted beside a threat or at install.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-010",
    name: "silent detached process",
    kind: Kind::Capability,
    behaviour: Behaviour::Downloader,
    weight: 3,
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    if let Some(c) = f.calls.iter().find(|c| {
        c.options
            .iter()
            .any(|o| matches!(o.as_str(), "detached" | "windowsHide" | "start_new_session" | "creationflags"))
    }) {
        out.push(Hit::new(&RULE, c.line, format!("{}(…, {})", c.name, c.options.join(", "))));
        return;
    }
    if let Some((s, line)) = f
        .strings_with(&[
            "nohup ",
            "-windowstyle hidden",
            "-w hidden",
            "detached_process",
            "create_no_window",
            "start /b",
            "setsid ",
        ])
        .next()
    {
        out.push(Hit::new(&RULE, *line, s.chars().take(120).collect::<String>()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_detached_spawns() {
        assert!(
            fired(
                "a.js",
                "require('child_process').spawn('node', ['x'], { detached: true, stdio: 'ignore' }).unref()",
                LIBRARY
            )
            .contains(&"SA-010")
        );
        assert!(
            fired("a.py", "import subprocess\nsubprocess.Popen(['x'], creationflags=0x08000000)\n", LIBRARY)
                .contains(&"SA-010")
        );
        assert!(fired("a.sh", "nohup ./x > /dev/null 2>&1 &\n", LIBRARY).contains(&"SA-010"));
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired(
                "a.js",
                "require('child_process').spawn('node', ['x'], { detached: false, stdio: 'inherit' })",
                LIBRARY
            )
            .contains(&"SA-010")
        );
    }
}
