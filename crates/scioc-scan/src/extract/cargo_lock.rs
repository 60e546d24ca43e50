//! `Cargo.lock` (all versions): `[[package]]` name, version and `checksum` (the SHA-256 of the
//! `.crate`).

use super::{ExtractError, Extractor, file_name, line_of};
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
        let doc: toml::Table = toml::from_str(text).map_err(|e| {
            let at = e.span().map_or(0, |s| s.start);
            let line = line_of(text, at);
            let column = at - text[..at.min(text.len())].rfind('\n').map_or(0, |i| i + 1) + 1;
            ExtractError { line, column, message: format!("not a Cargo.lock: {}", e.message()) }
        })?;
        let mut out = Vec::new();
        let mut from = 0;
        for pkg in doc.get("package").and_then(|p| p.as_array()).into_iter().flatten() {
            let Some(name) = pkg.get("name").and_then(|n| n.as_str()) else { continue };
            // Skip the workspace's own crates: they come from no registry.
            if pkg.get("source").is_none() {
                continue;
            }
            let needle = format!("name = \"{name}\"");
            let line = match text[from..].find(&needle) {
                Some(i) => {
                    from += i + needle.len();
                    line_of(text, from)
                }
                None => 0,
            };
            out.push(Package {
                ecosystem: "crates.io",
                name: name.to_owned(),
                version: pkg.get("version").and_then(|v| v.as_str()).map(str::to_owned),
                file: path.to_owned(),
                line,
                hashes: pkg
                    .get("checksum")
                    .and_then(|c| c.as_str())
                    .map(|c| ("sha256", c.to_ascii_lowercase()))
                    .into_iter()
                    .collect(),
                path: vec![name.to_owned()],
            });
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_packages_with_checksums() {
        let text = "version = 4\n\n[[package]]\nname = \"app\"\nversion = \"0.1.0\"\n\n[[package]]\nname = \"rustdecimal\"\nversion = \"1.23.1\"\nsource = \"registry+https://github.com/rust-lang/crates.io-index\"\nchecksum = \"ABCDEF\"\n";
        let p = CargoLock.extract(Path::new("Cargo.lock"), text).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name.as_str(), p[0].line, p[0].hashes[0].1.as_str()), ("rustdecimal", 8, "abcdef"));
        assert!(CargoLock.extract(Path::new("Cargo.lock"), "[[package]\n").is_err());
    }
}
