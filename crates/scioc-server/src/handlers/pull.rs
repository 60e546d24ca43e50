//! `GET …/query/pull`: the next page after the caller's cursor.

use super::params::PageParams;
use crate::delivery::OnDelivery;
use crate::{App, auth::Caller, error::AppError, page};
use axum::{
    Extension,
    extract::{RawQuery, State},
    http::{StatusCode, header},
    response::{IntoResponse, Response},
};
use scioc_api::TimeFormat;
use scioc_model::{FeedTime, UserName};
use scioc_store::{LeaseTerms, PullQuery};
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
    let lease = LeaseTerms {
        holder: app.node.clone(),
        expires: now.add_secs(i64::try_from(app.lease_ttl.as_secs()).unwrap_or(i64::MAX)),
    };
    let query = PullQuery { limit: p.limit, format: p.format, horizon: now, lease: Some(lease) };
    let pulled = app.writes.record(app.store.pull(&caller.0, query).await)?;
    if pulled.rewound {
        tracing::warn!(user = caller.0.as_str(), "pages never confirmed delivered are served again");
    }
    let mut response = page::respond(
        p.format,
        &page::head(&pulled.page, pulled.from, TimeFormat::Utc, pulled.page.horizon),
        &pulled.page,
    );
    if let Some(lease) = pulled.lease {
        response.extensions_mut().insert(settle_on_delivery(&app, caller.0.clone(), lease));
    }
    Ok(response)
}

/// Confirms the page once the response has been handed to the connection, or gives it up (the
/// next pull serves it again) when the response is dropped before its end.
fn settle_on_delivery(app: &Arc<App>, user: UserName, lease: i64) -> OnDelivery {
    let (app, background) = (app.clone(), app.background.clone());
    OnDelivery::new(move |delivered| {
        // Fired from the connection's task; the store call runs on its own, and a shutdown
        // waits for it. Without a runtime (the process is ending) the lease is left to expire,
        // or to the next start's release.
        background.spawn(async move {
            let settled = app.writes.record(if delivered {
                app.store.confirm_pull(&user, lease).await
            } else {
                app.store.release_pull(&user, lease).await
            });
            match settled {
                Ok(()) if !delivered => {
                    tracing::info!(user = user.as_str(), "a pulled page was not delivered; the next pull serves it again")
                }
                Ok(()) => {}
                Err(e) => tracing::warn!(user = user.as_str(), error = %e, delivered, "could not settle a pulled page; its lease will expire"),
            }
        });
    })
}

/// `HEAD` on the pull route: refused with 405. A pull moves the caller's cursor, and a `HEAD`
/// answer carries no body, so serving it would consume events nobody received.
pub(crate) async fn head() -> Response {
    (StatusCode::METHOD_NOT_ALLOWED, [(header::ALLOW, "GET")]).into_response()
}
