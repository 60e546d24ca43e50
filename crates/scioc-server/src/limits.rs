//! Request limits applied before routing: URI length and declared body size.

use crate::error::text;
use axum::{
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::Next,
    response::Response,
};

/// Longest request target accepted, in bytes.
pub(crate) const MAX_URI: usize = 8 * 1024;

/// Body size limits: small for the feed, larger for admin uploads.
#[derive(Debug, Clone, Copy)]
pub(crate) struct BodyLimits {
    pub(crate) feed: usize,
    pub(crate) upload: usize,
}

/// Answers 414 for an overlong URI and 413 for a declared body over the limit of its route.
/// Bodies without a declared length are capped by the body-limit layers when read.
pub(crate) async fn enforce(State(limits): State<BodyLimits>, request: Request, next: Next) -> Response {
    let path = request.uri().path();
    let osv = path.starts_with("/v1/");
    let max_body = match () {
        _ if path.starts_with(crate::router::ADMIN_PATH) => limits.upload,
        _ if osv => crate::osv::MAX_BODY,
        _ => limits.feed,
    };
    let uri_len = request.uri().to_string().len();
    if uri_len > MAX_URI {
        return text(
            StatusCode::URI_TOO_LONG,
            format!("request target of {uri_len} bytes is over the limit of {MAX_URI}"),
        );
    }
    let declared =
        request.headers().get(header::CONTENT_LENGTH).and_then(|v| v.to_str().ok()).and_then(|v| v.parse::<u64>().ok());
    if let Some(len) = declared.filter(|len| *len > max_body as u64) {
        // OSV.dev answers every bad request 400; its clients expect no other status.
        let status = if osv { StatusCode::BAD_REQUEST } else { StatusCode::PAYLOAD_TOO_LARGE };
        let mut refused = text(status, format!("request body of {len} bytes is over the limit of {max_body}"));
        // The body is left unread, so the connection cannot carry another request: say so, or
        // a keep-alive client would send its next request on a connection about to close.
        refused.headers_mut().insert(header::CONNECTION, header::HeaderValue::from_static("close"));
        return refused;
    }
    next.run(request).await
}
