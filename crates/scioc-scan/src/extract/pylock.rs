//! `pylock.toml` and `pylock.<name>.toml` (PEP 751): `[[packages]]` name and version, with the
//! `hashes` tables of `sdist`, `wheels` and `archive`.

use super::{ExtractError, Extractor, Locator, algorithm, file_name, toml_error};
use crate::Package;
use std::path::Path;

/// The PEP 751 lockfile extractor.
pub(super) struct Pylock;

impl Extractor for Pylock {
    fn name(&self) -> &'static str {
        "python/pylock"
    }

    fn file_required(&self, path: &Path) -> bool {
        let name = file_name(path);
        name == "pylock.toml" || (name.starts_with("pylock.") && name.ends_with(".toml"))
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let doc: toml::Table = toml::from_str(text).map_err(|e| toml_error(text, &e, "a pylock.toml"))?;
        if doc.get("lock-version").is_none() {
            return Err(ExtractError::at(1, "no lock-version; not a PEP 751 lockfile"));
        }
        let mut locator = Locator::new(text);
        let mut out = Vec::new();
        for (i, pkg) in doc.get("packages").and_then(|p| p.as_array()).into_iter().flatten().enumerate() {
            let line = locator.find("[[packages]]");
            let Some(name) = pkg.get("name").and_then(|v| v.as_str()) else {
                return Err(ExtractError::at(line, format!("[[packages]] number {} has no name", i + 1)));
            };
            // A local directory is the project, not a dependency.
            if pkg.get("directory").is_some() {
                continue;
            }
            let mut p = Package::new("PyPI", name, pkg.get("version").and_then(|v| v.as_str()), path, line);
            let files = pkg
                .get("sdist")
                .into_iter()
                .chain(pkg.get("archive"))
                .chain(pkg.get("wheels").and_then(|w| w.as_array()).into_iter().flatten());
            for file in files {
                for (algo, value) in file.get("hashes").and_then(|h| h.as_table()).into_iter().flatten() {
                    if let (Some(a), Some(v)) = (algorithm(algo), value.as_str()) {
                        p.hashes.push((a, v.to_ascii_lowercase()));
                    }
                }
            }
            out.push(p);
        }
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn packages_with_hash_tables() {
        let h = "12".repeat(32);
        let text = format!(
            "lock-version = \"1.0\"\ncreated-by = \"pip\"\n\n[[packages]]\nname = \"app\"\ndirectory = {{ path = \".\" }}\n\n[[packages]]\nname = \"ctx\"\nversion = \"0.2.6\"\n\n[[packages.wheels]]\nurl = \"https://x/ctx-0.2.6-py3-none-any.whl\"\nhashes = {{ sha256 = \"{h}\" }}\n"
        );
        let p = Pylock.extract(Path::new("pylock.toml"), &text).unwrap();
        assert_eq!(p.len(), 1);
        assert_eq!((p[0].name.as_str(), p[0].line), ("ctx", 8));
        assert_eq!(p[0].hashes, vec![("sha256", h)]);
        assert!(Pylock.extract(Path::new("pylock.toml"), "[[packages]]\n").is_err());
    }
}
