//! Property test of the summary's counters: kept one message at a time
//! (as the `ChatSession` does), they always equal a recount of the log.

use porchlight_protocol::record::{Counters, Sender};
use porchlight_protocol::{AgentId, Marks, Seq};
use proptest::prelude::*;
use std::collections::BTreeMap;

#[derive(Clone, Debug)]
enum Op {
    /// A message by sender 0 = visitor, 1 = bot, 2 = system, 3.. = agent; internal or not.
    Append(u8, bool),
    /// Delete the n-th message (modulo the log).
    Delete(usize),
    /// Edit the n-th message.
    Edit(usize),
    /// Agent k's `seen` moves to the n-th log position.
    Seen(u8, usize),
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        4 => (0u8..5, any::<bool>()).prop_map(|(s, i)| Op::Append(s, i)),
        1 => any::<usize>().prop_map(Op::Delete),
        1 => any::<usize>().prop_map(Op::Edit),
        2 => (0u8..2, any::<usize>()).prop_map(|(a, n)| Op::Seen(a, n)),
    ]
}

struct Row {
    seq: Seq,
    sender: Sender,
    internal: bool,
    text: String,
    deleted: bool,
}

fn sender(n: u8) -> Sender {
    match n {
        0 => Sender::Visitor,
        1 => Sender::Bot,
        2 => Sender::System,
        k => Sender::Agent(AgentId(format!("a{k}"))),
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(500))]
    #[test]
    fn counters_equal_a_recount(ops in proptest::collection::vec(op(), 0..80)) {
        let mut log: Vec<Row> = Vec::new();
        let mut c = Counters::default();
        let mut marks: BTreeMap<AgentId, Marks> = BTreeMap::new();
        for (i, op) in ops.into_iter().enumerate() {
            match op {
                Op::Append(s, internal) => {
                    let seq = Seq(log.len() as u64 + 1);
                    let internal = internal && matches!(sender(s), Sender::Agent(_));
                    let text = format!("m{i}");
                    c.appended(&sender(s), internal, seq, &text);
                    log.push(Row { seq, sender: sender(s), internal, text, deleted: false });
                }
                Op::Delete(n) if !log.is_empty() => {
                    let k = n % log.len();
                    if !log[k].deleted {
                        log[k].deleted = true;
                        let r = &log[k];
                        if c.deleted(&r.sender, r.internal, r.seq, &marks) {
                            let last = log.iter().rev().find(|r| r.sender.counts(r.internal) && !r.deleted).map(|r| (r.seq, r.text.clone()));
                            c.set_last(last);
                        }
                    }
                }
                Op::Edit(n) if !log.is_empty() => {
                    let k = n % log.len();
                    if !log[k].deleted {
                        log[k].text = format!("edited {i}");
                        c.edited(log[k].seq, &log[k].text);
                    }
                }
                Op::Seen(a, n) => {
                    let agent = AgentId(format!("agent{a}"));
                    let to = Seq((n % (log.len() + 1)) as u64);
                    let before = marks.get(&agent).copied().unwrap_or_default().seen;
                    if to > before || !marks.contains_key(&agent) {
                        let to = to.max(before);
                        let newly = log.iter().filter(|r| r.seq > before && r.seq <= to && r.sender == Sender::Visitor && !r.deleted).count();
                        marks.insert(agent.clone(), Marks { delivered: to, seen: to });
                        c.seen(&agent, newly as u64);
                    }
                }
                _ => {}
            }
            // The recount, as the old summary did it with COUNT(*).
            let counted: Vec<&Row> = log.iter().filter(|r| r.sender.counts(r.internal) && !r.deleted).collect();
            prop_assert_eq!(c.message_count, counted.len() as u64);
            let visitors = log.iter().filter(|r| r.sender == Sender::Visitor && !r.deleted).count() as u64;
            prop_assert_eq!(c.visitor_messages, visitors);
            let last = counted.last().map(|r| r.text.chars().take(140).collect::<String>());
            prop_assert_eq!(c.last_message.clone(), last);
            for (agent, m) in &marks {
                let unread = log.iter().filter(|r| r.sender == Sender::Visitor && !r.deleted && r.seq > m.seen).count() as u64;
                prop_assert_eq!(c.unread().get(agent).copied(), Some(unread), "unread of {}", agent);
            }
        }
    }
}
