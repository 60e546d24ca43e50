//! What the console's search box understands, and how it is answered: the verdict engine's
//! verdicts and reports, and the feed's events on the same package or hash.

use scioc_model::{build_purl, ecosystem_of, parse_purl, purl_type_of};
use scioc_osv::ECOSYSTEMS;
use scioc_store::EventFilter;
use scioc_verdict::{Engine, Query, Verdict};

/// Longest search the console reads.
pub(crate) const MAX_QUERY: usize = 512;

/// One thing to look up.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Lookup {
    /// A package of one ecosystem, with its version when given.
    Package {
        /// OSV's spelling (`npm`, `PyPI`).
        ecosystem: String,
        /// The name as its ecosystem writes it (`@scope/name`, `group:artifact`).
        name: String,
        /// The version, when given.
        version: Option<String>,
    },
    /// An archive's hash.
    Hash {
        /// `md5`, `sha1`, `sha256` or `sha512`, by the hash's length.
        algorithm: &'static str,
        /// Lower-case hex.
        hex: String,
    },
}

impl Lookup {
    /// What is looked up, as a person writes it.
    pub(crate) fn display(&self) -> String {
        match self {
            Lookup::Package { ecosystem, name, version: Some(v) } => format!("{ecosystem} {name}@{v}"),
            Lookup::Package { ecosystem, name, version: None } => format!("{ecosystem} {name}"),
            Lookup::Hash { algorithm, hex } => format!("{algorithm} {hex}"),
        }
    }

    /// The canonical purl of a package lookup.
    pub(crate) fn purl(&self) -> Option<String> {
        match self {
            Lookup::Package { ecosystem, name, version } => {
                build_purl(purl_type_of(ecosystem)?, name, version.as_deref()).ok()
            }
            Lookup::Hash { .. } => None,
        }
    }

    /// The store's filter for the feed's events on the same package (every version, without
    /// one) or hash.
    pub(crate) fn events(&self) -> Option<EventFilter> {
        match self {
            Lookup::Package { .. } => self.purl().map(EventFilter::Purl),
            Lookup::Hash { algorithm: "sha256", hex } => Some(EventFilter::Sha256(hex.clone())),
            Lookup::Hash { algorithm: "sha1", hex } => Some(EventFilter::Sha1(hex.clone())),
            Lookup::Hash { algorithm: "md5", hex } => Some(EventFilter::Md5(hex.clone())),
            Lookup::Hash { .. } => None,
        }
    }
}

/// Why a search cannot be read, in a sentence that says what would be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct BadSearch(pub(crate) String);

/// Reads a search: a purl (`pkg:npm/left-pad@1.3.0`), an archive hash (32, 40, 64 or 128 hex
/// digits), or a package name with an optional version (`left-pad@1.3.0`, `requests==2.31.0`,
/// `requests 2.31.0`) in `ecosystem`, or in every ecosystem when `ecosystem` is empty.
pub(crate) fn parse(q: &str, ecosystem: &str) -> Result<Vec<Lookup>, BadSearch> {
    let q = q.trim();
    if q.len() > MAX_QUERY {
        return Err(BadSearch(format!("the search is {} bytes long; at most {MAX_QUERY} are read", q.len())));
    }
    if q.starts_with("pkg:") {
        let (ty, name, version) = parse_purl(q).ok_or_else(|| {
            BadSearch(format!("{q:?} is not a package URL; expected pkg:TYPE/NAME@VERSION, as pkg:npm/left-pad@1.3.0"))
        })?;
        let eco = ecosystem_of(&ty).ok_or_else(|| {
            BadSearch(format!("the feed knows no ecosystem of purl type {ty:?}; it knows npm, pypi, gem, cargo, golang, maven, nuget, composer, pub and hex"))
        })?;
        return Ok(vec![Lookup::Package { ecosystem: eco.to_owned(), name, version }]);
    }
    if let Some(algorithm) = hash_algorithm(q) {
        return Ok(vec![Lookup::Hash { algorithm, hex: q.to_ascii_lowercase() }]);
    }
    let (name, version) = split_version(q);
    if name.is_empty() || name.chars().chain(version.unwrap_or("").chars()).any(char::is_whitespace) {
        return Err(BadSearch(format!(
            "{q:?} is not a package; expected a name with an optional version (left-pad@1.3.0, requests==2.31.0), a purl or a hash"
        )));
    }
    let ecosystems: Vec<&str> = match ecosystem {
        "" => ECOSYSTEMS.to_vec(),
        e if ECOSYSTEMS.contains(&e) => vec![e],
        e => return Err(BadSearch(format!("unknown ecosystem {e:?}; expected one of {}", ECOSYSTEMS.join(", ")))),
    };
    Ok(ecosystems
        .into_iter()
        .map(|e| Lookup::Package {
            ecosystem: e.to_owned(),
            name: name.to_owned(),
            version: version.map(str::to_owned),
        })
        .collect())
}

/// The hash algorithm of a string of hex digits, by its length.
fn hash_algorithm(q: &str) -> Option<&'static str> {
    if !q.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    Some(match q.len() {
        32 => "md5",
        40 => "sha1",
        64 => "sha256",
        128 => "sha512",
        _ => return None,
    })
}

/// Splits `name@version`, `name==version` or `name version`; an npm scope's leading `@` is
/// part of the name.
fn split_version(q: &str) -> (&str, Option<&str>) {
    let split = q
        .split_once("==")
        .or_else(|| q.split_once(char::is_whitespace))
        .or_else(|| q.rfind('@').filter(|&i| i > 0).map(|i| (&q[..i], &q[i + 1..])));
    match split {
        Some((n, v)) if !v.trim().is_empty() => (n.trim(), Some(v.trim())),
        Some((n, _)) => (n.trim(), None),
        None => (q, None),
    }
}

/// What the engine answers for one lookup.
#[derive(Debug, Clone)]
pub(crate) struct Judged {
    /// What was looked up.
    pub(crate) lookup: Lookup,
    /// Every rule that holds it malicious.
    pub(crate) verdicts: Vec<Verdict>,
    /// The reports (record ids) that cover it, or name the package without a version.
    pub(crate) reports: Vec<String>,
}

impl Judged {
    /// Whether the engine knows anything of it.
    pub(crate) fn is_known(&self) -> bool {
        !self.verdicts.is_empty() || !self.reports.is_empty()
    }
}

/// Judges one lookup.
pub(crate) fn judge(engine: &Engine, lookup: &Lookup) -> Judged {
    let hashes: Vec<(&'static str, String)>;
    let q = match lookup {
        Lookup::Package { ecosystem, name, version } => Query::package(ecosystem, name, version.as_deref()),
        Lookup::Hash { algorithm, hex } => {
            hashes = vec![(*algorithm, hex.clone())];
            Query { hashes: &hashes, ..Query::default() }
        }
    };
    let mut reports: Vec<String> = engine.reports(&q).into_iter().filter_map(|r| r.record).collect();
    reports.dedup();
    Judged { lookup: lookup.clone(), verdicts: engine.check(&q), reports }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(ecosystem: &str, name: &str, version: Option<&str>) -> Lookup {
        Lookup::Package { ecosystem: ecosystem.into(), name: name.into(), version: version.map(Into::into) }
    }

    #[test]
    fn searches_are_read_as_a_person_writes_them() {
        assert_eq!(parse("pkg:npm/%40evil/pkg@1.0.0", "").unwrap(), vec![package("npm", "@evil/pkg", Some("1.0.0"))]);
        assert_eq!(parse(" pkg:pypi/requests ", "npm").unwrap(), vec![package("PyPI", "requests", None)]);
        assert_eq!(parse("@evil/pkg@1.0.0", "npm").unwrap(), vec![package("npm", "@evil/pkg", Some("1.0.0"))]);
        assert_eq!(parse("@evil/pkg", "npm").unwrap(), vec![package("npm", "@evil/pkg", None)]);
        assert_eq!(parse("requests==2.31.0", "PyPI").unwrap(), vec![package("PyPI", "requests", Some("2.31.0"))]);
        assert_eq!(parse("requests 2.31.0", "PyPI").unwrap(), vec![package("PyPI", "requests", Some("2.31.0"))]);
        assert_eq!(parse("requests==", "PyPI").unwrap(), vec![package("PyPI", "requests", None)]);
        assert_eq!(parse("left-pad", "").unwrap().len(), ECOSYSTEMS.len(), "every ecosystem without one");
        let sha = "AB".repeat(32);
        assert_eq!(parse(&sha, "").unwrap(), vec![Lookup::Hash { algorithm: "sha256", hex: sha.to_lowercase() }]);
        assert_eq!(parse(&"0".repeat(40), "").unwrap()[0], Lookup::Hash { algorithm: "sha1", hex: "0".repeat(40) });
    }

    #[test]
    fn what_is_not_a_search_says_what_would_be() {
        assert!(parse("pkg:", "").unwrap_err().0.contains("expected pkg:TYPE/NAME@VERSION"));
        assert!(parse("pkg:deb/debian/curl@7", "").unwrap_err().0.contains("no ecosystem of purl type \"deb\""));
        assert!(parse("left-pad", "cpan").unwrap_err().0.contains("unknown ecosystem \"cpan\""));
        assert!(parse("", "").unwrap_err().0.contains("expected a name"));
        assert!(parse("a b c", "npm").unwrap_err().0.contains("is not a package"));
        assert!(parse(&"a".repeat(MAX_QUERY + 1), "").unwrap_err().0.contains("at most 512"));
    }

    #[test]
    fn a_lookup_finds_its_events_by_purl_or_hash() {
        assert_eq!(
            package("npm", "@evil/pkg", Some("1.0.0")).events(),
            Some(EventFilter::Purl("pkg:npm/%40evil/pkg@1.0.0".into()))
        );
        assert_eq!(
            Lookup::Hash { algorithm: "md5", hex: "0".repeat(32) }.events(),
            Some(EventFilter::Md5("0".repeat(32)))
        );
        assert_eq!(Lookup::Hash { algorithm: "sha512", hex: "0".repeat(128) }.events(), None);
    }
}
