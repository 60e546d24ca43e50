//! `GET /health`: liveness and store reachability for load balancers. No authentication.

use crate::App;
use axum::{
    Json,
    extract::State,
    http::StatusCode,
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::sync::Arc;

/// 200 with the newest event's time when the store answers; 503 otherwise.
pub(crate) async fn health(State(app): State<Arc<App>>) -> Response {
    match app.store.head().await {
        Ok(head) => Json(json!({
            "status": "ok",
            "newest_event": head.map(|h| h.time.to_utc_string()),
        }))
        .into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"}))).into_response()
        }
    }
}
