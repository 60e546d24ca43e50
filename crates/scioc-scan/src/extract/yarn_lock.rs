//! `yarn.lock`: classic (v1, yarn's own indented format) and Berry (v2+, YAML with a
//! `__metadata` block).
//!
//! Classic is read line by line: no published crate parses it with line numbers, and its
//! grammar is small (a header of comma-separated descriptors, indented `key value` fields, and
//! indented `dependencies:` blocks). Berry is YAML and goes through a YAML parser.

use super::{
    ExtractError, Extractor, Locator, file_name, graph::Graph, integrity, prefixed_hash, split_at_version, yaml_error,
};
use crate::Package;
use serde_yaml_ng::Value;
use std::path::Path;

/// The yarn lockfile extractor.
pub(super) struct YarnLock;

impl Extractor for YarnLock {
    fn name(&self) -> &'static str {
        "npm/yarn-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        file_name(path) == "yarn.lock"
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        if text.lines().any(|l| l.starts_with("__metadata:")) { berry(path, text) } else { classic(path, text) }
    }
}

fn unquote(s: &str) -> &str {
    let s = s.trim();
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).unwrap_or(s)
}

/// The package a descriptor (`name@range`, `alias@npm:real@range`) resolves to, by name.
fn descriptor_name(descriptor: &str) -> Option<&str> {
    let (name, range) = split_at_version(descriptor)?;
    match range.strip_prefix("npm:") {
        Some(real) if real.contains('@') && !real.starts_with(|c: char| c.is_ascii_digit()) => {
            split_at_version(real).map(|(n, _)| n)
        }
        _ => Some(name),
    }
}

struct Entry {
    line: usize,
    descriptors: Vec<String>,
    name: String,
    version: Option<String>,
    resolved: Option<String>,
    integrity: Option<String>,
    dependencies: Vec<String>,
}

fn classic(path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
    let mut entries: Vec<Entry> = Vec::new();
    let mut in_deps = false;
    for (i, raw) in text.lines().enumerate() {
        let line = i + 1;
        let trimmed = raw.trim_end();
        if trimmed.trim_start().is_empty() || trimmed.trim_start().starts_with('#') {
            continue;
        }
        let indent = trimmed.len() - trimmed.trim_start().len();
        let body = trimmed.trim_start();
        let err = |m: &str| ExtractError { line, column: indent + 1, message: m.to_owned() };
        match indent {
            0 => {
                let header = body.strip_suffix(':').ok_or_else(|| err("expected a `descriptor, …:` header"))?;
                let descriptors: Vec<String> = header.split(", ").map(|d| unquote(d).to_owned()).collect();
                let name = descriptor_name(&descriptors[0])
                    .ok_or_else(|| err(&format!("expected name@range, got {:?}", descriptors[0])))?
                    .to_owned();
                entries.push(Entry {
                    line,
                    descriptors,
                    name,
                    version: None,
                    resolved: None,
                    integrity: None,
                    dependencies: Vec::new(),
                });
                in_deps = false;
            }
            2 => {
                let entry = entries.last_mut().ok_or_else(|| err("field outside of an entry"))?;
                let (key, value) = body.split_once(' ').map_or((body, ""), |(k, v)| (k, unquote(v)));
                in_deps = matches!(key, "dependencies:" | "optionalDependencies:");
                match key {
                    "version" => entry.version = Some(value.to_owned()),
                    "resolved" => entry.resolved = Some(value.to_owned()),
                    "integrity" => entry.integrity = Some(value.to_owned()),
                    _ => {}
                }
            }
            4 if in_deps => {
                let entry = entries.last_mut().ok_or_else(|| err("dependency outside of an entry"))?;
                let (name, range) = split_dependency(body).ok_or_else(|| err("expected `name range`"))?;
                entry.dependencies.push(format!("{name}@{range}"));
            }
            _ => {}
        }
    }
    for e in &entries {
        if e.version.is_none() {
            return Err(ExtractError::at(e.line, format!("entry {:?} has no version", e.descriptors[0])));
        }
    }
    Ok(finish(path, entries, Vec::new()))
}

/// `name range` or `"@scope/name" "range"`.
fn split_dependency(body: &str) -> Option<(&str, &str)> {
    if let Some(rest) = body.strip_prefix('"') {
        let end = rest.find('"')?;
        Some((&rest[..end], unquote(&rest[end + 1..])))
    } else {
        let (n, r) = body.split_once(' ')?;
        Some((n, unquote(r)))
    }
}

fn finish(path: &Path, entries: Vec<Entry>, roots: Vec<String>) -> Vec<Package> {
    let mut graph = Graph::default();
    let mut keyed = std::collections::HashMap::new();
    let mut nodes = Vec::with_capacity(entries.len());
    for (i, e) in entries.iter().enumerate() {
        nodes.push(graph.package(&e.descriptors[0], &e.name));
        for d in &e.descriptors {
            keyed.insert(d.clone(), i);
        }
    }
    for (i, e) in entries.iter().enumerate() {
        for d in &e.dependencies {
            if let Some(&t) = keyed.get(d) {
                graph.edge(nodes[i], entries[t].descriptors[0].clone());
            }
        }
    }
    for r in roots {
        if let Some(&t) = keyed.get(&r) {
            graph.root(entries[t].descriptors[0].clone());
        }
    }
    entries
        .into_iter()
        .zip(graph.package_paths())
        .map(|(e, chain)| {
            let mut p = Package::new("npm", &e.name, e.version.as_deref(), path, e.line);
            p.hashes = e.integrity.as_deref().map(integrity).unwrap_or_default();
            // Classic records the sha1 of the tarball after `#` in the URL.
            if let Some(sha1) = e.resolved.as_deref().and_then(|r| r.rsplit_once('#')).map(|(_, h)| h)
                && sha1.len() == 40
                && p.hashes.iter().all(|(a, _)| *a != "sha1")
            {
                p.hashes.extend(prefixed_hash(&format!("sha1:{sha1}")));
            }
            p.resolved = e.resolved;
            p.path = chain;
            p
        })
        .collect()
}

fn berry(path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
    let doc: serde_yaml_ng::Mapping = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(&e, "a yarn.lock"))?;
    let mut locator = Locator::new(text);
    let mut entries = Vec::new();
    let mut roots = Vec::new();
    for (key, value) in &doc {
        let Some(key) = key.as_str() else { continue };
        if key == "__metadata" {
            continue;
        }
        let line = locator.find_line_start(key);
        let field = |k: &str| value.get(k).and_then(Value::as_str);
        let resolution = field("resolution").unwrap_or_default();
        let descriptors: Vec<String> = key.split(", ").map(|d| d.trim().to_owned()).collect();
        let dependencies: Vec<String> = ["dependencies", "optionalDependencies"]
            .into_iter()
            .filter_map(|k| value.get(k).and_then(Value::as_mapping))
            .flatten()
            .filter_map(|(n, r)| Some(format!("{}@{}", n.as_str()?, value_str(r)?)))
            .collect();
        let Some((name, _)) = split_at_version(resolution) else {
            return Err(ExtractError::at(line, format!("entry {key:?} has no `resolution: name@…`")));
        };
        // The project and its workspaces are not dependencies; what they depend on is direct.
        if resolution.contains("@workspace:") || resolution.contains("@link:") || resolution.contains("@portal:") {
            roots.extend(dependencies);
            continue;
        }
        let version = value.get("version").and_then(value_str);
        entries.push(Entry {
            line,
            descriptors,
            name: name.to_owned(),
            version,
            resolved: Some(resolution.to_owned()),
            // `checksum` is the hash of yarn's cache zip, not of the registry tarball.
            integrity: None,
            dependencies,
        });
    }
    Ok(finish(path, entries, roots))
}

fn value_str(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const CLASSIC: &str = r#"# THIS IS AN AUTOGENERATED FILE. DO NOT EDIT THIS FILE DIRECTLY.
# yarn lockfile v1


"@scope/a@^1.0.0", "@scope/a@^1.1.0":
  version "1.1.0"
  resolved "https://registry.yarnpkg.com/@scope/a/-/a-1.1.0.tgz#aad6d679f15a7221ed9479553d44e3473f0536f1"
  integrity sha512-AAAA
  dependencies:
    b "^2.0.0"

b@^2.0.0:
  version "2.0.1"
  resolved "https://registry.yarnpkg.com/b/-/b-2.0.1.tgz"

alias@npm:real-pkg@^3:
  version "3.0.0"
"#;

    #[test]
    fn classic_entries_hashes_aliases_and_paths() {
        let p = YarnLock.extract(Path::new("yarn.lock"), CLASSIC).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("@scope/a", "1.1.0", 5), ("b", "2.0.1", 12), ("real-pkg", "3.0.0", 16)]);
        assert!(p[0].hashes.iter().any(|(a, h)| *a == "sha1" && h.starts_with("aad6d6")));
        assert_eq!(p[1].path, vec!["@scope/a", "b"]);
        let e = YarnLock.extract(Path::new("yarn.lock"), "a@^1:\n  version \"1\"\nbroken line\n").unwrap_err();
        assert_eq!((e.line, e.column), (3, 1));
    }

    #[test]
    fn berry_entries_skip_workspaces_and_follow_dependencies() {
        let text = r#"# This file is generated by running "yarn install" inside your project.

__metadata:
  version: 8
  cacheKey: 10c0

"app@workspace:.":
  version: 0.0.0-use.local
  resolution: "app@workspace:."
  dependencies:
    left: "npm:^1.0.0"
  languageName: unknown
  linkType: soft

"left@npm:^1.0.0":
  version: 1.0.0
  resolution: "left@npm:1.0.0"
  dependencies:
    "@evil/x": "npm:2.0.0"
  checksum: 10c0/abc
  languageName: node
  linkType: hard

"@evil/x@npm:2.0.0":
  version: 2.0.0
  resolution: "@evil/x@npm:2.0.0"
  languageName: node
  linkType: hard
"#;
        let p = YarnLock.extract(Path::new("yarn.lock"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("left", "1.0.0", 15), ("@evil/x", "2.0.0", 24)]);
        assert_eq!(p[1].path, vec!["left", "@evil/x"]);
        assert!(p[0].hashes.is_empty());
        let e = YarnLock.extract(Path::new("yarn.lock"), "__metadata:\n  version: 8\n\"a@npm:1\": [\n").unwrap_err();
        assert!(e.line >= 3, "{e:?}");
    }
}

#[cfg(test)]
mod duplicate_tests {
    use super::*;

    /// Found by fuzzing (`fuzz/fuzz_targets/yarn_lock.rs`): an entry listed twice made the
    /// graph's nodes and the entries disagree, which a debug assertion caught (a release build
    /// gave wrong paths).
    #[test]
    fn an_entry_listed_twice_keeps_every_path_right() {
        let text = "# yarn lockfile v1\n\na@^1.0.0:\n  version \"1.0.0\"\n  dependencies:\n    b \"^2.0.0\"\n\nb@^2.0.0:\n  version \"2.0.0\"\n\nb@^2.0.0:\n  version \"2.0.0\"\n\nc@^3.0.0:\n  version \"3.0.0\"\n";
        let p = YarnLock.extract(Path::new("yarn.lock"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.path.join(">"))).collect();
        assert_eq!(got, vec![("a", "a".into()), ("b", "a>b".into()), ("b", "a>b".into()), ("c", "c".into())]);
    }
}
