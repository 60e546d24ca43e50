//! Whether a version falls in a specification: npm semver ranges, PEP 440 specifiers, Cargo
//! requirements, and for other ecosystems exact versions, `*`, `< X` and `<= X`.

/// Whether `version` is named by `spec` in `ecosystem`.
pub fn matches(ecosystem: &str, spec: &str, version: &str) -> bool {
    let spec = spec.trim();
    if spec == "*" {
        return true;
    }
    match ecosystem {
        "npm" => match (node_semver::Version::parse(version), node_semver::Range::parse(spec)) {
            (Ok(v), Ok(r)) => r.satisfies(&v),
            _ => spec == version,
        },
        "PyPI" => {
            let Ok(v) = version.parse::<pep440_rs::Version>() else { return spec == version };
            if let Ok(exact) = spec.parse::<pep440_rs::Version>() {
                return exact == v;
            }
            spec.parse::<pep440_rs::VersionSpecifiers>().is_ok_and(|s| s.contains(&v))
        }
        "crates.io" => match semver::Version::parse(version) {
            Ok(v) => match semver::Version::parse(spec) {
                Ok(exact) => exact == v,
                Err(_) => semver::VersionReq::parse(spec).is_ok_and(|r| r.matches(&v)),
            },
            Err(_) => spec == version,
        },
        _ => {
            if let Some(bound) = spec.strip_prefix("<=") {
                compare_loose(version, bound.trim()).is_le()
            } else if let Some(bound) = spec.strip_prefix('<') {
                compare_loose(version, bound.trim()).is_lt()
            } else {
                spec == version
            }
        }
    }
}

/// Orders dotted versions part by part, numerically where both parts are numbers.
fn compare_loose(a: &str, b: &str) -> std::cmp::Ordering {
    let parts = |s: &str| s.split(['.', '-']).map(str::to_owned).collect::<Vec<_>>();
    for (x, y) in parts(a).iter().zip(parts(b).iter()) {
        let ord = match (x.parse::<u64>(), y.parse::<u64>()) {
            (Ok(x), Ok(y)) => x.cmp(&y),
            _ => x.cmp(y),
        };
        if ord.is_ne() {
            return ord;
        }
    }
    parts(a).len().cmp(&parts(b).len())
}

#[cfg(test)]
mod tests {
    use super::matches;

    #[test]
    fn range_syntaxes() {
        for (spec, v, want) in [
            ("1.14.1", "1.14.1", true),
            ("1.14.1", "1.14.2", false),
            ("<1.0.0", "0.9.9", true),
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
            ("*", "0.0.1", true),
        ] {
            assert_eq!(matches("npm", spec, v), want, "npm {spec} {v}");
        }
        assert!(matches("PyPI", "8.3.41", "8.3.41.0"), "PEP 440 equality");
        assert!(matches("PyPI", ">=8.3.41,<8.3.47", "8.3.45"));
        assert!(!matches("PyPI", ">=8.3.41,<8.3.47", "8.3.47"));
        assert!(matches("PyPI", "0.1.2-1", "0.1.2.post1"));
        assert!(matches("crates.io", "^1.2", "1.4.0") && !matches("crates.io", "=1.2.0", "1.2.1"));
        assert!(matches("RubyGems", "<= 1.6.13", "1.6.10") && !matches("RubyGems", "< 1.6.10", "1.6.10"));
    }
}
