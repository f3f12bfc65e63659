//! The delivery checks shared by sessions and team channels: clients
//! converse through faults, then what each holds is compared with the
//! committed log (the three zeros: lost, duplicated, out of order).

use crate::resilient::Resilient;
use porchlight_protocol::{Author, ClientMsgId, Message};
use std::collections::HashMap;
use std::time::{Duration, Instant};

/// Messages a side may have written and not yet seen committed.
pub const WINDOW: usize = 25;

/// The three zeros, and how they were counted.
pub struct Verdict {
    pub committed: usize,
    pub lost: usize,
    pub duplicated: usize,
    pub out_of_order: u64,
    pub notes: Vec<String>,
}

/// Compares what each client wrote, was acked and ended up holding with
/// the committed log.
pub fn verify(log: &[Message], clients: &[&Resilient]) -> Verdict {
    let mut notes = Vec::new();
    // Gap-free from 1: nothing committed then lost from the log.
    let seqs: Vec<u64> = log.iter().map(|m| m.seq.0).collect();
    if seqs != (1..=seqs.len() as u64).collect::<Vec<_>>() {
        notes.push(format!("the log has gaps or disorder: {seqs:?}"));
    }
    let mut by_id: HashMap<&ClientMsgId, usize> = HashMap::new();
    for m in log {
        if let Some(id) = &m.client_id {
            *by_id.entry(id).or_default() += 1;
        }
    }
    let duplicated_in_log: usize = by_id.values().map(|n| n - 1).sum();
    let mut lost = 0;
    let mut duplicated = duplicated_in_log;
    let mut out_of_order = 0;
    for c in clients {
        // Everything written was committed once; every ack names its commit.
        for id in &c.written {
            match log.iter().find(|m| m.client_id.as_ref() == Some(id)) {
                None => lost += 1,
                Some(m) => {
                    if let Some(acked) = c.acks.get(id) {
                        if *acked != m.seq {
                            notes.push(format!("{id} acked as {acked} but committed as {}", m.seq));
                            duplicated += 1;
                        }
                    }
                }
            }
        }
        // The client holds exactly the log: same seqs, same messages.
        let held: Vec<&Message> = c.transcript.messages().collect();
        let missing = log.iter().filter(|m| c.transcript.get(m.seq).is_none()).count();
        lost += missing;
        if held.len() > log.len() {
            duplicated += held.len() - log.len();
        }
        for m in log {
            if let Some(h) = c.transcript.get(m.seq) {
                if h.client_id != m.client_id || h.text != m.text {
                    notes.push(format!("seq {} differs: held {:?}, committed {:?}", m.seq, h.text, m.text));
                    out_of_order += 1;
                }
            }
        }
        duplicated += c.conflicting_acks as usize;
        out_of_order += c.out_of_order;
        if !c.transcript.outbox.is_empty() {
            notes.push(format!("{} messages still in an outbox", c.transcript.outbox.len()));
            lost += c.transcript.outbox.len();
        }
    }
    Verdict { committed: log.len(), lost, duplicated, out_of_order, notes }
}

/// Every client writes `per_side` messages (ids `{prefix}-{n}`),
/// interleaved, keeping at most `WINDOW` each in flight, until each holds
/// everything. `between` runs once per round with the count written so
/// far (to inject faults from outside, e.g. kill the edge).
pub fn converse(clients: &mut [(&mut Resilient, &str)], per_side: usize, deadline: Duration, mut between: impl FnMut(usize)) {
    let start = Instant::now();
    let mut next = vec![0usize; clients.len()];
    let everyone = clients.len() * per_side;
    let held = |c: &Resilient| c.transcript.messages().filter(|m| m.author != Author::System).count();
    let mut round = 0;
    loop {
        round += 1;
        between(next.iter().sum());
        for ((c, prefix), next) in clients.iter_mut().zip(next.iter_mut()) {
            if !c.ensure_connected(Duration::from_secs(60)) {
                panic!("could not reconnect within 60 s (round {round})");
            }
            while *next < per_side && c.in_flight() < WINDOW {
                c.write(ClientMsgId(format!("{prefix}-{next}")), format!("{prefix} message {next}"));
                *next += 1;
            }
            c.pump(Duration::from_millis(15));
        }
        let written = next.iter().all(|n| *n == per_side);
        if written && clients.iter().all(|(c, _)| c.in_flight() == 0 && held(c) >= everyone) {
            return;
        }
        assert!(
            start.elapsed() < deadline,
            "not done within {deadline:?}: clients hold {:?} of {everyone}",
            clients.iter().map(|(c, _)| held(c)).collect::<Vec<_>>()
        );
    }
}

/// Prints the figures and keeps them in `target/porchlight/reliability/`
/// (one file per check; `cargo xtask test` prints them all at the end).
pub fn report(title: &str, lines: &[String]) {
    let text = format!("{title}\n{}\n", lines.iter().map(|l| format!("  {l}")).collect::<Vec<_>>().join("\n"));
    println!("{text}");
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../target/porchlight/reliability");
    let _ = std::fs::create_dir_all(&dir);
    let slug: String = title.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let _ = std::fs::write(dir.join(format!("{slug}.txt")), text);
}
