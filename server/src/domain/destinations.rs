//! Where webhooks may send: not inside the network the server runs in.
//!
//! A manager chooses a webhook's URL, and the server POSTs to it and records
//! the outcome. Without a check, a URL on 127.0.0.1, a private network or
//! the cloud metadata address (169.254.169.254) would let a manager reach
//! services that only the server can reach, and read the results back as
//! the webhook's `last_error`. So a destination is refused when its address
//! is not globally reachable ([`is_internal`]): loopback, private, shared
//! (CGNAT), link-local, unique-local, unspecified, multicast, broadcast,
//! documentation and other special-purpose ranges, in IPv4 and IPv6 (with
//! IPv4 addresses embedded in IPv6 checked as IPv4).
//!
//! Three checks, because a name's addresses can change between them:
//! * creating or changing a webhook ([`check_url`], [`check_url_resolving`]):
//!   a literal internal address or a `localhost` name is refused with a
//!   clear 422; a name is resolved once and refused if any of its addresses
//!   is internal (a name that does not resolve yet is accepted: the
//!   receiver may not exist yet, and delivery checks again);
//! * delivering to a literal address ([`check_literal`], since the
//!   operator's allow-list may have changed);
//! * delivering to a name: the HTTP client resolves through
//!   [`GuardedResolver`], which checks every address of the answer and hands
//!   the client exactly those addresses to connect to. There is no second
//!   lookup an attacker's DNS server could answer differently (DNS
//!   rebinding). Redirects are not followed and proxies are not used (see
//!   `webhooks.rs`), so the checked address is the one connected to.
//!
//! The operator may list hosts that are internal but wanted, such as a
//! gateway on the office network, in `WAITWELL_WEBHOOK_ALLOW_HOSTS`. A URL's
//! host must equal a listed host after [`normalize_host`] (lower case, no
//! trailing dot, IPv4 in dotted form, IPv6 in brackets); an allowed name may
//! resolve to any address.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::Url;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// How long creating a webhook waits for its name to resolve.
const CREATE_LOOKUP_TIMEOUT: Duration = Duration::from_secs(2);

/// A destination the server will not send to. Its text is what the API
/// shows, so it names no address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotAllowed;

impl std::fmt::Display for NotAllowed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("destination not allowed")
    }
}

impl std::error::Error for NotAllowed {}

/// The host of a URL in the form the allow-list uses: a name in lower case
/// without a trailing dot, an IPv4 address dotted (the URL parser already
/// turned `127.1`, `2130706433` and `0x7f.1` into `127.0.0.1`), an IPv6
/// address compressed in brackets.
pub fn host_key(url: &Url) -> Option<String> {
    match host_ip(url) {
        Some(IpAddr::V4(a)) => Some(a.to_string()),
        Some(IpAddr::V6(a)) => Some(format!("[{a}]")),
        None => {
            let d = url.host_str()?.trim_end_matches('.').to_ascii_lowercase();
            (!d.is_empty()).then_some(d)
        }
    }
}

/// The URL's host if it is an address. The URL parser has already read
/// every IPv4 spelling, so a host that is not an address here is a name.
fn host_ip(url: &Url) -> Option<IpAddr> {
    let host = url.host_str()?;
    let host = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    host.parse().ok()
}

fn is_localhost(key: &str) -> bool {
    key == "localhost" || key.ends_with(".localhost")
}

/// Normalises one allow-list entry (a host name or address, no scheme, port
/// or path) the way [`host_key`] reads a URL's host; `None` if it is not a
/// bare host.
pub fn normalize_host(entry: &str) -> Option<String> {
    let entry = entry.trim();
    if entry.is_empty() || entry.contains(['/', '@', '?', '#', '\\', ' ']) {
        return None;
    }
    // A port, even the default one the URL parser would drop.
    let bracketed = entry.starts_with('[') && entry.ends_with(']');
    if !bracketed && entry.contains(':') {
        return None;
    }
    let url = Url::parse(&format!("http://{entry}/")).ok()?;
    if url.port().is_some() || !url.username().is_empty() || url.password().is_some() {
        return None;
    }
    host_key(&url)
}

fn allowed(key: &str, allow: &[String]) -> bool {
    allow.iter().any(|h| h == key)
}

/// Whether an IPv4 address is not globally reachable.
fn internal_v4(ip: Ipv4Addr) -> bool {
    let [a, b, c, _] = ip.octets();
    ip.is_unspecified()          // 0.0.0.0
        || a == 0                // 0/8 "this network"
        || ip.is_loopback()      // 127/8
        || ip.is_private()       // 10/8, 172.16/12, 192.168/16
        || (a == 100 && (64..128).contains(&b)) // 100.64/10 shared (CGNAT)
        || ip.is_link_local()    // 169.254/16, incl. cloud metadata
        || (a == 192 && b == 0 && c == 0) // 192.0.0/24 protocol assignments
        || ip.is_documentation() // 192.0.2/24, 198.51.100/24, 203.0.113/24
        || (a == 198 && (b & 0xfe) == 18) // 198.18/15 benchmarking
        || ip.is_multicast()     // 224/4
        || a >= 240 // 240/4 reserved, incl. broadcast 255.255.255.255
}

/// Whether an address is not globally reachable (see the module comment).
/// IPv6 is allowed only in global unicast (2000::/3) outside its
/// special-purpose blocks; IPv4 embedded in IPv6 (mapped, NAT64, 6to4) is
/// judged as IPv4.
pub fn is_internal(ip: IpAddr) -> bool {
    match ip.to_canonical() {
        IpAddr::V4(v4) => internal_v4(v4),
        IpAddr::V6(v6) => internal_v6(v6),
    }
}

fn internal_v6(ip: Ipv6Addr) -> bool {
    let s = ip.segments();
    let bits = u128::from(ip);
    let embedded = |v: u32| internal_v4(Ipv4Addr::from(v));
    // 64:ff9b::/96, well-known NAT64 prefix: the IPv4 address it reaches.
    if bits >> 32 == 0x0064_ff9b_0000_0000_0000_0000 {
        return embedded(bits as u32);
    }
    // 2002::/16, 6to4: the IPv4 relay address in bits 16..48.
    if s[0] == 0x2002 {
        return embedded((u32::from(s[1]) << 16) | u32::from(s[2]));
    }
    // Outside 2000::/3 (global unicast) everything is special: ::, ::1,
    // IPv4-compatible, fc00::/7, fe80::/10, fec0::/10, ff00::/8, 100::/64…
    if s[0] & 0xe000 != 0x2000 {
        return true;
    }
    // 2001::/23 IETF protocol assignments (Teredo 2001::/32 hides an IPv4
    // address, benchmarking, ORCHID) and 2001:db8::/32 documentation.
    s[0] == 0x2001 && (s[1] < 0x0200 || s[1] == 0x0db8)
}

/// The static check of a webhook URL: refuses a literal internal address
/// and `localhost` names unless the host is allow-listed. Other names pass
/// (their addresses are checked when resolved).
///
/// # Errors
/// [`NotAllowed`].
pub fn check_url(url: &Url, allow: &[String]) -> Result<(), NotAllowed> {
    let key = host_key(url).ok_or(NotAllowed)?;
    if allowed(&key, allow) {
        return Ok(());
    }
    let refused = match host_ip(url) {
        Some(ip) => is_internal(ip),
        None => is_localhost(&key),
    };
    if refused { Err(NotAllowed) } else { Ok(()) }
}

/// The delivery-time check of a URL whose host is a literal address (the
/// HTTP client does not resolve those, so [`GuardedResolver`] never sees
/// them). Names pass here: the resolver judges them, `localhost` included.
///
/// # Errors
/// [`NotAllowed`].
pub fn check_literal(url: &Url, allow: &[String]) -> Result<(), NotAllowed> {
    match host_ip(url) {
        Some(_) => check_url(url, allow),
        None => Ok(()),
    }
}

/// [`check_url`], then for a name that is not allow-listed one lookup
/// (at most 2 s): refused if any address is internal. A name that does not
/// resolve passes; delivery checks again.
///
/// # Errors
/// [`NotAllowed`].
pub async fn check_url_resolving(url: &Url, allow: &[String]) -> Result<(), NotAllowed> {
    check_url(url, allow)?;
    let key = host_key(url).ok_or(NotAllowed)?;
    if host_ip(url).is_some() || allowed(&key, allow) {
        return Ok(());
    }
    let lookup = tokio::net::lookup_host((key.as_str(), 0));
    match tokio::time::timeout(CREATE_LOOKUP_TIMEOUT, lookup).await {
        Ok(Ok(addrs)) => checked(addrs.collect()).map(drop),
        // Unknown now, or slow: delivery decides.
        Ok(Err(_)) | Err(_) => Ok(()),
    }
}

/// The addresses of a lookup if every one is globally reachable.
///
/// # Errors
/// [`NotAllowed`] when any is internal: a name that mixes public and
/// internal addresses is refused rather than filtered.
pub fn checked(addrs: Vec<SocketAddr>) -> Result<Vec<SocketAddr>, NotAllowed> {
    if addrs.iter().any(|a| is_internal(a.ip())) {
        Err(NotAllowed)
    } else {
        Ok(addrs)
    }
}

/// The webhook client's resolver: looks a name up once, checks every
/// address ([`checked`]) unless the name is allow-listed, and returns the
/// checked addresses, which are the ones the client then connects to.
#[derive(Debug, Clone)]
pub struct GuardedResolver {
    /// Normalised allow-listed hosts (`Config::webhook_allow_hosts`).
    allow: Arc<[String]>,
}

impl GuardedResolver {
    /// A resolver over the operator's allow-list.
    pub fn new(allow: &[String]) -> GuardedResolver {
        GuardedResolver {
            allow: allow.into(),
        }
    }

    /// Resolves `name` (port 0; the client puts in the URL's port).
    ///
    /// # Errors
    /// [`NotAllowed`] for an internal address; the lookup's I/O error when
    /// the name does not resolve.
    pub async fn lookup(
        &self,
        name: &str,
    ) -> Result<Vec<SocketAddr>, Box<dyn std::error::Error + Send + Sync>> {
        let key = name.trim_end_matches('.').to_ascii_lowercase();
        let addrs: Vec<SocketAddr> = tokio::net::lookup_host((name, 0)).await?.collect();
        if allowed(&key, &self.allow) {
            return Ok(addrs);
        }
        if is_localhost(&key) {
            return Err(Box::new(NotAllowed));
        }
        Ok(checked(addrs)?)
    }
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let this = self.clone();
        Box::pin(async move {
            let addrs = this.lookup(name.as_str()).await?;
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn internal_addresses() {
        for a in [
            "0.0.0.0",
            "0.1.2.3",
            "127.0.0.1",
            "127.255.0.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "192.0.0.8",
            "192.0.2.1",
            "198.18.0.1",
            "224.0.0.1",
            "239.255.255.250",
            "240.0.0.1",
            "255.255.255.255",
            "::",
            "::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "fec0::1",
            "ff02::1",
            "100::1",
            "64:ff9b::7f00:1",
            "64:ff9b::a9fe:a9fe",
            "64:ff9b:1::1",
            "2001::1",
            "2001:db8::1",
            "2002:7f00:1::1",
            "2002:c0a8:101::1",
        ] {
            assert!(is_internal(a.parse().unwrap()), "{a} is internal");
        }
        for a in [
            "1.1.1.1",
            "8.8.8.8",
            "100.63.255.255",
            "100.128.0.1",
            "172.15.255.255",
            "172.32.0.1",
            "169.253.0.1",
            "223.255.255.255",
            "::ffff:8.8.8.8",
            "64:ff9b::808:808",
            "2002:808:808::1",
            "2606:4700:4700::1111",
            "2a00:1450:4001::1",
        ] {
            assert!(!is_internal(a.parse().unwrap()), "{a} is public");
        }
    }

    #[test]
    fn literal_hosts_in_every_spelling() {
        for u in [
            "http://127.0.0.1/",
            "http://127.1/",
            "http://2130706433/",
            "http://0x7f.1/",
            "http://0177.0.0.1/",
            "http://[::1]/",
            "http://[::ffff:127.0.0.1]/",
            "http://localhost:8080/",
            "http://LOCALHOST./",
            "http://api.localhost/",
            "http://10.0.0.1/",
            "http://172.16.5.4/",
            "http://192.168.0.10/",
            "http://[fd00::1]/",
            "http://100.64.1.1/",
            "http://169.254.169.254/latest/meta-data/",
            "http://[fe80::1]/",
            "http://0.0.0.0/",
            "http://224.0.0.1/",
            "http://255.255.255.255/",
        ] {
            assert_eq!(check_url(&url(u), &[]), Err(NotAllowed), "{u}");
        }
        for u in [
            "https://gateway.example/in",
            "http://8.8.8.8/",
            "http://[2606:4700::1]/",
        ] {
            assert_eq!(check_url(&url(u), &[]), Ok(()), "{u}");
        }
    }

    #[test]
    fn allow_list_matches_exactly_after_normalisation() {
        let allow = vec![
            normalize_host("127.0.0.1").unwrap(),
            normalize_host("Gateway.Internal.").unwrap(),
            normalize_host("[::1]").unwrap(),
        ];
        for u in [
            "http://127.0.0.1:9000/hook",
            "http://127.1/",
            "http://2130706433/",
            "http://gateway.internal/",
            "http://GATEWAY.internal./",
            "http://[::1]:81/",
            "http://[0:0::1]/",
        ] {
            assert_eq!(check_url(&url(u), &allow), Ok(()), "{u}");
        }
        for u in [
            "http://127.0.0.2/",
            "http://localhost/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert_eq!(check_url(&url(u), &allow), Err(NotAllowed), "{u}");
        }
        // A name that is not listed, even under a listed one, is not
        // allowed: it passes the static check only to be resolved and
        // checked address by address.
        let sub = host_key(&url("http://sub.gateway.internal/")).unwrap();
        assert!(!allowed(&sub, &allow));
        assert_eq!(normalize_host("127.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(normalize_host("0x7f.1").as_deref(), Some("127.0.0.1"));
        assert_eq!(
            normalize_host("[::FFFF:7f00:1]").as_deref(),
            Some("[::ffff:127.0.0.1]")
        );
        for bad in [
            "", "x:80", "x:8080", "[::1]:80", "http://x", "a/b", "u@x", "a b",
        ] {
            assert_eq!(normalize_host(bad), None, "{bad}");
        }
    }

    #[test]
    fn a_lookup_with_any_internal_address_is_refused() {
        let public: SocketAddr = "93.184.215.14:0".parse().unwrap();
        let private: SocketAddr = "10.0.0.7:0".parse().unwrap();
        assert_eq!(checked(vec![public]), Ok(vec![public]));
        assert_eq!(checked(vec![public, private]), Err(NotAllowed));
        assert_eq!(checked(vec!["[::1]:0".parse().unwrap()]), Err(NotAllowed));
    }

    /// The resolver the client uses refuses a name whose addresses are
    /// internal (here `localhost`, from the hosts file: no DNS server is
    /// asked), and returns the addresses it checked for an allowed one.
    #[tokio::test]
    async fn resolver_checks_what_it_returns() {
        let refuse = GuardedResolver::new(&[]);
        let err = refuse.lookup("localhost").await.unwrap_err();
        assert!(err.downcast_ref::<NotAllowed>().is_some(), "{err}");
        let err = match refuse.resolve("localhost".parse().unwrap()).await {
            Ok(_) => panic!("localhost resolved"),
            Err(e) => e,
        };
        assert!(err.downcast_ref::<NotAllowed>().is_some(), "{err}");

        let allow = GuardedResolver::new(&["localhost".to_owned()]);
        let addrs: Vec<SocketAddr> = match allow.resolve("localhost".parse().unwrap()).await {
            Ok(a) => a.collect(),
            Err(e) => panic!("{e}"),
        };
        assert!(
            !addrs.is_empty() && addrs.iter().all(|a| a.ip().is_loopback()),
            "{addrs:?}"
        );
    }
}
