//! `requirements*.txt`: pinned requirements (`name==version`), `--hash=sha256:` options and
//! `-r other.txt` includes (read relative to the file, once each).

use super::{ExtractError, Extractor, file_name};
use crate::Package;
use std::path::Path;

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
        let mut out = Vec::new();
        let mut seen = vec![path.to_owned()];
        read(path, text, &mut out, &mut seen)?;
        Ok(out)
    }
}

fn read(
    path: &Path,
    text: &str,
    out: &mut Vec<Package>,
    seen: &mut Vec<std::path::PathBuf>,
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
            let target = path.parent().unwrap_or(Path::new(".")).join(inc.trim());
            if seen.contains(&target) {
                continue;
            }
            seen.push(target.clone());
            let text = std::fs::read_to_string(&target).map_err(|e| ExtractError {
                line,
                column: 1,
                message: format!("cannot read included {}: {e}", target.display()),
            })?;
            read(&target, &text, out, seen)?;
            continue;
        }
        if content.starts_with('-') {
            continue; // other options: --index-url, -e, -c …
        }
        let mut parts = content.split_whitespace();
        let spec = parts.next().unwrap_or("");
        let hashes: Vec<(&'static str, String)> =
            parts.filter_map(|p| p.strip_prefix("--hash=")).filter_map(super::prefixed_hash).collect();
        let spec = spec.split(';').next().unwrap_or("");
        let (name, version) = match spec.split_once("==") {
            Some((n, v)) => (n, Some(v.trim_start_matches('=').to_owned())),
            None => (spec.split(['<', '>', '!', '~', '=']).next().unwrap_or(spec), None),
        };
        let name = name.split('[').next().unwrap_or(name).trim();
        if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.')) {
            return Err(ExtractError {
                line,
                column: 1,
                message: format!("expected a requirement like name==1.0, got {content:?}"),
            });
        }
        let mut p = Package::new("PyPI", name, version.as_deref(), path, line);
        p.hashes = hashes;
        out.push(p);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

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
