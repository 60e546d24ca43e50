//! scioc's knowledge in OSV's shapes, for the tools people already run.
//!
//! - [`catalog`]: every record scioc can serve, built from the store and the verdict engine:
//!   OSV reports as last imported (with `withdrawn` set once withdrawn, by the source or by an
//!   FP), and records synthesized under [`ID_PREFIX`] for what scioc knows from elsewhere
//!   (curated rules, archives, other feeds).
//! - [`api`]: OSV.dev's `/v1/query`, `/v1/querybatch` and `/v1/vulns/{id}`, request checks
//!   included; answers come from the verdict engine, so ranges are evaluated exactly.
//! - [`export`]: the offline databases (osv-scanner's and osv-scalibr's `all.zip`, the OSV
//!   bucket layout, Renovate's `osv-offline`), byte for byte the same for the same store.
//! - [`lists`]: the malware lists of Aikido safe-chain, the DataDog manifest scfw reads, and
//!   an scfw findings list.
//!
//! Nothing here speaks HTTP; the server and the CLI put these bytes where they belong.

pub mod api;
pub mod catalog;
pub mod export;
pub mod lists;

pub use catalog::{Catalog, CatalogError, EngineView, Record};

/// The id prefix of the records scioc synthesizes.
pub const ID_PREFIX: &str = "SCIOC-";

/// The OSV ecosystems scioc serves, as OSV spells them (folder names in the offline layouts).
pub const ECOSYSTEMS: [&str; 10] =
    ["crates.io", "Go", "Hex", "Maven", "npm", "NuGet", "Packagist", "Pub", "PyPI", "RubyGems"];

/// The OSV spelling of an ecosystem scioc serves, or `None`.
pub fn ecosystem(name: &str) -> Option<&'static str> {
    ECOSYSTEMS.iter().copied().find(|e| *e == name)
}

/// A curated rule's `affected_versions` in OSV's terms: the exact versions (for `versions`),
/// the OSV ranges of its ranges and `*` ([`scioc_versions::Spec::osv_ranges`]), and the
/// specifications no OSV range expresses exactly (`!=` in PEP 440, say), which scioc's own
/// surfaces still match.
pub fn rule_versions(
    rule: &scioc_curation::files::BlacklistEntry,
) -> (Vec<String>, Vec<scioc_model::Range>, Vec<String>) {
    let (mut exact, mut ranges, mut unexpressed) = (Vec::new(), Vec::new(), Vec::new());
    for text in &rule.affected_versions {
        let Ok(spec) = scioc_versions::Spec::parse(&rule.ecosystem, text) else {
            unexpressed.push(text.clone());
            continue;
        };
        if spec.is_concrete() {
            exact.push(text.trim_start_matches('=').to_owned());
            continue;
        }
        match spec.osv_ranges() {
            Ok(r) => ranges.extend(r),
            Err(_) => unexpressed.push(text.clone()),
        }
    }
    (exact, ranges, unexpressed)
}

/// A time as OSV writes it: RFC 3339 in UTC with a `Z`.
pub fn rfc3339(t: scioc_model::FeedTime) -> String {
    format!("{}Z", t.to_utc_string())
}
