//! Where a URL points, as far as its text says: loopback, or an address
//! of a private network or a link. Used to allow plain `http://` only to
//! this machine and to keep redirects from reaching into a private
//! network. Host names are judged by name only (`localhost`); what a name
//! resolves to is not looked up. A leaf.

use std::net::IpAddr;

use url::{Host, Url};

/// Whether `url`'s host is this machine: a loopback address or
/// `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Whether `url`'s host is an address of a private network (10/8,
/// 172.16/12, 192.168/16, 100.64/10, fc00::/7), a link (169.254/16,
/// fe80::/10) or unspecified (0.0.0.0, ::), loopback excluded.
pub(crate) fn is_private_or_link_local(url: &Url) -> bool {
    let ip = match url.host() {
        Some(Host::Ipv4(ip)) => IpAddr::V4(ip),
        Some(Host::Ipv6(ip)) => ip.to_ipv4_mapped().map_or(IpAddr::V6(ip), IpAddr::V4),
        _ => return false,
    };
    match ip {
        IpAddr::V4(ip) => {
            let [a, b, ..] = ip.octets();
            ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || (a == 100 && (64..128).contains(&b))
        }
        IpAddr::V6(ip) => {
            let first = ip.segments()[0];
            ip.is_unspecified() || (first & 0xfe00) == 0xfc00 || (first & 0xffc0) == 0xfe80
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> Url {
        Url::parse(text).expect("url")
    }

    #[test]
    fn loopback_is_this_machine_only() {
        for text in [
            "http://127.0.0.1:9/",
            "http://[::1]/",
            "http://LOCALHOST/",
            "http://127.8.0.1/",
        ] {
            assert!(is_loopback(&url(text)), "{text}");
        }
        for text in [
            "http://10.0.0.1/",
            "https://cdn.example/",
            "http://localhost.evil.example/",
        ] {
            assert!(!is_loopback(&url(text)), "{text}");
        }
    }

    #[test]
    fn private_and_link_local_addresses_are_told_apart() {
        for text in [
            "http://10.1.2.3/",
            "http://172.16.0.1/",
            "http://192.168.1.1/",
            "http://169.254.169.254/latest/meta-data",
            "http://100.64.0.1/",
            "http://0.0.0.0/",
            "http://[fd00::1]/",
            "http://[fe80::1]/",
            "http://[::ffff:10.0.0.1]/",
        ] {
            assert!(is_private_or_link_local(&url(text)), "{text}");
        }
        for text in [
            "http://127.0.0.1/",
            "https://8.8.8.8/",
            "https://cdn.example/",
            "http://[2001:db8::1]/",
        ] {
            assert!(!is_private_or_link_local(&url(text)), "{text}");
        }
    }
}
