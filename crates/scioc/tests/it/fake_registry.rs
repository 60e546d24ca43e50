//! A local upstream registry for the firewall's tests: npm packuments and archives under
//! `/npm/`, PEP 691 pages under `/simple/` and files under `/files/`, from memory, with ETags,
//! a log of what it was asked, and switches for failures (malformed answers, stalls).

use axum::{
    body::Body,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::{Value, json};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

#[derive(Default)]
pub struct Contents {
    /// Packuments by name (`@scope/name` unescaped).
    pub packuments: HashMap<String, Value>,
    /// Archives and files by path (`/npm/x/-/x-1.0.0.tgz`, `/files/x-1.0.tar.gz`).
    pub blobs: HashMap<String, Vec<u8>>,
    /// PEP 691 pages by normalized project.
    pub pages: HashMap<String, Value>,
    /// Answer every metadata request with this body instead (malformed upstreams).
    pub garbage: Option<String>,
    /// Wait this long before answering anything.
    pub stall: Option<Duration>,
    /// Bumped to change every ETag.
    pub version: u32,
    /// Paths answered with a redirect to the URL given (hostile upstreams).
    pub redirects: HashMap<String, String>,
    /// Paths whose body is sent one byte a second.
    pub trickle: std::collections::HashSet<String>,
    /// Paths whose body is sent as given with `Content-Encoding: gzip`.
    pub gzipped: HashMap<String, Vec<u8>>,
    /// When set, every request must carry these Basic credentials (else 401).
    pub credentials: Option<(String, String)>,
}

/// One request the upstream saw: its path and `If-None-Match`.
#[derive(Debug, Clone)]
pub struct Seen {
    pub path: String,
    pub if_none_match: Option<String>,
    pub status: u16,
    /// The `Authorization` header it carried.
    pub authorization: Option<String>,
}

#[derive(Clone)]
pub struct FakeRegistry {
    pub url: String,
    pub contents: Arc<Mutex<Contents>>,
    pub seen: Arc<Mutex<Vec<Seen>>>,
    stop: Arc<tokio::sync::Notify>,
}

impl FakeRegistry {
    /// Starts serving on a free loopback port.
    pub async fn start() -> FakeRegistry {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let this = FakeRegistry {
            url,
            contents: Arc::default(),
            seen: Arc::default(),
            stop: Arc::new(tokio::sync::Notify::new()),
        };
        let app = axum::Router::new().fallback(answer).with_state(this.clone());
        let stop = this.stop.clone();
        tokio::spawn(async move {
            axum::serve(listener, app).with_graceful_shutdown(async move { stop.notified().await }).await.unwrap();
        });
        this
    }

    /// Stops accepting connections.
    pub fn stop(&self) {
        self.stop.notify_waiters();
    }

    /// The npm upstream URL (`--npm-upstream`).
    pub fn npm(&self) -> String {
        format!("{}/npm/", self.url)
    }

    /// The simple index URL (`--pypi-upstream`).
    pub fn simple(&self) -> String {
        format!("{}/simple/", self.url)
    }

    /// Paths asked for so far.
    pub fn paths(&self) -> Vec<String> {
        self.seen.lock().unwrap().iter().map(|s| s.path.clone()).collect()
    }

    /// Changes the contents, as an upstream that rewrites what it serves; every ETag changes.
    pub fn edit(&self, change: impl FnOnce(&mut Contents)) {
        let mut c = self.contents.lock().unwrap();
        change(&mut c);
        c.version += 1;
    }

    /// Requests that carried an `Authorization` header, by path.
    pub fn authorized(&self, path: &str) -> Vec<Option<String>> {
        self.seen.lock().unwrap().iter().filter(|s| s.path == path).map(|s| s.authorization.clone()).collect()
    }

    /// Adds an npm package version with a real archive; returns the archive.
    pub fn add_npm(&self, name: &str, version: &str, published: &str) -> Vec<u8> {
        let tgz = crate::support::npm_tgz(name, version);
        self.add_npm_archive(name, version, published, tgz.clone());
        tgz
    }

    /// Adds an npm version whose archive is `tgz`.
    pub fn add_npm_archive(&self, name: &str, version: &str, published: &str, tgz: Vec<u8>) {
        use base64::Engine;
        use sha2::Digest;
        let short = name.rsplit('/').next().unwrap();
        let path = format!("/npm/{name}/-/{short}-{version}.tgz");
        let integrity =
            format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&tgz)));
        let shasum = hex::encode(sha1_of(&tgz));
        let mut c = self.contents.lock().unwrap();
        let tarball = format!("{}{path}", self.url);
        let doc = c.packuments.entry(name.to_owned()).or_insert_with(
            || json!({"name": name, "dist-tags": {}, "versions": {}, "time": {"created": "2020-01-01T00:00:00.000Z"}}),
        );
        doc["versions"][version] = json!({
            "name": name, "version": version,
            "dist": {"tarball": tarball, "shasum": shasum, "integrity": integrity},
        });
        doc["time"][version] = json!(published);
        doc["dist-tags"]["latest"] = json!(version);
        c.blobs.insert(path, tgz);
        c.version += 1;
    }

    /// Adds a Python file, with its PEP 658 metadata, to a project's page.
    pub fn add_pypi(&self, project: &str, filename: &str, bytes: Vec<u8>, uploaded: &str) {
        use sha2::Digest;
        let path = format!("/files/{filename}");
        let mut c = self.contents.lock().unwrap();
        let url = format!("{}{path}", self.url);
        let page = c
            .pages
            .entry(project.to_owned())
            .or_insert_with(|| json!({"meta": {"api-version": "1.1"}, "name": project, "files": [], "versions": []}));
        page["files"].as_array_mut().unwrap().push(json!({
            "filename": filename, "url": url,
            "hashes": {"sha256": hex::encode(sha2::Sha256::digest(&bytes))},
            "requires-python": ">=3.8", "core-metadata": {"sha256": "00"}, "upload-time": uploaded,
        }));
        c.blobs.insert(format!("{path}.metadata"), format!("Metadata-Version: 2.1\nName: {project}\n").into_bytes());
        c.blobs.insert(path, bytes);
        c.version += 1;
    }
}

fn sha1_of(bytes: &[u8]) -> [u8; 20] {
    use sha1::Digest;
    sha1::Sha1::digest(bytes).into()
}

async fn answer(State(reg): State<FakeRegistry>, request: Request) -> Response {
    let path = percent_decode(request.uri().path());
    let if_none_match = request.headers().get(header::IF_NONE_MATCH).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let authorization = request.headers().get(header::AUTHORIZATION).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (stall, response) = {
        let c = reg.contents.lock().unwrap();
        (c.stall, respond(&c, &path, if_none_match.as_deref(), authorization.as_deref()))
    };
    if let Some(d) = stall {
        tokio::time::sleep(d).await;
    }
    reg.seen.lock().unwrap().push(Seen { path, if_none_match, status: response.status().as_u16(), authorization });
    response
}

fn respond(c: &Contents, path: &str, if_none_match: Option<&str>, authorization: Option<&str>) -> Response {
    let etag = format!("\"v{}\"", c.version);
    if let Some((user, password)) = &c.credentials {
        use base64::Engine;
        let want = format!("Basic {}", base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}")));
        if authorization != Some(want.as_str()) {
            return StatusCode::UNAUTHORIZED.into_response();
        }
    }
    if let Some(to) = c.redirects.get(path) {
        return (StatusCode::FOUND, [(header::LOCATION, to.clone())]).into_response();
    }
    if let Some(gz) = c.gzipped.get(path) {
        let mut r = (StatusCode::OK, Body::from(gz.clone())).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
        r.headers_mut().insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
        return r;
    }
    if c.trickle.contains(path) {
        let body = match c.blobs.get(path) {
            Some(b) => b.clone(),
            None => path
                .strip_prefix("/npm/")
                .and_then(|n| c.packuments.get(n))
                .map(|d| d.to_string().into_bytes())
                .unwrap_or_default(),
        };
        let stream = futures_util::stream::unfold(0usize, move |i| {
            let body = body.clone();
            async move {
                if i >= body.len() {
                    return None;
                }
                tokio::time::sleep(Duration::from_secs(1)).await;
                Some((Ok::<_, std::io::Error>(axum::body::Bytes::copy_from_slice(&body[i..i + 1])), i + 1))
            }
        });
        return (StatusCode::OK, Body::from_stream(stream)).into_response();
    }
    let metadata = |body: Value, content_type: &'static str| -> Response {
        if if_none_match == Some(etag.as_str()) {
            return StatusCode::NOT_MODIFIED.into_response();
        }
        let body = match &c.garbage {
            Some(g) => g.clone(),
            None => body.to_string(),
        };
        let mut r = (StatusCode::OK, body).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
        r.headers_mut().insert(header::ETAG, HeaderValue::from_str(&etag).unwrap());
        r
    };
    if let Some(blob) = c.blobs.get(path) {
        let mut r = (StatusCode::OK, Body::from(blob.clone())).into_response();
        r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/octet-stream"));
        r
    } else if let Some(name) = path.strip_prefix("/npm/") {
        match c.packuments.get(name) {
            Some(doc) => metadata(doc.clone(), "application/json"),
            None => (StatusCode::NOT_FOUND, "{\"error\":\"Not found\"}").into_response(),
        }
    } else if let Some(project) = path.strip_prefix("/simple/").and_then(|p| p.strip_suffix('/')) {
        match c.pages.get(project) {
            Some(page) => metadata(page.clone(), "application/vnd.pypi.simple.v1+json"),
            None => StatusCode::NOT_FOUND.into_response(),
        }
    } else {
        StatusCode::NOT_FOUND.into_response()
    }
}

/// `%2f` and `%40` as npm clients send them in scoped names.
fn percent_decode(path: &str) -> String {
    path.replace("%2f", "/").replace("%2F", "/").replace("%40", "@")
}
