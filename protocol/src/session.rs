//! The session state machine: who may do what, in which state.
//!
//! ```text
//!        handoff                accept (one agent wins)        close
//!  BOT ──────────▶ WAITING ───────────────────────▶ ACTIVE ───────▶ CLOSED
//!   │                 │  ◀──────── release ────────   │ ⟲ transfer     ▲
//!   │                 └──────────────── close ───────────────────────┤
//!   └──────────── resolve ("Yes, thanks") or close ──────────────────┘
//! ```
//!
//! Every session starts with the bot. It leaves BOT either resolved (the
//! visitor said the suggested articles answered them: `closed_by = bot`)
//! or handed off to the site's queue (`handed_off = true`); those two
//! flags are what the console's bot KPIs count.
//!
//! The session's Durable Object asks this module before it commits anything,
//! so the rules live in one place and are tested natively. Nothing is sent
//! after CLOSED, by anyone.

use crate::frames::ErrorCode;
use crate::ids::AgentId;
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "SCREAMING_SNAKE_CASE")]
pub enum Status {
    /// The bot answers from the help center; no agent sees it in the queue
    /// as waiting yet. The visitor may write.
    Bot,
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
            Status::Bot => "With bot",
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

/// Who ended a session.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ClosedBy {
    /// The visitor said the bot's suggestions answered their question.
    Bot,
    Visitor,
    Agent,
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
    /// An agent tried to accept or write while the bot still has the visitor.
    StillWithBot,
    /// "Yes, thanks" after the session already went to the queue.
    AlreadyHandedOff,
}

impl SessionError {
    pub fn code(&self) -> ErrorCode {
        match self {
            SessionError::Closed => ErrorCode::SessionClosed,
            SessionError::AlreadyAccepted { .. } => ErrorCode::AlreadyAccepted,
            SessionError::NotAssigned => ErrorCode::NotAssigned,
            SessionError::StillWithBot => ErrorCode::StillWithBot,
            SessionError::AlreadyHandedOff => ErrorCode::AlreadyHandedOff,
        }
    }

    pub fn message(&self) -> String {
        match self {
            SessionError::Closed => "This conversation has ended; no more messages can be sent.".into(),
            SessionError::AlreadyAccepted { by } => format!("{by} already accepted this conversation."),
            SessionError::NotAssigned => "Accept this conversation before replying to or closing it.".into(),
            SessionError::StillWithBot => {
                "The bot is still helping this visitor; the conversation reaches the queue if they ask for a person.".into()
            }
            SessionError::AlreadyHandedOff => "This conversation is already with the team; close it to end it instead.".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionState {
    pub status: Status,
    /// The agent who accepted, once ACTIVE (kept after CLOSED for the record).
    pub agent: Option<AgentRef>,
    /// Whether the session ever left the bot for the queue.
    #[serde(default)]
    pub handed_off: bool,
    /// Who ended it, once CLOSED.
    #[serde(default)]
    pub closed_by: Option<ClosedBy>,
    /// The agent who closed it, when an agent did.
    #[serde(default)]
    pub closer: Option<AgentRef>,
    /// Agents invited in by the owner (or another participant): they see
    /// and write like the owner, but the owner still decides release,
    /// transfer and close.
    #[serde(default)]
    pub participants: Vec<AgentRef>,
}

impl Default for SessionState {
    fn default() -> Self {
        SessionState { status: Status::Bot, agent: None, handed_off: false, closed_by: None, closer: None, participants: Vec::new() }
    }
}

impl SessionState {
    /// WAITING → ACTIVE. Exactly one agent wins; accepting again a session
    /// one already owns is a harmless no-op (a retried click or frame).
    /// Returns whether the state changed.
    pub fn accept(&mut self, agent: &AgentRef) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Bot => Err(SessionError::StillWithBot),
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

    /// BOT → WAITING: the visitor asked for a person (or the bot had
    /// nothing to offer). A repeat, or a session already past the bot, is a
    /// no-op. Returns whether the state changed.
    pub fn handoff(&mut self) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Waiting | Status::Active => Ok(false),
            Status::Bot => {
                self.status = Status::Waiting;
                self.handed_off = true;
                Ok(true)
            }
        }
    }

    /// BOT → CLOSED, resolved by the bot ("Yes, thanks"). Once a person is
    /// involved the bot can no longer take the credit.
    pub fn resolve_by_bot(&mut self) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Ok(false),
            Status::Waiting | Status::Active => Err(SessionError::AlreadyHandedOff),
            Status::Bot => {
                self.status = Status::Closed;
                self.closed_by = Some(ClosedBy::Bot);
                Ok(true)
            }
        }
    }

    /// ACTIVE → WAITING: the owner gives the session back to the queue.
    /// Returns whether the state changed (releasing a waiting one is a no-op).
    pub fn release(&mut self, agent: &AgentRef) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Bot => Err(SessionError::StillWithBot),
            Status::Waiting => Ok(false),
            Status::Active => {
                self.check_owner(agent)?;
                self.status = Status::Waiting;
                self.agent = None;
                // Whoever accepts next starts afresh.
                self.participants.clear();
                Ok(true)
            }
        }
    }

    /// ACTIVE stays ACTIVE with `to` as its owner; only the owner may hand
    /// it over. Returns whether the owner changed.
    pub fn transfer(&mut self, from: &AgentRef, to: &AgentRef) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Bot => Err(SessionError::StillWithBot),
            Status::Waiting => Err(SessionError::NotAssigned),
            Status::Active => {
                self.check_owner(from)?;
                if from.id == to.id {
                    return Ok(false);
                }
                self.agent = Some(to.clone());
                self.participants.retain(|p| p.id != to.id);
                Ok(true)
            }
        }
    }

    /// Gives the session to agent `to` on someone's say (`/assign` in team
    /// chat): a WAITING one is accepted on `to`'s behalf by any agent; an
    /// ACTIVE one moves as [`SessionState::transfer`] does — by its owner,
    /// or by a site ADMIN (`by_admin`), who may reassign anyone's. Returns
    /// whether the owner changed (assigning it to its owner is a no-op).
    pub fn assign(&mut self, by: &AgentRef, by_admin: bool, to: &AgentRef) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Bot => Err(SessionError::StillWithBot),
            Status::Waiting => self.accept(to),
            Status::Active if by_admin => {
                let owner = self.agent.clone().unwrap_or_else(|| by.clone());
                self.transfer(&owner, to)
            }
            Status::Active => self.transfer(by, to),
        }
    }

    /// ACTIVE: the owner or a participant brings another agent in.
    /// Returns whether anyone was added (inviting someone already in is a
    /// no-op).
    pub fn invite(&mut self, by: &AgentRef, who: &AgentRef) -> Result<bool, SessionError> {
        match self.status {
            Status::Closed => Err(SessionError::Closed),
            Status::Bot => Err(SessionError::StillWithBot),
            Status::Waiting => Err(SessionError::NotAssigned),
            Status::Active => {
                self.check_participant(by)?;
                if self.check_participant(who).is_ok() {
                    return Ok(false);
                }
                self.participants.push(who.clone());
                Ok(true)
            }
        }
    }

    /// May `actor` add a message now? The visitor may write while waiting
    /// (agents then see the question before accepting); an agent only once
    /// it owns the session or was invited in.
    pub fn authorize_send(&self, actor: &Actor) -> Result<(), SessionError> {
        match (self.status, actor) {
            (Status::Closed, _) => Err(SessionError::Closed),
            (_, Actor::Visitor) => Ok(()),
            (Status::Bot, Actor::Agent(_)) => Err(SessionError::StillWithBot),
            (Status::Waiting, Actor::Agent(_)) => Err(SessionError::NotAssigned),
            (Status::Active, Actor::Agent(agent)) => self.check_participant(agent),
        }
    }

    fn check_participant(&self, agent: &AgentRef) -> Result<(), SessionError> {
        match self.check_owner(agent) {
            Err(_) if self.participants.iter().any(|p| p.id == agent.id) => Ok(()),
            other => other,
        }
    }

    /// → CLOSED. The visitor may end their own chat; an agent may close a
    /// session it owns, or dismiss one still waiting. Returns whether the
    /// state changed (closing twice is a no-op, not an error).
    pub fn close(&mut self, actor: &Actor) -> Result<bool, SessionError> {
        match (self.status, actor) {
            (Status::Closed, _) => return Ok(false),
            (Status::Bot, Actor::Agent(_)) => return Err(SessionError::StillWithBot),
            (Status::Active, Actor::Agent(agent)) => self.check_owner(agent)?,
            _ => {}
        }
        self.status = Status::Closed;
        self.closed_by = Some(match actor {
            Actor::Visitor => ClosedBy::Visitor,
            Actor::Agent(_) => ClosedBy::Agent,
        });
        if let Actor::Agent(agent) = actor {
            self.closer = Some(agent.clone());
        }
        Ok(true)
    }

    /// While the bot has the visitor, agents only watch: nothing they do
    /// reaches the visitor (no reactions, edits or receipts; close and
    /// send are refused by [`SessionState::close`] and
    /// [`SessionState::authorize_send`]). Internal notes are for agents.
    pub fn agent_may_touch_visitor(&self) -> Result<(), SessionError> {
        match self.status {
            Status::Bot => Err(SessionError::StillWithBot),
            _ => Ok(()),
        }
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
    fn assign_accepts_a_waiting_session_for_someone_and_moves_an_active_one_by_the_owners_or_an_admins_say() {
        let (ava, ben, cai) = (agent("ava"), agent("ben"), agent("cai"));
        let mut s = waiting();
        assert_eq!(s.assign(&ava, false, &ben), Ok(true), "anyone assigns from the queue");
        assert_eq!((s.status, s.agent.as_ref().map(|a| a.id.as_str())), (Status::Active, Some("ben")));
        assert_eq!(s.assign(&ava, false, &cai), Err(SessionError::NotAssigned), "not Ava's to give");
        assert_eq!(s.assign(&ava, true, &cai), Ok(true), "a site ADMIN reassigns");
        assert_eq!(s.agent.as_ref().map(|a| a.id.as_str()), Some("cai"));
        assert_eq!(s.assign(&cai, false, &cai), Ok(false), "already theirs");
        assert_eq!(s.assign(&cai, false, &ben), Ok(true), "the owner hands it on");
        let mut bot = SessionState::default();
        assert_eq!(bot.assign(&ava, true, &ben), Err(SessionError::StillWithBot));
        assert_eq!(s.close(&Actor::Agent(ben.clone())), Ok(true));
        assert_eq!(s.assign(&ava, true, &ben), Err(SessionError::Closed));
    }

    /// A session handed to the queue, as the tests below start from.
    fn waiting() -> SessionState {
        let mut s = SessionState::default();
        assert_eq!(s.handoff(), Ok(true));
        s
    }

    #[test]
    fn a_session_starts_with_the_bot_and_agents_cannot_take_it() {
        let mut s = SessionState::default();
        assert_eq!(s.status, Status::Bot);
        assert_eq!(s.authorize_send(&Actor::Visitor), Ok(()));
        assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Err(SessionError::StillWithBot));
        assert_eq!(s.accept(&agent("ava")), Err(SessionError::StillWithBot));
        assert_eq!(s.status, Status::Bot);
    }

    #[test]
    fn handoff_moves_to_the_queue_once() {
        let mut s = SessionState::default();
        assert_eq!(s.handoff(), Ok(true));
        assert_eq!((s.status, s.handed_off), (Status::Waiting, true));
        assert_eq!(s.handoff(), Ok(false), "a second click is a no-op");
        s.accept(&agent("ava")).unwrap();
        assert_eq!(s.handoff(), Ok(false));
        assert_eq!(s.status, Status::Active);
        assert_eq!(s.resolve_by_bot(), Err(SessionError::AlreadyHandedOff), "the bot cannot take the credit");
    }

    #[test]
    fn yes_thanks_closes_as_resolved_by_the_bot() {
        let mut s = SessionState::default();
        assert_eq!(s.resolve_by_bot(), Ok(true));
        assert_eq!((s.status, s.closed_by, s.handed_off), (Status::Closed, Some(ClosedBy::Bot), false));
        assert_eq!(s.resolve_by_bot(), Ok(false));
        assert_eq!(s.handoff(), Err(SessionError::Closed));
        assert_eq!(s.authorize_send(&Actor::Visitor), Err(SessionError::Closed));
    }

    #[test]
    fn closing_records_who_closed() {
        let mut s = SessionState::default();
        s.close(&Actor::Visitor).unwrap();
        assert_eq!(s.closed_by, Some(ClosedBy::Visitor));
        let mut s = waiting();
        s.accept(&agent("ava")).unwrap();
        s.close(&Actor::Agent(agent("ava"))).unwrap();
        assert_eq!(s.closed_by, Some(ClosedBy::Agent));
    }

    #[test]
    fn the_owner_releases_to_the_queue_or_transfers() {
        let mut s = waiting();
        s.accept(&agent("ava")).unwrap();
        assert_eq!(s.release(&agent("ben")), Err(SessionError::NotAssigned));
        assert_eq!(s.transfer(&agent("ben"), &agent("cy")), Err(SessionError::NotAssigned));
        assert_eq!(s.transfer(&agent("ava"), &agent("ava")), Ok(false));
        assert_eq!(s.transfer(&agent("ava"), &agent("ben")), Ok(true));
        assert_eq!((s.status, s.agent.clone()), (Status::Active, Some(agent("ben"))));
        assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Err(SessionError::NotAssigned), "Ava let go");
        assert_eq!(s.release(&agent("ben")), Ok(true));
        assert_eq!((s.status, s.agent.clone()), (Status::Waiting, None));
        assert_eq!(s.release(&agent("ben")), Ok(false));
        assert_eq!(s.accept(&agent("cy")), Ok(true), "anyone may take it again");
        s.close(&Actor::Agent(agent("cy"))).unwrap();
        assert_eq!(s.closer, Some(agent("cy")));
        assert_eq!(s.release(&agent("cy")), Err(SessionError::Closed));
        assert_eq!(s.transfer(&agent("cy"), &agent("ava")), Err(SessionError::Closed));
        assert_eq!(SessionState::default().release(&agent("ava")), Err(SessionError::StillWithBot));
    }

    #[test]
    fn a_waiting_session_lets_the_visitor_write_but_not_agents() {
        let s = waiting();
        assert_eq!(s.status, Status::Waiting);
        assert_eq!(s.authorize_send(&Actor::Visitor), Ok(()));
        assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Err(SessionError::NotAssigned));
    }

    #[test]
    fn exactly_one_agent_wins_accept() {
        let mut s = waiting();
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
        let mut s = waiting();
        s.accept(&agent("ava")).unwrap();
        assert_eq!(s.close(&Actor::Agent(agent("ben"))), Err(SessionError::NotAssigned));
        assert_eq!(s.close(&Actor::Agent(agent("ava"))), Ok(true));
        assert_eq!(s.close(&Actor::Agent(agent("ava"))), Ok(false));
        assert_eq!(s.status, Status::Closed);
    }

    #[test]
    fn nothing_happens_after_close() {
        for closer in [Actor::Visitor, Actor::Agent(agent("ava"))] {
            let mut s = waiting();
            s.close(&closer).unwrap();
            assert_eq!(s.authorize_send(&Actor::Visitor), Err(SessionError::Closed));
            assert_eq!(s.authorize_send(&Actor::Agent(agent("ava"))), Err(SessionError::Closed));
            assert_eq!(s.accept(&agent("ava")), Err(SessionError::Closed));
            assert_eq!(s.status, Status::Closed);
        }
    }

    #[test]
    fn agents_only_watch_while_the_bot_has_the_visitor() {
        let mut s = SessionState::default();
        assert_eq!(s.close(&Actor::Agent(agent("ava"))), Err(SessionError::StillWithBot));
        assert_eq!(s.agent_may_touch_visitor(), Err(SessionError::StillWithBot));
        assert_eq!(s.status, Status::Bot);
        s.handoff().unwrap();
        assert_eq!(s.agent_may_touch_visitor(), Ok(()));
        assert_eq!(s.close(&Actor::Agent(agent("ava"))), Ok(true), "a waiting one may be dismissed");
        let mut visitor_ends = SessionState::default();
        assert_eq!(visitor_ends.close(&Actor::Visitor), Ok(true), "the visitor may always end it");
    }

    #[test]
    fn a_waiting_session_can_be_dismissed_by_any_agent() {
        let mut s = waiting();
        assert_eq!(s.close(&Actor::Agent(agent("ben"))), Ok(true));
        assert_eq!(s.agent, None);
    }

    #[test]
    fn invited_agents_write_but_the_owner_decides() {
        let (ava, ben, cy) = (agent("ava"), agent("ben"), agent("cy"));
        let mut s = waiting();
        assert_eq!(s.invite(&ava, &ben), Err(SessionError::NotAssigned), "nobody owns a waiting session");
        s.accept(&ava).unwrap();
        assert_eq!(s.invite(&ben, &cy), Err(SessionError::NotAssigned), "outsiders cannot invite");
        assert_eq!(s.authorize_send(&Actor::Agent(ben.clone())), Err(SessionError::NotAssigned));
        assert_eq!(s.invite(&ava, &ben), Ok(true));
        assert_eq!(s.invite(&ava, &ben), Ok(false), "already in");
        assert_eq!(s.invite(&ava, &ava), Ok(false), "the owner is in");
        assert_eq!(s.authorize_send(&Actor::Agent(ben.clone())), Ok(()));
        assert_eq!(s.invite(&ben, &cy), Ok(true), "participants may bring others");
        assert_eq!(s.release(&ben), Err(SessionError::NotAssigned), "only the owner releases");
        assert_eq!(s.close(&Actor::Agent(ben.clone())), Err(SessionError::NotAssigned), "only the owner closes");
        assert_eq!(s.transfer(&ava, &ben), Ok(true));
        assert_eq!(s.participants, std::slice::from_ref(&cy), "the new owner is no longer a mere participant");
        assert_eq!(s.release(&ben), Ok(true));
        assert!(s.participants.is_empty(), "a released session starts afresh");
    }
}
