//! `Cargo.lock` (all versions): `[[package]]` name, version, `checksum` (the SHA-256 of the
//! `.crate`) and `dependencies`, from which the paths are drawn.

use super::{ExtractError, Extractor, Locator, file_name, graph::Graph, toml_error};
use crate::Package;
use std::path::Path;

/// The Cargo lockfile extractor.
pub(super) struct CargoLock;

impl Extractor for CargoLock {
    fn name(&self) -> &'static str {
        "rust/cargo-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "Cargo.lock"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, &e, "a Cargo.lock"))?;
        let mut out = Vec::new();
        let mut graph = Graph::default();
        let mut locator = Locator::new(text);
        let packages = doc.get("package").and_then(|p| p.as_array()).map(Vec::as_slice).unwrap_or_default();
        // Dependencies are written `name` when one version is locked, else `name version`.
        let mut only_version: std::collections::HashMap<&str, &str> = std::collections::HashMap::new();
        for pkg in packages {
            if let (Some(n), Some(v)) =
                (pkg.get("name").and_then(|n| n.as_str()), pkg.get("version").and_then(|v| v.as_str()))
            {
                only_version.insert(n, v);
            }
        }
        for (i, pkg) in packages.iter().enumerate() {
            let field = |k: &str| pkg.get(k).and_then(|v| v.as_str());
            let (Some(name), Some(version)) = (field("name"), field("version")) else {
                return Err(ExtractError::at(0, format!("[[package]] number {} has no name or version", i + 1)));
            };
            let line = locator.find(&format!("name = \"{name}\""));
            let node = graph.package(&format!("{name} {version}"), name);
            for dep in pkg.get("dependencies").and_then(|d| d.as_array()).into_iter().flatten() {
                let Some(dep) = dep.as_str() else { continue };
                let mut parts = dep.split(' ');
                let dep_name = parts.next().unwrap_or_default();
                let key = match parts.next() {
                    Some(v) => format!("{dep_name} {v}"),
                    None => format!("{dep_name} {}", only_version.get(dep_name).copied().unwrap_or_default()),
                };
                graph.edge(node, key);
            }
            // The workspace's own crates come from no registry: roots, not dependencies.
            if field("source").is_none() {
                graph.root(format!("{name} {version}"));
                out.push(None);
                continue;
            }
            let mut p = Package::new("crates.io", name, Some(version), path, line);
            p.hashes = field("checksum").map(|c| ("sha256", c.to_ascii_lowercase())).into_iter().collect();
            p.resolved = field("source").map(str::to_owned);
            out.push(Some(p));
        }
        Ok(out
            .into_iter()
            .zip(graph.package_paths())
            .filter_map(|(p, chain)| {
                p.map(|mut p| {
                    p.path = chain;
                    p
                })
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_packages_with_checksums_and_paths() {
        let text = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\n \"rustdecimal\",\n]\n\n[[package]]\nname = \"rustdecimal\"\nversion = \"1.23.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"ABCDEF\"\n";
        let p = CargoLock.extract(Path::new("Cargo.lock"), text).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name.as_str(), p[0].line, p[0].hashes[0].1.as_str()), ("rustdecimal", 11, "abcdef"));
        assert_eq!(p[0].path, vec!["app", "rustdecimal"]);
        let e = CargoLock.extract(Path::new("Cargo.lock"), "[[package]\n").unwrap_err();
        assert_eq!((e.line, e.column > 0), (1, true));
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    /// The same crate listed twice shares one node, and both entries get its path.
    #[test]
    fn a_package_listed_twice_keeps_every_path_right() {
        let entry = |name: &str, deps: &str| {
            format!(
                "[[package]]\nname = \"{name}\"\nversion = \"1.0.0\"\nsource = \"registry+https://x\"\ndependencies = [{deps}]\n\n"
            )
        };
        let text = format!(
            "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\ndependencies = [\"a\"]\n\n{}{}{}",
            entry("a", "\"b\""),
            entry("b", ""),
            entry("b", "")
        );
        let p = CargoLock.extract(Path::new("Cargo.lock"), &text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.path.join(">"))).collect();
        assert_eq!(got, vec![("a", "app>a".into()), ("b", "app>a>b".into()), ("b", "app>a>b".into())]);
    }
}
