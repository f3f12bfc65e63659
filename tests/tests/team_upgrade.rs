//! Team chat written before channels had their own objects survives the
//! upgrade. The directory is given rows exactly as the pre-split code
//! wrote them (its `messages` table and `reads` marks, through the
//! dev-only `POST …/team/legacy`, which then forgets the upgrade is done,
//! as an object woken on those rows would); the next sign-in moves them.
//! Checked through the real sockets and routes: the channel lists with its
//! badges, its socket resumes the whole log at the same seqs with edits
//! and deletions, a resent message is still found, the next message takes
//! the next seq, and the file downloads.

use porchlight_protocol::team::migrate::{LegacyChannel, LegacyFile, LegacyMessage, LegacySeed};
use porchlight_protocol::team::{ChannelId, ChannelInfo, ReadState, TeamFrame};
use porchlight_protocol::{AgentId, Message, Seq};
use porchlight_tests::team::{channel_log, Team};
use porchlight_tests::*;
use serde_json::json;

fn row(seq: u64, author: &str, mentions: &str, message: serde_json::Value) -> LegacyMessage {
    let message: Message = serde_json::from_value(message).expect("a message");
    LegacyMessage {
        seq: Seq(seq),
        author: AgentId(author.into()),
        client_id: message.client_id.clone(),
        mentions: mentions.into(),
        changed: message.changed,
        message,
    }
}

fn agent(id: &str) -> serde_json::Value {
    json!({"kind": "agent", "id": id, "name": id})
}

/// The channel as `team`'s sidebar has it once `pred` holds: from the
/// directory frame if its badge was already counted, else from the
/// `channel` frame the channel's first summary brings.
fn listed(team: &mut Team, id: &ChannelId, what: &str, pred: impl Fn(&ChannelInfo) -> bool) -> ChannelInfo {
    let TeamFrame::Directory { channels, .. } = &team.directory else { unreachable!("sign_in checks the directory") };
    match channels.iter().find(|c| &c.id == id) {
        Some(c) if pred(c) => c.clone(),
        seen => {
            let seen = format!("{seen:?}");
            team.channel_until(&format!("{what} (the directory had {seen})"), |c| &c.id == id && pred(c))
        }
    }
}

#[test]
fn a_team_written_by_the_old_directory_moves_into_its_channels_losing_nothing() {
    let nanos = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_nanos()).unwrap_or(0);
    let id = ChannelId(format!("{:016x}", nanos as u64));
    let name = unique("before-split");
    let file = format!("f{:x}", nanos as u64);
    let attachment = json!({"id": file, "name": "notes.txt", "content_type": "text/plain", "size": 12});
    let messages = vec![
        row(1, "ava", ",", json!({"seq": 1, "client_id": "old-1", "author": agent("ava"), "text": "first, before the split", "at": 1_000})),
        row(2, "ben", ",ava,", json!({"seq": 2, "client_id": "old-2", "author": agent("ben"), "text": "@ava look", "at": 2_000})),
        row(
            3,
            "ava",
            ",",
            json!({"seq": 3, "client_id": "old-3", "author": agent("ava"), "text": "", "at": 3_000, "attachment": attachment}),
        ),
        row(
            4,
            "ben",
            ",",
            json!({"seq": 4, "client_id": "old-4", "author": agent("ben"), "text": "fixed typo", "at": 4_000,
            "edited_at": 5_000, "changed": 5}),
        ),
        row(
            6,
            "ava",
            ",",
            json!({"seq": 6, "client_id": "old-6", "author": agent("ava"), "text": "", "at": 6_000,
            "deleted": true, "changed": 7}),
        ),
    ];
    let seed = LegacySeed {
        channels: vec![LegacyChannel {
            id: id.clone(),
            channel: serde_json::from_value(json!({"name": name, "kind": "private", "members": {"ava": "admin", "ben": "member"}}))
                .unwrap(),
            last_seq: Seq(7),
            messages,
            reads: vec![
                (AgentId("ava".into()), ReadState { last_read: Seq(1), muted: false }),
                (AgentId("ben".into()), ReadState { last_read: Seq(2), muted: true }),
            ],
        }],
        files: vec![LegacyFile {
            channel: id.clone(),
            attachment: serde_json::from_value(attachment).unwrap(),
            text: "hello, team!".into(),
        }],
    };
    let seeded = call("POST", &format!("/api/v1/sites/{SITE}/team/legacy"), Some(AVA), Some(&serde_json::to_string(&seed).unwrap()));
    assert_eq!(seeded.status, 204, "{}", seeded.body);

    // The sign-in moves the channel; its badges come from the channel's
    // own count: Ava has Ben's two unread, one naming her;
    // Ben, who muted it, Ava's two (a deleted message counts, as it did).
    let mut ava = Team::sign_in(AVA);
    let ava_sees = listed(&mut ava, &id, "Ava's badge from the moved log", |c| c.badge.unread == 2 && c.badge.mentions == 1);
    assert_eq!((ava_sees.last_seq, ava_sees.read.last_read), (Seq(7), Seq(1)), "{ava_sees:?}");
    let mut ben = Team::sign_in(BEN);
    let ben_sees = listed(&mut ben, &id, "Ben's badge from the moved log", |c| c.badge.unread == 2);
    assert!(ben_sees.read.muted, "Ben's mute stayed with the directory: {ben_sees:?}");
    assert_eq!((ben_sees.read.last_read, ben_sees.badge.mentions, ben_sees.badge.counts), (Seq(2), 0, false), "{ben_sees:?}");

    // The whole log, at the same seqs, with its edit and deletion.
    let history = ava.open(&id, Seq(0));
    let seqs: Vec<u64> = history.iter().map(|m| m.seq.0).collect();
    assert_eq!(seqs, [1, 2, 3, 4, 6], "{history:?}");
    assert_eq!(history[0].text, "first, before the split");
    assert_eq!((history[3].text.as_str(), history[3].edited_at, history[3].changed), ("fixed typo", Some(5_000), Some(Seq(5))));
    assert!(history[4].deleted && history[4].text.is_empty());
    assert_eq!(history[2].attachment.as_ref().map(|a| a.id.as_str()), Some(file.as_str()));
    // A resume from seq 4 brings what changed after it too (the edit at 5, the deletion at 7).
    let resumed: Vec<u64> = ava.open(&id, Seq(4)).iter().map(|m| m.seq.0).collect();
    assert_eq!(resumed, [4, 6], "a resume reads seq or changed after last_seq");
    let (status, log) = channel_log(AVA, &id);
    assert_eq!((status, log.len()), (200, 5));

    // Idempotency survives the move: Ava's old client id is found, not
    // stored again; a new message takes the seq after the old end.
    let resent = ava.post(&id, "old-1", "first, before the split");
    assert_eq!(resent.seq, Seq(1), "a resend of a pre-split message is the original");
    let next = ava.post(&id, &unique("after"), "after the split");
    assert_eq!(next.seq, Seq(8), "the log goes on from its old end, no seq reused");
    assert_eq!(ben.open(&id, Seq(7)).iter().map(|m| m.seq.0).collect::<Vec<_>>(), [8]);

    // The file is where it was, readable by a member.
    let download = call("GET", &format!("/api/v1/sites/{SITE}/team/channels/{id}/attachments/{file}"), Some(AVA), None);
    assert_eq!((download.status, download.body.as_str()), (200, Some("hello, team!")), "{:?}", download.headers);

    // Signing in again moves nothing twice.
    drop(ava);
    let _again = Team::sign_in(AVA);
    let (_, log) = channel_log(AVA, &id);
    assert_eq!(log.iter().map(|m| m.seq.0).collect::<Vec<_>>(), [1, 2, 3, 4, 6, 8]);
}
