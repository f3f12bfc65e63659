//! A session as its `ChatSession` keeps it, and everything derived from it
//! without I/O: the queue's summary, the welcome's view, receipts, and the
//! counters behind them, kept up to date one message at a time.
//!
//! The edge stores the record in two parts: what rarely changes (who the
//! visitor is, the state machine, the article trail, the context) as one
//! JSON row, rewritten only when one of those changes; and [`Hot`], the
//! columns every message touches (the last `seq`, the revision, the
//! counters), so a message costs a constant amount of work however long the
//! conversation is.

use crate::frames::{ArticleTrail, Marks, Receipts, SessionFrame, SessionSummary, SessionView, VisitorContext, VisitorInfo};
use crate::ids::{AgentId, Seq, SessionId, SiteId};
use crate::session::SessionState;
use crate::ticket::TicketRef;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Longest "last message" preview kept in the queue.
pub const PREVIEW_CHARS: usize = 140;

/// Who wrote a row of the log, as the store keys it (`visitor`,
/// `agent:<id>`, `bot`, `system`; `change` for an edit, deletion or
/// reaction, which takes a place in the log of its own).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Sender {
    Visitor,
    Agent(AgentId),
    /// An external participant (`external:<id>`), by their invitation's id.
    External(String),
    Bot,
    System,
    Change,
}

impl Sender {
    pub fn key(&self) -> String {
        match self {
            Sender::Visitor => "visitor".into(),
            Sender::Agent(id) => format!("agent:{id}"),
            Sender::External(id) => format!("external:{id}"),
            Sender::Bot => "bot".into(),
            Sender::System => "system".into(),
            Sender::Change => "change".into(),
        }
    }

    pub fn parse(key: &str) -> Sender {
        match key {
            "visitor" => Sender::Visitor,
            "bot" => Sender::Bot,
            "change" => Sender::Change,
            k => match (k.strip_prefix("agent:"), k.strip_prefix("external:")) {
                (Some(id), _) => Sender::Agent(AgentId(id.to_owned())),
                (_, Some(id)) => Sender::External(id.to_owned()),
                _ => Sender::System,
            },
        }
    }

    /// Whether a message by this sender counts in the queue's
    /// `message_count` and `last_message` (people, not the bot or notices;
    /// never internal notes).
    pub fn counts(&self, internal: bool) -> bool {
        matches!(self, Sender::Visitor | Sender::Agent(_) | Sender::External(_)) && !internal
    }

    /// Whether a message by this sender is searchable in the queue (any
    /// person's message, internal notes included: only agents search).
    pub fn searchable(&self) -> bool {
        matches!(self, Sender::Visitor | Sender::Agent(_) | Sender::External(_))
    }

    /// Whether a message by this sender is a `message.created` webhook event.
    pub fn is_event(&self, internal: bool) -> bool {
        matches!(self, Sender::Visitor | Sender::Agent(_) | Sender::External(_) | Sender::Bot) && !internal
    }
}

/// Running counts behind the summary, updated per message instead of
/// counted from the log.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Counters {
    /// Visitor and agent messages, not deleted, not internal.
    pub message_count: u64,
    /// Visitor messages, not deleted.
    pub visitor_messages: u64,
    /// Preview of the newest counted message, and its seq.
    pub last_message: Option<String>,
    pub last_message_seq: Seq,
    /// Per agent who has sent a receipt: visitor messages (not deleted) up
    /// to their `seen`. Unread is `visitor_messages` minus this.
    pub seen_visitor: BTreeMap<AgentId, u64>,
}

impl Counters {
    /// A message was committed at `seq`.
    pub fn appended(&mut self, sender: &Sender, internal: bool, seq: Seq, text: &str) {
        if *sender == Sender::Visitor {
            self.visitor_messages += 1;
        }
        if sender.counts(internal) {
            self.message_count += 1;
            self.last_message = Some(preview(text));
            self.last_message_seq = seq;
        }
    }

    /// Message `seq` got new text.
    pub fn edited(&mut self, seq: Seq, text: &str) {
        if self.last_message_seq == seq && seq.0 > 0 {
            self.last_message = Some(preview(text));
        }
    }

    /// Message `seq` was deleted. `seen` gives each agent's `seen` mark.
    /// Returns true when the preview was that message: the caller then
    /// looks up the newest counted message still standing
    /// ([`Counters::set_last`]).
    pub fn deleted(&mut self, sender: &Sender, internal: bool, seq: Seq, seen: &BTreeMap<AgentId, Marks>) -> bool {
        if *sender == Sender::Visitor {
            self.visitor_messages = self.visitor_messages.saturating_sub(1);
            for (agent, count) in self.seen_visitor.iter_mut() {
                if seen.get(agent).is_some_and(|m| m.seen >= seq) {
                    *count = count.saturating_sub(1);
                }
            }
        }
        if sender.counts(internal) {
            self.message_count = self.message_count.saturating_sub(1);
            if self.last_message_seq == seq {
                self.last_message = None;
                self.last_message_seq = Seq(0);
                return true;
            }
        }
        false
    }

    pub fn set_last(&mut self, last: Option<(Seq, String)>) {
        match last {
            Some((seq, text)) => {
                self.last_message = Some(preview(&text));
                self.last_message_seq = seq;
            }
            None => {
                self.last_message = None;
                self.last_message_seq = Seq(0);
            }
        }
    }

    /// Agent `agent`'s `seen` moved forward past `newly_seen` visitor messages.
    pub fn seen(&mut self, agent: &AgentId, newly_seen: u64) {
        let count = self.seen_visitor.entry(agent.clone()).or_default();
        *count = (*count + newly_seen).min(self.visitor_messages);
    }

    /// Per agent who has opened the session, visitor messages not yet seen.
    pub fn unread(&self) -> BTreeMap<AgentId, u64> {
        self.seen_visitor.iter().map(|(id, seen)| (id.clone(), self.visitor_messages.saturating_sub(*seen))).collect()
    }
}

fn is_zero(n: &u64) -> bool {
    *n == 0
}

/// The queue's preview of a message.
pub fn preview(text: &str) -> String {
    text.chars().take(PREVIEW_CHARS).collect()
}

/// What every message changes: the log's end, the revision, the counters,
/// the receipts.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Hot {
    /// The highest position in the log (messages and changes).
    pub last_seq: Seq,
    /// Grows with every change; the queue keeps the highest.
    pub rev: u64,
    pub updated_at: u64,
    pub counters: Counters,
    pub visitor_marks: Marks,
    pub agent_marks: BTreeMap<AgentId, Marks>,
}

/// One chat: the part stored as JSON (rarely rewritten) and [`Hot`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionRecord {
    pub site: SiteId,
    pub id: SessionId,
    pub visitor: VisitorInfo,
    pub token_sha256: String,
    pub state: SessionState,
    /// What the bot suggested and the visitor opened.
    #[serde(default)]
    pub articles: ArticleTrail,
    /// What the host page says about the visitor (validated).
    #[serde(default)]
    pub context: VisitorContext,
    pub created_at: u64,
    /// Creation, then the moment of handoff (or release): the queue's order.
    pub waiting_since: u64,
    #[serde(default)]
    pub closed_at: Option<u64>,
    /// The helpdesk ticket made from this session.
    #[serde(default)]
    pub ticket: Option<TicketRef>,
    /// The visitor's rating, once given (at most one).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::csat::Rating>,
    /// External participants in it now (added, not yet removed), for the
    /// queue's row; their invitations and credentials are kept apart.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub externals: Vec<crate::participants::External>,
    /// Bytes of the attachments stored (deleted ones still count: a cap, not a quota to game).
    #[serde(default, skip_serializing_if = "is_zero")]
    pub attachment_bytes: u64,
    #[serde(skip)]
    pub hot: Hot,
}

impl SessionRecord {
    /// The next place in the log.
    pub fn next_seq(&self) -> Seq {
        Seq(self.hot.last_seq.0 + 1)
    }

    /// Something changed at `now`: a new revision.
    pub fn touch(&mut self, now: u64) {
        self.hot.rev += 1;
        self.hot.updated_at = now;
    }

    pub fn summary(&self) -> SessionSummary {
        let c = &self.hot.counters;
        SessionSummary {
            id: self.id.clone(),
            status: self.state.status,
            visitor: self.visitor.clone(),
            agent: self.state.agent.clone(),
            message_count: c.message_count,
            last_message: c.last_message.clone(),
            visitor_messages: c.visitor_messages,
            order_ref: self.context.order_ref.clone(),
            unread: c.unread(),
            created_at: self.created_at,
            waiting_since: self.waiting_since,
            updated_at: self.hot.updated_at,
            handed_off: self.state.handed_off,
            closed_by: self.state.closed_by,
            closer: self.state.closer.clone(),
            closed_at: self.closed_at,
            ticket: self.ticket.clone(),
            participants: self.state.participants.clone(),
            externals: self.externals.clone(),
            rating: self.rating.clone(),
            rev: self.hot.rev,
        }
    }

    pub fn view(&self) -> SessionView {
        SessionView {
            id: self.id.clone(),
            status: self.state.status,
            agent: self.state.agent.clone(),
            visitor: self.visitor.clone(),
            created_at: self.created_at,
            closed_by: self.state.closed_by,
            articles: self.articles.clone(),
            receipts: self.receipts(),
            context: self.context.clone(),
            ticket: self.ticket.clone(),
            participants: self.state.participants.clone(),
            rating: self.rating.clone(),
        }
    }

    /// The visitor's marks, and the furthest any agent got.
    pub fn receipts(&self) -> Receipts {
        Receipts { visitor: self.hot.visitor_marks, agents: self.hot.agent_marks.values().fold(Marks::default(), |a, b| a.max(*b)) }
    }

    pub fn status_frame(&self) -> SessionFrame {
        SessionFrame::Status {
            status: self.state.status,
            agent: self.state.agent.clone(),
            closed_by: self.state.closed_by,
            participants: self.state.participants.clone(),
        }
    }

    /// Merges a receipt from the visitor (`agent` = None) or an agent:
    /// clamped to the log (a receipt cannot claim what is not written, and
    /// `delivered` is at least `seen`), never moving back. Returns the
    /// previous marks when anything moved.
    pub fn merge_marks(&mut self, agent: Option<&AgentId>, marks: Marks) -> Option<Marks> {
        let last = self.hot.last_seq;
        let seen = marks.seen.min(last);
        let marks = Marks { delivered: marks.delivered.min(last).max(seen), seen };
        let slot = match agent {
            None => &mut self.hot.visitor_marks,
            Some(id) => self.hot.agent_marks.entry(id.clone()).or_default(),
        };
        let before = *slot;
        let merged = before.max(marks);
        if merged == before {
            return None;
        }
        *slot = merged;
        Some(before)
    }
}

/// The webhook event id of whatever sits at `seq` in a session's log: the
/// same on every retry, so receivers (and the desk) drop repeats.
pub fn event_id(session: &SessionId, seq: Seq) -> String {
    format!("evt_{session}_{seq}")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(id: &str) -> AgentId {
        AgentId(id.into())
    }

    #[test]
    fn sender_keys_round_trip() {
        for s in
            [Sender::Visitor, Sender::Agent(agent("ava")), Sender::External("ext_1".into()), Sender::Bot, Sender::System, Sender::Change]
        {
            assert_eq!(Sender::parse(&s.key()), s);
        }
        assert!(Sender::Agent(agent("ava")).counts(false));
        assert!(!Sender::Agent(agent("ava")).counts(true), "notes are not counted");
        assert!(!Sender::Bot.counts(false));
        assert!(Sender::Bot.is_event(false) && !Sender::System.is_event(false));
    }

    #[test]
    fn counters_follow_appends_edits_and_deletes() {
        let mut c = Counters::default();
        c.appended(&Sender::System, false, Seq(1), "Handed off");
        c.appended(&Sender::Visitor, false, Seq(2), "where is my order?");
        c.appended(&Sender::Agent(agent("ava")), true, Seq(3), "note");
        assert_eq!((c.message_count, c.visitor_messages), (1, 1));
        assert_eq!(c.last_message.as_deref(), Some("where is my order?"));
        c.appended(&Sender::Agent(agent("ava")), false, Seq(4), "On it");
        c.edited(Seq(4), "On it now");
        c.edited(Seq(2), "ignored: not the preview");
        assert_eq!(c.last_message.as_deref(), Some("On it now"));
        let mut marks = BTreeMap::new();
        marks.insert(agent("ava"), Marks { delivered: Seq(4), seen: Seq(4) });
        c.seen(&agent("ava"), 1);
        c.appended(&Sender::Visitor, false, Seq(5), "thanks");
        assert_eq!(c.unread()[&agent("ava")], 1);
        // Deleting the seen visitor message lowers both counts; unread stays.
        assert!(!c.deleted(&Sender::Visitor, false, Seq(2), &marks));
        assert_eq!((c.message_count, c.visitor_messages), (2, 1));
        assert_eq!(c.unread()[&agent("ava")], 1);
        // Deleting the preview asks for the next one back.
        assert!(c.deleted(&Sender::Visitor, false, Seq(5), &marks));
        assert_eq!(c.unread()[&agent("ava")], 0);
        c.set_last(Some((Seq(4), "On it now".into())));
        assert_eq!(c.last_message.as_deref(), Some("On it now"));
    }

    #[test]
    fn preview_is_cut_by_characters() {
        assert_eq!(preview(&"é".repeat(200)).chars().count(), PREVIEW_CHARS);
    }

    fn record() -> SessionRecord {
        SessionRecord {
            site: SiteId("s".into()),
            id: SessionId("0123456789abcdef0123456789abcdef".into()),
            visitor: VisitorInfo::new("Jo", None),
            token_sha256: String::new(),
            state: SessionState::default(),
            articles: Default::default(),
            context: Default::default(),
            created_at: 1,
            waiting_since: 1,
            closed_at: None,
            ticket: None,
            rating: None,
            externals: Vec::new(),
            attachment_bytes: 0,
            hot: Hot::default(),
        }
    }

    #[test]
    fn marks_are_clamped_and_only_move_forward() {
        let mut r = record();
        r.hot.last_seq = Seq(5);
        let before = r.merge_marks(None, Marks { delivered: Seq(9), seen: Seq(3) });
        assert_eq!(before, Some(Marks::default()));
        assert_eq!(r.hot.visitor_marks, Marks { delivered: Seq(5), seen: Seq(3) }, "clamped to the log");
        assert_eq!(r.merge_marks(None, Marks { delivered: Seq(1), seen: Seq(1) }), None, "never back");
        let ava = agent("ava");
        r.merge_marks(Some(&ava), Marks { delivered: Seq(2), seen: Seq(4) });
        assert_eq!(r.hot.agent_marks[&ava], Marks { delivered: Seq(4), seen: Seq(4) }, "delivered is at least seen");
        assert_eq!(r.receipts().agents.seen, Seq(4));
    }

    #[test]
    fn summary_reads_the_counters_and_revision() {
        let mut r = record();
        r.hot.counters.appended(&Sender::Visitor, false, Seq(1), "hi");
        r.hot.counters.seen(&agent("ava"), 0);
        r.touch(42);
        let s = r.summary();
        assert_eq!((s.message_count, s.visitor_messages, s.rev, s.updated_at), (1, 1, 1, 42));
        assert_eq!(s.unread[&agent("ava")], 1);
        assert_eq!(r.next_seq(), Seq(1));
        // The stored JSON has no hot part: a message never rewrites it.
        let json = serde_json::to_string(&r).unwrap();
        assert!(!json.contains("rev") && !json.contains("counters"));
        assert_eq!(event_id(&r.id, Seq(7)), "evt_0123456789abcdef0123456789abcdef_7");
    }
}
