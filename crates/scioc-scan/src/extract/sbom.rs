//! SBOMs in JSON: CycloneDX (`bom.json`, `*.cdx.json`) and SPDX (`*.spdx.json`).
//!
//! Components are identified by their package URL, which carries the ecosystem; components
//! without one (files, containers, the application itself) are skipped. Hashes come from
//! CycloneDX `hashes` and SPDX `checksums`; paths from CycloneDX `dependencies` and SPDX
//! `DEPENDS_ON` relationships.

use super::{ExtractError, Extractor, Locator, algorithm, file_name, graph::Graph, json_error};
use crate::Package;
use serde_json::Value;
use std::path::Path;

/// The CycloneDX JSON extractor.
pub(super) struct CycloneDx;

/// The SPDX JSON extractor.
pub(super) struct Spdx;

/// `(ecosystem, name, version)` of a package URL, the name with its namespace as the
/// ecosystem writes it (`@scope/name` for npm, `group:artifact` for Maven).
fn from_purl(purl: &str) -> Option<(&'static str, String, Option<String>)> {
    let p: packageurl::PackageUrl = purl.parse().ok()?;
    let ecosystem = scioc_model::ecosystem_of(p.ty())?;
    let name = match (p.namespace(), p.ty()) {
        (Some(ns), "maven") => format!("{ns}:{}", p.name()),
        (Some(ns), _) => format!("{ns}/{}", p.name()),
        (None, _) => p.name().to_owned(),
    };
    Some((ecosystem, name, p.version().map(str::to_owned)))
}

impl Extractor for CycloneDx {
    fn name(&self) -> &'static str {
        "sbom/cyclonedx"
    }

    fn file_required(&self, path: &Path) -> bool {
        let name = file_name(path);
        matches!(name, "bom.json" | "sbom.json" | "cyclonedx.json") || name.ends_with(".cdx.json")
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, "JSON"))?;
        if doc.get("bomFormat").and_then(Value::as_str) != Some("CycloneDX") {
            return Err(ExtractError::at(1, "\"bomFormat\" is not \"CycloneDX\"; not a CycloneDX SBOM"));
        }
        let mut flat = Vec::new();
        fn collect<'a>(components: Option<&'a Value>, flat: &mut Vec<&'a Value>) {
            for c in components.and_then(Value::as_array).into_iter().flatten() {
                flat.push(c);
                collect(c.get("components"), flat);
            }
        }
        collect(doc.get("components"), &mut flat);
        let mut locator = Locator::new(text);
        let mut graph = Graph::default();
        let mut out = Vec::new();
        for c in flat {
            let Some(purl) = c.get("purl").and_then(Value::as_str) else { continue };
            let line = locator.find(&serde_json::to_string(purl).unwrap_or_default());
            let Some((ecosystem, name, version)) = from_purl(purl) else { continue };
            let reference = c.get("bom-ref").and_then(Value::as_str).unwrap_or(purl);
            let fresh = graph.len();
            let node = graph.node(reference, &name);
            if node < fresh {
                continue; // listed already
            }
            graph.mark_package(node);
            let mut p = Package::new(ecosystem, &name, version.as_deref(), path, line);
            for h in c.get("hashes").and_then(Value::as_array).into_iter().flatten() {
                let alg = h.get("alg").and_then(Value::as_str).and_then(algorithm);
                if let (Some(a), Some(v)) = (alg, h.get("content").and_then(Value::as_str)) {
                    p.hashes.push((a, v.to_ascii_lowercase()));
                }
            }
            out.push(p);
        }
        let root = doc.pointer("/metadata/component/bom-ref").and_then(Value::as_str);
        for d in doc.get("dependencies").and_then(Value::as_array).into_iter().flatten() {
            let Some(from) = d.get("ref").and_then(Value::as_str) else { continue };
            let targets = d.get("dependsOn").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str);
            if Some(from) == root {
                targets.for_each(|t| graph.root(t.to_owned()));
            } else {
                let node = graph.node(from, from);
                targets.for_each(|t| graph.edge(node, t.to_owned()));
            }
        }
        graph.assign_paths(&mut out);
        Ok(out)
    }
}

impl Extractor for Spdx {
    fn name(&self) -> &'static str {
        "sbom/spdx"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path).ends_with(".spdx.json")
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, "JSON"))?;
        if doc.get("spdxVersion").and_then(Value::as_str).is_none_or(|v| !v.starts_with("SPDX-")) {
            return Err(ExtractError::at(1, "no \"spdxVersion\"; not an SPDX SBOM"));
        }
        let mut locator = Locator::new(text);
        let mut graph = Graph::default();
        let mut out = Vec::new();
        for pkg in doc.get("packages").and_then(Value::as_array).into_iter().flatten() {
            let id = pkg.get("SPDXID").and_then(Value::as_str).unwrap_or_default();
            let line = locator.find(&format!("\"{id}\""));
            let purl = pkg
                .get("externalRefs")
                .and_then(Value::as_array)
                .into_iter()
                .flatten()
                .find(|r| r.get("referenceType").and_then(Value::as_str) == Some("purl"))
                .and_then(|r| r.get("referenceLocator").and_then(Value::as_str));
            let Some((ecosystem, name, version)) = purl.and_then(from_purl) else { continue };
            graph.package(id, &name);
            let mut p = Package::new(ecosystem, &name, version.as_deref(), path, line);
            for c in pkg.get("checksums").and_then(Value::as_array).into_iter().flatten() {
                let alg = c.get("algorithm").and_then(Value::as_str).and_then(algorithm);
                if let (Some(a), Some(v)) = (alg, c.get("checksumValue").and_then(Value::as_str)) {
                    p.hashes.push((a, v.to_ascii_lowercase()));
                }
            }
            p.resolved =
                pkg.get("downloadLocation").and_then(Value::as_str).filter(|d| d.contains("://")).map(str::to_owned);
            out.push(p);
        }
        let described: Vec<&str> = doc
            .get("documentDescribes")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_str)
            .collect();
        for r in doc.get("relationships").and_then(Value::as_array).into_iter().flatten() {
            let field = |k: &str| r.get(k).and_then(Value::as_str).unwrap_or_default();
            let (from, kind, to) = (field("spdxElementId"), field("relationshipType"), field("relatedSpdxElement"));
            let (from, to) = match kind {
                "DEPENDS_ON" => (from, to),
                "DEPENDENCY_OF" => (to, from),
                _ => continue,
            };
            if described.contains(&from) {
                graph.root(to.to_owned());
            } else {
                let node = graph.node(from, from);
                graph.edge(node, to.to_owned());
            }
        }
        graph.assign_paths(&mut out);
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cyclonedx_components_hashes_and_dependencies() {
        let text = r#"{
  "bomFormat": "CycloneDX",
  "specVersion": "1.6",
  "metadata": {"component": {"bom-ref": "app", "name": "app"}},
  "components": [
    {"bom-ref": "a", "name": "a", "purl": "pkg:npm/%40s/a@1.0.0",
     "hashes": [{"alg": "SHA-512", "content": "AB"}],
     "components": [{"bom-ref": "b", "purl": "pkg:pypi/ctx@0.2.6"}]},
    {"bom-ref": "f", "name": "a file"}
  ],
  "dependencies": [{"ref": "app", "dependsOn": ["a"]}, {"ref": "a", "dependsOn": ["b"]}]
}"#;
        let p = CycloneDx.extract(Path::new("bom.json"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.ecosystem, p.name.as_str(), p.line, p.path.join(">"))).collect();
        assert_eq!(got, vec![("npm", "@s/a", 6, "@s/a".into()), ("PyPI", "ctx", 8, "@s/a>ctx".into())]);
        assert_eq!(p[0].hashes, vec![("sha512", "ab".to_owned())]);
        assert!(CycloneDx.extract(Path::new("bom.json"), r#"{"bomFormat": "x"}"#).is_err());
    }

    #[test]
    fn spdx_packages_checksums_and_relationships() {
        let text = r#"{
  "spdxVersion": "SPDX-2.3",
  "documentDescribes": ["SPDXRef-app"],
  "packages": [
    {"SPDXID": "SPDXRef-app", "name": "app"},
    {"SPDXID": "SPDXRef-a", "name": "a", "externalRefs": [{"referenceType": "purl", "referenceLocator": "pkg:gem/rails@7.0.4"}],
     "checksums": [{"algorithm": "SHA256", "checksumValue": "CD"}]}
  ],
  "relationships": [{"spdxElementId": "SPDXRef-app", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-a"}]
}"#;
        let p = Spdx.extract(Path::new("x.spdx.json"), text).unwrap();
        assert_eq!((p[0].ecosystem, p[0].name.as_str(), p[0].line), ("RubyGems", "rails", 6));
        assert_eq!(p[0].hashes, vec![("sha256", "cd".to_owned())]);
        assert!(Spdx.extract(Path::new("x.spdx.json"), "{}").is_err());
    }
}
