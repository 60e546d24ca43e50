//! NuGet versions, ordered as NuGet.Versioning orders `NuGetVersion`; hand-written because no well-kept crate has it.
//!
//! A version is one to four `.`-separated numbers below 2^31 (leading zeros allowed, missing ones 0, so `1.0` ==
//! `1.0.0.0`), then optionally `-` and `.`-separated release labels of ASCII letters, digits and `-` (a numeric label
//! has no leading zero), then optionally `+` and build metadata, checked the same way but never ordered. Numbers
//! compare first; then a version without labels is above one with labels; labels compare pairwise, a label that reads
//! as a 32-bit integer numerically and below any other label, the others ordinally ignoring ASCII case; when all
//! shared labels are equal, fewer labels is lower.

use std::cmp::Ordering;
use std::fmt;

/// A NuGet version, ordered as NuGet.Versioning orders it.
#[derive(Debug, Clone)]
pub struct Version {
    /// The text as given.
    text: String,
    /// Major, minor, patch and revision.
    numbers: [i32; 4],
    /// The release labels, empty for a release.
    labels: Vec<Label>,
}

/// One release label, in label order: numeric labels sort before the others.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Label {
    /// A label that reads as a 32-bit integer, as `Int32.TryParse` reads it.
    Numeric(i32),
    /// Any other label, upper-cased so that it compares ignoring case.
    Text(String),
}

impl Version {
    /// Parses `text`; the error says what was expected.
    fn read_text(text: &str) -> Result<Version, String> {
        let (rest, metadata) = split(text.trim(), '+');
        let (numbers, labels) = split(rest, '-');
        let numbers = parse_numbers(numbers)?;
        let labels = labels.map(parse_labels).transpose()?.unwrap_or_default();
        if let Some(metadata) = metadata {
            check_metadata(metadata)?;
        }
        Ok(Version { text: text.to_owned(), numbers, labels })
    }

    /// Whether this is a pre-release: NuGet calls every version with a release label one.
    pub fn is_prerelease(&self) -> bool {
        !self.labels.is_empty()
    }
}

/// Splits `text` at the first `separator`.
fn split(text: &str, separator: char) -> (&str, Option<&str>) {
    match text.split_once(separator) {
        Some((head, tail)) => (head, Some(tail)),
        None => (text, None),
    }
}

/// Major, minor, patch and revision; missing ones are 0.
fn parse_numbers(text: &str) -> Result<[i32; 4], String> {
    let parts: Vec<&str> = text.split('.').collect();
    if parts.len() > 4 {
        return Err(format!("expected at most four `.`-separated numbers, found {}", parts.len()));
    }
    let mut numbers = [0; 4];
    for (number, part) in numbers.iter_mut().zip(parts) {
        *number = parse_number(part)?;
    }
    Ok(numbers)
}

/// One number: ASCII digits, below 2^31 (`System.Version` holds `int`s).
fn parse_number(part: &str) -> Result<i32, String> {
    if part.is_empty() || !part.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected one to four `.`-separated numbers (like 1.2.3), found {part:?}"));
    }
    part.parse().map_err(|_| format!("expected a number below 2147483648, found {part}"))
}

/// Release labels: `.`-separated, each made of letters, digits and `-`, a numeric one without a leading zero.
fn parse_labels(text: &str) -> Result<Vec<Label>, String> {
    text.split('.').map(parse_label).collect()
}

/// One release label.
fn parse_label(label: &str) -> Result<Label, String> {
    if !is_identifier(label) {
        return Err(format!("expected `.`-separated release labels of ASCII letters, digits and `-`, found {label:?}"));
    }
    if label.len() > 1 && label.starts_with('0') && label.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a numeric release label without a leading zero, found {label:?}"));
    }
    Ok(label.parse::<i32>().map_or_else(|_| Label::Text(label.to_ascii_uppercase()), Label::Numeric))
}

/// Whether `part` is non-empty and made of ASCII letters, digits and `-`.
fn is_identifier(part: &str) -> bool {
    !part.is_empty() && part.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
}

/// Build metadata: `.`-separated parts of ASCII letters, digits and `-`. It never affects the order.
fn check_metadata(text: &str) -> Result<(), String> {
    if text.split('.').all(is_identifier) {
        Ok(())
    } else {
        Err(format!("expected `.`-separated build metadata of ASCII letters, digits and `-` after `+`, found {text:?}"))
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for Version {}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Version) -> Ordering {
        self.numbers
            .cmp(&other.numbers)
            // A release (no labels) is above any pre-release of the same numbers.
            .then_with(|| self.labels.is_empty().cmp(&other.labels.is_empty()))
            .then_with(|| self.labels.cmp(&other.labels))
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

super::version_from_str!(NuGet);

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn v(text: &str) -> Version {
        Version::from_str(text).unwrap_or_else(|e| panic!("{text:?}: {e}"))
    }

    fn assert_ascending(versions: &str) {
        super::super::order_tests::ascending(v, versions);
    }

    fn assert_equal(versions: &str) {
        super::super::order_tests::equal(v, versions);
    }

    #[test]
    fn orders_as_nuget_versioning() {
        // `2147483648` is too big for an `int`, so NuGet compares it as text, and digits sort before letters.
        assert_ascending(
            "1.0.0-2 1.0.0-10 1.0.0-2147483648 1.0.0-alpha 1.0.0-alpha.1 1.0.0-alpha.beta 1.0.0-beta 1.0.0-beta.2 \
             1.0.0-beta.11 1.0.0-rc.1 1.0.0 1.0.0.1 1.0.1 1.1 2.0.0-0 2.0.0 10.0",
        );
    }

    #[test]
    fn equal_ignoring_missing_parts_case_and_metadata() {
        assert_equal("1 1.0 1.0.0 1.0.0.0 1.0.0+build 01.0.00 1.0.0+build.2");
        assert_equal("1.0.0-ALPHA 1.0.0-alpha 1.0-Alpha+x");
        assert_equal("1.0.0-rc.1+abc 1.0.0-RC.1+def.1 1.0.0.0-rc.1");
        assert_equal("01.002.0003 1.2.3");
        assert_equal("1.0.0-Beta-Two 1.0.0-beta-two");
        assert_eq!(v(" 1.0.0 "), v("1.0.0"));
    }

    #[test]
    fn prerelease_means_a_release_label() {
        for text in ["1.0.0-alpha", "1.0.0-0", "1.0-rc.1+meta"] {
            assert!(v(text).is_prerelease(), "{text}");
        }
        for text in ["1.0.0", "1.0.0+meta", "1.0"] {
            assert!(!v(text).is_prerelease(), "{text}");
        }
    }

    #[test]
    fn refuses_what_nuget_refuses() {
        let garbage = "a.b 1..2 1.2.3.4.5 1.0.0- 1.0.0-beta..1 1.0.0-01 1.0.0+ 1.0.0+a..b 1.0.0+meta+more \
                       1.0.0-beta_1 -1.0 v1.0 2147483648.0 1.0.0-é +1.0";
        for text in garbage.split_whitespace().chain(["", " ", "1.0 beta"]) {
            assert!(Version::from_str(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn prints_the_original_text() {
        assert_eq!(v("1.0.0-ALPHA+x").to_string(), "1.0.0-ALPHA+x");
    }
}
