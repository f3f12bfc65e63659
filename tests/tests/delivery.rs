//! The delivery promise, checked through faults: every message a session
//! committed reaches every participant exactly once, in commit order,
//! however the network misbehaves in between.
//!
//! A visitor and an agent exchange thousands of messages through
//! [`FaultProxy`], which cuts connections (between frames and mid-frame),
//! delays frames and sends some twice, in both directions. Both clients
//! behave like the widget and console: reconnect, resume from their last
//! seq, resend their outbox. The figures go to stdout and to
//! `target/porchlight/reliability/`.

use porchlight_protocol::{AgentFrame, Message, Status, TranscriptExport};
use porchlight_tests::delivery::{converse, report, verify};
use porchlight_tests::edge_process::PrivateEdge;
use porchlight_tests::proxy::{FaultProxy, Faults};
use porchlight_tests::resilient::{Resilient, Side};
use porchlight_tests::*;
use std::time::{Duration, Instant};

/// Messages each side writes.
const PER_SIDE: usize = 1000;

/// The visitor's side of `session`, connecting through `base`.
fn visitor_client(base: &str, session: &porchlight_protocol::SessionCreated) -> Resilient {
    let path = format!("/api/v1/sites/{SITE}/sessions/{}/ws", session.session_id);
    Resilient::new(base, path, Some(demo_origin()), Side::Visitor { token: session.token.clone() })
}

/// Ava's side of `session`, connecting through `base`.
fn agent_client(base: &str, session: &porchlight_protocol::SessionCreated) -> Resilient {
    let path = format!("/api/v1/sites/{SITE}/sessions/{}/agent", session.session_id);
    Resilient::new(base, path, None, Side::Agent { token: AVA.into() })
}

/// The log as the session stores it, read directly (not through the proxy).
pub fn committed_log(session: &porchlight_protocol::SessionCreated) -> Vec<Message> {
    committed_log_at(&edge(), session)
}

#[test]
fn thousands_of_messages_through_a_faulty_network_arrive_exactly_once_in_order() {
    let session = waiting_session(&unique("Faults"));
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    status_is(&mut ava, Status::Active);

    let seed = std::env::var("PORCHLIGHT_FAULT_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5eed_2026);
    let faults = Faults { cut: 0.01, duplicate: 0.02, delay: 0.02, max_delay: Duration::from_millis(250) };
    let proxy = FaultProxy::start(edge().trim_start_matches("http://"), faults, seed);
    let mut visitor = visitor_client(&proxy.base, &session);
    let mut agent = agent_client(&proxy.base, &session);
    let started = Instant::now();
    converse(&mut [(&mut visitor, "v"), (&mut agent, "a")], PER_SIDE, Duration::from_secs(600), |_| {});
    let took = started.elapsed();

    let log = committed_log(&session);
    let v = verify(&log, &[&visitor, &agent]);
    report(
        "delivery through the fault proxy",
        &[
            format!(
                "seed {seed:#x}; faults per frame: cut {}, duplicate {}, delay {} (≤ {:?})",
                faults.cut, faults.duplicate, faults.delay, faults.max_delay
            ),
            format!(
                "messages written {} (visitor {}, agent {}); committed log {} entries; {:.1} s",
                2 * PER_SIDE,
                PER_SIDE,
                PER_SIDE,
                v.committed,
                took.as_secs_f64()
            ),
            format!("proxy: {}", proxy.report()),
            format!(
                "reconnects: visitor {}, agent {}; repeated frames dropped by the merge: {}",
                visitor.reconnects,
                agent.reconnects,
                visitor.repeated_frames + agent.repeated_frames
            ),
            format!("lost {}, duplicated {}, out of order {}", v.lost, v.duplicated, v.out_of_order),
        ],
    );
    assert!(v.notes.is_empty(), "{:#?}", v.notes);
    assert_eq!((v.lost, v.duplicated, v.out_of_order), (0, 0, 0));
    let c = &proxy.counts;
    use std::sync::atomic::Ordering::Relaxed;
    assert!(c.cuts.load(Relaxed) >= 5 && c.mid_frame_cuts.load(Relaxed) >= 1, "the faults really happened: {}", proxy.report());
    assert!(c.duplicated.load(Relaxed) >= 10 && c.delayed.load(Relaxed) >= 10, "{}", proxy.report());
}

#[test]
fn every_acknowledged_message_survives_sigkill_of_the_edge() {
    let mut edge = PrivateEdge::start("sigkill");
    // A session handed to the team and accepted, on this edge.
    let body = serde_json::json!({"name": "Kill Test", "email": "kill@example.com"}).to_string();
    let created = post_to(&edge.base, &format!("/api/v1/sites/{SITE}/sessions"), Some(&demo_origin()), None, &body);
    assert_eq!(created.status, 201, "{}", created.body);
    let session: porchlight_protocol::SessionCreated = serde_json::from_value(created.body).unwrap();
    let mut v = Ws::connect_to(&edge.base, &format!("/api/v1/sites/{SITE}/sessions/{}/ws", session.session_id), Some(&demo_origin()))
        .expect("connect")
        .expect("visitor socket");
    v.visitor_hello(&session.token);
    v.handoff();
    let mut a = Ws::connect_to(&edge.base, &format!("/api/v1/sites/{SITE}/sessions/{}/agent", session.session_id), None)
        .expect("connect")
        .expect("agent socket");
    a.agent_hello(AVA);
    a.send(&AgentFrame::Accept);
    status_is(&mut a, Status::Active);
    drop((v, a));

    let mut visitor = visitor_client(&edge.base, &session);
    let mut agent = agent_client(&edge.base, &session);
    const PER: usize = 400;
    let kills_at = [PER * 2 / 3, PER * 4 / 3];
    let mut kills = Vec::new();
    let mut acked_before_kill = Vec::new();
    let started = Instant::now();
    converse(&mut [(&mut visitor, "v"), (&mut agent, "a")], PER, Duration::from_secs(600), |written| {
        if kills.len() < kills_at.len() && written >= kills_at[kills.len()] {
            edge.kill9();
            let down = Instant::now();
            edge.restart();
            kills.push(down.elapsed());
            acked_before_kill.push(written);
        }
    });
    let took = started.elapsed();
    let log = committed_log_at(&edge.base, &session);
    let verdict = verify(&log, &[&visitor, &agent]);
    let acked = visitor.acks.len() + agent.acks.len();
    report(
        "delivery across SIGKILL of wrangler dev",
        &[
            format!(
                "messages written {} (visitor {PER}, agent {PER}); acknowledged {acked}; committed log {} entries; {:.1} s",
                2 * PER,
                verdict.committed,
                took.as_secs_f64()
            ),
            format!(
                "kill -9 of wrangler and workerd {} times (after {:?} messages written), restarted on the same state in {}",
                kills.len(),
                acked_before_kill,
                kills.iter().map(|d| format!("{:.1} s", d.as_secs_f64())).collect::<Vec<_>>().join(", ")
            ),
            format!("reconnects: visitor {}, agent {}", visitor.reconnects, agent.reconnects),
            format!("lost {}, duplicated {}, out of order {}", verdict.lost, verdict.duplicated, verdict.out_of_order),
        ],
    );
    assert_eq!(kills.len(), 2, "the edge was killed twice");
    assert!(verdict.notes.is_empty(), "{:#?}", verdict.notes);
    assert_eq!((verdict.lost, verdict.duplicated, verdict.out_of_order), (0, 0, 0));
    assert!(visitor.reconnects >= 2 && agent.reconnects >= 2, "both clients lived through the kills");
}

fn committed_log_at(base: &str, session: &porchlight_protocol::SessionCreated) -> Vec<Message> {
    let got = call_to(base, "GET", &format!("/api/v1/sites/{SITE}/sessions/{}/transcript", session.session_id), Some(AVA), None);
    assert_eq!(got.status, 200, "{}", got.body);
    serde_json::from_value::<TranscriptExport>(got.body).expect("export").messages
}

#[test]
fn a_visitor_with_the_chat_open_in_two_tabs_sees_everything_once_in_both() {
    let session = waiting_session(&unique("TwoTabs"));
    let mut ava = Ws::agent_session(&session);
    ava.agent_hello(AVA);
    ava.send(&AgentFrame::Accept);
    status_is(&mut ava, Status::Active);
    let faults = Faults { cut: 0.01, duplicate: 0.02, delay: 0.01, max_delay: Duration::from_millis(100) };
    let proxy = FaultProxy::start(edge().trim_start_matches("http://"), faults, 0x7ab5);
    let (mut tab1, mut tab2) = (visitor_client(&proxy.base, &session), visitor_client(&proxy.base, &session));
    let mut agent = agent_client(&proxy.base, &session);
    const PER: usize = 200;
    converse(&mut [(&mut tab1, "t1"), (&mut tab2, "t2"), (&mut agent, "a")], PER, Duration::from_secs(300), |_| {});
    let log = committed_log(&session);
    let v = verify(&log, &[&tab1, &tab2, &agent]);
    report(
        "delivery to two tabs of one visitor",
        &[
            format!("messages written {} (tab 1 {PER}, tab 2 {PER}, agent {PER}); committed log {} entries", 3 * PER, v.committed),
            format!("proxy: {}", proxy.report()),
            format!("lost {}, duplicated {}, out of order {}", v.lost, v.duplicated, v.out_of_order),
        ],
    );
    assert!(v.notes.is_empty(), "{:#?}", v.notes);
    assert_eq!((v.lost, v.duplicated, v.out_of_order), (0, 0, 0));
}
