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

/// Largest metadata document read from an upstream, decoded (npm's biggest packuments are
/// tens of MB).
pub(crate) const MAX_METADATA_BYTES: usize = 128 * 1024 * 1024;

/// How much of the memory budget one byte of metadata takes while a request reads, parses,
/// judges and writes it back: the bytes, the parsed form and the answer.
pub(crate) const WORKING_FACTOR: usize = 3;

/// Longest a request waits for its share of the memory budget before it is answered 503.
const BUDGET_WAIT: Duration = Duration::from_secs(5);

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
    /// The URL is not one the firewall may fetch ([`super::egress`]).
    #[error("refused to fetch: {0}")]
    Egress(#[from] super::egress::Refused),
    /// Other requests hold the memory budget for upstream metadata.
    #[error(
        "the firewall's memory for upstream metadata ({budget_mib} MiB, --firewall-memory-mb) is held by other requests; retry"
    )]
    Busy { budget_mib: u64 },
}

impl UpstreamError {
    /// The status the firewall answers with: 504 for a timeout, the upstream's own 404 (and
    /// 401/403, so clients see its refusal), 502 for the rest.
    pub(crate) fn status(&self) -> StatusCode {
        match self {
            UpstreamError::Timeout { .. } => StatusCode::GATEWAY_TIMEOUT,
            UpstreamError::Busy { .. } => StatusCode::SERVICE_UNAVAILABLE,
            UpstreamError::Status { status, .. }
                if matches!(*status, StatusCode::NOT_FOUND | StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN) =>
            {
                *status
            }
            _ => StatusCode::BAD_GATEWAY,
        }
    }

    fn of(url: &str, timeout: Duration, e: reqwest::Error) -> UpstreamError {
        if e.is_redirect() {
            // The egress policy refused where a redirect led; its reason is in the chain.
            let reason = std::error::Error::source(&e).map_or_else(|| e.to_string(), ToString::to_string);
            return UpstreamError::Egress(super::egress::Refused(reason));
        }
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
    /// Answers filtered from it.
    answers: Mutex<Vec<Answer>>,
}

/// What was withheld from an answer: each version, with why.
pub(crate) type Withheld = Arc<Vec<(Option<String>, scioc_registry::Block)>>;

/// One answer filtered from a document, kept for the next request that would make the same.
#[derive(Clone)]
pub(crate) struct Answer {
    /// The form and host it was made for.
    key: String,
    /// The verdict generation it was filtered at.
    generation: u64,
    at: Instant,
    /// The body.
    pub(crate) body: Bytes,
    /// What it withholds, recorded again each time it is served.
    pub(crate) withheld: Withheld,
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
    pub(crate) fn answer(&self, key: &str, generation: u64, max_age: Option<Duration>) -> Option<Answer> {
        let answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers
            .iter()
            .find(|a| a.key == key && a.generation == generation && max_age.is_none_or(|m| a.at.elapsed() < m))
            .cloned()
    }

    /// Keeps an answer for [`Doc::answer`]; a few per document (one per form and host).
    pub(crate) fn keep_answer(&self, key: String, generation: u64, body: Bytes, withheld: Withheld) -> Answer {
        let answer = Answer { key, generation, at: Instant::now(), body, withheld };
        let mut answers = self.answers.lock().unwrap_or_else(|p| p.into_inner());
        answers.retain(|a| a.key != answer.key);
        if answers.len() >= 4 {
            answers.remove(0);
        }
        answers.push(answer.clone());
        answer
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
    egress: Arc<super::egress::Egress>,
    /// The memory budget for metadata in flight, in KiB permits.
    budget: Arc<tokio::sync::Semaphore>,
    budget_kib: usize,
}

/// A share of the memory budget, given back when dropped.
pub(crate) struct Reservation(#[allow(dead_code)] Option<tokio::sync::OwnedSemaphorePermit>);

/// Weighs a cached document by its bytes, counting its archive index and filtered answers as
/// about as much again.
#[derive(Clone)]
struct Weight;

impl quick_cache::Weighter<String, Arc<Doc>> for Weight {
    fn weight(&self, key: &String, doc: &Arc<Doc>) -> u64 {
        (key.len() + doc.body.len() * 2) as u64
    }
}

impl Upstream {
    /// A client with `timeout` for connecting, for each read and for a whole metadata document,
    /// that fetches only what `egress` admits; a metadata cache of `cache_bytes` (one shard, so a
    /// large packument fits), each document fresh for `fresh_for`; and `memory_bytes` of
    /// metadata in flight at most.
    pub(crate) fn new(
        timeout: Duration,
        cache_bytes: u64,
        fresh_for: Duration,
        egress: Arc<super::egress::Egress>,
        memory_bytes: u64,
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
            .dns_resolver(egress.resolver())
            .redirect(egress.redirects())
            .user_agent(concat!("scioc-firewall/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| super::FirewallError::Client(e.to_string()))?;
        // Estimated items: documents of about 64 KiB.
        let items = (cache_bytes / 65_536).max(16) as usize;
        let options = quick_cache::OptionsBuilder::new()
            .shards(1)
            .estimated_items_capacity(items)
            .weight_capacity(cache_bytes.max(1))
            .build()
            .map_err(|e| super::FirewallError::Client(format!("the metadata cache: {e:?}")))?;
        let budget_kib =
            usize::try_from(memory_bytes / 1024).unwrap_or(usize::MAX).clamp(1, tokio::sync::Semaphore::MAX_PERMITS);
        Ok(Upstream {
            http,
            cache: quick_cache::sync::Cache::with_options(options, Weight, Default::default(), Default::default()),
            fresh_for,
            timeout,
            egress,
            budget: Arc::new(tokio::sync::Semaphore::new(budget_kib)),
            budget_kib,
        })
    }

    /// Reserves `bytes` of the memory budget, waiting a moment for other requests to give some
    /// back; 503 when they do not.
    pub(crate) async fn reserve(&self, bytes: usize) -> Result<Reservation, UpstreamError> {
        let kib = u32::try_from(bytes.div_ceil(1024)).unwrap_or(u32::MAX);
        if kib == 0 {
            return Ok(Reservation(None));
        }
        let busy = || UpstreamError::Busy { budget_mib: (self.budget_kib / 1024) as u64 };
        if kib as usize > self.budget_kib {
            return Err(busy());
        }
        match tokio::time::timeout(BUDGET_WAIT, self.budget.clone().acquire_many_owned(kib)).await {
            Ok(Ok(permit)) => Ok(Reservation(Some(permit))),
            _ => Err(busy()),
        }
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
        let mut request = self.request(url)?.header(header::ACCEPT, accept);
        if let Some(doc) = &cached {
            if let Some(tag) = &doc.etag {
                request = request.header(header::IF_NONE_MATCH, tag.clone());
            }
            if let Some(at) = &doc.last_modified {
                request = request.header(header::IF_MODIFIED_SINCE, at.clone());
            }
        }
        let shown = redact(url);
        // The whole document within the timeout: an upstream that trickles its answer byte by
        // byte is as late as one that says nothing.
        let deadline = tokio::time::Instant::now() + self.timeout;
        let late = || UpstreamError::Timeout { url: shown.clone(), secs: self.timeout.as_secs().max(1) };
        let response = tokio::time::timeout_at(deadline, request.send())
            .await
            .map_err(|_| late())?
            .map_err(|e| UpstreamError::of(&shown, self.timeout, e))?;
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
        let body =
            tokio::time::timeout_at(deadline, self.read_capped(response, &shown)).await.map_err(|_| late())??;
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
        let response = tokio::time::timeout(self.timeout, self.request(url)?.send())
            .await
            .map_err(|_| UpstreamError::Timeout { url: shown.clone(), secs: self.timeout.as_secs().max(1) })?
            .map_err(|e| UpstreamError::of(&shown, self.timeout, e))?;
        if !response.status().is_success() {
            return Err(UpstreamError::Status { url: shown, status: response.status() });
        }
        Ok(response)
    }

    /// A GET of `url`, if the egress policy admits it, with its upstream's credentials (as Basic
    /// credentials, never in the URL) when it is on that upstream's origin.
    fn request(&self, url: &url::Url) -> Result<reqwest::RequestBuilder, UpstreamError> {
        let credentials = self.egress.admit(url)?;
        let mut bare = url.clone();
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        Ok(match credentials {
            Some((user, password)) => self.http.get(bare).basic_auth(user, password),
            None => self.http.get(bare),
        })
    }

    /// The largest document the firewall reads: [`MAX_METADATA_BYTES`], or less when the
    /// memory budget could not hold one that large while it is filtered.
    fn max_document(&self) -> usize {
        MAX_METADATA_BYTES.min(self.budget_kib * 1024 / WORKING_FACTOR)
    }

    /// Reads a body up to [`Upstream::max_document`] decoded (a compressed body counts as
    /// what it decompresses to), holding its share of the memory budget as it grows.
    async fn read_capped(&self, mut response: reqwest::Response, url: &str) -> Result<Bytes, UpstreamError> {
        let max = self.max_document();
        if response.content_length().is_some_and(|n| n > max as u64) {
            return Err(too_big(url, max));
        }
        let mut body = bytes::BytesMut::new();
        let mut held = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(|e| UpstreamError::of(url, self.timeout, e))? {
            if body.len() + chunk.len() > max {
                return Err(too_big(url, max));
            }
            held.push(self.reserve(chunk.len()).await?);
            body.extend_from_slice(&chunk);
        }
        Ok(body.freeze())
    }
}

pub(crate) use super::without_credentials as redact;

fn too_big(url: &str, max: usize) -> UpstreamError {
    let reason = if max < MAX_METADATA_BYTES {
        format!(
            "larger than {} MiB decoded, the most a memory budget of {} MiB (--firewall-memory-mb) can filter",
            max >> 20,
            (max * WORKING_FACTOR) >> 20
        )
    } else {
        format!("larger than {} MiB decoded", max >> 20)
    };
    UpstreamError::Malformed { url: url.to_owned(), reason }
}
