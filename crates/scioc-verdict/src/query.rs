//! What a caller asks about, and what the engine answers.

use crate::{Rule, Severity};
use serde::Serialize;

/// One package to judge. Only `ecosystem` and `name` are required; the more a caller knows
/// (version, archive hashes, lifecycle scripts, download address), the more rules can apply.
#[derive(Debug, Clone, Copy, Default)]
pub struct Query<'a> {
    /// `npm`, `PyPI`, `crates.io`, `RubyGems`, … (OSV's spelling).
    pub ecosystem: &'a str,
    /// The name as written.
    pub name: &'a str,
    /// The version, when pinned.
    pub version: Option<&'a str>,
    /// Archive hashes as `(algorithm, lower-case hex)`: `md5`, `sha1`, `sha256`, `sha512`.
    pub hashes: &'a [(&'static str, String)],
    /// Lifecycle scripts as `(hook, command)`.
    pub scripts: &'a [(String, String)],
    /// Where the package was (or will be) downloaded from.
    pub resolved: Option<&'a str>,
}

impl<'a> Query<'a> {
    /// A query by name and version alone.
    pub fn package(ecosystem: &'a str, name: &'a str, version: Option<&'a str>) -> Query<'a> {
        Query { ecosystem, name, version, ..Query::default() }
    }

    /// `name@version`, or the name alone.
    pub fn display(&self) -> String {
        match self.version {
            Some(v) => format!("{}@{v}", self.name),
            None => self.name.to_owned(),
        }
    }
}

/// Why a package is judged malicious: one per rule hit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Verdict {
    /// The rule.
    pub rule: Rule,
    /// How bad.
    pub severity: Severity,
    /// What matched, in a sentence.
    pub evidence: String,
    /// The feed event that decided it (its sequence number), if any.
    pub event: Option<i64>,
    /// A reference: a record id (an OSV `MAL-` id), a rule id or a link.
    pub reference: Option<String>,
    /// The knowledge that decided it, so that every surface can name the same thing.
    #[serde(skip)]
    pub origin: Origin,
}

impl Verdict {
    /// Whether the verdict blocks: feed announcements and announced archives always do; a
    /// curated rule when its action is `BLOCK`, an indicator when its action is `block`. The
    /// others warn: the scanner reports them at their severity, and every enforcing surface (the
    /// firewall, the OSV API and its exports, the guard lists, the feed) leaves them out.
    pub fn blocks(&self) -> bool {
        match &self.origin {
            Origin::Feed => true,
            Origin::Rule { blocks, .. } => *blocks,
            Origin::Indicator(i) => i.action.eq_ignore_ascii_case("block"),
        }
    }
}

/// Which piece of knowledge a verdict comes from.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Origin {
    /// The feed's events: an announcement, or an announced archive's hashes.
    #[default]
    Feed,
    /// A curated blacklist rule: its id, and whether its `action` is `BLOCK` (else `WARN`).
    Rule {
        /// The rule's id.
        id: String,
        /// Whether the rule blocks.
        blocks: bool,
    },
    /// An indicator, as stored.
    Indicator(Box<scioc_store::Indicator>),
}
