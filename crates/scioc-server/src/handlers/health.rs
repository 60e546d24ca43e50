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

/// 200 with the newest event's time when the store answers, `"status": "degraded"` with the
/// reason while writes fail (reads are still served; writes answer 503); 503 when the store
/// does not answer at all.
pub(crate) async fn health(State(app): State<Arc<App>>) -> Response {
    match app.store.head().await {
        Ok(head) => {
            let writes = match app.writes.failing() {
                None => json!({"ok": true}),
                Some((since, why)) => json!({"ok": false, "since": since.to_utc_string(), "error": why}),
            };
            let status = if writes["ok"] == true { "ok" } else { "degraded" };
            Json(json!({
                "status": status,
                "newest_event": head.map(|h| h.time.to_utc_string()),
                "writes": writes,
            }))
            .into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"}))).into_response()
        }
    }
}
