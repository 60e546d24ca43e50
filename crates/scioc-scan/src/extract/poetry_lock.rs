//! `poetry.lock`: `[[package]]` name and version, `files` with `sha256:` hashes, and
//! `[package.dependencies]` for the paths.

use super::{ExtractError, Extractor, Locator, file_name, graph::Graph, prefixed_hash, toml_error};
use crate::{Package, normalize};
use std::path::Path;

/// The Poetry lockfile extractor.
pub(super) struct PoetryLock;

impl Extractor for PoetryLock {
    fn name(&self) -> &'static str {
        "python/poetry-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "poetry.lock"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, &e, "a poetry.lock"))?;
        let mut locator = Locator::new(text);
        let mut graph = Graph::default();
        let mut out = Vec::new();
        for (i, pkg) in doc.get("package").and_then(|p| p.as_array()).into_iter().flatten().enumerate() {
            let field = |k: &str| pkg.get(k).and_then(|v| v.as_str());
            let line = locator.find("[[package]]");
            let (Some(name), Some(version)) = (field("name"), field("version")) else {
                return Err(ExtractError::at(line, format!("[[package]] number {} has no name or version", i + 1)));
            };
            let node = graph.package(&normalize("PyPI", name), name);
            for dep in pkg.get("dependencies").and_then(|d| d.as_table()).into_iter().flatten().map(|(k, _)| k) {
                graph.edge(node, normalize("PyPI", dep));
            }
            let mut p = Package::new("PyPI", name, Some(version), path, line);
            p.hashes = pkg
                .get("files")
                .and_then(|f| f.as_array())
                .into_iter()
                .flatten()
                .filter_map(|f| f.get("hash").and_then(|h| h.as_str()).and_then(prefixed_hash))
                .collect();
            out.push(p);
        }
        graph.assign_paths(&mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_hashes_and_paths() {
        let h = "ab".repeat(32);
        let text = format!(
            "[[package]]\nname = \"flask\"\nversion = \"3.0.0\"\nfiles = []\n\n[package.dependencies]\nJinja2 = \">=3\"\n\n[[package]]\nname = \"jinja2\"\nversion = \"3.1.0\"\nfiles = [\n    {{file = \"jinja2-3.1.0.tar.gz\", hash = \"sha256:{h}\"}},\n]\n"
        );
        let p = PoetryLock.extract(Path::new("poetry.lock"), &text).unwrap();
        assert_eq!((p[1].name.as_str(), p[1].line), ("jinja2", 9));
        assert_eq!(p[1].hashes, vec![("sha256", h)]);
        assert_eq!(p[1].path, vec!["flask", "jinja2"]);
        assert!(PoetryLock.extract(Path::new("poetry.lock"), "[[package]]\nname = \"x\"\n").is_err());
    }
}
