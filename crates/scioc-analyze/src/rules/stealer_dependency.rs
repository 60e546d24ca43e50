//! `SA-026` stealer toolkit (threat). Finds a package that depends on or imports libraries made
//! for taking what is not its own: browser cookie and password extraction (`browser_cookie3`),
//! Windows' data-protection decryption of browser stores (`win32crypt`), and messenger
//! webhook clients (`discordwebhook`, `dhooks`).
//!
//! Why: these are the parts stealers are assembled from; a library that needs them is rare.
//! Example: `install_requires=["browser_cookie3", "discordwebhook"]`. Known false positives:
//! browser-automation tools import `browser_cookie3` on purpose; one toolkit is a capability of
//! theirs, two kinds together (taking and sending) are not.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule =
    Rule { id: "SA-026", name: "stealer toolkit", kind: Kind::Threat, behaviour: Behaviour::Infostealer, weight: 6 };

const TAKE: &[&str] =
    &["browser_cookie3", "browser-cookie3", "browsercookie", "win32crypt", "pycookiecheat", "robloxpy", "pyperclip"];
const SEND: &[&str] = &["discordwebhook", "discord_webhook", "discord-webhook", "dhooks", "discord.webhook"];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let f = ctx.facts;
    let names = f
        .imports
        .iter()
        .map(|(m, l)| (m.as_str(), *l))
        .chain(f.strings.iter().filter(|(s, _)| s.len() < 64).map(|(s, l)| (s.as_str(), *l)));
    let (mut take, mut send) = (None, None);
    for (name, line) in names {
        let lower = name.to_ascii_lowercase();
        let base = lower.split(['=', '<', '>', '~', '!', ' ', '[']).next().unwrap_or("");
        if TAKE.contains(&base) {
            take.get_or_insert((base.to_owned(), line));
        }
        if SEND.contains(&base) {
            send.get_or_insert((base.to_owned(), line));
        }
    }
    if let (Some((t, line)), Some((s, _))) = (take, send) {
        out.push(Hit::new(&RULE, line, format!("uses {t} and {s}")));
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_taking_and_sending_parts() {
        assert!(fired("setup.py", "from setuptools import setup\nsetup(name='x', install_requires=['browser_cookie3', 'discordwebhook', 'requests'])\n", INSTALL).contains(&"SA-026"));
        assert!(fired("a.py", "import win32crypt\nfrom dhooks import Webhook\n", LIBRARY).contains(&"SA-026"));
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired(
                "setup.py",
                "from setuptools import setup\nsetup(name='x', install_requires=['browser_cookie3', 'requests'])\n",
                INSTALL
            )
            .contains(&"SA-026")
        );
    }
}
