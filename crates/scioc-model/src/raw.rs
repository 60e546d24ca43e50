//! The input shape of an entry: what a JSON document says, before validation.
//!
//! Numbers may be written as numbers or as strings (the vendor writes strings).
//! `null` means absent. Unknown fields are refused.

use serde::Deserialize;

/// A JSON value that may be written as a string or a number, as the vendor's numbers are strings.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum StringOrNumber {
    /// Written as a string.
    String(String),
    /// Written as a JSON number.
    Number(serde_json::Number),
}

impl StringOrNumber {
    /// The value as text, however it was written.
    pub fn to_text(&self) -> String {
        match self {
            StringOrNumber::String(s) => s.clone(),
            StringOrNumber::Number(n) => n.to_string(),
        }
    }
}

/// An entry as written in JSON, before validation. See [`crate::Entry`] for the meaning of each field.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawEntry {
    pub event_type: Option<String>,
    pub md5: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
    pub sha512: Option<String>,
    pub filename: Option<String>,
    pub sample_size: Option<StringOrNumber>,
    pub source_url: Option<String>,
    pub identity: Option<RawIdentity>,
    pub sample_list: Option<Vec<RawSample>>,
    /// When the event enters the feed; read by loaders, not part of the entry.
    pub timestamp: Option<StringOrNumber>,
    /// scioc's own output-only extension (sequence, feed time); ignored on input so that
    /// the feed's own output can be loaded again.
    pub scioc: Option<serde_json::Value>,
}

/// The `identity` object as written in JSON.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawIdentity {
    pub purl: Option<String>,
    pub community: Option<String>,
    pub namespace: Option<String>,
    pub package: Option<String>,
    pub product: Option<String>,
    pub version: Option<String>,
    pub artifact: Option<String>,
    pub homepage: Option<String>,
    pub repository: Option<String>,
    pub published: Option<String>,
}

/// One `sample_list` item as written in JSON.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct RawSample {
    pub status: Option<String>,
    pub threat_name: Option<String>,
    pub threat_level: Option<StringOrNumber>,
    pub md5: Option<String>,
    pub sha1: Option<String>,
    pub sha256: Option<String>,
}
