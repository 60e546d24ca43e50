//! The registry firewall's protocol logic, without IO: what a package manager asks for, and
//! the registry's answers with what the verdict engine blocks taken out.
//!
//! - [`npm`]: package names from request paths, packuments filtered (versions, times, tags)
//!   and their tarball URLs routed through the firewall.
//! - [`pypi`]: project names, PEP 503 HTML and PEP 691 JSON pages in one model, content
//!   negotiation, files of blocked versions taken out and the rest routed through the firewall.
//!
//! - [`judge`]: the verdict engine's word on an npm version or a Python file (name and
//!   version, archive hashes, indicators), and the optional cooldown.
//!
//! The server (`scioc-server`) fetches from the configured upstream, asks the verdict engine
//! about each version through a judge closure, and serves what this crate returns. Nothing
//! here names a registry host: upstreams are always configured.

pub mod judge;
pub mod npm;
pub mod pypi;

/// Why a version or archive is refused: what npm and pip show the user, in one line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Block {
    /// The rule that matched (`AS-008`, `HASH`, `AS-016`, `COOLDOWN`).
    pub rule: String,
    /// The record behind it (`MAL-2025-1234`, a rule's id or link), when there is one.
    pub reference: Option<String>,
    /// Why, in words: the verdict's evidence, the cooldown's age.
    pub reason: String,
    /// What was blocked, in words (`evil@1.0.0`).
    pub what: String,
    /// How bad the verdict behind it is (a known-malicious version's follows its threat
    /// level); `None` for a block that is not a verdict (the cooldown).
    pub severity: Option<scioc_verdict::Severity>,
}

impl Block {
    /// The one line a refused download answers with: what, the rule, its severity and the
    /// reference (or, without one, the reason).
    pub fn line(&self) -> String {
        let severity = self.severity.map(|s| format!(", {}", s.as_lower())).unwrap_or_default();
        match self.reference.as_deref().or((!self.reason.is_empty()).then_some(self.reason.as_str())) {
            Some(r) => format!("scioc blocked {}: rule {}{severity} ({r})", self.what, self.rule),
            None => format!("scioc blocked {}: rule {}{severity}", self.what, self.rule),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_block_is_one_line_naming_what_rule_and_reference() {
        let b = Block {
            rule: "AS-008".into(),
            reference: Some("MAL-2025-1234".into()),
            reason: "evil@1.0.0: this version is known malicious".into(),
            what: "evil@1.0.0".into(),
            severity: Some(scioc_verdict::Severity::Low),
        };
        assert_eq!(b.line(), "scioc blocked evil@1.0.0: rule AS-008, low (MAL-2025-1234)");
        let unreferenced = Block { reference: None, severity: None, ..b.clone() };
        assert_eq!(
            unreferenced.line(),
            "scioc blocked evil@1.0.0: rule AS-008 (evil@1.0.0: this version is known malicious)"
        );
        let plain = Block { reference: None, severity: None, reason: String::new(), ..b };
        assert_eq!(plain.line(), "scioc blocked evil@1.0.0: rule AS-008");
    }
}
