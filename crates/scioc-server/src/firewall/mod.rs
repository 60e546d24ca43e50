//! The registry firewall: the npm registry protocol under `/registry/npm/` and the Python
//! simple API under `/registry/pypi/`, proxied to configured upstreams with what the verdict
//! engine blocks withheld.
//!
//! - [`verdicts`]: the engine, kept current from the store; unavailable verdicts fail closed.
//! - [`upstream`]: the upstream client, the metadata cache and archive streaming.
//! - [`npm`] and [`pypi`]: the routes. The protocol logic is `scioc-registry`'s.
//! - [`record`]: every refusal logged and stored.

// Helpers here return the answer itself as their error, once per request: boxing it would
// only add an allocation to the refusal path.
#![allow(clippy::result_large_err)]

mod egress;
mod npm;
mod pypi;
mod record;
mod upstream;
mod verify;
use crate::verdicts;

use crate::{App, auth::Caller};
use axum::{
    Router,
    extract::Request,
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};
use scioc_registry::{Block, judge::Cooldown, pypi::Withhold};
use std::{sync::Arc, time::Duration};

pub(crate) use upstream::UpstreamError;

/// Path prefix of the npm registry routes.
pub const NPM_PATH: &str = "/registry/npm";
/// Path prefix of the Python package index routes.
pub const PYPI_PATH: &str = "/registry/pypi";

/// The firewall's settings. It is on when an upstream is configured.
#[derive(Debug, Clone)]
pub struct FirewallConfig {
    /// The npm registry to proxy (what `npm config get registry` prints).
    pub npm_upstream: Option<url::Url>,
    /// The Python simple index to proxy (pip's `index-url`).
    pub pypi_upstream: Option<url::Url>,
    /// Versions younger than this are withheld; zero for none.
    pub cooldown: Cooldown,
    /// Serve with the last verdicts known (or none) when they cannot be evaluated, instead of
    /// answering 503.
    pub fail_open: bool,
    /// Ask clients for the feed's credentials.
    pub require_auth: bool,
    /// Bytes of upstream metadata kept in memory.
    pub cache_bytes: u64,
    /// How long cached metadata is served before it is revalidated with the upstream.
    pub fresh_for: Duration,
    /// Longest the upstream may take to connect or to send the next bytes.
    pub upstream_timeout: Duration,
    /// How simple pages show blocked files.
    pub pypi_withhold: Withhold,
    /// Origins archives may be downloaded from besides the upstreams (PyPI serves its files from
    /// another host than its index). Nothing else is ever fetched.
    pub download_origins: Vec<url::Url>,
    /// Networks the firewall may connect to although they are not public (loopback, private,
    /// link-local): an upstream inside the network.
    pub upstream_networks: Vec<ipnet::IpNet>,
    /// Bytes of upstream metadata all requests together may hold while they read, parse and
    /// filter it; past it a request waits a moment, then gets 503.
    pub memory_bytes: u64,
    /// Slowest an archive may arrive once `upstream_timeout` has passed, in bytes a second.
    pub min_rate: u64,
    /// How long refusals are kept in the store.
    pub blocks_retention: Duration,
}

impl Default for FirewallConfig {
    fn default() -> Self {
        FirewallConfig {
            npm_upstream: None,
            pypi_upstream: None,
            cooldown: Cooldown::default(),
            fail_open: false,
            require_auth: false,
            cache_bytes: 128 * 1024 * 1024,
            fresh_for: Duration::from_secs(60),
            upstream_timeout: Duration::from_secs(30),
            pypi_withhold: Withhold::default(),
            download_origins: Vec::new(),
            upstream_networks: Vec::new(),
            memory_bytes: 512 * 1024 * 1024,
            min_rate: 4096,
            blocks_retention: Duration::from_secs(90 * 86_400),
        }
    }
}

impl FirewallConfig {
    /// Whether any upstream is configured.
    pub fn enabled(&self) -> bool {
        self.npm_upstream.is_some() || self.pypi_upstream.is_some()
    }
}

/// An upstream URL without its user and password, for messages and logs.
pub fn without_credentials(url: &url::Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Why the firewall could not start.
#[derive(Debug, thiserror::Error)]
pub enum FirewallError {
    /// The verdict engine could not be loaded.
    #[error("the firewall's verdict engine could not be loaded: {0}")]
    Verdicts(#[from] scioc_verdict::LoadError),
    /// The upstream client could not be built.
    #[error("the firewall's upstream client: {0}")]
    Client(String),
}

/// The running firewall.
pub(crate) struct Firewall {
    config: FirewallConfig,
    store: Arc<dyn scioc_store::Store>,
    verdicts: Arc<verdicts::Verdicts>,
    upstream: upstream::Upstream,
    recorder: record::Recorder,
    scheme: &'static str,
    refresher: tokio::task::JoinHandle<()>,
}

impl Drop for Firewall {
    fn drop(&mut self) {
        self.refresher.abort();
    }
}

impl Firewall {
    /// Writes the refusals not yet stored (on shutdown).
    pub(crate) async fn flush(&self, limit: Duration) {
        self.recorder.flush(limit).await;
    }

    /// The verdicts this firewall judges with, to share with the OSV routes.
    pub(crate) fn verdicts(&self) -> Arc<verdicts::Verdicts> {
        self.verdicts.clone()
    }

    /// Loads the verdicts from `store`, starts keeping them current and builds the upstream
    /// client.
    pub(crate) async fn start(
        store: Arc<dyn scioc_store::Store>,
        config: FirewallConfig,
        tls: bool,
    ) -> Result<Firewall, FirewallError> {
        let verdicts = verdicts::Verdicts::load(store.as_ref()).await?;
        let upstreams: Vec<url::Url> = config.npm_upstream.iter().chain(config.pypi_upstream.iter()).cloned().collect();
        let egress = Arc::new(egress::Egress::new(&upstreams, &config.download_origins, &config.upstream_networks));
        let upstream = upstream::Upstream::new(
            config.upstream_timeout,
            config.cache_bytes,
            config.fresh_for,
            egress,
            config.memory_bytes,
        )?;
        Ok(Firewall {
            refresher: verdicts.keep_current(store.clone()),
            recorder: record::Recorder::start(store.clone(), config.blocks_retention),
            store,
            verdicts,
            upstream,
            scheme: if tls { "https" } else { "http" },
            config,
        })
    }

    /// The engine to judge with under the failure policy: the current one, the last one known
    /// when failing open, or 503 naming why.
    fn engine(&self) -> Result<std::sync::RwLockReadGuard<'_, scioc_verdict::Engine>, Response> {
        match self.verdicts.engine() {
            Ok(e) => Ok(e),
            Err(why) if self.config.fail_open => {
                tracing::warn!(reason = %why, "firewall failing open: serving with the last verdicts known");
                Ok(self.verdicts.current())
            }
            Err(why) => {
                let mut r = fail(StatusCode::SERVICE_UNAVAILABLE, &format!("scioc firewall fails closed: {why}"));
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("5"));
                Err(r)
            }
        }
    }

    /// This server's own address as the client used it, for the URLs it writes.
    fn origin(&self, request: &Request) -> Result<String, String> {
        let host = request
            .headers()
            .get(header::HOST)
            .and_then(|h| h.to_str().ok())
            .map(str::to_owned)
            .or_else(|| request.uri().authority().map(|a| a.to_string()))
            .ok_or_else(|| "no Host header".to_owned())?;
        host.parse::<axum::http::uri::Authority>().map_err(|_| "the Host header is not a host and port".to_owned())?;
        Ok(format!("{}://{host}", self.scheme))
    }

    /// Logs and stores a refusal, and answers it: 403 with the block's line as the body and
    /// as the reason phrase, so clients that print either show it.
    fn refuse(&self, asker: &Asker, ecosystem: &str, package: &str, version: Option<&str>, block: &Block) -> Response {
        self.record(asker, ecosystem, package, version, block);
        let line = block.line();
        let mut r = fail(StatusCode::FORBIDDEN, &line);
        let phrase: Vec<u8> =
            line.bytes().take(200).map(|b| if b == b' ' || b.is_ascii_graphic() { b } else { b'?' }).collect();
        if let Ok(phrase) = hyper::ext::ReasonPhrase::try_from(phrase) {
            r.extensions_mut().insert(phrase);
        }
        r
    }

    fn record(&self, asker: &Asker, ecosystem: &str, package: &str, version: Option<&str>, block: &Block) {
        self.record_as(&asker.client, scioc_store::BlockKind::Refused, ecosystem, package, version, block);
    }

    /// Records a version withheld from the metadata a client asked for.
    fn withheld(&self, asker: &Asker, ecosystem: &str, package: &str, version: Option<&str>, block: &Block) {
        self.record_as(&asker.client, scioc_store::BlockKind::Withheld, ecosystem, package, version, block);
    }

    fn record_as(
        &self,
        client: &str,
        kind: scioc_store::BlockKind,
        ecosystem: &str,
        package: &str,
        version: Option<&str>,
        block: &Block,
    ) {
        self.recorder.record(scioc_store::BlockRecord {
            time: scioc_model::FeedTime::now(),
            client: client.to_owned(),
            ecosystem: ecosystem.to_owned(),
            package: package.to_owned(),
            version: version.map(str::to_owned),
            rule: block.rule.clone(),
            reference: block.reference.clone(),
            reason: block.reason.clone(),
            what: block.what.clone(),
            kind,
            count: 1,
        });
    }

    /// How long a filtered answer may be reused at one verdict generation: a moment when a
    /// cooldown is on (versions age into view), forever otherwise.
    fn answer_max_age(&self) -> Option<Duration> {
        (!self.config.cooldown.min_age.is_zero()).then_some(Duration::from_secs(1))
    }
}

/// What a handler keeps of its request across awaits (a request body is not `Sync`).
pub(crate) struct Asker {
    /// The client's address, and its user when it authenticated (`alice@10.0.0.7`).
    client: String,
    /// The `Accept` header.
    accept: Option<String>,
    /// This server's origin as the client named it, or why it could not be read.
    origin: Result<String, String>,
    /// The request's path.
    path: String,
}

impl Asker {
    fn of(fw: &Firewall, request: &Request) -> Asker {
        let peer = request.extensions().get::<crate::client_address::ClientAddress>().map(|c| c.0.to_string());
        let user = request.extensions().get::<Caller>().map(|c| c.0.as_str().to_owned());
        let client = match (peer, user) {
            (Some(p), Some(u)) => format!("{u}@{p}"),
            (Some(p), None) => p,
            (None, Some(u)) => u,
            (None, None) => "local".to_owned(),
        };
        Asker {
            client,
            accept: request.headers().get(header::ACCEPT).and_then(|a| a.to_str().ok()).map(str::to_owned),
            origin: fw.origin(request),
            path: request.uri().path().to_owned(),
        }
    }

    /// The origin, or 400.
    fn origin(&self) -> Result<&str, Response> {
        self.origin.as_deref().map_err(|why| fail(StatusCode::BAD_REQUEST, why))
    }
}

/// A firewall error: the status, and a one-line body that npm (as `{"error": …}`) and pip
/// (as text) print.
pub(crate) fn fail(status: StatusCode, message: &str) -> Response {
    let body = serde_json::json!({ "error": message }).to_string();
    let mut r = (status, format!("{body}\n")).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/json"));
    r
}

impl IntoResponse for UpstreamError {
    fn into_response(self) -> Response {
        tracing::warn!(error = %self, "upstream failed");
        let busy = matches!(self, UpstreamError::Busy { .. });
        let mut r = fail(self.status(), &format!("scioc firewall: {self}"));
        if busy {
            // The budget frees as soon as the requests holding it are answered.
            r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from_static("1"));
        }
        r
    }
}

/// Marks a response whose body must not be compressed again (archives).
#[derive(Clone, Copy)]
pub(crate) struct NoCompress;

/// One archive to deliver: what the metadata says of it.
pub(crate) struct Delivery<'a> {
    /// `npm` or `PyPI`.
    pub(crate) ecosystem: &'static str,
    pub(crate) package: &'a str,
    pub(crate) version: Option<&'a str>,
    /// The file, as the firewall names it.
    pub(crate) file: &'a str,
    /// What it is, in words, for refusals.
    pub(crate) what: String,
    /// The upstream's URL.
    pub(crate) url: url::Url,
    /// The hashes the upstream's metadata gives it: `(algorithm, lower-case hex)`.
    pub(crate) expected: Vec<(&'static str, String)>,
}

impl Firewall {
    /// Streams an archive the metadata admitted, judged by its bytes ([`verify`]): refused at
    /// once when the firewall delivered this file before and its hashes are blocked now; else
    /// hashed as it streams, its last chunk held until the digests are known, and the response
    /// aborted (and the refusal recorded) when they are blocked, differ from the metadata's, or
    /// differ from the bytes first delivered under this file.
    async fn deliver(&self, app: &Arc<App>, asker: &Asker, d: Delivery<'_>) -> Response {
        match self.store.seen_archive(d.ecosystem, d.package, d.file).await {
            Ok(Some(seen)) => {
                let mut hashes = vec![("sha256", seen.sha256.clone())];
                hashes.extend(seen.sha512.clone().map(|h| ("sha512", h)));
                let verdict = match self.engine() {
                    Ok(engine) => {
                        scioc_registry::judge::archive_bytes(&engine, d.ecosystem, &hashes, || d.what.clone())
                    }
                    Err(r) => return r,
                };
                if let Some(block) = verdict {
                    return self.refuse(asker, d.ecosystem, d.package, d.version, &block);
                }
            }
            Ok(None) => {}
            Err(e) => return crate::error::AppError::from(e).into_response(),
        }
        let response = match self.upstream.download(&d.url).await {
            Ok(r) => r,
            Err(e) => return e.into_response(),
        };
        let pace = verify::Pace {
            stall: self.config.upstream_timeout,
            min_rate: self.config.min_rate,
            grace: self.config.upstream_timeout,
        };
        let algorithms = match self.verdicts.engine() {
            Ok(engine) => verify::Algorithms::for_check(&engine.hash_algorithms(), &d.expected),
            Err(_) => verify::Algorithms::ALL,
        };
        let check = judge_bytes(app.clone(), asker.client.clone(), &d);
        let mut headers = axum::http::HeaderMap::new();
        for name in [header::CONTENT_TYPE, header::CONTENT_LENGTH, header::LAST_MODIFIED, header::ETAG] {
            if let Some(v) = response.headers().get(&name) {
                headers.insert(name, v.clone());
            }
        }
        headers.entry(header::CONTENT_TYPE).or_insert(HeaderValue::from_static("application/octet-stream"));
        let body = verify::verified(response, algorithms, pace, d.what, check);
        let mut r = (StatusCode::OK, headers, axum::body::Body::from_stream(body)).into_response();
        r.extensions_mut().insert(NoCompress);
        r
    }
}

/// What decides, once an archive's digests are known, whether its last bytes go out; it
/// records the refusal when they do not.
fn judge_bytes(app: Arc<App>, client: String, d: &Delivery<'_>) -> verify::Check {
    let (ecosystem, package, version, file) =
        (d.ecosystem, d.package.to_owned(), d.version.map(str::to_owned), d.file.to_owned());
    let (what, expected) = (d.what.clone(), d.expected.clone());
    Box::new(move |digests: verify::Digests| {
        Box::pin(async move {
            let Some(fw) = app.firewall.as_ref() else { return Err("the firewall is off".to_owned()) };
            let refused = |rule: &str, reason: String, reference: Option<String>| {
                let block = Block { rule: rule.to_owned(), reference, reason, what: what.clone(), severity: None };
                fw.record_as(&client, scioc_store::BlockKind::Refused, ecosystem, &package, version.as_deref(), &block);
                Err(block.line())
            };
            let verdict = match fw.verdicts.engine() {
                Ok(engine) => {
                    scioc_registry::judge::archive_bytes(&engine, ecosystem, &digests.as_query(), || what.clone())
                }
                Err(e) if fw.config.fail_open => {
                    tracing::warn!(reason = %e, "firewall failing open: an archive's bytes are judged by the last verdicts known");
                    scioc_registry::judge::archive_bytes(&fw.verdicts.current(), ecosystem, &digests.as_query(), || {
                        what.clone()
                    })
                }
                Err(e) => return Err(format!("scioc firewall fails closed: {e}")),
            };
            if let Some(block) = verdict {
                fw.record_as(&client, scioc_store::BlockKind::Refused, ecosystem, &package, version.as_deref(), &block);
                return Err(block.line());
            }
            if let Some(why) = verify::mismatch(&digests, &expected) {
                return refused(
                    "INTEGRITY",
                    format!("the archive's bytes differ from the upstream's metadata: {why}"),
                    None,
                );
            }
            let first = scioc_store::SeenArchive {
                ecosystem: ecosystem.to_owned(),
                package: package.clone(),
                file: file.clone(),
                version: version.clone(),
                sha256: digests.sha256.clone(),
                sha512: digests.sha512.clone(),
                first_seen: scioc_model::FeedTime::now(),
            };
            match fw.store.remember_archive(first).await {
                Ok(seen) if seen.sha256 != digests.sha256 => refused(
                    "CHANGED",
                    format!(
                        "the upstream's bytes for {file} changed since the firewall first delivered them on {} (sha256 {} then, {} now)",
                        seen.first_seen.to_utc_string(),
                        seen.sha256,
                        digests.sha256
                    ),
                    None,
                ),
                Ok(_) => Ok(()),
                Err(e) => Err(format!("scioc firewall: the archive's hashes could not be recorded: {e}")),
            }
        })
    })
}

/// The firewall's routes, or one that says it is off.
pub(crate) fn routes(app: &Arc<App>) -> Router<Arc<App>> {
    if app.firewall.is_none() {
        return Router::new().route("/registry/{*rest}", get(off));
    }
    Router::new()
        .route(&format!("{NPM_PATH}/{{*path}}"), get(npm::serve))
        .route(&format!("{PYPI_PATH}/simple/"), get(pypi::index))
        .route(&format!("{PYPI_PATH}/simple/{{project}}"), get(pypi::page))
        .route(&format!("{PYPI_PATH}/simple/{{project}}/"), get(pypi::page))
        .route(&format!("{PYPI_PATH}/files/{{project}}/{{file}}"), get(pypi::file))
}

/// Whether the firewall routes ask for credentials.
pub(crate) fn requires_auth(app: &App) -> bool {
    app.firewall.as_ref().is_some_and(|f| f.config.require_auth)
}

async fn off() -> Response {
    fail(
        StatusCode::NOT_FOUND,
        "the registry firewall is off: start scioc serve with --npm-upstream URL or --pypi-upstream URL",
    )
}
