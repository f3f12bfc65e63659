//! Newtype identifiers.
//!
//! They serialize as plain JSON strings. Constructors that accept untrusted
//! input (`parse`) check the shape, so the edge can refuse a malformed id
//! before it names a Durable Object after it.

use serde::{Deserialize, Serialize};
use std::fmt;

macro_rules! string_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(pub String);

        impl $name {
            pub fn as_str(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                Self(s.to_owned())
            }
        }
    };
}

string_id!(
    /// A site, as named in the embed tag's `data-site` (e.g. `copper-kettle`).
    SiteId
);
string_id!(
    /// A chat session: 32 lowercase hex digits (128 random bits).
    SessionId
);
string_id!(
    /// An agent account within a site (e.g. `ava`).
    AgentId
);
string_id!(
    /// Chosen by the sender of a message so that a resend can be recognised
    /// and answered with the original acknowledgement instead of a copy.
    ClientMsgId
);

/// Position of a message in its session's log. Assigned by the session's
/// Durable Object at commit time, starting at 1 and without gaps; this, not a
/// timestamp, is what orders a conversation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
#[serde(transparent)]
pub struct Seq(pub u64);

impl Seq {
    pub fn next(self) -> Seq {
        Seq(self.0 + 1)
    }
}

impl fmt::Display for Seq {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

/// Length of a session id in hex digits.
pub const SESSION_ID_HEX_LEN: usize = 32;

impl SessionId {
    /// Accepts exactly 32 lowercase hex digits.
    pub fn parse(s: &str) -> Option<SessionId> {
        let ok = s.len() == SESSION_ID_HEX_LEN && s.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b));
        ok.then(|| SessionId(s.to_owned()))
    }
}

impl SiteId {
    /// Accepts 1–64 characters of lowercase ASCII letters, digits and `-`.
    pub fn parse(s: &str) -> Option<SiteId> {
        let ok = !s.is_empty() && s.len() <= 64 && s.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-');
        ok.then(|| SiteId(s.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn session_ids_must_be_128_bit_hex() {
        assert!(SessionId::parse("0123456789abcdef0123456789abcdef").is_some());
        assert!(SessionId::parse("0123456789ABCDEF0123456789abcdef").is_none());
        assert!(SessionId::parse("0123").is_none());
        assert!(SessionId::parse("../../etc/passwd00000000000000000").is_none());
    }

    #[test]
    fn site_ids_are_slugs() {
        assert!(SiteId::parse("copper-kettle").is_some());
        assert!(SiteId::parse("").is_none());
        assert!(SiteId::parse("Copper").is_none());
        assert!(SiteId::parse("a/b").is_none());
    }
}
