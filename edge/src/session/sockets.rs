//! The session's sockets: accepted with the hibernation API and tagged by
//! role (`visitor`, `agent`). Each carries an [`Attachment`] that survives
//! hibernation and records whether it has authenticated (`hello`) and, for
//! agents, who they are. Nothing but `hello` is accepted before that.

use super::ChatSession;
use crate::util::{self, send, Incoming};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::validate;
use porchlight_protocol::{ErrorBody, ErrorCode, Participant, SessionFrame};
use serde::{Deserialize, Serialize};
use worker::{Response, ResponseBuilder, Result, WebSocket, WebSocketPair};

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Role {
    Visitor,
    Agent,
    /// An external participant (a courier) by their credential.
    External,
}

/// Per-socket state that survives hibernation.
#[derive(Serialize, Deserialize)]
pub struct Attachment {
    pub role: Role,
    /// Set by a successful `hello`; for agents, who signed in.
    pub authed: bool,
    pub agent: Option<AgentRef>,
    /// For agents whose account an ADMIN can revoke (made over the API):
    /// the token's hash and when it was last found valid. Re-checked at
    /// most every [`RECHECK_MS`], so a revoked agent is cut off mid-chat.
    #[serde(default)]
    pub revocable: Option<(String, u64)>,
    /// The client's address (`CF-Connecting-IP` at the upgrade): an
    /// agent `hello` with a wrong token counts against the site's failed
    /// sign-in budget, as a wrong Bearer token does.
    #[serde(default)]
    pub address: Option<String>,
    /// For external participants, once their credential opened the chat.
    #[serde(default)]
    pub external: Option<porchlight_protocol::participants::External>,
}

/// How stale an API-made agent's sign-in may get before it is re-checked.
pub const RECHECK_MS: u64 = 30_000;

pub fn reject_unparsed<T>(ws: &WebSocket, incoming: Incoming<T>) -> Result<()> {
    let frame = match incoming {
        Incoming::TooLarge(n) => SessionFrame::error(
            ErrorCode::FrameTooLarge,
            format!("Frames can be at most {} bytes (this one has {n}).", validate::MAX_FRAME_BYTES),
        ),
        Incoming::Malformed(why) => SessionFrame::error(ErrorCode::BadFrame, format!("Unreadable frame: {why}.")),
        Incoming::Frame(_) => return Ok(()),
    };
    send(ws, &frame);
    Ok(())
}

pub fn refuse_hello(ws: &WebSocket, message: &str) -> Result<()> {
    send(ws, &SessionFrame::error(ErrorCode::Unauthorized, message));
    let _ = ws.close(Some(1008), Some("unauthorized"));
    Ok(())
}

impl ChatSession {
    pub(super) fn upgrade(&self, role: Role, address: Option<String>) -> Result<Response> {
        if self.record.borrow().is_none() {
            let body = ErrorBody::new(ErrorCode::NotFound, "Session not found. Start a new chat.");
            return Ok(Response::from_json(&body)?.with_status(404));
        }
        if !self.room_for_socket() {
            let body = ErrorBody::new(ErrorCode::RateLimited, "Too many open connections to this chat. Close a tab and retry.");
            return Ok(Response::from_json(&body)?.with_status(429));
        }
        let pair = WebSocketPair::new()?;
        let tag = match role {
            Role::Visitor => "visitor",
            Role::Agent => "agent",
            Role::External => "external",
        };
        self.state.accept_websocket_with_tags(&pair.server, &[tag]);
        pair.server.serialize_attachment(Attachment { role, authed: false, agent: None, revocable: None, address, external: None })?;
        self.expect_hello(pair.server.clone());
        Ok(ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty())
    }

    pub(super) fn on_socket_close(&self, ws: &WebSocket, code: usize) -> Result<()> {
        util::complete_close(ws, code);
        // Whoever left is not typing any more.
        if let Ok(Some(Attachment { authed: true, role, agent, .. })) = ws.deserialize_attachment::<Attachment>() {
            let who = match (role, agent) {
                (Role::Agent, Some(a)) => Participant::Agent { id: a.id, name: a.name },
                // External participants send no typing or presence.
                (Role::External, _) => return Ok(()),
                _ => Participant::Visitor,
            };
            self.broadcast(&SessionFrame::Typing { who, typing: false })?;
            if role == Role::Visitor && !self.visitor_online(Some(ws)) {
                self.to_agents(&SessionFrame::VisitorPresence { online: false })?;
            }
        }
        Ok(())
    }

    /// Whether a signed-in visitor socket is open, besides `leaving`.
    pub(super) fn visitor_online(&self, leaving: Option<&WebSocket>) -> bool {
        self.state.get_websockets_with_tag("visitor").iter().any(|ws| {
            Some(ws) != leaving
                && ws.as_ref().ready_state() == web_sys::WebSocket::OPEN
                && matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { authed: true, .. })))
        })
    }

    /// Sends a frame to every authenticated participant.
    pub(super) fn broadcast(&self, frame: &SessionFrame) -> Result<()> {
        self.send_tagged(None, frame)
    }

    pub(super) fn to_visitors(&self, frame: &SessionFrame) -> Result<()> {
        self.send_tagged(Some("visitor"), frame)
    }

    pub(super) fn to_agents(&self, frame: &SessionFrame) -> Result<()> {
        self.send_tagged(Some("agent"), frame)
    }

    pub(super) fn to_agents_except(&self, agent: &AgentRef, frame: &SessionFrame) -> Result<()> {
        let json = serde_json::to_string(frame)?;
        for ws in self.state.get_websockets_with_tag("agent") {
            if let Ok(Some(Attachment { authed: true, agent: Some(a), .. })) = ws.deserialize_attachment::<Attachment>() {
                if a.id != agent.id {
                    let _ = ws.send_with_str(&json);
                }
            }
        }
        Ok(())
    }

    /// Sends `json` to every authenticated socket but the sender's, and
    /// returns them.
    pub(super) fn forward(&self, from: &WebSocket, json: &str) -> Vec<WebSocket> {
        let mut to = self.state.get_websockets();
        to.retain(|ws| ws != from && authed(ws));
        for ws in &to {
            let _ = ws.send_with_str(json);
        }
        to
    }

    fn send_tagged(&self, tag: Option<&str>, frame: &SessionFrame) -> Result<()> {
        let json = serde_json::to_string(frame)?;
        let sockets = match tag {
            Some(tag) => self.state.get_websockets_with_tag(tag),
            None => self.state.get_websockets(),
        };
        for ws in sockets {
            if authed(&ws) {
                let _ = ws.send_with_str(&json);
            }
        }
        Ok(())
    }
}

/// Whether a socket has said a valid `hello`: reads one field of the
/// attachment rather than deserializing all of it.
pub(super) fn authed(ws: &WebSocket) -> bool {
    #[derive(Deserialize)]
    struct Authed {
        authed: bool,
    }
    matches!(ws.deserialize_attachment::<Authed>(), Ok(Some(Authed { authed: true })))
}
