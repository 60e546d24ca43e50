//! Binding a listener and serving until shutdown.

use crate::{App, ServerConfig, TlsMode, connections, error::ServeError, router::router, tls};
use std::{future::Future, net::SocketAddr, sync::Arc};

/// A server about to bind.
pub struct Server;

/// A server with its listener bound, ready to run.
pub struct BoundServer {
    listener: std::net::TcpListener,
    tls: Option<Arc<rustls::ServerConfig>>,
    app: axum::Router,
    config: ServerConfig,
    self_signed: Option<tls::SelfSigned>,
    state: Arc<App>,
}

impl Server {
    /// Binds `config.listen` and prepares TLS. Fails early with a clear error when the port is
    /// taken or a certificate cannot be read.
    pub fn bind(config: ServerConfig, app: Arc<App>) -> Result<BoundServer, ServeError> {
        let (tls, self_signed) = match &config.tls {
            TlsMode::Off => (None, None),
            TlsMode::Files { cert, key } => (Some(tls::server_config(cert, key)?), None),
            TlsMode::SelfSigned { dir } => {
                let set = tls::SelfSigned::ensure(dir, Some(config.listen.ip()))?;
                (Some(tls::server_config(&set.cert, &set.key)?), Some(set))
            }
        };
        let listener = std::net::TcpListener::bind(config.listen)
            .map_err(|source| ServeError::Bind { addr: config.listen, source })?;
        listener.set_nonblocking(true)?;
        let state = app.clone();
        let app = router(app, &config);
        Ok(BoundServer { listener, tls, app, config, self_signed, state })
    }
}

impl BoundServer {
    /// The address actually bound (the port is real even when 0 was asked for).
    pub fn local_addr(&self) -> SocketAddr {
        self.listener.local_addr().expect("a bound listener has an address")
    }

    /// `https` or `http`.
    pub fn scheme(&self) -> &'static str {
        if self.tls.is_some() { "https" } else { "http" }
    }

    /// The self-signed certificate set in use, if any.
    pub fn self_signed(&self) -> Option<&tls::SelfSigned> {
        self.self_signed.as_ref()
    }

    /// Serves until `shutdown` completes, then stops accepting and gives in-flight requests
    /// the configured grace period to finish.
    pub async fn run(self, shutdown: impl Future<Output = ()> + Send + 'static) -> Result<(), ServeError> {
        // Pages this server was delivering when it last stopped (killed, say) are served again.
        match self.state.store.release_leases_of(&self.state.node).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(cursors = n, "pages left undelivered by the last run will be served again"),
            Err(e) => {
                tracing::warn!(error = %e, "could not release the last run's undelivered pages; they are served again once their leases expire")
            }
        }
        let listener = tokio::net::TcpListener::from_std(self.listener)?;
        let tls = self.tls.map(tokio_rustls::TlsAcceptor::from);
        let shutdown = async move {
            shutdown.await;
            tracing::info!("shutting down: draining in-flight requests");
        };
        connections::serve(listener, tls, self.app, self.config.connections, self.config.shutdown_grace, shutdown)
            .await?;
        // Pages delivered just before the stop are confirmed before the process ends.
        if !self.state.background.drain(self.config.shutdown_grace).await {
            tracing::warn!("stopped before every delivered page was confirmed; those are served again");
        }
        // Refusals recorded just before the stop, and repeats still being folded, are stored.
        if let Some(firewall) = &self.state.firewall {
            firewall.flush(self.config.shutdown_grace).await;
        }
        Ok(())
    }
}
