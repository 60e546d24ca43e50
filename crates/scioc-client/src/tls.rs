//! Trust: the platform's roots, a CA bundle, or one pinned certificate.

use crate::Error;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

/// Whom the client trusts.
#[derive(Debug, Clone, Default)]
pub(crate) enum Trust {
    /// The operating system's root certificates.
    #[default]
    Platform,
    /// Only the CA certificates of a PEM bundle.
    Bundle(Vec<CertificateDer<'static>>),
    /// Only a server certificate whose SHA-256 (of its DER encoding) is this.
    Pinned([u8; 32]),
}

/// The certificates of a PEM bundle.
pub(crate) fn pem_certs(pem: &[u8]) -> Result<Vec<CertificateDer<'static>>, Error> {
    let certs: Vec<_> = rustls_pemfile::certs(&mut &pem[..])
        .collect::<Result<_, _>>()
        .map_err(|e| Error::Config(format!("CA bundle: {e}")))?;
    if certs.is_empty() {
        return Err(Error::Config("CA bundle: no PEM certificate in it".into()));
    }
    Ok(certs)
}

/// A rustls client configuration for `trust`, on the ring provider.
pub(crate) fn config(trust: &Trust) -> Result<rustls::ClientConfig, Error> {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let builder = rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .map_err(|e| Error::Config(e.to_string()))?;
    let roots = |certs: Vec<CertificateDer<'static>>| {
        let mut store = rustls::RootCertStore::empty();
        store.add_parsable_certificates(certs);
        store
    };
    Ok(match trust {
        Trust::Platform => {
            let native = rustls_native_certs::load_native_certs();
            builder.with_root_certificates(roots(native.certs)).with_no_client_auth()
        }
        Trust::Bundle(certs) => builder.with_root_certificates(roots(certs.clone())).with_no_client_auth(),
        Trust::Pinned(pin) => builder
            .dangerous()
            .with_custom_certificate_verifier(Arc::new(Pinned { pin: *pin, provider }))
            .with_no_client_auth(),
    })
}

/// Accepts exactly one certificate, by its SHA-256, and checks the handshake signatures with it.
#[derive(Debug)]
struct Pinned {
    pin: [u8; 32],
    provider: Arc<CryptoProvider>,
}

impl ServerCertVerifier for Pinned {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        use sha2::{Digest, Sha256};
        if Sha256::digest(end_entity.as_ref()).as_slice() == self.pin {
            Ok(ServerCertVerified::assertion())
        } else {
            Err(rustls::Error::General("the server certificate does not match the pinned SHA-256".into()))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.provider.signature_verification_algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.provider.signature_verification_algorithms.supported_schemes()
    }
}

/// A pin given as 64 hex digits (colons allowed, as `openssl x509 -fingerprint -sha256` prints).
pub(crate) fn parse_pin(s: &str) -> Result<[u8; 32], Error> {
    let hex: String = s.chars().filter(|c| *c != ':').collect();
    let bad = || Error::Config(format!("pin: expected the SHA-256 of a certificate as 64 hex digits, got {s:?}"));
    if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(bad());
    }
    let mut out = [0u8; 32];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&hex[i * 2..i * 2 + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}
