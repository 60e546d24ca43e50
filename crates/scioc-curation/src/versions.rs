//! Version specifications per ecosystem: npm semver ranges, PEP 440 for PyPI, Cargo semver for
//! crates.io; other ecosystems take exact versions, `*`, or ToolTrust's `< X` / `<= X`.

/// Whether `spec` names exact versions only (no range, no `*`), so that feed events can be made
/// for it.
pub fn is_concrete(ecosystem: &str, spec: &str) -> bool {
    let s = spec.trim();
    if s == "*" || s.is_empty() {
        return false;
    }
    match ecosystem {
        "npm" => node_semver::Version::parse(s).is_ok(),
        "PyPI" => s.parse::<pep440_rs::Version>().is_ok(),
        "crates.io" => semver::Version::parse(s).is_ok(),
        _ => !s.contains(['<', '>', '=', '^', '~', '*', ' ', ',', '|']),
    }
}

/// Checks a version specification for an ecosystem, saying what was expected.
pub fn check(ecosystem: &str, spec: &str) -> Result<(), String> {
    let s = spec.trim();
    if s != spec || s.is_empty() {
        return Err(format!("expected a version or range without surrounding spaces, got {spec:?}"));
    }
    if s == "*" {
        return Ok(());
    }
    match ecosystem {
        "npm" => node_semver::Range::parse(s).map(|_| ()).map_err(|_| {
            format!("expected an npm version or semver range (1.2.3, >=1.0.0 <2.0.0, ^1.2, ~1.2.3), got {spec:?}")
        }),
        "PyPI" => {
            if s.parse::<pep440_rs::Version>().is_ok() || s.parse::<pep440_rs::VersionSpecifiers>().is_ok() {
                Ok(())
            } else {
                Err(format!("expected a PEP 440 version or specifier (1.0.2, >=1.0,<2.0, ==1.*), got {spec:?}"))
            }
        }
        "crates.io" => {
            if semver::Version::parse(s).is_ok() || semver::VersionReq::parse(s).is_ok() {
                Ok(())
            } else {
                Err(format!("expected a Cargo version or requirement (1.2.3, >=1.0, <2), got {spec:?}"))
            }
        }
        _ => {
            let version = s.strip_prefix("<=").or_else(|| s.strip_prefix('<')).map(str::trim).unwrap_or(s);
            if version.is_empty()
                || version.contains(char::is_whitespace)
                || version.contains(['>', '^', '~', '|', ','])
            {
                Err(format!("expected an exact version, \"*\", \"< X\" or \"<= X\", got {spec:?}"))
            } else {
                Ok(())
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_per_ecosystem() {
        for ok in ["1.14.1", ">=1.0.0 <2.0.0", "^1.2", "~1.2.3", "< 2.0.0", "1.x || >=3", "*"] {
            assert!(check("npm", ok).is_ok(), "npm {ok}");
        }
        assert!(check("npm", "one.two").is_err());
        for ok in ["8.3.41", ">=1.0,<2.0", "==1.*", "1.0.2.post1"] {
            assert!(check("PyPI", ok).is_ok(), "PyPI {ok}");
        }
        assert!(check("PyPI", "=>1").is_err());
        assert!(check("crates.io", ">=1.0, <2").is_ok() && check("crates.io", "x.y").is_err());
        assert!(
            check("RubyGems", "3.2.0.3").is_ok()
                && check("RubyGems", "<= 1.6.13").is_ok()
                && check("RubyGems", ">= 1").is_err()
        );
        assert!(check("npm", " 1.0.0").is_err());
        assert!(is_concrete("npm", "1.14.1") && !is_concrete("npm", "^1.0.0") && !is_concrete("npm", "*"));
        assert!(is_concrete("PyPI", "8.3.41") && !is_concrete("PyPI", ">=8"));
    }
}
