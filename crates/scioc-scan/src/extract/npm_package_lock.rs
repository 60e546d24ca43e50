//! `package-lock.json` (lockfile versions 1, 2 and 3) and `npm-shrinkwrap.json`.

use super::{ExtractError, Extractor, Locator, file_name, integrity, json_error};
use crate::Package;
use serde_json::Value;
use std::path::Path;

/// The npm lockfile extractor.
pub(super) struct PackageLock;

/// The sections of a manifest that declare dependencies.
const DECLARED: [&str; 4] = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

/// The names an entry depends on, from the given sections.
pub(super) fn dependency_names(entry: &Value, sections: &[&str]) -> Vec<String> {
    sections.iter().filter_map(|s| entry.get(*s).and_then(Value::as_object)).flat_map(|m| m.keys().cloned()).collect()
}

/// Replaces install paths with dependency paths, resolved as Node resolves `require`.
pub(super) fn set_paths(out: &mut [Package], deps: &[Vec<String>], roots: &[String]) {
    let packages: Vec<(Vec<String>, Vec<String>)> =
        out.iter().map(|p| p.path.clone()).zip(deps.iter().cloned()).collect();
    for (p, chain) in out.iter_mut().zip(super::graph::node_paths(&packages, roots)) {
        p.path = chain;
    }
}

/// A lockfile v2/v3 read without building a JSON tree: strings borrowed from the text, and
/// only the fields the scanner uses. Files it cannot read so (escaped strings, other shapes)
/// go through the general path, which also reports syntax errors with their place.
#[derive(serde::Deserialize)]
struct FastLock<'a> {
    #[serde(borrow)]
    packages: Option<indexmap::IndexMap<&'a str, FastEntry<'a>>>,
}

#[derive(serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct FastEntry<'a> {
    name: Option<&'a str>,
    version: Option<&'a str>,
    resolved: Option<&'a str>,
    integrity: Option<&'a str>,
    link: Option<bool>,
    #[serde(borrow)]
    dependencies: Option<std::collections::HashMap<&'a str, serde::de::IgnoredAny>>,
    #[serde(borrow)]
    optional_dependencies: Option<std::collections::HashMap<&'a str, serde::de::IgnoredAny>>,
    #[serde(borrow)]
    peer_dependencies: Option<std::collections::HashMap<&'a str, serde::de::IgnoredAny>>,
    #[serde(borrow)]
    dev_dependencies: Option<std::collections::HashMap<&'a str, serde::de::IgnoredAny>>,
}

impl FastEntry<'_> {
    fn names(&self, dev: bool) -> Vec<String> {
        let dev = if dev { self.dev_dependencies.as_ref() } else { None };
        [self.dependencies.as_ref(), self.optional_dependencies.as_ref(), self.peer_dependencies.as_ref(), dev]
            .into_iter()
            .flatten()
            .flat_map(|m| m.keys().map(|k| (*k).to_owned()))
            .collect()
    }
}

fn fast_v2(path: &Path, text: &str, packages: indexmap::IndexMap<&str, FastEntry<'_>>) -> Vec<Package> {
    let mut locator = Locator::new(text);
    let mut out = Vec::with_capacity(packages.len());
    let mut deps = Vec::with_capacity(packages.len());
    for (key, entry) in &packages {
        if key.is_empty() || entry.link == Some(true) {
            continue;
        }
        let line = match locator.find(&format!("\"{key}\": {{")) {
            0 => locator.find(&format!("\"{key}\"")),
            line => line,
        };
        let chain: Vec<String> = key
            .split("node_modules/")
            .map(|s| s.trim_end_matches('/'))
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
            .collect();
        let Some(last) = chain.last() else { continue };
        let mut p = Package::new("npm", entry.name.unwrap_or(last), entry.version, path, line);
        p.hashes = entry.integrity.map(integrity).unwrap_or_default();
        p.resolved = entry.resolved.map(str::to_owned);
        p.path = chain;
        out.push(p);
        deps.push(entry.names(false));
    }
    let root = packages.get("").map(|r| r.names(true)).unwrap_or_default();
    set_paths(&mut out, &deps, &root);
    out
}

impl Extractor for PackageLock {
    fn name(&self) -> &'static str {
        "npm/package-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        matches!(file_name(path), "package-lock.json" | "npm-shrinkwrap.json")
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        if let Ok(lock) = serde_json::from_str::<FastLock<'_>>(text)
            && let Some(packages) = lock.packages
        {
            return Ok(fast_v2(path, text, packages));
        }
        let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, "JSON"))?;
        let mut out = Vec::new();
        let mut locator = Locator::new(text);
        // An entry is `"key": {` as npm writes it; the bare key may also appear earlier as a
        // `requires` or `dependencies` name.
        let mut locate = |key: &str| -> usize {
            match locator.find(&format!("\"{key}\": {{")) {
                0 => locator.find(&format!("\"{key}\"")),
                line => line,
            }
        };
        let mut deps: Vec<Vec<String>> = Vec::new();
        if let Some(packages) = doc.get("packages").and_then(Value::as_object) {
            // Lockfile v2 and v3: keys are install paths, "node_modules/a/node_modules/b".
            for (key, entry) in packages {
                if key.is_empty() || entry.get("link").and_then(Value::as_bool) == Some(true) {
                    continue;
                }
                let line = locate(key);
                let chain: Vec<String> = key
                    .split("node_modules/")
                    .map(|s| s.trim_end_matches('/').to_owned())
                    .filter(|s| !s.is_empty())
                    .collect();
                let Some(last) = chain.last() else { continue };
                let name = entry.get("name").and_then(Value::as_str).map_or_else(|| last.clone(), str::to_owned);
                let mut p = Package::new("npm", &name, entry.get("version").and_then(Value::as_str), path, line);
                p.hashes = entry.get("integrity").and_then(Value::as_str).map(integrity).unwrap_or_default();
                p.resolved = entry.get("resolved").and_then(Value::as_str).map(str::to_owned);
                p.path = chain;
                out.push(p);
                deps.push(dependency_names(entry, &["dependencies", "optionalDependencies", "peerDependencies"]));
            }
            let root = packages.get("").map(|r| dependency_names(r, &DECLARED)).unwrap_or_default();
            set_paths(&mut out, &deps, &root);
        } else if let Some(top) = doc.get("dependencies").and_then(Value::as_object) {
            // Lockfile v1: nested "dependencies".
            fn walk(
                level: &serde_json::Map<String, Value>,
                parents: &[String],
                path: &Path,
                locate: &mut dyn FnMut(&str) -> usize,
                out: &mut Vec<Package>,
                deps: &mut Vec<Vec<String>>,
            ) {
                for (name, entry) in level {
                    let line = locate(name);
                    let mut chain = parents.to_vec();
                    chain.push(name.clone());
                    let mut p = Package::new("npm", name, entry.get("version").and_then(Value::as_str), path, line);
                    p.hashes = entry.get("integrity").and_then(Value::as_str).map(integrity).unwrap_or_default();
                    p.resolved = entry.get("resolved").and_then(Value::as_str).map(str::to_owned);
                    p.path = chain.clone();
                    out.push(p);
                    deps.push(dependency_names(entry, &["requires"]));
                    if let Some(nested) = entry.get("dependencies").and_then(Value::as_object) {
                        walk(nested, &chain, path, locate, out, deps);
                    }
                }
            }
            walk(top, &[], path, &mut locate, &mut out, &mut deps);
            // Version 1 does not list the project's own dependencies: the roots are the packages
            // nothing else requires.
            set_paths(&mut out, &deps, &[]);
        } else {
            return Err(ExtractError {
                line: 1,
                column: 1,
                message: "no \"packages\" or \"dependencies\" object; not an npm lockfile".into(),
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn v3_with_scopes_nesting_and_integrity() {
        let text = r#"{
  "name": "app",
  "lockfileVersion": 3,
  "packages": {
    "": {"name": "app"},
    "node_modules/@scope/a": {"version": "1.0.0", "integrity": "sha512-AAAA"},
    "node_modules/@scope/a/node_modules/b": {"version": "2.0.0", "integrity": "sha1-qtbWefFaciHtlHlVPUTjRz8FNvE="}
  }
}"#;
        let p = PackageLock.extract(Path::new("package-lock.json"), text).unwrap();
        assert_eq!(p.len(), 2);
        assert_eq!((p[0].name.as_str(), p[0].line), ("@scope/a", 6));
        assert_eq!(p[1].path, vec!["@scope/a", "b"]);
        assert_eq!((p[1].hashes[0].0, p[1].hashes[0].1.len()), ("sha1", 40));
    }

    #[test]
    fn escaped_keys_take_the_general_path() {
        let text = r#"{"lockfileVersion": 3, "packages": {"": {}, "node_modules/\u0061": {"version": "1.0.0"}}}"#;
        let p = PackageLock.extract(Path::new("package-lock.json"), text).unwrap();
        assert_eq!((p[0].name.as_str(), p[0].version.as_deref()), ("a", Some("1.0.0")));
    }

    #[test]
    fn v1_nested_dependencies() {
        let text = r#"{"lockfileVersion": 1, "dependencies": {"a": {"version": "1.0.0", "dependencies": {"b": {"version": "2.0.0"}}}}}"#;
        let p = PackageLock.extract(Path::new("package-lock.json"), text).unwrap();
        assert_eq!(p[1].path, vec!["a", "b"]);
    }

    #[test]
    fn malformed_files_name_line_and_column() {
        let e = PackageLock.extract(Path::new("package-lock.json"), "{\n  \"packages\": [,\n}").unwrap_err();
        assert_eq!((e.line, e.column > 0), (2, true));
    }
}
