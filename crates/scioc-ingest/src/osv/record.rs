//! The part of an OSV record scioc reads. Unknown fields are ignored: the schema grows.

use serde::{Deserialize, Deserializer};

/// Reads a list that real records sometimes write as `null`.
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(d: D) -> Result<Vec<T>, D::Error> {
    Ok(Option::<Vec<T>>::deserialize(d)?.unwrap_or_default())
}

/// An OSV record (schema 1.5–1.7), as far as scioc reads it.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Record {
    pub id: String,
    pub modified: Option<String>,
    pub published: Option<String>,
    pub withdrawn: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub aliases: Vec<String>,
    pub summary: Option<String>,
    pub details: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub affected: Vec<Affected>,
    #[serde(default, deserialize_with = "nullable")]
    pub references: Vec<Reference>,
    #[serde(default)]
    pub database_specific: Option<RecordSpecific>,
}

/// One `affected[]` item.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Affected {
    pub package: Package,
    #[serde(default, deserialize_with = "nullable")]
    pub versions: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub ranges: Vec<serde_json::Value>,
    #[serde(default)]
    pub database_specific: Option<AffectedSpecific>,
}

/// `affected[].package`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Package {
    pub ecosystem: String,
    pub name: String,
}

/// `affected[].database_specific`.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct AffectedSpecific {
    #[serde(default)]
    pub indicators: Option<Indicators>,
}

/// `affected[].database_specific.indicators`.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct Indicators {
    #[serde(default, deserialize_with = "nullable")]
    pub package_integrity: Vec<Integrity>,
}

/// One published archive's hashes.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Integrity {
    pub filename: Option<String>,
    #[serde(default)]
    pub hashes: IntegrityHashes,
}

/// `hashes {sha1, sha512_sri}`.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct IntegrityHashes {
    pub sha1: Option<String>,
    pub sha512_sri: Option<String>,
}

/// `references[]`.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Reference {
    #[serde(rename = "type")]
    pub kind: Option<String>,
    pub url: String,
}

/// The record's `database_specific`.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct RecordSpecific {
    #[serde(default)]
    pub iocs: Option<Iocs>,
    #[serde(default, rename = "malicious-packages-origins", deserialize_with = "nullable")]
    pub origins: Vec<Origin>,
    /// CWE entries (`{"cweId", "name"}` in practice), read only for their text.
    #[serde(default, deserialize_with = "nullable")]
    pub cwes: Vec<serde_json::Value>,
}

/// Network indicators.
#[derive(Debug, Clone, Default, Deserialize)]
#[allow(missing_docs)]
pub struct Iocs {
    #[serde(default, deserialize_with = "nullable")]
    pub domains: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub urls: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub ip_addresses: Vec<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub ips: Vec<String>,
}

/// One contributing source.
#[derive(Debug, Clone, Deserialize)]
#[allow(missing_docs)]
pub struct Origin {
    pub source: Option<String>,
}
