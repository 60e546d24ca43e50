//! The upstream registries: metadata fetched and cached with revalidation, archives streamed.
//!
//! Metadata (packuments, simple pages) is cached by URL and form, up to a byte budget
//! ([`quick_cache`] weighs each document by its size). A cached document is served without
//! asking the upstream for `fresh_for`; after that it is revalidated with `If-None-Match` /
//! `If-Modified-Since`, and a 304 keeps it. Each document remembers its parsed form and the
//! answers filtered from it, per verdict generation, so a cached answer is filtered again as
//! soon as a verdict changes.

use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use bytes::Bytes;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

/// Largest metadata document read from an upstream (npm's biggest packuments are tens of MB).
pub(crate) const MAX_METADATA_BYTES: usize = 128 * 1024 * 1024;

/// Why an upstream could not answer.
#[derive(Debug, thiserror::Error)]
pub(crate) enum UpstreamError {
    /// It could not be reached or broke off.
    #[error("the upstream {url} could not be reached: {reason}")]
    Unreachable { url: String, reason: String },
    /// It did not answer in time.
    #[error("the upstream {url} did not answer within {secs} s")]
    Timeout { url: String, secs: u64 },
    /// It answered with an error status.
    #[error("the upstream answered {status} for {url}")]
    Status { url: String, status: StatusCode },
    /// Its answer could not be read.
    #[error("the upstream's answer for {url} is malformed: {reason}")]
    Malformed { url: String, reason: String },
}

impl UpstreamError {
    /// The status the firewall answers with: 504 for a timeout, the upstream's own 404 (and
    /// 401/403, so clients see its refusal), 502 for the rest.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            UpstreamError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            UpstreamError::Status { status, .. }
                if matches!(*status, StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) =>
            {
                *status
            }
            _ => StatusCode::BAD_GATEWAY,
        }
    }

    fn of(url: &str, timeout: Duration, e: reqwest::Error) -> UpstreamError {
        if e.is_timeout() {
            UpstreamError::Timeout { url: url.to_owned(), secs: timeout.as_secs().max(1) }
        } else {
            // The chain holds the useful part ("connection refused").
            let mut reason = e.to_string();
            let mut source = std::error::Error::source(&e);
            while let Some(s) = source {
                reason = format!("{reason}: {s}");
                source = s.source();
            }
            UpstreamError::Unreachable { url: url.to_owned(), reason }
        }
    }
}

/// One cached metadata document.
pub(crate) struct Doc {
    /// The body as the upstream sent it.
    pub(crate) body: Bytes,
    /// Its media type.
    pub(crate) content_type: String,
    /// The URL it came from (simple pages resolve relative links against it).
    pub(crate) url: url::Url,
    etag: Option<HeaderValue>,
    last_modified: Option<HeaderValue>,
    checked: Mutex<Instant>,
    /// What the body was read into (a page, an index of archives), once.
    model: OnceLock<Result<Arc<dyn std::any::Any + Send + Sync>, Unreadable>>,
    /// Answers filtered from it: (key, verdict generation, when, body).
    answers: Mutex<Vec<(String, u64, Instant, Bytes)>>,
}

impl Doc {
    /// What `read` makes of the body, once per document. One document is always read into
    /// the same type; another type is an error, never a second parse.
    pub(crate) fn model<T: Send + Sync + 'static>(
        &self,
        read: impl FnOnce(&Doc) -> Result<T, Unreadable>,
    ) -> Result<Arc<T>, Unreadable> {
        let any = self
            .model
            .get_or_init(|| read(self).map(|t| Arc::new(t) as Arc<dyn std::any::Any + Send + Sync>))
            .clone()?;
        any.downcast::<T>().map_err(|_| Unreadable("the document was read as another kind".to_owned()))
    }

    /// An answer filtered earlier under `key` at verdict `generation`, no older than `max_age`.
    pub(crate) fn answer(&self, key: &str, generation: u64, max_age: Option<Duration>) -> Option<Bytes> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers
            .iter()
            .find(|(k, g, at, _)| k == key && *g == generation && max_age.is_none_or(|m| at.elapsed() < m))
            .map(|(_, _, _, b)| b.clone())
    }

    /// Keeps an answer for [`Doc::answer`]; a few per document (one per form and host).
    pub(crate) fn keep_answer(&self, key: String, generation: u64, body: Bytes) {
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers.retain(|(k, _, _, _)| *k != key);
        if answers.len() >= 4 {
            answers.remove(0);
        }
        answers.push((key, generation, Instant::now(), body));
    }
}

/// Why an upstream's document could not be read into what the firewall needs, for the 502.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Unreadable(pub(crate) String);

/// The HTTP client for upstreams, with the metadata cache.
pub(crate) struct Upstream {
    http: reqwest::Client,
    cache: quick_cache::sync::Cache<String, Arc<Doc>, Weight>,
    fresh_for: Duration,
    timeout: Duration,
}

/// Weighs a cached document by its bytes, counting its parsed form and filtered answers as
/// about three times more.
#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<String, Arc<Doc>> for Weight {
    fn weight(&self, key: &String, doc: &Arc<Doc>) -> u64 {
        (key.len() + doc.body.len() * 4) as u64
    }
}

impl Upstream {
    /// A client with `timeout` for connecting and for each read, and a metadata cache of
    /// `cache_bytes`, each document fresh for `fresh_for`.
    pub(crate) fn new(
        timeout: Duration,
        cache_bytes: u64,
        fresh_for: Duration,
    ) -> Result<Upstream, super::FirewallError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut roots = rustls::RootCertStore::empty();
        roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| super::FirewallError::Client(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls)
            .connect_timeout(timeout)
            .read_timeout(timeout)
            .user_agent(concat!("scioc-firewall/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| super::FirewallError::Client(e.to_string()))?;
        // Estimated items: documents of about 64 KiB.
        let items = (cache_bytes / 65_536).max(16) as usize;
        Ok(Upstream {
            http,
            cache: quick_cache::sync::Cache::with_weighter(items, cache_bytes.max(1), Weight),
            fresh_for,
            timeout,
        })
    }

    /// A metadata document: from the cache while fresh, revalidated after, fetched when absent.
    pub(crate) async fn metadata(&self, url: &url::Url, accept: &'static str) -> Result<Arc<Doc>, UpstreamError> {
        let key = format!("{accept} {url}");
        let cached = self.cache.get(&key);
        if let Some(doc) = &cached
            && doc.checked.lock().unwrap_or_else(|p| p.into_inner()).elapsed() < self.fresh_for
        {
            return Ok(doc.clone());
        }
        let mut request = self.request(url).header(header::ACCEPT, accept);
        if let Some(doc) = &cached {
            if let Some(tag) = &doc.etag {
                request = request.header(header::IF_NONE_MATCH, tag.clone());
            }
            if let Some(at) = &doc.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, at.clone());
            }
        }
        let shown = redact(url);
        let response = request.send().await.map_err(|e| UpstreamError::of(&shown, self.timeout, e))?;
        if response.status() == StatusCode::NOT_MODIFIED
            && let Some(doc) = cached
        {
            *doc.checked.lock().unwrap_or_else(|p| p.into_inner()) = Instant::now();
            return Ok(doc);
        }
        if !response.status().is_success() {
            return Err(UpstreamError::Status { url: shown, status: response.status() });
        }
        let headers = response.headers().clone();
        let final_url = response.url().clone();
        let body = read_capped(response, &shown, self.timeout).await?;
        let text = |h: &HeaderMap, name| h.get(name).cloned();
        let doc = Arc::new(Doc {
            content_type: headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("").to_owned(),
            etag: text(&headers, header::ETAG),
            last_modified: text(&headers, header::LAST_MODIFIED),
            url: final_url,
            body,
            checked: Mutex::new(Instant::now()),
            model: OnceLock::new(),
            answers: Mutex::new(Vec::new()),
        });
        self.cache.insert(key, doc.clone());
        Ok(doc)
    }

    /// Starts a download; the caller streams the body.
    pub(crate) async fn download(&self, url: &url::Url) -> Result<reqwest::Response, UpstreamError> {
        let shown = redact(url);
        let response = self.request(url).send().await.map_err(|e| UpstreamError::of(&shown, self.timeout, e))?;
        if !response.status().is_success() {
            return Err(UpstreamError::Status { url: shown, status: response.status() });
        }
        Ok(response)
    }

    /// A GET of `url`, its user and password (if any) sent as Basic credentials, not in the
    /// URL.
    fn request(&self, url: &url::Url) -> reqwest::RequestBuilder {
        if url.username().is_empty() && url.password().is_none() {
            return self.http.get(url.clone());
        }
        let mut bare = url.clone();
        let (user, password) = (decode(url.username()), url.password().map(decode));
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        self.http.get(bare).basic_auth(user, password)
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

pub(crate) use super::without_credentials as redact;

/// Reads a body up to [`MAX_METADATA_BYTES`].
async fn read_capped(mut response: reqwest::Response, url: &str, timeout: Duration) -> Result<Bytes, UpstreamError> {
    if response.content_length().is_some_and(|n| n > MAX_METADATA_BYTES as u64) {
        return Err(too_big(url));
    }
    let mut body = bytes::BytesMut::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| UpstreamError::of(url, timeout, e))? {
        if body.len() + chunk.len() > MAX_METADATA_BYTES {
            return Err(too_big(url));
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body.freeze())
}

fn too_big(url: &str) -> UpstreamError {
    UpstreamError::Malformed { url: url.to_owned(), reason: format!("larger than {} MiB", MAX_METADATA_BYTES >> 20) }
}
