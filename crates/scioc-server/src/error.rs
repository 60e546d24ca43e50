//! Errors: [`AppError`] for answers to clients, [`ServeError`] for failing to serve at all.
//!
//! Client errors (4xx) carry a short plain-text body naming the problem. Internal errors are
//! logged in full and answered with a generic body, so no internal detail reaches a client.

use axum::{
    http::{HeaderValue, StatusCode, header},
    response::{IntoResponse, Response},
};

/// An error answered to a client.
#[derive(Debug)]
pub(crate) enum AppError {
    /// 400, with what was wrong.
    BadRequest(String),
    /// 401, with a `WWW-Authenticate` challenge.
    Unauthorized(&'static str),
    /// 403.
    Forbidden(String),
    /// 404 for a request about something that is not there.
    NotFound(String),
    /// 409: the request conflicts with the feed's state.
    Conflict(String),
    /// 413: the request asks for more work than one request may do.
    TooLarge(String),
    /// 429, with `Retry-After` seconds.
    TooManyRequests(u64),
    /// 503, with a reason and `Retry-After` seconds.
    Unavailable(String, u64),
    /// 500; the detail is logged, not shown.
    Internal(String),
}

impl From<scioc_store::Error> for AppError {
    fn from(e: scioc_store::Error) -> Self {
        match e {
            scioc_store::Error::Busy => AppError::Unavailable("the store is busy; retry shortly".into(), 1),
            scioc_store::Error::Unavailable(why) => {
                tracing::error!(reason = %why, "the store is unavailable");
                AppError::Unavailable(format!("the store cannot serve this now ({why}); retry later"), 30)
            }
            scioc_store::Error::Conflict(m) => AppError::Conflict(m),
            e @ scioc_store::Error::Rejected { .. } => AppError::Conflict(e.to_string()),
            other => AppError::Internal(other.to_string()),
        }
    }
}

/// The challenge sent with every 401.
pub(crate) const CHALLENGE: &str = "Basic realm=\"scioc feed\", charset=\"UTF-8\"";

/// A plain-text response.
pub(crate) fn text(status: StatusCode, body: String) -> Response {
    let mut r = (status, format!("{body}\n")).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("text/plain; charset=utf-8"));
    r
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        match self {
            AppError::BadRequest(m) => text(StatusCode::BAD_REQUEST, format!("bad request: {m}")),
            AppError::Unauthorized(m) => {
                let mut r = text(StatusCode::UNAUTHORIZED, format!("unauthorized: {m}"));
                r.headers_mut().insert(header::WWW_AUTHENTICATE, HeaderValue::from_static(CHALLENGE));
                r
            }
            AppError::Forbidden(m) => text(StatusCode::FORBIDDEN, format!("forbidden: {m}")),
            AppError::NotFound(m) => text(StatusCode::NOT_FOUND, format!("not found: {m}")),
            AppError::Conflict(m) => text(StatusCode::CONFLICT, format!("conflict: {m}")),
            AppError::TooLarge(m) => text(StatusCode::PAYLOAD_TOO_LARGE, format!("too large: {m}")),
            AppError::TooManyRequests(secs) => {
                let mut r = text(StatusCode::TOO_MANY_REQUESTS, format!("too many requests: retry after {secs} s"));
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
                r
            }
            AppError::Unavailable(m, secs) => {
                let mut r = text(StatusCode::SERVICE_UNAVAILABLE, format!("unavailable: {m}"));
                r.headers_mut().insert(header::RETRY_AFTER, HeaderValue::from(secs));
                r
            }
            AppError::Internal(detail) => {
                tracing::error!(error = %detail, "internal error");
                text(StatusCode::INTERNAL_SERVER_ERROR, "internal error; see the server log".into())
            }
        }
    }
}

/// Why the server could not start or keep serving.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServeError {
    /// The listen address could not be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: std::net::SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// TLS could not be set up.
    #[error("TLS: {0}")]
    Tls(String),
    /// Serving failed.
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}
