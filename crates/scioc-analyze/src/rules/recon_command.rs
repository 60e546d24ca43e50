//! `SA-034` reconnaissance command at install (threat). Finds an install that runs the
//! programs an intruder runs first: `whoami`, `id`, `hostname`, `uname -a`, `ls /`, `dir`,
//! `ipconfig`, `systeminfo`, `net user`, `cat /etc/passwd`, or a calculator or notepad as a
//! proof of execution.
//!
//! Why: a build needs compilers, not the user's name or the root directory; proof-of-concept
//! and probe packages run these to show or report that they ran. Example: a custom `install`
//! command doing `os.system("whoami")`. Known false positives: build scripts that check
//! `id -u` for root (not counted) or print the platform (`uname -m`, not counted).

use super::{Ctx, Hit, Kind, Rule, is_script};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-034",
    name: "reconnaissance command at install",
    kind: Kind::Threat,
    behaviour: Behaviour::Probe,
    weight: 5,
};

/// Whether a program with its arguments is reconnaissance.
fn recon(program: &str, args: &str) -> bool {
    let args = args.trim().to_ascii_lowercase();
    match program {
        "whoami" | "systeminfo" | "ipconfig" | "ifconfig" | "calc" | "notepad" | "netstat" => true,
        "hostname" | "id" | "env" | "printenv" | "w" | "who" => args.is_empty(),
        "uname" => args.contains("-a"),
        "ls" | "dir" => args.is_empty() || args == "/" || args.ends_with(" /") || args.contains("c:\\"),
        "net" => args.starts_with("user") || args.starts_with("localgroup"),
        "cat" | "type" => args.contains("/etc/passwd") || args.contains("/etc/shadow") || args.contains("/etc/hosts"),
        "ps" => args.contains("aux") || args.contains("-ef"),
        _ => false,
    }
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if !ctx.place.install {
        return;
    }
    let script = is_script(ctx.file);
    let commands = ctx.facts.calls.iter().filter(|c| script || c.is_command());
    if let Some(c) = commands.clone().find(|c| recon(&c.name, c.first.as_deref().unwrap_or(""))) {
        let args = c.first.as_deref().unwrap_or("");
        out.push(Hit::new(&RULE, c.line, format!("runs {} {}", c.name, args.chars().take(60).collect::<String>())));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn recon_at_install_fires() {
        assert!(fired("setup.py", "import os\nos.system('whoami')\n", INSTALL).contains(&"SA-034"));
        assert!(fired("setup.py", "import os\nos.popen('ls /').read()\n", INSTALL).contains(&"SA-034"));
        assert!(fired("package.json#scripts.preinstall", "uname -a && id", INSTALL).contains(&"SA-034"));
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired("setup.py", "import subprocess\nsubprocess.check_output(['uname', '-m'])\n", INSTALL)
                .contains(&"SA-034")
        );
        assert!(!fired("setup.py", "import subprocess\nsubprocess.run(['id', '-u'])\n", INSTALL).contains(&"SA-034"));
        assert!(
            !fired("pkg/cli.py", "import os\nos.system('whoami')\n", LIBRARY).contains(&"SA-034"),
            "not at install"
        );
        assert!(!fired("build.sh", "ls build/\n", INSTALL).contains(&"SA-034"));
    }
}
