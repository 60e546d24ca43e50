//! Where an event came from: kept with the event and shown under the entry's `scioc` object.

use serde::{Deserialize, Serialize};

/// Where an event came from. Every list is left out when empty.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Provenance {
    /// The kind of source: `osv`, `archive`, `reclassify`.
    pub source: String,
    /// The source's own id for the record (an OSV `MAL-` id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// Other ids of the same record (GHSA ids and the like).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub aliases: Vec<String>,
    /// Links about the record.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub references: Vec<Reference>,
    /// The parties whose reports were merged into the record (OSV's
    /// `malicious-packages-origins[].source`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub contributors: Vec<String>,
    /// When the record was last modified, `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// Why an event was made by hand (a reclassification's reason).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// For an archive: the path of each file of `sample_list`, in the same order.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub files: Vec<String>,
    /// For an archive of more files than an entry lists (`MAX_SAMPLES` samples in all): how
    /// many files `sample_list` leaves out. The store keeps the whole list (source `archive`,
    /// one record per archive SHA-256).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub omitted_files: u64,
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// A link with its kind (`ADVISORY`, `ARTICLE`, `WEB`, …).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reference {
    /// The kind of link.
    #[serde(rename = "type")]
    pub kind: String,
    /// The URL.
    pub url: String,
}

/// Makes text safe for the wire: control characters (newlines included) become spaces, runs of
/// whitespace collapse, and the result is trimmed and cut to `max` bytes on a character boundary.
pub fn clean_text(s: &str, max: usize) -> String {
    let mut out = String::with_capacity(s.len().min(max));
    for word in s.split(|c: char| c.is_whitespace() || c.is_control()).filter(|w| !w.is_empty()) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.len() > max {
        let mut cut = max;
        while !out.is_char_boundary(cut) {
            cut -= 1;
        }
        out.truncate(cut);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clean_text_flattens_and_cuts() {
        assert_eq!(clean_text("  a\n\tb\u{0}c  ", 100), "a b c");
        assert_eq!(clean_text("ééé", 3), "é");
    }
}
