//! Moving team chat written before channels had their own objects: then,
//! the site's `SiteTeam` held every channel's log in its own `messages`
//! table (and read marks in `reads`); now each channel's `TeamChannel` does.
//!
//! The directory reads its old rows, turns each channel into
//! [`ChannelImport`] bodies ([`batches`]) and posts them to the channel's
//! object in order; it marks the channel moved only after the last batch
//! was confirmed, and drops the old table only once every channel is. The
//! channel stores each message by its original `seq` and ignores one it
//! holds already, so a crash part-way re-sends safely ([`merge_read`]
//! keeps read marks from going back).

use super::frames::ChannelId;
use super::summary::ChannelSetup;
use crate::ids::{AgentId, Seq};
use crate::{ClientMsgId, Message};
use serde::{Deserialize, Serialize};

/// Messages per import body: a long log goes in several requests, each
/// well under a Durable Object request's size.
pub const BATCH: usize = 200;

/// One row of the old `messages` table, as stored.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegacyMessage {
    pub seq: Seq,
    pub author: AgentId,
    pub client_id: Option<ClientMsgId>,
    /// `,id,id,`: who the message mentions, for the badge's count.
    pub mentions: String,
    /// The seq of the message's last edit, deletion or reaction.
    pub changed: Option<Seq>,
    pub message: Message,
}

/// Part of one channel's old state, for its `TeamChannel` (`POST /import`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ChannelImport {
    /// The channel's record, through the `/setup` rule (applied once).
    pub setup: ChannelSetup,
    /// The log's end as the old directory had it (changes count).
    pub last_seq: Seq,
    pub messages: Vec<LegacyMessage>,
    /// Each member's read mark (the mute stays with the directory).
    pub reads: Vec<(AgentId, Seq)>,
}

/// Old-format rows for a test to write into a dev site's directory
/// (`POST …/team/legacy`, dev sites only), so the upgrade is checked on
/// the rows the pre-split code wrote, without building that code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegacySeed {
    pub channels: Vec<LegacyChannel>,
    /// Files the messages name, put in the bucket at their channel's key.
    #[serde(default)]
    pub files: Vec<LegacyFile>,
}

/// One channel as the pre-split directory stored it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegacyChannel {
    pub id: ChannelId,
    pub channel: super::Channel,
    pub last_seq: Seq,
    pub messages: Vec<LegacyMessage>,
    pub reads: Vec<(AgentId, super::ReadState)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LegacyFile {
    pub channel: ChannelId,
    pub attachment: crate::attachment::Attachment,
    /// The file's bytes, as text (a test's file is a small text file).
    pub text: String,
}

/// The bodies that move one channel, in the order to send them: at least
/// one (a channel with no messages still gets its record and marks), every
/// message in exactly one, ordered by seq. Each body carries the record,
/// the end and the marks, so any one of them re-sent alone is harmless.
pub fn batches(setup: ChannelSetup, last_seq: Seq, mut messages: Vec<LegacyMessage>, reads: Vec<(AgentId, Seq)>) -> Vec<ChannelImport> {
    messages.sort_by_key(|m| m.seq);
    messages.dedup_by_key(|m| m.seq);
    let end = messages.iter().map(|m| m.changed.unwrap_or(m.seq).max(m.seq)).fold(last_seq, Seq::max);
    let body = |messages: Vec<LegacyMessage>| ChannelImport { setup: setup.clone(), last_seq: end, messages, reads: reads.clone() };
    if messages.is_empty() {
        return vec![body(Vec::new())];
    }
    let mut out = Vec::new();
    let mut rest = messages.into_iter().peekable();
    while rest.peek().is_some() {
        out.push(body(rest.by_ref().take(BATCH).collect()));
    }
    out
}

/// A read mark after an import: never behind what the channel has now.
pub fn merge_read(held: Seq, imported: Seq) -> Seq {
    held.max(imported)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::SiteId;
    use crate::team::Channel;

    fn message(seq: u64) -> LegacyMessage {
        let json = serde_json::json!({"seq": seq, "author": {"kind": "agent", "id": "ava", "name": "Ava"}, "text": format!("m{seq}"), "at": 1_000 + seq});
        LegacyMessage {
            seq: Seq(seq),
            author: AgentId("ava".into()),
            client_id: Some(ClientMsgId(format!("c{seq}"))),
            mentions: ",".into(),
            changed: None,
            message: serde_json::from_value(json).expect("a message"),
        }
    }

    fn setup() -> ChannelSetup {
        let channel: Channel =
            serde_json::from_value(serde_json::json!({"name": "general", "kind": "public", "members": {"ava": "admin"}}))
                .expect("a channel");
        ChannelSetup {
            site: SiteId::parse("copper-kettle").unwrap(),
            id: ChannelId("0123456789abcdef".into()),
            rev: 1,
            channel: Some(channel),
        }
    }

    #[test]
    fn every_message_goes_once_in_seq_order() {
        let rows: Vec<LegacyMessage> = (1..=450).rev().map(message).chain([message(7)]).collect();
        let out = batches(setup(), Seq(450), rows, vec![(AgentId("ava".into()), Seq(300))]);
        assert_eq!(out.len(), 3);
        let seqs: Vec<u64> = out.iter().flat_map(|b| b.messages.iter().map(|m| m.seq.0)).collect();
        assert_eq!(seqs, (1..=450).collect::<Vec<_>>());
        assert!(out.iter().all(|b| b.messages.len() <= BATCH && b.setup == setup() && b.reads.len() == 1 && b.last_seq == Seq(450)));
    }

    #[test]
    fn an_empty_channel_still_gets_its_record_and_the_end_covers_changes() {
        let out = batches(setup(), Seq(0), Vec::new(), Vec::new());
        assert_eq!(out.len(), 1);
        assert!(out[0].messages.is_empty());
        let mut edited = message(2);
        edited.changed = Some(Seq(9));
        let out = batches(setup(), Seq(3), vec![message(1), edited], Vec::new());
        assert_eq!(out[0].last_seq, Seq(9), "an edit after the stored end still counts");
    }

    #[test]
    fn marks_never_go_back_and_bodies_round_trip() {
        assert_eq!(merge_read(Seq(5), Seq(3)), Seq(5));
        assert_eq!(merge_read(Seq(2), Seq(3)), Seq(3));
        let body = &batches(setup(), Seq(1), vec![message(1)], vec![(AgentId("ben".into()), Seq(1))])[0];
        let json = serde_json::to_value(body).unwrap();
        assert_eq!(json["messages"][0]["seq"], 1);
        assert_eq!(json["reads"][0], serde_json::json!(["ben", 1]));
        assert_eq!(&serde_json::from_value::<ChannelImport>(json).unwrap(), body);
    }
}
