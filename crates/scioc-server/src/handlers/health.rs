//! `GET /health`: liveness and store reachability for load balancers. No authentication.

use crate::App;
use axum::{
    Json,
    extract::{Request, State},
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
};
use serde_json::json;
use std::sync::Arc;

/// 200 with the newest event's time when the store answers, `"status": "degraded"` with the
/// reason while writes fail (reads are still served; writes answer 503); 503 when the store
/// does not answer at all. The polled sources are counted (and how many fail); a caller with
/// the feed's credentials also sees each one's state.
pub(crate) async fn health(State(app): State<Arc<App>>, request: Request) -> Response {
    let peer = crate::client_address::ClientAddress::of(&request);
    let headers: &HeaderMap = request.headers();
    let sources = match app.store.feed_sources().await {
        Ok(list) => {
            let failing = list.iter().filter(|s| s.status.failures > 0).count();
            let mut v = json!({"total": list.len(), "failing": failing});
            let authorized = match headers.get(header::AUTHORIZATION) {
                Some(h) => app.auth.authenticate(Some(h), peer).await.is_ok(),
                None => false,
            };
            if authorized {
                let now = scioc_model::FeedTime::now();
                v["detail"] = list.iter().map(|s| s.to_json(now)).collect();
            }
            v
        }
        Err(_) => serde_json::Value::Null,
    };
    match app.store.head().await {
        Ok(head) => {
            let writes = match app.writes.failing() {
                None => json!({"ok": true}),
                Some((since, why)) => json!({"ok": false, "since": since.to_utc_string(), "error": why}),
            };
            let status = if writes["ok"] == true { "ok" } else { "degraded" };
            // A bulk import is spread over seconds ahead of the clock (1,000 events a second);
            // those are not the feed's yet, so the newest event is never later than now.
            let now = scioc_model::FeedTime::now();
            let mut body = json!({
                "status": status,
                "newest_event": head.map(|h| h.time.min(now).to_utc_string()),
                "writes": writes,
                "sources": sources,
            });
            if let Some(h) = head.filter(|h| h.time > now) {
                body["spread_until"] = json!(h.time.to_utc_string());
            }
            Json(body).into_response()
        }
        Err(e) => {
            tracing::warn!(error = %e, "health check: store unavailable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(json!({"status": "unavailable"}))).into_response()
        }
    }
}
