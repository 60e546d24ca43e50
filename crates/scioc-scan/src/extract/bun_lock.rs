//! `bun.lock`, bun's text lockfile (JSON with trailing commas).
//!
//! Each `packages` entry is keyed by its install path (`parent/child`, scopes kept whole) and
//! holds `[ "name@version", registry, { dependencies … }, "integrity" ]`. The binary `bun.lockb`
//! of older bun releases is not read: `bun install --save-text-lockfile` converts it.

use super::{ExtractError, Extractor, Locator, file_name, integrity, split_at_version};
use crate::Package;
use serde_json::Value;
use std::path::Path;

/// The bun lockfile extractor.
pub(super) struct BunLock;

impl Extractor for BunLock {
    fn name(&self) -> &'static str {
        "npm/bun-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "bun.lock"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let options = jsonc_parser::ParseOptions::default();
        let doc: Value = jsonc_parser::parse_to_serde_value(text, &options).map_err(|e| ExtractError {
            line: e.line_display(),
            column: e.column_display(),
            message: format!("not a bun.lock: {}", e.kind()),
        })?;
        let Some(packages) = doc.get("packages").and_then(Value::as_object) else {
            return Err(ExtractError::at(1, "no \"packages\" object; not a bun.lock"));
        };
        let mut locator = Locator::new(text);
        locator.find("\"packages\"");
        let mut out = Vec::new();
        let mut deps = Vec::new();
        for (key, entry) in packages {
            let line = locator.find(&format!("\"{key}\""));
            let fields = entry.as_array().map(Vec::as_slice).unwrap_or_default();
            let Some((name, version)) = fields.first().and_then(Value::as_str).and_then(split_at_version) else {
                return Err(ExtractError::at(
                    line,
                    format!("entry {} does not start with \"name@version\"", crate::redact::excerpt(key)),
                ));
            };
            // Workspace members and links are the project, not dependencies.
            if version.starts_with("workspace:") || version.starts_with("link:") {
                continue;
            }
            let mut p = Package::new("npm", name, Some(version), path, line);
            p.hashes = fields.get(3).and_then(Value::as_str).map(integrity).unwrap_or_default();
            p.resolved = fields.get(1).and_then(Value::as_str).filter(|r| !r.is_empty()).map(str::to_owned);
            p.path = install_path(key);
            out.push(p);
            let info = fields.get(2).cloned().unwrap_or_default();
            deps.push(super::npm_package_lock::dependency_names(
                &info,
                &["dependencies", "optionalDependencies", "peerDependencies"],
            ));
        }
        let roots: Vec<String> = doc
            .get("workspaces")
            .and_then(Value::as_object)
            .into_iter()
            .flat_map(|w| w.values())
            .flat_map(|w| {
                super::npm_package_lock::dependency_names(
                    w,
                    &["dependencies", "devDependencies", "optionalDependencies", "peerDependencies"],
                )
            })
            .collect();
        super::npm_package_lock::set_paths(&mut out, &deps, &roots);
        Ok(out)
    }
}

/// `a/@s/b/c` as `["a", "@s/b", "c"]`.
fn install_path(key: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut scope: Option<&str> = None;
    for part in key.split('/') {
        match scope.take() {
            Some(s) => out.push(format!("{s}/{part}")),
            None if part.starts_with('@') => scope = Some(part),
            None => out.push(part.to_owned()),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_with_trailing_commas_paths_and_integrity() {
        let text = r#"{
  "lockfileVersion": 1,
  "workspaces": {
    "": {
      "name": "app",
      "dependencies": {
        "left": "^1.0.0",
      },
    },
  },
  "packages": {
    "left": ["left@1.0.0", "", { "dependencies": { "@evil/x": "2.0.0" } }, "sha512-AAAA"],

    "left/@evil/x": ["@evil/x@2.0.0", "", {}, "sha1-qtbWefFaciHtlHlVPUTjRz8FNvE="],
  }
}
"#;
        let p = BunLock.extract(Path::new("bun.lock"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("left", "1.0.0", 12), ("@evil/x", "2.0.0", 14)]);
        assert_eq!(p[1].path, vec!["left", "@evil/x"]);
        assert_eq!(p[1].hashes[0].0, "sha1");
        let e = BunLock.extract(Path::new("bun.lock"), "{\n  \"packages\": {\n    \"a\": [,\n").unwrap_err();
        assert_eq!(e.line, 3);
    }
}
