//! TLS with rustls: certificates from PEM files, or a self-signed set kept in the data directory.
//!
//! The self-signed set is a local CA (`ca.pem`) and a server certificate it signed
//! (`server.pem`, `server.key`). Clients trust `ca.pem`; both OpenSSL-based clients (Python's
//! `requests`) and webpki-based ones accept a CA-issued leaf, where some refuse a bare
//! self-signed leaf.

use crate::error::ServeError;
use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, pem::PemObject};
use std::{
    fs,
    io::Write,
    net::IpAddr,
    path::{Path, PathBuf},
    sync::Arc,
};

/// Paths of a self-signed certificate set.
#[derive(Debug, Clone)]
pub struct SelfSigned {
    /// The CA certificate clients should trust.
    pub ca: PathBuf,
    /// The server certificate chain.
    pub cert: PathBuf,
    /// The server key.
    pub key: PathBuf,
}

impl SelfSigned {
    /// The set's paths inside `dir`.
    pub fn in_dir(dir: &Path) -> Self {
        SelfSigned { ca: dir.join("ca.pem"), cert: dir.join("server.pem"), key: dir.join("server.key") }
    }

    /// Makes the set in `dir` unless it exists, naming `extra_host` (the listen address) among
    /// the server's names beside `localhost`, `127.0.0.1` and `::1`.
    pub fn ensure(dir: &Path, extra_host: Option<IpAddr>) -> Result<Self, ServeError> {
        let set = SelfSigned::in_dir(dir);
        if set.ca.exists() && set.cert.exists() && set.key.exists() {
            return Ok(set);
        }
        let err = |e: rcgen::Error| ServeError::Tls(format!("making a self-signed certificate: {e}"));
        let mut ca_params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        ca_params.distinguished_name.push(DnType::CommonName, "scioc local CA");
        ca_params.is_ca = IsCa::Ca(BasicConstraints::Constrained(0));
        ca_params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
        let ca_key = KeyPair::generate().map_err(err)?;
        let ca_cert = ca_params.self_signed(&ca_key).map_err(err)?;
        let issuer = Issuer::new(ca_params, ca_key);

        let mut names = vec!["localhost".to_owned(), "127.0.0.1".to_owned(), "::1".to_owned()];
        if let Some(ip) = extra_host.filter(|ip| !ip.is_unspecified()) {
            names.push(ip.to_string());
        }
        names.dedup();
        let mut params = CertificateParams::new(Vec::<String>::new()).map_err(err)?;
        params.distinguished_name.push(DnType::CommonName, "scioc feed server");
        params.subject_alt_names = names
            .iter()
            .map(|n| match n.parse::<IpAddr>() {
                Ok(ip) => Ok(SanType::IpAddress(ip)),
                Err(_) => n.clone().try_into().map(SanType::DnsName),
            })
            .collect::<Result<_, _>>()
            .map_err(err)?;
        let key = KeyPair::generate().map_err(err)?;
        let cert = params.signed_by(&key, &issuer).map_err(err)?;

        fs::create_dir_all(dir).map_err(|e| ServeError::Tls(format!("creating {}: {e}", dir.display())))?;
        write_file(&set.key, key.serialize_pem().as_bytes(), true)?;
        write_file(&set.cert, format!("{}{}", cert.pem(), ca_cert.pem()).as_bytes(), false)?;
        write_file(&set.ca, ca_cert.pem().as_bytes(), false)?;
        Ok(set)
    }
}

/// Writes a file atomically (temporary file, then rename), private when `secret`.
fn write_file(path: &Path, bytes: &[u8], secret: bool) -> Result<(), ServeError> {
    let err = |e: std::io::Error| ServeError::Tls(format!("writing {}: {e}", path.display()));
    let tmp = path.with_extension("tmp");
    let mut options = fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    }
    let mut f = options.open(&tmp).map_err(err)?;
    f.write_all(bytes).map_err(err)?;
    f.sync_all().map_err(err)?;
    fs::rename(&tmp, path).map_err(err)
}

/// A rustls server configuration from PEM files, offering HTTP/2 and HTTP/1.1.
pub(crate) fn server_config(cert: &Path, key: &Path) -> Result<Arc<rustls::ServerConfig>, ServeError> {
    let certs: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(cert)
        .map_err(|e| ServeError::Tls(format!("--tls-cert {}: {e}", cert.display())))?
        .collect::<Result<_, _>>()
        .map_err(|e| ServeError::Tls(format!("--tls-cert {}: {e}", cert.display())))?;
    if certs.is_empty() {
        return Err(ServeError::Tls(format!("--tls-cert {}: no CERTIFICATE block found", cert.display())));
    }
    let key =
        PrivateKeyDer::from_pem_file(key).map_err(|e| ServeError::Tls(format!("--tls-key {}: {e}", key.display())))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let mut config = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| ServeError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .map_err(|e| ServeError::Tls(format!("certificate and key do not fit together: {e}")))?;
    config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}
