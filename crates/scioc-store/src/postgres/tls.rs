//! TLS to the database, when the URL asks for it with `sslmode=require`.
//!
//! scioc then verifies the server's certificate and name, against the platform's roots or the
//! CA file given (`PgOptions::ca_file`), as libpq's `sslmode=verify-full` would; there is no
//! "encrypt but trust anyone" mode. Any other `sslmode` connects without TLS.

use std::{path::Path, sync::Arc};
use tokio_postgres::config::SslMode;
use tokio_postgres_rustls::MakeRustlsConnect;

/// The connector for `config`, which is changed to connect in plain text unless it requires
/// TLS (so that `prefer`, the default, never half-trusts a certificate).
pub(super) fn connector(
    config: &mut tokio_postgres::Config,
    ca_file: Option<&Path>,
) -> Result<MakeRustlsConnect, String> {
    let schema = |m: String| format!("database TLS: {m}");
    if config.get_ssl_mode() != SslMode::Require {
        config.ssl_mode(SslMode::Disable);
    }
    let mut roots = rustls::RootCertStore::empty();
    match ca_file {
        Some(path) => {
            let pem =
                std::fs::read(path).map_err(|e| schema(format!("reading the CA file {}: {e}", path.display())))?;
            let certs = rustls_pemfile::certs(&mut &pem[..])
                .collect::<Result<Vec<_>, _>>()
                .map_err(|e| schema(format!("{}: {e}", path.display())))?;
            if certs.is_empty() {
                return Err(schema(format!("{}: no PEM certificate in it", path.display())));
            }
            roots.add_parsable_certificates(certs);
        }
        None => {
            roots.add_parsable_certificates(rustls_native_certs::load_native_certs().certs);
        }
    }
    let tls = rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .map_err(|e| schema(e.to_string()))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok(MakeRustlsConnect::new(tls))
}
