//! RubyGems versions, ordered as `Gem::Version#<=>` orders them; hand-written because no well-kept crate implements it.
//!
//! A version is read as RubyGems reads it: blank text is `0`, every `-` stands for `.pre.`, and the segments are the
//! runs of digits (numbers) and of ASCII letters (strings), so `1.0.a10` is `[1, 0, "a", 10]` and `1.0-rc1` is
//! `[1, 0, "pre", "rc", 1]`. Comparison uses the canonical segments: trailing zeros are dropped from the numbers before
//! the first string and from the segments after it, so `1.0` == `1` and `1.0.a` == `1.a`. Segments then compare
//! pairwise, the shorter side padded with `0`: numbers numerically, strings byte-wise (case-sensitive, as Ruby compares
//! strings), and a string below any number, so `1.0.a` < `1.0`. A version with a letter is a pre-release.

use std::cmp::Ordering;
use std::fmt;

/// What a RubyGems version looks like, for errors.
const EXPECTED: &str = "expected digits, then `.`-separated runs of ASCII letters and digits, then optionally `-` and \
    `.`-separated runs of letters, digits and `-` (like 1.2.3, 1.0.rc1 or 1.0-beta.2)";

/// A RubyGems version, ordered as `Gem::Version` orders it.
#[derive(Debug, Clone)]
pub struct Version {
    /// The text as given.
    text: String,
    /// The canonical segments, which decide the order.
    segments: Vec<Segment>,
    /// Whether the version has a letter once `-` reads as `.pre.`.
    prerelease: bool,
}

/// One segment of a version.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Segment {
    /// A number's digits without leading zeros, so zero is empty.
    Number(String),
    /// A run of ASCII letters.
    Letters(String),
}

impl Segment {
    /// Whether the segment is the number zero.
    fn is_zero(&self) -> bool {
        matches!(self, Segment::Number(digits) if digits.is_empty())
    }

    /// Orders two segments as `Gem::Version#<=>` does: a string is below any number.
    fn compare(&self, other: &Segment) -> Ordering {
        match (self, other) {
            (Segment::Number(a), Segment::Number(b)) => a.len().cmp(&b.len()).then_with(|| a.cmp(b)),
            (Segment::Letters(a), Segment::Letters(b)) => a.cmp(b),
            (Segment::Letters(_), Segment::Number(_)) => Ordering::Less,
            (Segment::Number(_), Segment::Letters(_)) => Ordering::Greater,
        }
    }
}

impl Version {
    /// Parses `text`; the error says what was expected.
    fn read_text(text: &str) -> Result<Version, String> {
        let trimmed = text.trim_matches(is_ruby_space);
        if trimmed.is_empty() {
            // `Gem::Version.new("")` is version 0, whose canonical segments are empty.
            return Ok(Version { text: text.to_owned(), segments: Vec::new(), prerelease: false });
        }
        if !is_well_formed(trimmed) {
            return Err(EXPECTED.to_owned());
        }
        let normalized = trimmed.replace('-', ".pre.");
        Ok(Version {
            text: text.to_owned(),
            segments: canonical(segments(&normalized)),
            prerelease: normalized.bytes().any(|b| b.is_ascii_alphabetic()),
        })
    }

    /// Whether this is a pre-release: RubyGems calls every version with a letter (or a `-`) one.
    pub fn is_prerelease(&self) -> bool {
        self.prerelease
    }
}

/// Ruby's `\s`: space, tab, line feed, vertical tab, form feed and carriage return.
fn is_ruby_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\u{b}' | '\u{c}' | '\r')
}

/// Whether non-blank text matches `Gem::Version`'s pattern,
/// `[0-9]+(\.[0-9a-zA-Z]+)*(-[0-9A-Za-z-]+(\.[0-9A-Za-z-]+)*)?`.
fn is_well_formed(text: &str) -> bool {
    let (release, pre) = match text.split_once('-') {
        Some((release, pre)) => (release, Some(pre)),
        None => (text, None),
    };
    let mut parts = release.split('.');
    parts.next().is_some_and(|first| is_run(first, |b| b.is_ascii_digit()))
        && parts.all(|part| is_run(part, |b| b.is_ascii_alphanumeric()))
        && pre.is_none_or(|pre| pre.split('.').all(|part| is_run(part, |b| b.is_ascii_alphanumeric() || b == b'-')))
}

/// Whether `part` is non-empty and made only of `allowed` bytes.
fn is_run(part: &str, allowed: impl Fn(u8) -> bool) -> bool {
    !part.is_empty() && part.bytes().all(allowed)
}

/// The segments of normalized text: its runs of digits and of ASCII letters (`/[0-9]+|[a-z]+/i`).
fn segments(normalized: &str) -> Vec<Segment> {
    let mut out = Vec::new();
    let mut rest = normalized;
    while let Some(start) = rest.find(|c: char| c.is_ascii_alphanumeric()) {
        let run = &rest[start..];
        let digits = run.starts_with(|c: char| c.is_ascii_digit());
        let end = run.find(|c: char| !c.is_ascii_alphanumeric() || c.is_ascii_digit() != digits).unwrap_or(run.len());
        let (token, tail) = run.split_at(end);
        out.push(if digits {
            Segment::Number(token.trim_start_matches('0').to_owned())
        } else {
            Segment::Letters(token.to_owned())
        });
        rest = tail;
    }
    out
}

/// `Gem::Version#canonical_segments`: trailing zeros dropped from the numbers before the first string, and from the
/// segments from that string on.
fn canonical(mut segments: Vec<Segment>) -> Vec<Segment> {
    let first_string = segments.iter().position(|s| matches!(s, Segment::Letters(_))).unwrap_or(segments.len());
    let mut rest = segments.split_off(first_string);
    drop_trailing_zeros(&mut segments);
    drop_trailing_zeros(&mut rest);
    segments.append(&mut rest);
    segments
}

/// Drops the zero segments at the end.
fn drop_trailing_zeros(segments: &mut Vec<Segment>) {
    while segments.last().is_some_and(Segment::is_zero) {
        segments.pop();
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
        let zero = Segment::Number(String::new());
        let len = self.segments.len().max(other.segments.len());
        (0..len)
            .map(|i| {
                let ours = self.segments.get(i).unwrap_or(&zero);
                ours.compare(other.segments.get(i).unwrap_or(&zero))
            })
            .find(|order| order.is_ne())
            .unwrap_or(Ordering::Equal)
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

super::version_from_str!(RubyGems);

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
    fn orders_as_gem_version() {
        assert_ascending(
            "0.0.beta 0.beta.1 1.0.a 1.0.b1 1.0.b2 1.0-rc1 1.0.rc1 1.0 1.0.0.1 1.0.1 1.8.2.a9 1.8.2.a10 1.8.2 1.9 \
             1.10 2",
        );
        // From RubyGems' own tests; strings compare case-sensitively, as Ruby's `String#<=>` does.
        assert_ascending("5.a 5.0.0.rc2 5.x");
        assert_ascending("1.A 1.a");
    }

    #[test]
    fn equal_by_canonical_segments() {
        assert_equal("1 1.0 1.0.0 1.00.0");
        assert_equal("0 0.0 0.0.0");
        assert_equal("0.beta.1 0.0.beta.1");
        assert_equal("1.0.a 1.a 1.a.0");
        assert_equal("1.01 1.1");
        assert_equal("1.0-rc1 1.0.pre.rc1");
        assert_equal("1.0a10 1.0.a.10");
        assert_eq!(v(""), v("0"));
        assert_eq!(v(" 1.0\t"), v("1"));
    }

    #[test]
    fn prerelease_means_a_letter() {
        for text in "1.0.a 1.0-1 1.A 2.9.b 1.0.0.rc1 1.2.d.42".split_whitespace() {
            assert!(v(text).is_prerelease(), "{text}");
        }
        for text in ["1.0", "", "22.1.50", "1.2.0"] {
            assert!(!v(text).is_prerelease(), "{text}");
        }
    }

    #[test]
    fn refuses_what_gem_version_refuses() {
        let garbage = "junk 1..2 1. 1- -1 1.0-rc_1 v1.0 1.0+build 1a 1.0-é";
        for text in garbage.split_whitespace().chain(["1.0 beta", "1.0\n2.0", "1 .0"]) {
            assert!(Version::from_str(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn prints_the_original_text() {
        assert_eq!(v("1.0-rc1").to_string(), "1.0-rc1");
    }
}
