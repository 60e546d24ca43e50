//! Validation: [`RawEntry`] → [`Entry`].
//!
//! Every check names the field it refused and what it expected.
//! Text fields must be non-empty, free of control characters (they could not be written as
//! XML 1.0) and of bounded length.

use crate::{
    Entry, EntryFields, EventType, FieldError, Identity, Md5, Published, RawEntry, RawIdentity, RawSample, Sample,
    SampleStatus, Sha1, Sha256, Sha512, ThreatLevel,
};
use std::str::FromStr;

/// Longest accepted text field, in bytes.
const MAX_TEXT: usize = 4096;
/// Most samples accepted in one entry: an event is sent whole to every client that pulls its
/// page, so it stays small (an archive of 100,000 files lists its first files and says how many
/// it left out; see `Provenance::omitted_files`).
pub const MAX_SAMPLES: usize = 1000;

impl TryFrom<RawEntry> for Entry {
    type Error = FieldError;

    fn try_from(raw: RawEntry) -> Result<Self, FieldError> {
        let event_type = match raw.event_type.as_deref() {
            None => {
                return Err(FieldError::new("event_type", "missing; expected NEW_MALICIOUS, FP or NEW_THREAT_NAME"));
            }
            Some(s) => EventType::from_str(s).map_err(|m| FieldError::new("event_type", m.to_string()))?,
        };
        let identity = match raw.identity {
            Some(raw) => Some(identity(raw).map_err(|e| e.within("identity"))?).filter(|i| !i.is_empty()),
            None => None,
        };
        let raw_samples = raw.sample_list.unwrap_or_default();
        if raw_samples.len() > MAX_SAMPLES {
            return Err(FieldError::new(
                "sample_list",
                format!("at most {MAX_SAMPLES} samples, got {}", raw_samples.len()),
            ));
        }
        let sample_list = raw_samples
            .into_iter()
            .enumerate()
            .map(|(i, s)| sample(s).map_err(|e| e.within(&format!("sample_list[{i}]"))))
            .collect::<Result<Vec<_>, _>>()?;
        let entry = EntryFields {
            event_type,
            md5: opt(raw.md5, "md5", |s| Md5::from_str(&s))?,
            sha1: opt(raw.sha1, "sha1", |s| Sha1::from_str(&s))?,
            sha256: opt(raw.sha256, "sha256", |s| Sha256::from_str(&s))?,
            sha512: opt(raw.sha512, "sha512", |s| Sha512::from_str(&s))?,
            filename: opt(raw.filename, "filename", filename)?,
            sample_size: opt(raw.sample_size.map(|v| v.to_text()), "sample_size", size)?,
            source_url: opt(raw.source_url, "source_url", url)?,
            identity,
            sample_list,
        };
        let identified = entry.md5.is_some()
            || entry.sha1.is_some()
            || entry.sha256.is_some()
            || entry.sha512.is_some()
            || entry.identity.as_ref().is_some_and(|i| i.purl.is_some() || i.package.is_some());
        if !identified {
            return Err(FieldError::new(
                "entry",
                "names nothing; expected at least one of md5, sha1, sha256, sha512, identity.purl, identity.package",
            ));
        }
        Ok(Entry(entry))
    }
}

fn identity(raw: RawIdentity) -> Result<Identity, FieldError> {
    let community = opt(raw.community, "community", text)?;
    let version = opt(raw.version, "version", text)?;
    let purl = match raw.purl {
        Some(p) => Some(purl(&p, community.as_deref(), version.as_deref()).map_err(|m| FieldError::new("purl", m))?),
        None => None,
    };
    let namespace = opt(raw.namespace, "namespace", text)?;
    let package = opt(raw.package, "package", text)?;
    if let (Some(p), Some(name)) = (&purl, &package) {
        package_matches(p, namespace.as_deref(), name).map_err(|m| FieldError::new("package", m))?;
    }
    Ok(Identity {
        purl,
        community,
        namespace,
        package,
        product: opt(raw.product, "product", text)?,
        version,
        artifact: opt(raw.artifact, "artifact", text)?,
        homepage: opt(raw.homepage, "homepage", url)?,
        repository: opt(raw.repository, "repository", url)?,
        published: opt(raw.published, "published", |s| Published::from_str(&s))?,
    })
}

fn sample(raw: RawSample) -> Result<Sample, FieldError> {
    let status = match raw.status {
        Some(s) => SampleStatus::from_str(&s).map_err(|m| FieldError::new("status", m.to_string()))?,
        None => return Err(FieldError::new("status", "missing; expected MALICIOUS, SUSPICIOUS, KNOWN or UNKNOWN")),
    };
    Ok(Sample {
        status,
        threat_name: opt(raw.threat_name, "threat_name", text)?,
        threat_level: opt(raw.threat_level.map(|v| v.to_text()), "threat_level", |s| ThreatLevel::from_str(&s))?,
        md5: opt(raw.md5, "md5", |s| Md5::from_str(&s))?,
        sha1: opt(raw.sha1, "sha1", |s| Sha1::from_str(&s))?,
        sha256: opt(raw.sha256, "sha256", |s| Sha256::from_str(&s))?,
    })
}

/// Applies `check` to a present value, naming `field` on failure.
fn opt<T, E, F>(value: Option<String>, field: &str, check: F) -> Result<Option<T>, FieldError>
where
    E: std::fmt::Display,
    F: FnOnce(String) -> Result<T, E>,
{
    value.map(check).transpose().map_err(|m| FieldError::new(field, m.to_string()))
}

/// A text field: non-empty, no control characters, at most [`MAX_TEXT`] bytes.
fn text(s: String) -> Result<String, String> {
    if s.is_empty() {
        return Err("empty; omit the field instead".into());
    }
    if s.len() > MAX_TEXT {
        return Err(format!("longer than {MAX_TEXT} bytes"));
    }
    if let Some(c) = s.chars().find(|c| c.is_control()) {
        return Err(format!("contains the control character {c:?}"));
    }
    Ok(s)
}

fn filename(s: String) -> Result<String, String> {
    let s = text(s)?;
    if s.contains('/') || s.contains('\\') || s == "." || s == ".." {
        return Err(format!("expected a bare file name without a directory, got {s:?}"));
    }
    Ok(s)
}

fn size(s: String) -> Result<u64, String> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("expected a size in bytes (a non-negative integer), got {s:?}"));
    }
    s.parse().map_err(|_| format!("size {s} is out of range"))
}

fn url(s: String) -> Result<String, String> {
    let s = text(s)?;
    match url::Url::parse(&s) {
        // Kept as given unless it holds what a URI may not (a space, `<`, non-ASCII …): then
        // its percent-encoded form, so that the feed only ever serves URIs.
        Ok(u) if u.has_host() && s.bytes().all(|b| b.is_ascii_graphic() && !b"\"<>\\^`{|}".contains(&b)) => Ok(s),
        Ok(u) if u.has_host() => Ok(u.to_string()),
        Ok(_) => Err(format!("expected an absolute URL with a host, got {s:?}")),
        Err(e) => Err(format!("expected an absolute URL, got {s:?} ({e})")),
    }
}

/// Canonical purl, checked against the entry's community and version when those are given.
fn purl(s: &str, community: Option<&str>, version: Option<&str>) -> Result<String, String> {
    text(s.to_owned())?;
    let parsed = packageurl::PackageUrl::from_str(s)
        .map_err(|e| format!("expected a package URL pkg:TYPE/NAME@VERSION, got {s:?} ({e})"))?;
    // No ecosystem's package names or versions hold markup, quotes or spaces; a purl that does
    // would reach every page and report that shows it.
    let parts = [parsed.namespace().unwrap_or_default(), parsed.name(), parsed.version().unwrap_or_default()];
    if let Some(c) = parts.iter().flat_map(|p| p.chars()).find(|c| c.is_whitespace() || "<>\"'`\\{}|^".contains(*c)) {
        return Err(format!("a package name or version never holds {c:?}; got {s:?}"));
    }
    if let Some(c) = community
        && !community_matches(parsed.ty(), c)
    {
        return Err(format!("purl type {:?} does not match identity.community {c:?}", parsed.ty()));
    }
    if let (Some(v), Some(pv)) = (version, parsed.version())
        && v != pv
    {
        return Err(format!("purl version {pv:?} does not match identity.version {v:?}"));
    }
    let canonical = crate::purl::canonical_purl(&parsed);
    // What the feed serves must read back as itself (fuzzing found a version that did not).
    match packageurl::PackageUrl::from_str(&canonical) {
        Ok(again) if crate::purl::canonical_purl(&again) == canonical => Ok(canonical),
        _ => Err(format!("package URL {s:?} has no spelling that reads back as itself")),
    }
}

/// Checks that `identity.package` (with `identity.namespace`) names the package the purl names:
/// the purl's full name (`@scope/name`, `group:artifact`) or its last part, compared as the
/// ecosystem compares names (PyPI: case, `-`, `_` and `.` alike; npm and others: case alike).
fn package_matches(purl: &str, namespace: Option<&str>, package: &str) -> Result<(), String> {
    let Some((ty, full, _)) = crate::parse_purl(purl) else { return Ok(()) };
    let norm = |s: &str| {
        let lower = s.to_lowercase();
        if ty == "pypi" { lower.replace(['_', '.'], "-") } else { lower }
    };
    let bare = full.rsplit(['/', ':']).next().unwrap_or(&full);
    let joined = namespace.map(|ns| format!("{ns}/{package}"));
    let named = [Some(package.to_owned()), joined].into_iter().flatten().any(|p| norm(&p) == norm(&full))
        || norm(package) == norm(bare);
    if named {
        Ok(())
    } else {
        Err(format!("{package:?} is not the package the purl names ({full:?}); give one name, or the same twice"))
    }
}

/// Whether a purl type and a community name denote the same ecosystem.
fn community_matches(purl_type: &str, community: &str) -> bool {
    let c = community.to_ascii_lowercase();
    let t = purl_type.to_ascii_lowercase();
    if c == t {
        return true;
    }
    // Ecosystems whose community name differs from their purl type.
    const ALIASES: &[(&str, &str)] = &[
        ("gem", "rubygems"),
        ("cargo", "crates.io"),
        ("cargo", "crates"),
        ("golang", "go"),
        ("nuget", "nuget"),
        ("maven", "maven"),
        ("pypi", "pip"),
        ("npm", "yarn"),
    ];
    ALIASES.iter().any(|(pt, name)| *pt == t && *name == c)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by fuzzing (`fuzz/fuzz_targets/osv_record.rs`): an OSV version ending in `/` was
    /// validated into a purl that did not read back, so every client reading the feed (a
    /// `scioc sync` mirror among them) refused the entry.
    #[test]
    fn a_version_with_a_slash_reads_back_as_itself() {
        for version in ["1.2.3/", "1/2", "a/b/c"] {
            let built = crate::build_purl("npm", "pkg", Some(version)).unwrap();
            let once = purl(&built, Some("npm"), Some(version)).unwrap();
            let twice = purl(&once, Some("npm"), Some(version)).unwrap();
            assert_eq!(once, twice, "{version}");
            assert_eq!(crate::parse_purl(&once).unwrap().2.as_deref(), Some(version));
        }
    }

    fn check(json: &str) -> Result<Entry, FieldError> {
        Entry::try_from(serde_json::from_str::<RawEntry>(json).unwrap())
    }

    fn err(json: &str) -> (String, String) {
        let e = check(json).unwrap_err();
        (e.field, e.message)
    }

    #[test]
    fn seed_example_round_trips_to_wire_shape() {
        let input = r#"{"event_type":"NEW_MALICIOUS","md5":"99d1bdaaa2e4a198521bc12df599ead0","sha1":"aad8d679f15a721ed79454d553e3473f9f0536f1","sha256":"e37d30c42c9739dfe153a324885937cbb98ed31760d1ba34d5542b309b2a67b0","filename":"ua-parser-js-0.7.29.tgz","sample_size":"57690","source_url":"https://registry.npmjs.org/ua-parser-js/-/ua-parser-js-0.7.29.tgz","identity":{"purl":"pkg:npm/ua-parser-js@0.7.29","community":"npm","package":"ua-parser-js","version":"0.7.29","homepage":"https://uaparser.dev","repository":"https://github.com/faisalman/ua-parser-js","published":"2025-10-10T03:51:52+0000"},"sample_list":[{"status":"MALICIOUS","threat_name":"Text.Downloader.SupplyChain","threat_level":"3","sha1":"8b242cf78d082e81b5432c19477ebb80e5cf291a","sha256":"82bd9d21a895327a17a7fd55d8c1270402bd0e5cf0443936be90d3738ce24560"}]}"#;
        let entry = check(input).unwrap();
        assert_eq!(serde_json::to_string(&entry).unwrap(), input);
    }

    #[test]
    fn numbers_may_be_numbers() {
        let e = check(r#"{"event_type":"FP","sha1":"aad8d679f15a721ed79454d553e3473f9f0536f1","sample_size":12,"sample_list":[{"status":"KNOWN","threat_level":2}]}"#).unwrap();
        assert_eq!(e.sample_size, Some(12));
        let wire = serde_json::to_value(&e).unwrap();
        assert_eq!(wire["sample_size"], "12");
        assert_eq!(wire["sample_list"][0]["threat_level"], "2");
    }

    #[test]
    fn published_spellings_normalise() {
        for s in [
            "2025-10-10T03:51:52+0000",
            "2025-10-10T03:51:52Z",
            "2025-10-10T05:51:52+02:00",
            "2025-10-10T03:51:52.250Z",
        ] {
            assert_eq!(Published::from_str(s).unwrap().to_string(), "2025-10-10T03:51:52+0000", "{s}");
        }
        assert_eq!(Published::from_str("2025-10-10").unwrap().to_string(), "2025-10-10T00:00:00+0000");
        assert!(Published::from_str("10/10/2025").is_err());
        assert!(Published::from_str("2025-10-10T03:51:52").is_err(), "a time without a zone is ambiguous");
    }

    /// Issue 28: an entry's package disagreed with its purl, and a purl held markup; both were
    /// stored and shown.
    #[test]
    fn the_package_must_be_the_one_the_purl_names_and_purls_hold_no_markup() {
        let e = err(r#"{"event_type":"FP","identity":{"purl":"pkg:npm/left-pad@1.0.0","package":"right-pad"}}"#);
        assert_eq!(e.0, "identity.package");
        assert!(e.1.contains("right-pad") && e.1.contains("left-pad"), "{}", e.1);
        for same in [
            r#"{"purl":"pkg:npm/%40scope/pkg@1.0.0","package":"@scope/pkg"}"#,
            r#"{"purl":"pkg:npm/%40scope/pkg@1.0.0","package":"pkg","namespace":"@scope"}"#,
            r#"{"purl":"pkg:pypi/python-dateutil@2.0","package":"Python_Dateutil"}"#,
            r#"{"purl":"pkg:maven/org.example/lib@1.0","package":"lib"}"#,
        ] {
            assert!(check(&format!(r#"{{"event_type":"FP","identity":{same}}}"#)).is_ok(), "{same}");
        }
        for markup in ["pkg:npm/%3Cscript%3E@1.0.0", "pkg:npm/x@1.0.0%22onload", "pkg:npm/a%20b@1"] {
            let e = err(&format!(r#"{{"event_type":"FP","identity":{{"purl":"{markup}"}}}}"#));
            assert_eq!(e.0, "identity.purl", "{markup}");
            assert!(e.1.contains("never holds"), "{}", e.1);
        }
    }

    #[test]
    fn refusals_name_the_field() {
        assert_eq!(err(r#"{"sha1":"aad8d679f15a721ed79454d553e3473f9f0536f1"}"#).0, "event_type");
        assert_eq!(err(r#"{"event_type":"BAD","sha1":"aad8d679f15a721ed79454d553e3473f9f0536f1"}"#).0, "event_type");
        assert_eq!(err(r#"{"event_type":"FP","md5":"abc"}"#).0, "md5");
        assert_eq!(err(r#"{"event_type":"FP","identity":{"purl":"npm/foo"}}"#).0, "identity.purl");
        assert_eq!(
            err(r#"{"event_type":"FP","identity":{"purl":"pkg:npm/foo@1.0.0","version":"2.0.0"}}"#).0,
            "identity.purl"
        );
        assert_eq!(
            err(r#"{"event_type":"FP","identity":{"purl":"pkg:npm/foo","community":"pypi"}}"#).0,
            "identity.purl"
        );
        assert_eq!(
            err(r#"{"event_type":"FP","identity":{"package":"x","published":"yesterday"}}"#).0,
            "identity.published"
        );
        assert_eq!(
            err(r#"{"event_type":"FP","identity":{"package":"x","homepage":"not a url"}}"#).0,
            "identity.homepage"
        );
        assert_eq!(err(r#"{"event_type":"FP","identity":{"package":""}}"#).0, "identity.package");
        assert_eq!(err(r#"{"event_type":"FP","identity":{"package":"a\u0000b"}}"#).0, "identity.package");
        assert_eq!(err(r#"{"event_type":"FP","md5":"99d1bdaaa2e4a198521bc12df599ead0","sample_list":[{"status":"MALICIOUS"},{"status":"MALICIOUS","threat_level":"6"}]}"#).0, "sample_list[1].threat_level");
        assert_eq!(
            err(r#"{"event_type":"FP","md5":"99d1bdaaa2e4a198521bc12df599ead0","sample_list":[{"threat_level":"1"}]}"#)
                .0,
            "sample_list[0].status"
        );
        assert_eq!(
            err(r#"{"event_type":"FP","md5":"99d1bdaaa2e4a198521bc12df599ead0","sample_size":"-1"}"#).0,
            "sample_size"
        );
        assert_eq!(
            err(r#"{"event_type":"FP","md5":"99d1bdaaa2e4a198521bc12df599ead0","filename":"../x.tgz"}"#).0,
            "filename"
        );
        assert_eq!(err(r#"{"event_type":"FP"}"#).0, "entry");
    }

    #[test]
    fn community_aliases() {
        assert!(check(r#"{"event_type":"FP","identity":{"purl":"pkg:gem/rails@1.0","community":"RubyGems"}}"#).is_ok());
        assert!(check(r#"{"event_type":"FP","identity":{"purl":"pkg:pypi/requests@1.0","community":"pypi"}}"#).is_ok());
    }

    #[test]
    fn unknown_fields_are_refused_by_the_raw_shape() {
        assert!(serde_json::from_str::<RawEntry>(r#"{"event_type":"FP","colour":"red"}"#).is_err());
    }
}
