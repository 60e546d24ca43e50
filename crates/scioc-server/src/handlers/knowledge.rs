//! `GET /api/scioc/v1/knowledge`: the curated rules and indicators the verdict engine needs
//! besides feed events, for mirrors (`scioc sync`). Any authenticated user.
//!
//! The document is rebuilt only when some source's import version moved; otherwise the last
//! one is served from memory. Its ETag is its SHA-256, so an unchanged mirror gets 304.

use crate::{App, error::AppError};
use axum::{
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use std::sync::Arc;

/// A built document and the source versions it was built at.
#[derive(Debug, Clone)]
pub(crate) struct Cached {
    marks: Vec<(String, i64)>,
    etag: String,
    body: bytes::Bytes,
}

/// Serves the document, or 304 when the client's `If-None-Match` is its ETag.
pub(crate) async fn knowledge(State(app): State<Arc<App>>, headers: HeaderMap) -> Result<Response, AppError> {
    let marks = app.store.source_versions().await?;
    let cached = {
        let guard = app.knowledge.lock().await;
        guard.as_ref().filter(|c| c.marks == marks).cloned()
    };
    let doc = match cached {
        Some(c) => c,
        None => {
            let k =
                scioc_verdict::knowledge_of(app.store.as_ref()).await.map_err(|e| AppError::Internal(e.to_string()))?;
            let body = k.to_bytes();
            let c =
                Cached { marks, etag: format!("\"{}\"", scioc_verdict::Knowledge::digest(&body)), body: body.into() };
            *app.knowledge.lock().await = Some(c.clone());
            c
        }
    };
    let unchanged = headers
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(',').any(|t| t.trim() == doc.etag));
    if unchanged {
        return Ok((StatusCode::NOT_MODIFIED, [(header::ETAG, doc.etag)]).into_response());
    }
    Ok(([(header::CONTENT_TYPE, "application/json".to_owned()), (header::ETAG, doc.etag)], doc.body).into_response())
}
