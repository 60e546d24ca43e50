//! Where a request comes from: the connection's peer, or, behind a proxy declared trusted, the
//! client the proxy names in `X-Forwarded-For`.
//!
//! The header is read only when the peer is one of the trusted proxies, and then from its right
//! end: each proxy appends the address it received the request from, so the nearest address
//! that is not itself a trusted proxy is the client. Anything to the left of it was written by
//! the client and proves nothing. A hop that does not parse ends the walk at the last trusted
//! one. Without trusted proxies the header is ignored, so nobody can claim another's address.

use axum::http::HeaderMap;
use std::{net::IpAddr, str::FromStr};

/// Networks of reverse proxies whose `X-Forwarded-For` is believed (`--trusted-proxy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(Vec<ipnet::IpNet>);

/// A trusted proxy that is neither an address nor a network in CIDR notation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("expected an IP address or a network in CIDR notation (10.0.0.0/8, fd00::/8), got {0:?}")]
pub struct TrustedProxyError(String);

impl FromStr for TrustedProxies {
    type Err = TrustedProxyError;

    /// One address or network; [`TrustedProxies::extend`] joins several.
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        let net = match s.parse::<ipnet::IpNet>() {
            Ok(net) => net.trunc(),
            Err(_) => s.parse::<IpAddr>().map(ipnet::IpNet::from).map_err(|_| TrustedProxyError(s.to_owned()))?,
        };
        Ok(TrustedProxies(vec![net]))
    }
}

impl TrustedProxies {
    /// Adds `other`'s networks.
    pub fn extend(&mut self, other: TrustedProxies) {
        self.0.extend(other.0);
    }

    /// Whether no proxy is trusted.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// The networks, as CIDR text.
    pub fn to_strings(&self) -> Vec<String> {
        self.0.iter().map(ToString::to_string).collect()
    }

    fn contains(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|n| n.contains(&ip))
    }

    /// The client of a request that came from `peer` with `headers`.
    pub(crate) fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        let mut client = canonical(peer);
        if !self.contains(client) {
            return client;
        }
        let values: Vec<&str> = headers.get_all("x-forwarded-for").iter().filter_map(|v| v.to_str().ok()).collect();
        for hop in values.iter().rev().flat_map(|v| v.rsplit(',')) {
            match parse_hop(hop.trim()) {
                Some(ip) if self.contains(ip) => client = ip,
                Some(ip) => return ip,
                None => return client,
            }
        }
        client
    }
}

/// An IPv4-mapped IPv6 address as the IPv4 address it is.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// One hop of `X-Forwarded-For`: an address, perhaps with a port (`1.2.3.4:80`, `[::1]:80`).
fn parse_hop(hop: &str) -> Option<IpAddr> {
    hop.parse::<IpAddr>().ok().or_else(|| hop.parse::<std::net::SocketAddr>().ok().map(|s| s.ip())).map(canonical)
}

/// The client's address, set on every request by the accept loop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ClientAddress(pub(crate) IpAddr);

impl ClientAddress {
    /// The address of `request`'s client; a request built in-process (a test calling the
    /// router directly) counts as loopback.
    pub(crate) fn of<B>(request: &axum::http::Request<B>) -> IpAddr {
        request.extensions().get::<ClientAddress>().map_or(IpAddr::from([127, 0, 0, 1]), |c| c.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn trusted(nets: &[&str]) -> TrustedProxies {
        let mut t = TrustedProxies::default();
        nets.iter().for_each(|n| t.extend(n.parse().unwrap()));
        t
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", v.parse().unwrap());
        }
        h
    }

    #[test]
    fn the_header_is_believed_only_from_a_trusted_proxy_and_from_its_right_end() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let t = trusted(&["10.0.0.0/8", "::1"]);
        // Not from a proxy: the header is the client's own claim.
        assert_eq!(t.client(ip("203.0.113.9"), &xff(&["198.51.100.1"])), ip("203.0.113.9"));
        // From a proxy: the nearest untrusted hop; what the client wrote to its left is ignored.
        assert_eq!(t.client(ip("10.0.0.2"), &xff(&["6.6.6.6, 198.51.100.1"])), ip("198.51.100.1"));
        assert_eq!(t.client(ip("10.0.0.2"), &xff(&["6.6.6.6", "198.51.100.1, 10.0.0.3"])), ip("198.51.100.1"));
        assert_eq!(t.client(ip("::1"), &xff(&["[2001:db8::5]:4711"])), ip("2001:db8::5"));
        assert_eq!(t.client(ip("::ffff:10.0.0.2"), &xff(&["198.51.100.1:80"])), ip("198.51.100.1"));
        // Nothing, or garbage: the last trusted hop.
        assert_eq!(t.client(ip("10.0.0.2"), &HeaderMap::new()), ip("10.0.0.2"));
        assert_eq!(t.client(ip("10.0.0.2"), &xff(&["6.6.6.6, junk, 10.0.0.7"])), ip("10.0.0.7"));
        // No proxies trusted: never read.
        assert_eq!(TrustedProxies::default().client(ip("10.0.0.2"), &xff(&["6.6.6.6"])), ip("10.0.0.2"));
    }

    #[test]
    fn proxies_parse_as_addresses_or_networks() {
        assert_eq!(trusted(&["192.168.1.7"]).to_strings(), ["192.168.1.7/32"]);
        assert_eq!(trusted(&["192.168.1.7/24"]).to_strings(), ["192.168.1.0/24"]);
        assert!("10.0.0.0/33".parse::<TrustedProxies>().is_err());
        let e = "proxy.example".parse::<TrustedProxies>().unwrap_err();
        assert!(e.to_string().contains("CIDR"), "{e}");
    }
}
