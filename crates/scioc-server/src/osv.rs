//! The OSV-compatible API (`/v1/…`), the OSV bucket layout (`/osv/…`) and the guard lists
//! (`/lists/…`), all answered from the verdict engine and a [`Catalog`] of records.
//!
//! The engine is loaded from the store on the first request (or shared with the registry
//! firewall) and kept current every 500 ms. The catalog is rebuilt when the engine changed or
//! a source was imported, looked at most every [`RECHECK`]; everything served from it (zips,
//! CSVs, lists) is made once per catalog and answered with a strong `ETag`, `If-None-Match`
//! and, on HEAD, `X-Goog-Hash: crc32c=…` as Google Cloud Storage answers it.

use crate::{App, error::text, verdicts::Verdicts};
use axum::{
    body::Bytes,
    extract::{Path, Request, State},
    http::{HeaderMap, HeaderValue, Method, StatusCode, header},
    response::{IntoResponse, Response},
};
use base64::Engine as _;
use scioc_osv::{Catalog, EngineView, api, export, lists};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// How often the store's source versions are looked at for a catalog rebuild.
const RECHECK: Duration = Duration::from_secs(1);
/// Largest request body the OSV API reads.
pub(crate) const MAX_BODY: usize = 4 * 1024 * 1024;

/// The OSV routes' settings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OsvConfig {
    /// Serve `/v1/`, `/osv/` and `/lists/` without credentials.
    pub anonymous: bool,
    /// Records per page of `/v1/query` and per result of `/v1/querybatch`.
    pub page_size: usize,
}

impl Default for OsvConfig {
    fn default() -> Self {
        OsvConfig { anonymous: false, page_size: 1000 }
    }
}

/// One served file.
struct Artifact {
    bytes: Bytes,
    etag: String,
    crc32c: String,
    content_type: &'static str,
}

/// A catalog and what has been made of it.
struct Published {
    generation: u64,
    sources: Vec<(String, i64)>,
    /// When `sources` was last compared with the store's.
    checked: Mutex<Instant>,
    catalog: Arc<Catalog>,
    artifacts: Mutex<HashMap<String, Arc<Artifact>>>,
}

/// The OSV routes' state.
pub(crate) struct OsvService {
    pub(crate) config: OsvConfig,
    verdicts: tokio::sync::OnceCell<Arc<Verdicts>>,
    published: tokio::sync::Mutex<Option<Arc<Published>>>,
}

impl OsvService {
    pub(crate) fn new(config: OsvConfig, shared: Option<Arc<Verdicts>>) -> OsvService {
        OsvService {
            config,
            verdicts: match shared {
                Some(v) => tokio::sync::OnceCell::new_with(Some(v)),
                None => tokio::sync::OnceCell::new(),
            },
            published: tokio::sync::Mutex::new(None),
        }
    }

    pub(crate) async fn verdicts(&self, app: &App) -> Result<Arc<Verdicts>, Response> {
        self.verdicts
            .get_or_try_init(|| async {
                let v = Verdicts::load(app.store.as_ref()).await?;
                // Kept current for the server's life.
                drop(v.keep_current(app.store.clone()));
                Ok::<_, scioc_verdict::LoadError>(v)
            })
            .await
            .cloned()
            .map_err(|e| unavailable(&format!("the verdicts cannot be loaded: {e}")))
    }

    /// The current catalog, rebuilt first when the engine or a source changed.
    async fn published(&self, app: &App) -> Result<(Arc<Verdicts>, Arc<Published>), Response> {
        let verdicts = self.verdicts(app).await?;
        drop(verdicts.engine().map_err(|why| unavailable(&why.to_string()))?);
        let mut slot = self.published.lock().await;
        let generation = verdicts.generation();
        let current = slot.as_ref().filter(|p| p.generation == generation);
        if let Some(p) = current {
            let mut checked = p.checked.lock().unwrap_or_else(|e| e.into_inner());
            if checked.elapsed() < RECHECK {
                return Ok((verdicts, p.clone()));
            }
            *checked = Instant::now();
        }
        let sources = app.store.source_versions().await.map_err(|e| unavailable(&e.to_string()))?;
        if let Some(p) = current.filter(|p| p.sources == sources) {
            return Ok((verdicts, p.clone()));
        }
        let view = EngineView::of(&verdicts.current());
        let started = Instant::now();
        let catalog = Catalog::build(app.store.as_ref(), &view).await.map_err(|e| unavailable(&e.to_string()))?;
        tracing::info!(ms = started.elapsed().as_millis() as u64, generation, "OSV catalog built");
        let fresh = Arc::new(Published {
            generation,
            sources,
            checked: Mutex::new(Instant::now()),
            catalog: Arc::new(catalog),
            artifacts: Mutex::new(HashMap::new()),
        });
        *slot = Some(fresh.clone());
        Ok((verdicts, fresh))
    }
}

impl OsvService {
    /// Which of `ids` `GET /v1/vulns/{id}` serves now (none when the catalog cannot be had).
    pub(crate) async fn served(&self, app: &App, ids: impl Iterator<Item = &str>) -> std::collections::HashSet<String> {
        match self.published(app).await {
            Ok((_, p)) => ids.filter(|id| p.catalog.get(id).is_some()).map(str::to_owned).collect(),
            Err(_) => Default::default(),
        }
    }
}

fn unavailable(why: &str) -> Response {
    let mut r = json_error(StatusCode::SERVICE_UNAVAILABLE, &format!("OSV answers are unavailable: {why}"));
    r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("2"));
    r
}

fn json_error(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({"code": status.as_u16(), "message": message}).to_string();
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

fn bad_request(e: api::BadRequest) -> Response {
    json_error(StatusCode::BAD_REQUEST, &e.0)
}

fn json(body: String) -> Response {
    (StatusCode::OK, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

async fn body(request: Request) -> Result<Bytes, Response> {
    axum::body::to_bytes(request.into_body(), MAX_BODY)
        .await
        .map_err(|_| json_error(StatusCode::BAD_REQUEST, &format!("the request body is larger than {MAX_BODY} bytes")))
}

/// `POST /v1/query`.
pub(crate) async fn query(State(app): State<Arc<App>>, request: Request) -> Response {
    let bytes = match body(request).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let checked = match api::parse::<api::QueryRequest>(&bytes).and_then(|q| q.check()) {
        Ok(c) => c,
        Err(e) => return bad_request(e),
    };
    let osv = &app.osv;
    let (verdicts, published) = match osv.published(&app).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let engine = verdicts.current();
    let (records, next) = api::answer(&published.catalog, &engine, &checked, osv.config.page_size);
    json(api::query_body(&records, next.as_deref()))
}

/// `POST /v1/querybatch`.
pub(crate) async fn querybatch(State(app): State<Arc<App>>, request: Request) -> Response {
    let bytes = match body(request).await {
        Ok(b) => b,
        Err(r) => return r,
    };
    let batch = match api::parse_batch(&bytes) {
        Ok(b) => b,
        Err(e) => return bad_request(e),
    };
    let mut checked = Vec::with_capacity(batch.queries.len());
    for (i, q) in batch.queries.iter().enumerate() {
        match q.check() {
            Ok(c) => checked.push(c),
            Err(e) => return bad_request(api::BadRequest(format!("queries[{i}]: {}", e.0))),
        }
    }
    let osv = &app.osv;
    let (verdicts, published) = match osv.published(&app).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let engine = verdicts.current();
    let results: Vec<serde_json::Value> = checked
        .iter()
        .map(|c| {
            let (records, next) = api::answer(&published.catalog, &engine, c, osv.config.page_size);
            api::batch_result(&records, next.as_deref())
        })
        .collect();
    json(serde_json::json!({ "results": results }).to_string())
}

/// `GET /v1/vulns/{id}`.
pub(crate) async fn vuln(State(app): State<Arc<App>>, Path(id): Path<String>) -> Response {
    let (_, published) = match app.osv.published(&app).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    match published.catalog.get(&id) {
        Some(r) => json(r.json.to_string()),
        None => json_error(StatusCode::NOT_FOUND, "Bug not found."),
    }
}

/// `GET|HEAD /osv/{path}`: the OSV bucket layout.
pub(crate) async fn bucket(State(app): State<Arc<App>>, Path(path): Path<String>, request: Request) -> Response {
    serve_file(&app, &format!("osv/{path}"), request.method(), request.headers()).await
}

/// `GET|HEAD /lists/{path}`: the guard lists.
pub(crate) async fn list(State(app): State<Arc<App>>, Path(path): Path<String>, request: Request) -> Response {
    serve_file(&app, &format!("lists/{path}"), request.method(), request.headers()).await
}

/// Makes the file at `path` from the catalog and the engine, or `None` when there is none.
fn make(catalog: &Catalog, engine: &scioc_verdict::Engine, path: &str) -> Result<Option<Artifact>, String> {
    let (bytes, content_type) = match path.split('/').collect::<Vec<_>>().as_slice() {
        ["osv", "ecosystems.txt"] => (export::ecosystems_txt(catalog), "text/plain; charset=utf-8"),
        ["osv", eco, "all.zip"] if catalog.ecosystems().contains(eco) => {
            (export::all_zip(catalog, eco).map_err(|e| e.to_string())?, "application/zip")
        }
        ["osv", eco, "modified_id.csv"] if catalog.ecosystems().contains(eco) => {
            (export::modified_id_csv(catalog, eco), "text/csv")
        }
        ["osv", eco, file] if catalog.ecosystems().contains(eco) => {
            let Some(id) = file.strip_suffix(".json") else { return Ok(None) };
            match catalog.get(id).filter(|r| r.ecosystems.contains(eco)) {
                Some(r) => (r.json.as_bytes().to_vec(), "application/json"),
                None => return Ok(None),
            }
        }
        ["lists", "safe-chain", "malware_predictions.json"] => (lists::safe_chain(engine, "npm"), "application/json"),
        ["lists", "safe-chain", "malware_pypi.json"] => (lists::safe_chain(engine, "PyPI"), "application/json"),
        ["lists", "safe-chain", "releases", "npm.json" | "pypi.json"] => (b"[]".to_vec(), "application/json"),
        ["lists", "datadog", "npm", "manifest.json"] => (lists::datadog(engine, "npm"), "application/json"),
        ["lists", "datadog", "pypi", "manifest.json"] => (lists::datadog(engine, "PyPI"), "application/json"),
        ["lists", "scfw", "findings.yaml"] => (lists::scfw(engine), "application/yaml"),
        _ => return Ok(None),
    };
    let etag = format!("\"{}\"", &hex::encode(Sha256::digest(&bytes))[..32]);
    let crc32c = base64::engine::general_purpose::STANDARD.encode(crc32c::crc32c(&bytes).to_be_bytes());
    Ok(Some(Artifact { bytes: Bytes::from(bytes), etag, crc32c, content_type }))
}

async fn serve_file(app: &App, path: &str, method: &Method, headers: &HeaderMap) -> Response {
    if path.len() > 512 || path.contains("..") || path.contains('\\') {
        return text(StatusCode::BAD_REQUEST, format!("{path:?} is not a file scioc serves"));
    }
    let (verdicts, published) = match app.osv.published(app).await {
        Ok(p) => p,
        Err(r) => return r,
    };
    let cached = published.artifacts.lock().unwrap_or_else(|e| e.into_inner()).get(path).cloned();
    let artifact = match cached {
        Some(a) => a,
        None => {
            let made = {
                let engine = verdicts.current();
                make(&published.catalog, &engine, path)
            };
            match made {
                Ok(Some(a)) => {
                    let a = Arc::new(a);
                    published.artifacts.lock().unwrap_or_else(|e| e.into_inner()).insert(path.to_owned(), a.clone());
                    a
                }
                Ok(None) => return text(StatusCode::NOT_FOUND, format!("no such file: /{path}")),
                Err(e) => return text(StatusCode::INTERNAL_SERVER_ERROR, format!("/{path} could not be made: {e}")),
            }
        }
    };
    let matches = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == artifact.etag || t.trim() == "*"));
    let mut r = if matches {
        StatusCode::NOT_MODIFIED.into_response()
    } else if method == Method::HEAD {
        let mut r = StatusCode::OK.into_response();
        r.headers_mut().insert(header::CONTENT_LENGTH, HeaderValue::from(artifact.bytes.len()));
        r
    } else {
        (StatusCode::OK, artifact.bytes.clone()).into_response()
    };
    let h = r.headers_mut();
    h.insert(header::ETAG, HeaderValue::from_str(&artifact.etag).expect("hex is a header value"));
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(artifact.content_type));
    h.insert(
        "x-goog-hash",
        HeaderValue::from_str(&format!("crc32c={}", artifact.crc32c)).expect("base64 is a header value"),
    );
    r
}
