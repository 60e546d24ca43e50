//! One ecosystem's versions, in that ecosystem's order.

/// `FromStr` for a hand-written scheme's `Version`, from its `read_text` (whose error says
/// what was expected), failing as [`VersionError::Invalid`] of `$scheme`.
macro_rules! version_from_str {
    ($scheme:ident) => {
        impl std::str::FromStr for Version {
            type Err = super::VersionError;

            fn from_str(text: &str) -> Result<Version, super::VersionError> {
                Version::read_text(text).map_err(|why| super::VersionError::Invalid {
                    text: text.to_owned(),
                    scheme: super::Scheme::$scheme.name(),
                    why,
                })
            }
        }
    };
}
use version_from_str;

mod maven;
mod nuget;
mod rubygems;

use std::cmp::Ordering;
use std::fmt;

/// How an ecosystem orders its versions.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scheme {
    /// SemVer 2.0 precedence (npm, crates.io, Go without its `v`, and every OSV `SEMVER` range).
    Semver,
    /// PEP 440 (PyPI).
    Pep440,
    /// `Gem::Version` (RubyGems).
    RubyGems,
    /// NuGet's `NuGetVersion`.
    NuGet,
    /// Maven's `ComparableVersion`.
    Maven,
    /// An ecosystem whose order scioc does not know: versions compare only for equality.
    Unknown,
}

impl Scheme {
    /// The scheme of an ecosystem, spelled as OSV spells it (`npm`, `PyPI`, `crates.io`, …).
    pub fn of(ecosystem: &str) -> Scheme {
        match ecosystem.split(':').next().unwrap_or_default() {
            "npm" | "crates.io" | "Go" => Scheme::Semver,
            "PyPI" => Scheme::Pep440,
            "RubyGems" => Scheme::RubyGems,
            "NuGet" => Scheme::NuGet,
            "Maven" => Scheme::Maven,
            _ => Scheme::Unknown,
        }
    }

    /// The scheme's name, for messages.
    pub fn name(self) -> &'static str {
        match self {
            Scheme::Semver => "SemVer",
            Scheme::Pep440 => "PEP 440",
            Scheme::RubyGems => "RubyGems",
            Scheme::NuGet => "NuGet",
            Scheme::Maven => "Maven",
            Scheme::Unknown => "an unknown ordering",
        }
    }
}

/// A version that cannot be ordered.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum VersionError {
    /// The text is not a version of the scheme.
    #[error("{text:?} is not a {scheme} version: {why}")]
    Invalid {
        /// The text.
        text: String,
        /// The scheme's name.
        scheme: &'static str,
        /// What was expected.
        why: String,
    },
    /// scioc knows no order for the ecosystem.
    #[error("no version order is known for this ecosystem, so {0:?} cannot be placed in a range")]
    NoOrdering(String),
}

/// A version of one scheme. Versions of different schemes do not compare.
#[derive(Debug, Clone)]
pub enum Version {
    /// SemVer 2.0 (build metadata ignored, as SemVer's precedence ignores it).
    Semver(semver::Version),
    /// PEP 440.
    Pep440(pep440_rs::Version),
    /// RubyGems.
    RubyGems(rubygems::Version),
    /// NuGet.
    NuGet(nuget::Version),
    /// Maven.
    Maven(maven::Version),
}

impl Version {
    /// Parses `text` as a version of `scheme`.
    pub fn parse(scheme: Scheme, text: &str) -> Result<Version, VersionError> {
        let invalid = |why: String| VersionError::Invalid { text: text.to_owned(), scheme: scheme.name(), why };
        let t = text.trim();
        match scheme {
            Scheme::Semver => {
                // Go's and some lockfiles' leading `v` is not part of the version.
                let bare = t.strip_prefix('v').unwrap_or(t);
                let mut v = semver::Version::parse(bare).map_err(|e| invalid(e.to_string()))?;
                v.build = semver::BuildMetadata::EMPTY;
                Ok(Version::Semver(v))
            }
            Scheme::Pep440 => t.parse::<pep440_rs::Version>().map(Version::Pep440).map_err(|e| invalid(e.to_string())),
            Scheme::RubyGems => t.parse().map(Version::RubyGems),
            Scheme::NuGet => t.parse().map(Version::NuGet),
            Scheme::Maven => t.parse().map(Version::Maven),
            Scheme::Unknown => Err(VersionError::NoOrdering(text.to_owned())),
        }
    }

    /// Whether the version is a pre-release by its ecosystem's rules.
    pub fn is_prerelease(&self) -> bool {
        match self {
            Version::Semver(v) => !v.pre.is_empty(),
            Version::Pep440(v) => v.any_prerelease(),
            Version::RubyGems(v) => v.is_prerelease(),
            Version::NuGet(v) => v.is_prerelease(),
            Version::Maven(v) => v.is_prerelease(),
        }
    }
}

impl PartialEq for Version {
    fn eq(&self, other: &Version) -> bool {
        self.partial_cmp(other) == Some(Ordering::Equal)
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Version) -> Option<Ordering> {
        Some(match (self, other) {
            (Version::Semver(a), Version::Semver(b)) => a.cmp(b),
            (Version::Pep440(a), Version::Pep440(b)) => a.cmp(b),
            (Version::RubyGems(a), Version::RubyGems(b)) => a.cmp(b),
            (Version::NuGet(a), Version::NuGet(b)) => a.cmp(b),
            (Version::Maven(a), Version::Maven(b)) => a.cmp(b),
            _ => return None,
        })
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Version::Semver(v) => v.fmt(f),
            Version::Pep440(v) => v.fmt(f),
            Version::RubyGems(v) => v.fmt(f),
            Version::NuGet(v) => v.fmt(f),
            Version::Maven(v) => v.fmt(f),
        }
    }
}

/// Table checks shared by each ordering's tests.
#[cfg(test)]
mod order_tests {
    use std::fmt::Debug;

    /// Checks that the whitespace-separated versions ascend strictly, every pair of them.
    pub(super) fn ascending<V: Ord + Debug>(parse: impl Fn(&str) -> V, versions: &str) {
        let versions: Vec<&str> = versions.split_whitespace().collect();
        for (i, low) in versions.iter().enumerate() {
            for high in &versions[i + 1..] {
                assert!(parse(low) < parse(high), "{low} < {high}");
                assert!(parse(high) > parse(low) && parse(low) != parse(high), "{high} > {low}");
            }
        }
    }

    /// Checks that the whitespace-separated versions are all equal.
    pub(super) fn equal<V: Ord + Debug>(parse: impl Fn(&str) -> V, versions: &str) {
        for a in versions.split_whitespace() {
            for b in versions.split_whitespace() {
                assert_eq!(parse(a), parse(b), "{a} == {b}");
                assert_eq!(parse(a).cmp(&parse(b)), std::cmp::Ordering::Equal, "{a} == {b}");
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lt(scheme: Scheme, a: &str, b: &str) -> bool {
        Version::parse(scheme, a).unwrap() < Version::parse(scheme, b).unwrap()
    }

    #[test]
    fn each_scheme_orders_its_own_way() {
        // SemVer: pre-releases before the release, numeric identifiers numerically.
        assert!(lt(Scheme::Semver, "1.2.11-beta.2", "1.2.11-beta.10"));
        assert!(lt(Scheme::Semver, "1.2.11-rc.1", "1.2.11"));
        assert!(lt(Scheme::Semver, "1.9.0", "1.10.0"));
        assert_eq!(
            Version::parse(Scheme::Semver, "1.0.0+build.5").unwrap(),
            Version::parse(Scheme::Semver, "1.0.0").unwrap()
        );
        assert_eq!(Version::parse(Scheme::Semver, "v1.4.0").unwrap(), Version::parse(Scheme::Semver, "1.4.0").unwrap());
        // PEP 440: dev < pre < release < post; 1.0 == 1.0.0.
        assert!(lt(Scheme::Pep440, "1.0.dev1", "1.0a1") && lt(Scheme::Pep440, "1.0a1", "1.0rc1"));
        assert!(lt(Scheme::Pep440, "1.0rc1", "1.0") && lt(Scheme::Pep440, "1.0", "1.0.post1"));
        assert_eq!(Version::parse(Scheme::Pep440, "1.0").unwrap(), Version::parse(Scheme::Pep440, "1.0.0").unwrap());
        assert!(Version::parse(Scheme::Pep440, "2.0b3").unwrap().is_prerelease());
        // RubyGems, NuGet and Maven have their own modules' tables; one case each here.
        assert!(lt(Scheme::RubyGems, "1.0.a", "1.0"));
        assert!(lt(Scheme::NuGet, "1.0.0-alpha", "1.0.0"));
        assert!(lt(Scheme::Maven, "1.0-SNAPSHOT", "1.0"));
        assert!(Version::parse(Scheme::Semver, "1.x").is_err());
        assert!(matches!(Version::parse(Scheme::Unknown, "1.0"), Err(VersionError::NoOrdering(_))));
    }

    #[test]
    fn schemes_do_not_compare_with_each_other() {
        let a = Version::parse(Scheme::Semver, "1.0.0").unwrap();
        let b = Version::parse(Scheme::Pep440, "1.0.0").unwrap();
        assert_eq!(a.partial_cmp(&b), None);
    }
}
