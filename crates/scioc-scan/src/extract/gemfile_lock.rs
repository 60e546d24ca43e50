//! `Gemfile.lock`: the `specs:` of the `GEM`, `GIT` and `PATH` sections, `DEPENDENCIES` as the
//! roots, and Bundler 2.5's `CHECKSUMS` (`name (version) sha256=…`).
//!
//! Read line by line: Bundler's lockfile is its own indented format, not YAML, and no crate
//! parses it with line numbers.

use super::{ExtractError, Extractor, file_name, graph::Graph, prefixed_hash};
use crate::Package;
use std::collections::HashMap;
use std::path::Path;

/// The Bundler lockfile extractor.
pub(super) struct GemfileLock;

/// `name (version)` as `(name, version)`; the version without a platform suffix.
fn spec(body: &str) -> Option<(&str, Option<&str>)> {
    match body.split_once(" (") {
        Some((name, rest)) => {
            let version = rest.split(')').next()?;
            Some((name.trim_end_matches('!'), Some(version)))
        }
        None => Some((body.trim_end_matches('!'), None)),
    }
}

impl Extractor for GemfileLock {
    fn name(&self) -> &'static str {
        "ruby/gemfile-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        matches!(file_name(path), "Gemfile.lock" | "gems.locked")
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let mut graph = Graph::default();
        let mut out: Vec<Package> = Vec::new();
        let mut checksums: HashMap<(String, String), (&'static str, String)> = HashMap::new();
        let mut section = "";
        let mut local = false; // PATH specs are the project's own gems
        let mut current: Option<usize> = None;
        let mut saw_section = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            if raw.trim().is_empty() {
                continue;
            }
            let indent = raw.len() - raw.trim_start().len();
            let body = raw.trim();
            if indent == 0 {
                if !body.chars().all(|c| c.is_ascii_uppercase() || c == ' ') {
                    return Err(ExtractError {
                        line,
                        column: 1,
                        message: format!("expected a section name, got {}", crate::redact::excerpt(body)),
                    });
                }
                section = match body {
                    "GEM" | "GIT" | "PATH" | "PLUGIN SOURCE" => "specs-source",
                    "DEPENDENCIES" => "dependencies",
                    "CHECKSUMS" => "checksums",
                    _ => "other",
                };
                local = body == "PATH";
                saw_section = true;
                continue;
            }
            let err = || ExtractError {
                line,
                column: indent + 1,
                message: format!("expected `name (version)`, got {}", crate::redact::excerpt(body)),
            };
            match (section, indent) {
                ("specs-source", 4) => {
                    let (name, version) = spec(body).ok_or_else(err)?;
                    let version = version.ok_or_else(err)?;
                    let version = version.split('-').next().unwrap_or(version);
                    let fresh = graph.len();
                    let node = graph.node(name, name);
                    current = Some(node);
                    if node == fresh {
                        graph.mark_package(node);
                        let mut p = Package::new("RubyGems", name, Some(version), path, line);
                        if local {
                            p.name.clear(); // a placeholder keeps indices aligned; dropped below
                        }
                        out.push(p);
                    }
                }
                ("specs-source", 6) => {
                    let (name, _) = spec(body).ok_or_else(err)?;
                    if let Some(c) = current {
                        graph.edge(c, name.to_owned());
                    }
                }
                ("dependencies", 2) => {
                    let (name, _) = spec(body).ok_or_else(err)?;
                    graph.root(name.to_owned());
                }
                ("checksums", 2) => {
                    let (name, version) = spec(body).ok_or_else(err)?;
                    let hash = body.rsplit(' ').next().and_then(prefixed_hash);
                    if let (Some(v), Some(h)) = (version, hash) {
                        checksums.insert((name.to_owned(), v.split('-').next().unwrap_or(v).to_owned()), h);
                    }
                }
                _ => {}
            }
        }
        if !saw_section {
            return Err(ExtractError::at(1, "no GEM, DEPENDENCIES or other section; not a Gemfile.lock"));
        }
        Ok(out
            .into_iter()
            .zip(graph.package_paths())
            .filter(|(p, _)| !p.name.is_empty())
            .map(|(mut p, chain)| {
                let key = (p.name.clone(), p.version.clone().unwrap_or_default());
                p.hashes.extend(checksums.remove(&key));
                p.path = chain;
                p
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_roots_platforms_and_checksums() {
        let h = "34".repeat(32);
        let text = format!(
            "PATH\n  remote: .\n  specs:\n    app (0.1.0)\n      rails (~> 7.0)\n\nGEM\n  remote: https://rubygems.org/\n  specs:\n    rails (7.0.4)\n      nokogiri (>= 1.6)\n    nokogiri (1.15.4-x86_64-linux)\n\nPLATFORMS\n  x86_64-linux\n\nDEPENDENCIES\n  app!\n\nCHECKSUMS\n  nokogiri (1.15.4-x86_64-linux) sha256={h}\n\nBUNDLED WITH\n   2.5.3\n"
        );
        let p = GemfileLock.extract(Path::new("Gemfile.lock"), &text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("rails", "7.0.4", 10), ("nokogiri", "1.15.4", 12)]);
        assert_eq!(p[1].path, vec!["app", "rails", "nokogiri"]);
        assert_eq!(p[1].hashes, vec![("sha256", h)]);
        let e = GemfileLock.extract(Path::new("Gemfile.lock"), "GEM\n  specs:\n    broken\n").unwrap_err();
        assert_eq!(e.line, 3);
    }
}
