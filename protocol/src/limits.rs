//! Abuse limits: how fast one client address may start chats, search the
//! help center or guess agent tokens, how fast one session's sockets may
//! send frames, and how much one session may hold.
//!
//! The rule is a token bucket ([`Bucket`]): a client starts with `burst`
//! tokens, each action takes one, and tokens come back at a steady rate
//! up to `burst` again. So a person gets their burst at once and a steady
//! pace after it, and a script is held to that pace. The bucket is plain
//! data (two numbers), so whoever keeps it stores it as-is: the edge keeps
//! per-address buckets in the site desk's storage and per-session ones in
//! the session object. All numbers are per site ([`Limits`], `limits` in
//! the site configuration), with defaults a real visitor never meets.

use serde::{Deserialize, Serialize};

/// `burst` actions at once, then `refill` more every `every_s` seconds
/// (continuously: one per `every_s / refill` seconds).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rate {
    pub burst: u32,
    pub refill: u32,
    pub every_s: u32,
}

impl Rate {
    pub const fn new(burst: u32, refill: u32, every_s: u32) -> Rate {
        Rate { burst, refill, every_s }
    }

    /// Milliseconds for one token to come back (never 0, so a
    /// misconfigured rate cannot divide by zero or refill instantly).
    fn ms_per_token(&self) -> f64 {
        (f64::from(self.every_s.max(1)) * 1000.0 / f64::from(self.refill.max(1))).max(1.0)
    }
}

/// A token bucket's state: tokens left as of `at_ms`.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub struct Bucket {
    pub tokens: f64,
    pub at_ms: u64,
}

impl Bucket {
    /// A bucket never used before: full.
    pub fn full(rate: &Rate, now_ms: u64) -> Bucket {
        Bucket { tokens: f64::from(rate.burst), at_ms: now_ms }
    }

    /// Tokens as of `now_ms` (a clock that went back refills nothing).
    fn refilled(&self, rate: &Rate, now_ms: u64) -> f64 {
        let elapsed = now_ms.saturating_sub(self.at_ms) as f64;
        (self.tokens + elapsed / rate.ms_per_token()).min(f64::from(rate.burst))
    }

    /// Takes one token: `Ok`, or `Err(ms)` until one is back (the state
    /// is unchanged by a refusal, so refused attempts cost nothing more).
    pub fn take(&mut self, rate: &Rate, now_ms: u64) -> Result<(), u64> {
        let tokens = self.refilled(rate, now_ms);
        if tokens >= 1.0 {
            *self = Bucket { tokens: tokens - 1.0, at_ms: now_ms.max(self.at_ms) };
            Ok(())
        } else {
            Err(self.wait_ms(rate, now_ms))
        }
    }

    /// Whether a token is there, without taking it (`Err(ms)` as in [`Bucket::take`]).
    pub fn peek(&self, rate: &Rate, now_ms: u64) -> Result<(), u64> {
        if self.refilled(rate, now_ms) >= 1.0 {
            Ok(())
        } else {
            Err(self.wait_ms(rate, now_ms))
        }
    }

    fn wait_ms(&self, rate: &Rate, now_ms: u64) -> u64 {
        let missing = 1.0 - self.refilled(rate, now_ms);
        ((missing * rate.ms_per_token()).ceil() as u64).max(1)
    }
}

/// Seconds for an HTTP `Retry-After` header: rounded up, at least 1.
pub fn retry_after_s(ms: u64) -> u64 {
    ms.div_ceil(1000).max(1)
}

/// Whole minutes to tell a person, rounded up, at least 1.
pub fn retry_after_minutes(ms: u64) -> u64 {
    ms.div_ceil(60_000).max(1)
}

/// What the widget shows when `POST sessions` is refused for the address.
pub fn too_many_chats_message(retry_after_ms: u64) -> String {
    let n = retry_after_minutes(retry_after_ms);
    let unit = if n == 1 { "minute" } else { "minutes" };
    format!("Too many new chats from your network \u{2014} try again in {n} {unit}.")
}

/// One site's limits (`limits` in its configuration; every part optional).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Limits {
    /// `POST sessions` per client address.
    pub sessions: Rate,
    /// Public `kb/search` per client address.
    pub kb_search: Rate,
    /// Failed agent sign-ins (401s) per client address before 429s.
    pub auth_failures: Rate,
    /// Messages, edits, deletions and reactions per session and role
    /// (the visitor's sockets share one bucket; each agent has one).
    pub messages: Rate,
    /// Typing, context and receipt frames per session socket role.
    pub chatter: Rate,
    /// Log entries (messages, notes, notices, changes) one session may hold.
    pub max_log: u64,
    /// Characters of message text one session may hold.
    pub max_text_chars: u64,
    /// Open WebSockets on one session (visitor tabs and agents together).
    pub max_sockets: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            sessions: Rate::new(8, 30, 3600),
            kb_search: Rate::new(30, 120, 60),
            auth_failures: Rate::new(10, 10, 600),
            messages: Rate::new(10, 30, 60),
            chatter: Rate::new(40, 120, 60),
            max_log: 5_000,
            max_text_chars: 2_000_000,
            max_sockets: 16,
        }
    }
}

/// What a client address is called in a limiter's storage: the
/// `CF-Connecting-IP` the edge saw, or one shared name for requests
/// without it (only possible off Cloudflare: they then share one bucket).
pub fn address_key(kind: &str, cf_connecting_ip: Option<&str>) -> String {
    // Parsed, so a forged header cannot shape the storage key and one
    // address has one spelling.
    let ip = cf_connecting_ip.and_then(|ip| ip.trim().parse::<std::net::IpAddr>().ok());
    // An IPv6 customer gets a whole /64 (often far more): counting single
    // addresses would give one network 2^64 budgets. An IPv4-mapped address
    // counts as the IPv4 address it is.
    let ip = match ip {
        Some(std::net::IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
            }
        },
        Some(v4) => v4.to_string(),
        None => "unknown".to_owned(),
    };
    format!("{kind}:{ip}")
}

/// `POST /limit`, Worker → `SiteDesk`: take one token from the bucket
/// `key` (or only look, with `peek`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitCheck {
    pub key: String,
    pub rate: Rate,
    #[serde(default)]
    pub peek: bool,
}

/// Answer to [`LimitCheck`]: `retry_after_ms` is set when refused.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct LimitAnswer {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retry_after_ms: Option<u64>,
}

/// Failed participant-link exchanges (`POST /api/v1/join` answered 404,
/// 409 or 410) per client address before 429s: a courier opens one link
/// once, so ten misses in ten minutes is someone guessing tokens. The
/// route names no site until the token is read, so this is one rate for
/// the whole edge (like agent sign-in's), not a site's setting.
pub const JOIN_FAILURES: Rate = Rate::new(10, 10, 600);

/// Whether a `POST /api/v1/join` answer counts as a guess that missed.
pub fn join_missed(status: u16) -> bool {
    matches!(status, 400 | 404 | 409 | 410 | 422)
}

/// What a refused join says (the join page words it by the 429 itself).
pub fn too_many_joins_message(retry_after_ms: u64) -> String {
    format!("Too many participant links tried from your network. Try again in {} s.", retry_after_s(retry_after_ms))
}

/// Maximum characters of a public `kb/search` query.
pub const MAX_SEARCH_CHARS: usize = 500;

/// After a refusal, what keeps a sender's messages in the order typed: every
/// later message is refused too until the first refused one is back (the
/// client resends its outbox in order once the wait is over), not merely
/// until the wait's end — a frame delayed past the wait (a slow network, a
/// busy edge) must not overtake the refused one. A sender that never
/// resends it is released [`Hold::GRACE_MS`] after the wait.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hold {
    /// When the refusal's wait ends.
    pub until_ms: u64,
    /// The first refused message's `client_id` (none for frames without one).
    pub first: Option<String>,
}

/// What a [`Hold`] says of a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HoldVerdict {
    /// Refuse it: try again in this many ms.
    Refuse(u64),
    /// The hold is over: drop it and ask the bucket.
    Release,
}

impl Hold {
    /// How long after the wait a sender that never resends the refused
    /// message stays held.
    pub const GRACE_MS: u64 = 10_000;
    /// How long to tell a sender held past the wait to wait again.
    const AGAIN_MS: u64 = 250;

    pub fn verdict(&self, now_ms: u64, client_id: Option<&str>) -> HoldVerdict {
        if now_ms < self.until_ms {
            return HoldVerdict::Refuse(self.until_ms - now_ms);
        }
        match &self.first {
            Some(first) if client_id != Some(first.as_str()) && now_ms < self.until_ms + Self::GRACE_MS => {
                HoldVerdict::Refuse(Self::AGAIN_MS)
            }
            _ => HoldVerdict::Release,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_guesses_are_held_after_ten_misses_and_come_back_one_a_minute() {
        let mut b = Bucket::full(&JOIN_FAILURES, 0);
        for _ in 0..10 {
            assert_eq!(b.take(&JOIN_FAILURES, 0), Ok(()));
        }
        assert_eq!(b.peek(&JOIN_FAILURES, 0), Err(60_000));
        assert_eq!(b.take(&JOIN_FAILURES, 60_000), Ok(()));
        assert!(join_missed(404) && join_missed(409) && join_missed(410) && !join_missed(200) && !join_missed(429));
        assert_eq!(too_many_joins_message(59_001), "Too many participant links tried from your network. Try again in 60 s.");
    }

    #[test]
    fn a_burst_then_the_steady_rate() {
        let rate = Rate::new(5, 30, 3600); // one per 2 minutes
        let mut b = Bucket::full(&rate, 0);
        for _ in 0..5 {
            assert_eq!(b.take(&rate, 1_000), Ok(()));
        }
        assert_eq!(b.take(&rate, 1_000), Err(120_000), "the sixth waits for one token");
        assert_eq!(b.take(&rate, 60_000), Err(61_000), "half refilled");
        assert_eq!(b.take(&rate, 121_000), Ok(()));
        assert!(b.take(&rate, 121_001).is_err());
    }

    #[test]
    fn refusals_do_not_drain_the_bucket_and_it_never_overfills() {
        let rate = Rate::new(2, 1, 1);
        let mut b = Bucket::full(&rate, 0);
        b.take(&rate, 0).unwrap();
        b.take(&rate, 0).unwrap();
        for _ in 0..100 {
            assert!(b.take(&rate, 10).is_err());
        }
        assert_eq!(b.take(&rate, 1_000), Ok(()), "refusals cost nothing");
        let idle = Bucket::full(&rate, 0);
        assert_eq!(idle.refilled(&rate, 1_000_000), 2.0, "capped at the burst");
    }

    #[test]
    fn peek_does_not_take() {
        let rate = Rate::new(1, 1, 60);
        let mut b = Bucket::full(&rate, 0);
        assert_eq!(b.peek(&rate, 0), Ok(()));
        assert_eq!(b.peek(&rate, 0), Ok(()));
        b.take(&rate, 0).unwrap();
        assert_eq!(b.peek(&rate, 0), Err(60_000));
    }

    #[test]
    fn a_clock_going_back_refills_nothing() {
        let rate = Rate::new(1, 1, 1);
        let mut b = Bucket::full(&rate, 10_000);
        b.take(&rate, 10_000).unwrap();
        assert!(b.take(&rate, 5_000).is_err());
    }

    #[test]
    fn zero_rates_are_safe() {
        let rate = Rate::new(0, 0, 0);
        let mut b = Bucket::full(&rate, 0);
        assert!(b.take(&rate, 0).is_err());
        assert!(matches!(b.take(&rate, 0), Err(ms) if ms >= 1));
    }

    #[test]
    fn messages_people_can_act_on() {
        assert_eq!(retry_after_s(1), 1);
        assert_eq!(retry_after_s(120_000), 120);
        assert_eq!(retry_after_s(120_001), 121);
        assert_eq!(too_many_chats_message(30_000), "Too many new chats from your network \u{2014} try again in 1 minute.");
        assert_eq!(too_many_chats_message(120_001), "Too many new chats from your network \u{2014} try again in 3 minutes.");
    }

    #[test]
    fn defaults_fit_the_documented_bounds() {
        let l = Limits::default();
        assert!((5..=10).contains(&l.sessions.burst));
        assert_eq!((l.sessions.refill, l.sessions.every_s), (30, 3600));
        let parsed: Limits = serde_json::from_str(r#"{"sessions": {"burst": 100, "refill": 100, "every_s": 1}}"#).unwrap();
        assert_eq!(parsed.sessions.burst, 100);
        assert_eq!(parsed.messages, l.messages, "unnamed parts keep their defaults");
    }

    #[test]
    fn address_keys_are_tidy() {
        assert_eq!(address_key("sessions", Some("203.0.113.9")), "sessions:203.0.113.9");
        assert_eq!(address_key("sessions", Some("2001:db8::1")), "sessions:2001:db8:0:0::/64");
        // One IPv6 network, one budget, however many addresses it rotates through.
        assert_eq!(address_key("sessions", Some("2001:db8:0:0:ffff::c")), "sessions:2001:db8:0:0::/64");
        assert_ne!(address_key("sessions", Some("2001:db8:0:1::1")), address_key("sessions", Some("2001:db8::1")));
        assert_eq!(address_key("sessions", Some("::ffff:203.0.113.9")), "sessions:203.0.113.9");
        assert_eq!(address_key("sessions", None), "sessions:unknown");
        assert_eq!(address_key("sessions", Some("  ")), "sessions:unknown");
        assert_eq!(address_key("s", Some("1.2.3.4/../x'")), "s:unknown");
        assert_eq!(address_key("s", Some("2001:DB8:0::1")), "s:2001:db8:0:0::/64");
    }
    #[test]
    fn a_hold_keeps_later_messages_behind_the_refused_one() {
        let hold = Hold { until_ms: 1_000, first: Some("o10".into()) };
        assert_eq!(hold.verdict(500, Some("o11")), HoldVerdict::Refuse(500), "within the wait everything waits");
        assert_eq!(hold.verdict(500, Some("o10")), HoldVerdict::Refuse(500));
        // Past the wait, only the refused message itself opens the way.
        assert!(matches!(hold.verdict(1_500, Some("o14")), HoldVerdict::Refuse(_)), "a late frame must not overtake o10");
        assert_eq!(hold.verdict(1_500, Some("o10")), HoldVerdict::Release);
        // A sender that gave up on it is not held for ever.
        assert_eq!(hold.verdict(1_000 + Hold::GRACE_MS, Some("o14")), HoldVerdict::Release);
        // Frames without an id (typing) are held by time only.
        assert_eq!(Hold { until_ms: 1_000, first: None }.verdict(1_000, None), HoldVerdict::Release);
    }
}
