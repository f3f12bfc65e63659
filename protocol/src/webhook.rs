//! Webhooks: what the edge POSTs to a site's registered URLs.
//!
//! Every delivery is one [`WebhookEvent`] as JSON, with headers
//!
//! - `Porchlight-Event`: the event's `type` (`session.waiting`, …),
//! - `Porchlight-Delivery`: the event id (the same on every retry, so a
//!   receiver can drop duplicates),
//! - `Porchlight-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of
//!   "t.body">` under the webhook's secret (and a second `v1=` under the
//!   previous secret for a day after a rotation): see [`signature_header`].
//!
//! Any 2xx answer acknowledges it. Anything else, or no answer, is retried
//! with exponential backoff ([`retry_delay_ms`]) up to [`MAX_ATTEMPTS`].

use crate::frames::{Message, SessionSummary};
use crate::ids::{SessionId, SiteId};
use crate::ticket::Ticket;
use serde::{Deserialize, Serialize};

/// The body of every delivery.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WebhookEvent {
    /// Unique per event; repeated on retries.
    pub id: String,
    pub site: SiteId,
    /// When it happened (ms since the epoch).
    pub at: u64,
    #[serde(flatten)]
    pub event: Event,
}

/// What happened, as `"type"` and `"data"`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", content = "data")]
pub enum Event {
    /// A visitor reached the queue (handed off by the bot, or released).
    #[serde(rename = "session.waiting")]
    SessionWaiting(SessionSummary),
    /// An agent accepted a session (or it was transferred).
    #[serde(rename = "session.accepted")]
    SessionAccepted(SessionSummary),
    #[serde(rename = "session.closed")]
    SessionClosed(SessionSummary),
    /// The visitor rated the closed conversation: the summary carries `rating`.
    #[serde(rename = "session.rated")]
    SessionRated(SessionSummary),
    /// A visitor, agent or bot message (not notices, not internal notes).
    #[serde(rename = "message.created")]
    MessageCreated { session: SessionId, message: Message },
    #[serde(rename = "ticket.created")]
    TicketCreated(Ticket),
    /// An agent answered a ticket (an offline message, typically): the
    /// requester's email is here, so the site can send the answer.
    #[serde(rename = "ticket.replied")]
    TicketReplied {
        ticket: u64,
        /// Absent for a team ticket (no conversation behind it).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        session: Option<SessionId>,
        requester: crate::frames::VisitorInfo,
        reply: crate::ticket::TicketReply,
    },
}

impl Event {
    /// The event's `type`, for the `Porchlight-Event` header.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SessionWaiting(_) => "session.waiting",
            Event::SessionAccepted(_) => "session.accepted",
            Event::SessionClosed(_) => "session.closed",
            Event::SessionRated(_) => "session.rated",
            Event::MessageCreated { .. } => "message.created",
            Event::TicketCreated(_) => "ticket.created",
            Event::TicketReplied { .. } => "ticket.replied",
        }
    }
}

/// A registered endpoint, as an ADMIN lists them (the secret is shown
/// only once, when the webhook is created).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Webhook {
    pub id: String,
    pub url: String,
    pub created_at: u64,
    /// Set only in the answer to the registration (and to a rotation).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
    /// After `POST …/webhooks/{id}/rotate`: until when (ms) deliveries are
    /// also signed with the previous secret.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub previous_valid_until: Option<u64>,
}

/// `POST /api/v1/sites/{site}/webhooks`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct RegisterWebhook {
    pub url: String,
}

/// Attempts before a delivery is given up (about 9 hours in all).
pub const MAX_ATTEMPTS: u32 = 16;

/// Wait before attempt `attempt + 1` after `attempt` failures:
/// 1 s, 2 s, 4 s … capped at one hour.
pub fn retry_delay_ms(attempt: u32) -> u64 {
    1000u64.saturating_mul(1 << attempt.saturating_sub(1).min(12)).min(3_600_000)
}

/// At most this many endpoints per site.
pub const MAX_ENDPOINTS: usize = 10;
/// Receivers should refuse signatures older than this (the replay window).
pub const SIGNATURE_TOLERANCE_S: u64 = 300;
/// After a rotation the previous secret keeps signing for this long, so a
/// receiver can switch secrets without dropping a delivery.
pub const ROTATION_OVERLAP_MS: u64 = 24 * 3_600_000;

/// `Porchlight-Signature`: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`,
/// one `v1=` per valid secret (two during a rotation), Stripe-style.
pub fn signature_header(secrets: &[&str], t: u64, body: &str) -> String {
    let signed = format!("{t}.{body}");
    let mut header = format!("t={t}");
    for secret in secrets {
        header.push_str(",v1=");
        header.push_str(&crate::identity::hex(&crate::identity::hmac_sha256(secret.as_bytes(), signed.as_bytes())));
    }
    header
}

/// What a receiver does with [`signature_header`]: true when one `v1`
/// matches under `secret` and `t` is within [`SIGNATURE_TOLERANCE_S`] of `now_s`.
pub fn verify_signature(header: &str, secret: &str, body: &str, now_s: u64) -> bool {
    let mut t = None;
    let mut candidates = Vec::new();
    for part in header.split(',') {
        match part.trim().split_once('=') {
            Some(("t", v)) => t = v.parse::<u64>().ok(),
            Some(("v1", v)) => candidates.push(v),
            _ => {}
        }
    }
    let Some(t) = t else { return false };
    if now_s.abs_diff(t) > SIGNATURE_TOLERANCE_S {
        return false;
    }
    let expected = crate::identity::hex(&crate::identity::hmac_sha256(secret.as_bytes(), format!("{t}.{body}").as_bytes()));
    candidates.iter().any(|c| crate::site::constant_time_eq(c.as_bytes(), expected.as_bytes()))
}

/// Whether `url` may receive webhooks. Production: `https://` to a public
/// host only; never a loopback, private (RFC 1918, `fc00::/7`, CGNAT),
/// link-local (`169.254/16`, the cloud metadata address, `fe80::/10`) or
/// otherwise special address, in any spelling (decimal, octal or hex IPv4,
/// IPv4-mapped IPv6), nor `localhost` or an internal name. A `dev` site (the
/// demo) may also use `http://` or `https://` to exactly `localhost`,
/// `127.0.0.1` or `[::1]`. Returns the reason if not.
///
/// Names are checked as names: Workers cannot resolve DNS before a fetch,
/// and their `fetch` does not reach private networks.
pub fn check_url(url: &str, dev: bool) -> Result<(), String> {
    let url = url.trim();
    if url.len() > 2000 {
        return Err("The URL is too long (at most 2000 characters).".into());
    }
    if url.chars().any(|c| c.is_whitespace() || c.is_control() || c == '\\') {
        return Err("The URL has no valid host.".into());
    }
    let (scheme, rest) = url.split_once("://").ok_or("The URL must start with https://.")?;
    let scheme = scheme.to_ascii_lowercase();
    if scheme != "https" && scheme != "http" {
        return Err("The URL must start with https://.".into());
    }
    let authority = rest.split(['/', '?', '#']).next().unwrap_or("");
    if authority.contains('@') {
        return Err("The URL must not carry a user name or password.".into());
    }
    let host = split_host(authority).ok_or("The URL has no valid host.")?;
    let local_dev = dev && matches!(host.as_str(), "localhost" | "127.0.0.1" | "[::1]");
    if local_dev {
        return Ok(());
    }
    if scheme == "http" {
        return Err("Webhooks must use https:// (plain http is allowed only to localhost, on a dev site).".into());
    }
    match classify_host(&host) {
        HostKind::Public => Ok(()),
        HostKind::Local => Err(format!("{host} is this machine (loopback or localhost): not a webhook receiver.")),
        HostKind::Private => Err(format!("{host} is a private, link-local or reserved address: not a webhook receiver.")),
        HostKind::Invalid => Err("The URL has no valid host.".into()),
    }
}

/// The lowercase host of `authority` (IPv6 in brackets), without port or
/// trailing dot; `None` if it is empty or the port is not a number.
fn split_host(authority: &str) -> Option<String> {
    let (host, port) = if let Some(rest) = authority.strip_prefix('[') {
        let (inside, after) = rest.split_once(']')?;
        (format!("[{inside}]"), after.strip_prefix(':'))
    } else {
        match authority.rsplit_once(':') {
            Some((h, p)) => (h.to_owned(), Some(p)),
            None => (authority.to_owned(), None),
        }
    };
    if port.is_some_and(|p| p.is_empty() || p.len() > 5 || !p.bytes().all(|b| b.is_ascii_digit())) {
        return None;
    }
    let host = host.to_ascii_lowercase();
    let host = host.strip_suffix('.').unwrap_or(&host).to_owned();
    (!host.is_empty()).then_some(host)
}

#[derive(Debug, PartialEq, Eq)]
enum HostKind {
    Public,
    Local,
    Private,
    Invalid,
}

fn classify_host(host: &str) -> HostKind {
    if let Some(inside) = host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
        return match inside.parse::<std::net::Ipv6Addr>() {
            Ok(ip) => classify_v6(ip),
            Err(_) => HostKind::Invalid,
        };
    }
    if host.bytes().any(|b| !(b.is_ascii_alphanumeric() || b == b'-' || b == b'.')) {
        return HostKind::Invalid;
    }
    // Anything made only of digits, dots and hex prefixes is an address in
    // some spelling (`2130706433`, `0x7f.1`, `0177.0.0.1`), or invalid.
    let numeric = host.split('.').all(|label| label.bytes().all(|b| b.is_ascii_digit()) || label.starts_with("0x"));
    if numeric {
        return match parse_ipv4_any(host) {
            Some(ip) => classify_v4(ip),
            None => HostKind::Invalid,
        };
    }
    if host == "localhost" || host.ends_with(".localhost") || host == "localhost.localdomain" {
        return HostKind::Local;
    }
    let internal = [".internal", ".local", ".localdomain", ".home.arpa", ".intranet", ".lan"];
    if !host.contains('.') || internal.iter().any(|s| host.ends_with(s)) {
        return HostKind::Private;
    }
    HostKind::Public
}

/// IPv4 as `inet_aton` reads it: 1–4 parts, each decimal, `0x` hex or
/// `0`-prefixed octal; the last part fills the remaining bytes.
fn parse_ipv4_any(host: &str) -> Option<std::net::Ipv4Addr> {
    let parts: Vec<&str> = host.split('.').collect();
    if parts.is_empty() || parts.len() > 4 {
        return None;
    }
    let mut values = Vec::with_capacity(parts.len());
    for part in &parts {
        let value = if let Some(hex) = part.strip_prefix("0x") {
            if hex.is_empty() {
                0
            } else {
                u64::from_str_radix(hex, 16).ok()?
            }
        } else if part.len() > 1 && part.starts_with('0') {
            u64::from_str_radix(&part[1..], 8).ok()?
        } else {
            part.parse::<u64>().ok()?
        };
        values.push(value);
    }
    let (last, init) = values.split_last()?;
    if init.iter().any(|&v| v > 255) || *last >= 1u64 << (8 * (4 - init.len())) {
        return None;
    }
    let mut n: u32 = 0;
    for (i, v) in init.iter().enumerate() {
        n |= (*v as u32) << (24 - 8 * i);
    }
    Some(std::net::Ipv4Addr::from(n | *last as u32))
}

fn classify_v4(ip: std::net::Ipv4Addr) -> HostKind {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        HostKind::Local
    } else if ip.is_private()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_multicast()
        || ip.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space (CGNAT)
        || (a == 192 && b == 0) // IETF protocol assignments
        || (a == 198 && (18..20).contains(&b)) // benchmarking
        || a >= 240
    {
        HostKind::Private
    } else {
        HostKind::Public
    }
}

fn classify_v6(ip: std::net::Ipv6Addr) -> HostKind {
    if let Some(v4) = ip.to_ipv4_mapped() {
        return classify_v4(v4);
    }
    let s = ip.segments();
    // NAT64 (64:ff9b::/96) reaches the IPv4 address in its last 32 bits.
    if s[0] == 0x64 && s[1] == 0xff9b && s[2..6].iter().all(|&x| x == 0) {
        return classify_v4(std::net::Ipv4Addr::new((s[6] >> 8) as u8, s[6] as u8, (s[7] >> 8) as u8, s[7] as u8));
    }
    if ip.is_loopback() {
        HostKind::Local
    } else if ip.is_unspecified()
        || ip.is_multicast()
        || (s[0] & 0xfe00) == 0xfc00 // unique local fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local fe80::/10
        || (s[0] & 0xffc0) == 0xfec0 // old site-local fec0::/10
        || (s[0] == 0x2001 && s[1] == 0xdb8) // documentation
        || s[..6].iter().all(|&x| x == 0)
    // IPv4-compatible ::a.b.c.d (deprecated)
    {
        HostKind::Private
    } else {
        HostKind::Public
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::VisitorInfo;
    use crate::ids::AgentId;
    use crate::session::AgentRef;
    use serde_json::json;

    #[test]
    fn events_are_type_and_data() {
        let ticket = Ticket {
            rating: None,
            number: 7,
            site: SiteId("copper-kettle".into()),
            session: Some(SessionId("a".repeat(32))),
            subject: "Grinder".into(),
            requester: VisitorInfo::new("Jo", None),
            description: "…".into(),
            created_by: AgentRef { id: AgentId("ava".into()), name: "Ava".into() },
            created_at: 5,
            source: Default::default(),
            replies: Vec::new(),
            closed_at: None,
        };
        let event = WebhookEvent { id: "evt_1".into(), site: SiteId("copper-kettle".into()), at: 9, event: Event::TicketCreated(ticket) };
        let v = serde_json::to_value(&event).unwrap();
        assert_eq!(v["type"], json!("ticket.created"));
        assert_eq!(v["data"]["number"], json!(7));
        assert_eq!(serde_json::from_value::<WebhookEvent>(v).unwrap(), event);
        assert_eq!(event.event.kind(), "ticket.created");
    }

    #[test]
    fn retries_back_off_to_an_hour() {
        let delays: Vec<u64> = (1..=5).map(retry_delay_ms).collect();
        assert_eq!(delays, [1000, 2000, 4000, 8000, 16000]);
        assert_eq!(retry_delay_ms(40), 3_600_000);
        let total: u64 = (1..MAX_ATTEMPTS).map(retry_delay_ms).sum();
        assert!(total > 3 * 3_600_000, "retries keep going for hours, not minutes");
    }

    #[test]
    fn production_takes_https_to_public_hosts_only() {
        assert!(check_url("https://hooks.example.com/porchlight", false).is_ok());
        assert!(check_url("https://hooks.example.com:8443/p?x=1", false).is_ok());
        assert!(check_url("https://8.8.8.8/hook", false).is_ok());
        assert!(check_url("https://[2606:4700::1111]/hook", false).is_ok());
        assert!(check_url("http://hooks.example.com/", false).is_err());
        assert!(check_url("ftp://x", false).is_err());
        assert!(check_url("https://", false).is_err());
        assert!(check_url("https://user@evil.example", false).is_err());
        assert!(check_url("https://a:b@evil.example", false).is_err());
        assert!(check_url("javascript:alert(1)", false).is_err());
        assert!(check_url("https://host:port/", false).is_err());
        assert!(check_url("https://ho st/", false).is_err());
        assert!(check_url("https://evil.example\\@127.0.0.1/", false).is_err());
    }

    #[test]
    fn every_spelling_of_loopback_private_and_link_local_is_refused() {
        let refused = [
            "localhost",
            "LOCALHOST.",
            "api.localhost",
            "127.0.0.1",
            "127.1",
            "127.255.255.254",
            "2130706433",   // decimal 127.0.0.1
            "0x7f000001",   // hex
            "0x7f.0.0.1",   // hex first octet
            "0177.0.0.1",   // octal
            "017700000001", // octal whole
            "0",            // 0.0.0.0
            "0.0.0.0",
            "10.0.0.1",
            "10.255.255.255",
            "012.1.2.3", // octal 10.1.2.3
            "167772161", // decimal 10.0.0.1
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "0xc0a80101",      // hex 192.168.1.1
            "169.254.169.254", // cloud metadata
            "2852039166",      // decimal 169.254.169.254
            "0xa9.0xfe.0xa9.0xfe",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "[::1]",
            "[0:0:0:0:0:0:0:1]",
            "[::]",
            "[::ffff:127.0.0.1]",
            "[::ffff:7f00:1]",
            "[::ffff:10.0.0.1]",
            "[::ffff:169.254.169.254]",
            "[::ffff:a9fe:a9fe]",
            "[64:ff9b::a9fe:a9fe]",
            "[::127.0.0.1]",
            "[fc00::1]",
            "[fd00:ec2::254]", // AWS metadata over IPv6
            "[fe80::1]",
            "[fe80::1%25eth0]",
            "[fec0::1]",
            "metadata.google.internal",
            "intranet",
            "printer.local",
            "router.lan",
            "1.2.3.4.5",
            "256.1.1.1",
            "0x100000000",
            "[not-v6]",
        ];
        for host in refused {
            for scheme in ["https", "http"] {
                let url = format!("{scheme}://{host}/hook");
                assert!(check_url(&url, false).is_err(), "{url} must be refused in production");
            }
            if !matches!(host, "localhost" | "LOCALHOST." | "127.0.0.1" | "[::1]") {
                assert!(check_url(&format!("https://{host}/hook"), true).is_err(), "{host} must be refused on a dev site too");
            }
        }
        assert_eq!(parse_ipv4_any("2130706433"), Some(std::net::Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(parse_ipv4_any("0177.0.0.1"), Some(std::net::Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(parse_ipv4_any("0x7f.1"), Some(std::net::Ipv4Addr::new(127, 0, 0, 1)));
        assert_eq!(parse_ipv4_any("192.168.257"), Some(std::net::Ipv4Addr::new(192, 168, 1, 1)));
        assert_eq!(parse_ipv4_any("08.1.1.1"), None, "8 is not an octal digit");
    }

    #[test]
    fn a_dev_site_may_use_exactly_localhost_127_0_0_1_and_ipv6_loopback() {
        for url in
            ["http://127.0.0.1:9000/hook", "https://127.0.0.1/hook", "http://localhost/hook", "http://[::1]:8080/h", "http://LOCALHOST:1/"]
        {
            assert!(check_url(url, true).is_ok(), "{url}");
            assert!(check_url(url, false).is_err(), "{url} is refused without dev");
        }
        for url in ["http://127.0.0.2/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://10.0.0.1/", "http://example.com/"] {
            assert!(check_url(url, true).is_err(), "{url}");
        }
    }

    #[test]
    fn signatures_are_timestamped_and_carry_every_valid_secret() {
        let header = signature_header(&["whsec_new"], 1_800_000_000, r#"{"id":"evt_1"}"#);
        assert!(header.starts_with("t=1800000000,v1="));
        assert_eq!(header.len(), "t=1800000000,v1=".len() + 64);
        assert!(verify_signature(&header, "whsec_new", r#"{"id":"evt_1"}"#, 1_800_000_100));
        assert!(!verify_signature(&header, "whsec_new", r#"{"id":"evt_2"}"#, 1_800_000_100), "another body");
        assert!(!verify_signature(&header, "whsec_old", r#"{"id":"evt_1"}"#, 1_800_000_100), "another secret");
        assert!(!verify_signature(&header, "whsec_new", r#"{"id":"evt_1"}"#, 1_800_000_301), "a replay after 5 minutes");
        let t_swapped = header.replace("t=1800000000", "t=1800000200");
        assert!(!verify_signature(&t_swapped, "whsec_new", r#"{"id":"evt_1"}"#, 1_800_000_200), "t is signed");
        let both = signature_header(&["whsec_new", "whsec_old"], 5, "b");
        assert_eq!(both.matches(",v1=").count(), 2);
        assert!(verify_signature(&both, "whsec_new", "b", 5) && verify_signature(&both, "whsec_old", "b", 5));
        assert!(!verify_signature("v1=abc", "whsec_new", "b", 5));
    }
}
