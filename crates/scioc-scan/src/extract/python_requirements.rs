//! `requirements*.txt`: pinned requirements (`name==version`), `--hash=sha256:` options and
//! `-r other.txt` includes (read relative to the file, once each, and only from inside the
//! scanned tree: an include is canonicalized, so neither `..`, an absolute path nor a link
//! leads out of it, and a file already read is never read again, which ends every loop).

use super::{ExtractError, Extractor, file_name};
use crate::{Package, redact};
use std::path::{Path, PathBuf};

/// Deepest chain of includes followed (pip has no limit; real projects nest two or three).
const MAX_INCLUDE_DEPTH: usize = 16;

/// Most files one requirements file may pull in through includes.
const MAX_INCLUDED_FILES: usize = 256;

/// Where includes may come from, and which files were read already.
struct Includes {
    /// The scanned tree, canonical.
    root: PathBuf,
    /// Canonical paths read so far.
    seen: Vec<PathBuf>,
}

/// The pip requirements extractor.
pub(super) struct Requirements;

impl Extractor for Requirements {
    fn name(&self) -> &'static str {
        "python/requirements"
    }

    fn file_required(&self, path: &Path) -> bool {
        let name = file_name(path);
        name.starts_with("requirements") && name.ends_with(".txt")
    }

    fn extract(&self, path: &Path, text: &str) -> Result<Vec<Package>, ExtractError> {
        let root = match path.parent() {
            Some(p) if !p.as_os_str().is_empty() => p,
            _ => Path::new("."),
        };
        self.extract_within(path, text, root)
    }

    fn extract_within(&self, path: &Path, text: &str, root: &Path) -> Result<Vec<Package>, ExtractError> {
        let canonical = |p: &Path| p.canonicalize().unwrap_or_else(|_| p.to_owned());
        let mut includes = Includes { root: canonical(root), seen: vec![canonical(path)] };
        let mut out = Vec::new();
        read(path, text, &mut out, &mut includes, 0)?;
        Ok(out)
    }
}

impl Includes {
    /// The canonical path of `target` (named as `written` at `line`), if it should be read:
    /// `None` for a file read already; an error for a file outside the tree or unreadable.
    fn admit(
        &mut self,
        target: &Path,
        written: &str,
        line: usize,
        depth: usize,
    ) -> Result<Option<PathBuf>, ExtractError> {
        let refuse = |message: String| ExtractError { line, column: 1, message };
        let canonical = target
            .canonicalize()
            .map_err(|e| refuse(format!("cannot read included {}: {e}", redact::excerpt(written))))?;
        if !canonical.starts_with(&self.root) {
            return Err(refuse(format!(
                "included {} is outside the scanned tree {}; includes are read only from inside it",
                redact::excerpt(written),
                self.root.display()
            )));
        }
        if self.seen.contains(&canonical) {
            return Ok(None);
        }
        if depth >= MAX_INCLUDE_DEPTH || self.seen.len() >= MAX_INCLUDED_FILES {
            return Err(refuse(format!(
                "included {}: more than {MAX_INCLUDE_DEPTH} levels or {MAX_INCLUDED_FILES} files of includes",
                redact::excerpt(written)
            )));
        }
        self.seen.push(canonical.clone());
        Ok(Some(canonical))
    }
}

fn read(
    path: &Path,
    text: &str,
    out: &mut Vec<Package>,
    includes: &mut Includes,
    depth: usize,
) -> Result<(), ExtractError> {
    // Join continuation lines, remembering where each logical line starts.
    let mut logical: Vec<(usize, String)> = Vec::new();
    let mut pending: Option<(usize, String)> = None;
    for (i, raw) in text.lines().enumerate() {
        let line = raw.split(" #").next().unwrap_or("").trim_end();
        let (start, mut acc) = pending.take().unwrap_or((i + 1, String::new()));
        let (body, continues) = match line.strip_suffix('\\') {
            Some(b) => (b, true),
            None => (line, false),
        };
        acc.push(' ');
        acc.push_str(body.trim());
        if continues { pending = Some((start, acc)) } else { logical.push((start, acc)) }
    }
    logical.extend(pending);
    for (line, content) in logical {
        let content = content.trim();
        if content.is_empty() || content.starts_with('#') {
            continue;
        }
        if let Some(inc) = content.strip_prefix("-r ").or_else(|| content.strip_prefix("--requirement ")) {
            let written = inc.trim();
            let Some(target) =
                includes.admit(&path.parent().unwrap_or(Path::new(".")).join(written), written, line, depth)?
            else {
                continue;
            };
            let text = read_included(&target).map_err(|e| ExtractError {
                line,
                column: 1,
                message: format!("cannot read included {}: {e}", redact::excerpt(written)),
            })?;
            // A problem inside the included file is reported at this line, naming where it is.
            read(&target, &text, out, includes, depth + 1).map_err(|e| ExtractError {
                line,
                column: 1,
                message: format!("in included {}, line {}: {}", redact::excerpt(written), e.line, e.message),
            })?;
            continue;
        }
        if content.starts_with('-') {
            continue; // other options: --index-url, -e, -c …
        }
        // The requirement is every word before the first option (PEP 508 allows `name == 1.0`),
        // up to its environment marker; the options follow.
        let words: Vec<&str> = content.split_whitespace().collect();
        let first_option = words.iter().position(|w| w.starts_with("--")).unwrap_or(words.len());
        let hashes: Vec<(&'static str, String)> = words[first_option..]
            .iter()
            .filter_map(|p| p.strip_prefix("--hash="))
            .filter_map(super::prefixed_hash)
            .collect();
        let requirement = words[..first_option].join(" ");
        let spec: String = requirement.split(';').next().unwrap_or("").chars().filter(|c| !c.is_whitespace()).collect();
        let (name, version) = match spec.split_once("==") {
            Some((n, v)) => (n, Some(v.trim_start_matches('=').to_owned())),
            None => (spec.split(['<', '>', '!', '~', '=']).next().unwrap_or(&spec), None),
        };
        if version.as_deref() == Some("") {
            return Err(ExtractError {
                line,
                column: 1,
                message: format!("expected a version after ==, got {}", redact::excerpt(content)),
            });
        }
        let name = name.split('[').next().unwrap_or(name).trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(ExtractError {
                line,
                column: 1,
                message: format!("expected a requirement like name==1.0, got {}", redact::excerpt(content)),
            });
        }
        let mut p = Package::new("PyPI", name, version.as_deref(), path, line);
        p.hashes = hashes;
        out.push(p);
    }
    Ok(())
}

/// An included file's text, refusing anything but a regular file of a sane size.
fn read_included(path: &Path) -> std::io::Result<String> {
    let meta = std::fs::metadata(path)?;
    if !meta.is_file() {
        return Err(std::io::Error::other("not a regular file"));
    }
    if meta.len() > crate::scan::MAX_FILE_BYTES {
        return Err(std::io::Error::other(format!("larger than the {}-byte limit", crate::scan::MAX_FILE_BYTES)));
    }
    std::fs::read_to_string(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pin_needs_a_version_and_may_be_spaced() {
        let e = Requirements.extract(Path::new("requirements.txt"), "ok==1\nrequests==\n").unwrap_err();
        assert_eq!((e.line, e.message.starts_with("expected a version after ==")), (2, true), "{}", e.message);
        let p = Requirements.extract(Path::new("requirements.txt"), "requests == 2.31.0 --hash=sha256:00\n").unwrap();
        assert_eq!((p[0].name.as_str(), p[0].version.as_deref()), ("requests", Some("2.31.0")));
    }

    #[test]
    fn pins_hashes_extras_and_markers() {
        let text = "# deps\nrequests[socks]==2.31.0 ; python_version >= \"3.8\"\nctx==0.2.6 \\\n    --hash=sha256:ABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABABAB\nflask>=2\n--index-url https://x\n";
        let p = Requirements.extract(Path::new("requirements.txt"), text).unwrap();
        let got: Vec<_> = p.iter().map(|p| (p.name.as_str(), p.version.as_deref(), p.line)).collect();
        assert_eq!(got, vec![("requests", Some("2.31.0"), 2), ("ctx", Some("0.2.6"), 3), ("flask", None, 5)]);
        assert_eq!(
            p[1].hashes,
            vec![("sha256", "abababababababababababababababababababababababababababababababab".to_owned())]
        );
        let e = Requirements.extract(Path::new("requirements.txt"), "ok==1\n???\n").unwrap_err();
        assert_eq!(e.line, 2);
    }
}

#[cfg(test)]
mod include_tests {
    use super::*;

    fn write(path: &Path, text: &str) {
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    #[test]
    fn includes_outside_the_tree_are_refused_without_quoting_them() {
        let outside = tempfile::tempdir().unwrap();
        let creds = outside.path().join("creds");
        write(&creds, "TOKEN=ghp_9aZk2LmQ8rT5vW1xY3bC\n");
        let tree = tempfile::tempdir().unwrap();
        let req = tree.path().join("requirements.txt");
        for include in [creds.display().to_string(), "../".repeat(12) + "etc/passwd"] {
            let text = format!("ok==1.0\n-r {include}\n");
            write(&req, &text);
            let e = Requirements.extract_within(&req, &text, tree.path()).unwrap_err();
            assert_eq!(e.line, 2);
            assert!(e.message.contains("outside the scanned tree"), "{}", e.message);
            assert!(!e.message.contains("ghp_9aZk") && !e.message.contains("root:"), "{}", e.message);
        }
        // A link inside the tree that points out of it is refused the same way.
        std::os::unix::fs::symlink(&creds, tree.path().join("linked.txt")).unwrap();
        let text = "-r linked.txt\n";
        let e = Requirements.extract_within(&req, text, tree.path()).unwrap_err();
        assert!(e.message.contains("outside the scanned tree"), "{}", e.message);
    }

    #[test]
    fn includes_inside_the_tree_are_read_once_and_loops_end() {
        let tree = tempfile::tempdir().unwrap();
        let root = tree.path();
        // requirements/prod.txt includes ../base.txt, which includes requirements/../requirements/prod.txt
        // through ../dir/ spellings: a loop that only canonical paths reveal.
        write(&root.join("base.txt"), "base==1.0\n-r requirements/../requirements/prod.txt\n-r ./base.txt\n");
        let prod = root.join("requirements/prod.txt");
        let text = "prod==2.0\n-r ../base.txt\n-r ../requirements/prod.txt\n";
        write(&prod, text);
        let got = Requirements.extract_within(&prod, text, root).unwrap();
        let names: Vec<_> = got.iter().map(|p| (p.name.as_str(), p.version.as_deref())).collect();
        assert_eq!(names, vec![("prod", Some("2.0")), ("base", Some("1.0"))]);
        // A file given alone may include beside and below itself.
        let e = Requirements.extract(&prod, text).unwrap_err();
        assert!(e.message.contains("outside the scanned tree"), "{}", e.message);
    }

    #[test]
    fn a_bad_line_is_quoted_only_as_a_masked_excerpt() {
        let line =
            format!("--index-url=x\nAuthorization: Bearer sk_live_51Hx9aZk2LmQ8rT5vW1xY3bC{}\n", "z".repeat(200));
        let e = Requirements.extract(Path::new("requirements.txt"), &line).unwrap_err();
        assert!(!e.message.contains("51Hx9aZk2LmQ8"), "{}", e.message);
        assert!(e.message.chars().count() < 120, "{}", e.message);
    }
}
