//! Feed time: whole UTC seconds since the Unix epoch, never before the feed epoch.

use jiff::{
    Span, Timestamp,
    civil::{Date, DateTime},
};
use std::fmt;

/// The first second the feed can hold: 2011-03-29T00:00:00 UTC.
pub const FEED_EPOCH: FeedTime = FeedTime(1_301_356_800);

/// The last second the `utc` spelling can show: 9999-12-31T23:59:59 UTC.
pub const LAST_TIME: FeedTime = FeedTime(253_402_300_799);

/// 1970-01-01, day 0 of Unix time.
const UNIX_DAY_ZERO: Date = Date::constant(1970, 1, 1);

/// How long, as people write it: `90s`, `30m`, `24h`, `7d`, `2w`, or combined (`1h 30m`),
/// through jiff's friendly duration format. Months and years are refused: their length
/// depends on the date.
pub fn parse_duration(s: &str) -> Result<std::time::Duration, TimeError> {
    let expected = || TimeError::Malformed { expected: "a duration like 90s, 30m, 24h, 7d or 2w", got: s.to_owned() };
    let span: Span = s.trim().parse().map_err(|_| expected())?;
    let signed = span.to_duration(jiff::SpanRelativeTo::days_are_24_hours()).map_err(|_| expected())?;
    std::time::Duration::try_from(signed).map_err(|_| expected())
}

/// A feed time in whole UTC seconds since 1970-01-01T00:00:00.
///
/// The wire spells it two ways: `utc` (`YYYY-MM-DDThh:mm:ss`, no zone, no fraction) and
/// `timestamp` (decimal Unix seconds).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FeedTime(i64);

/// Why a time was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TimeError {
    /// Not in the expected spelling.
    #[error("expected {expected}, got {got:?}")]
    Malformed {
        /// The spelling that was expected.
        expected: &'static str,
        /// What was given.
        got: String,
    },
    /// Before 2011-03-29T00:00:00, where the feed begins.
    #[error("{0} is before the feed epoch 2011-03-29T00:00:00")]
    BeforeEpoch(FeedTime),
    /// Later than the current time.
    #[error("{0} is in the future (now is {1})")]
    InFuture(FeedTime, FeedTime),
    /// After 9999-12-31T23:59:59, the last time the `utc` spelling can show.
    #[error("{0} seconds is after 9999-12-31T23:59:59, the last time scioc spells")]
    AfterEnd(i64),
}

impl FeedTime {
    /// A time from Unix seconds, unchecked against the feed epoch.
    pub const fn from_unix(secs: i64) -> Self {
        FeedTime(secs)
    }

    /// The current time, truncated to whole seconds.
    pub fn now() -> Self {
        FeedTime(Timestamp::now().as_second())
    }

    /// Unix seconds.
    pub const fn unix(self) -> i64 {
        self.0
    }

    /// This time plus `secs` seconds (negative to go back), saturating.
    pub const fn add_secs(self, secs: i64) -> Self {
        FeedTime(self.0.saturating_add(secs))
    }

    /// Parses the `utc` spelling, exactly `YYYY-MM-DDThh:mm:ss`.
    pub fn parse_utc(s: &str) -> Result<Self, TimeError> {
        let malformed = || TimeError::Malformed { expected: "a UTC time YYYY-MM-DDThh:mm:ss", got: s.to_owned() };
        let b = s.as_bytes();
        let shape_ok = b.len() == 19
            && b.iter().enumerate().all(|(i, c)| match i {
                4 | 7 => *c == b'-',
                10 => *c == b'T',
                13 | 16 => *c == b':',
                _ => c.is_ascii_digit(),
            });
        // A leap second ("…:60") is no UTC second a feed event can have.
        if !shape_ok || &s[17..] > "59" {
            return Err(malformed());
        }
        let dt: DateTime = s.parse().map_err(|_| malformed())?;
        // Days since 1970 from the civil date, not through jiff's `Timestamp`, whose range
        // ends a day early (at 9999-12-30T22:00:00) to leave room for time zones.
        let days = UNIX_DAY_ZERO.until(dt.date()).map_err(|_| malformed())?.get_days();
        let t = dt.time();
        let secs =
            i64::from(days) * 86_400 + i64::from(t.hour()) * 3600 + i64::from(t.minute()) * 60 + i64::from(t.second());
        Ok(FeedTime(secs))
    }

    /// Parses the `timestamp` spelling: decimal Unix seconds, no sign, no fraction.
    pub fn parse_timestamp(s: &str) -> Result<Self, TimeError> {
        let malformed = || TimeError::Malformed { expected: "Unix seconds (digits only)", got: s.to_owned() };
        if s.is_empty() || s.len() > 12 || !s.bytes().all(|c| c.is_ascii_digit()) {
            return Err(malformed());
        }
        let secs: i64 = s.parse().map_err(|_| malformed())?;
        // Only times the `utc` spelling can show are times; anything past would be echoed as
        // raw seconds.
        if secs > LAST_TIME.0 {
            return Err(TimeError::AfterEnd(secs));
        }
        Ok(FeedTime(secs))
    }

    /// Parses either spelling: Unix seconds when the string is all digits, else `utc`.
    pub fn parse_any(s: &str) -> Result<Self, TimeError> {
        if !s.is_empty() && s.bytes().all(|c| c.is_ascii_digit()) {
            Self::parse_timestamp(s)
        } else {
            Self::parse_utc(s).map_err(|_| TimeError::Malformed {
                expected: "Unix seconds or a UTC time YYYY-MM-DDThh:mm:ss",
                got: s.to_owned(),
            })
        }
    }

    /// A point in time as people write one, everywhere scioc reads one (`--since`, `?since=`):
    /// how long before `now` ([`parse_duration`]: `90s`, `30m`, `24h`, `7d`, `2w`, `1h 30m`),
    /// Unix seconds, `YYYY-MM-DDThh:mm:ss` (UTC), a date `YYYY-MM-DD` (midnight UTC), or a
    /// date-time with an offset (`2025-10-10T03:51:52+00:00`).
    pub fn parse_since(s: &str, now: FeedTime) -> Result<Self, TimeError> {
        let t = s.trim();
        if let Ok(d) = parse_duration(t) {
            return Ok(now.add_secs(-i64::try_from(d.as_secs()).unwrap_or(i64::MAX)));
        }
        if let Ok(at) = Self::parse_any(t) {
            return Ok(at);
        }
        if let Ok(p) = t.parse::<crate::Published>() {
            return Ok(FeedTime(p.unix()));
        }
        Err(TimeError::Malformed {
            expected: "a duration like 24h, 7d or 90m, Unix seconds, YYYY-MM-DDThh:mm:ss (UTC) or a date YYYY-MM-DD",
            got: s.to_owned(),
        })
    }

    /// Refuses a time before [`FEED_EPOCH`].
    pub fn check_epoch(self) -> Result<Self, TimeError> {
        if self < FEED_EPOCH { Err(TimeError::BeforeEpoch(self)) } else { Ok(self) }
    }

    /// Refuses a time before [`FEED_EPOCH`] or after `now`.
    pub fn check_in_feed(self, now: FeedTime) -> Result<Self, TimeError> {
        self.check_epoch()?;
        if self > now { Err(TimeError::InFuture(self, now)) } else { Ok(self) }
    }

    /// The `utc` spelling, `YYYY-MM-DDThh:mm:ss`.
    pub fn to_utc_string(self) -> String {
        let (days, secs) = (self.0.div_euclid(86_400), self.0.rem_euclid(86_400));
        let date = i32::try_from(days).ok().and_then(|d| UNIX_DAY_ZERO.checked_add(Span::new().days(d)).ok());
        match date {
            Some(date) => {
                format!("{}T{:02}:{:02}:{:02}", date.strftime("%Y-%m-%d"), secs / 3600, secs % 3600 / 60, secs % 60)
            }
            // Out of the calendar's range only for absurd values, which parsing never produces.
            None => self.0.to_string(),
        }
    }
}

impl fmt::Display for FeedTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_utc_string())
    }
}

#[cfg(test)]
mod since_tests {
    use super::*;

    /// Issue 28: `--since 24h` worked and `?since=24h` was a 400; one parser serves both.
    #[test]
    fn every_spelling_of_a_point_in_time_reads_the_same_everywhere() {
        let now = FeedTime::from_unix(1_800_000_000);
        for (text, want) in [
            ("24h", 1_800_000_000 - 86_400),
            ("1h 30m", 1_800_000_000 - 5_400),
            ("2w", 1_800_000_000 - 14 * 86_400),
            ("1700000000", 1_700_000_000),
            ("2025-06-04T10:00:00", 1_749_031_200),
            ("2025-06-04", 1_748_995_200),
            ("2025-06-04T12:00:00+02:00", 1_749_031_200),
        ] {
            assert_eq!(FeedTime::parse_since(text, now).map(FeedTime::unix), Ok(want), "{text}");
        }
        let e = FeedTime::parse_since("yesterday", now).unwrap_err().to_string();
        assert!(e.contains("24h") && e.contains("yesterday") && e.matches("expected").count() == 1, "{e}");
        assert!(parse_duration("1 month").is_err(), "a month has no fixed length");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn epoch_is_2011_03_29() {
        assert_eq!(FEED_EPOCH.to_utc_string(), "2011-03-29T00:00:00");
        assert_eq!(FeedTime::parse_utc("2011-03-29T00:00:00").unwrap(), FEED_EPOCH);
    }

    #[test]
    fn utc_round_trips_and_is_strict() {
        let t = FeedTime::parse_utc("2025-10-10T03:51:52").unwrap();
        assert_eq!(t.unix(), 1_760_068_312);
        assert_eq!(t.to_utc_string(), "2025-10-10T03:51:52");
        for bad in [
            "2025-10-10 03:51:52",
            "2025-10-10T03:51:52Z",
            "2025-1-10T03:51:52",
            "2025-13-10T03:51:52",
            "2025-02-30T00:00:00",
            "",
            "x",
        ] {
            assert!(FeedTime::parse_utc(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn timestamp_is_digits_only() {
        assert_eq!(FeedTime::parse_timestamp("1760068312").unwrap().unix(), 1_760_068_312);
        for bad in ["-1", "1.5", "", "12a", "99999999999999", "253402300800"] {
            assert!(FeedTime::parse_timestamp(bad).is_err(), "{bad} accepted");
        }
        assert!(matches!(FeedTime::parse_timestamp("253402300800"), Err(TimeError::AfterEnd(_))));
    }

    /// Found by schemathesis: the last day of year 9999 was refused as "malformed" (jiff's
    /// `Timestamp` ends at 9999-12-30T22:00:00); found by hand: a leap second was accepted.
    #[test]
    fn the_whole_calendar_through_9999_and_no_leap_seconds() {
        for (utc, unix) in [
            ("9999-12-31T23:59:59", 253_402_300_799),
            ("9999-12-30T22:00:01", 253_402_207_201),
            ("1970-01-01T00:00:00", 0),
            ("2024-02-29T12:34:56", 1_709_210_096),
        ] {
            assert_eq!(FeedTime::parse_utc(utc).unwrap().unix(), unix, "{utc}");
            assert_eq!(FeedTime::from_unix(unix).to_utc_string(), utc);
            assert_eq!(FeedTime::parse_timestamp(&unix.to_string()).unwrap().unix(), unix);
        }
        assert_eq!(FeedTime::from_unix(-1).to_utc_string(), "1969-12-31T23:59:59");
        for bad in ["2020-01-01T12:30:60", "2016-12-31T23:59:60", "2020-01-01T12:30:99"] {
            assert!(FeedTime::parse_utc(bad).is_err(), "{bad} accepted");
        }
    }

    #[test]
    fn feed_window_is_enforced() {
        let now = FeedTime::parse_utc("2026-01-01T00:00:00").unwrap();
        assert!(matches!(
            FeedTime::parse_utc("2011-03-28T23:59:59").unwrap().check_in_feed(now),
            Err(TimeError::BeforeEpoch(_))
        ));
        assert!(matches!(now.add_secs(1).check_in_feed(now), Err(TimeError::InFuture(..))));
        assert!(now.check_in_feed(now).is_ok());
    }
}
