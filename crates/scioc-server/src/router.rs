//! The single list of routes, and the layers every request passes through.

use crate::{App, ServerConfig, auth::Caller, error::text, handlers, limits};
use axum::{
    Router,
    extract::DefaultBodyLimit,
    extract::{Request, State},
    http::{StatusCode, header},
    middleware::{self, Next},
    response::{IntoResponse, Response},
    routing::{get, post, put},
};
use scioc_api::FEED_PATH;
use std::sync::Arc;
use tower_http::compression::{Predicate, predicate::DefaultPredicate};
use tower_http::{
    CompressionLevel, catch_panic::CatchPanicLayer, compression::CompressionLayer, limit::RequestBodyLimitLayer,
    timeout::TimeoutLayer, trace::TraceLayer,
};

/// Builds the application: the feed routes and the web console (`/`) behind authentication,
/// plus `/health` and `/openapi.json`, with logging, limits, timeouts and compression around all of them.
pub fn router(app: Arc<App>, config: &ServerConfig) -> Router {
    let feed = Router::new()
        .route("/pull", get(handlers::pull::pull).head(handlers::pull::head))
        .route("/start", put(handlers::start::now))
        .route("/start/{time_format}/{time}", put(handlers::start::at))
        .route("/{time_format}/{time}", get(handlers::query::by_time))
        // A route layer runs only for matched routes, so 404 and 405 come before 401.
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .layer(RequestBodyLimitLayer::new(config.max_body_bytes));
    let admin = Router::new()
        .route("/osv", post(handlers::admin::post_osv))
        .route("/samples", post(handlers::admin::post_sample))
        .route("/analyses", post(handlers::analyses::post_analysis))
        .route("/analyses/{sha256}", get(handlers::analyses::get_analysis))
        .route("/reclassify", post(handlers::admin::post_reclassify))
        .route("/firewall/blocks", get(handlers::admin::get_blocks))
        // Layers run outside in: authenticate, then require the admin role.
        .route_layer(middleware::from_fn(require_admin))
        .route_layer(middleware::from_fn_with_state(app.clone(), authenticate))
        .layer(DefaultBodyLimit::max(config.max_upload_bytes))
        .layer(RequestBodyLimitLayer::new(config.max_upload_bytes));
    let mut osv = Router::new()
        .route("/v1/query", post(crate::osv::query))
        .route("/v1/querybatch", post(crate::osv::querybatch))
        .route("/v1/vulns/{id}", get(crate::osv::vuln))
        .route("/osv/{*path}", get(crate::osv::bucket).head(crate::osv::bucket))
        .route("/lists/{*path}", get(crate::osv::list).head(crate::osv::list))
        .layer(DefaultBodyLimit::max(crate::osv::MAX_BODY));
    if !config.osv.anonymous {
        osv = osv.route_layer(middleware::from_fn_with_state(app.clone(), authenticate));
    }
    let mut registry = crate::firewall::routes(&app);
    if crate::firewall::requires_auth(&app) {
        registry = registry.route_layer(middleware::from_fn_with_state(app.clone(), authenticate));
    }
    Router::new()
        .merge(registry)
        .merge(osv)
        .nest(FEED_PATH, feed)
        .nest(ADMIN_PATH, admin)
        .route("/health", get(handlers::health::health))
        .route(
            "/metrics",
            get(crate::metrics::metrics).route_layer(middleware::from_fn_with_state(app.clone(), authenticate)),
        )
        .route("/openapi.json", get(handlers::openapi::openapi))
        .route(
            "/",
            get(crate::console::console).route_layer(middleware::from_fn_with_state(app.clone(), authenticate)),
        )
        .route(crate::console::STYLE_PATH, get(crate::console::style))
        .route(
            "/analyses/{sha256}",
            get(crate::console::analysis).route_layer(middleware::from_fn_with_state(app.clone(), authenticate)),
        )
        .route(
            &format!("{ADMIN_PATH}/knowledge"),
            get(handlers::knowledge::knowledge).route_layer(middleware::from_fn_with_state(app.clone(), authenticate)),
        )
        .fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(middleware::from_fn_with_state(app.clone(), client_address))
        .with_state(app)
        // Archives streamed from an upstream are compressed already and keep their length.
        .layer(CompressionLayer::new().quality(CompressionLevel::Fastest).compress_when(
            DefaultPredicate::new().and(|_: StatusCode, _: axum::http::Version, _: &axum::http::HeaderMap, e: &axum::http::Extensions| {
                e.get::<crate::firewall::NoCompress>().is_none()
            }),
        ))
        .layer(middleware::from_fn_with_state(limits::BodyLimits { feed: config.max_body_bytes, upload: config.max_upload_bytes }, limits::enforce))
        .layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, config.request_timeout))
        .layer(middleware::from_fn(crate::metrics::track))
        .layer(CatchPanicLayer::new())
        .layer(
            TraceLayer::new_for_http()
                .make_span_with(|r: &Request| {
                    tracing::info_span!("request", method = %r.method(), path = %r.uri().path(), user = tracing::field::Empty)
                })
                .on_request(())
                .on_response(|r: &Response, latency: std::time::Duration, _span: &tracing::Span| {
                    tracing::info!(status = r.status().as_u16(), latency_ms = latency.as_secs_f64() * 1000.0, "served");
                }),
        )
}

/// Path prefix of the admin routes.
pub const ADMIN_PATH: &str = "/api/scioc/v1";

/// Lets only admins through (after [`authenticate`]).
async fn require_admin(request: Request, next: Next) -> Response {
    match request.extensions().get::<Caller>() {
        Some(Caller(_, scioc_model::Role::Admin)) => next.run(request).await,
        Some(Caller(name, role)) => crate::error::AppError::Forbidden(format!(
            "user {:?} is {role}; this route needs the admin role",
            name.as_str()
        ))
        .into_response(),
        None => crate::error::AppError::Internal("admin route without authentication".into()).into_response(),
    }
}

/// Authenticates the caller and applies the per-user rate limit.
async fn authenticate(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let peer = crate::client_address::ClientAddress::of(&request);
    let caller: Caller = match app.auth.authenticate(request.headers().get(header::AUTHORIZATION), peer).await {
        Ok(c) => c,
        Err(e) => return e.into_response(),
    };
    tracing::Span::current().record("user", caller.0.as_str());
    if let Some(limiter) = &app.rate_limit
        && let Err(e) = limiter.check(caller.0.as_str())
    {
        return e.into_response();
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// Notes where the request comes from ([`crate::client_address`]) for the throttle and the logs.
async fn client_address(State(app): State<Arc<App>>, mut request: Request, next: Next) -> Response {
    let peer = request.extensions().get::<axum::extract::ConnectInfo<std::net::SocketAddr>>().map(|c| c.0.ip());
    if let Some(peer) = peer {
        let client = app.trusted_proxies.client(peer, request.headers());
        request.extensions_mut().insert(crate::client_address::ClientAddress(client));
    }
    next.run(request).await
}

async fn not_found(request: Request) -> Response {
    text(StatusCode::NOT_FOUND, format!("not found: no route for {}", request.uri().path()))
}

async fn method_not_allowed(request: Request) -> Response {
    text(
        StatusCode::METHOD_NOT_ALLOWED,
        format!("method {} is not allowed on {}", request.method(), request.uri().path()),
    )
}
