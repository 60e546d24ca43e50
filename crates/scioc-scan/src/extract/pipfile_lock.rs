//! `Pipfile.lock`: the `default` and `develop` sections, `"version": "==1.0"` and `hashes`.

use super::{ExtractError, Extractor, Locator, file_name, json_error, prefixed_hash};
use crate::Package;
use serde_json::Value;
use std::path::Path;

/// The Pipenv lockfile extractor.
pub(super) struct PipfileLock;

impl Extractor for PipfileLock {
    fn name(&self) -> &'static str {
        "python/pipfile-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "Pipfile.lock"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: Value = serde_json::from_str(text).map_err(|e| json_error(&e, "JSON"))?;
        if doc.get("_meta").is_none() {
            return Err(ExtractError::at(1, "no \"_meta\" object; not a Pipfile.lock"));
        }
        let mut out = Vec::new();
        for section in ["default", "develop"] {
            let mut locator = Locator::new(text);
            locator.find(&format!("\"{section}\""));
            for (name, entry) in doc.get(section).and_then(Value::as_object).into_iter().flatten() {
                let line = locator.find(&format!("\"{name}\""));
                let version = entry.get("version").and_then(Value::as_str).map(|v| v.trim_start_matches("=="));
                let mut p = Package::new("PyPI", name, version, path, line);
                p.hashes = entry
                    .get("hashes")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(Value::as_str)
                    .filter_map(prefixed_hash)
                    .collect();
                out.push(p);
            }
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_and_develop_with_hashes() {
        let h = "cd".repeat(32);
        let text = format!(
            "{{\n  \"_meta\": {{\"hash\": {{\"sha256\": \"x\"}}}},\n  \"default\": {{\n    \"ctx\": {{\"hashes\": [\"sha256:{h}\"], \"version\": \"==0.2.6\"}}\n  }},\n  \"develop\": {{\n    \"pytest\": {{\"version\": \"==8.0.0\"}}\n  }}\n}}"
        );
        let p = PipfileLock.extract(Path::new("Pipfile.lock"), &text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("ctx", "0.2.6", 4), ("pytest", "8.0.0", 7)]);
        assert_eq!(p[0].hashes, vec![("sha256", h)]);
        assert!(PipfileLock.extract(Path::new("Pipfile.lock"), "{}").is_err());
    }
}
