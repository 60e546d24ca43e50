//! `SA-009` encoded PowerShell (threat). Finds PowerShell started with an encoded command
//! (`-EncodedCommand`, `-enc`), or a base64 string decoded and piped into `Invoke-Expression`.
//!
//! Why: encoding hides the command from review and logs; packages have no reason to.
//! Example: `powershell -w hidden -enc SQBFAFgA…`. Known false positives: none known in
//! packages.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-009", name: "encoded PowerShell", kind: Kind::Threat, behaviour: Behaviour::Downloader, weight: 10 };

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    for (s, line) in &ctx.facts.strings {
        let l = s.to_ascii_lowercase();
        if !l.contains("powershell") && !l.contains("frombase64string") {
            continue;
        }
        let encoded = l.split_whitespace().any(|w| matches!(w, "-enc" | "-encodedcommand" | "-e" | "-ec" | "/enc"));
        let decoded_and_run = l.contains("frombase64string") && (l.contains("iex") || l.contains("invoke-expression"));
        if encoded || decoded_and_run {
            out.push(Hit::new(&RULE, *line, s.chars().take(120).collect::<String>()));
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_encoded_commands() {
        assert!(
            fired("a.py", "import os\nos.system('powershell -w hidden -enc SQBFAFgAIAAoAE4AZQB3AC0A')\n", LIBRARY)
                .contains(&"SA-009")
        );
        assert!(
            fired("a.ps1", "iex ([Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($p)))\n", LIBRARY)
                .contains(&"SA-009")
        );
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired("a.js", "spawn('powershell', ['-NoProfile', '-Command', 'Get-ChildItem'])", LIBRARY)
                .contains(&"SA-009")
        );
    }
}
