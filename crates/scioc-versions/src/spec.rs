//! Curated version specifications (ToolTrust's `affected_versions`), parsed once and matched by
//! the value that was parsed, so a specification that passes validation is one the matcher
//! understands exactly.
//!
//! | ecosystem | accepted |
//! |---|---|
//! | npm | an exact version, `*`, or an npm semver range (`>=1.0.0 <2.0.0`, `^1.2`, `~1.2.3`, `1.x \|\| >=3`, `1.0.0 - 1.2.0`) |
//! | PyPI | an exact version or a PEP 440 specifier set (`>=1.0,<2.0`, `==1.*`) |
//! | crates.io | an exact version or a Cargo requirement (`>=1.0, <2`) |
//! | RubyGems, NuGet, Maven, Go | an exact version, `*`, `< X` or `<= X`, ordered by the ecosystem |
//! | others | an exact version or `*` |

use crate::{Scheme, Version};
use std::fmt;

/// A specification that does not parse, with what was expected.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected {expected}, got {text:?}")]
pub struct SpecError {
    /// The text given.
    pub text: String,
    /// What the ecosystem accepts.
    pub expected: &'static str,
}

/// A parsed version specification of one ecosystem.
#[derive(Debug, Clone)]
pub struct Spec {
    text: String,
    pub(crate) kind: Kind,
}

#[derive(Debug, Clone)]
pub(crate) enum Kind {
    Any,
    /// An exact version, compared in its scheme (or as text when the scheme is unknown).
    Exact(Option<Version>),
    Npm(node_semver::Range),
    Pep440(pep440_rs::VersionSpecifiers),
    Cargo(semver::VersionReq),
    Below {
        bound: Version,
        inclusive: bool,
    },
}

impl Spec {
    /// Parses `text` as a specification for `ecosystem`.
    pub fn parse(ecosystem: &str, text: &str) -> Result<Spec, SpecError> {
        let scheme = Scheme::of(ecosystem);
        let err = |expected| SpecError { text: text.to_owned(), expected };
        let s = text.trim();
        if s != text || s.is_empty() {
            return Err(err("a version or range without surrounding spaces"));
        }
        let spec = |kind| Ok(Spec { text: text.to_owned(), kind });
        if s == "*" {
            return spec(Kind::Any);
        }
        match ecosystem {
            "npm" => {
                const NPM: &str = "an npm version or semver range (1.2.3, >=1.0.0 <2.0.0, ^1.2, ~1.2.3)";
                if let Ok(v) = Version::parse(Scheme::Semver, s) {
                    return spec(Kind::Exact(Some(v)));
                }
                if !npm_grammar(s) {
                    return Err(err(NPM));
                }
                node_semver::Range::parse(s).map(Kind::Npm).map_or_else(|_| Err(err(NPM)), spec)
            }
            "PyPI" => {
                if let Ok(v) = Version::parse(Scheme::Pep440, s) {
                    return spec(Kind::Exact(Some(v)));
                }
                s.parse::<pep440_rs::VersionSpecifiers>()
                    .map(Kind::Pep440)
                    .map_or_else(|_| Err(err("a PEP 440 version or specifier (1.0.2, >=1.0,<2.0, ==1.*)")), spec)
            }
            "crates.io" => {
                if let Ok(v) = Version::parse(Scheme::Semver, s) {
                    return spec(Kind::Exact(Some(v)));
                }
                semver::VersionReq::parse(s)
                    .map(Kind::Cargo)
                    .map_or_else(|_| Err(err("a Cargo version or requirement (1.2.3, >=1.0, <2)")), spec)
            }
            _ if scheme == Scheme::Unknown => {
                if s.contains(|c: char| c.is_whitespace() || "<>=^~|,*".contains(c)) {
                    Err(err("an exact version or \"*\" (scioc knows no version order for this ecosystem)"))
                } else {
                    spec(Kind::Exact(None))
                }
            }
            _ => {
                const OTHER: &str = "an exact version, \"*\", \"< X\" or \"<= X\"";
                let (rest, below) = match s.strip_prefix("<=") {
                    Some(r) => (r, Some(true)),
                    None => match s.strip_prefix('<') {
                        Some(r) => (r, Some(false)),
                        None => (s, None),
                    },
                };
                let v = Version::parse(scheme, rest.trim()).map_err(|_| err(OTHER))?;
                match below {
                    Some(inclusive) => spec(Kind::Below { bound: v, inclusive }),
                    None => spec(Kind::Exact(Some(v))),
                }
            }
        }
    }

    /// Whether `version` is named by this specification. A version that does not parse in the
    /// ecosystem matches only `*` and an equal exact text.
    pub fn matches(&self, version: &str) -> bool {
        match &self.kind {
            Kind::Any => true,
            Kind::Exact(None) => self.text == version,
            Kind::Exact(Some(v)) => {
                Version::parse(scheme_of(v), version).is_ok_and(|x| &x == v) || self.text == version
            }
            Kind::Npm(r) => node_semver::Version::parse(version).is_ok_and(|v| r.satisfies(&v)),
            Kind::Pep440(s) => version.parse::<pep440_rs::Version>().is_ok_and(|v| s.contains(&v)),
            Kind::Cargo(r) => semver::Version::parse(version.trim_start_matches('v')).is_ok_and(|v| r.matches(&v)),
            Kind::Below { bound, inclusive } => Version::parse(scheme_of(bound), version)
                .is_ok_and(|v| if *inclusive { &v <= bound } else { &v < bound }),
        }
    }

    /// Whether the specification names one exact version, so the feed can announce it.
    pub fn is_concrete(&self) -> bool {
        matches!(self.kind, Kind::Exact(_))
    }

    /// Whether the specification is `*`.
    pub fn is_any(&self) -> bool {
        matches!(self.kind, Kind::Any)
    }

    /// The specification as written.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

fn scheme_of(v: &Version) -> Scheme {
    match v {
        Version::Semver(_) => Scheme::Semver,
        Version::Pep440(_) => Scheme::Pep440,
        Version::RubyGems(_) => Scheme::RubyGems,
        Version::NuGet(_) => Scheme::NuGet,
        Version::Maven(_) => Scheme::Maven,
    }
}

impl fmt::Display for Spec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// npm's range grammar, checked strictly before `node_semver` reads the range: that parser
/// is lenient (it reads `>=2.4.0 <<2.4.3` as something), and a blocklist must not guess what
/// a curator meant. No crate offers a strict check, hence this small recognizer.
fn npm_grammar(s: &str) -> bool {
    s.split("||").all(|range| {
        let range = range.trim();
        if range.is_empty() {
            return false;
        }
        if let Some((lo, hi)) = range.split_once(" - ") {
            return partial(lo.trim()) && partial(hi.trim());
        }
        let mut tokens = range.split_whitespace().peekable();
        while let Some(mut t) = tokens.next() {
            let op = ["~>", ">=", "<=", ">", "<", "=", "~", "^"].into_iter().find(|op| t.starts_with(op));
            if let Some(op) = op {
                t = &t[op.len()..];
                if t.is_empty() {
                    // `< 2.0.0`: the version is the next token.
                    match tokens.next() {
                        Some(next) => t = next,
                        None => return false,
                    }
                }
            }
            if !partial(t) {
                return false;
            }
        }
        true
    })
}

/// `1`, `1.2`, `1.2.3`, `1.x`, `*`, `1.2.3-beta.1+build`, with an optional `v` or `=`.
fn partial(s: &str) -> bool {
    let s = s.strip_prefix('=').unwrap_or(s);
    let s = s.strip_prefix('v').unwrap_or(s);
    let (core, rest) = match s.find(['-', '+']) {
        Some(i) => (&s[..i], &s[i..]),
        None => (s, ""),
    };
    let parts: Vec<&str> = core.split('.').collect();
    let numbers_ok = (1..=3).contains(&parts.len())
        && parts.iter().all(|p| {
            matches!(*p, "x" | "X" | "*") || (!p.is_empty() && p.len() <= 16 && p.bytes().all(|b| b.is_ascii_digit()))
        });
    let rest_ok = rest.is_empty()
        || (parts.len() == 3
            && rest[1..]
                .split(['.', '+'])
                .all(|id| !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')));
    numbers_ok && rest_ok
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(eco: &str, spec: &str, v: &str) -> bool {
        Spec::parse(eco, spec).unwrap_or_else(|e| panic!("{eco} {spec}: {e}")).matches(v)
    }

    #[test]
    fn npm_ranges() {
        for (spec, v, want) in [
            ("1.14.1", "1.14.1", true),
            ("1.14.1", "1.14.2", false),
            ("<1.0.0", "0.9.9", true),
            ("< 1.0.0", "0.9.9", true),
            ("<=1.0.0", "1.0.0", true),
            (">2.0.0", "2.0.1", true),
            (">=2.0.0 <3.0.0", "2.5.0", true),
            (">=2.0.0 <3.0.0", "3.0.0", false),
            ("^1.2.0", "1.9.0", true),
            ("^1.2.0", "2.0.0", false),
            ("~1.2.0", "1.2.9", true),
            ("~1.2.0", "1.3.0", false),
            ("=1.0.0", "1.0.0", true),
            ("1.x || >=3", "3.1.0", true),
            ("1.0.0 - 1.2.0", "1.1.0", true),
            ("*", "0.0.1", true),
            // npm: a pre-release matches a range only when a comparator names the same tuple.
            (">=2.4.0 <2.4.3", "2.4.3-beta.1", false),
            (">=2.4.3-beta.0 <2.4.3", "2.4.3-beta.1", true),
        ] {
            assert_eq!(m("npm", spec, v), want, "npm {spec} {v}");
        }
    }

    #[test]
    fn malformed_npm_ranges_are_refused() {
        for bad in
            [">=2.4.0 <<2.4.3", "one.two", ">=", "1.2.3.4", "^^1", "1 ||", " 1.0.0", ">=1.0.0 <2.0.0 garbage", "1.2.3-"]
        {
            assert!(Spec::parse("npm", bad).is_err(), "npm {bad:?} must be refused");
        }
    }

    #[test]
    fn other_ecosystems() {
        assert!(m("PyPI", "8.3.41", "8.3.41.0"), "PEP 440 equality");
        assert!(m("PyPI", ">=8.3.41,<8.3.47", "8.3.45") && !m("PyPI", ">=8.3.41,<8.3.47", "8.3.47"));
        assert!(m("PyPI", "0.1.2-1", "0.1.2.post1"));
        assert!(Spec::parse("PyPI", "=>1").is_err());
        assert!(m("crates.io", "^1.2", "1.4.0") && !m("crates.io", "=1.2.0", "1.2.1"));
        assert!(Spec::parse("crates.io", "x.y").is_err());
        assert!(m("RubyGems", "<= 1.6.13", "1.6.10") && !m("RubyGems", "< 1.6.10", "1.6.10"));
        assert!(m("RubyGems", "< 1.6.13", "1.6.13.pre"), "RubyGems pre-releases sort below the release");
        assert!(m("RubyGems", "3.2.0.3", "3.2.0.3") && Spec::parse("RubyGems", ">= 1").is_err());
        assert!(m("Maven", "<= 2.0", "2.0-rc1") && !m("Maven", "< 2.0", "2.0.0"));
        assert!(m("Packagist", "1.0.0", "1.0.0") && Spec::parse("Packagist", "< 2").is_err());
        let s = Spec::parse("npm", "1.14.1").unwrap();
        assert!(
            s.is_concrete()
                && !Spec::parse("npm", "^1.0.0").unwrap().is_concrete()
                && Spec::parse("npm", "*").unwrap().is_any()
        );
    }
}
