//! `SA-028` typosquatting (threat). Finds a package whose name is one edit (an inserted,
//! dropped, changed or swapped character) away from one of the 3,000 most-downloaded names of
//! its ecosystem, or equal to one but for its separators, without being that name.
//!
//! Why: a name one keystroke from `colorama` or `requests` is how most malicious PyPI and npm
//! packages reach their victims; the attacker needs nothing but a typo. Alone it is
//! suspicious; with code that runs at install, the verdict counts it on that file, doubled.
//! Example: `coloroma` beside `colorama`. Known false positives: small real projects whose
//! names happen to sit one letter from a popular one (`pyaml` and `pyyaml`); names of four
//! characters or fewer are not compared, since one edit reaches too many of them.
//!
//! The lists are `data/popular-{npm,pypi}.txt`, written by `bench/detect/benign.py popular`
//! from the download-ranked package lists.

use super::{Hit, Kind, Rule};
use crate::package::{Ecosystem, Package};
use scioc_model::Behaviour;
use std::sync::LazyLock;

pub(crate) const RULE: Rule = Rule {
    id: "SA-028",
    name: "name of a popular package, mistyped",
    kind: Kind::Threat,
    behaviour: Behaviour::Typosquat,
    weight: 5,
};

/// Shortest popular name compared.
const MIN_LEN: usize = 5;

static NPM: LazyLock<Vec<String>> = LazyLock::new(|| names(include_str!("../../data/popular-npm.txt"), Ecosystem::Npm));
static PYPI: LazyLock<Vec<String>> =
    LazyLock::new(|| names(include_str!("../../data/popular-pypi.txt"), Ecosystem::PyPI));

fn names(text: &str, ecosystem: Ecosystem) -> Vec<String> {
    text.lines().filter(|l| !l.starts_with('#') && !l.trim().is_empty()).map(|l| normal(l.trim(), ecosystem)).collect()
}

/// The name as the registry compares it: PyPI folds case and runs of `-_.` (PEP 503).
pub(crate) fn normal(name: &str, ecosystem: Ecosystem) -> String {
    match ecosystem {
        Ecosystem::PyPI => {
            let mut out = String::with_capacity(name.len());
            for c in name.chars() {
                let c = c.to_ascii_lowercase();
                if matches!(c, '-' | '_' | '.') {
                    if !out.ends_with('-') {
                        out.push('-');
                    }
                } else {
                    out.push(c);
                }
            }
            out
        }
        _ => name.to_ascii_lowercase(),
    }
}

/// The popular name `package`'s name imitates, as a finding on its manifest.
pub(crate) fn check(package: &Package) -> Option<Hit> {
    let list: &[String] = match package.ecosystem {
        Ecosystem::Npm => &NPM,
        Ecosystem::PyPI => &PYPI,
        _ => return None,
    };
    let name = normal(package.name.as_deref()?, package.ecosystem);
    // A scope is the publisher's own; names under one are not compared.
    if name.starts_with('@') || list.contains(&name) {
        return None;
    }
    let bare = |s: &str| s.chars().filter(|c| !matches!(c, '-' | '_' | '.')).collect::<String>();
    let target = list.iter().find(|p| {
        p.chars().count() >= MIN_LEN && !p.starts_with('@') && (one_edit(&name, p) || bare(&name) == bare(p))
    })?;
    Some(
        Hit::new(&RULE, 1, format!("the name {name:?} imitates the popular package {target:?}"))
            .naming(format!("typosquat-of:{target}")),
    )
}

/// Whether `a` is one insertion, deletion, substitution or swap of neighbours from `b`.
fn one_edit(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    match a.len() as isize - b.len() as isize {
        0 => {
            let rest = |n: usize| a[prefix + n..] == b[prefix + n..];
            rest(1) || (prefix + 1 < a.len() && a[prefix] == b[prefix + 1] && a[prefix + 1] == b[prefix] && rest(2))
        }
        1 => a[prefix + 1..] == b[prefix..],
        -1 => a[prefix..] == b[prefix + 1..],
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn package(ecosystem: Ecosystem, name: &str) -> Package {
        let mut p = Package::new("t".into(), ecosystem, Vec::new());
        p.name = Some(name.to_owned());
        p
    }

    fn fires(ecosystem: Ecosystem, name: &str) -> bool {
        check(&package(ecosystem, name)).is_some()
    }

    #[test]
    fn one_edit_from_a_popular_name_fires() {
        assert!(fires(Ecosystem::PyPI, "coloroma"), "a changed letter");
        assert!(fires(Ecosystem::PyPI, "reqeusts"), "swapped neighbours");
        assert!(fires(Ecosystem::PyPI, "requestss"), "an inserted letter");
        assert!(fires(Ecosystem::PyPI, "matplotlb"), "a dropped letter");
        assert!(fires(Ecosystem::PyPI, "pythondateutil"), "separators dropped");
        assert!(fires(Ecosystem::Npm, "expresss"));
    }

    #[test]
    fn near_misses() {
        assert!(!fires(Ecosystem::PyPI, "colorama"), "the popular name itself");
        assert!(!fires(Ecosystem::PyPI, "Python_DateUtil"), "the same name as PyPI compares it");
        assert!(!fires(Ecosystem::PyPI, "my-own-tool"), "far from any");
        assert!(!fires(Ecosystem::Npm, "@acme/expresss"), "a scoped name");
        assert!(!fires(Ecosystem::Cargo, "serdee"), "no list for the ecosystem");
        assert!(!one_edit("six", "six"));
        assert!(one_edit("ab", "ba") && one_edit("abc", "ab") && one_edit("ab", "abc") && !one_edit("abcd", "badc"));
    }
}
