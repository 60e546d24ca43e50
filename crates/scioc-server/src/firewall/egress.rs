//! Where the firewall may connect: only to the origins its configuration names, and only to
//! public addresses unless a network is allowed explicitly.
//!
//! | a URL (from metadata, or a redirect) | fetched when |
//! |---|---|
//! | on an upstream's origin (scheme, host, port) | always; that upstream's credentials go with it |
//! | on a configured download origin (`--download-origin`, PyPI's files host) | always; no credentials |
//! | on any other origin | never: it is refused, whatever a page or a redirect says |
//!
//! Whatever the origin, every address it resolves to (or the literal address it names) must be
//! public: loopback, private, link-local, unique-local, shared (CGNAT), unspecified, multicast
//! and documentation ranges are refused unless a configured network (`--upstream-network`)
//! holds them. Resolution is checked when connecting (a resolver of our own), so a name that
//! resolves to an internal address later is refused then too.

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

/// An origin: scheme, host and port, as URLs compare them.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Origin {
    scheme: String,
    host: String,
    port: Option<u16>,
}

impl Origin {
    fn of(url: &url::Url) -> Option<Origin> {
        Some(Origin {
            scheme: url.scheme().to_owned(),
            host: url.host_str()?.to_ascii_lowercase(),
            port: url.port_or_known_default(),
        })
    }
}

/// Basic credentials: a user and perhaps a password.
pub(crate) type Credentials = (String, Option<String>);

/// The firewall's egress policy.
#[derive(Debug, Clone, Default)]
pub(crate) struct Egress {
    /// Upstream origins, with the credentials their URLs carry.
    upstreams: Vec<(Origin, Option<Credentials>)>,
    /// Download origins: archives only, never credentials.
    downloads: Vec<Origin>,
    /// Networks that may be reached although they are not public.
    networks: Vec<ipnet::IpNet>,
}

/// Why a URL is not fetched.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub(crate) struct Refused(pub(crate) String);

impl Egress {
    /// The policy for `upstreams` (with their credentials), `downloads` and `networks`.
    pub(crate) fn new(upstreams: &[url::Url], downloads: &[url::Url], networks: &[ipnet::IpNet]) -> Egress {
        let credentials = |u: &url::Url| {
            (!u.username().is_empty() || u.password().is_some())
                .then(|| (decode(u.username()), u.password().map(decode)))
        };
        Egress {
            upstreams: upstreams.iter().filter_map(|u| Some((Origin::of(u)?, credentials(u)))).collect(),
            downloads: downloads.iter().filter_map(Origin::of).collect(),
            networks: networks.to_vec(),
        }
    }

    /// Whether `url` may be fetched, and the credentials to send with it.
    pub(crate) fn admit(&self, url: &url::Url) -> Result<Option<Credentials>, Refused> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(Refused(format!("{} is not an http(s) URL", super::without_credentials(url))));
        }
        let origin = Origin::of(url).ok_or_else(|| Refused("a URL without a host".into()))?;
        if let Some(url::Host::Ipv4(ip)) = url.host() {
            self.address(IpAddr::V4(ip))?;
        }
        if let Some(url::Host::Ipv6(ip)) = url.host() {
            self.address(IpAddr::V6(ip))?;
        }
        if let Some((_, credentials)) = self.upstreams.iter().find(|(o, _)| *o == origin) {
            return Ok(credentials.clone());
        }
        if self.downloads.contains(&origin) {
            return Ok(None);
        }
        Err(Refused(format!(
            "{} is on none of the configured upstreams or download origins (--download-origin)",
            super::without_credentials(url)
        )))
    }

    /// Whether the firewall may connect to `ip`.
    pub(crate) fn address(&self, ip: IpAddr) -> Result<(), Refused> {
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        if is_public(ip) || self.networks.iter().any(|n| n.contains(&ip)) {
            Ok(())
        } else {
            Err(Refused(format!(
                "{ip} is not a public address (loopback, private, link-local or reserved); allow its network with --upstream-network"
            )))
        }
    }

    /// The resolver that keeps connections to admitted addresses.
    pub(crate) fn resolver(self: &Arc<Self>) -> Arc<dyn Resolve> {
        Arc::new(Resolver(self.clone()))
    }

    /// The redirect policy: a redirect is followed only to a URL [`Egress::admit`] admits.
    pub(crate) fn redirects(self: &Arc<Self>) -> reqwest::redirect::Policy {
        let egress = self.clone();
        reqwest::redirect::Policy::custom(move |attempt| {
            if attempt.previous().len() >= 5 {
                return attempt.error("more than 5 redirects");
            }
            match egress.admit(attempt.url()) {
                Ok(_) => attempt.follow(),
                Err(e) => attempt.error(format!("a redirect was refused: {e}")),
            }
        })
    }
}

fn decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned()
}

/// Whether an address is outside the networks a request forgery aims at: loopback,
/// private (RFC 1918, unique-local), link-local, shared (RFC 6598), unspecified,
/// broadcast, multicast and reserved. Documentation and benchmarking ranges are not
/// refused: they are never routed to an internal service, and sandboxes put proxies there.
fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let o = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || o[0] == 0
                || (o[0] == 100 && (64..128).contains(&o[1]))
                || (o[0] == 192 && o[1] == 0 && o[2] == 0)
                || o[0] >= 240)
        }
        IpAddr::V6(v6) => {
            let s = v6.segments();
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (s[0] & 0xfe00) == 0xfc00
                || (s[0] & 0xffc0) == 0xfe80
                || (s[0] == 0x64 && s[1] == 0xff9b))
        }
    }
}

/// Resolves with the system's resolver, then keeps only addresses [`Egress::address`] admits.
struct Resolver(Arc<Egress>);

impl Resolve for Resolver {
    fn resolve(&self, name: Name) -> Resolving {
        let egress = self.0.clone();
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            let mut refused = None;
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| match egress.address(a.ip()) {
                    Ok(()) => true,
                    Err(e) => {
                        refused = Some(e);
                        false
                    }
                })
                .collect();
            if kept.is_empty() {
                let why = refused.map_or_else(|| format!("{host} resolves to no address"), |e| format!("{host}: {e}"));
                return Err(why.into());
            }
            Ok(Box::new(kept.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> url::Url {
        s.parse().unwrap()
    }

    #[test]
    fn only_configured_origins_and_public_addresses_are_fetched() {
        let egress = Egress::new(
            &[url("https://user:p%40ss@registry.example/npm/"), url("https://index.example/simple/")],
            &[url("https://files.example/")],
            &[],
        );
        assert_eq!(
            egress.admit(&url("https://registry.example/npm/x/-/x-1.0.0.tgz")).unwrap(),
            Some(("user".to_owned(), Some("p@ss".to_owned()))),
            "an upstream's own archives get its credentials"
        );
        assert_eq!(
            egress.admit(&url("https://files.example/packages/x.whl")).unwrap(),
            None,
            "a download origin, no credentials"
        );
        for refused in [
            "https://evil.example/x.tgz",
            "http://registry.example/npm/x",
            "https://registry.example:8443/npm/x",
            "https://127.0.0.1:8080/health",
            "http://169.254.169.254/latest/meta-data/",
            "http://[::1]/",
            "file:///etc/passwd",
        ] {
            assert!(egress.admit(&url(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn internal_addresses_need_a_configured_network() {
        let egress = Egress::new(&[url("http://127.0.0.1:4873/")], &[], &[]);
        assert!(egress.admit(&url("http://127.0.0.1:4873/x")).is_err(), "loopback, even as the upstream");
        let allowed = Egress::new(&[url("http://127.0.0.1:4873/")], &[], &["127.0.0.0/8".parse().unwrap()]);
        assert!(allowed.admit(&url("http://127.0.0.1:4873/x")).is_ok());
        assert!(allowed.admit(&url("http://127.0.0.2:4873/x")).is_err(), "another host on the allowed network");
        for private in [
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "169.254.169.254",
            "fd00::1",
            "fe80::1",
            "::ffff:10.0.0.1",
        ] {
            assert!(egress.address(private.parse().unwrap()).is_err(), "{private}");
        }
        for public in ["93.184.216.34", "2606:2800:220:1::1", "8.8.8.8"] {
            assert!(egress.address(public.parse().unwrap()).is_ok(), "{public}");
        }
    }
}
