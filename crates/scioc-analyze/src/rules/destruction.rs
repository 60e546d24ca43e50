//! `SA-021` destruction (threat). Finds code that deletes or overwrites the user's data
//! wholesale: `rm -rf` of `/`, `~` or `*`, recursive deletion of the home directory or a
//! drive root, disk overwrites.
//!
//! Why: protestware and wipers destroy; no package cleans up the home directory. Example:
//! `shutil.rmtree(os.path.expanduser("~"))`. Known false positives: clean scripts deleting
//! their own build directories, which name a directory below the home or the package.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-021", name: "destruction", kind: Kind::Threat, behaviour: Behaviour::Destructive, weight: 10 };

const TEXT: &[&str] = &[
    "rm -rf /",
    "rm -rf ~",
    "rm -rf *",
    "rm -rf $home",
    "rm -rf /*",
    "del /f /s /q c:\\",
    "rd /s /q c:\\",
    "format c:",
    "dd if=/dev/zero of=/dev/sd",
    "mkfs.",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    if let Some((s, line)) = f.strings_with(TEXT).next() {
        let lower = s.to_ascii_lowercase();
        // `rm -rf /tmp/x` and `rm -rf ./build` are housekeeping.
        let wholesale = TEXT.iter().any(|t| {
            lower.match_indices(t).any(|(i, _)| {
                let next = lower[i + t.len()..].chars().next();
                matches!(next, None | Some(' ' | '"' | '\'' | ';' | '&' | '`' | ')'))
                    || (t.ends_with('/') && next == Some('*'))
            })
        });
        if wholesale {
            out.push(Hit::new(&RULE, *line, s.chars().take(120).collect::<String>()));
            return;
        }
    }
    let home_inner = |c: &crate::facts::Call| {
        c.inner
            .iter()
            .any(|i| matches!(i.as_str(), "os.homedir" | "os.path.expanduser" | "pathlib.Path.home" | "Path.home"))
    };
    if let Some(c) = f
        .calls_to(&[
            "shutil.rmtree",
            "fs.rmSync",
            "fs.rmdirSync",
            "fs.rm",
            "rimraf",
            "rimraf.sync",
            "fs-extra.removeSync",
            "fs-extra.emptyDirSync",
        ])
        .find(|c| home_inner(c) || c.first.as_deref().is_some_and(|p| matches!(p, "/" | "~" | "C:\\" | "C:/")))
    {
        out.push(Hit::new(&RULE, c.line, format!("{}() of the home directory or a root", c.name)));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_wipes() {
        assert!(
            fired("a.py", "import shutil, os\nshutil.rmtree(os.path.expanduser('~'))\n", LIBRARY).contains(&"SA-021")
        );
        assert!(fired("a.sh", "rm -rf / --no-preserve-root\n", LIBRARY).contains(&"SA-021"));
        assert!(
            fired(
                "a.js",
                "const fs = require('fs'); const os = require('os'); fs.rmSync(os.homedir(), { recursive: true })",
                LIBRARY
            )
            .contains(&"SA-021")
        );
    }

    #[test]
    fn near_misses() {
        assert!(!fired("clean.sh", "rm -rf ./build /tmp/cache\n", LIBRARY).contains(&"SA-021"));
        assert!(!fired("a.py", "import shutil\nshutil.rmtree('build')\n", LIBRARY).contains(&"SA-021"));
    }
}
