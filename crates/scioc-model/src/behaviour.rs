//! What a malicious package does, as a small closed taxonomy, and the RL-style threat names and
//! levels it gives (`<Platform>.<Behaviour>.SupplyChain`, levels 1 to 5).
//!
//! The labels and their definitions are those of `docs/classification/guidelines.md`; a report
//! that states no behaviour is [`Behaviour::Unknown`], which is still a confirmed malicious package.

use std::fmt;
use std::str::FromStr;

/// One behaviour class. The order of the variants is the precedence when a report states several:
/// the most harmful stated effect wins.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Behaviour {
    /// Deletes, wipes, encrypts or corrupts the user's files or system.
    Destructive,
    /// Gives an outside party remote control (reverse shell, RAT, C2 commands).
    Backdoor,
    /// Collects and sends away secrets: credentials, tokens, cookies, wallets, keys.
    Infostealer,
    /// Mines cryptocurrency on the victim's machine.
    Cryptominer,
    /// Downloads and runs a further payload of unstated nature.
    Downloader,
    /// Acts or prints a message for a political cause.
    Protestware,
    /// A dependency-confusion or research probe sending a host fingerprint.
    Probe,
    /// Registry spam: SEO links, token farming, junk uploads.
    Spam,
    /// Imitates a popular package's name, no payload stated.
    Typosquat,
    /// Malicious, behaviour not stated.
    Unknown,
}

impl Behaviour {
    /// Every class, in precedence order.
    pub const ALL: [Behaviour; 10] = [
        Behaviour::Destructive,
        Behaviour::Backdoor,
        Behaviour::Infostealer,
        Behaviour::Cryptominer,
        Behaviour::Downloader,
        Behaviour::Protestware,
        Behaviour::Probe,
        Behaviour::Spam,
        Behaviour::Typosquat,
        Behaviour::Unknown,
    ];

    /// The label, as the guidelines and the labelled set spell it.
    pub fn as_str(self) -> &'static str {
        match self {
            Behaviour::Destructive => "destructive",
            Behaviour::Backdoor => "backdoor",
            Behaviour::Infostealer => "infostealer",
            Behaviour::Cryptominer => "cryptominer",
            Behaviour::Downloader => "downloader",
            Behaviour::Protestware => "protestware",
            Behaviour::Probe => "probe",
            Behaviour::Spam => "spam",
            Behaviour::Typosquat => "typosquat",
            Behaviour::Unknown => "unknown",
        }
    }

    /// The middle part of a threat name.
    pub fn threat_word(self) -> &'static str {
        match self {
            Behaviour::Destructive => "Wiper",
            Behaviour::Backdoor => "Backdoor",
            Behaviour::Infostealer => "Infostealer",
            Behaviour::Cryptominer => "Coinminer",
            Behaviour::Downloader => "Downloader",
            Behaviour::Protestware => "Protestware",
            Behaviour::Probe => "Probe",
            Behaviour::Spam => "Spam",
            Behaviour::Typosquat => "Typosquat",
            Behaviour::Unknown => "Malware",
        }
    }

    /// The threat level, 1 (least) to 5: what installing the package costs its victim.
    ///
    /// | level | classes |
    /// |---|---|
    /// | 5 | destructive, backdoor, infostealer: data, control or secrets are lost |
    /// | 4 | cryptominer, downloader, unknown: code of an attacker runs (unknown errs high) |
    /// | 3 | protestware, typosquat |
    /// | 2 | probe: a fingerprint leaves the host |
    /// | 1 | spam: nothing runs against the user |
    pub fn level(self) -> u8 {
        match self {
            Behaviour::Destructive | Behaviour::Backdoor | Behaviour::Infostealer => 5,
            Behaviour::Cryptominer | Behaviour::Downloader | Behaviour::Unknown => 4,
            Behaviour::Protestware | Behaviour::Typosquat => 3,
            Behaviour::Probe => 2,
            Behaviour::Spam => 1,
        }
    }

    /// The RL-style threat name for a package of the purl type `purl_type`:
    /// `Script-JS.Infostealer.SupplyChain`.
    pub fn threat_name(self, purl_type: &str) -> String {
        format!("{}.{}.SupplyChain", platform(purl_type), self.threat_word())
    }
}

/// The platform part of a threat name for a purl type, in RL's spelling where one exists.
pub fn platform(purl_type: &str) -> &'static str {
    match purl_type {
        "npm" => "Script-JS",
        "pypi" => "Script-Python",
        "gem" => "Script-Ruby",
        "nuget" => "ByteCode-MSIL",
        "maven" => "ByteCode-JAVA",
        "golang" => "Source-Go",
        "cargo" => "Source-Rust",
        "composer" => "Script-PHP",
        _ => "Package",
    }
}

impl fmt::Display for Behaviour {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A label that is not one of the taxonomy's.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "expected a behaviour (destructive, backdoor, infostealer, cryptominer, downloader, protestware, probe, spam, typosquat, unknown), got {0:?}"
)]
pub struct UnknownBehaviour(pub String);

impl FromStr for Behaviour {
    type Err = UnknownBehaviour;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Behaviour::ALL.into_iter().find(|b| b.as_str() == s).ok_or_else(|| UnknownBehaviour(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_round_trip_and_names_follow_the_vendor_pattern() {
        for b in Behaviour::ALL {
            assert_eq!(b.as_str().parse::<Behaviour>().unwrap(), b);
            assert!((1..=5).contains(&b.level()));
        }
        assert_eq!(Behaviour::Infostealer.threat_name("npm"), "Script-JS.Infostealer.SupplyChain");
        assert_eq!(Behaviour::Downloader.threat_name("pypi"), "Script-Python.Downloader.SupplyChain");
        assert!("stealer".parse::<Behaviour>().is_err());
    }
}
