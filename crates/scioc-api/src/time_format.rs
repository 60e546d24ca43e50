//! The `{time_format}` path segment: `utc` or `timestamp`.

use scioc_model::{FeedTime, TimeError};
use std::str::FromStr;

/// How a time is spelled in a path and in `last_timestamp`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TimeFormat {
    /// `YYYY-MM-DDThh:mm:ss`, UTC.
    Utc,
    /// Unix seconds.
    Timestamp,
}

/// An unknown `time_format` segment.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown time_format {0:?}; expected utc or timestamp")]
pub struct TimeFormatError(pub String);

impl TimeFormat {
    /// Parses a time in this format.
    pub fn parse(self, s: &str) -> Result<FeedTime, TimeError> {
        match self {
            TimeFormat::Utc => FeedTime::parse_utc(s),
            TimeFormat::Timestamp => FeedTime::parse_timestamp(s),
        }
    }

    /// Spells a time in this format.
    pub fn format(self, t: FeedTime) -> String {
        match self {
            TimeFormat::Utc => t.to_utc_string(),
            TimeFormat::Timestamp => t.unix().to_string(),
        }
    }

    /// The path spelling.
    pub fn as_str(self) -> &'static str {
        match self {
            TimeFormat::Utc => "utc",
            TimeFormat::Timestamp => "timestamp",
        }
    }
}

impl FromStr for TimeFormat {
    type Err = TimeFormatError;

    fn from_str(s: &str) -> Result<Self, TimeFormatError> {
        match s {
            "utc" => Ok(TimeFormat::Utc),
            "timestamp" => Ok(TimeFormat::Timestamp),
            _ => Err(TimeFormatError(s.to_owned())),
        }
    }
}
