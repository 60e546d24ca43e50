//! The three calls of the API, each retried as [`Retry`] says.

use crate::event::Page;
use crate::retry::retry_after;
use crate::{ClientBuilder, Error, FeedTime, Format, Retry};

/// The API prefix of the feed.
const API: &str = "api/feed/supply_chain/ioc/v1/query";

/// What [`Client::knowledge`] got.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum KnowledgeAnswer {
    /// The document, with its ETag.
    Document {
        /// The ETag to send next time.
        etag: String,
        /// The `scioc-knowledge/1` JSON document.
        body: Vec<u8>,
    },
    /// Unchanged since the ETag sent (304).
    Unchanged,
    /// The server does not offer it (404): not a scioc server, or an older one.
    NotOffered,
}

/// What one successful request returned.
struct Answer {
    status: u16,
    etag: Option<String>,
    body: Vec<u8>,
}

/// Where [`Client::start`] puts the user's cursor.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StartAt {
    /// Now: only events from now on.
    Now,
    /// A time, sent as `utc/YYYY-MM-DDThh:mm:ss`.
    Utc(FeedTime),
    /// A time, sent as `timestamp/<unix seconds>`.
    Timestamp(FeedTime),
}

/// A feed client. Cheap to clone; clones share connections.
#[derive(Debug, Clone)]
pub struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base: url::Url,
    pub(crate) user: String,
    pub(crate) password: String,
    pub(crate) format: Format,
    pub(crate) retry: Retry,
}

/// The most a response body may hold. A page is about 1 KB per entry; a second holding a
/// quarter of a million events still fits. A server sending more is refused, not buffered.
const MAX_BODY: usize = 256 * 1024 * 1024;

/// Reads a body chunk by chunk, refusing one larger than [`MAX_BODY`].
async fn read_capped(mut resp: reqwest::Response, url: &str) -> Result<Vec<u8>, Error> {
    let too_big = || Error::Response { url: url.to_owned(), message: format!("response larger than {MAX_BODY} bytes") };
    if resp.content_length().is_some_and(|n| n > MAX_BODY as u64) {
        return Err(too_big());
    }
    let mut body = Vec::with_capacity(resp.content_length().unwrap_or(0) as usize);
    while let Some(chunk) = resp.chunk().await.map_err(|source| Error::Transport { url: url.to_owned(), source })? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(too_big());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// Whether a request failed because TLS refused the server (an untrusted or mismatched
/// certificate), found anywhere in the error's chain. `io::Error` hides the error it wraps
/// from `source()`, so it is opened with `get_ref()`.
fn is_tls_refusal(e: &(dyn std::error::Error + 'static)) -> bool {
    if e.is::<rustls::Error>() {
        return true;
    }
    if let Some(inner) = e.downcast_ref::<std::io::Error>().and_then(|io| io.get_ref())
        && is_tls_refusal(inner)
    {
        return true;
    }
    e.source().is_some_and(is_tls_refusal)
}

impl Client {
    /// Starts building a client for the server at `base` (`https://host:port`).
    pub fn builder(base: &str) -> Result<ClientBuilder, Error> {
        ClientBuilder::new(base)
    }

    /// The wire format in use.
    pub fn format(&self) -> Format {
        self.format
    }

    /// Sends a request, retrying retryable failures; returns the body of a success.
    async fn send(&self, method: reqwest::Method, path: &str) -> Result<Vec<u8>, Error> {
        self.send_with(method, path, None, &[]).await.map(|a| a.body)
    }

    /// Sends a request with an optional `If-None-Match`, retrying retryable failures; a success,
    /// a 304 and any status in `accept` are answers.
    async fn send_with(
        &self,
        method: reqwest::Method,
        path: &str,
        if_none_match: Option<&str>,
        accept: &[u16],
    ) -> Result<Answer, Error> {
        let url = self.base.join(path).map_err(|e| Error::Config(e.to_string()))?;
        let mut attempt = 0;
        loop {
            attempt += 1;
            let last = attempt >= self.retry.attempts;
            let mut request =
                self.http.request(method.clone(), url.clone()).basic_auth(&self.user, Some(&self.password));
            if let Some(tag) = if_none_match {
                request = request.header(reqwest::header::IF_NONE_MATCH, tag);
            }
            let sent = request.send().await;
            let wait = match sent {
                Ok(resp)
                    if resp.status().is_success()
                        || resp.status() == reqwest::StatusCode::NOT_MODIFIED
                        || accept.contains(&resp.status().as_u16()) =>
                {
                    let status = resp.status().as_u16();
                    let etag =
                        resp.headers().get(reqwest::header::ETAG).and_then(|v| v.to_str().ok()).map(str::to_owned);
                    let body = read_capped(resp, url.as_str()).await?;
                    return Ok(Answer { status, etag, body });
                }
                Ok(resp) => {
                    let status = resp.status().as_u16();
                    let after = retry_after(resp.headers());
                    if last || !Retry::status_is_retryable(status) {
                        let body = resp.text().await.unwrap_or_default();
                        let body: String = body.trim().chars().take(200).collect();
                        return Err(Error::Status { url: url.to_string(), status, body });
                    }
                    self.retry.delay(attempt, after)
                }
                Err(source) => {
                    // A certificate the client does not trust will not become trusted by asking
                    // again: only network failures and timeouts are retried.
                    let transient =
                        (source.is_timeout() || source.is_connect() || source.is_request()) && !is_tls_refusal(&source);
                    if last || !transient {
                        return Err(Error::Transport { url: url.to_string(), source });
                    }
                    self.retry.delay(attempt, None)
                }
            };
            tokio::time::sleep(wait).await;
        }
    }

    fn page(&self, path: &str, body: &[u8]) -> Result<Page, Error> {
        Page::parse(self.format, body).map_err(|e| Error::Response { url: path.to_owned(), message: e.to_string() })
    }

    /// Puts the user's cursor at `at`.
    pub async fn start(&self, at: StartAt) -> Result<(), Error> {
        let path = match at {
            StartAt::Now => format!("{API}/start"),
            StartAt::Utc(t) => format!("{API}/start/utc/{}", t.to_utc_string()),
            StartAt::Timestamp(t) => format!("{API}/start/timestamp/{}", t.unix()),
        };
        self.send(reqwest::Method::PUT, &path).await.map(drop)
    }

    /// The next events from the user's cursor (at most `limit`, plus the rest of the last
    /// event's second), moving the cursor past them.
    pub async fn pull(&self, limit: u32) -> Result<Page, Error> {
        let path = format!("{API}/pull?limit={}&format={}", limit.clamp(1, 1000), self.format.as_str());
        let body = self.send(reqwest::Method::GET, &path).await?;
        self.page(&path, &body)
    }

    /// scioc's knowledge document (curated rules and indicators, `GET /api/scioc/v1/knowledge`),
    /// unless it still has the ETag `if_none_match`.
    pub async fn knowledge(&self, if_none_match: Option<&str>) -> Result<KnowledgeAnswer, Error> {
        let a = self.send_with(reqwest::Method::GET, "api/scioc/v1/knowledge", if_none_match, &[404]).await?;
        Ok(match a.status {
            304 => KnowledgeAnswer::Unchanged,
            404 => KnowledgeAnswer::NotOffered,
            _ => KnowledgeAnswer::Document { etag: a.etag.unwrap_or_default(), body: a.body },
        })
    }

    /// Events from `from` on (at most `limit`, plus the rest of the last event's second).
    pub async fn query(&self, from: FeedTime, limit: u32) -> Result<Page, Error> {
        let path = format!(
            "{API}/utc/{}?limit={}&format={}",
            from.to_utc_string(),
            limit.clamp(1, 1000),
            self.format.as_str()
        );
        let body = self.send(reqwest::Method::GET, &path).await?;
        self.page(&path, &body)
    }
}
