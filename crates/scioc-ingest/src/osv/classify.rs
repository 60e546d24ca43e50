//! The behaviour of a `MAL-` report, read from its text (summary, details, CWE names) and its
//! IoC URLs, following `docs/classification/guidelines.md`.
//!
//! Each class has a list of cues, phrases matched as whole words in the report's normalized text
//! (lower case, punctuation as spaces); the classes are tried in [`Behaviour::ALL`]'s precedence
//! order, so the most harmful stated effect wins. The GHSA malware paragraph, present on every
//! GHSA-sourced report, is removed first: it states no behaviour. What matches nothing is
//! [`Behaviour::Unknown`]. Precision and recall against a hand-labelled set are in
//! `docs/classification/README.md`, and a test holds the classifier to them.
//!
//! Hand-written: no crate classifies malware reports, and a cue table is small, explainable and
//! reviewable, which a learned model on a few hundred labels would not be.

use super::record::Record;
use scioc_model::Behaviour;

/// The GHSA paragraph's first words; the paragraph is dropped up to its end (a blank line).
const GHSA_BOILERPLATE: &str =
    "any computer that has this package installed or running should be considered fully compromised";

/// Cues per class, in precedence order. A cue is a phrase of whole words.
const CUES: &[(Behaviour, &[&str])] = &[
    (
        Behaviour::Destructive,
        &[
            "wiper",
            "wipes",
            "ransomware",
            "fork bomb",
            "rm rf",
            "deletes files",
            "delete files",
            "deletes all",
            "destroys",
            "corrupts files",
            "encrypts files",
        ],
    ),
    (
        Behaviour::Backdoor,
        &[
            "reverse shell",
            "backdoor",
            "remote access",
            "remote control",
            "rat",
            "command and control",
            "c2 server",
            "remote shell",
            "bind shell",
        ],
    ),
    (
        Behaviour::Infostealer,
        &[
            "steal",
            "steals",
            "stealing",
            "stealer",
            "infostealer",
            "exfiltrate",
            "exfiltrates",
            "exfiltrating",
            "exfiltration",
            "exfil",
            "exfils",
            "credentials",
            "passwords",
            "password",
            "cookies",
            "wallet",
            "wallets",
            "spyware",
            "information stealing",
            "info stealer",
            "ssh keys",
            "sensitive data",
            "session data",
            "keylogger",
            "discord token",
            "discord tokens",
            "grabber",
            "harvests",
            "clipboard",
        ],
    ),
    (
        Behaviour::Cryptominer,
        &[
            "miner",
            "cryptominer",
            "coinminer",
            "cryptomining",
            "xmrig",
            "monero",
            "cryptojacking",
            "mining",
            "mines cryptocurrency",
        ],
    ),
    (
        Behaviour::Downloader,
        &[
            "downloads",
            "download and execute",
            "downloads and executes",
            "second stage",
            "dropper",
            "fetches and executes",
            "payload from",
        ],
    ),
    (Behaviour::Protestware, &["protestware", "protest", "peacenotwar", "russian", "belarusian"]),
    (
        Behaviour::Probe,
        &[
            "dependency confusion",
            "security research",
            "bug bounty",
            "interactsh",
            "burpcollaborator",
            "oastify",
            "canarytokens",
            "pipedream",
            "hostname and username",
            "fingerprint",
        ],
    ),
    (Behaviour::Spam, &["spam", "tea xyz", "tea protocol", "seo", "token farming"]),
    (
        Behaviour::Typosquat,
        &["typosquat", "typosquatting", "typo squat", "typo squatting", "impersonates", "impersonating"],
    ),
];

/// File endings of an IoC URL that, with no behaviour stated, mark a downloader (rule 4).
const PAYLOAD_ENDINGS: &[&str] = &[".exe", ".ps1", ".sh", ".bat", ".dll", ".msi", ".vbs", ".scr"];

/// The behaviour a record's text states.
pub fn classify(record: &Record) -> Behaviour {
    let mut text = String::new();
    for part in [record.summary.as_deref(), record.details.as_deref()].into_iter().flatten() {
        text.push_str(part);
        text.push('\n');
    }
    let spec = record.database_specific.as_ref();
    for cwe in spec.into_iter().flat_map(|s| &s.cwes) {
        if let Some(name) = cwe.get("name").and_then(|n| n.as_str()) {
            text.push_str(name);
            text.push('\n');
        }
    }
    let urls = spec.and_then(|s| s.iocs.as_ref()).map(|i| i.urls.as_slice()).unwrap_or_default();
    classify_text(&text, urls)
}

/// The behaviour `text` states, with the record's IoC `urls`.
pub fn classify_text(text: &str, urls: &[String]) -> Behaviour {
    let words = normalize(&drop_boilerplate(text));
    for (class, cues) in CUES {
        if cues.iter().any(|cue| words.contains(&format!(" {cue} "))) {
            return *class;
        }
    }
    let payload = urls.iter().any(|u| {
        let path = u.split(['?', '#']).next().unwrap_or("").to_ascii_lowercase();
        PAYLOAD_ENDINGS.iter().any(|e| path.ends_with(e))
    });
    if payload { Behaviour::Downloader } else { Behaviour::Unknown }
}

/// The text without the GHSA paragraph (it runs to the next blank line).
fn drop_boilerplate(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut skipping = false;
    for line in text.lines() {
        if line.to_ascii_lowercase().contains(GHSA_BOILERPLATE) {
            skipping = true;
        } else if line.trim().is_empty() {
            skipping = false;
        }
        if !skipping {
            out.push_str(line);
            out.push('\n');
        }
    }
    out
}

/// Lower case, every run of non-alphanumerics one space, padded with spaces so that a cue
/// ` cue ` matches whole words only.
fn normalize(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 2);
    out.push(' ');
    for c in text.chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() {
            out.push(c);
        } else if !out.ends_with(' ') {
            out.push(' ');
        }
    }
    if !out.ends_with(' ') {
        out.push(' ');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn boilerplate_states_nothing_and_the_most_harmful_effect_wins() {
        let ghsa = "Any computer that has this package installed or running should be considered fully compromised. All secrets and keys stored on that computer should be rotated immediately from a different computer. The package should be removed, but as full control of the computer may have been given to an outside entity, there is no guarantee.";
        assert_eq!(classify_text(ghsa, &[]), Behaviour::Unknown);
        assert_eq!(
            classify_text(&format!("{ghsa}\n\nDownloads a payload that steals Discord tokens."), &[]),
            Behaviour::Infostealer
        );
        assert_eq!(classify_text("Opens a reverse shell and exfiltrates credentials", &[]), Behaviour::Backdoor);
        assert_eq!(classify_text("The package runs xmrig", &[]), Behaviour::Cryptominer);
        assert_eq!(classify_text("A dependency confusion test sending the hostname", &[]), Behaviour::Probe);
        // Whole words only: "rat" is not in "operator", "seo" not in "seoul".
        assert_eq!(classify_text("an operator in Seoul", &[]), Behaviour::Unknown);
        assert_eq!(classify_text("", &["https://x.example/a/payload.EXE?x=1".into()]), Behaviour::Downloader);
        assert_eq!(classify_text("", &["https://x.example/".into()]), Behaviour::Unknown);
    }
}
