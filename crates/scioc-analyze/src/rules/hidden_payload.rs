//! `SA-016` payload hidden after whitespace (threat). Finds a line that runs code after a long
//! run of spaces or tabs, placed past the right edge of an editor.
//!
//! Why: a reviewer scrolling down a file never sees it. Example: `import os` followed by 300
//! spaces and `;exec(…)`. Known false positives: generated tables padded with spaces, which
//! have no call after the padding.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-016",
    name: "payload hidden after whitespace",
    kind: Kind::Threat,
    behaviour: Behaviour::Unknown,
    weight: 8,
};

const RUN: usize = 150;

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    for (i, line) in ctx.file.text.lines().enumerate() {
        if line.len() < RUN + 4 {
            continue;
        }
        let bytes = line.as_bytes();
        let mut run = 0;
        for (at, b) in bytes.iter().enumerate() {
            if *b == b' ' || *b == b'\t' {
                run += 1;
                continue;
            }
            if run >= RUN && at > run {
                let after = &line[at..];
                if after.contains('(') && !after.trim_start().starts_with(['#', '/']) {
                    out.push(Hit::new(
                        &RULE,
                        i as u32 + 1,
                        format!("{run} blanks, then {}", after.chars().take(60).collect::<String>()),
                    ));
                    return;
                }
            }
            run = 0;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_code_past_the_edge() {
        let src = format!("import os{}; os.system('id')\n", " ".repeat(300));
        assert!(fired("a.py", &src, LIBRARY).contains(&"SA-016"));
    }

    #[test]
    fn near_misses() {
        let src = format!("x = 1{}# a comment\n", " ".repeat(300));
        assert!(!fired("a.py", &src, LIBRARY).contains(&"SA-016"));
    }
}
