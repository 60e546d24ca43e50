//! `SA-020` persistence (threat). Finds code that makes itself start again: crontab entries,
//! Windows `Run` keys and Startup folder, scheduled tasks, launch agents, `rc.local`. (Shell
//! start-up files and systemd units are left out: completion installers and service tools
//! write them on purpose.)
//!
//! Why: a package installs once; a payload that must survive reboots plants a start-up hook.
//! Example: `reg add HKCU\Software\Microsoft\Windows\CurrentVersion\Run`. Known false
//! positives: service installers of daemons; weighed with the install path.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-020", name: "persistence", kind: Kind::Threat, behaviour: Behaviour::Backdoor, weight: 6 };

const PLACES: &[&str] = &[
    "currentversion\\run",
    "currentversion\\\\run",
    "start menu\\programs\\startup",
    "start menu\\\\programs\\\\startup",
    "schtasks /create",
    "schtasks.exe /create",
    "/library/launchagents",
    "library/launchagents/",
    "crontab -",
    "/etc/cron",
    "/etc/rc.local",
    "\\appdata\\roaming\\microsoft\\windows\\start menu",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some((s, line)) = ctx.facts.strings_with(PLACES).next() {
        out.push(Hit::new(&RULE, *line, s.chars().take(120).collect::<String>()));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_start_up_hooks() {
        assert!(
            fired(
                "a.py",
                "os.system('reg add HKCU\\\\Software\\\\Microsoft\\\\Windows\\\\CurrentVersion\\\\Run /v x /d y')\n",
                LIBRARY
            )
            .contains(&"SA-020")
        );
        assert!(fired("a.sh", "(crontab -l; echo '* * * * * /tmp/x') | crontab -\n", LIBRARY).contains(&"SA-020"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "console.log('run the tests')", LIBRARY).contains(&"SA-020"));
    }
}
