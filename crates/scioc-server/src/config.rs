//! Server settings.

pub use crate::connections::Limits as ConnectionLimits;
use std::{net::SocketAddr, path::PathBuf, time::Duration};

/// How the server speaks TLS.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TlsMode {
    /// Plain HTTP.
    Off,
    /// HTTPS with a certificate chain and key from PEM files.
    Files {
        /// PEM file holding the certificate chain, leaf first.
        cert: PathBuf,
        /// PEM file holding the private key.
        key: PathBuf,
    },
    /// HTTPS with a certificate made and kept in `dir`, signed by a local CA whose
    /// certificate (`ca.pem`) clients trust.
    SelfSigned {
        /// Where the CA and server certificates live.
        dir: PathBuf,
    },
}

/// A per-user request rate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimit {
    /// Sustained requests per second.
    pub per_second: u32,
    /// Requests allowed at once above the sustained rate.
    pub burst: u32,
}

/// Everything the server needs besides its store.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on; port 0 picks a free one.
    pub listen: SocketAddr,
    /// TLS.
    pub tls: TlsMode,
    /// Per-user rate limit; `None` for none.
    pub rate_limit: Option<RateLimit>,
    /// Longest a request may take before it is answered 408.
    pub request_timeout: Duration,
    /// Largest request body accepted on the feed routes; larger ones are answered 413.
    pub max_body_bytes: usize,
    /// Largest upload accepted on the admin routes (OSV reports, archives).
    pub max_upload_bytes: usize,
    /// How long in-flight requests get to finish on shutdown.
    pub shutdown_grace: Duration,
    /// Bounds on connections: how many, and how long each may idle or stall.
    pub connections: ConnectionLimits,
    /// The registry firewall; off unless an upstream is named.
    pub firewall: crate::FirewallConfig,
    /// The OSV API and the lists for install-time guards.
    pub osv: crate::OsvConfig,
    /// Reverse proxies whose `X-Forwarded-For` is believed; none by default.
    pub trusted_proxies: crate::TrustedProxies,
}

impl ServerConfig {
    /// The name this server holds pull leases under: its host and listen address, which stay
    /// the same when it restarts, so that a restarted server releases the pages it was
    /// delivering when it died.
    pub fn node_name(&self) -> String {
        let uname = rustix::system::uname();
        format!("{}/{}", uname.nodename().to_string_lossy(), self.listen)
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            tls: TlsMode::Off,
            rate_limit: None,
            request_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024,
            max_upload_bytes: 64 * 1024 * 1024,
            shutdown_grace: Duration::from_secs(10),
            connections: ConnectionLimits::default(),
            firewall: crate::FirewallConfig::default(),
            osv: crate::OsvConfig::default(),
            trusted_proxies: crate::TrustedProxies::default(),
        }
    }
}
