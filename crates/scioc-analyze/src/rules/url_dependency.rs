//! `SA-029` dependency from a URL or git (threat). Finds a manifest dependency whose source is
//! an `http(s)://` tarball or a git repository instead of the registry.
//!
//! Why: a registry keeps what it served; a URL serves whatever its owner puts there next, so
//! a harmless first release can fetch its payload from a dependency the registry never saw.
//! Example: `"dependencies": {"helper": "https://203.0.113.9/helper.tgz"}`. Known false
//! positives: monorepo packages that pin a fork on GitHub; weighed low, it counts only beside
//! code that runs at install.

use super::{Hit, Kind, Rule};
use crate::package::Package;
use scioc_model::Behaviour;

pub(crate) const RULE: Rule = Rule {
    id: "SA-029",
    name: "dependency from a URL or git",
    kind: Kind::Threat,
    behaviour: Behaviour::Downloader,
    weight: 3,
};

/// The first dependency `package` takes from outside the registry, as a finding.
pub(crate) fn check(package: &Package) -> Option<Hit> {
    let (name, source) = package.url_dependencies.first()?;
    let more = match package.url_dependencies.len() {
        1 => String::new(),
        n => format!(" (and {} more)", n - 1),
    };
    Some(Hit::new(&RULE, 1, format!("dependency {name} from {source}{more}")).naming(source.clone()))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::package::Ecosystem;

    #[test]
    fn a_url_dependency_fires_and_a_registry_one_does_not() {
        let mut p = Package::new("t".into(), Ecosystem::Npm, Vec::new());
        assert!(check(&p).is_none(), "registry dependencies only");
        p.url_dependencies.push(("helper".into(), "https://203.0.113.9/helper.tgz".into()));
        let hit = check(&p).unwrap();
        assert_eq!(hit.rule.id, "SA-029");
        assert_eq!(hit.indicator.as_deref(), Some("https://203.0.113.9/helper.tgz"));
    }
}
