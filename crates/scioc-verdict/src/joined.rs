//! Reports that joined another's announcement. The store announces a package version once
//! however many records report it ([`scioc_store::merge`]); the records that came later hold
//! claims instead of events. The OSV API answers with every report, so the engine reads them.

use crate::feed::{Report, ecosystem_key};
use crate::{Query, normalize};
use scioc_store::StoredClaim;
use scioc_versions::{Scheme, Version};
use std::collections::HashMap;

/// A package's claims: `(version, record)`, `None` for every version, oldest first.
type PackageClaims = Vec<(Option<String>, String)>;

/// Claims by package (ecosystem, normalized name).
#[derive(Debug, Clone, Default)]
pub(crate) struct Joined {
    by_package: HashMap<(&'static str, String), PackageClaims>,
}

impl Joined {
    /// The claims of every version or of one version. A claim on a versionless purl with ranges
    /// is left out: the engine reports it only by the event whose ranges it shares.
    pub(crate) fn build(claims: Vec<StoredClaim>) -> Joined {
        let mut by_package: HashMap<_, Vec<_>> = HashMap::new();
        for c in claims.into_iter().filter(|c| c.key.ranges.is_empty()) {
            let Some((community, name, version)) = scioc_model::parse_purl(&c.key.purl) else { continue };
            let Some(ecosystem) = scioc_model::ecosystem_of(&community) else { continue };
            by_package.entry((ecosystem, normalize(ecosystem, &name))).or_default().push((version, c.record));
        }
        Joined { by_package }
    }

    /// Adds to `out` (the reports of events that cover the query) the other records that claim
    /// the same version or every version. Only something that stands is joined: with no report
    /// at all, nothing is added.
    pub(crate) fn add_to(&self, q: &Query<'_>, name: &str, out: &mut Vec<Report>) {
        let Some(first) = out.iter().map(|r| r.event).min() else { return };
        let Some(claims) = ecosystem_key(q.ecosystem).and_then(|e| self.by_package.get(&(e, name.to_owned()))) else {
            return;
        };
        let scheme = Scheme::of(q.ecosystem);
        let asked = q.version.map(|v| (v, Version::parse(scheme, v).ok()));
        for (version, record) in claims {
            let applies = match (&asked, version) {
                // The same version, however written (PEP 440's `1.0` is `1.0.0`).
                (Some((text, parsed)), Some(claimed)) => {
                    text == claimed
                        || parsed.as_ref().is_some_and(|p| Version::parse(scheme, claimed).is_ok_and(|c| &c == p))
                }
                _ => true,
            };
            if applies && !out.iter().any(|r| r.record.as_deref() == Some(record)) {
                out.push(Report { record: Some(record.clone()), event: first });
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.by_package.values().map(Vec::len).sum()
    }
}
