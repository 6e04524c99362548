//! Which addresses webhooks may go to: public ones only, unless the configuration allows
//! private ones. A webhook must not become a way to reach the shop's own network, nor, by
//! an IPv6 form that carries an IPv4 address inside, a way around that rule.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, ToSocketAddrs};

use crate::error::{Error, Result};

/// Which addresses deliveries may go to. Addresses outside the public internet are refused
/// unless the configuration allows them.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AddressPolicy {
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Why `ip` may not be used, if it may not.
    pub fn refuses(&self, ip: IpAddr) -> Option<String> {
        if self.allow_private {
            return None;
        }
        special_range(ip).map(|range| {
            format!(
                "{ip} is not a public address ({range}); webhooks go to the public internet (allow private addresses with INTAKE_WEBHOOK_ALLOW_PRIVATE=1)"
            )
        })
    }
}

/// Whether `ip` is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    special_range(ip).is_none()
}

/// The special-purpose range `ip` falls in, if any (IANA's IPv4 and IPv6 special-purpose
/// registries); IPv6 forms that embed an IPv4 address are judged by that address.
pub fn special_range(ip: IpAddr) -> Option<&'static str> {
    match ip {
        IpAddr::V4(v4) => special_v4(v4),
        IpAddr::V6(v6) => special_v6(v6),
    }
}

fn special_v4(v4: Ipv4Addr) -> Option<&'static str> {
    let [a, b, c, _] = v4.octets();
    Some(match () {
        _ if a == 0 => "0.0.0.0/8, this network",
        _ if a == 10 => "10.0.0.0/8, private",
        _ if a == 100 && (64..128).contains(&b) => "100.64.0.0/10, shared address space (CGNAT)",
        _ if a == 127 => "127.0.0.0/8, loopback",
        _ if a == 169 && b == 254 => "169.254.0.0/16, link-local",
        _ if a == 172 && (16..32).contains(&b) => "172.16.0.0/12, private",
        _ if a == 192 && b == 0 && c == 0 => "192.0.0.0/24, IETF protocol assignments",
        _ if a == 192 && b == 0 && c == 2 => "192.0.2.0/24, documentation",
        _ if a == 192 && b == 88 && c == 99 => "192.88.99.0/24, 6to4 relay anycast",
        _ if a == 192 && b == 168 => "192.168.0.0/16, private",
        _ if a == 198 && (b == 18 || b == 19) => "198.18.0.0/15, benchmarking",
        _ if a == 198 && b == 51 && c == 100 => "198.51.100.0/24, documentation",
        _ if a == 203 && b == 0 && c == 113 => "203.0.113.0/24, documentation",
        _ if (224..240).contains(&a) => "224.0.0.0/4, multicast",
        _ if v4.is_broadcast() => "255.255.255.255, broadcast",
        _ if a >= 240 => "240.0.0.0/4, reserved",
        _ => return None,
    })
}

fn special_v6(v6: Ipv6Addr) -> Option<&'static str> {
    let s = v6.segments();
    let embedded = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    // Forms that carry an IPv4 address: judged by it (a private one is refused).
    if s[..5] == [0; 5] && s[5] == 0xffff {
        return special_v4(embedded(s[6], s[7]))
            .map(|_| "an IPv4-mapped address of a non-public IPv4 address");
    }
    if v6.is_unspecified() {
        return Some("::, unspecified");
    }
    if v6.is_loopback() {
        return Some("::1, loopback");
    }
    if s[..6] == [0; 6] {
        return Some("::/96, IPv4-compatible (deprecated)");
    }
    if s[..4] == [0, 0, 0, 0] && s[4] == 0xffff && s[5] == 0 {
        return Some("::ffff:0:0:0/96, IPv4-translated");
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2..6] == [0; 4] {
        return Some("64:ff9b::/96, NAT64 (reaches IPv4 addresses through a translator)");
    }
    if s[0] == 0x0064 && s[1] == 0xff9b && s[2] == 0x0001 {
        return Some("64:ff9b:1::/48, local-use NAT64");
    }
    if s[0] == 0x0100 && s[1..4] == [0; 3] {
        return Some("100::/64, discard-only");
    }
    if s[0] == 0x2001 && s[1] == 0 {
        return Some("2001::/32, Teredo (carries an IPv4 address)");
    }
    if s[0] == 0x2001 && s[1] < 0x0200 {
        return Some("2001::/23, IETF protocol assignments");
    }
    if s[0] == 0x2001 && s[1] == 0x0db8 {
        return Some("2001:db8::/32, documentation");
    }
    if s[0] == 0x3fff && s[1] < 0x1000 {
        return Some("3fff::/20, documentation");
    }
    if s[0] == 0x2002 {
        return special_v4(embedded(s[1], s[2]))
            .map(|_| "2002::/16, 6to4 of a non-public IPv4 address");
    }
    if s[0] & 0xfe00 == 0xfc00 {
        return Some("fc00::/7, unique local");
    }
    if s[0] & 0xffc0 == 0xfe80 {
        return Some("fe80::/10, link-local");
    }
    if s[0] & 0xffc0 == 0xfec0 {
        return Some("fec0::/10, site-local (deprecated)");
    }
    if s[0] & 0xff00 == 0xff00 {
        return Some("ff00::/8, multicast");
    }
    None
}

/// Checks an endpoint URL: http or https, a host, and (resolving it now) no address the
/// policy refuses. Deliveries check the addresses again, since names can move.
pub fn check_url(raw: &str, policy: AddressPolicy) -> Result<url::Url> {
    let url = url::Url::parse(raw).map_err(|e| Error::Invalid(format!("URL {raw:?}: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(Error::Invalid(format!(
            "URL {raw:?}: webhooks go to http or https URLs, not {}",
            url.scheme()
        )));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::Invalid(format!(
            "URL {raw:?}: put no user name or password in the URL"
        )));
    }
    let host = url
        .host()
        .ok_or_else(|| Error::Invalid(format!("URL {raw:?} names no host")))?;
    let port = url.port_or_known_default().unwrap_or(443);
    let addrs: Vec<IpAddr> = match host {
        url::Host::Ipv4(ip) => vec![IpAddr::V4(ip)],
        url::Host::Ipv6(ip) => vec![IpAddr::V6(ip)],
        url::Host::Domain(name) => (name, port)
            .to_socket_addrs()
            .map_err(|e| Error::Invalid(format!("URL {raw:?}: cannot resolve {name}: {e}")))?
            .map(|a| a.ip())
            .collect(),
    };
    for ip in addrs {
        if let Some(why) = policy.refuses(ip) {
            return Err(Error::Invalid(format!("URL {raw:?}: {why}")));
        }
    }
    Ok(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_special_range_is_refused() {
        let strict = AddressPolicy::default();
        let refused = [
            // IPv4
            ("0.1.2.3", "0.0.0.0/8"),
            ("0.0.0.0", "0.0.0.0/8"),
            ("10.1.2.3", "private"),
            ("100.64.0.1", "CGNAT"),
            ("100.127.255.254", "CGNAT"),
            ("127.0.0.1", "loopback"),
            ("127.255.0.9", "loopback"),
            ("169.254.169.254", "link-local"),
            ("172.16.0.1", "private"),
            ("172.31.255.255", "private"),
            ("192.0.0.8", "IETF"),
            ("192.0.2.10", "documentation"),
            ("192.88.99.1", "6to4 relay"),
            ("192.168.1.20", "private"),
            ("198.18.0.1", "benchmarking"),
            ("198.19.255.1", "benchmarking"),
            ("198.51.100.7", "documentation"),
            ("203.0.113.9", "documentation"),
            ("224.0.0.251", "multicast"),
            ("239.255.255.250", "multicast"),
            ("240.0.0.1", "reserved"),
            ("255.255.255.255", "broadcast"),
            // IPv6
            ("::", "unspecified"),
            ("::1", "loopback"),
            ("::ffff:127.0.0.1", "IPv4-mapped"),
            ("::ffff:10.0.0.1", "IPv4-mapped"),
            ("::ffff:169.254.169.254", "IPv4-mapped"),
            ("::10.0.0.1", "IPv4-compatible"),
            ("::8.8.8.8", "IPv4-compatible"),
            ("::ffff:0:10.0.0.1", "IPv4-translated"),
            ("64:ff9b::10.0.0.1", "NAT64"),
            ("64:ff9b::8.8.8.8", "NAT64"),
            ("64:ff9b:1::a00:1", "local-use NAT64"),
            ("100::1", "discard-only"),
            ("2001::1", "Teredo"),
            ("2001:2::1", "IETF"),
            ("2001:db8::1", "documentation"),
            ("3fff::1", "documentation"),
            ("2002:0a00:0001::1", "6to4"),
            ("2002:7f00:0001::1", "6to4"),
            ("2002:c0a8:0101::1", "6to4"),
            ("fc00::1", "unique local"),
            ("fd12:3456::1", "unique local"),
            ("fe80::1", "link-local"),
            ("febf::1", "link-local"),
            ("fec0::1", "site-local"),
            ("feff::1", "site-local"),
            ("ff02::1", "multicast"),
            ("ff0e::1", "multicast"),
        ];
        for (ip, range) in refused {
            let addr: IpAddr = ip.parse().unwrap();
            let why = strict
                .refuses(addr)
                .unwrap_or_else(|| panic!("{ip} should be refused ({range})"));
            assert!(why.contains(range), "{ip}: {why}");
            assert!(why.contains("INTAKE_WEBHOOK_ALLOW_PRIVATE"), "{why}");
            let loose = AddressPolicy {
                allow_private: true,
            };
            assert_eq!(loose.refuses(addr), None, "{ip} is allowed when configured");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for ip in [
            "93.184.215.14",
            "8.8.8.8",
            "1.1.1.1",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.0.1",
            "172.32.0.1",
            "192.0.1.1",
            "198.17.0.1",
            "198.20.0.1",
            "223.255.255.255",
            "2606:4700:4700::1111",
            "2a00:1450:4001::200e",
            "::ffff:8.8.8.8",
            "2002:0808:0808::1",
            "2001:4860:4860::8888",
        ] {
            assert!(is_public(ip.parse().unwrap()), "{ip} is public");
        }
    }

    #[test]
    fn urls_are_checked_before_any_address_is_used() {
        let strict = AddressPolicy::default();
        for bad in [
            "http://127.0.0.1:9000/hook",
            "http://[::ffff:127.0.0.1]/",
            "http://[64:ff9b::a9fe:a9fe]/",
            "http://[2002:a9fe:a9fe::1]/",
            "http://[fec0::1]/",
            "http://localhost:8080/",
        ] {
            let err = check_url(bad, strict).unwrap_err().to_string();
            assert!(err.contains("not a public address"), "{bad}: {err}");
        }
        assert!(check_url("http://93.184.215.14/hook", strict).is_ok());
        let loose = AddressPolicy {
            allow_private: true,
        };
        assert!(check_url("http://127.0.0.1:9000/hook", loose).is_ok());
        for bad in [
            "ftp://example.com/",
            "https://user:pw@example.com/",
            "nonsense",
        ] {
            assert!(check_url(bad, loose).is_err(), "{bad}");
        }
    }
}
