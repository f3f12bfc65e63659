//! Property tests of the pure core: the session state machine under any
//! sequence of actions, and a client's merge of frames under any delivery
//! (reordered, duplicated, resumed from any point).

use porchlight_protocol::session::{Actor, AgentRef};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{
    AgentId, Author, ClientMsgId, ClosedBy, Emoji, Message, Participant, Reaction, Seq, SessionError, SessionFrame, SessionId,
    SessionState, SessionView, Status, VisitorInfo,
};
use proptest::prelude::*;

fn agent(n: u8) -> AgentRef {
    AgentRef { id: AgentId(format!("a{n}")), name: format!("Agent {n}") }
}

#[derive(Clone, Debug)]
enum Op {
    Handoff,
    Resolve,
    Accept(u8),
    Release(u8),
    Transfer(u8, u8),
    Invite(u8, u8),
    Send(Option<u8>),
    Close(Option<u8>),
}

fn op() -> impl Strategy<Value = Op> {
    let who = 0u8..4;
    prop_oneof![
        Just(Op::Handoff),
        Just(Op::Resolve),
        who.clone().prop_map(Op::Accept),
        who.clone().prop_map(Op::Release),
        (who.clone(), who.clone()).prop_map(|(a, b)| Op::Transfer(a, b)),
        (who.clone(), who.clone()).prop_map(|(a, b)| Op::Invite(a, b)),
        proptest::option::of(who.clone()).prop_map(Op::Send),
        proptest::option::of(who).prop_map(Op::Close),
    ]
}

fn actor(who: Option<u8>) -> Actor {
    who.map_or(Actor::Visitor, |n| Actor::Agent(agent(n)))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// Whatever happens, the state stays coherent, CLOSED is final, and an
    /// accept is won by exactly one agent.
    #[test]
    fn the_state_machine_keeps_its_invariants(ops in proptest::collection::vec(op(), 0..40)) {
        let mut s = SessionState::default();
        for op in ops {
            let before = s.clone();
            let result = match &op {
                Op::Handoff => s.handoff(),
                Op::Resolve => s.resolve_by_bot(),
                Op::Accept(a) => s.accept(&agent(*a)),
                Op::Release(a) => s.release(&agent(*a)),
                Op::Transfer(a, b) => s.transfer(&agent(*a), &agent(*b)),
                Op::Invite(a, b) => s.invite(&agent(*a), &agent(*b)),
                Op::Send(who) => s.authorize_send(&actor(*who)).map(|()| false),
                Op::Close(who) => s.close(&actor(*who)),
            };
            // A refusal or a no-op changes nothing.
            if !matches!(result, Ok(true)) {
                prop_assert_eq!(&s, &before, "{:?} → {:?} changed the state", op, result);
            }
            // Nothing after CLOSED.
            if before.status == Status::Closed {
                prop_assert_eq!(&s, &before);
                if let Op::Send(who) = op {
                    prop_assert_eq!(s.authorize_send(&actor(who)), Err(SessionError::Closed));
                }
            }
            // One owner: the first accept of a waiting session wins, every
            // other agent is told who has it.
            if let (Op::Accept(a), Status::Active) = (&op, before.status) {
                let owner = before.agent.clone().unwrap();
                if owner.id != agent(*a).id {
                    prop_assert_eq!(result, Err(SessionError::AlreadyAccepted { by: owner.name }));
                }
            }
            match s.status {
                Status::Bot | Status::Waiting => {
                    prop_assert!(s.agent.is_none());
                    prop_assert!(s.participants.is_empty());
                }
                Status::Active => prop_assert!(s.agent.is_some()),
                Status::Closed => prop_assert!(s.closed_by.is_some()),
            }
            prop_assert_eq!(s.closed_by.is_some(), s.status == Status::Closed);
            prop_assert!(s.handed_off || !before.handed_off, "handed_off never goes back");
            if s.closed_by == Some(ClosedBy::Bot) {
                prop_assert!(!s.handed_off, "the bot is credited only before any handoff");
            }
            if let Some(owner) = &s.agent {
                prop_assert!(s.participants.iter().all(|p| p.id != owner.id), "the owner is not also a participant");
            }
        }
    }
}

/// A committed log as the session would hold it: `n` messages, some of
/// them changed later (the change taking its own place in the log).
fn log(n: u64, changed: &[bool]) -> Vec<Message> {
    let mut pos = n;
    (1..=n)
        .map(|seq| {
            let mut m = Message {
                seq: Seq(seq),
                client_id: Some(ClientMsgId(format!("c{seq}"))),
                author: Author::Visitor { name: "Jo".into() },
                text: format!("message {seq}"),
                at: seq,
                ..Message::blank()
            };
            if changed.get(seq as usize % changed.len().max(1)).copied().unwrap_or(false) {
                pos += 1;
                m.text.push_str(" (edited)");
                m.edited_at = Some(pos);
                Reaction::toggle(&mut m.reactions, Emoji::Fire, &Participant::Visitor, true);
                m.changed = Some(Seq(pos));
            }
            m
        })
        .collect()
}

/// The first version of a message, as it was broadcast when committed.
fn original(m: &Message) -> Message {
    Message { text: format!("message {}", m.seq.0), edited_at: None, reactions: vec![], changed: None, ..m.clone() }
}

fn welcome(messages: Vec<Message>, head: Seq) -> SessionFrame {
    SessionFrame::Welcome {
        session: SessionView::new(SessionId("0".repeat(32)), Status::Active, VisitorInfo::new("Jo", None), 0),
        messages,
        head: Some(head),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// However the frames arrive (shuffled, duplicated, an ack before or
    /// after its message, resumes overlapping what was already there), the
    /// client ends with exactly the committed log, newest versions, in seq
    /// order, and an empty outbox.
    #[test]
    fn the_client_merge_converges_to_the_committed_log(
        n in 1u64..30,
        changed in proptest::collection::vec(any::<bool>(), 1..8),
        order in any::<proptest::sample::Index>(),
        dups in proptest::collection::vec(any::<proptest::sample::Index>(), 0..20),
        resume_from in any::<proptest::sample::Index>(),
        seed in any::<u64>(),
    ) {
        let committed = log(n, &changed);
        let mut t = Transcript::default();
        // This client wrote every message: all start in its outbox.
        for m in &committed {
            t.queue(m.client_id.clone().unwrap(), m.text.clone(), None);
        }
        // Everything the edge ever sent: each message as first committed,
        // its ack, each change as `updated`, and a resume from some point.
        let mut frames: Vec<SessionFrame> = Vec::new();
        for m in &committed {
            frames.push(SessionFrame::Ack { client_id: m.client_id.clone().unwrap(), seq: m.seq });
            frames.push(SessionFrame::Message { message: original(m) });
            if m.changed.is_some() {
                frames.push(SessionFrame::Updated { message: m.clone() });
            }
        }
        let max_pos = committed.iter().map(Message::log_pos).max().unwrap().0;
        let from = Seq(resume_from.index(max_pos as usize + 1) as u64);
        frames.push(welcome(committed.iter().filter(|m| m.seq > from || m.log_pos() > from).cloned().collect(), Seq(max_pos)));
        for d in &dups {
            let f = frames[d.index(frames.len())].clone();
            frames.push(f);
        }
        // A deterministic shuffle from the seed and the chosen index.
        let mut state = seed ^ order.index(1 << 20) as u64;
        for i in (1..frames.len()).rev() {
            state = state.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            frames.swap(i, (state >> 33) as usize % (i + 1));
        }
        // Only what the client held before a resume can be skipped by it:
        // deliver the welcome's base first, as a reconnect would.
        t.apply(welcome(committed.iter().filter(|m| m.seq <= from && m.log_pos() <= from).cloned().collect(), from));
        for f in frames {
            t.apply(f);
        }
        let got: Vec<Message> = t.messages().cloned().collect();
        prop_assert_eq!(got, committed.clone(), "exactly the log, newest versions, in order");
        prop_assert_eq!(t.last_seq(), Seq(max_pos));
        prop_assert_eq!(t.resume_seq(), Seq(max_pos), "the last welcome confirmed the whole log");
        prop_assert!(t.outbox.is_empty(), "every committed message left the outbox");
    }
}
