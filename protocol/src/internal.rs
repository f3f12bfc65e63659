//! Bodies of the routes between Durable Objects (`docs/PROTOCOL.md`,
//! "Between Durable Objects"). The edge's typed clients
//! (`edge/src/internal.rs`) send and read exactly these.

use crate::frames::{SessionSummary, VisitorInfo};
use crate::ids::{AgentId, Seq, SessionId, SiteId};
use crate::session::AgentRef;
use crate::webhook::Event;
use serde::{Deserialize, Serialize};

/// `POST /sync`, session → `SiteQueue`: what the queue must learn since the
/// session's last sync, coalesced (at most one per session per
/// [`SYNC_WINDOW_MS`]). Applying it twice changes nothing: the summary is
/// kept only if its `rev` is higher, texts are keyed by message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueSync {
    pub site: SiteId,
    pub session: SessionId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<SessionSummary>,
    /// Messages whose searchable text is new, edited or (`None`) deleted.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub texts: Vec<SearchText>,
}

/// How often a session tells each other object about itself, at most.
pub const SYNC_WINDOW_MS: u64 = 250;

/// The text the queue's search holds for message `seq` of a session;
/// `None` forgets it (a deleted message must not be findable).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SearchText {
    pub seq: Seq,
    pub text: Option<String>,
}

/// `POST /position`, `SiteQueue` → session: the visitor's place in line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Position {
    pub position: u32,
}

/// The answer to the queue's `GET /position/{id}`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PositionAnswer {
    pub position: Option<u32>,
}

/// The answer to the queue's `GET /agents-online`: agents with a console
/// open and not away.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentsOnline {
    pub online: u32,
}

/// `POST /events`, session → `SiteDesk`: webhook events in log order, each
/// with an id that is the same on every retry (the desk stores each once).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct EventBatch {
    pub site: SiteId,
    pub events: Vec<KeyedEvent>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeyedEvent {
    pub id: String,
    pub event: Event,
}

/// `POST /tickets`, session → `SiteDesk`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketDraft {
    pub site: SiteId,
    /// `None` for a team ticket, whose `source` names the channel message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionId>,
    pub subject: String,
    pub requester: VisitorInfo,
    pub description: String,
    pub created_by: AgentRef,
    #[serde(default)]
    pub source: crate::ticket::TicketSource,
    /// The session's rating when the ticket is made after the visitor
    /// rated: the `session.rated` event that sets it on a ticket went by
    /// before the ticket existed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::csat::Rating>,
}

/// `POST /tickets/{number}/replies` Worker → `SiteDesk`, and
/// `POST /ticket-reply` Worker → `ChatSession`: an agent's answer to a ticket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketReplyDraft {
    pub agent: AgentRef,
    pub text: String,
}

/// `POST /agents/auth`, any → `SiteDesk`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TokenCheck {
    pub token_sha256: String,
}

/// `POST /revoked`, Worker → `SiteQueue`: close this agent's consoles.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Revoked {
    pub agent: AgentId,
}

/// `POST /bot`, session → `KnowledgeBase`: a visitor message for the bot.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotTurn {
    pub message: String,
    /// The visitor's widget language (`VisitorInfo::locale`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn golden_sync_and_events() {
        let sync = QueueSync {
            site: SiteId("copper-kettle".into()),
            session: SessionId("5f0c".into()),
            summary: None,
            texts: vec![SearchText { seq: Seq(5), text: Some("where is my order?".into()) }, SearchText { seq: Seq(3), text: None }],
        };
        let json = serde_json::to_string(&sync).unwrap();
        assert_eq!(
            json,
            r#"{"site":"copper-kettle","session":"5f0c","texts":[{"seq":5,"text":"where is my order?"},{"seq":3,"text":null}]}"#
        );
        assert_eq!(serde_json::from_str::<QueueSync>(&json).unwrap(), sync);
        let batch: EventBatch = serde_json::from_str(
            r#"{"site":"copper-kettle","events":[{"id":"evt_5f0c_4","event":{"type":"message.created","data":{"session":"5f0c","message":{"seq":4,"author":{"kind":"bot"},"text":"Hi","at":1}}}}]}"#,
        )
        .unwrap();
        assert_eq!(batch.events[0].id, "evt_5f0c_4");
    }
}

/// `POST /identities`, Worker → `SiteDesk`: session `session` belongs to
/// verified user `user_id` (the continuity index; also how export and
/// erase by user id find the user's sessions).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityLink {
    pub user_id: String,
    pub session: SessionId,
}

/// `POST /identities/list`, Worker → `SiteDesk`: the user's sessions, newest first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct IdentityQuery {
    pub user_id: String,
    pub limit: u32,
}

/// `POST /erase` (to `SiteQueue` and `SiteDesk`) and `POST /export` (to
/// `SiteDesk`): one session's data.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRef {
    pub session: SessionId,
}

/// `POST /assign` (team → `ChatSession`): `/assign` typed in team chat by
/// `by` (a site ADMIN when `by_admin`), giving the session to `to`
/// ([`crate::SessionState::assign`]).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignRequest {
    pub by: AgentRef,
    #[serde(default)]
    pub by_admin: bool,
    pub to: AgentRef,
}

/// `200` of `POST /assign`: whether the owner changed.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssignAnswer {
    pub changed: bool,
}
