//! The three kinds of feed event.

use crate::{ValueError, ValueKind};
use serde::{Deserialize, Serialize};
use std::{fmt, str::FromStr};

/// What an event announces.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "clap", derive(clap::ValueEnum))]
pub enum EventType {
    /// A confirmed malicious package or file.
    #[serde(rename = "NEW_MALICIOUS")]
    #[cfg_attr(feature = "clap", value(name = "NEW_MALICIOUS"))]
    NewMalicious,
    /// A previously flagged sample reclassified as not malicious (a false positive).
    #[serde(rename = "FP")]
    #[cfg_attr(feature = "clap", value(name = "FP"))]
    FalsePositive,
    /// A sample reclassified under a new threat name.
    #[serde(rename = "NEW_THREAT_NAME")]
    #[cfg_attr(feature = "clap", value(name = "NEW_THREAT_NAME"))]
    NewThreatName,
}

impl EventType {
    /// Every event type, in wire spelling order.
    pub const ALL: [EventType; 3] = [EventType::NewMalicious, EventType::FalsePositive, EventType::NewThreatName];

    /// The wire spelling: `NEW_MALICIOUS`, `FP` or `NEW_THREAT_NAME`.
    pub fn as_str(self) -> &'static str {
        match self {
            EventType::NewMalicious => "NEW_MALICIOUS",
            EventType::FalsePositive => "FP",
            EventType::NewThreatName => "NEW_THREAT_NAME",
        }
    }
}

impl fmt::Display for EventType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for EventType {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, ValueError> {
        EventType::ALL.into_iter().find(|t| t.as_str() == s).ok_or_else(|| {
            ValueError::new(
                ValueKind::EventType,
                format!("expected one of NEW_MALICIOUS, FP, NEW_THREAT_NAME, got {s:?}"),
            )
        })
    }
}
