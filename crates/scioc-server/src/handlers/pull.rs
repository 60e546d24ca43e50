//! `GET …/query/pull`: the next page after the caller's cursor.

use super::params::PageParams;
use crate::{App, auth::Caller, error::AppError, page};
use axum::{
    Extension,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use scioc_api::TimeFormat;
use scioc_model::FeedTime;
use scioc_store::PullQuery;
use std::sync::Arc;

/// Returns the next events after the caller's cursor and moves the cursor past them in the same
/// transaction. A caller who never started begins at the time of this first pull.
/// `time_range.from` is where the cursor stood; times are spelled `utc`.
pub(crate) async fn pull(
    State(app): State<Arc<App>>,
    Extension(caller): Extension<Caller>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let p = PageParams::parse(query.as_deref())?;
    let now = FeedTime::now();
    let pulled = app.store.pull(&caller.0, PullQuery { limit: p.limit, format: p.format, horizon: now }).await?;
    Ok(page::respond(p.format, &page::head(&pulled.page, pulled.from, TimeFormat::Utc, now), &pulled.page))
}

/// `HEAD` on the pull route: refused with 405. A pull moves the caller's cursor, and a `HEAD`
/// answer carries no body, so serving it would consume events nobody received.
pub(crate) async fn head() -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET")]).into_response()
}
