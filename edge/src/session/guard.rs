//! Abuse limits on one session ([`porchlight_protocol::limits`]): how fast
//! its sockets may send frames, how much it may hold, how many sockets it
//! may have, and how long a socket may stay without `hello`.
//!
//! The frame buckets live in memory, so the hot path pays a map lookup
//! and a little arithmetic, never a write. A refused frame writes its
//! bucket to storage, and a bucket is read back once per wake-up: an
//! abuser who is being refused stays refused across an eviction, and the
//! idle time an object needs to be evicted refills a bucket anyway.

use super::sockets::{authed, Attachment};
use super::ChatSession;
use crate::config;
use crate::util::{now_ms, send};
use porchlight_protocol::limits::{Bucket, Hold, HoldVerdict, Limits, Rate};
use porchlight_protocol::record::SessionRecord;
use porchlight_protocol::{ErrorCode, SessionFrame};
use serde::Deserialize;
use std::collections::HashMap;
use worker::{Result, WebSocket};

/// How long a socket may stay open without a valid `hello`.
pub const HELLO_WITHIN_MS: u64 = 10_000;

/// Which bucket a frame draws from.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Class {
    /// Messages, notes, edits, deletions, reactions.
    Messages,
    /// Typing and context.
    Chatter,
}

#[derive(Default)]
pub struct Guard {
    /// The site's limits, read once per wake-up.
    limits: Option<Limits>,
    buckets: HashMap<String, Bucket>,
    /// Per bucket key, the hold after a refusal ([`Hold`]): every later
    /// frame of that class is refused too, even if a token came back, until
    /// the first refused message is resent, so a message sent after a refused
    /// one can never be stored before it.
    held: HashMap<String, Hold>,
    /// Characters of message text stored (summed once per wake-up).
    text_chars: Option<u64>,
}

pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL)";

#[derive(Deserialize)]
struct Row {
    tokens: f64,
    at_ms: f64,
}

impl ChatSession {
    /// The site's limits (defaults if the site is gone from `SITES`).
    pub(super) fn limits(&self) -> Limits {
        if let Some(l) = &self.guard.borrow().limits {
            return l.clone();
        }
        let site = self.record.borrow().as_ref().map(|r| r.site.clone());
        let limits = site
            .and_then(|site| config::sites(&self.env).ok().and_then(|sites| sites.get(&site).map(|s| s.limits.clone())))
            .unwrap_or_default();
        self.guard.borrow_mut().limits = Some(limits.clone());
        limits
    }

    /// Takes a token for `who` (`visitor`, or an agent id) from `class`'s
    /// bucket: `Err(ms)` to wait.
    pub(super) fn admit(&self, who: &str, class: Class, client_id: Option<&str>) -> std::result::Result<(), u64> {
        let limits = self.limits();
        let (rate, name): (Rate, &str) = match class {
            Class::Messages => (limits.messages, "messages"),
            Class::Chatter => (limits.chatter, "chatter"),
        };
        let key = format!("{who}:{name}");
        let now = now_ms();
        let mut guard = self.guard.borrow_mut();
        if !guard.buckets.contains_key(&key) {
            let stored = self.stored_bucket(&key);
            guard.buckets.insert(key.clone(), stored.unwrap_or(Bucket::full(&rate, now)));
        }
        if let Some(hold) = guard.held.get(&key) {
            match hold.verdict(now, client_id) {
                HoldVerdict::Refuse(ms) => return Err(ms),
                HoldVerdict::Release => {
                    guard.held.remove(&key);
                }
            }
        }
        let Some(bucket) = guard.buckets.get_mut(&key) else { return Ok(()) };
        let outcome = bucket.take(&rate, now);
        if let Err(wait) = outcome {
            let b = *bucket;
            guard.held.insert(key.clone(), Hold { until_ms: now + wait, first: client_id.map(str::to_owned) });
            drop(guard);
            self.store_bucket(&key, &b);
        }
        outcome
    }

    fn stored_bucket(&self, key: &str) -> Option<Bucket> {
        let rows: Vec<Row> =
            self.storage.sql().exec("SELECT tokens, at_ms FROM limits WHERE key = ?", vec![key.to_owned().into()]).ok()?.to_array().ok()?;
        rows.first().map(|r| Bucket { tokens: r.tokens, at_ms: r.at_ms as u64 })
    }

    fn store_bucket(&self, key: &str, b: &Bucket) {
        let result = self.storage.sql().exec(
            "INSERT INTO limits (key, tokens, at_ms) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at_ms = excluded.at_ms",
            vec![key.to_owned().into(), b.tokens.into(), (b.at_ms as i64).into()],
        );
        if let Err(e) = result {
            worker::console_error!("ChatSession: storing a rate limit failed: {e}");
        }
    }

    /// `Err(sentence)` when the session cannot hold `text` more.
    pub(super) fn room_for(&self, record: &SessionRecord, text: &str) -> std::result::Result<(), String> {
        let limits = self.limits();
        if record.hot.last_seq.0 >= limits.max_log {
            return Err(format!("This conversation is full ({} entries). Please start a new chat.", limits.max_log));
        }
        let stored = self.text_chars()?;
        if stored + text.chars().count() as u64 > limits.max_text_chars {
            return Err(format!("This conversation is full ({} characters). Please start a new chat.", limits.max_text_chars));
        }
        Ok(())
    }

    fn text_chars(&self) -> std::result::Result<u64, String> {
        if let Some(n) = self.guard.borrow().text_chars {
            return Ok(n);
        }
        #[derive(Deserialize)]
        struct Sum {
            n: f64,
        }
        let n = self
            .storage
            .sql()
            .exec("SELECT COALESCE(SUM(length(text)), 0) AS n FROM messages", None)
            .and_then(|c| c.one::<Sum>())
            .map(|s| s.n as u64)
            .map_err(|e| format!("Could not check the conversation's size: {e}"))?;
        self.guard.borrow_mut().text_chars = Some(n);
        Ok(n)
    }

    /// Whether another socket may open on this session.
    pub(super) fn room_for_socket(&self) -> bool {
        self.state.get_websockets().len() < self.limits().max_sockets
    }

    /// Closes `ws` (1008) if it has not said a valid `hello` within
    /// [`HELLO_WITHIN_MS`]. A timer in this object; the socket is new, so
    /// the object is awake anyway, and the wait is short.
    pub(super) fn expect_hello(&self, ws: WebSocket) {
        self.state.wait_until(async move {
            worker::Delay::from(std::time::Duration::from_millis(HELLO_WITHIN_MS)).await;
            if ws.as_ref().ready_state() == web_sys::WebSocket::OPEN && !authed(&ws) {
                send(&ws, &SessionFrame::error(ErrorCode::Unauthorized, "No hello within 10 s."));
                let _ = ws.close(Some(1008), Some("no hello"));
            }
        });
    }

    /// `POST /revoke`: the agent's account was revoked. Its sockets here
    /// get nothing more (signed out at once) and are closed.
    pub(super) fn revoke(&self, agent: &porchlight_protocol::AgentId) -> Result<()> {
        for ws in self.state.get_websockets_with_tag("agent") {
            if let Ok(Some(a)) = ws.deserialize_attachment::<Attachment>() {
                if a.agent.as_ref().is_some_and(|me| &me.id == agent) {
                    ws.serialize_attachment(Attachment { authed: false, agent: None, revocable: None, ..a })?;
                    send(&ws, &SessionFrame::error(ErrorCode::Unauthorized, "Your agent account was revoked."));
                    let _ = ws.close(Some(1008), Some("revoked"));
                }
            }
        }
        Ok(())
    }
}

/// The refusal of a too-fast frame; `client_id` for a `send` or `note`.
pub fn too_fast(ws: &WebSocket, ms: u64, client_id: Option<porchlight_protocol::ClientMsgId>) {
    let wait = porchlight_protocol::limits::retry_after_s(ms);
    send(
        ws,
        &SessionFrame::Error {
            code: ErrorCode::RateLimited,
            message: format!("You are sending faster than we can keep up with. Trying again in {wait} s."),
            client_id,
            retry_after_ms: Some(ms),
        },
    );
}

/// The bucket a visitor frame draws from, the `client_id` to name in a
/// refusal, and whether a refusal is silent (typing: the next one says it).
pub fn visitor_class(frame: &porchlight_protocol::VisitorFrame) -> Option<(Class, Option<porchlight_protocol::ClientMsgId>, bool)> {
    use porchlight_protocol::VisitorFrame as F;
    match frame {
        F::Send { client_id, .. } => Some((Class::Messages, Some(client_id.clone()), false)),
        F::Edit { .. } | F::Delete { .. } | F::React { .. } => Some((Class::Messages, None, false)),
        F::Context { .. } => Some((Class::Chatter, None, false)),
        F::Typing { .. } => Some((Class::Chatter, None, true)),
        _ => None,
    }
}

/// [`visitor_class`] for external participants: a message is a message.
pub fn external_class(
    frame: &porchlight_protocol::participants::ExternalFrame,
) -> Option<(Class, Option<porchlight_protocol::ClientMsgId>, bool)> {
    match frame {
        porchlight_protocol::participants::ExternalFrame::Send { client_id, .. } => Some((Class::Messages, Some(client_id.clone()), false)),
        _ => None,
    }
}

/// [`visitor_class`] for agents.
pub fn agent_class(frame: &porchlight_protocol::AgentFrame) -> Option<(Class, Option<porchlight_protocol::ClientMsgId>, bool)> {
    use porchlight_protocol::AgentFrame as F;
    match frame {
        F::Send { client_id, .. } | F::Note { client_id, .. } => Some((Class::Messages, Some(client_id.clone()), false)),
        F::Edit { .. } | F::Delete { .. } | F::React { .. } => Some((Class::Messages, None, false)),
        F::Typing { .. } => Some((Class::Chatter, None, true)),
        _ => None,
    }
}

impl super::Core {
    /// A message of `text` was stored.
    pub(super) fn stored_text(&self, text: &str) {
        if let Some(n) = &mut self.guard.borrow_mut().text_chars {
            *n += text.chars().count() as u64;
        }
    }
}
