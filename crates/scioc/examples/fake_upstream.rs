//! A local npm registry for the firewall benchmark (`bench/firewall-load.sh`): packuments and
//! archives generated once onto disk, then served from memory, so the benchmark never puts
//! load on a real registry and the upstream is never the bottleneck.
//!
//! ```text
//! fake_upstream generate DIR [PACKAGES] [VERSIONS]   # DIR/npm/NAME.json, DIR/tarballs/FILE
//! fake_upstream serve DIR ADDR                        # http://ADDR/NAME, /NAME/-/FILE
//! fake_upstream serve DIR ADDR MB_PER_SEC             # archives paced to a network's rate
//! ```
//!
//! Packuments carry `{{BASE}}` in their tarball URLs, replaced by the serving address.

use axum::{
    body::Bytes,
    extract::{Request, State},
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use serde_json::json;
use std::{collections::HashMap, io::Write, path::Path, sync::Arc};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.iter().map(String::as_str).collect::<Vec<_>>().as_slice() {
        ["generate", dir, rest @ ..] => {
            let packages = rest.first().map_or(500, |n| n.parse().expect("PACKAGES is a number"));
            let versions = rest.get(1).map_or(40, |n| n.parse().expect("VERSIONS is a number"));
            generate(Path::new(dir), packages, versions);
        }
        ["serve", dir, addr] => serve(Path::new(dir), addr, None),
        ["serve", dir, addr, rate] => serve(Path::new(dir), addr, Some(rate.parse::<f64>().expect("MB_PER_SEC") * 1e6)),
        _ => {
            eprintln!("usage: fake_upstream generate DIR [PACKAGES] [VERSIONS] | fake_upstream serve DIR ADDR");
            std::process::exit(2);
        }
    }
}

/// A gzipped tar of `package/package.json` and `package/index.js` with `pad` bytes of
/// incompressible filler.
fn tarball(name: &str, version: &str, pad: usize) -> Vec<u8> {
    let mut tar = tar::Builder::new(Vec::new());
    let manifest = format!(r#"{{"name":"{name}","version":"{version}","main":"index.js","license":"MIT"}}"#);
    let filler: String = (0..pad).map(|_| fastrand::alphanumeric()).collect();
    for (path, body) in
        [("package/package.json", manifest), ("package/index.js", format!("module.exports = {filler:?};\n"))]
    {
        let mut h = tar::Header::new_gnu();
        h.set_size(body.len() as u64);
        h.set_mode(0o644);
        h.set_mtime(499_162_500);
        tar.append_data(&mut h, path, body.as_bytes()).unwrap();
    }
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(&tar.into_inner().unwrap()).unwrap();
    gz.finish().unwrap()
}

fn generate(dir: &Path, packages: usize, versions: usize) {
    use sha1::Digest as _;
    std::fs::create_dir_all(dir.join("npm")).unwrap();
    std::fs::create_dir_all(dir.join("tarballs")).unwrap();
    let write_package = |name: &str, versions: &[(String, usize)]| {
        let mut doc = json!({"name": name, "description": format!("{name}: a generated package for the firewall benchmark"),
            "dist-tags": {}, "versions": {}, "time": {"created": "2020-01-01T00:00:00.000Z"}, "license": "MIT"});
        for (i, (version, pad)) in versions.iter().enumerate() {
            let tgz = tarball(name, version, *pad);
            let file = format!("{name}-{version}.tgz");
            let integrity =
                format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(sha2::Sha512::digest(&tgz)));
            doc["versions"][version] = json!({"name": name, "version": version, "main": "index.js", "license": "MIT",
                "description": "a generated package for the firewall benchmark, with a description long enough to look real",
                "dist": {"tarball": format!("{{{{BASE}}}}/{name}/-/{file}"), "shasum": hex::encode(sha1::Sha1::digest(&tgz)),
                         "integrity": integrity, "fileCount": 2, "unpackedSize": pad + 200}});
            doc["time"][version] = json!(format!("2021-{:02}-01T00:00:00.000Z", i % 12 + 1));
            doc["dist-tags"]["latest"] = json!(version);
            std::fs::write(dir.join("tarballs").join(file), tgz).unwrap();
        }
        std::fs::write(dir.join("npm").join(format!("{name}.json")), doc.to_string()).unwrap();
    };
    for p in 0..packages {
        let list: Vec<(String, usize)> =
            (0..versions).map(|v| (format!("1.{v}.0"), 2_000 + (p * 37 + v * 11) % 6_000)).collect();
        write_package(&format!("bench-pkg-{p}"), &list);
    }
    // One large archive, for throughput.
    write_package("bench-big", &[("1.0.0".to_owned(), 48 * 1024 * 1024)]);
    // One packument as large as popular packages' (100,000 versions, about 30 MB), whose
    // archives are never asked for: for what a large packument costs cold and warm.
    let mut huge = json!({"name": "bench-huge", "dist-tags": {"latest": "1.99999.0"}, "versions": {}, "time": {}});
    for v in 0..100_000 {
        let version = format!("1.{v}.0");
        let digest = sha2::Sha512::digest(version.as_bytes());
        huge["versions"][&version] = json!({"name": "bench-huge", "version": version, "license": "MIT",
            "dependencies": {"bench-pkg-1": "^1.0.0"},
            "dist": {"tarball": format!("{{{{BASE}}}}/bench-huge/-/bench-huge-{version}.tgz"),
                     "shasum": hex::encode(&digest[..20]),
                     "integrity": format!("sha512-{}", base64::engine::general_purpose::STANDARD.encode(digest))}});
        huge["time"][&version] = json!("2021-01-01T00:00:00.000Z");
    }
    std::fs::write(dir.join("npm").join("bench-huge.json"), huge.to_string()).unwrap();
    eprintln!("generated {packages} packages of {versions} versions, bench-big and bench-huge into {}", dir.display());
}

struct Files {
    /// Path (`/name`, `/name/-/file`) to body and content type.
    by_path: HashMap<String, (Bytes, &'static str, String)>,
    /// Bytes a second archives are sent at, if paced.
    rate: Option<f64>,
}

fn serve(dir: &Path, addr: &str, rate: Option<f64>) {
    let base = format!("http://{addr}");
    let mut by_path = HashMap::new();
    for e in std::fs::read_dir(dir.join("npm")).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_stem().unwrap().to_string_lossy().into_owned();
        let doc = std::fs::read_to_string(&path).unwrap().replace("{{BASE}}", &base);
        let etag = format!("\"{:x}\"", doc.len());
        by_path.insert(format!("/{name}"), (Bytes::from(doc), "application/json", etag));
    }
    for e in std::fs::read_dir(dir.join("tarballs")).unwrap() {
        let path = e.unwrap().path();
        let file = path.file_name().unwrap().to_string_lossy().into_owned();
        let name = file.rsplit_once('-').unwrap().0.to_owned();
        let body = Bytes::from(std::fs::read(&path).unwrap());
        by_path.insert(format!("/{name}/-/{file}"), (body, "application/octet-stream", String::new()));
    }
    let files = Arc::new(Files { by_path, rate });
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().unwrap();
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(addr).await.unwrap();
        eprintln!("fake upstream on {base} ({} files)", files.by_path.len());
        let app = axum::Router::new().fallback(answer).with_state(files);
        axum::serve(listener, app).await.unwrap();
    });
}

async fn answer(State(files): State<Arc<Files>>, request: Request) -> Response {
    let path = request.uri().path().replace("%2f", "/").replace("%2F", "/");
    match files.by_path.get(&path) {
        Some((body, content_type, etag)) => {
            if !etag.is_empty() && request.headers().get(header::IF_NONE_MATCH).is_some_and(|v| v == etag.as_str()) {
                return StatusCode::NOT_MODIFIED.into_response();
            }
            let mut r = match files.rate.filter(|_| etag.is_empty()) {
                Some(rate) => (StatusCode::OK, paced(body.clone(), rate)).into_response(),
                None => (StatusCode::OK, body.clone()).into_response(),
            };
            r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
            if !etag.is_empty() {
                r.headers_mut().insert(header::ETAG, HeaderValue::from_str(etag).unwrap());
            }
            r
        }
        None => (StatusCode::NOT_FOUND, "{\"error\":\"Not found\"}").into_response(),
    }
}

/// `body` in 64 KiB chunks, each sent when a link of `rate` bytes a second would have carried it.
fn paced(body: Bytes, rate: f64) -> axum::body::Body {
    const CHUNK: usize = 64 * 1024;
    let start = tokio::time::Instant::now();
    let stream = futures_util::stream::unfold(0usize, move |at| {
        let body = body.clone();
        async move {
            if at >= body.len() {
                return None;
            }
            let end = (at + CHUNK).min(body.len());
            tokio::time::sleep_until(start + std::time::Duration::from_secs_f64(end as f64 / rate)).await;
            Some((Ok::<_, std::convert::Infallible>(body.slice(at..end)), end))
        }
    });
    axum::body::Body::from_stream(stream)
}
