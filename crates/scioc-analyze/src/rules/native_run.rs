//! `SA-024` bundled executable run (threat). Finds a package that carries a native executable
//! (`.exe`, `.dll`, `.scr`, `.msi`, …) and code that starts it.
//!
//! Why: a binary inside a JavaScript or Python package cannot be reviewed, and one started
//! from the package's own code is the payload. Example: `spawn(path.join(__dirname,
//! "setup.exe"), { detached: true })`. Known false positives: packages that ship tools
//! (esbuild's platform packages carry a binary and start it); they name it without `.exe`
//! outside Windows builds, and this rule asks for the file and a process started by name.

use super::{Ctx, Hit, Kind, Rule, SPAWN};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-024",
    name: "bundled executable run",
    kind: Kind::Threat,
    behaviour: Behaviour::Downloader,
    weight: 6,
};

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    if !ctx.place.install {
        return;
    }
    if f.calls_to(SPAWN).next().is_none()
        && !f.calls.iter().any(|c| c.name.ends_with("execFile") || c.name.ends_with("startfile"))
    {
        return;
    }
    for (s, line) in &f.strings {
        let name = s.rsplit(['/', '\\']).next().unwrap_or(s);
        if name.len() > 4
            && name.len() < 200
            && crate::package::is_native(name)
            && ctx.natives.iter().any(|n| n.ends_with(name))
        {
            out.push(Hit::new(&RULE, *line, format!("starts the bundled {name}")));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use crate::package::SourceFile;

    #[test]
    fn fires_when_the_bundled_binary_is_started() {
        let file = SourceFile::new(
            "package/index.js",
            b"const cp = require('child_process'); cp.spawn(__dirname + '/Setup.exe', [], { detached: true })".to_vec(),
            false,
        );
        let facts = crate::facts_of(&file);
        let natives = vec!["package/Setup.exe".to_owned()];
        let install = Place { install: true, import: false };
        let hits = check(&Ctx { file: &file, facts: &facts, place: install, natives: &natives });
        assert!(hits.iter().any(|h| h.rule.id == "SA-024"));
        let hits = check(&Ctx { file: &file, facts: &facts, place: Place::default(), natives: &natives });
        assert!(!hits.iter().any(|h| h.rule.id == "SA-024"), "only what the install runs");
        let none: Vec<String> = Vec::new();
        let hits = check(&Ctx { file: &file, facts: &facts, place: install, natives: &none });
        assert!(!hits.iter().any(|h| h.rule.id == "SA-024"), "no such file in the package");
    }
}
