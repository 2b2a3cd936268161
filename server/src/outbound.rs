//! Calls this server makes to addresses that others chose (push services, webhook
//! endpoints): they must not reach into the server's own network (SSRF). A URL's host
//! is checked when it is given; for webhooks, [`Policy`] also decides which resolved
//! addresses may be connected to.

use std::net::IpAddr;

/// Loopback, private, link-local and unspecified addresses, and `localhost`: an
/// endpoint there (a push service, a webhook) would make the server call into its own network.
pub(crate) fn private_host(url: &url::Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => private_ip(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => private_ip(IpAddr::V6(ip)),
        Some(url::Host::Domain(name)) => {
            let name = name.trim_end_matches('.').to_ascii_lowercase();
            name == "localhost" || name.ends_with(".localhost")
        }
        None => true,
    }
}

pub(crate) fn private_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(ip) => {
            ip.is_loopback()
                || ip.is_private()
                || ip.is_link_local()
                || ip.is_unspecified()
                || ip.is_broadcast()
        }
        IpAddr::V6(ip) => {
            ip.is_loopback()
                || ip.is_unspecified()
                || ip.to_ipv4_mapped().is_some_and(|v4| private_ip(IpAddr::V4(v4)))
                // Unique local (fc00::/7) and link-local (fe80::/10).
                || (ip.segments()[0] & 0xfe00) == 0xfc00
                || (ip.segments()[0] & 0xffc0) == 0xfe80
        }
    }
}

/// Which addresses endpoints may have.
#[derive(Clone, Copy, Debug, Default)]
pub struct Policy {
    /// Plain http and loopback addresses (`NATTER_WEBHOOK_ALLOW_HTTP`): tests on loopback.
    pub allow_loopback: bool,
    /// Private network addresses (`NATTER_WEBHOOK_ALLOW_PRIVATE`): an intranet service.
    pub allow_private: bool,
}

impl Policy {
    pub fn allows(self, ip: IpAddr) -> bool {
        let loopback = ip.is_loopback()
            || matches!(ip, IpAddr::V6(v6) if v6.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback()));
        if loopback {
            self.allow_loopback
        } else {
            !private_ip(ip) || self.allow_private
        }
    }

    /// Why `url` cannot be an endpoint, if it cannot: https (plain http only to
    /// loopback, when allowed), at most 2000 characters, and a host this policy allows.
    pub fn check(self, url: &str) -> Result<url::Url, &'static str> {
        if url.chars().count() > 2000 {
            return Err("The URL must be at most 2000 characters.");
        }
        let parsed = url::Url::parse(url).map_err(|_| "The URL is not a valid URL.")?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err("The URL must not carry a user name or password.");
        }
        let loopback = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
            Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
            Some(url::Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                name == "localhost" || name.ends_with(".localhost")
            }
            None => return Err("The URL has no host."),
        };
        match parsed.scheme() {
            "https" => {}
            "http" if self.allow_loopback && loopback => {}
            "http" if self.allow_loopback => {
                return Err("Plain http is allowed only to this machine (loopback).");
            }
            _ => return Err("The URL must start with https://."),
        }
        if loopback && !self.allow_loopback {
            return Err("The URL must be on a public host, not this machine.");
        }
        let ip = match parsed.host() {
            Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
            Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
            _ => None,
        };
        if ip.is_some_and(|ip| !self.allows(ip)) {
            return Err("The URL must be on a public host, not a private address.");
        }
        Ok(parsed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn endpoints_must_be_public_https_unless_allowed() {
        let strict = Policy::default();
        let tests = Policy {
            allow_loopback: true,
            allow_private: false,
        };
        let intranet = Policy {
            allow_loopback: false,
            allow_private: true,
        };
        let cases = [
            ("https://hooks.example.com/natter", strict, true),
            ("http://hooks.example.com/natter", strict, false),
            ("ftp://hooks.example.com/", strict, false),
            ("https://127.0.0.1/x", strict, false),
            ("https://localhost/x", strict, false),
            ("https://[::1]/x", strict, false),
            ("https://10.0.0.7/x", strict, false),
            ("https://169.254.169.254/latest/meta-data", strict, false),
            ("https://user:pw@hooks.example.com/", strict, false),
            ("not a url", strict, false),
            ("http://127.0.0.1:9000/hook", tests, true),
            ("http://localhost:9000/hook", tests, true),
            ("http://hooks.example.com/", tests, false),
            ("https://10.0.0.7/x", tests, false),
            ("https://10.0.0.7/x", intranet, true),
            ("https://192.168.1.2/x", intranet, true),
            ("https://127.0.0.1/x", intranet, false),
            ("http://10.0.0.7/x", intranet, false),
        ];
        for (url, policy, ok) in cases {
            assert_eq!(policy.check(url).is_ok(), ok, "{url} {policy:?}");
        }
    }
}
