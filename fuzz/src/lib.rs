//! What the fuzz targets share: each target hands its input to one of these, which drives one
//! parser the way the product does and checks what must always hold.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// A directory for the inputs that must be files (archives; lockfiles that include others).
fn scratch() -> &'static Path {
    static DIR: OnceLock<tempfile::TempDir> = OnceLock::new();
    DIR.get_or_init(|| tempfile::tempdir().expect("a scratch directory")).path()
}

/// The file name each extractor reads.
fn file_name(extractor: &str) -> &'static str {
    match extractor {
        "npm/package-lock" => "package-lock.json",
        "npm/yarn-lock" => "yarn.lock",
        "npm/pnpm-lock" => "pnpm-lock.yaml",
        "npm/bun-lock" => "bun.lock",
        "npm/package-json" => "package.json",
        "python/requirements" => "requirements.txt",
        "python/poetry-lock" => "poetry.lock",
        "python/pipfile-lock" => "Pipfile.lock",
        "python/uv-lock" => "uv.lock",
        "python/pylock" => "pylock.toml",
        "rust/cargo-lock" => "Cargo.lock",
        "ruby/gemfile-lock" => "Gemfile.lock",
        "sbom/cyclonedx" => "bom.cdx.json",
        "sbom/spdx" => "sbom.spdx.json",
        other => panic!("no extractor {other}"),
    }
}

/// One lockfile extractor on `data` (as the scanner reads a file: UTF-8 or nothing). A failure
/// must be an error naming a line within the file, never a panic; every package must name the
/// file it came from.
pub fn extract(extractor: &str, data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let ex = scioc_scan::extract::EXTRACTORS.iter().find(|e| e.name() == extractor).expect("a known extractor");
    let path: PathBuf = scratch().join(file_name(extractor));
    match ex.extract_within(&path, text, scratch()) {
        Ok(packages) => {
            for p in packages {
                assert_eq!(p.file, path, "a package names its file");
            }
        }
        Err(e) => {
            // Parsers count a lone CR as a line break too, as editors do.
            let lines = text.split(['\n', '\r']).count();
            assert!(e.line <= lines + 1, "error line {} past the end ({lines} lines)", e.line);
            let shown = scioc_scan::redact::message(&e.message);
            assert!(shown.chars().count() <= scioc_scan::redact::MESSAGE_CHARS + 1);
        }
    }
}

/// One OSV record, read and mapped as `scioc ingest osv` does.
pub fn osv_record(data: &[u8]) {
    if let Ok(record) = serde_json::from_slice::<scioc_ingest::osv::record::Record>(data) {
        if let Ok(mapped) = scioc_ingest::osv::map::map(&record) {
            // Whatever a record says, the entries it becomes are valid wire entries.
            for a in &mapped.announcements {
                let json = serde_json::to_value(&a.entry).expect("an entry serializes");
                let raw: scioc_model::RawEntry = serde_json::from_value(json).expect("the wire form reads back");
                scioc_model::Entry::try_from(raw).expect("the wire form validates");
            }
        }
    }
}

/// JSON Lines of entries, as `scioc ingest entries` reads them.
pub fn jsonl_entries(data: &[u8]) {
    let now = scioc_model::FeedTime::from_unix(1_900_000_000);
    match scioc_ingest::entries::parse(data, None, now) {
        Ok(lines) => {
            for l in lines {
                assert!(l.line >= 1);
            }
        }
        Err(refused) => assert!(refused.problems.len() <= refused.total.max(1)),
    }
}

/// A candidate file, as `scioc candidates validate` checks it.
pub fn candidates(data: &[u8]) {
    let Ok(doc) = serde_json::from_slice::<serde_json::Value>(data) else { return };
    let problems = scioc_curation::validate::check_document(&doc);
    assert!(problems.len() <= scioc_curation::validate::MAX_LISTED_PROBLEMS + 1);
    if problems.is_empty() {
        // What validates must also read as candidates.
        let _ = serde_json::from_value::<Vec<scioc_curation::Candidate>>(doc);
    }
}

/// A feed response in either format, as the client reads it.
pub fn feed_response(data: &[u8]) {
    let (format, body) = match data.split_first() {
        Some((b, rest)) if b % 2 == 0 => (scioc_api::Format::Json, rest),
        Some((_, rest)) => (scioc_api::Format::Xml, rest),
        None => return,
    };
    let _ = scioc_api::FeedResponse::parse(format, body);
    let _ = scioc_client::Page::parse(format, body);
}

/// A package archive of the kind the first byte picks, read as `ingest sample` and `scan` do.
pub fn archive(data: &[u8]) {
    let Some((kind, bytes)) = data.split_first() else { return };
    let name = ["x-1.0.0.tgz", "x-1.0.0-py3-none-any.whl", "x-1.0.0.tar.gz", "x-1.0.0.zip", "x-1.0.0.gem", "x-1.0.0.crate"]
        [usize::from(*kind) % 6];
    let path = scratch().join(name);
    std::fs::write(&path, bytes).expect("the scratch directory is writable");
    let limits = scioc_ingest::archive::Limits {
        max_entries: 1000,
        max_expanded: 16 * 1024 * 1024,
        ..scioc_ingest::archive::Limits::default()
    };
    if let Ok(inspected) = scioc_ingest::archive::inspect(&path, limits) {
        for f in &inspected.files {
            assert!(!f.path.starts_with('/') && !f.path.split('/').any(|p| p == ".."), "{}", f.path);
        }
        let claims = scioc_ingest::archive::Claims {
            purl: None,
            threat_name: "Fuzz".into(),
            threat_level: "3".parse::<scioc_model::ThreatLevel>().expect("a level"),
            source_url: None,
            named: None,
        };
        if let Ok((entry, _)) = scioc_ingest::archive::entry(&inspected, &claims) {
            assert!(entry.sample_list.len() <= scioc_model::MAX_SAMPLES);
        }
    }
}

/// The server, in process, over an SQLite store: one request whose method, target and body come
/// from the input (`METHOD TARGET\n\nBODY`), with an admin's credentials. No answer may be a 5xx
/// other than a deliberate 503.
pub fn http_request(data: &[u8]) {
    use tower::ServiceExt;
    struct Harness {
        runtime: tokio::runtime::Runtime,
        app: axum::Router,
        _dir: tempfile::TempDir,
    }
    static HARNESS: OnceLock<Harness> = OnceLock::new();
    let h = HARNESS.get_or_init(|| {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
        let dir = tempfile::tempdir().expect("a store directory");
        let store: std::sync::Arc<dyn scioc_store::Store> =
            std::sync::Arc::new(scioc_store::SqliteStore::open(dir.path()).expect("a store"));
        runtime.block_on(async {
            let hash = scioc_server::password::hash("fuzz-password").expect("a hash");
            let name = "fuzz".parse::<scioc_model::UserName>().expect("a name");
            store
                .create_user(scioc_store::NewUser {
                    name,
                    role: scioc_model::Role::Admin,
                    password_hash: hash,
                    now: scioc_model::FeedTime::now(),
                })
                .await
                .expect("a user");
        });
        let config = scioc_server::ServerConfig::default();
        let app = scioc_server::router::router(scioc_server::App::new(store, &config), &config);
        Harness { runtime, app, _dir: dir }
    });
    let text = String::from_utf8_lossy(data);
    let (head, body) = text.split_once("\n\n").unwrap_or((&text, ""));
    let Some((method, target)) = head.split_once(' ') else { return };
    let Ok(method) = axum::http::Method::from_bytes(method.as_bytes()) else { return };
    let Ok(uri) = target.trim().parse::<axum::http::Uri>() else { return };
    use base64::Engine;
    let auth = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode("fuzz:fuzz-password"));
    let Ok(request) = axum::http::Request::builder()
        .method(method)
        .uri(uri)
        .header("authorization", auth)
        .body(axum::body::Body::from(body.to_owned()))
    else {
        return;
    };
    let response = h.runtime.block_on(h.app.clone().oneshot(request)).expect("the router never fails");
    let status = response.status();
    assert!(!status.is_server_error() || status == 503, "{status} for {head:?}");
}

/// The package analyser on arbitrary archives (the first byte picks the kind, as for
/// [`archive`]), read from memory: every analysis ends, within bounds, and a malicious verdict
/// always names its files.
pub fn analyze_archive(data: &[u8]) {
    use scioc_ingest::archive::ArchiveKind;
    let Some((kind, bytes)) = data.split_first() else { return };
    let (name, kind) = [
        ("x-1.0.0.tgz", ArchiveKind::Tgz),
        ("x-1.0.0-py3-none-any.whl", ArchiveKind::Wheel),
        ("x-1.0.0.tar.gz", ArchiveKind::TarGz),
        ("x-1.0.0.zip", ArchiveKind::Zip),
        ("x-1.0.0.gem", ArchiveKind::Gem),
        ("x-1.0.0.crate", ArchiveKind::Crate),
    ][usize::from(*kind) % 6];
    let limits = scioc_ingest::archive::Limits {
        max_entries: 1000,
        max_expanded: 16 * 1024 * 1024,
        ..scioc_ingest::archive::Limits::default()
    };
    let cursor = std::io::Cursor::new(bytes);
    if let Ok(package) = scioc_analyze::package::Package::read_archive(name, name, kind, cursor, limits) {
        let a = scioc_analyze::analyze(&package);
        if a.verdict == scioc_analyze::Verdict::Malicious {
            assert!(!a.files.is_empty() && a.threat_name.is_some());
        }
        assert!(a.findings.iter().all(|f| f.excerpt.chars().count() <= 161 && !f.excerpt.contains('\n')));
    }
}
