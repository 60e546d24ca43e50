//! The Python package index's simple API: PEP 503 HTML and PEP 691 JSON project pages, with the
//! files of blocked versions taken out and every file routed through the firewall.
//!
//! One model serves both forms: a page is held as PEP 691 JSON (`name`, `files[]` with
//! `filename`, `url`, `hashes`, `requires-python`, `yanked`, `core-metadata`, and whatever
//! else the upstream sent), an HTML page from the upstream is read into it ([`parse_html`]),
//! and the HTML answer is written from it ([`render_html`]). A file's URL becomes
//! `{base}/files/{project}/{filename}`: the download route finds the file again in the
//! project's page, so it fetches only what the upstream listed (never a URL a request names)
//! and judges it again.

use crate::Block;
use serde_json::{Map, Value, json};

/// PEP 691's JSON media type.
pub const JSON_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// PEP 691's HTML media type.
pub const HTML_TYPE: &str = "application/vnd.pypi.simple.v1+html";

/// The PEP 503 normal form of a project name: runs of `-`, `_` and `.` become one `-`, in
/// lower case.
pub fn normalize(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut run = false;
    for c in name.chars() {
        if matches!(c, '-' | '_' | '.') {
            run = true;
            continue;
        }
        if run && !out.is_empty() {
            out.push('-');
        }
        run = false;
        out.push(c.to_ascii_lowercase());
    }
    out
}

/// A project name read from a request path and checked against PEP 508's name rule (ASCII
/// letters and digits, with `-`, `_`, `.` inside), kept normalized.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProjectName(String);

/// Longest project name accepted, in bytes (PyPI's own limit is far below).
pub const MAX_NAME: usize = 200;

/// A request path that names no valid project: answered 400 before anything reaches the
/// upstream.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("not a Python project name: {0}")]
pub struct NameError(pub String);

impl ProjectName {
    /// The project a path segment names. Escapes, dots alone, leading or trailing
    /// punctuation and other characters are refused.
    pub fn from_path(segment: &str) -> Result<ProjectName, NameError> {
        let shown = || format!("{:?}", segment.chars().take(80).collect::<String>());
        if segment.is_empty() || segment.len() > MAX_NAME {
            return Err(NameError(format!("{} has {} bytes; a name has 1 to {MAX_NAME}", shown(), segment.len())));
        }
        let punct = |c: char| matches!(c, '-' | '_' | '.');
        if let Some(c) = segment.chars().find(|c| !(c.is_ascii_alphanumeric() || punct(*c))) {
            return Err(NameError(format!("{} holds {c:?}", shown())));
        }
        if segment.starts_with(punct) || segment.ends_with(punct) {
            return Err(NameError(format!("{} starts or ends with punctuation", shown())));
        }
        Ok(ProjectName(normalize(segment)))
    }

    /// The normalized name.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// The version a distribution's file name carries: a wheel's second `-` field (PEP 427), or
/// what follows the project's name in an sdist (`{name}-{version}.tar.gz`, `.zip`, …).
pub fn version_of(filename: &str, project: &ProjectName) -> Option<String> {
    if let Some(stem) = filename.strip_suffix(".whl") {
        let mut parts = stem.split('-');
        let (name, version) = (parts.next()?, parts.next()?);
        return (normalize(name) == project.0).then(|| version.to_owned());
    }
    let stem = [".tar.gz", ".tar.bz2", ".tar.xz", ".zip", ".tgz", ".tar", ".egg"]
        .iter()
        .find_map(|ext| filename.strip_suffix(ext))?;
    // The name may hold `-` itself: split where the part before is the project.
    stem.match_indices('-')
        .map(|(i, _)| (&stem[..i], &stem[i + 1..]))
        .find(|(name, version)| normalize(name) == project.0 && !version.is_empty())
        .map(|(_, version)| version.split('-').next().unwrap_or(version).to_owned())
}

/// Which form to answer in, from the request's `Accept` header: PEP 691 JSON when it is
/// preferred (by q-value, then by order), else HTML, which is also the answer to no header.
pub fn wants_json(accept: Option<&str>) -> bool {
    let Some(accept) = accept else { return false };
    let mut best: Option<(f32, bool)> = None;
    for item in accept.split(',') {
        let mut parts = item.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let q = parts
            .filter_map(|p| p.strip_prefix("q=").or_else(|| p.strip_prefix("Q=")))
            .find_map(|q| q.parse::<f32>().ok())
            .unwrap_or(1.0);
        let json = match media.as_str() {
            JSON_TYPE | "application/vnd.pypi.simple.latest+json" => true,
            HTML_TYPE | "application/vnd.pypi.simple.latest+html" | "text/html" | "*/*" => false,
            _ => continue,
        };
        if q > 0.0 && best.is_none_or(|(bq, _)| q > bq) {
            best = Some((q, json));
        }
    }
    best.is_some_and(|(_, json)| json)
}

/// An upstream page that cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the upstream's simple page is unreadable: {0}")]
pub struct PageError(pub String);

/// Reads a PEP 503 HTML page into the PEP 691 JSON model. Each `<a href>` is one file; its
/// URL is resolved against `page_url` and its `#sha256=` fragment becomes `hashes`; the
/// `data-requires-python`, `data-yanked` and `data-core-metadata` (or PEP 658's older
/// `data-dist-info-metadata`) attributes carry over.
///
/// The page is read with quick-xml's HTML attribute rules rather than a full HTML parser:
/// PEP 503 defines nothing but anchors, and every index writes them plainly.
pub fn parse_html(html: &str, project: &ProjectName, page_url: &url::Url) -> Result<Value, PageError> {
    use quick_xml::{Reader, events::Event};
    let mut reader = Reader::from_str(html);
    let config = reader.config_mut();
    config.check_end_names = false;
    config.allow_unmatched_ends = true;
    config.allow_dangling_amp = true;
    let mut files = Vec::new();
    loop {
        let event = reader.read_event().map_err(|e| PageError(format!("at byte {}: {e}", reader.buffer_position())))?;
        let start = match event {
            Event::Eof => break,
            Event::Start(e) | Event::Empty(e) => e,
            _ => continue,
        };
        if !start.name().as_ref().eq_ignore_ascii_case(b"a") {
            continue;
        }
        let mut file = Map::new();
        let mut href = None;
        for attr in start.html_attributes() {
            let attr = attr.map_err(|e| PageError(e.to_string()))?;
            let key = String::from_utf8_lossy(attr.key.as_ref()).to_ascii_lowercase();
            let value = attr.unescape_value().map_err(|e| PageError(e.to_string()))?.into_owned();
            match key.as_str() {
                "href" => href = Some(value),
                "data-requires-python" => {
                    file.insert("requires-python".into(), Value::String(value));
                }
                "data-yanked" => {
                    let yanked = if value.is_empty() { Value::Bool(true) } else { Value::String(value) };
                    file.insert("yanked".into(), yanked);
                }
                "data-core-metadata" | "data-dist-info-metadata" => {
                    file.insert("core-metadata".into(), metadata_value(&value));
                }
                _ => {}
            }
        }
        let Some(href) = href else { continue };
        let Ok(mut url) = page_url.join(&href) else { continue };
        let mut hashes = Map::new();
        if let Some((algo, digest)) = url.fragment().and_then(|f| f.split_once('=')) {
            hashes.insert(algo.to_ascii_lowercase(), Value::String(digest.to_ascii_lowercase()));
        }
        url.set_fragment(None);
        let Some(filename) = url.path_segments().and_then(|mut s| s.next_back()).map(decode).filter(|f| !f.is_empty())
        else {
            continue;
        };
        file.insert("filename".into(), Value::String(filename));
        file.insert("url".into(), Value::String(url.to_string()));
        file.insert("hashes".into(), Value::Object(hashes));
        files.push(Value::Object(file));
    }
    Ok(json!({"meta": {"api-version": "1.0"}, "name": project.as_str(), "files": files}))
}

/// `true`, or `sha256=<hex>` as PEP 658 writes it, in PEP 691's JSON form.
fn metadata_value(attr: &str) -> Value {
    match attr.split_once('=') {
        Some((algo, digest)) => json!({ algo.to_ascii_lowercase(): digest.to_ascii_lowercase() }),
        None => Value::Bool(true),
    }
}

fn decode(segment: &str) -> String {
    percent_encoding::percent_decode_str(segment).decode_utf8_lossy().into_owned()
}

/// What a file name keeps as it is in a URL path segment: RFC 3986's unreserved characters.
const PATH_SEGMENT: &percent_encoding::AsciiSet =
    &percent_encoding::NON_ALPHANUMERIC.remove(b'-').remove(b'.').remove(b'_').remove(b'~');

/// One file of a page, as the judge sees it.
#[derive(Debug, Clone, Copy)]
pub struct FileInfo<'a> {
    /// Its file name.
    pub filename: &'a str,
    /// The version its name carries, if it can be read.
    pub version: Option<&'a str>,
    /// Its SHA-256, hex, when the page gives one.
    pub sha256: Option<&'a str>,
    /// Its upload time (PEP 700), when the page gives one.
    pub uploaded: Option<&'a str>,
}

/// How a simple page shows a blocked file.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Withhold {
    /// Listed as yanked (PEP 592) with the block as the reason, its URL still routed through
    /// the firewall, which refuses it: resolvers never pick a yanked file unless it is pinned
    /// exactly (`==`), and then pip and uv print the reason before the download is refused.
    #[default]
    Yank,
    /// Taken off the page: the client sees no such version.
    Remove,
}

/// Judges every file of a page (the JSON model) and withholds the blocked ones as `how` says;
/// with [`Withhold::Remove`] PEP 700's `versions` entries left without files go too. Every
/// file that stays has its `url` pointed at `{base}/files/{project}/{filename}`. Returns what
/// was blocked.
pub fn filter_files(
    page: &mut Value,
    project: &ProjectName,
    base: &str,
    how: Withhold,
    mut judge: impl FnMut(&FileInfo<'_>) -> Option<Block>,
) -> Vec<(String, Block)> {
    let mut removed = Vec::new();
    let Some(files) = page.get_mut("files").and_then(Value::as_array_mut) else { return removed };
    files.retain_mut(|file| {
        let Some(filename) = file.get("filename").and_then(Value::as_str).map(str::to_owned) else { return false };
        let version = version_of(&filename, project);
        let info = FileInfo {
            filename: &filename,
            version: version.as_deref(),
            sha256: file.pointer("/hashes/sha256").and_then(Value::as_str),
            uploaded: file.get("upload-time").and_then(Value::as_str),
        };
        if let Some(block) = judge(&info) {
            let line = block.line();
            removed.push((filename.clone(), block));
            if how == Withhold::Remove {
                return false;
            }
            file["yanked"] = Value::String(line);
        }
        let encoded = percent_encoding::utf8_percent_encode(&filename, PATH_SEGMENT).to_string();
        file["url"] = Value::String(format!("{base}/files/{}/{encoded}", project.as_str()));
        true
    });
    let kept: std::collections::HashSet<String> = files
        .iter()
        .filter_map(|f| f.get("filename").and_then(Value::as_str))
        .filter_map(|f| version_of(f, project))
        .collect();
    if how == Withhold::Remove
        && !removed.is_empty()
        && let Some(versions) = page.get_mut("versions").and_then(Value::as_array_mut)
    {
        versions.retain(|v| v.as_str().is_some_and(|v| kept.contains(v)));
    }
    removed
}

/// Writes the PEP 503 HTML page of the JSON model: one anchor per file, with its hash as the
/// URL's fragment and its attributes escaped.
pub fn render_html(page: &Value) -> String {
    use std::fmt::Write;
    let esc = |s: &str| quick_xml::escape::escape(s).into_owned();
    let name = page.get("name").and_then(Value::as_str).unwrap_or("");
    let mut out =
        String::from("<!DOCTYPE html>\n<html>\n<head>\n<meta name=\"pypi:repository-version\" content=\"1.0\">\n");
    let _ = writeln!(out, "<title>Links for {}</title>\n</head>\n<body>\n<h1>Links for {}</h1>", esc(name), esc(name));
    for file in page.get("files").and_then(Value::as_array).into_iter().flatten() {
        let (Some(filename), Some(url)) =
            (file.get("filename").and_then(Value::as_str), file.get("url").and_then(Value::as_str))
        else {
            continue;
        };
        let mut href = url.to_owned();
        if let Some((algo, digest)) = file
            .get("hashes")
            .and_then(Value::as_object)
            .and_then(|h| {
                h.get("sha256").map(|d| ("sha256", d)).or_else(|| h.iter().next().map(|(a, d)| (a.as_str(), d)))
            })
            .and_then(|(a, d)| Some((a, d.as_str()?)))
        {
            let _ = write!(href, "#{algo}={digest}");
        }
        let _ = write!(out, "<a href=\"{}\"", esc(&href));
        if let Some(rp) = file.get("requires-python").and_then(Value::as_str) {
            let _ = write!(out, " data-requires-python=\"{}\"", esc(rp));
        }
        match file.get("yanked") {
            Some(Value::String(reason)) => {
                let _ = write!(out, " data-yanked=\"{}\"", esc(reason));
            }
            Some(Value::Bool(true)) => out.push_str(" data-yanked=\"\""),
            _ => {}
        }
        let metadata = file.get("core-metadata").or_else(|| file.get("dist-info-metadata"));
        let metadata = match metadata {
            Some(Value::Bool(true)) => Some("true".to_owned()),
            Some(Value::Object(h)) => h.iter().next().and_then(|(a, d)| Some(format!("{a}={}", d.as_str()?))),
            _ => None,
        };
        if let Some(m) = metadata {
            let _ = write!(out, " data-core-metadata=\"{m}\" data-dist-info-metadata=\"{m}\"");
        }
        let _ = writeln!(out, ">{}</a><br>", esc(filename));
    }
    out.push_str("</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project(name: &str) -> ProjectName {
        ProjectName::from_path(name).unwrap()
    }

    #[test]
    fn names_normalize_and_hostile_ones_are_refused() {
        assert_eq!(normalize("Friendly-Bard"), "friendly-bard");
        assert_eq!(normalize("FRIENDLY._-bard"), "friendly-bard");
        assert_eq!(project("Python_Dateutil").as_str(), "python-dateutil");
        for hostile in ["", "..", "a/b", "%2e%2e", "-lead", "trail.", "a b", "caf\u{e9}", "a%2fb", "a\0b"] {
            assert!(ProjectName::from_path(hostile).is_err(), "{hostile:?} must be refused");
        }
        assert!(ProjectName::from_path(&"a".repeat(MAX_NAME + 1)).is_err());
    }

    #[test]
    fn versions_from_file_names() {
        let p = project("python-dateutil");
        assert_eq!(version_of("python_dateutil-2.8.2-py2.py3-none-any.whl", &p).as_deref(), Some("2.8.2"));
        assert_eq!(version_of("python-dateutil-2.8.2.tar.gz", &p).as_deref(), Some("2.8.2"));
        assert_eq!(version_of("other-1.0.tar.gz", &p), None);
        assert_eq!(version_of("python-dateutil.tar.gz", &p), None);
        let r = project("requests");
        assert_eq!(version_of("requests-2.31.0.zip", &r).as_deref(), Some("2.31.0"));
        assert_eq!(version_of("requests-2.31.0.exe", &r), None);
    }

    #[test]
    fn content_negotiation() {
        assert!(!wants_json(None));
        assert!(wants_json(Some(JSON_TYPE)));
        assert!(!wants_json(Some("text/html")));
        assert!(wants_json(Some(
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01"
        )));
        assert!(!wants_json(Some("text/html, application/vnd.pypi.simple.v1+json;q=0.5")));
        assert!(!wants_json(Some("application/vnd.pypi.simple.v1+json;q=0, text/html")));
        assert!(!wants_json(Some("image/png")));
    }

    const UPSTREAM_PAGE: &str = r#"<!DOCTYPE html>
<html><head><meta name="pypi:repository-version" content="1.1"><title>Links for demo</title></head>
<body><h1>Links for demo</h1>
<a href="../../packages/aa/demo-1.0.tar.gz#sha256=AAAA" data-requires-python="&gt;=3.7">demo-1.0.tar.gz</a><br/>
<a href="https://files.invalid/demo-1.1-py3-none-any.whl#sha256=bbbb" data-dist-info-metadata="sha256=cccc" data-yanked="broken &amp; bad">demo-1.1-py3-none-any.whl</a><br/>
<a href="https://files.invalid/demo-1.2-py3-none-any.whl#sha256=dddd" data-core-metadata=true data-yanked>demo-1.2-py3-none-any.whl</a><br>
<a href="https://files.invalid/demo%201.3.tar.gz">demo 1.3.tar.gz</a>
</body></html>"#;

    #[test]
    fn an_upstream_html_page_reads_into_the_json_model() {
        let base = url::Url::parse("https://index.invalid/simple/demo/").unwrap();
        let page = parse_html(UPSTREAM_PAGE, &project("demo"), &base).unwrap();
        let files = page["files"].as_array().unwrap();
        assert_eq!(files.len(), 4);
        assert_eq!(files[0]["filename"], "demo-1.0.tar.gz");
        assert_eq!(files[0]["url"], "https://index.invalid/packages/aa/demo-1.0.tar.gz");
        assert_eq!(files[0]["hashes"], json!({"sha256": "aaaa"}));
        assert_eq!(files[0]["requires-python"], ">=3.7");
        assert_eq!(files[1]["yanked"], "broken & bad");
        assert_eq!(files[1]["core-metadata"], json!({"sha256": "cccc"}));
        assert_eq!(files[2]["yanked"], true);
        assert_eq!(files[2]["core-metadata"], true);
        assert_eq!(files[3]["filename"], "demo 1.3.tar.gz");
        assert_eq!(files[3]["hashes"], json!({}));
    }

    #[test]
    fn blocked_files_go_and_the_rest_route_through_the_firewall() {
        let base = url::Url::parse("https://index.invalid/simple/demo/").unwrap();
        let p = project("demo");
        let mut page = parse_html(UPSTREAM_PAGE, &p, &base).unwrap();
        page["versions"] = json!(["1.0", "1.1", "1.2"]);
        let mut seen = Vec::new();
        let removed = filter_files(&mut page, &p, "http://fw/registry/pypi", Withhold::Remove, |f| {
            seen.push((f.filename.to_owned(), f.version.map(str::to_owned), f.sha256.map(str::to_owned)));
            (f.version == Some("1.1") || f.sha256 == Some("dddd")).then(|| Block {
                reason: String::new(),
                rule: "AS-008".into(),
                reference: None,
                what: f.filename.into(),
                severity: None,
            })
        });
        assert_eq!(seen[0], ("demo-1.0.tar.gz".into(), Some("1.0".into()), Some("aaaa".into())));
        let gone: Vec<&str> = removed.iter().map(|(f, _)| f.as_str()).collect();
        assert_eq!(gone, ["demo-1.1-py3-none-any.whl", "demo-1.2-py3-none-any.whl"]);
        let files = page["files"].as_array().unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(files[0]["url"], "http://fw/registry/pypi/files/demo/demo-1.0.tar.gz");
        assert_eq!(files[1]["url"], "http://fw/registry/pypi/files/demo/demo%201.3.tar.gz");
        assert_eq!(page["versions"], json!(["1.0"]), "versions left without files go");
        let html = render_html(&page);
        assert!(html.contains(r#"<a href="http://fw/registry/pypi/files/demo/demo-1.0.tar.gz#sha256=aaaa" data-requires-python="&gt;=3.7">demo-1.0.tar.gz</a>"#), "{html}");
        assert!(!html.contains("1.1-py3") && !html.contains("1.2-py3"));
        // What the firewall writes, it reads back as the same files.
        let again = parse_html(&html, &p, &url::Url::parse("http://fw/registry/pypi/simple/demo/").unwrap()).unwrap();
        let urls = |v: &Value| v["files"].as_array().unwrap().iter().map(|f| f["url"].clone()).collect::<Vec<_>>();
        assert_eq!(urls(&again), urls(&page));
        assert_eq!(again["files"][0]["requires-python"], ">=3.7");
    }

    #[test]
    fn yanked_blocked_files_stay_listed_with_the_block_as_reason() {
        let base = url::Url::parse("https://index.invalid/simple/demo/").unwrap();
        let p = project("demo");
        let mut page = parse_html(UPSTREAM_PAGE, &p, &base).unwrap();
        page["versions"] = json!(["1.0", "1.1", "1.2"]);
        let blocked = filter_files(&mut page, &p, "http://fw/registry/pypi", Withhold::Yank, |f| {
            (f.version == Some("1.1")).then(|| Block {
                reason: String::new(),
                rule: "AS-008".into(),
                reference: Some("MAL-1".into()),
                what: format!("demo==1.1 ({})", f.filename),
                severity: None,
            })
        });
        assert_eq!(blocked.len(), 1);
        let files = page["files"].as_array().unwrap();
        assert_eq!(files.len(), 4, "nothing is taken off the page");
        assert_eq!(files[1]["yanked"], "scioc blocked demo==1.1 (demo-1.1-py3-none-any.whl): rule AS-008 (MAL-1)");
        assert_eq!(files[1]["url"], "http://fw/registry/pypi/files/demo/demo-1.1-py3-none-any.whl");
        assert_eq!(files[0].get("yanked"), None, "clean files are not yanked");
        assert_eq!(page["versions"], json!(["1.0", "1.1", "1.2"]));
        assert!(render_html(&page).contains("data-yanked=\"scioc blocked demo==1.1"));
    }

    #[test]
    fn garbage_is_an_error_or_no_files_never_a_panic() {
        let base = url::Url::parse("https://index.invalid/simple/x/").unwrap();
        for junk in ["", "<a", "<a href=\"\">", "<<<>>>", "<a href=\"javascript:alert(1)\">x</a>", "\u{0}\u{1}"] {
            if let Ok(page) = parse_html(junk, &project("x"), &base) {
                assert!(page["files"].as_array().unwrap().iter().all(|f| f["filename"].as_str().is_some()));
            }
        }
    }
}
