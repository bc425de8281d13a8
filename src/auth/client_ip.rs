//! The client address of a request, for login throttling and the audit log.
//!
//! `X-Forwarded-For` is written by whoever sends the request, so it is believed only when the TCP
//! peer is one of the `trusted_proxies`, and then read from the right: each trusted hop is
//! skipped and the first address that is not a trusted proxy is the client. A client cannot
//! choose its own address by sending the header itself, since its value ends up left of that.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;

use ipnet::IpNet;

/// A trusted proxy: one address (`10.0.0.7`) or a network (`10.0.0.0/8`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct ProxyNet(IpNet);

impl ProxyNet {
    fn contains(&self, addr: &IpAddr) -> bool {
        self.0.contains(&canonical(*addr))
    }
}

impl FromStr for ProxyNet {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let s = s.trim();
        s.parse::<IpNet>()
            .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
            .map(ProxyNet)
            .map_err(|_| format!("`{s}` is neither an IP address nor a network like 10.0.0.0/8"))
    }
}

impl TryFrom<String> for ProxyNet {
    type Error = String;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<ProxyNet> for String {
    fn from(p: ProxyNet) -> Self {
        p.to_string()
    }
}

impl fmt::Display for ProxyNet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

/// IPv4 peers of a dual-stack socket arrive as `::ffff:a.b.c.d`; compare them as IPv4.
fn canonical(addr: IpAddr) -> IpAddr {
    match addr {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(addr, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address: the peer, or, behind trusted proxies, the nearest untrusted hop of
/// `forwarded_for` (every `X-Forwarded-For` header value, in order).
pub fn client_ip(peer: Option<IpAddr>, forwarded_for: &[&str], trusted: &[ProxyNet]) -> IpAddr {
    let peer = canonical(peer.unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)));
    let is_trusted = |a: &IpAddr| trusted.iter().any(|t| t.contains(a));
    if !is_trusted(&peer) {
        return peer;
    }
    let hops: Vec<&str> = forwarded_for.iter().flat_map(|v| v.split(',')).map(str::trim).collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop we cannot read ends what we can vouch for; the last good one stands.
        let Ok(addr) = hop.parse::<IpAddr>().map(canonical) else { break };
        client = addr;
        if !is_trusted(&addr) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nets(list: &[&str]) -> Vec<ProxyNet> {
        list.iter().map(|s| s.parse().unwrap()).collect()
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn the_header_is_ignored_from_an_untrusted_peer() {
        let trusted = nets(&["10.0.0.1"]);
        assert_eq!(client_ip(Some(ip("203.0.113.9")), &["1.2.3.4"], &trusted), ip("203.0.113.9"));
        assert_eq!(client_ip(Some(ip("203.0.113.9")), &["1.2.3.4"], &[]), ip("203.0.113.9"));
    }

    #[test]
    fn behind_trusted_proxies_the_nearest_untrusted_hop_is_the_client() {
        let trusted = nets(&["10.0.0.0/8"]);
        let peer = Some(ip("10.0.0.1"));
        assert_eq!(client_ip(peer, &["198.51.100.7"], &trusted), ip("198.51.100.7"));
        // The client forged a first entry; the proxy appended the real address after it.
        assert_eq!(
            client_ip(peer, &["1.1.1.1, 198.51.100.7, 10.0.0.2"], &trusted),
            ip("198.51.100.7")
        );
        assert_eq!(client_ip(peer, &["1.1.1.1", "198.51.100.7"], &trusted), ip("198.51.100.7"));
        assert_eq!(client_ip(peer, &["garbage, 10.0.0.3"], &trusted), ip("10.0.0.3"));
        assert_eq!(client_ip(peer, &[], &trusted), ip("10.0.0.1"));
    }

    #[test]
    fn mapped_ipv4_peers_match_ipv4_networks() {
        let trusted = nets(&["127.0.0.1"]);
        assert_eq!(
            client_ip(Some(ip("::ffff:127.0.0.1")), &["192.0.2.1"], &trusted),
            ip("192.0.2.1")
        );
        assert!("not-an-ip".parse::<ProxyNet>().is_err());
        assert_eq!(nets(&["10.0.0.7"])[0].to_string(), "10.0.0.7/32");
    }
}
