//! A participant's view of a session's log, as a pure merge of frames.
//!
//! Widget and console both keep one. It holds committed messages in `seq`
//! order with no duplicates, however often a frame is repeated (reconnect,
//! resume, the sender's own broadcast after its ack), plus the sender's own
//! messages not yet acknowledged (the outbox), which are resent after every
//! reconnect and shown as "sending…".
//!
//! Another participant's `message` is forwarded before its write (so the
//! durable commit does not delay it; the edge writes it in a later task,
//! with whatever else arrived meanwhile), which makes it *tentative*: if
//! the session's object is reset before the write is durable, it was never
//! stored and a later message may take its `seq`. The merge keeps that
//! safe with one watermark, `confirmed`, the log position known committed:
//!
//! - workerd's output gate delivers a frame only once every write issued
//!   before it is durable, and a socket delivers in order. The sender's own
//!   echo (a `message` whose `ack` came first), an `updated` (each sent
//!   after its write, and the edge writes every queued message before any
//!   other work) and `welcome`'s `head` confirm what they name, once it is
//!   held; another participant's `message` confirms nothing.
//! - A reset closes the object's sockets, so a tentative message is always
//!   followed by a reconnect. `hello` resumes from [`Transcript::resume_seq`]
//!   (confirmed, and held); on `welcome` everything held beyond
//!   `min(resume_seq, head)` is dropped and the welcome's messages (the
//!   committed log after that point) take its place.
//! - A message is also unique by its author and `client_id`: a resend
//!   committed at another `seq` replaces the copy held.

use crate::frames::{Author, ErrorCode, Message, Participant, Quote, SessionFrame, SessionView};
use crate::ids::{ClientMsgId, Seq};
use crate::session::Status;
use std::collections::BTreeMap;

/// A message typed here and not yet committed. Serializable, so the widget
/// can keep its outbox in browser storage across reloads.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Pending {
    pub client_id: ClientMsgId,
    pub text: String,
    /// Set when the edge refused the message; it will not be resent.
    #[serde(default)]
    pub error: Option<String>,
    /// The refusal's code, so the widget words it in the visitor's language.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<ErrorCode>,
    /// An agent's internal note: resent as `note`, never as `send`.
    #[serde(default)]
    pub internal: bool,
    /// The message this one quotes.
    #[serde(default)]
    pub reply_to: Option<Seq>,
}

#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub session: Option<SessionView>,
    messages: BTreeMap<Seq, Message>,
    pub outbox: Vec<Pending>,
    /// The last refusal that was not about a particular message.
    pub notice: Option<String>,
    /// [`notice`](Transcript::notice)'s code, for the widget's own wording.
    pub notice_code: Option<ErrorCode>,
    /// The visitor's place in the queue while WAITING (1 = next).
    pub queue_position: Option<u32>,
    /// A handoff the edge turned into "Leave a message", and why; and how
    /// many times, so a client reacts to each one.
    pub unavailable: Option<(crate::hours::Unavailable, u32)>,
    /// Others typing right now (the session never echoes one's own).
    pub typing: Vec<Participant>,
    /// Agents only: whether the visitor is connected right now (`None`
    /// until the session says).
    pub visitor_online: Option<bool>,
    /// The edge refused a send as too fast: resend the outbox after this
    /// many ms. `retries` grows with each such refusal, so a client can
    /// react to every one (schedule one resend per change).
    pub retry_after_ms: Option<u64>,
    pub retries: u32,
    /// Highest log position received (messages and changes alike).
    cursor: Seq,
    /// Highest log position known committed (see the module's header).
    confirmed: Seq,
    /// Where each author's `client_id` is held, to keep it once.
    by_client: BTreeMap<(String, ClientMsgId), Seq>,
    /// Acks whose message has not arrived yet (it follows its ack).
    acked: BTreeMap<ClientMsgId, Seq>,
}

/// Who a `client_id` belongs to: ids are unique per sender, not globally.
fn author_key(author: &Author) -> String {
    match author {
        Author::Visitor { .. } => "visitor".into(),
        Author::Agent { id, .. } => format!("agent:{id}"),
        Author::External { id, .. } => format!("external:{id}"),
        other => format!("{other:?}"),
    }
}

impl Transcript {
    pub fn messages(&self) -> impl Iterator<Item = &Message> {
        self.messages.values()
    }

    pub fn len(&self) -> usize {
        self.messages.len()
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty()
    }

    /// The highest log position held (a message or a change to one): what
    /// receipts report delivered. `hello` sends [`Transcript::resume_seq`].
    pub fn last_seq(&self) -> Seq {
        self.cursor
    }

    /// Where `hello` resumes from: the log is known committed up to here
    /// and held up to here. Beyond it a held message may be tentative.
    pub fn resume_seq(&self) -> Seq {
        self.confirmed.min(self.cursor)
    }

    pub fn get(&self, seq: Seq) -> Option<&Message> {
        self.messages.get(&seq)
    }

    /// What a quote shows: its snippet, or a marker once the quoted
    /// message was deleted (here, or before the quote was loaded).
    pub fn quote_text<'a>(&'a self, quote: &'a Quote) -> &'a str {
        match self.messages.get(&quote.seq) {
            Some(m) if m.deleted => "Message deleted",
            _ if quote.snippet.is_empty() => "Message deleted",
            _ => &quote.snippet,
        }
    }

    /// Queues a message typed by this participant.
    pub fn queue(&mut self, client_id: ClientMsgId, text: String, reply_to: Option<Seq>) {
        self.outbox.push(Pending { client_id, text, error: None, error_code: None, internal: false, reply_to });
    }

    /// Puts back messages kept from an earlier page (after a reload), unless
    /// they are already queued or already committed.
    pub fn restore(&mut self, kept: Vec<Pending>) {
        for p in kept {
            let known = self.outbox.iter().any(|q| q.client_id == p.client_id)
                || self.messages.values().any(|m| m.client_id.as_ref() == Some(&p.client_id));
            if !known {
                self.outbox.push(p);
            }
        }
    }

    /// Queues an agent's internal note.
    pub fn queue_note(&mut self, client_id: ClientMsgId, text: String) {
        self.outbox.push(Pending { client_id, text, error: None, error_code: None, internal: true, reply_to: None });
    }

    /// Outbox entries to (re)send now.
    pub fn unsent(&self) -> impl Iterator<Item = &Pending> {
        self.outbox.iter().filter(|p| p.error.is_none())
    }

    pub fn apply(&mut self, frame: SessionFrame) {
        match frame {
            SessionFrame::Welcome { session, messages, head } => {
                self.session = Some(session);
                if let Some(head) = head {
                    self.drop_beyond(self.resume_seq().min(head));
                    self.confirmed = self.confirmed.max(head);
                }
                for m in messages {
                    self.insert(m);
                }
            }
            SessionFrame::Message { message } => self.insert(message),
            SessionFrame::Updated { message } => {
                self.confirmed = self.confirmed.max(message.log_pos());
                self.insert(message);
            }
            // The ack alone does not carry the message; it is settled when
            // the message itself arrives (the edge always sends both).
            SessionFrame::Ack { client_id, seq } => {
                if self.messages.get(&seq).is_some_and(|m| m.client_id.as_ref() == Some(&client_id)) {
                    self.confirmed = self.confirmed.max(seq);
                } else {
                    self.acked.insert(client_id, seq);
                }
            }
            SessionFrame::Pong => {}
            SessionFrame::Status { status, agent, closed_by, participants } => {
                if let Some(session) = &mut self.session {
                    session.status = status;
                    session.agent = agent;
                    session.closed_by = closed_by;
                    session.participants = participants;
                }
                if status != Status::Waiting {
                    self.queue_position = None;
                }
            }
            SessionFrame::Queue { position } => {
                if self.session.as_ref().is_some_and(|s| s.status == Status::Waiting) {
                    self.queue_position = Some(position);
                }
            }
            SessionFrame::Typing { who, typing } => {
                self.typing.retain(|t| *t != who);
                if typing {
                    self.typing.push(who);
                }
            }
            SessionFrame::Receipts { receipts } => {
                if let Some(session) = &mut self.session {
                    session.receipts.visitor = session.receipts.visitor.max(receipts.visitor);
                    session.receipts.agents = session.receipts.agents.max(receipts.agents);
                }
            }
            SessionFrame::Context { context } => {
                if let Some(session) = &mut self.session {
                    session.context = context;
                }
            }
            SessionFrame::VisitorPresence { online } => self.visitor_online = Some(online),
            SessionFrame::Unavailable { reason } => {
                let n = self.unavailable.map_or(0, |(_, n)| n);
                self.unavailable = Some((reason, n + 1));
            }
            SessionFrame::Ticket { ticket } => {
                if let Some(session) = &mut self.session {
                    session.ticket = Some(ticket);
                }
            }
            SessionFrame::Rated { rating } => {
                if let Some(session) = &mut self.session {
                    session.rating = Some(rating);
                }
            }
            SessionFrame::Articles { articles } => {
                if let Some(session) = &mut self.session {
                    session.articles = articles;
                }
            }
            // Too fast, not wrong: the message stays unsent, to go again later.
            SessionFrame::Error { code: ErrorCode::RateLimited, client_id: Some(id), retry_after_ms, .. }
                if self.outbox.iter().any(|p| p.client_id == id) =>
            {
                self.retry_after_ms = Some(retry_after_ms.unwrap_or(1_000));
                self.retries = self.retries.wrapping_add(1);
            }
            SessionFrame::Error { code, message, client_id: Some(id), .. } => match self.outbox.iter_mut().find(|p| p.client_id == id) {
                Some(p) => (p.error, p.error_code) = (Some(message), Some(code)),
                None => (self.notice, self.notice_code) = (Some(message), Some(code)),
            },
            SessionFrame::Error { code, message, client_id: None, .. } => (self.notice, self.notice_code) = (Some(message), Some(code)),
        }
    }

    /// Forgets every message held beyond `from`: what a welcome resuming
    /// from there replaces with the committed log.
    fn drop_beyond(&mut self, from: Seq) {
        let dropped = self.messages.split_off(&Seq(from.0 + 1));
        if dropped.is_empty() {
            return;
        }
        self.by_client.retain(|_, seq| *seq <= from);
        self.cursor = self.messages.values().map(Message::log_pos).max().unwrap_or_default().max(from);
    }

    fn insert(&mut self, message: Message) {
        if let Some(id) = &message.client_id {
            self.outbox.retain(|p| &p.client_id != id);
            if self.acked.get(id) == Some(&message.seq) {
                self.acked.remove(id);
                self.confirmed = self.confirmed.max(message.seq);
            }
            let key = (author_key(&message.author), id.clone());
            if let Some(held) = self.by_client.insert(key, message.seq) {
                if held != message.seq {
                    self.messages.remove(&held);
                }
            }
        }
        // Whoever just sent has stopped typing.
        let new = !self.messages.contains_key(&message.seq);
        self.typing.retain(|t| {
            !new || match (t, &message.author) {
                (Participant::Visitor, Author::Visitor { .. }) => false,
                (Participant::Agent { id, .. }, Author::Agent { id: author, .. }) => id != author,
                _ => true,
            }
        });
        self.cursor = self.cursor.max(message.log_pos());
        // The newest version of a message wins, whichever frame brought it.
        match self.messages.get(&message.seq) {
            Some(held) if held.log_pos() >= message.log_pos() => {}
            _ => {
                self.messages.insert(message.seq, message);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::VisitorInfo;
    use crate::ids::SessionId;
    use crate::session::ClosedBy;

    fn msg(seq: u64, client: Option<&str>, text: &str) -> Message {
        Message {
            seq: Seq(seq),
            client_id: client.map(|c| ClientMsgId(c.into())),
            author: Author::Visitor { name: "Jo".into() },
            text: text.into(),
            at: seq,
            articles: vec![],
            internal: false,
            ..Message::blank()
        }
    }

    fn welcome(messages: Vec<Message>) -> SessionFrame {
        SessionFrame::Welcome {
            session: SessionView::new(SessionId("0".repeat(32)), Status::Waiting, VisitorInfo::new("Jo", None), 0),
            messages,
            head: None,
        }
    }

    #[test]
    fn duplicates_and_reordering_collapse_to_seq_order() {
        let mut t = Transcript::default();
        t.apply(SessionFrame::Message { message: msg(2, None, "b") });
        t.apply(welcome(vec![msg(1, None, "a"), msg(2, None, "b")]));
        t.apply(SessionFrame::Message { message: msg(1, None, "a") });
        t.apply(SessionFrame::Message { message: msg(3, None, "c") });
        let texts: Vec<_> = t.messages().map(|m| m.text.as_str()).collect();
        assert_eq!(texts, ["a", "b", "c"]);
        assert_eq!(t.last_seq(), Seq(3));
    }

    #[test]
    fn own_message_leaves_the_outbox_when_committed() {
        let mut t = Transcript::default();
        t.queue(ClientMsgId("c1".into()), "hi".into(), None);
        t.queue(ClientMsgId("c2".into()), "there".into(), None);
        assert_eq!(t.unsent().count(), 2);
        t.apply(SessionFrame::Ack { client_id: ClientMsgId("c1".into()), seq: Seq(1) });
        t.apply(SessionFrame::Message { message: msg(1, Some("c1"), "hi") });
        assert_eq!(t.unsent().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["there"]);
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn refused_messages_stay_visible_with_their_reason_and_are_not_resent() {
        let mut t = Transcript::default();
        t.queue(ClientMsgId("c1".into()), "x".into(), None);
        t.apply(SessionFrame::Error {
            code: ErrorCode::MessageTooLong,
            message: "too long".into(),
            client_id: Some(ClientMsgId("c1".into())),
            retry_after_ms: None,
        });
        assert_eq!(t.outbox[0].error.as_deref(), Some("too long"));
        assert_eq!(t.outbox[0].error_code, Some(ErrorCode::MessageTooLong));
        assert_eq!(t.unsent().count(), 0);
        t.apply(SessionFrame::error(ErrorCode::Internal, "oops"));
        assert_eq!((t.notice.as_deref(), t.notice_code), (Some("oops"), Some(ErrorCode::Internal)));
    }

    #[test]
    fn rate_limited_messages_stay_in_the_outbox_for_a_resend() {
        let mut t = Transcript::default();
        t.queue(ClientMsgId("c1".into()), "fast".into(), None);
        t.apply(SessionFrame::Error {
            code: ErrorCode::RateLimited,
            message: "slow down".into(),
            client_id: Some(ClientMsgId("c1".into())),
            retry_after_ms: Some(1_500),
        });
        assert_eq!(t.unsent().map(|p| p.text.as_str()).collect::<Vec<_>>(), ["fast"], "nothing typed is lost");
        assert_eq!((t.retry_after_ms, t.retries), (Some(1_500), 1));
        assert_eq!(t.notice, None);
        t.apply(SessionFrame::Ack { client_id: ClientMsgId("c1".into()), seq: Seq(1) });
        t.apply(SessionFrame::Message { message: msg(1, Some("c1"), "fast") });
        assert_eq!(t.unsent().count(), 0);
    }

    #[test]
    fn typing_shows_until_stopped_or_sent() {
        let mut t = Transcript::default();
        let ava = Participant::Agent { id: crate::ids::AgentId("ava".into()), name: "Ava".into() };
        t.apply(SessionFrame::Typing { who: ava.clone(), typing: true });
        t.apply(SessionFrame::Typing { who: ava.clone(), typing: true });
        t.apply(SessionFrame::Typing { who: Participant::Visitor, typing: true });
        assert_eq!(t.typing, [ava.clone(), Participant::Visitor]);
        t.apply(SessionFrame::Typing { who: Participant::Visitor, typing: false });
        assert_eq!(t.typing, std::slice::from_ref(&ava));
        let mut reply = msg(1, None, "On it");
        reply.author = Author::Agent { id: crate::ids::AgentId("ava".into()), name: "Ava".into() };
        t.apply(SessionFrame::Message { message: reply });
        assert!(t.typing.is_empty(), "a message ends its author's typing");
    }

    #[test]
    fn the_visitor_is_online_as_the_session_last_said() {
        let mut t = Transcript::default();
        assert_eq!(t.visitor_online, None, "unknown until told");
        t.apply(SessionFrame::VisitorPresence { online: true });
        assert_eq!(t.visitor_online, Some(true));
        t.apply(SessionFrame::VisitorPresence { online: false });
        assert_eq!(t.visitor_online, Some(false));
    }

    #[test]
    fn status_frames_update_the_session() {
        let mut t = Transcript::default();
        t.apply(welcome(vec![]));
        t.apply(SessionFrame::Queue { position: 2 });
        assert_eq!(t.queue_position, Some(2), "the welcome said WAITING");
        t.apply(SessionFrame::Status { status: Status::Closed, agent: None, closed_by: Some(ClosedBy::Visitor), participants: vec![] });
        assert_eq!(t.queue_position, None, "a position means nothing once out of the queue");
        t.apply(SessionFrame::Queue { position: 1 });
        assert_eq!(t.queue_position, None, "a late position push is ignored");
        let session = t.session.unwrap();
        assert_eq!((session.status, session.closed_by), (Status::Closed, Some(ClosedBy::Visitor)));
    }

    #[test]
    fn changes_replace_older_versions_and_move_the_cursor() {
        use crate::frames::{Emoji, Quote, Reaction};
        let mut t = Transcript::default();
        t.apply(welcome(vec![msg(1, None, "helo"), msg(2, None, "where is it")]));
        let mut reply = msg(3, None, "here");
        reply.reply_to = Some(Quote { seq: Seq(2), author: "Jo".into(), snippet: "where is it".into() });
        t.apply(SessionFrame::Message { message: reply });
        let edited = Message { text: "hello".into(), edited_at: Some(9), changed: Some(Seq(4)), ..msg(1, None, "") };
        t.apply(SessionFrame::Updated { message: edited.clone() });
        assert_eq!(t.last_seq(), Seq(4), "a change moves the resume cursor");
        // A stale copy (a late broadcast, a resume overlapping) never wins.
        t.apply(SessionFrame::Message { message: msg(1, None, "helo") });
        assert_eq!(t.get(Seq(1)).map(|m| m.text.as_str()), Some("hello"));
        let gone = Message { deleted: true, changed: Some(Seq(5)), ..msg(2, None, "") };
        t.apply(SessionFrame::Updated { message: gone });
        let quote = t.get(Seq(3)).and_then(|m| m.reply_to.clone()).unwrap();
        assert_eq!(t.quote_text(&quote), "Message deleted", "a quote of a deleted message hides it");
        let mut reacted = edited;
        reacted.changed = Some(Seq(6));
        Reaction::toggle(&mut reacted.reactions, Emoji::Fire, &Participant::Visitor, true);
        t.apply(SessionFrame::Updated { message: reacted });
        assert_eq!(t.get(Seq(1)).map(|m| m.reactions.len()), Some(1));
        assert_eq!(t.len(), 3, "changes are not messages");
    }
}
