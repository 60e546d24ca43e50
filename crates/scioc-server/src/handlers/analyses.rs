//! The package analyser over HTTP: an admin uploads an archive, the server analyses it as
//! `scioc analyze` does (same reader, same limits as sample uploads) and keeps the analysis
//! under the archive's SHA-256, where the console and the API show it with its evidence.
//!
//! | route | |
//! |---|---|
//! | `POST /api/scioc/v1/analyses?filename=…` | the archive's bytes; answers the analysis |
//! | `GET /api/scioc/v1/analyses/{sha256}` | a kept analysis, as JSON |
//! | `GET /analyses/{sha256}` | the same, as a console page |
//!
//! Analyses are kept in the store as records of the source [`SOURCE`], one per archive, so
//! every node of a PostgreSQL deployment sees them; uploading the same bytes again answers the
//! kept analysis without reading the archive twice.

use crate::{App, error::AppError};
use axum::{
    Json,
    body::Bytes,
    extract::{Path, Query, State},
};
use scioc_analyze::{Analysis, package::Package};
use scioc_ingest::archive;
use scioc_store::{SourceRecord, Store};
use serde::Deserialize;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// The store source under which analyses are kept.
pub(crate) const SOURCE: &str = "analysis";

/// Query of an analysis upload.
#[derive(Debug, Deserialize)]
pub(crate) struct AnalysisQuery {
    filename: String,
}

/// Analyses the archive posted as the body, keeps the analysis and answers it.
pub(crate) async fn post_analysis(
    State(app): State<Arc<App>>,
    Query(q): Query<AnalysisQuery>,
    body: Bytes,
) -> Result<Json<Value>, AppError> {
    let (name, kind) = super::admin::archive_name(&q.filename)?;
    let sha256 = hex::encode(Sha256::digest(&body));
    if let Some(kept) = kept(app.store.as_ref(), &sha256).await? {
        return Ok(Json(answer(&kept, true)));
    }
    let analysis = tokio::task::spawn_blocking(move || analyze(&name, kind, body))
        .await
        .map_err(|e| AppError::Internal(e.to_string()))??;
    let state = serde_json::to_value(&analysis).map_err(|e| AppError::Internal(e.to_string()))?;
    keep(app.store.as_ref(), &sha256, &state).await?;
    Ok(Json(answer(&state, false)))
}

/// Reads and analyses an uploaded archive, with the sample uploads' limits.
pub(crate) fn analyze(name: &str, kind: archive::ArchiveKind, body: Bytes) -> Result<Analysis, AppError> {
    let package = Package::read_archive(name, name, kind, std::io::Cursor::new(body), archive::Limits::default())
        .map_err(|e| AppError::BadRequest(e.to_string()))?;
    Ok(scioc_analyze::analyze(&package))
}

fn answer(analysis: &Value, cached: bool) -> Value {
    let sha = analysis["sha256"].as_str().unwrap_or_default();
    json!({"analysis": analysis, "kept": cached, "console": format!("/analyses/{sha}")})
}

/// `GET /api/scioc/v1/analyses/{sha256}`.
pub(crate) async fn get_analysis(
    State(app): State<Arc<App>>,
    Path(sha256): Path<String>,
) -> Result<Json<Value>, AppError> {
    let sha256 = checked_sha(&sha256)?;
    match kept(app.store.as_ref(), &sha256).await? {
        Some(a) => Ok(Json(a)),
        None => Err(AppError::NotFound(format!("no analysis of an archive with SHA-256 {sha256}"))),
    }
}

/// `sha256` in lower case, or why it is not one.
pub(crate) fn checked_sha(sha256: &str) -> Result<String, AppError> {
    if sha256.len() == 64 && sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
        Ok(sha256.to_ascii_lowercase())
    } else {
        Err(AppError::BadRequest(format!("expected 64 hex digits of SHA-256, got {:?}", clip(sha256))))
    }
}

fn clip(s: &str) -> String {
    s.chars().take(80).collect()
}

/// The kept analysis of an archive, by its SHA-256.
pub(crate) async fn kept(store: &dyn Store, sha256: &str) -> Result<Option<Value>, AppError> {
    let state = store.source_state(SOURCE).await?;
    Ok(state.records.into_iter().find(|r| r.id == sha256).and_then(|r| serde_json::from_str(&r.state).ok()))
}

/// Every kept analysis, newest write last.
pub(crate) async fn all(store: &dyn Store) -> Result<Vec<Value>, AppError> {
    let state = store.source_state(SOURCE).await?;
    Ok(state.records.into_iter().filter_map(|r| serde_json::from_str(&r.state).ok()).collect())
}

async fn keep(store: &dyn Store, sha256: &str, analysis: &Value) -> Result<(), AppError> {
    let record = SourceRecord { id: sha256.to_owned(), content_hash: sha256.to_owned(), state: analysis.to_string() };
    scioc_store::append_records(store, SOURCE, Vec::new(), vec![record]).await?;
    Ok(())
}
