//! The validated entry, in the vendor's TCF-0701 shape.
//!
//! Serializing an [`Entry`] gives the wire JSON: fields in the vendor's order, absent fields
//! omitted, numbers written as strings.

use crate::{EventType, Md5, Sha1, Sha256, Sha512, ValueError, ValueKind};
use serde::{Serialize, Serializer};
use std::{fmt, str::FromStr};

/// One feed entry: a package or file, its identity, its samples and what the event says of it.
///
/// Validation is the only way to get one: [`Entry::try_from`] a [`crate::RawEntry`]. Code that
/// makes entries writes the raw form and validates it once; the fields are read through
/// [`EntryFields`] (by `Deref`) and never changed in place, so no `Entry` in memory breaks a
/// rule. [`Entry::as_event`] is the one change, and it keeps every rule.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(transparent)]
pub struct Entry(pub(crate) EntryFields);

impl std::ops::Deref for Entry {
    type Target = EntryFields;

    fn deref(&self) -> &EntryFields {
        &self.0
    }
}

/// The fields of an [`Entry`], read-only through it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EntryFields {
    /// What the event announces.
    pub event_type: EventType,
    /// MD5 of the package file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<Md5>,
    /// SHA-1 of the package file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<Sha1>,
    /// SHA-256 of the package file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256>,
    /// SHA-512 of the package file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha512: Option<Sha512>,
    /// Name of the package file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub filename: Option<String>,
    /// Size of the package file in bytes.
    #[serde(skip_serializing_if = "Option::is_none", serialize_with = "opt_as_string")]
    pub sample_size: Option<u64>,
    /// Where the package file was downloaded from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source_url: Option<String>,
    /// Who the package is.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub identity: Option<Identity>,
    /// The files found malicious inside the package.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sample_list: Vec<Sample>,
}

impl Entry {
    /// The same entry as another event type; an `FP` marks its samples `KNOWN` (not
    /// malicious after all). Every rule an entry obeys still holds.
    pub fn as_event(&self, event_type: EventType) -> Entry {
        let mut e = self.0.clone();
        e.event_type = event_type;
        if event_type == EventType::FalsePositive {
            for s in &mut e.sample_list {
                s.status = SampleStatus::Known;
            }
        }
        Entry(e)
    }
}

/// The package's identity.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Identity {
    /// Package URL, in canonical form.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub purl: Option<String>,
    /// Package community (`npm`, `pypi`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub community: Option<String>,
    /// Package namespace (an npm scope, a Maven group).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Package name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package: Option<String>,
    /// Product name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub product: Option<String>,
    /// Package version.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub version: Option<String>,
    /// Artifact identifier.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub artifact: Option<String>,
    /// Package homepage URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub homepage: Option<String>,
    /// Package repository URL.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub repository: Option<String>,
    /// When the package was published.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub published: Option<Published>,
}

impl Identity {
    /// Whether no field is set.
    pub fn is_empty(&self) -> bool {
        *self == Identity::default()
    }
}

/// One file inside a package and its verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Sample {
    /// The verdict.
    pub status: SampleStatus,
    /// Name of the detected threat.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_name: Option<String>,
    /// Threat level, 1 to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub threat_level: Option<ThreatLevel>,
    /// MD5 of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub md5: Option<Md5>,
    /// SHA-1 of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha1: Option<Sha1>,
    /// SHA-256 of the file.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sha256: Option<Sha256>,
}

/// A sample's verdict, in the vendor's classification words.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
pub enum SampleStatus {
    /// Malicious.
    #[serde(rename = "MALICIOUS")]
    Malicious,
    /// Suspicious.
    #[serde(rename = "SUSPICIOUS")]
    Suspicious,
    /// Known good (used when a sample is reclassified).
    #[serde(rename = "KNOWN")]
    Known,
    /// Not classified.
    #[serde(rename = "UNKNOWN")]
    Unknown,
}

impl SampleStatus {
    /// The wire spelling: `MALICIOUS`, `SUSPICIOUS`, `KNOWN` or `UNKNOWN`.
    pub fn as_str(self) -> &'static str {
        match self {
            SampleStatus::Malicious => "MALICIOUS",
            SampleStatus::Suspicious => "SUSPICIOUS",
            SampleStatus::Known => "KNOWN",
            SampleStatus::Unknown => "UNKNOWN",
        }
    }
}

impl FromStr for SampleStatus {
    type Err = ValueError;

    /// Parses the wire spelling.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s {
            "MALICIOUS" => Ok(SampleStatus::Malicious),
            "SUSPICIOUS" => Ok(SampleStatus::Suspicious),
            "KNOWN" => Ok(SampleStatus::Known),
            "UNKNOWN" => Ok(SampleStatus::Unknown),
            _ => Err(ValueError::new(
                ValueKind::SampleStatus,
                format!("expected MALICIOUS, SUSPICIOUS, KNOWN or UNKNOWN, got {s:?}"),
            )),
        }
    }
}

/// A threat level from 1 (lowest) to 5 (highest).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ThreatLevel(u8);

impl FromStr for ThreatLevel {
    type Err = ValueError;

    /// Parses `1` to `5`.
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s.parse::<u8>() {
            Ok(n @ 1..=5) => Ok(ThreatLevel(n)),
            _ => Err(ValueError::new(ValueKind::ThreatLevel, format!("expected a threat level 1 to 5, got {s:?}"))),
        }
    }
}

impl TryFrom<u64> for ThreatLevel {
    type Error = ValueError;

    /// Takes `1` to `5`.
    fn try_from(n: u64) -> Result<Self, ValueError> {
        match n {
            1..=5 => Ok(ThreatLevel(n as u8)),
            _ => Err(ValueError::new(ValueKind::ThreatLevel, format!("expected a threat level 1 to 5, got {n}"))),
        }
    }
}

impl ThreatLevel {
    /// The level, 1 to 5.
    pub fn get(self) -> u8 {
        self.0
    }
}

impl Serialize for ThreatLevel {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

/// A publication time, kept as Unix seconds and shown as `YYYY-MM-DDThh:mm:ss+0000`,
/// the vendor's spelling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Published(i64);

impl FromStr for Published {
    type Err = ValueError;

    /// Parses an ISO 8601 time with an offset (`Z`, `+00:00` or `+0000`, fraction allowed)
    /// or a bare date `YYYY-MM-DD` (taken as midnight UTC).
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let err = || {
            ValueError::new(
                ValueKind::Published,
                format!("expected a date-time like 2025-10-10T03:51:52+0000 or a date YYYY-MM-DD, got {s:?}"),
            )
        };
        if let Ok(ts) = s.parse::<jiff::Timestamp>() {
            return Ok(Published(ts.as_second()));
        }
        if let Ok(ts) = jiff::fmt::strtime::parse("%Y-%m-%dT%H:%M:%S%z", s).and_then(|t| t.to_timestamp()) {
            return Ok(Published(ts.as_second()));
        }
        if let Ok(d) = s.parse::<jiff::civil::Date>()
            && s.len() == 10
        {
            let ts = d.to_zoned(jiff::tz::TimeZone::UTC).map_err(|_| err())?.timestamp();
            return Ok(Published(ts.as_second()));
        }
        Err(err())
    }
}

impl Published {
    /// Unix seconds.
    pub fn unix(self) -> i64 {
        self.0
    }

    /// A publication time from Unix seconds.
    pub fn from_unix(secs: i64) -> Self {
        Published(secs)
    }
}

impl fmt::Display for Published {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match jiff::Timestamp::from_second(self.0) {
            Ok(ts) => write!(f, "{}", ts.to_zoned(jiff::tz::TimeZone::UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")),
            Err(_) => write!(f, "{}", self.0),
        }
    }
}

impl Serialize for Published {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

fn opt_as_string<S: Serializer>(v: &Option<u64>, s: S) -> Result<S::Ok, S::Error> {
    match v {
        Some(n) => s.collect_str(n),
        None => s.serialize_none(),
    }
}
