//! The client merge against an edge that forwards each message before its
//! commit (docs/RELIABILITY.md, "Forwarded before the commit"): under any
//! interleaving of sends, deliveries, commits, object resets, dropped
//! sockets, reconnects and resends, every client's log agrees with what
//! was committed up to its resume point, holds no message twice, and in
//! the end equals the committed log, with nothing typed lost.
//!
//! The model edge is the real one's order of effects (`on_send` and
//! `edge/src/session/unwritten.rs`): check the client id (stored or
//! queued), take the next `seq`, forward to the other sockets and queue
//! the write; later, or before any other work (a hello), write the whole
//! queue, then ack and echo to each sender. workerd's output gate is a
//! frame's `gate`: it is delivered only once that many log rows are
//! durable, and a reset loses the queue, the rows not yet durable and
//! every socket.

use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{Author, ClientMsgId, Message, Seq, SessionFrame, SessionId, SessionView, Status, VisitorInfo};
use proptest::prelude::*;
use std::collections::VecDeque;

const CLIENTS: usize = 3;

fn author(c: usize) -> Author {
    match c {
        0 => Author::Visitor { name: "Jo".into() },
        n => Author::Agent { id: porchlight_protocol::AgentId(format!("a{n}")), name: format!("Agent {n}") },
    }
}

#[derive(Clone, Debug)]
enum Op {
    Type(usize),
    Deliver(usize),
    Write,
    Commit,
    Reset,
    Cut(usize),
    Connect(usize),
}

fn op() -> impl Strategy<Value = Op> {
    let c = 0..CLIENTS;
    prop_oneof![
        3 => c.clone().prop_map(Op::Type),
        6 => c.clone().prop_map(Op::Deliver),
        3 => Just(Op::Write),
        3 => Just(Op::Commit),
        1 => Just(Op::Reset),
        1 => c.clone().prop_map(Op::Cut),
        2 => c.prop_map(Op::Connect),
    ]
}

struct Frame {
    gate: usize,
    frame: SessionFrame,
}

#[derive(Default)]
struct Edge {
    durable: Vec<Message>,
    /// Written by this incarnation, not yet durable.
    issued: Vec<Message>,
    /// Forwarded, not yet written: (sender, its socket, message).
    queued: Vec<(usize, u64, Message)>,
}

impl Edge {
    fn head(&self) -> usize {
        self.durable.len() + self.issued.len()
    }

    fn stored(&self) -> impl Iterator<Item = &Message> {
        self.durable.iter().chain(&self.issued)
    }

    fn next_seq(&self) -> Seq {
        Seq((self.head() + self.queued.len()) as u64 + 1)
    }
}

struct World {
    edge: Edge,
    clients: Vec<Transcript>,
    sockets: Vec<Option<VecDeque<Frame>>>,
    /// Which connection each client's socket is (acks go to the sender's).
    generation: Vec<u64>,
    typed: Vec<(usize, ClientMsgId)>,
}

impl World {
    fn new() -> World {
        World {
            edge: Edge::default(),
            clients: (0..CLIENTS).map(|_| Transcript::default()).collect(),
            sockets: (0..CLIENTS).map(|_| None).collect(),
            generation: vec![0; CLIENTS],
            typed: Vec::new(),
        }
    }

    fn push(&mut self, c: usize, gate: usize, frame: SessionFrame) {
        if let Some(inbox) = &mut self.sockets[c] {
            inbox.push_back(Frame { gate, frame });
        }
    }

    /// The edge's `on_send`.
    fn send(&mut self, c: usize, client_id: ClientMsgId, text: String) {
        let who = author(c);
        let known = self.edge.stored().find(|m| m.author == who && m.client_id.as_ref() == Some(&client_id)).map(|m| m.seq);
        if let Some(seq) = known {
            let gate = self.edge.head();
            self.push(c, gate, SessionFrame::Ack { client_id, seq });
            return;
        }
        if self.edge.queued.iter().any(|(_, _, m)| m.author == who && m.client_id.as_ref() == Some(&client_id)) {
            return;
        }
        let seq = self.edge.next_seq();
        let message = Message { seq, client_id: Some(client_id.clone()), author: who, text, at: seq.0, ..Message::blank() };
        let before = self.edge.head();
        for other in (0..CLIENTS).filter(|&o| o != c) {
            self.push(other, before, SessionFrame::Message { message: message.clone() });
        }
        self.edge.queued.push((c, self.generation[c], message));
    }

    /// `write_unwritten`: the queue in one turn, then each sender's ack and echo.
    fn write(&mut self) {
        let queued = std::mem::take(&mut self.edge.queued);
        for (_, _, m) in &queued {
            self.edge.issued.push(m.clone());
        }
        let after = self.edge.head();
        for (c, generation, message) in queued {
            if generation != self.generation[c] {
                continue; // that socket is gone
            }
            let client_id = message.client_id.clone().unwrap();
            self.push(c, after, SessionFrame::Ack { client_id, seq: message.seq });
            self.push(c, after, SessionFrame::Message { message });
        }
    }

    fn apply(&mut self, op: &Op) {
        match *op {
            Op::Type(c) => {
                let id = ClientMsgId(format!("c{c}-{}", self.typed.len()));
                self.typed.push((c, id.clone()));
                let text = format!("{} from {c}", self.typed.len());
                self.clients[c].queue(id.clone(), text.clone(), None);
                if self.sockets[c].is_some() {
                    self.send(c, id, text);
                }
            }
            Op::Deliver(c) => {
                let durable = self.edge.durable.len();
                let Some(inbox) = &mut self.sockets[c] else { return };
                if inbox.front().is_none_or(|f| f.gate > durable) {
                    return;
                }
                let Some(Frame { frame, .. }) = inbox.pop_front() else { return };
                let welcome = matches!(frame, SessionFrame::Welcome { .. });
                self.clients[c].apply(frame);
                if welcome {
                    // Real clients resend their outbox once the welcome is in.
                    let unsent: Vec<_> = self.clients[c].unsent().map(|p| (p.client_id.clone(), p.text.clone())).collect();
                    for (id, text) in unsent {
                        self.send(c, id, text);
                    }
                }
            }
            Op::Write => self.write(),
            Op::Commit => {
                if !self.edge.issued.is_empty() {
                    let m = self.edge.issued.remove(0);
                    self.edge.durable.push(m);
                }
            }
            Op::Reset => {
                self.edge.issued.clear();
                self.edge.queued.clear();
                self.sockets.iter_mut().for_each(|s| *s = None);
            }
            Op::Cut(c) => self.sockets[c] = None,
            Op::Connect(c) => {
                if self.sockets[c].is_some() {
                    return;
                }
                // A hello is other work: the queue is written first.
                self.write();
                self.sockets[c] = Some(VecDeque::new());
                self.generation[c] += 1;
                let head = Seq(self.edge.head() as u64);
                let from = self.clients[c].resume_seq().min(head);
                let messages = self.edge.stored().filter(|m| m.seq > from).cloned().collect();
                let session = SessionView::new(SessionId("0".repeat(32)), Status::Active, VisitorInfo::new("Jo", None), 0);
                self.push(c, head.0 as usize, SessionFrame::Welcome { session, messages, head: Some(head) });
            }
        }
    }

    /// What each client may rely on: up to its resume point it holds
    /// exactly the committed log, and no message twice.
    fn check(&self) -> Result<(), TestCaseError> {
        for (c, t) in self.clients.iter().enumerate() {
            let upto = t.resume_seq().0 as usize;
            prop_assert!(
                upto <= self.edge.durable.len(),
                "client {c} resumes from {upto}, beyond the committed {}",
                self.edge.durable.len()
            );
            let held: Vec<&Message> = t.messages().filter(|m| m.seq.0 as usize <= upto).collect();
            let committed: Vec<&Message> = self.edge.durable[..upto].iter().collect();
            prop_assert_eq!(held, committed, "client {} up to {}", c, upto);
            let mut ids: Vec<_> = t.messages().filter_map(|m| m.client_id.as_ref().map(|id| (format!("{:?}", m.author), id))).collect();
            let n = ids.len();
            ids.sort();
            ids.dedup();
            prop_assert_eq!(ids.len(), n, "client {} holds a message twice", c);
        }
        Ok(())
    }

    /// Everything commits, everyone reconnects and reads until quiet.
    fn settle(&mut self) {
        for _ in 0..50 {
            self.write();
            self.edge.durable.append(&mut self.edge.issued);
            for c in 0..CLIENTS {
                self.apply(&Op::Connect(c));
                while self.sockets[c].as_ref().is_some_and(|s| !s.is_empty()) {
                    self.write();
                    self.edge.durable.append(&mut self.edge.issued);
                    self.apply(&Op::Deliver(c));
                }
            }
            let quiet = self.edge.queued.is_empty()
                && self.edge.issued.is_empty()
                && self.sockets.iter().all(|s| s.as_ref().is_some_and(VecDeque::is_empty));
            if quiet && self.clients.iter().all(|t| t.unsent().next().is_none()) {
                return;
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    #[test]
    fn tentative_frames_resets_and_resends_lose_and_duplicate_nothing(ops in proptest::collection::vec(op(), 0..80)) {
        let mut w = World::new();
        for op in &ops {
            w.apply(op);
            w.check()?;
        }
        w.settle();
        w.check()?;
        for (c, t) in w.clients.iter().enumerate() {
            let got: Vec<&Message> = t.messages().collect();
            let committed: Vec<&Message> = w.edge.durable.iter().collect();
            prop_assert_eq!(got, committed, "client {} ends with the committed log", c);
            prop_assert!(t.outbox.is_empty(), "client {}'s outbox is empty", c);
        }
        // Nothing typed is lost, nothing is stored twice.
        for (c, id) in &w.typed {
            let n = w.edge.durable.iter().filter(|m| m.author == author(*c) && m.client_id.as_ref() == Some(id)).count();
            prop_assert_eq!(n, 1, "{:?} stored once", id);
        }
        prop_assert_eq!(w.edge.durable.iter().enumerate().all(|(i, m)| m.seq.0 as usize == i + 1), true, "seqs are 1, 2, …");
    }
}

/// The case the merge exists for, spelled out: a tentative message is
/// seen, the object resets before its write is durable, someone else's
/// message takes its `seq`, and the resend lands after it.
#[test]
fn a_tentative_message_lost_to_a_reset_is_replaced() {
    let mut w = World::new();
    for c in 0..CLIENTS {
        w.apply(&Op::Connect(c));
        w.apply(&Op::Deliver(c));
    }
    w.apply(&Op::Type(0)); // the visitor's message, seq 1, forwarded and queued
    w.apply(&Op::Deliver(1));
    assert_eq!(w.clients[1].len(), 1, "the agent sees it at once");
    assert_eq!(w.clients[1].resume_seq(), Seq(0), "but does not resume past it");
    w.apply(&Op::Reset);
    // Agent 2 writes first after the wake-up: it takes seq 1.
    w.apply(&Op::Connect(2));
    w.apply(&Op::Deliver(2));
    w.apply(&Op::Type(2));
    w.apply(&Op::Write);
    w.apply(&Op::Commit);
    w.apply(&Op::Connect(1));
    w.apply(&Op::Deliver(1));
    let texts: Vec<_> = w.clients[1].messages().map(|m| (m.seq.0, m.text.clone())).collect();
    assert_eq!(texts, [(1, "2 from 2".to_owned())], "the tentative copy is gone, the committed message is in its place");
    w.settle();
    let texts: Vec<_> = w.clients[1].messages().map(|m| (m.seq.0, m.text.clone())).collect();
    assert_eq!(texts, [(1, "2 from 2".to_owned()), (2, "1 from 0".to_owned())], "the resend lands once, after it");
}
