//! `package.json`: the package itself with its lifecycle scripts, and its direct dependencies.
//!
//! A dependency declared with an exact version (`"x": "1.2.3"`, `"x": "npm:real@1.2.3"`) is
//! matched by version; one declared with a range is matched by name only (against packages
//! whose every version is malicious, and name indicators), since the range says nothing of
//! what was installed. [`crate::scan()`] drops these declared dependencies when a lockfile sits
//! beside the manifest, since the lockfile says exactly what was resolved.

use super::{ExtractError, Extractor, Locator, file_name, json_error, split_at_version};
use crate::{LIFECYCLE_SCRIPTS, Package};
use serde_json::Value;
use std::path::Path;

/// The `package.json` extractor.
pub(super) struct PackageJson;

/// The sections of `package.json` that declare dependencies.
const SECTIONS: [&str; 4] = ["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"];

impl Extractor for PackageJson {
    fn name(&self) -> &'static str {
        "npm/package-json"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "package.json"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, "JSON"))?;
        let root = manifest(path, text, &doc)?;
        let mut out = Vec::new();
        for section in SECTIONS {
            let Some(deps) = doc.get(section).and_then(Value::as_object) else { continue };
            let mut locator = Locator::new(text);
            locator.find(&format!("\"{section}\""));
            for (name, spec) in deps {
                let line = locator.find(&format!("\"{name}\""));
                let spec = spec.as_str().unwrap_or_default().trim();
                let (name, spec) = match spec.strip_prefix("npm:").and_then(split_at_version) {
                    Some((real, range)) => (real, range),
                    None => (name.as_str(), spec),
                };
                let exact = node_semver::Version::parse(spec.trim_start_matches('=')).is_ok();
                let mut p = Package::new("npm", name, exact.then(|| spec.trim_start_matches('=')), path, line);
                if !root.name.is_empty() {
                    p.path = vec![root.name.clone(), name.to_owned()];
                }
                out.push(p);
            }
        }
        out.insert(0, root);
        Ok(out)
    }
}

/// The package a manifest describes: name, version and lifecycle scripts, at the line of its
/// `"name"` (or 1).
pub(super) fn manifest(path: &Path, text: &str, doc: &Value) -> Result<Package, ExtractError> {
    if !doc.is_object() {
        return Err(ExtractError::at(1, "expected a JSON object"));
    }
    let name = doc.get("name").and_then(Value::as_str).unwrap_or_default();
    let line = if name.is_empty() { 1 } else { Locator::new(text).find("\"name\"").max(1) };
    let mut p = Package::new("npm", name, doc.get("version").and_then(Value::as_str), path, line);
    if name.is_empty() {
        p.path = Vec::new();
    }
    if let Some(scripts) = doc.get("scripts") {
        let Some(scripts) = scripts.as_object() else {
            return Err(ExtractError::at(Locator::new(text).find("\"scripts\""), "\"scripts\" must be an object"));
        };
        for hook in LIFECYCLE_SCRIPTS {
            if let Some(cmd) = scripts.get(hook).and_then(Value::as_str) {
                p.scripts.push((hook.to_owned(), cmd.to_owned()));
            }
        }
    }
    Ok(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_scripts_and_direct_dependencies() {
        let text = r#"{
  "name": "app",
  "version": "1.0.0",
  "scripts": {"test": "jest", "postinstall": "node setup.js"},
  "dependencies": {"left": "^1.0.0", "pinned": "2.0.0", "alias": "npm:real@3.0.0"},
  "devDependencies": {"@s/dev": "=4.0.0"}
}"#;
        let p = PackageJson.extract(Path::new("package.json"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref(), p.line)).collect();
        assert_eq!(
            got,
            vec![
                ("app", Some("1.0.0"), 2),
                ("left", None, 5),
                ("pinned", Some("2.0.0"), 5),
                ("real", Some("3.0.0"), 5),
                ("@s/dev", Some("4.0.0"), 6)
            ]
        );
        assert_eq!(p[0].scripts, vec![("postinstall".to_owned(), "node setup.js".to_owned())]);
        assert_eq!(p[2].path, vec!["app", "pinned"]);
        let e = PackageJson.extract(Path::new("package.json"), "{\"scripts\": []}").unwrap_err();
        assert_eq!(e.line, 1);
    }
}
