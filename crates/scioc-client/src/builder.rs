//! Building a [`Client`].

use crate::tls::{self, Trust};
use crate::{Client, Error, Format, Retry};
use std::time::Duration;

/// Settings for a [`Client`]; see [`Client::builder`].
///
/// ```no_run
/// # fn f() -> Result<(), scioc_client::Error> {
/// use scioc_client::{Client, Format, Retry};
/// use std::time::Duration;
/// let client = Client::builder("https://feed.internal:8443")?
///     .credentials("siem", "from-a-secret-store")
///     // Trust exactly this server certificate (its SHA-256, as `openssl x509 -fingerprint` prints it).
///     .pin_sha256("3F:1A:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00:00")?
///     .format(Format::Xml)
///     .retry(Retry { attempts: 5, base: Duration::from_millis(500), max: Duration::from_secs(60) })
///     .timeout(Duration::from_secs(30))
///     .build()?;
/// # let _ = client;
/// # Ok(())
/// # }
/// ```
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    base: url::Url,
    user: String,
    password: String,
    trust: Trust,
    format: Format,
    retry: Retry,
    timeout: Duration,
    allow_http: bool,
}

impl ClientBuilder {
    pub(crate) fn new(base: &str) -> Result<ClientBuilder, Error> {
        let mut base = url::Url::parse(base).map_err(|e| Error::Config(format!("server URL {base:?}: {e}")))?;
        if !matches!(base.scheme(), "https" | "http") {
            return Err(Error::Config(format!("server URL {base}: expected https://")));
        }
        if !base.path().ends_with('/') {
            base.set_path(&format!("{}/", base.path()));
        }
        Ok(ClientBuilder {
            base,
            user: String::new(),
            password: String::new(),
            trust: Trust::Platform,
            format: Format::Json,
            retry: Retry::default(),
            timeout: Duration::from_secs(60),
            allow_http: false,
        })
    }

    /// The Basic-auth user name and password sent with every request.
    pub fn credentials(mut self, user: &str, password: &str) -> Self {
        self.user = user.to_owned();
        self.password = password.to_owned();
        self
    }

    /// Trusts only the CA certificates of this PEM bundle (instead of the platform's roots).
    pub fn ca_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.trust = Trust::Bundle(tls::pem_certs(pem)?);
        Ok(self)
    }

    /// Trusts only the server certificate whose SHA-256 is `sha256` (64 hex digits, colons
    /// allowed), whoever issued it.
    pub fn pin_sha256(mut self, sha256: &str) -> Result<Self, Error> {
        self.trust = Trust::Pinned(tls::parse_pin(sha256)?);
        Ok(self)
    }

    /// JSON (the default) or XML on the wire; events come out the same.
    pub fn format(mut self, format: Format) -> Self {
        self.format = format;
        self
    }

    /// How failed requests are retried.
    pub fn retry(mut self, retry: Retry) -> Self {
        self.retry = retry;
        self
    }

    /// The time one request may take, connection included.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Allows `http://` servers. Credentials then cross the network in clear; for tests and
    /// loopback only.
    pub fn allow_http(mut self, yes: bool) -> Self {
        self.allow_http = yes;
        self
    }

    /// The client.
    pub fn build(self) -> Result<Client, Error> {
        if self.base.scheme() == "http" && !self.allow_http {
            return Err(Error::Config(format!(
                "server URL {}: plain http would send the password in clear; use https://",
                self.base
            )));
        }
        let http = reqwest::Client::builder()
            .use_preconfigured_tls(tls::config(&self.trust)?)
            .timeout(self.timeout)
            .connect_timeout(self.timeout.min(Duration::from_secs(15)))
            .user_agent(concat!("scioc-client/", env!("CARGO_PKG_VERSION")))
            .gzip(true)
            .build()
            .map_err(|e| Error::Config(e.to_string()))?;
        let retry = Retry { attempts: self.retry.attempts.max(1), ..self.retry };
        Ok(Client { http, base: self.base, user: self.user, password: self.password, format: self.format, retry })
    }
}
