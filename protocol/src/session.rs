//! The session state machine: who may do what, in which state.
//!
//! ```text
//!            accept (one agent wins)        close
//!  WAITING ───────────────────────▶ ACTIVE ───────▶ CLOSED
//!     │                                              ▲
//!     └──────────────── close ───────────────────────┘
//! ```
//!
//! The session's Durable Object asks this module before it commits anything,
//! so the rules live in one place and are tested natively. Nothing is sent
//! after CLOSED, by anyone.

use crate::ids::AgentId;
use crate::frames::ErrorCode;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// In the site's queue, no agent yet. The visitor may already write.
    Waiting,
    /// An agent accepted it; visitor and that agent talk.
    Active,
    /// Over. The log is kept; nobody can add to it.
    Closed,
}

impl Status {
    pub fn label(self) -> &'static str {
        match self {
            Status::Waiting => "Waiting",
            Status::Active => "Active",
            Status::Closed => "Closed",
        }
    }
}

/// An agent as the session knows it: a stable id and the name shown to the visitor.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRef {
    pub id: AgentId,
    pub name: String,
}

/// Who is acting on a session.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Actor {
    Visitor,
    Agent(AgentRef),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SessionError {
    /// The session is closed; nothing more can be added.
    Closed,
    /// Accept on a session another agent already took.
    AlreadyAccepted { by: String },
    /// An agent tried to write to or close a session it does not own.
    NotAssigned,
}

impl SessionError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SessionError::Closed => ErrorCode::SessionClosed,
            SessionError::AlreadyAccepted { .. } => ErrorCode::AlreadyAccepted,
            SessionError::NotAssigned => ErrorCode::NotAssigned,
        }
    }

    pub fn message(&self) -> String {
        match self {
            SessionError::Closed => "This conversation has ended; no more messages can be sent.".into(),
            SessionError::AlreadyAccepted { by } => format!("{by} already accepted this conversation."),
            SessionError::NotAssigned => "Accept this conversation before replying to or closing it.".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub status: Status,
    /// The agent who accepted, once ACTIVE (kept after CLOSED for the record).
    pub agent: Option<AgentRef>,
}

impl Default for SessionState {
    fn default() -> Self {
        SessionState { status: Status::Waiting, agent: None }
    }
}

impl SessionState {
    /// WAITING → ACTIVE. Exactly one agent wins; accepting again a session
    /// one already owns is a harmless no-op (a retried click or frame).
    /// Returns whether the state changed.
    pub fn accept(&mut self, agent: &AgentRef) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Active => match &self.agent {
                Some(owner) if owner.id == agent.id => Ok(false),
                Some(owner) => Err(SessionError::AlreadyAccepted { by: owner.name.clone() }),
                None => Err(SessionError::AlreadyAccepted { by: "Another agent".into() }),
            },
            Status::Waiting => {
                self.status = Status::Active;
                self.agent = Some(agent.clone());
                Ok(true)
            }
        }
    }

    /// May `actor` add a message now? The visitor may write while waiting
    /// (agents then see the question before accepting); an agent only once
    /// it owns the session.
    pub fn authorize_send(&self, actor: &Actor) -> Result<(), SessionError> {
        match (self.status, actor) {
            (Status::Closed, _) => Err(SessionError::Closed),
            (_, Actor::Visitor) => Ok(()),
            (Status::Waiting, Actor::Agent(_)) => Err(SessionError::NotAssigned),
            (Status::Active, Actor::Agent(agent)) => self.check_owner(agent),
        }
    }

    /// → CLOSED. The visitor may end their own chat; an agent may close a
    /// session it owns, or dismiss one still waiting. Returns whether the
    /// state changed (closing twice is a no-op, not an error).
    pub fn close(&mut self, actor: &Actor) -> Result<bool, SessionError> {
        match (self.status, actor) {
            (Status::Closed, _) => return Ok(false),
            (Status::Active, Actor::Agent(agent)) => self.check_owner(agent)?,
            _ => {}
        }
        self.status = Status::Closed;
        Ok(true)
    }

    fn check_owner(&self, agent: &AgentRef) -> Result<(), SessionError> {
        match &self.agent {
            Some(owner) if owner.id == agent.id => Ok(()),
            _ => Err(SessionError::NotAssigned),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str) -> AgentRef {
        AgentRef { id: AgentId(id.into()), name: id.to_uppercase() }
    }

    #[test]
    fn a_session_starts_waiting_and_the_visitor_can_write() {
        let s = SessionState::default();
        assert_eq!(s.status, Status::Waiting);
        assert_eq!(s.authorize_send(&Actor::Visitor), Ok(()));
        assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Err(SessionError::NotAssigned));
    }

    #[test]
    fn exactly_one_agent_wins_accept() {
        let mut s = SessionState::default();
        assert_eq!(s.accept(&agent("ava")), Ok(true));
        assert_eq!(s.accept(&agent("ava")), Ok(false), "re-accept by the owner is a no-op");
        assert_eq!(s.accept(&agent("ben")), Err(SessionError::AlreadyAccepted { by: "AVA".into() }));
        assert_eq!(s.status, Status::Active);
        assert_eq!(s.agent, Some(agent("ava")));
        assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Ok(()));
        assert_eq!(s.authorize_send(&Actor::Agent(agent("ben"))), Err(SessionError::NotAssigned));
    }

    #[test]
    fn only_the_owner_closes_an_active_session() {
        let mut s = SessionState::default();
        s.accept(&agent("ava")).unwrap();
        assert_eq!(s.close(&Actor::Agent(agent("ben"))), Err(SessionError::NotAssigned));
        assert_eq!(s.close(&Actor::Agent(agent("ava"))), Ok(true));
        assert_eq!(s.close(&Actor::Agent(agent("ava"))), Ok(false));
        assert_eq!(s.status, Status::Closed);
    }

    #[test]
    fn nothing_happens_after_close() {
        for closer in [Actor::Visitor, Actor::Agent(agent("ava"))] {
            let mut s = SessionState::default();
            s.close(&closer).unwrap();
            assert_eq!(s.authorize_send(&Actor::Visitor), Err(SessionError::Closed));
            assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Err(SessionError::Closed));
            assert_eq!(s.accept(&agent("ava")), Err(SessionError::Closed));
            assert_eq!(s.status, Status::Closed);
        }
    }

    #[test]
    fn a_waiting_session_can_be_dismissed_by_any_agent() {
        let mut s = SessionState::default();
        assert_eq!(s.close(&Actor::Agent(agent("ben"))), Ok(true));
        assert_eq!(s.agent, None);
    }
}
