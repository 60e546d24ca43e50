//! `SA-027` drop and run (threat). Finds code that writes a program to disk and starts it: a
//! `.pyw`, `.vbs`, `.bat`, `.ps1`, `.exe` or `.scr` file written where users do not look
//! (`%APPDATA%`, a temporary directory, a Startup folder) and started in the same file.
//!
//! Why: a second stage carried as text inside the package and dropped where the user will
//! not look (`%APPDATA%`, a temporary directory) is how droppers avoid downloading. Example:
//! `open(environ["appdata"] + "\\x.pyw", "w").write(code); startfile(...)`. Known false
//! positives: installers that write launch scripts (`.bat` shims) and run them; weighed with
//! the install path.

use super::{Ctx, Hit, Kind, Rule, SPAWN};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-027", name: "drop and run", kind: Kind::Threat, behaviour: Behaviour::Downloader, weight: 6 };

const PROGRAMS: &[&str] = &[".pyw", ".vbs", ".bat", ".ps1", ".exe", ".scr", ".cmd", ".hta", ".jse"];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    let writes = f.calls.iter().any(|c| {
        c.name.ends_with(".write")
            || c.name.ends_with("writeFileSync")
            || c.name.ends_with("writeFile")
            || c.name.ends_with("write_text")
            || c.name.ends_with("write_bytes")
    });
    let Some(start) = f
        .calls
        .iter()
        .find(|c| c.name.ends_with("startfile") || SPAWN.iter().any(|n| crate::facts::name_is(&c.name, n)))
    else {
        return;
    };
    if !writes {
        return;
    }
    // The program's name and a hiding place on one line: `environ["appdata"] + "\\x.pyw"`.
    let hidden = |line: u32| {
        f.strings.iter().any(|(s, l)| {
            *l == line && {
                let l = s.to_ascii_lowercase();
                ["appdata", "%temp%", "/tmp/", "\\temp\\", "startup", "programdata"].iter().any(|h| l.contains(h))
            }
        }) || f.calls.iter().any(|c| c.line == line && (c.name.ends_with("gettempdir") || c.name.ends_with("tmpdir")))
    };
    if let Some((s, _)) = f.strings.iter().find(|(s, line)| {
        let l = s.to_ascii_lowercase();
        s.len() < 300 && PROGRAMS.iter().any(|p| l.ends_with(p)) && hidden(*line)
    }) {
        out.push(Hit::new(
            &RULE,
            start.line,
            format!("writes {} and starts it with {}()", s.chars().take(60).collect::<String>(), start.name),
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_a_dropped_program_started() {
        let src = "from os import environ, startfile\ncode = 'print(1)'\nopen(environ['appdata'] + '\\\\x.pyw', 'w').write(code)\nstartfile(environ['appdata'] + '\\\\x.pyw')\n";
        assert!(fired("a.py", src, LIBRARY).contains(&"SA-027"));
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired("a.py", "open('out.txt', 'w').write('x')\nimport subprocess\nsubprocess.run(['ls'])\n", LIBRARY)
                .contains(&"SA-027")
        );
    }
}
