//! `GET /openapi.json`: the API described in OpenAPI 3.1. No authentication.

use axum::{
    http::header,
    response::{IntoResponse, Response},
};

/// The OpenAPI document, kept beside the code in `openapi.json`.
pub(crate) const DOCUMENT: &str = include_str!("../../openapi.json");

/// Serves [`DOCUMENT`].
pub(crate) async fn openapi() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], DOCUMENT).into_response()
}
