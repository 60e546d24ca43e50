//! A line reader for pnpm lockfiles as pnpm writes them.
//!
//! pnpm emits a narrow, regular YAML: two-space indentation, one `key: value` per line, plain or
//! single-quoted scalars, flow mappings only for `resolution`. Reading those lines directly is
//! several times faster than a general YAML parser building a document tree (a 5 MB lockfile
//! in tens of milliseconds rather than a few hundred) and yields each entry's line for free.
//! No YAML crate offers that, hence this reader. Anything outside that shape (tabs, anchors,
//! block scalars, sequences, escapes, unexpected nesting) makes it give up and return `None`,
//! and the caller reads the file with the general YAML parser, which also reports errors.

use super::{Entry, Lock};

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Importers,
    TopDependencies,
    Packages,
    Snapshots,
    Other,
}

/// A plain or single-quoted scalar; `None` for anything else (double quotes, flow collections,
/// anchors, block scalars).
fn scalar(s: &str) -> Option<String> {
    let s = s.trim();
    if let Some(inner) = s.strip_prefix('\'') {
        let inner = inner.strip_suffix('\'')?;
        return Some(inner.replace("''", "'"));
    }
    if s.starts_with(['"', '[', '&', '*', '|', '>', '!', '%', '@', '`']) || (s.starts_with('{') && s != "{}") {
        return None;
    }
    Some(s.to_owned())
}

/// `key: value` or `key:` with a plain or single-quoted key.
fn key_value(body: &str) -> Option<(String, &str)> {
    if let Some(rest) = body.strip_prefix('\'') {
        let mut end = 0;
        let bytes = rest.as_bytes();
        loop {
            let i = end + rest[end..].find('\'')?;
            if bytes.get(i + 1) == Some(&b'\'') {
                end = i + 2;
                continue;
            }
            let after = rest[i + 1..].strip_prefix(':')?;
            return Some((rest[..i].replace("''", "'"), after.trim()));
        }
    }
    if body.starts_with(['"', '-', '?', '&', '*', '[', '{', '|', '>']) {
        return None;
    }
    match body.find(": ") {
        Some(i) => Some((body[..i].to_owned(), body[i + 2..].trim())),
        None => body.strip_suffix(':').map(|k| (k.to_owned(), "")),
    }
}

/// `{integrity: sha512-…, tarball: https://…}` as `(integrity, tarball)`.
fn resolution(value: &str) -> Option<(Option<String>, Option<String>)> {
    let inner = value.strip_prefix('{')?.strip_suffix('}')?;
    let (mut integrity, mut tarball) = (None, None);
    for part in inner.split(", ") {
        let (k, v) = part.split_once(": ")?;
        match k.trim() {
            "integrity" => integrity = Some(scalar(v)?),
            "tarball" => tarball = Some(scalar(v)?),
            _ => {}
        }
    }
    Some((integrity, tarball))
}

/// The lockfile, or `None` when it is not in the shape this reader knows.
pub(super) fn read(text: &str) -> Option<Lock> {
    let mut lock = Lock::default();
    let mut version: Option<f64> = None;
    let mut section = Section::Other;
    let mut entry: Option<Entry> = None;
    let mut snapshot: Option<(String, Vec<(String, String)>)> = None;
    let mut in_deps = false;
    let mut pending_root: Option<String> = None;
    let flush = |lock: &mut Lock, entry: &mut Option<Entry>, snapshot: &mut Option<(String, Vec<(String, String)>)>| {
        lock.packages.extend(entry.take());
        lock.snapshots.extend(snapshot.take());
    };
    for (i, raw) in text.lines().enumerate() {
        let trimmed = raw.trim_end();
        let body = trimmed.trim_start_matches(' ');
        if body.is_empty() || body.starts_with('#') {
            continue;
        }
        if body.starts_with('\t') || body == "---" || body == "..." {
            return None;
        }
        let indent = trimmed.len() - body.len();
        let (key, value) = key_value(body)?;
        match (indent, section) {
            (0, _) => {
                flush(&mut lock, &mut entry, &mut snapshot);
                in_deps = false;
                pending_root = None;
                section = match key.as_str() {
                    "lockfileVersion" => {
                        version = Some(scalar(value)?.parse().ok()?);
                        Section::Other
                    }
                    "importers" => Section::Importers,
                    "dependencies" | "devDependencies" | "optionalDependencies" => Section::TopDependencies,
                    "packages" => Section::Packages,
                    "snapshots" => Section::Snapshots,
                    _ => Section::Other,
                };
            }
            (2, Section::Packages | Section::Snapshots) => {
                flush(&mut lock, &mut entry, &mut snapshot);
                in_deps = false;
                if !value.is_empty() && value != "{}" {
                    return None;
                }
                if section == Section::Packages {
                    entry = Some(Entry { key, line: i + 1, ..Entry::default() });
                } else {
                    snapshot = Some((key, Vec::new()));
                }
            }
            (4, Section::Packages | Section::Snapshots) => {
                in_deps = matches!(key.as_str(), "dependencies" | "optionalDependencies");
                if in_deps && !value.is_empty() && value != "{}" {
                    return None;
                }
                if let Some(e) = entry.as_mut() {
                    match key.as_str() {
                        "resolution" => (e.integrity, e.tarball) = resolution(value)?,
                        "name" => e.name = Some(scalar(value)?),
                        "version" => e.version = Some(scalar(value)?),
                        _ => {}
                    }
                }
            }
            (6, Section::Packages | Section::Snapshots) if in_deps => {
                let dep = (key, scalar(value)?);
                match (entry.as_mut(), snapshot.as_mut()) {
                    (Some(e), _) => e.dependencies.push(dep),
                    (_, Some(s)) => s.1.push(dep),
                    _ => return None,
                }
            }
            // 5.x `name: version`; 6.x `name:` then `specifier:` and `version:` below it.
            (2, Section::TopDependencies) => match value {
                "" => pending_root = Some(key),
                v => lock.roots.push((key, scalar(v)?)),
            },
            (4, Section::TopDependencies) if key == "version" => {
                lock.roots.push((pending_root.take()?, scalar(value)?));
            }
            (4, Section::Importers) => {
                in_deps = matches!(key.as_str(), "dependencies" | "devDependencies" | "optionalDependencies");
                if in_deps && !value.is_empty() && value != "{}" {
                    return None;
                }
            }
            (6, Section::Importers) if in_deps => match value {
                "" => pending_root = Some(key),
                v => lock.roots.push((key, scalar(v)?)),
            },
            (8, Section::Importers) if in_deps && key == "version" => {
                lock.roots.push((pending_root.take()?, scalar(value)?));
            }
            _ => {}
        }
    }
    flush(&mut lock, &mut entry, &mut snapshot);
    lock.v5 = version? < 6.0;
    Some(lock)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scalars_keys_and_resolutions() {
        assert_eq!(scalar("'it''s'"), Some("it's".into()));
        assert_eq!(scalar("\"x\""), None);
        assert_eq!(key_value("'@s/a@1.0.0':"), Some(("@s/a@1.0.0".into(), "")));
        assert_eq!(key_value("a: 1.0.0(b@2)"), Some(("a".into(), "1.0.0(b@2)")));
        assert_eq!(key_value("- item"), None);
        assert_eq!(
            resolution("{integrity: sha512-AA==, tarball: https://x/y.tgz}"),
            Some((Some("sha512-AA==".into()), Some("https://x/y.tgz".into())))
        );
    }

    #[test]
    fn the_fast_reader_agrees_with_the_yaml_parser_or_declines() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../scioc/tests/data/scan/real");
        for fixture in ["pnpm", "pnpm-v6", "pnpm-v5"] {
            let text = std::fs::read_to_string(format!("{dir}/{fixture}/pnpm-lock.yaml")).unwrap();
            let fast = read(&text).unwrap_or_else(|| panic!("{fixture}: the fast reader declined pnpm's own output"));
            assert_eq!(fast, super::super::from_yaml(&text).unwrap(), "{fixture}");
            assert!(!fast.packages.is_empty() && !fast.roots.is_empty(), "{fixture}");
        }
        // Shapes it does not know are left to the YAML parser.
        for odd in [
            "lockfileVersion: '9.0'\npackages:\n  a@1: &x\n",
            "lockfileVersion: '9.0'\n\tpackages:\n",
            "packages:\n  - a\n",
        ] {
            assert_eq!(read(odd), None, "{odd:?}");
        }
    }
}
