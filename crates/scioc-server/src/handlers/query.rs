//! `GET …/query/{utc|timestamp}/{time}`: events from a given time.

use super::params::{self, PageParams};
use crate::{App, auth::Caller, error::AppError, page};
use axum::{
    Extension,
    extract::{Path, RawQuery, State},
    response::Response,
};
use scioc_model::FeedTime;
use scioc_store::TimeQuery;
use std::sync::Arc;

/// Returns events with a time at or after `{time}`, in feed order: `limit` of them plus the
/// rest of the last one's second. A time in the future returns no events.
pub(crate) async fn by_time(
    State(app): State<Arc<App>>,
    Extension(_caller): Extension<Caller>,
    Path((time_format, time)): Path<(String, String)>,
    RawQuery(query): RawQuery,
) -> Result<Response, AppError> {
    let (tf, from) = params::time(&time_format, &time)?;
    let p = PageParams::parse(query.as_deref())?;
    let now = FeedTime::now();
    let page = app.store.query(TimeQuery { from, limit: p.limit, format: p.format, horizon: now }).await?;
    Ok(page::respond(p.format, &page::head(&page, from, tf, page.horizon), &page))
}
