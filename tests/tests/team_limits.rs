//! The team socket's rate limit through the real edge, on `second-shop`
//! (the default limits: 10 messages at once, then 30 a minute, per agent):
//! the 11th fast message is refused with `rate_limited` and a wait, nothing
//! refused is stored, and resending in order after the wait stores every
//! message exactly once, in the order it was typed.

use porchlight_protocol::team::{ChannelKind, TeamClientFrame, TeamFrame};
use porchlight_protocol::{ClientMsgId, ErrorCode, Seq};
use porchlight_tests::team::{channel_log_at, Team};
use porchlight_tests::{SECOND_ADMIN, SECOND_SITE};
use std::time::Duration;

#[test]
fn the_eleventh_fast_message_waits_and_nothing_is_reordered() {
    let mut owner = Team::sign_in_at(SECOND_SITE, SECOND_ADMIN);
    let room = owner.create("fast-typing", ChannelKind::Private);
    owner.open(&room.id, Seq(0));
    let send = |team: &mut Team, n: usize| {
        team.send(&TeamClientFrame::Send {
            channel: room.id.clone(),
            client_id: ClientMsgId(format!("fast-{n}")),
            text: format!("message {n}"),
            reply_to: None,
        });
    };
    // Twelve at once, as a paste or a script would.
    for n in 1..=12 {
        send(&mut owner, n);
    }
    let mut acked = Vec::new();
    let mut refused = Vec::new();
    while acked.len() + refused.len() < 12 {
        match owner.until("ack or refusal", |f| matches!(f, TeamFrame::Ack { .. } | TeamFrame::Error { .. })) {
            TeamFrame::Ack { client_id, .. } => acked.push(client_id.0),
            TeamFrame::Error { code, client_id, retry_after_ms, channel, .. } => {
                assert_eq!(code, ErrorCode::RateLimited);
                assert_eq!(channel.as_ref(), Some(&room.id));
                let wait = retry_after_ms.expect("a refusal says when to try again");
                assert!((1..=2_100).contains(&wait), "one token at 30 a minute: {wait} ms");
                refused.push((client_id.expect("names the refused draft").0, wait));
            }
            _ => unreachable!(),
        }
    }
    assert_eq!(acked, (1..=10).map(|n| format!("fast-{n}")).collect::<Vec<_>>(), "the burst of ten goes through");
    assert_eq!(refused.iter().map(|(c, _)| c.as_str()).collect::<Vec<_>>(), ["fast-11", "fast-12"], "the 12th waits behind the 11th");
    let (status, log) = channel_log_at(SECOND_SITE, SECOND_ADMIN, &room.id);
    assert_eq!((status, log.len()), (200, 10), "nothing refused was stored");

    // The console's outbox: resend in order after each wait.
    let mut pending: Vec<usize> = vec![11, 12];
    let mut wait = refused[0].1;
    let mut tries = 0;
    while let Some(&n) = pending.first() {
        tries += 1;
        assert!(tries < 10, "the outbox drains");
        std::thread::sleep(Duration::from_millis(wait + 50));
        send(&mut owner, n);
        match owner.until("ack or refusal", |f| matches!(f, TeamFrame::Ack { .. } | TeamFrame::Error { .. })) {
            TeamFrame::Ack { client_id, .. } => {
                assert_eq!(client_id.0, format!("fast-{n}"));
                pending.remove(0);
                wait = 2_000;
            }
            TeamFrame::Error { code, retry_after_ms, .. } => {
                assert_eq!(code, ErrorCode::RateLimited);
                wait = retry_after_ms.unwrap_or(2_000);
            }
            _ => unreachable!(),
        }
    }
    let (_, log) = channel_log_at(SECOND_SITE, SECOND_ADMIN, &room.id);
    let texts: Vec<String> = log.iter().map(|m| m.text.clone()).collect();
    assert_eq!(texts, (1..=12).map(|n| format!("message {n}")).collect::<Vec<_>>(), "every message once, in typed order");
    let seqs: Vec<u64> = log.iter().map(|m| m.seq.0).collect();
    assert!(seqs.windows(2).all(|w| w[0] < w[1]), "{seqs:?}");
}
