//! The scioc feed server: the ReversingLabs TCF-0701 supply-chain IoC feed API.
//!
//! Start with [`router`] for the list of routes and the `handlers` module for what each does.
//! [`Server::bind`] binds a listener (plain HTTP or HTTPS with rustls) and
//! [`BoundServer::run`] serves until the shutdown future completes, then drains.
//!
//! **Architecture invariant:** the server holds no feed state of its own; every answer comes
//! from the [`scioc_store::Store`], so any number of servers can share one store.
//! **Architecture invariant:** a page is the stored fragments spliced into an envelope;
//! the server never serializes an entry.
#![deny(missing_docs)]

mod auth;
mod client_address;
mod config;
mod connections;
mod console;
mod delivery;
mod error;
mod firewall;
mod handlers;
mod limits;
mod metrics;
mod osv;
mod page;
pub mod password;
mod rate_limit;
pub mod router;
mod server;
mod throttle;
mod tls;
mod verdicts;
mod write_health;

pub use client_address::{TrustedProxies, TrustedProxyError};
pub use config::{ConnectionLimits, RateLimit, ServerConfig, TlsMode};
pub use error::ServeError;
pub use firewall::{FirewallConfig, FirewallError, NPM_PATH, PYPI_PATH, without_credentials};
pub use osv::OsvConfig;
pub use server::{BoundServer, Server};
pub use tls::SelfSigned;

use std::sync::Arc;

/// Shared state of every request.
pub struct App {
    /// The feed's storage.
    pub store: Arc<dyn scioc_store::Store>,
    /// Checks credentials, with a cache of recent successes.
    pub(crate) auth: auth::Authenticator,
    /// Per-user request limiter, when configured.
    pub(crate) rate_limit: Option<rate_limit::UserRateLimiter>,
    /// The knowledge document last served to mirrors.
    pub(crate) knowledge: tokio::sync::Mutex<Option<handlers::knowledge::Cached>>,
    /// This server's name as the holder of pull leases: the same across its restarts.
    pub(crate) node: String,
    /// How long a pulled page may take to be delivered before it counts as lost.
    pub(crate) lease_ttl: std::time::Duration,
    /// How long a request may take; work a request does in the background stops at it too.
    pub(crate) request_timeout: std::time::Duration,
    /// Store writes that outlive their request (settling a pulled page), awaited on shutdown.
    pub(crate) background: delivery::Background,
    /// Whether writes work, for `/health`.
    pub(crate) writes: write_health::WriteHealth,
    /// The registry firewall, when an upstream is configured.
    pub(crate) firewall: Option<firewall::Firewall>,
    /// The OSV API, the OSV bucket layout and the guard lists.
    pub(crate) osv: osv::OsvService,
    /// Reverse proxies whose `X-Forwarded-For` names the client.
    pub(crate) trusted_proxies: TrustedProxies,
}

impl App {
    /// Builds the state for `store` under `config`.
    pub fn new(store: Arc<dyn scioc_store::Store>, config: &ServerConfig) -> Arc<Self> {
        Arc::new(Self::build(store, config, None))
    }

    /// Builds the state for `store` under `config`, with the registry firewall when
    /// `config.firewall` names an upstream: its verdict engine is loaded from the store first.
    pub async fn start(store: Arc<dyn scioc_store::Store>, config: &ServerConfig) -> Result<Arc<Self>, FirewallError> {
        let firewall = match config.firewall.enabled() {
            true => Some(
                firewall::Firewall::start(store.clone(), config.firewall.clone(), config.tls != TlsMode::Off).await?,
            ),
            false => None,
        };
        Ok(Arc::new(Self::build(store, config, firewall)))
    }

    fn build(store: Arc<dyn scioc_store::Store>, config: &ServerConfig, firewall: Option<firewall::Firewall>) -> Self {
        App {
            osv: osv::OsvService::new(config.osv.clone(), firewall.as_ref().map(firewall::Firewall::verdicts)),
            firewall,
            auth: auth::Authenticator::new(store.clone()),
            rate_limit: config.rate_limit.map(rate_limit::UserRateLimiter::new),
            knowledge: tokio::sync::Mutex::new(None),
            node: config.node_name(),
            lease_ttl: config.request_timeout + config.connections.stall_timeout,
            request_timeout: config.request_timeout,
            background: delivery::Background::default(),
            writes: write_health::WriteHealth::default(),
            trusted_proxies: config.trusted_proxies.clone(),
            store,
        }
    }
}
