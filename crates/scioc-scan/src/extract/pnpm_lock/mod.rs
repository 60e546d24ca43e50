//! `pnpm-lock.yaml`, lockfile versions 5.x, 6.x and 9.x.
//!
//! The three differ in how a package is keyed: `/name/1.0.0_peer@2` (5.x), `/name@1.0.0(peer@2)`
//! (6.x) and `name@1.0.0(peer@2)` with metadata under `packages` and the graph under
//! `snapshots` (9.x). Every key is reduced to `name@version` without its peer suffix, so that
//! the graph and the findings speak of packages, not of peer variants.

mod fast;

use super::{ExtractError, Extractor, Locator, file_name, graph::Graph, integrity, split_at_version, yaml_error};
use crate::Package;
use serde_yaml_ng::{Mapping, Value};
use std::path::Path;

/// The pnpm lockfile extractor.
pub(super) struct PnpmLock;

impl Extractor for PnpmLock {
    fn name(&self) -> &'static str {
        "npm/pnpm-lock"
    }

    fn file_required(&self, path: &Path) -> bool {
        matches!(file_name(path), "pnpm-lock.yaml" | "shrinkwrap.yaml")
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let lock = match fast::read(text) {
            Some(lock) => lock,
            None => from_yaml(text)?,
        };
        build(path, lock)
    }
}

/// A pnpm lockfile reduced to what the scanner uses.
#[derive(Debug, Default, PartialEq)]
struct Lock {
    v5: bool,
    packages: Vec<Entry>,
    /// 9.x `snapshots`: key and dependencies.
    snapshots: Vec<(String, Vec<(String, String)>)>,
    /// What the importers depend on: name and version.
    roots: Vec<(String, String)>,
}

#[derive(Debug, Default, PartialEq)]
struct Entry {
    key: String,
    line: usize,
    name: Option<String>,
    version: Option<String>,
    integrity: Option<String>,
    tarball: Option<String>,
    dependencies: Vec<(String, String)>,
}

fn scalar(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    }
}

/// The general reader: any YAML, through a YAML parser; lines found with a [`Locator`].
fn from_yaml(text: &str) -> Result<Lock, ExtractError> {
    let doc: Mapping = serde_yaml_ng::from_str(text).map_err(|e| yaml_error(&e, "a pnpm-lock.yaml"))?;
    let version = match doc.get("lockfileVersion") {
        Some(Value::Number(n)) => n.as_f64().unwrap_or(0.0),
        Some(Value::String(s)) => s.parse().unwrap_or(0.0),
        _ => return Err(ExtractError::at(1, "no lockfileVersion; not a pnpm lockfile")),
    };
    let mut lock = Lock { v5: version < 6.0, ..Lock::default() };
    let deps = |entry: &Value| -> Vec<(String, String)> {
        entry
            .as_mapping()
            .map(|m| dependency_maps(m).filter_map(|(n, v)| Some((n.to_owned(), scalar(v)?))).collect())
            .unwrap_or_default()
    };
    let mut locator = Locator::new(text);
    locator.find("\npackages:");
    for (key, entry) in doc.get("packages").and_then(Value::as_mapping).into_iter().flatten() {
        let Some(key) = key.as_str() else { continue };
        let resolution = entry.get("resolution");
        let field = |v: Option<&Value>, k: &str| v.and_then(|v| v.get(k)).and_then(Value::as_str).map(str::to_owned);
        lock.packages.push(Entry {
            key: key.to_owned(),
            line: locator.find_line_start(key),
            name: field(Some(entry), "name"),
            version: field(Some(entry), "version"),
            integrity: field(resolution, "integrity"),
            tarball: field(resolution, "tarball"),
            dependencies: deps(entry),
        });
    }
    for (key, entry) in doc.get("snapshots").and_then(Value::as_mapping).into_iter().flatten() {
        if let Some(key) = key.as_str() {
            lock.snapshots.push((key.to_owned(), deps(entry)));
        }
    }
    let importers: Vec<&Mapping> = match doc.get("importers").and_then(Value::as_mapping) {
        Some(m) => m.values().filter_map(Value::as_mapping).collect(),
        None => vec![&doc], // 5.x and 6.x single projects list their dependencies at the top
    };
    for importer in importers {
        for (dep, spec) in dependency_maps(importer) {
            if let Some(v) = spec.get("version").or(Some(spec)).and_then(scalar) {
                lock.roots.push((dep.to_owned(), v));
            }
        }
    }
    Ok(lock)
}

fn build(path: &Path, lock: Lock) -> Result<Vec<Package>, ExtractError> {
    let v5 = lock.v5;
    let mut graph = Graph::default();
    let mut out = Vec::new();
    for entry in lock.packages {
        let Some((key_name, key_version)) = parse_key(&entry.key, v5) else {
            return Err(ExtractError::at(entry.line, format!("package key {:?} is not name@version", entry.key)));
        };
        // Tarball and git dependencies name themselves inside the entry.
        let name = entry.name.unwrap_or_else(|| key_name.clone());
        let version = strip_peers(entry.version.as_deref().unwrap_or(&key_version), v5);
        let fresh = graph.len();
        let node = graph.node(&format!("{key_name}@{}", strip_peers(&key_version, v5)), &name);
        if node < fresh {
            continue; // another peer variant of a package already listed
        }
        graph.mark_package(node);
        edges(&mut graph, node, &entry.dependencies, v5);
        let mut p = Package::new("npm", &name, Some(&version), path, entry.line);
        p.hashes = entry.integrity.as_deref().map(integrity).unwrap_or_default();
        p.resolved = entry.tarball;
        out.push(p);
    }
    // 9.x keeps the graph in `snapshots`, keyed with peer suffixes.
    for (key, deps) in &lock.snapshots {
        let Some((n, v)) = parse_key(key, v5) else { continue };
        let node = graph.node(&format!("{n}@{}", strip_peers(&v, v5)), &n);
        edges(&mut graph, node, deps, v5);
    }
    for (dep, version) in &lock.roots {
        if let Some(key) = target(dep, version, v5) {
            graph.root(key);
        }
    }
    graph.assign_paths(&mut out);
    Ok(out)
}

fn dependency_maps(entry: &Mapping) -> impl Iterator<Item = (&str, &Value)> {
    ["dependencies", "devDependencies", "optionalDependencies"]
        .into_iter()
        .filter_map(|k| entry.get(k).and_then(Value::as_mapping))
        .flatten()
        .filter_map(|(n, v)| Some((n.as_str()?, v)))
}

fn edges(graph: &mut Graph, node: usize, deps: &[(String, String)], v5: bool) {
    for (dep, version) in deps {
        if let Some(key) = target(dep, version, v5) {
            graph.edge(node, key);
        }
    }
}

/// The node key a dependency `name: version` points at.
fn target(name: &str, version: &str, v5: bool) -> Option<String> {
    if version.starts_with("link:") || version.starts_with("file:") || version.is_empty() {
        return None;
    }
    if version.starts_with('/') {
        let (n, v) = parse_key(version, v5)?;
        return Some(format!("{n}@{}", strip_peers(&v, v5)));
    }
    // An alias (`npm-alias: real@1.0.0`) points at the real package.
    if !version.starts_with(|c: char| c.is_ascii_digit())
        && let Some((n, v)) = split_at_version(version)
    {
        return Some(format!("{n}@{}", strip_peers(v, v5)));
    }
    Some(format!("{name}@{}", strip_peers(version, v5)))
}

fn strip_peers(version: &str, v5: bool) -> String {
    let cut = if v5 { version.find('_') } else { version.find('(') };
    version[..cut.unwrap_or(version.len())].to_owned()
}

/// `(name, version)` of a package key, version still carrying any peer suffix.
fn parse_key(key: &str, v5: bool) -> Option<(String, String)> {
    let key = key.strip_prefix('/').unwrap_or(key);
    if v5 {
        // `@scope/name/1.0.0_peer`; a registry host may come first (`registry.x/name/1.0.0`).
        let (name, version) = key.rsplit_once('/')?;
        let name = match name.split_once('/') {
            Some((host, rest)) if host.contains('.') => rest,
            _ => name,
        };
        return Some((name.to_owned(), version.to_owned()));
    }
    // Peer suffixes may themselves contain `@`: split before them.
    let base_end = key.find('(').unwrap_or(key.len());
    let (name, version) = split_at_version(&key[..base_end])?;
    Some((name.to_owned(), format!("{version}{}", &key[base_end..])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_of_each_lockfile_version() {
        assert_eq!(
            parse_key("/@scope/a/1.0.0_react@18.0.0", true),
            Some(("@scope/a".into(), "1.0.0_react@18.0.0".into()))
        );
        assert_eq!(parse_key("/a/1.0.0", true), Some(("a".into(), "1.0.0".into())));
        assert_eq!(
            parse_key("/@scope/a@1.0.0(react@18.0.0)", false),
            Some(("@scope/a".into(), "1.0.0(react@18.0.0)".into()))
        );
        assert_eq!(parse_key("a@1.0.0", false), Some(("a".into(), "1.0.0".into())));
        assert_eq!(target("x", "1.0.0(y@2)", false), Some("x@1.0.0".into()));
        assert_eq!(target("x", "real@2.0.0", false), Some("real@2.0.0".into()));
        assert_eq!(target("x", "link:../x", false), None);
    }

    #[test]
    fn v9_packages_snapshots_and_importers() {
        let text = r#"lockfileVersion: '9.0'

importers:

  .:
    dependencies:
      left:
        specifier: ^1.0.0
        version: 1.0.0(react@18.0.0)

packages:

  '@evil/x@2.0.0':
    resolution: {integrity: sha1-qtbWefFaciHtlHlVPUTjRz8FNvE=}

  left@1.0.0:
    resolution: {integrity: sha512-AAAA}
    peerDependencies:
      react: '*'

snapshots:

  '@evil/x@2.0.0': {}

  left@1.0.0(react@18.0.0):
    dependencies:
      '@evil/x': 2.0.0
"#;
        let p = PnpmLock.extract(Path::new("pnpm-lock.yaml"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("@evil/x", "2.0.0", 13), ("left", "1.0.0", 16)]);
        assert_eq!(p[0].path, vec!["left", "@evil/x"]);
        assert_eq!(p[0].hashes[0].0, "sha1");
    }

    #[test]
    fn v5_and_v6_layouts() {
        let v5 = "lockfileVersion: 5.4\n\nspecifiers:\n  a: ^1.0.0\n\ndependencies:\n  a: 1.0.0_b@2.0.0\n\npackages:\n\n  /a/1.0.0_b@2.0.0:\n    resolution: {integrity: sha512-AAAA}\n    dependencies:\n      '@s/b': 2.0.0\n\n  /@s/b/2.0.0:\n    resolution: {integrity: sha512-AAAA}\n";
        let p = PnpmLock.extract(Path::new("pnpm-lock.yaml"), v5).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref().unwrap(), p.line)).collect();
        assert_eq!(got, vec![("a", "1.0.0", 11), ("@s/b", "2.0.0", 16)]);
        assert_eq!(p[1].path, vec!["a", "@s/b"]);
        let v6 = "lockfileVersion: '6.0'\n\ndependencies:\n  a:\n    specifier: ^1.0.0\n    version: 1.0.0\n\npackages:\n\n  /a@1.0.0:\n    resolution: {integrity: sha512-AAAA}\n    dependencies:\n      b: 2.0.0\n\n  /b@2.0.0:\n    resolution: {integrity: sha512-AAAA}\n";
        let p = PnpmLock.extract(Path::new("pnpm-lock.yaml"), v6).unwrap();
        assert_eq!(p[1].path, vec!["a", "b"]);
        assert_eq!(p[1].line, 15);
        let e =
            PnpmLock.extract(Path::new("pnpm-lock.yaml"), "lockfileVersion: '9.0'\npackages:\n  a@1: [\n").unwrap_err();
        assert!(e.line >= 3, "{e:?}");
    }
}
