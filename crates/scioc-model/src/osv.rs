//! What the store keeps of each OSV record between imports: written by `scioc-ingest`'s
//! OSV loader, read by it to plan the next import and by curation to draft candidates.

use crate::Affected;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the store keeps of one record between imports.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordState {
    /// The threat name last announced.
    pub threat_name: String,
    /// Whether the record was withdrawn.
    pub withdrawn: bool,
    /// Announcements in force, by key (purl), with the entry announced (wire JSON).
    pub active: BTreeMap<String, String>,
    /// The record's `modified` time, `YYYY-MM-DDThh:mm:ssZ`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub modified: Option<String>,
    /// The record's publication time, `YYYY-MM-DDThh:mm:ss`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published: Option<String>,
    /// The ranges of the versionless announcement in force, by key.
    #[serde(default, skip_serializing_if = "BTreeMap::is_empty")]
    pub ranges: BTreeMap<String, Affected>,
    /// The record as last imported, as compact JSON: what the OSV API and the offline
    /// databases serve. Absent for states written before it was kept.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<String>,
}
