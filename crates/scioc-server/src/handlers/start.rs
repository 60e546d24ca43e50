//! `PUT …/query/start[/{utc|timestamp}/{time}]`: set the caller's cursor.

use super::params;
use crate::{App, auth::Caller, error::AppError};
use axum::{
    Extension,
    extract::{Path, State},
    http::StatusCode,
    response::{IntoResponse, Response},
};
use scioc_model::FeedTime;
use std::sync::Arc;

/// Sets the caller's cursor to now: the next pull returns events from this second on.
pub(crate) async fn now(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
) -> Result<Response, AppError> {
    app.writes.record(app.store.start_cursor(&caller.0, FeedTime::now()).await)?;
    Ok((StatusCode::OK, "Successfully started\n").into_response())
}

/// Sets the caller's cursor to the first event at or after `{time}`.
pub(crate) async fn at(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    Path((time_format, time)): Path<(String, String)>,
) -> Result<Response, AppError> {
    let (_, t) = params::time(&time_format, &time)?;
    app.writes.record(app.store.start_cursor(&caller.0, t).await)?;
    Ok((StatusCode::OK, "Successfully started\n").into_response())
}
