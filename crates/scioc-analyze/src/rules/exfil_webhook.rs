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

/// Whether a string is a bare Telegram bot token (`123456789:AA…`, 35 characters after the
/// bot's id): code holding one posts to that bot.
fn bot_token(s: &str) -> bool {
    let Some((id, secret)) = s.trim().split_once(':') else { return false };
    (8..=10).contains(&id.len())
        && id.bytes().all(|b| b.is_ascii_digit())
        && secret.len() == 35
        && secret.starts_with("AA")
        && secret.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-')
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some((s, line)) = ctx.facts.strings.iter().find(|(s, _)| bot_token(s)) {
        let id = s.trim().split(':').next().unwrap_or("");
        out.push(
            Hit::new(&RULE, *line, format!("Telegram bot token of bot {id}")).naming(format!("telegram bot {id}")),
        );
        return;
    }
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
    fn fires_on_a_bare_bot_token() {
        let token = format!("TOKEN = '{}:AA{}'\n", "7012345678", "b".repeat(33));
        assert!(fired("a.py", &token, LIBRARY).contains(&"SA-011"));
        assert!(!fired("a.py", "T = '12:30:45'\nV = '1234567890:short'\n", LIBRARY).contains(&"SA-011"));
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
