//! `uv.lock`: `[[package]]` name, version and `source`, the `sdist` and `wheels` hashes, and
//! `dependencies` for the paths. The project itself (an editable, virtual or workspace source)
//! is a root, not a dependency.

use super::{ExtractError, Extractor, Locator, file_name, graph::Graph, prefixed_hash, toml_error};
use crate::{Package, normalize};
use std::path::Path;

/// The uv lockfile extractor.
pub(super) struct UvLock;

impl Extractor for UvLock {
    fn name(&self) -> &'static str {
        "python/uv-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "uv.lock"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, &e, "a uv.lock"))?;
        let mut locator = Locator::new(text);
        let mut graph = Graph::default();
        let mut out = Vec::new();
        for (i, pkg) in doc.get("package").and_then(|p| p.as_array()).into_iter().flatten().enumerate() {
            let line = locator.find("[[package]]");
            let Some(name) = pkg.get("name").and_then(|v| v.as_str()) else {
                return Err(ExtractError::at(line, format!("[[package]] number {} has no name", i + 1)));
            };
            let node = graph.package(&normalize("PyPI", name), name);
            for dep in pkg.get("dependencies").and_then(|d| d.as_array()).into_iter().flatten() {
                if let Some(d) = dep.get("name").and_then(|n| n.as_str()) {
                    graph.edge(node, normalize("PyPI", d));
                }
            }
            let source = pkg.get("source").and_then(|s| s.as_table());
            let local = source.is_some_and(|s| ["editable", "virtual", "directory"].iter().any(|k| s.contains_key(*k)));
            if local {
                graph.root(normalize("PyPI", name));
                out.push(None);
                continue;
            }
            let mut p = Package::new("PyPI", name, pkg.get("version").and_then(|v| v.as_str()), path, line);
            let sdist = pkg.get("sdist").into_iter();
            let wheels = pkg.get("wheels").and_then(|w| w.as_array()).into_iter().flatten();
            p.hashes = sdist
                .chain(wheels)
                .filter_map(|f| f.get("hash").and_then(|h| h.as_str()).and_then(prefixed_hash))
                .collect();
            p.resolved =
                source.and_then(|s| s.get("registry").or(s.get("url"))).and_then(|r| r.as_str()).map(str::to_owned);
            out.push(Some(p));
        }
        Ok(out
            .into_iter()
            .zip(graph.package_paths())
            .filter_map(|(p, chain)| {
                let mut p = p?;
                p.path = chain;
                Some(p)
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_packages_hashes_and_paths_from_the_project() {
        let h = "ef".repeat(32);
        let text = format!(
            "version = 1\nrequires-python = \">=3.11\"\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\nsource = {{ virtual = \".\" }}\ndependencies = [\n    {{ name = \"requests\" }},\n]\n\n[[package]]\nname = \"requests\"\nversion = \"2.31.0\"\nsource = {{ registry = \"https://pypi.org/simple\" }}\nsdist = {{ url = \"https://x/requests-2.31.0.tar.gz\", hash = \"sha256:{h}\", size = 1 }}\nwheels = [\n    {{ url = \"https://x/requests-2.31.0-py3-none-any.whl\", hash = \"sha256:{h}\", size = 1 }},\n]\n"
        );
        let p = UvLock.extract(Path::new("uv.lock"), &text).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name.as_str(), p[0].line, p[0].hashes.len()), ("requests", 12, 2));
        assert_eq!(p[0].path, vec!["app", "requests"]);
        assert!(UvLock.extract(Path::new("uv.lock"), "[[package]]\nversion = \"1\"\n").is_err());
    }
}
