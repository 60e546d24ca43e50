//! Building canonical package URLs from an ecosystem's package name.

use crate::{ValueError, ValueKind};

/// Splits a package name into purl namespace and name, per purl type: an npm scope, a Maven
/// group, a Go or Composer path prefix.
pub fn split_name<'a>(purl_type: &str, name: &'a str) -> (Option<&'a str>, &'a str) {
    let split = match purl_type {
        "npm" if name.starts_with('@') => name.split_once('/'),
        "maven" => name.split_once(':'),
        "golang" | "composer" => name.rsplit_once('/'),
        _ => None,
    };
    match split {
        Some((ns, n)) if !ns.is_empty() && !n.is_empty() => (Some(ns), n),
        _ => (None, name),
    }
}

/// The canonical purl of a package (and version) of a purl type.
pub fn build_purl(purl_type: &str, name: &str, version: Option<&str>) -> Result<String, ValueError> {
    let err = |m: String| ValueError::new(ValueKind::Purl, m);
    let (namespace, short) = split_name(purl_type, name);
    let mut p =
        packageurl::PackageUrl::new(purl_type, short).map_err(|e| err(format!("package name {name:?}: {e}")))?;
    if let Some(ns) = namespace {
        p.with_namespace(ns).map_err(|e| err(format!("package name {name:?}: {e}")))?;
    }
    if let Some(v) = version {
        p.with_version(v).map_err(|e| err(format!("version {v:?}: {e}")))?;
    }
    Ok(canonical_purl(&p))
}

/// The one spelling scioc writes a purl in: `packageurl`'s, with a `/` in the version
/// percent-encoded as the purl spec asks (`packageurl` leaves it, and a reader then takes the
/// rest for a subpath). Reading decodes it, so a written purl always reads back as itself.
pub fn canonical_purl(p: &packageurl::PackageUrl<'_>) -> String {
    let s = p.to_string();
    // The name and namespace have their `@` encoded, so the first `@` starts the version,
    // which runs to the qualifiers (`?`) or the subpath (`#`).
    let Some(at) = s.find('@') else { return s };
    let end = s[at..].find(['?', '#']).map_or(s.len(), |i| at + i);
    format!("{}{}{}", &s[..at], s[at..end].replace('/', "%2F"), &s[end..])
}

/// Reads a purl into its type, the package name as its ecosystem writes it (an npm scope
/// joined with `/`, a Maven group with `:`) and its version: the inverse of [`build_purl`].
pub fn parse_purl(purl: &str) -> Option<(String, String, Option<String>)> {
    let p: packageurl::PackageUrl = purl.parse().ok()?;
    let ty = p.ty().to_owned();
    let name = match (p.namespace(), ty.as_str()) {
        (Some(ns), "maven") => format!("{ns}:{}", p.name()),
        (Some(ns), _) => format!("{ns}/{}", p.name()),
        (None, _) => p.name().to_owned(),
    };
    Some((ty, name, p.version().map(str::to_owned)))
}

/// The purl type of an ecosystem as OSV and ToolTrust spell it, if it has one.
pub fn purl_type_of(ecosystem: &str) -> Option<&'static str> {
    Some(match ecosystem.split(':').next().unwrap_or("") {
        "npm" => "npm",
        "PyPI" => "pypi",
        "RubyGems" => "gem",
        "NuGet" => "nuget",
        "Go" => "golang",
        "crates.io" => "cargo",
        "Maven" => "maven",
        "Packagist" => "composer",
        "Pub" => "pub",
        "Hex" => "hex",
        _ => return None,
    })
}

/// The ecosystem name (OSV's spelling) of a purl type.
pub fn ecosystem_of(purl_type: &str) -> Option<&'static str> {
    Some(match purl_type {
        "npm" => "npm",
        "pypi" => "PyPI",
        "gem" => "RubyGems",
        "nuget" => "NuGet",
        "golang" => "Go",
        "cargo" => "crates.io",
        "maven" => "Maven",
        "composer" => "Packagist",
        "pub" => "Pub",
        "hex" => "Hex",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_split_per_ecosystem() {
        assert_eq!(build_purl("npm", "@scope/pkg", Some("1.0.0")).unwrap(), "pkg:npm/%40scope/pkg@1.0.0");
        assert_eq!(build_purl("maven", "org.example:evil", None).unwrap(), "pkg:maven/org.example/evil");
        assert_eq!(build_purl("golang", "github.com/a/b", Some("v1.0.0")).unwrap(), "pkg:golang/github.com/a/b@v1.0.0");
        assert_eq!(build_purl("npm", "pattern.json", None).unwrap(), "pkg:npm/pattern.json");
        // The purl spec percent-encodes a `/` in the version; it must read back as written.
        let slashed = build_purl("npm", "evil", Some("1.0.0/../x")).unwrap();
        assert!(slashed.ends_with("@1.0.0%2F..%2Fx"), "{slashed}");
        assert_eq!(parse_purl(&slashed), Some(("npm".into(), "evil".into(), Some("1.0.0/../x".into()))));
        assert_eq!(
            parse_purl("pkg:npm/%40scope/pkg@1.0.0"),
            Some(("npm".into(), "@scope/pkg".into(), Some("1.0.0".into())))
        );
        for eco in ["npm", "PyPI", "RubyGems", "NuGet", "Go", "crates.io", "Maven"] {
            assert_eq!(ecosystem_of(purl_type_of(eco).unwrap()), Some(eco));
        }
    }
}
