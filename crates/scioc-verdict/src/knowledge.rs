//! What the verdicts need besides feed events: curated blacklist rules and indicators. A
//! store's knowledge is served to mirrors as one document (`scioc-knowledge/1`), which a mirror
//! keeps whole and replaces whole, so it scans exactly as its source does.

use scioc_curation::files::BlacklistEntry;
use scioc_store::Indicator;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

/// The document's format name.
pub const FORMAT: &str = "scioc-knowledge/1";

/// Curated rules and indicators, sorted and deduplicated.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Knowledge {
    /// Always [`FORMAT`].
    pub format: String,
    /// Curated blacklist rules, in `blacklist.json`'s shape.
    pub rules: Vec<BlacklistEntry>,
    /// Indicators, with the public source of curated ones in `source_id`.
    pub indicators: Vec<Indicator>,
}

impl Default for Knowledge {
    fn default() -> Knowledge {
        Knowledge { format: FORMAT.to_owned(), rules: Vec::new(), indicators: Vec::new() }
    }
}

/// A knowledge document that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("not a {FORMAT} document: {0}")]
pub struct KnowledgeError(pub String);

impl Knowledge {
    /// Knowledge of `rules` and `indicators`, in canonical order.
    pub fn new(rules: Vec<BlacklistEntry>, indicators: Vec<Indicator>) -> Knowledge {
        let mut k = Knowledge { rules, indicators, ..Knowledge::default() };
        k.canonicalize();
        k
    }

    fn canonicalize(&mut self) {
        self.rules.sort_by(|a, b| {
            (&a.ecosystem, &a.component, &a.id, &a.affected_versions).cmp(&(
                &b.ecosystem,
                &b.component,
                &b.id,
                &b.affected_versions,
            ))
        });
        self.rules.dedup();
        self.indicators.sort();
        self.indicators.dedup();
    }

    /// Adds another document's rules and indicators.
    pub fn merge(&mut self, other: Knowledge) {
        self.rules.extend(other.rules);
        self.indicators.extend(other.indicators);
        self.canonicalize();
    }

    /// The document as bytes, in canonical order.
    pub fn to_bytes(&self) -> Vec<u8> {
        serde_json::to_vec(self).expect("knowledge serializes")
    }

    /// The SHA-256 of a document's bytes ([`Knowledge::to_bytes`]), in hex: equal documents,
    /// equal digests.
    pub fn digest(bytes: &[u8]) -> String {
        hex::encode(Sha256::digest(bytes))
    }

    /// Reads a document, checking its format.
    pub fn from_slice(bytes: &[u8]) -> Result<Knowledge, KnowledgeError> {
        let mut k: Knowledge = serde_json::from_slice(bytes).map_err(|e| KnowledgeError(e.to_string()))?;
        if k.format != FORMAT {
            return Err(KnowledgeError(format!("format is {:?}", k.format)));
        }
        k.canonicalize();
        Ok(k)
    }

    /// Whether it holds nothing.
    pub fn is_empty(&self) -> bool {
        self.rules.is_empty() && self.indicators.is_empty()
    }
}
