//! Conditional HTTP requests and local files, read the same way.

use super::PollError;
use scioc_store::SourceStatus;

/// Most bytes one fetched document may have (the largest OSV `all.zip` is far below).
pub(super) const MAX_BYTES: u64 = 1 << 30;

/// A fetched document.
pub(super) enum Fetched {
    /// The server answered 304: nothing changed since the validators were stored.
    NotModified,
    /// The document, with the validators to send next time.
    Body { bytes: Vec<u8>, etag: Option<String>, last_modified: Option<String> },
}

pub(super) fn is_url(location: &str) -> bool {
    location.starts_with("http://") || location.starts_with("https://")
}

fn fail(url: &str, message: impl std::fmt::Display) -> PollError {
    PollError::Fetch { url: url.to_owned(), message: message.to_string() }
}

/// GETs `url`, conditionally on `status`'s validators when `conditional`.
pub(super) async fn get(
    client: &reqwest::Client,
    url: &str,
    status: Option<&SourceStatus>,
) -> Result<Fetched, PollError> {
    let mut request = client.get(url);
    if let Some(s) = status {
        if let Some(etag) = &s.etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(lm) = &s.last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, lm);
        }
    }
    let mut response = request.send().await.map_err(|e| fail(url, e))?;
    let code = response.status();
    if code == reqwest::StatusCode::NOT_MODIFIED {
        return Ok(Fetched::NotModified);
    }
    if !code.is_success() {
        return Err(fail(url, format!("the server answered {code}")));
    }
    let header = |name| response.headers().get(name).and_then(|v| v.to_str().ok()).map(str::to_owned);
    let (etag, last_modified) = (header(reqwest::header::ETAG), header(reqwest::header::LAST_MODIFIED));
    let mut bytes = Vec::new();
    while let Some(chunk) = response.chunk().await.map_err(|e| fail(url, e))? {
        if bytes.len() as u64 + chunk.len() as u64 > MAX_BYTES {
            return Err(fail(url, format!("the document exceeds {MAX_BYTES} bytes")));
        }
        bytes.extend_from_slice(&chunk);
    }
    Ok(Fetched::Body { bytes, etag, last_modified })
}

/// Reads `location`: a URL conditionally, a local file whole.
pub(super) async fn read(
    client: &reqwest::Client,
    location: &str,
    status: &SourceStatus,
) -> Result<Fetched, PollError> {
    if is_url(location) {
        return get(client, location, Some(status)).await;
    }
    let bytes = tokio::fs::read(location).await.map_err(|e| fail(location, e))?;
    Ok(Fetched::Body { bytes, etag: None, last_modified: None })
}
