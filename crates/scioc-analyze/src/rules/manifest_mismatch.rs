//! `SA-031` manifest disagreeing with its archive (threat). Finds an archive whose file name
//! says one package and version (`name-1.2.3.tgz`, `name-1.2.3.tar.gz`,
//! `name-1.2.3-py3-none-any.whl`) while the manifest inside (`package.json`, `PKG-INFO`,
//! `METADATA`) says another.
//!
//! Why: the registry names the archive from what was published; a manifest that says something
//! else inside it is manifest confusion (npm's registry metadata and the tarball's
//! `package.json` disagree, and tools that read one are shown different dependencies and
//! scripts than the other installs), or an archive built from another project's sources to
//! pass as it. Example: `helper-1.0.4.tgz` holding `{"name": "helper", "version": "9.9.9"}`.
//! Known false positives: archives renamed by hand (`download.tgz` is not compared, having no
//! version), and old sdists whose setup did not normalise the version (`1.0` beside
//! `1.0.0` is equal here, as PEP 440 says). Weighed low: it counts only beside code that runs
//! at install.

use super::{Hit, Kind, Rule, typosquat::normal};
use crate::package::{Ecosystem, Package};
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-031",
    name: "manifest disagreeing with its archive",
    kind: Kind::Threat,
    behaviour: Behaviour::Unknown,
    weight: 3,
};

/// Archive suffixes whose stem is `name-version`.
const SUFFIXES: [&str; 6] = [".tar.gz", ".tgz", ".zip", ".gem", ".crate", ".whl"];

/// The name and version an archive's file name states, when it states both.
fn named(file: &str, ecosystem: Ecosystem) -> Option<(String, String)> {
    let lower = file.to_ascii_lowercase();
    let suffix = SUFFIXES.iter().find(|s| lower.ends_with(*s))?;
    let stem = &file[..file.len() - suffix.len()];
    if *suffix == ".whl" {
        // `{name}-{version}(-{build})?-{python}-{abi}-{platform}.whl`: names hold no `-`.
        let mut parts = stem.split('-');
        return Some((parts.next()?.to_owned(), parts.next()?.to_owned()));
    }
    // Names may hold `-` and digits. npm's version is the first `-` followed by a full
    // `major.minor.patch` (its pre-release tags hold `-`); PyPI's versions hold no `-`, so
    // theirs starts after the last `-` followed by a digit.
    let at = match ecosystem {
        Ecosystem::Npm => stem.match_indices('-').find(|(i, _)| semver_start(&stem[i + 1..])),
        _ => stem.match_indices('-').rfind(|(i, _)| stem[i + 1..].starts_with(|c: char| c.is_ascii_digit())),
    }?
    .0;
    Some((stem[..at].to_owned(), stem[at + 1..].to_owned()))
}

/// Whether `s` starts with `major.minor.patch`.
fn semver_start(s: &str) -> bool {
    let mut parts = s.splitn(3, '.');
    let digits = |p: &str| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit());
    let (Some(a), Some(b), Some(c)) = (parts.next(), parts.next(), parts.next()) else { return false };
    digits(a) && digits(b) && c.starts_with(|ch: char| ch.is_ascii_digit())
}

/// A version as compared: lower case, no leading `v`, no trailing `.0` parts (PEP 440's
/// `1.0 == 1.0.0`), `-`/`_` as `.`.
fn version(v: &str) -> String {
    let v = v.trim().trim_start_matches(['v', 'V']).to_ascii_lowercase().replace(['-', '_'], ".");
    let mut v = v.as_str();
    while let Some(rest) = v.strip_suffix(".0") {
        v = rest;
    }
    v.to_owned()
}

/// Whether the archive's name for the package is the manifest's: npm names a scoped
/// package's archive without its scope (`name-1.0.0.tgz`) or with it (`scope-name-1.0.0.tgz`).
fn same_name(archive: &str, manifest: &str, ecosystem: Ecosystem) -> bool {
    let archive = normal(archive, ecosystem);
    match ecosystem {
        Ecosystem::Npm => {
            let manifest = manifest.to_ascii_lowercase();
            let bare = manifest.rsplit('/').next().unwrap_or(&manifest);
            let packed = manifest.trim_start_matches('@').replace('/', "-");
            archive == manifest || archive == bare || archive == packed
        }
        _ => archive == normal(manifest, ecosystem),
    }
}

/// The disagreement between `package`'s archive name and its manifest, as a finding.
pub(crate) fn check(package: &Package) -> Option<Hit> {
    let file = package.archive_name.as_deref()?;
    let (name, ver) = (package.name.as_deref()?, package.version.as_deref()?);
    let (archive_name, archive_version) = named(file, package.ecosystem)?;
    let name_differs = !same_name(&archive_name, name, package.ecosystem);
    if !name_differs && version(&archive_version) == version(ver) {
        return None;
    }
    let what = if name_differs { "package" } else { "version" };
    Some(Hit::new(
        &RULE,
        1,
        format!(
            "archive {file} says {archive_name} {archive_version}; its manifest says {name} {ver} (another {what})"
        ),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(file: &str, ecosystem: Ecosystem, name: &str, version: &str) -> Package {
        let mut p = Package::new(file.into(), ecosystem, Vec::new());
        p.archive_name = Some(file.into());
        p.name = Some(name.into());
        p.version = Some(version.into());
        p
    }

    #[test]
    fn another_version_or_name_inside_fires() {
        let hit = check(&package("helper-1.0.4.tgz", Ecosystem::Npm, "helper", "9.9.9")).unwrap();
        assert_eq!(hit.rule.id, "SA-031");
        assert!(hit.what.contains("helper 1.0.4") && hit.what.contains("helper 9.9.9"), "{}", hit.what);
        assert!(check(&package("requests-2.31.0.tar.gz", Ecosystem::PyPI, "reqeusts", "2.31.0")).is_some());
        assert!(check(&package("a_b-1.0-py3-none-any.whl", Ecosystem::PyPI, "a-b", "1.1")).is_some());
    }

    #[test]
    fn the_registrys_spellings_do_not() {
        for (file, eco, name, version) in [
            ("left-pad-1.3.0.tgz", Ecosystem::Npm, "left-pad", "1.3.0"),
            ("base-64-1.0.0.tgz", Ecosystem::Npm, "base-64", "1.0.0"),
            ("babel-core-7.0.0-bridge.0.tgz", Ecosystem::Npm, "@babel/core", "7.0.0-bridge.0"),
            ("core-7.0.0-bridge.0.tgz", Ecosystem::Npm, "@babel/core", "7.0.0-bridge.0"),
            ("Flask_SQLAlchemy-3.1.1.tar.gz", Ecosystem::PyPI, "flask-sqlalchemy", "3.1.1"),
            ("zope.interface-6.0.tar.gz", Ecosystem::PyPI, "zope-interface", "6.0.0"),
            ("google_cloud_storage-2.1.0-py2.py3-none-any.whl", Ecosystem::PyPI, "google-cloud-storage", "2.1.0"),
            ("py3-dns-4.0.tar.gz", Ecosystem::PyPI, "py3-dns", "4.0"),
            ("download.tgz", Ecosystem::Npm, "anything", "1.0.0"),
        ] {
            assert!(check(&package(file, eco, name, version)).is_none(), "{file}");
        }
    }
}
