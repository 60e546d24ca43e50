//! Judging a version or a file: the verdict engine first, then the optional cooldown.

use crate::{Block, npm, pypi};
use scioc_verdict::{Engine, Query};

/// Versions younger than `min_age` are hidden and refused, except for the packages named in
/// `exempt` (npm names as written, Python projects normalized).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cooldown {
    /// The youngest a version may be.
    pub min_age: std::time::Duration,
    /// Packages the cooldown does not apply to.
    pub exempt: Vec<String>,
}

impl Cooldown {
    /// A block when `published` (RFC 3339) is less than `min_age` before `now`. A version
    /// whose time is unknown or unreadable passes: the cooldown holds back only what it can
    /// date.
    pub fn check(
        &self,
        package: &str,
        what: impl FnOnce() -> String,
        published: Option<&str>,
        now: jiff::Timestamp,
    ) -> Option<Block> {
        if self.min_age.is_zero() || self.exempt.iter().any(|e| e == package) {
            return None;
        }
        let published: jiff::Timestamp = published?.parse().ok()?;
        let age = now.duration_since(published);
        let min = jiff::SignedDuration::try_from(self.min_age).ok()?;
        (age < min).then(|| Block {
            rule: "COOLDOWN".into(),
            reference: None,
            reason: format!("published {published}, younger than {}", humanize(self.min_age)),
            what: what(),
            severity: None,
        })
    }
}

fn humanize(d: std::time::Duration) -> String {
    let s = d.as_secs();
    match s {
        s if s % 86_400 == 0 => format!("{}d", s / 86_400),
        s if s % 3600 == 0 => format!("{}h", s / 3600),
        s if s % 60 == 0 => format!("{}m", s / 60),
        s => format!("{s}s"),
    }
}

/// The first verdict of a query that blocks ([`scioc_verdict::Verdict::blocks`]: a rule or an
/// indicator that only warns lets the version through), as a block naming `what` (written only
/// for a block: most versions pass, and a packument is judged version by version).
fn first(engine: &Engine, query: &Query<'_>, what: impl FnOnce() -> String) -> Option<Block> {
    let v = engine.check(query).into_iter().find(scioc_verdict::Verdict::blocks)?;
    Some(Block {
        rule: v.rule.id().to_owned(),
        reference: v.reference,
        reason: v.evidence,
        what: what(),
        severity: Some(v.severity),
    })
}

/// The verdict engine's word on one npm version: by name and version, by the archive's SHA-1
/// (`shasum`) and SHA-512 (`integrity`), and by indicators on the name.
pub fn npm_version(engine: &Engine, name: &npm::PackageName, v: &npm::VersionInfo<'_>) -> Option<Block> {
    let mut hashes: Vec<(&'static str, String)> = Vec::new();
    if let Some(sha1) = v.shasum.filter(|h| h.len() == 40 && h.bytes().all(|b| b.is_ascii_hexdigit())) {
        hashes.push(("sha1", sha1.to_ascii_lowercase()));
    }
    if let Some(sha512) = v.integrity.and_then(|i| scioc_model::Sha512::from_sri(i).ok()) {
        hashes.push(("sha512", sha512.to_string()));
    }
    // Judged by its canonical form: a packument that spells 1.0.0 as `=1.0.0` or `01.0.0`
    // does not slip past a block on 1.0.0.
    let canonical = npm::canonical_version(v.version);
    let version = canonical.as_deref().unwrap_or(v.version);
    let query = Query { hashes: &hashes, ..Query::package("npm", name.as_str(), Some(version)) };
    first(engine, &query, || format!("{}@{}", name.as_str(), v.version))
}

/// The verdict engine's word on an archive by its bytes alone: the digests the firewall
/// computed as it streamed, whatever name and version the metadata gave it.
pub fn archive_bytes(
    engine: &Engine,
    ecosystem: &str,
    hashes: &[(&'static str, String)],
    what: impl FnOnce() -> String,
) -> Option<Block> {
    let query = Query { hashes, ..Query::package(ecosystem, "", None) };
    first(engine, &query, what)
}

/// The verdict engine's word on one file of a Python project: by name and the version its
/// file name carries, by its SHA-256, and by indicators on the name.
pub fn pypi_file(engine: &Engine, project: &pypi::ProjectName, f: &pypi::FileInfo<'_>) -> Option<Block> {
    let hashes: Vec<(&'static str, String)> = f
        .sha256
        .filter(|h| h.len() == 64 && h.bytes().all(|b| b.is_ascii_hexdigit()))
        .map(|h| ("sha256", h.to_ascii_lowercase()))
        .into_iter()
        .collect();
    let query = Query { hashes: &hashes, ..Query::package("PyPI", project.as_str(), f.version) };
    first(engine, &query, || match f.version {
        Some(v) => format!("{}=={v} ({})", project.as_str(), f.filename),
        None => format!("{} ({})", project.as_str(), f.filename),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use scioc_model::{EventType, Sha512};
    use scioc_store::PackageEvent;
    use scioc_verdict::Knowledge;

    fn event(seq: i64, kind: EventType, eco: &str, name: &str, version: &str, sha512: Option<String>) -> PackageEvent {
        PackageEvent {
            seq,
            event_type: kind,
            purl: None,
            community: Some(eco.into()),
            package: Some(name.into()),
            version: Some(version.into()),
            md5: None,
            sha1: None,
            sha256: None,
            sha512,
            source: Some("osv".into()),
            source_id: Some(format!("MAL-2026-{seq}")),
            affected: None,
            threat_level: None,
        }
    }

    #[test]
    fn versions_and_hashes_block_and_an_fp_unblocks() {
        let evil = Sha512::from_bytes([7; 64]);
        let integrity = format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode([7u8; 64]));
        let mut engine = Engine::build(
            vec![
                event(1, EventType::NewMalicious, "npm", "demo", "1.2.0", None),
                event(2, EventType::NewMalicious, "npm", "evil", "6.6.6", Some(evil.to_string())),
                event(3, EventType::NewMalicious, "pypi", "py-demo", "1.1", None),
            ],
            Knowledge::default(),
        );
        let demo = npm::PackageName::from_path("demo").unwrap();
        let v = |version, integrity| npm::VersionInfo { version, shasum: None, integrity, published: None };
        let blocked = npm_version(&engine, &demo, &v("1.2.0", None)).unwrap();
        assert_eq!((blocked.rule.as_str(), blocked.what.as_str()), ("AS-008", "demo@1.2.0"));
        assert_eq!(blocked.reference.as_deref(), Some("MAL-2026-1"));
        assert!(npm_version(&engine, &demo, &v("1.1.0", None)).is_none());
        // The malicious archive under an innocent name and version.
        let hash = npm_version(&engine, &demo, &v("1.1.0", Some(&integrity))).unwrap();
        assert_eq!(hash.rule, "HASH");
        let p = pypi::ProjectName::from_path("Py_Demo").unwrap();
        let f = |filename, version| pypi::FileInfo { filename, version, sha256: None, uploaded: None };
        assert_eq!(pypi_file(&engine, &p, &f("py_demo-1.1-py3-none-any.whl", Some("1.1"))).unwrap().rule, "AS-008");
        assert!(pypi_file(&engine, &p, &f("py_demo-1.0.tar.gz", Some("1.0"))).is_none());
        engine.apply_events(vec![event(4, EventType::FalsePositive, "npm", "demo", "1.2.0", None)]);
        assert!(npm_version(&engine, &demo, &v("1.2.0", None)).is_none(), "an FP unblocks");
    }

    #[test]
    fn the_cooldown_holds_back_young_versions_but_not_exempt_ones() {
        let now: jiff::Timestamp = "2026-12-03T12:00:00Z".parse().unwrap();
        let c = Cooldown { min_age: std::time::Duration::from_secs(48 * 3600), exempt: vec!["trusted".into()] };
        let young = Some("2026-12-02T12:00:00.000Z");
        let old = Some("2026-11-30T12:00:00Z");
        let b = c.check("pkg", || "pkg@2.0.0".to_owned(), young, now).unwrap();
        assert_eq!(b.rule, "COOLDOWN");
        assert!(b.line().contains("younger than 2d"), "{}", b.line());
        assert!(c.check("pkg", || "pkg@1.0.0".to_owned(), old, now).is_none());
        assert!(c.check("trusted", || "trusted@2.0.0".to_owned(), young, now).is_none());
        assert!(c.check("pkg", || "pkg@2.0.0".to_owned(), None, now).is_none());
        assert!(c.check("pkg", || "pkg@2.0.0".to_owned(), Some("yesterday"), now).is_none());
        assert!(Cooldown::default().check("pkg", || "pkg@2.0.0".to_owned(), young, now).is_none());
    }
}
