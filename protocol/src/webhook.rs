//! Webhooks: what the edge POSTs to a site's registered URLs.
//!
//! Every delivery is one [`WebhookEvent`] as JSON, with headers
//!
//! - `Porchlight-Event`: the event's `type` (`session.waiting`, …),
//! - `Porchlight-Delivery`: the event id (the same on every retry, so a
//!   receiver can drop duplicates),
//! - `Porchlight-Signature`: `sha256=` and the lowercase hex HMAC-SHA256
//!   of the raw body under the webhook's secret.
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
    /// A visitor, agent or bot message (not notices, not internal notes).
    #[serde(rename = "message.created")]
    MessageCreated { session: SessionId, message: Message },
    #[serde(rename = "ticket.created")]
    TicketCreated(Ticket),
    /// An agent answered a ticket (an offline message, typically): the
    /// requester's email is here, so the site can send the answer.
    #[serde(rename = "ticket.replied")]
    TicketReplied { ticket: u64, session: SessionId, requester: crate::frames::VisitorInfo, reply: crate::ticket::TicketReply },
}

impl Event {
    /// The event's `type`, for the `Porchlight-Event` header.
    pub fn kind(&self) -> &'static str {
        match self {
            Event::SessionWaiting(_) => "session.waiting",
            Event::SessionAccepted(_) => "session.accepted",
            Event::SessionClosed(_) => "session.closed",
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
    /// Set only in the answer to the registration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
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

/// Whether `url` may receive webhooks: `https://` anywhere, `http://`
/// only to this machine (for development). Returns the reason if not.
pub fn check_url(url: &str) -> Result<(), String> {
    let url = url.trim();
    if url.len() > 2000 {
        return Err("The URL is too long (at most 2000 characters).".into());
    }
    let (scheme, rest) = url.split_once("://").ok_or("The URL must start with https://.")?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    let hostname = host.rsplit_once(':').map_or(host, |(h, port)| if port.bytes().all(|b| b.is_ascii_digit()) { h } else { host });
    if hostname.is_empty() || host.contains('@') || rest.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err("The URL has no valid host.".into());
    }
    match scheme.to_ascii_lowercase().as_str() {
        "https" => Ok(()),
        "http" if matches!(hostname, "127.0.0.1" | "localhost" | "[::1]") => Ok(()),
        "http" => Err("Webhooks must use https:// (plain http is allowed only to localhost).".into()),
        _ => Err("The URL must start with https://.".into()),
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
            number: 7,
            site: SiteId("copper-kettle".into()),
            session: SessionId("a".repeat(32)),
            subject: "Grinder".into(),
            requester: VisitorInfo { name: "Jo".into(), email: None },
            description: "…".into(),
            created_by: AgentRef { id: AgentId("ava".into()), name: "Ava".into() },
            created_at: 5,
            source: Default::default(),
            replies: Vec::new(),
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
    fn only_https_or_local_http() {
        assert!(check_url("https://hooks.example.com/porchlight").is_ok());
        assert!(check_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(check_url("http://localhost/hook").is_ok());
        assert!(check_url("http://hooks.example.com/").is_err());
        assert!(check_url("ftp://x").is_err());
        assert!(check_url("https://").is_err());
        assert!(check_url("https://user@evil.example").is_err());
        assert!(check_url("javascript:alert(1)").is_err());
    }
}
