//! What a team message costs, counted on the real edge: its channel's
//! `TeamChannel` only, with no call to the site's `SiteTeam` directory
//! awaited on the way; the directory learns from the channel's outbox
//! afterwards (coalesced summaries), and nothing else reaches it. Alone in
//! its binary, so no other test's traffic is counted.

use porchlight_protocol::team::{ChannelKind, TeamClientFrame};
use porchlight_protocol::{AgentId, Seq};
use porchlight_tests::delivery::report;
use porchlight_tests::team::Team;
use porchlight_tests::*;
use std::time::Instant;

fn id(s: &str) -> AgentId {
    AgentId(s.into())
}

/// What the edge's team objects did since they woke up (dev sites only).
fn stats(path: &str) -> serde_json::Value {
    let answer = call("GET", &format!("/api/v1/sites/{SITE}/team{path}/stats"), Some(AVA), None);
    assert_eq!(answer.status, 200, "{}", answer.body);
    answer.body
}

#[test]
fn a_team_message_costs_its_channel_only_and_the_directory_learns_after() {
    const N: u64 = 30;
    let mut ava = Team::sign_in(AVA);
    let mut ben = Team::sign_in(BEN);
    let room = ava.create("hot-path", ChannelKind::Private);
    ava.send(&TeamClientFrame::AddMember { channel: room.id.clone(), agent: id("ben") });
    ben.channel_until("added", |c| c.id == room.id);
    ava.open(&room.id, Seq(0));
    let directory_before = stats("");
    let started = Instant::now();
    for n in 0..N {
        ava.post(&room.id, &format!("h{n}"), &format!("message {n}"));
    }
    let took = started.elapsed();
    let channel = stats(&format!("/channels/{}", room.id));
    assert_eq!(channel["messages"], N, "{channel}");
    assert_eq!(channel["directory_calls"], 0, "no message waited for the directory: {channel}");
    // The directory learns from the channel's outbox, after the fact: Ben's badge gets there.
    ben.channel_until("every message unread", |c| c.id == room.id && c.badge.unread == N as u32);
    let directory_after = stats("");
    let summaries = directory_after["summaries"].as_u64().unwrap_or(0) - directory_before["summaries"].as_u64().unwrap_or(0);
    let other = directory_after["other"].as_u64().unwrap_or(0) - directory_before["other"].as_u64().unwrap_or(0);
    assert!((1..=N + 1).contains(&summaries), "one summary per change at most (coalesced): {summaries}");
    assert_eq!(other, 0, "nothing else reached the directory: {directory_after}");
    report(
        "team message path",
        &[
            format!("{N} messages acked one after another in {:.2} s; each touched its TeamChannel only", took.as_secs_f64()),
            format!("awaited calls to SiteTeam on the message path: {}", channel["directory_calls"]),
            format!("summaries the directory received: {summaries} (outbox, coalesced); other requests: {other}"),
        ],
    );
}
