//! A curated specification in OSV's terms: the ranges (`introduced`, `fixed`, `last_affected`)
//! that name exactly the versions the specification names, so that tools which evaluate OSV
//! ranges themselves (pip-audit, osv-scanner, a SIEM reading the feed's `scioc.affected`) agree
//! with scioc's own matcher.
//!
//! | specification | OSV form |
//! |---|---|
//! | `*` | `introduced: "0"` |
//! | an exact version | `introduced` and `last_affected` at it |
//! | npm range | one `SEMVER` range per `\|\|` part; `>V` starts at the next version (`1.2.4-0` after `1.2.3`) |
//! | Cargo requirement | one `SEMVER` range, its comparators intersected |
//! | PEP 440 specifiers `>=`, `<`, `<=`, `==`, `==V.*`, `~=` | one `ECOSYSTEM` range; `<V` ends at `V.dev0`, since PEP 440 excludes V's pre-releases |
//! | PEP 440 `>`, `!=`, `===` | none: no exact form (scioc's own surfaces still match them) |
//! | `< X`, `<= X` | `introduced: "0"` and `fixed` or `last_affected` at X |
//!
//! OSV ranges take in pre-releases between their ends, where npm and Cargo leave them out unless
//! a comparator names the same release: the OSV form is the reading the feed publishes, and for
//! a blocklist the safer one.

use crate::Spec;
use crate::spec::Kind;
use scioc_model::{Range, RangeEvent, RangeKind};

/// A specification OSV ranges cannot express exactly.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{text:?} has no exact OSV form: {reason}")]
pub struct NoOsvForm {
    /// The specification as written.
    pub text: String,
    /// Why not.
    pub reason: &'static str,
}

/// One end of an interval: a version, and whether it belongs to the interval.
#[derive(Debug, Clone)]
struct End<V> {
    version: V,
    inclusive: bool,
}

impl Spec {
    /// The OSV ranges naming exactly this specification's versions (the table in
    /// [`osv_form`](self)).
    pub fn osv_ranges(&self) -> Result<Vec<Range>, NoOsvForm> {
        let fail = |reason| NoOsvForm { text: self.as_str().to_owned(), reason };
        let range = |kind, events| Range { kind, events };
        match &self.kind {
            Kind::Any => Ok(vec![range(RangeKind::Ecosystem, vec![RangeEvent::Introduced("0".into())])]),
            Kind::Exact(None) => Err(fail("scioc knows no version order for this ecosystem")),
            Kind::Exact(Some(v)) => {
                let kind = kind_of(v);
                let t = self.as_str().trim_start_matches('=').to_owned();
                Ok(vec![range(kind, vec![RangeEvent::Introduced(t.clone()), RangeEvent::LastAffected(t)])])
            }
            Kind::Below { bound, inclusive } => {
                let t = bound.to_string();
                let end = if *inclusive { RangeEvent::LastAffected(t) } else { RangeEvent::Fixed(t) };
                Ok(vec![range(kind_of(bound), vec![RangeEvent::Introduced("0".into()), end])])
            }
            Kind::Npm(r) => npm(&r.to_string()).ok_or_else(|| fail("the npm range did not read back")),
            Kind::Cargo(req) => cargo(req).map(|r| vec![r]).map_err(fail),
            Kind::Pep440(specs) => pep440(specs).map(|r| vec![r]).map_err(fail),
        }
    }
}

fn kind_of(v: &crate::Version) -> RangeKind {
    match v {
        crate::Version::Semver(_) => RangeKind::Semver,
        _ => RangeKind::Ecosystem,
    }
}

/// OSV events of one interval; `successor` gives the first version after an exclusive lower end.
fn events<V: ToString>(lo: Option<End<V>>, hi: Option<End<V>>, successor: impl Fn(&V) -> String) -> Vec<RangeEvent> {
    let mut out = vec![RangeEvent::Introduced(match lo {
        None => "0".to_owned(),
        Some(End { version, inclusive: true }) => version.to_string(),
        Some(End { version, inclusive: false }) => successor(&version),
    })];
    match hi {
        None => {}
        Some(End { version, inclusive: true }) => out.push(RangeEvent::LastAffected(version.to_string())),
        Some(End { version, inclusive: false }) => out.push(RangeEvent::Fixed(version.to_string())),
    }
    out
}

/// The first SemVer version after `v`: `1.2.4-0` after `1.2.3`, `1.2.3-rc.1.0` after `1.2.3-rc.1`.
fn semver_successor(v: &semver::Version) -> String {
    if v.pre.is_empty() {
        format!("{}.{}.{}-0", v.major, v.minor, v.patch.saturating_add(1))
    } else {
        format!("{}.{}.{}-{}.0", v.major, v.minor, v.patch, v.pre)
    }
}

/// An npm range as `node_semver` prints it once desugared: bound sets joined by `||`, each
/// `*`, `V`, `>=V`, `>V`, `<=V`, `<V` or a lower and an upper bound.
fn npm(printed: &str) -> Option<Vec<Range>> {
    let mut out = Vec::new();
    for set in printed.split("||") {
        let (mut lo, mut hi) = (None, None);
        for token in set.split_whitespace() {
            let (op, v) = ["<=", ">=", "<", ">", "="]
                .into_iter()
                .find_map(|op| token.strip_prefix(op).map(|v| (op, v)))
                .unwrap_or(("", token));
            if v == "*" {
                continue;
            }
            let version = semver::Version::parse(v).ok()?;
            match op {
                ">=" => lo = Some(End { version, inclusive: true }),
                ">" => lo = Some(End { version, inclusive: false }),
                "<=" => hi = Some(End { version, inclusive: true }),
                "<" => hi = Some(End { version, inclusive: false }),
                _ => {
                    lo = Some(End { version: version.clone(), inclusive: true });
                    hi = Some(End { version, inclusive: true });
                }
            }
        }
        out.push(Range { kind: RangeKind::Semver, events: events(lo, hi, semver_successor) });
    }
    Some(out)
}

/// The tighter of two lower ends.
fn max_lo<V: Ord>(a: Option<End<V>>, b: End<V>) -> Option<End<V>> {
    Some(match a {
        Some(a) if a.version > b.version || (a.version == b.version && !a.inclusive) => a,
        _ => b,
    })
}

/// The tighter of two upper ends.
fn min_hi<V: Ord>(a: Option<End<V>>, b: End<V>) -> Option<End<V>> {
    Some(match a {
        Some(a) if a.version < b.version || (a.version == b.version && !a.inclusive) => a,
        _ => b,
    })
}

/// A Cargo requirement: its comparators, each an interval, intersected.
fn cargo(req: &semver::VersionReq) -> Result<Range, &'static str> {
    use semver::Op;
    let v = |major: u64, minor: u64, patch: u64| semver::Version::new(major, minor, patch);
    let (mut lo, mut hi) = (None, None);
    for c in &req.comparators {
        let (major, minor, patch) = (c.major, c.minor, c.patch);
        let exact = || {
            let mut x = v(major, minor.unwrap_or(0), patch.unwrap_or(0));
            x.pre = c.pre.clone();
            x
        };
        // The first version past what the comparator's given parts name.
        let past = || match (minor, patch) {
            (None, _) => v(major + 1, 0, 0),
            (Some(m), None) => v(major, m + 1, 0),
            (Some(m), Some(p)) => v(major, m, p + 1),
        };
        let incl = |version| End { version, inclusive: true };
        let excl = |version| End { version, inclusive: false };
        match c.op {
            Op::Exact | Op::Wildcard => {
                if minor.is_some() && patch.is_some() {
                    lo = max_lo(lo, incl(exact()));
                    hi = min_hi(hi, incl(exact()));
                } else {
                    lo = max_lo(lo, incl(exact()));
                    hi = min_hi(hi, excl(past()));
                }
            }
            Op::Greater if minor.is_some() && patch.is_some() => lo = max_lo(lo, excl(exact())),
            Op::Greater => lo = max_lo(lo, incl(past())),
            Op::GreaterEq => lo = max_lo(lo, incl(exact())),
            Op::Less => hi = min_hi(hi, excl(exact())),
            Op::LessEq if minor.is_some() && patch.is_some() => hi = min_hi(hi, incl(exact())),
            Op::LessEq => hi = min_hi(hi, excl(past())),
            Op::Tilde => {
                lo = max_lo(lo, incl(exact()));
                hi = min_hi(hi, excl(if minor.is_some() { v(major, minor.unwrap_or(0) + 1, 0) } else { past() }));
            }
            Op::Caret => {
                lo = max_lo(lo, incl(exact()));
                let end = match (major, minor, patch) {
                    (0, Some(0), Some(p)) => v(0, 0, p + 1),
                    (0, Some(m), _) => v(0, m + 1, 0),
                    (m, _, _) => v(m + 1, 0, 0),
                };
                hi = min_hi(hi, excl(end));
            }
            _ => return Err("an operator this version of Cargo's grammar does not define"),
        }
    }
    if let (Some(l), Some(h)) = (&lo, &hi)
        && (l.version > h.version || (l.version == h.version && !(l.inclusive && h.inclusive)))
    {
        return Err("it names no version");
    }
    Ok(Range { kind: RangeKind::Semver, events: events(lo, hi, semver_successor) })
}

/// PEP 440 specifiers: each an interval, intersected.
fn pep440(specs: &pep440_rs::VersionSpecifiers) -> Result<Range, &'static str> {
    use pep440_rs::{Operator, Version};
    // The first version of the release after `release` with its last part raised: `==1.2.*`
    // ends where `1.3.dev0` begins.
    let next_release = |release: &[u64]| {
        let mut r = release.to_vec();
        if let Some(last) = r.last_mut() {
            *last += 1;
        }
        Version::new(r).with_dev(Some(0))
    };
    let (mut lo, mut hi) = (None, None);
    for s in specs.iter() {
        let version = s.version().clone();
        let plain = !version.any_prerelease() && !version.is_post() && !version.is_local();
        let incl = |version| End { version, inclusive: true };
        let excl = |version| End { version, inclusive: false };
        match s.operator() {
            Operator::GreaterThanEqual => lo = max_lo(lo, incl(version)),
            Operator::LessThanEqual if !version.is_local() => hi = min_hi(hi, incl(version)),
            // `<V` leaves out V's own pre-releases: it ends where V's first dev release begins.
            Operator::LessThan if plain => hi = min_hi(hi, excl(version.with_dev(Some(0)))),
            Operator::Equal if !version.is_local() => {
                lo = max_lo(lo, incl(version.clone()));
                hi = min_hi(hi, incl(version));
            }
            Operator::EqualStar => {
                lo = max_lo(lo, incl(Version::new(version.release().to_vec()).with_dev(Some(0))));
                hi = min_hi(hi, excl(next_release(version.release())));
            }
            Operator::TildeEqual => {
                let release = version.release();
                let prefix = &release[..release.len().saturating_sub(1)];
                lo = max_lo(lo, incl(version.clone()));
                hi = min_hi(hi, excl(next_release(prefix)));
            }
            Operator::GreaterThan => return Err("PEP 440's `>` leaves out post-releases, which OSV cannot say"),
            Operator::NotEqual | Operator::NotEqualStar => return Err("`!=` cuts a hole in a range"),
            Operator::ExactEqual => return Err("`===` compares text, not versions"),
            _ => return Err("a local version or a pre-release bound has no exact OSV end"),
        }
    }
    if let (Some(l), Some(h)) = (&lo, &hi)
        && (l.version > h.version || (l.version == h.version && !(l.inclusive && h.inclusive)))
    {
        return Err("it names no version");
    }
    Ok(Range { kind: RangeKind::Ecosystem, events: events(lo, hi, |_| unreachable!("no exclusive lower end")) })
}

#[cfg(test)]
mod tests {
    use crate::{Scheme, Spec, affects};

    fn form(eco: &str, spec: &str) -> String {
        let ranges = Spec::parse(eco, spec).unwrap().osv_ranges().unwrap_or_else(|e| panic!("{e}"));
        serde_json::to_string(&ranges).unwrap()
    }

    #[test]
    fn specifications_become_the_osv_ranges_naming_the_same_versions() {
        for (eco, spec, want) in [
            ("npm", "*", r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]"#),
            ("npm", "1.2.3", r#"[{"type":"SEMVER","events":[{"introduced":"1.2.3"},{"last_affected":"1.2.3"}]}]"#),
            ("npm", ">=1.2.0 <1.4.0", r#"[{"type":"SEMVER","events":[{"introduced":"1.2.0"},{"fixed":"1.4.0"}]}]"#),
            ("npm", ">1.2.3", r#"[{"type":"SEMVER","events":[{"introduced":"1.2.4-0"}]}]"#),
            ("npm", "^1.2.0", r#"[{"type":"SEMVER","events":[{"introduced":"1.2.0"},{"fixed":"2.0.0-0"}]}]"#),
            (
                "npm",
                "1.x || >=3.0.0 <=3.1.0",
                r#"[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"2.0.0-0"}]},{"type":"SEMVER","events":[{"introduced":"3.0.0"},{"last_affected":"3.1.0"}]}]"#,
            ),
            ("crates.io", ">=1.0, <2", r#"[{"type":"SEMVER","events":[{"introduced":"1.0.0"},{"fixed":"2.0.0"}]}]"#),
            ("crates.io", "^0.2.3", r#"[{"type":"SEMVER","events":[{"introduced":"0.2.3"},{"fixed":"0.3.0"}]}]"#),
            ("crates.io", "~1.4", r#"[{"type":"SEMVER","events":[{"introduced":"1.4.0"},{"fixed":"1.5.0"}]}]"#),
            ("PyPI", ">=1.0,<2.0", r#"[{"type":"ECOSYSTEM","events":[{"introduced":"1.0"},{"fixed":"2.0.dev0"}]}]"#),
            ("PyPI", "==1.2.*", r#"[{"type":"ECOSYSTEM","events":[{"introduced":"1.2.dev0"},{"fixed":"1.3.dev0"}]}]"#),
            ("PyPI", "~=1.4.2", r#"[{"type":"ECOSYSTEM","events":[{"introduced":"1.4.2"},{"fixed":"1.5.dev0"}]}]"#),
            ("PyPI", "<=3.1", r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"last_affected":"3.1"}]}]"#),
            ("RubyGems", "< 1.6.13", r#"[{"type":"ECOSYSTEM","events":[{"introduced":"0"},{"fixed":"1.6.13"}]}]"#),
        ] {
            assert_eq!(form(eco, spec), want, "{eco} {spec}");
        }
    }

    /// The OSV form names the versions the specification names, checked by OSV's own algorithm
    /// (the one the feed's ranges are matched with); pre-releases aside, which OSV takes in.
    #[test]
    fn the_osv_form_agrees_with_the_matcher() {
        for (eco, spec, versions) in [
            ("npm", ">=1.2.0 <1.4.0", &["1.1.9", "1.2.0", "1.3.7", "1.4.0", "2.0.0"][..]),
            ("npm", ">1.2.3 <=2.0.0", &["1.2.3", "1.2.4", "2.0.0", "2.0.1"]),
            ("npm", "~1.2.3 || 3.x", &["1.2.2", "1.2.3", "1.2.9", "1.3.0", "3.0.0", "3.9.9", "4.0.0"]),
            ("crates.io", ">1.2.3, <1.5", &["1.2.3", "1.2.4", "1.4.9", "1.5.0"]),
            ("crates.io", "=1.2", &["1.1.9", "1.2.0", "1.2.7", "1.3.0"]),
            ("PyPI", ">=1.0,<2.0", &["0.9", "1.0", "1.5.post1", "2.0", "2.0.1"]),
            ("PyPI", "~=2.2", &["2.1", "2.2", "2.9", "3.0", "3.0.1"]),
            ("PyPI", "==1.2.*", &["1.1", "1.2", "1.2.5", "1.3"]),
        ] {
            let s = Spec::parse(eco, spec).unwrap();
            let ranges = s.osv_ranges().unwrap();
            for v in versions {
                assert_eq!(
                    affects(Scheme::of(eco), &ranges, v).is_yes(),
                    s.matches(v),
                    "{eco} {spec} on {v}: {}",
                    serde_json::to_string(&ranges).unwrap()
                );
            }
        }
    }

    #[test]
    fn what_osv_cannot_say_is_refused_with_the_reason() {
        for (eco, spec, says) in
            [("PyPI", "!=1.5", "hole"), ("PyPI", ">1.0", "post-releases"), ("crates.io", ">=2, <1", "no version")]
        {
            let e = Spec::parse(eco, spec).unwrap().osv_ranges().unwrap_err();
            assert!(e.to_string().contains(says), "{eco} {spec}: {e}");
        }
    }
}
