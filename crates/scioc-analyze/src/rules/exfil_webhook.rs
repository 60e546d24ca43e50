//! `SA-011` messenger webhook (threat). Finds Discord and Slack webhook URLs and Telegram bot
//! API URLs.
//!
//! Why: they are the stealer's favourite drop box: free, anonymous, reachable from anywhere.
//! Example: `https://discord.com/api/webhooks/123/abc`. Known false positives: notification
//! libraries for these services name the API host but not a hook with its id and token.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-011", name: "messenger webhook", kind: Kind::Threat, behaviour: Behaviour::Infostealer, weight: 8 };

const HOOKS: &[&str] = &[
    "discord.com/api/webhooks/",
    "discordapp.com/api/webhooks/",
    "hooks.slack.com/services/t",
    "api.telegram.org/bot",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    for (s, line) in ctx.facts.strings_with(HOOKS) {
        let lower = s.to_ascii_lowercase();
        let Some(at) = HOOKS.iter().filter_map(|h| lower.find(h).map(|i| (i, h))).min() else { continue };
        let rest = &lower[at.0 + at.1.len()..];
        // A hook with its id (and a token): not the bare API host a client library names.
        let hook: String = rest.chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect();
        let placeholder =
            ["{", "<", "xxxx", "0000000", "your", "token", "webhook_id", "..."].iter().any(|p| hook.contains(p));
        if hook.len() >= 8 && !placeholder {
            let begin =
                lower[..at.0].rfind("http").filter(|b| !lower[*b..at.0].contains(char::is_whitespace)).unwrap_or(at.0);
            let url: String =
                s[begin..].chars().take_while(|c| !c.is_whitespace() && *c != '"' && *c != '\'').collect();
            out.push(
                Hit::new(&RULE, *line, format!("webhook {}", url.chars().take(80).collect::<String>())).naming(url),
            );
            return;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_hooks_with_their_tokens() {
        assert!(
            fired("a.py", "URL = 'https://discord.com/api/webhooks/1234567890/abcdefABCDEF'\n", LIBRARY)
                .contains(&"SA-011")
        );
        assert!(
            fired("a.js", "const u = `https://api.telegram.org/bot123456:AAEhBOweik6ad/sendMessage`", LIBRARY)
                .contains(&"SA-011")
        );
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired("a.js", "const API = 'https://discord.com/api/webhooks/'; // + id", LIBRARY).contains(&"SA-011")
        );
        assert!(!fired("a.py", "BASE = 'https://api.telegram.org/'\n", LIBRARY).contains(&"SA-011"));
        assert!(
            !fired(
                "a.py",
                "EXAMPLE = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX'\n",
                LIBRARY
            )
            .contains(&"SA-011")
        );
    }
}
