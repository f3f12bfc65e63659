//! Team chat's frames, on two kinds of socket: the directory's,
//! `GET /api/v1/sites/{site}/team`, one per signed-in console (the
//! channels the agent may see, with their unread badges, and every change
//! to the channel list or membership), and a channel's own,
//! `GET /api/v1/sites/{site}/team/channels/{id}`, one per channel on screen
//! (its log, resumed from `last_seq` in `hello` like a session's, and its
//! live frames). [`TeamClientFrame::channel_socket`] says which carries what.

use super::channel::{Channel, ChannelKind, ChannelName};
use super::read::{Badge, ReadState};
use crate::frames::{Emoji, ErrorCode, Message, Participant};
use crate::ids::{AgentId, ClientMsgId, Seq};
use crate::session::AgentRef;
use serde::{Deserialize, Serialize};

/// A channel's id: 16 hex digits, chosen by the edge.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct ChannelId(pub String);

impl ChannelId {
    /// Accepts only the edge's own shape, so an id never carries anything else.
    pub fn parse(raw: &str) -> Option<ChannelId> {
        (raw.len() == 16 && raw.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))).then(|| ChannelId(raw.to_owned()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for ChannelId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// A channel as one agent's sidebar shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelInfo {
    pub id: ChannelId,
    #[serde(flatten)]
    pub channel: Channel,
    /// The log's end (messages and changes).
    pub last_seq: Seq,
    /// This agent's read mark and mute (default for a non-member).
    pub read: ReadState,
    pub badge: Badge,
}

/// Console → team socket.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TeamClientFrame {
    /// First frame: the agent token (a visitor's token is refused). On a
    /// channel's socket, `last_seq` resumes its log: the answer is the
    /// `history` after it (the directory's socket ignores it).
    Hello {
        token: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        last_seq: Option<Seq>,
    },
    /// On a channel's socket: everything after `last_seq` again, as `history`.
    Open {
        channel: ChannelId,
        #[serde(default)]
        last_seq: Seq,
    },
    /// On a channel's socket: stop receiving it (the socket closes; badges keep coming).
    Close {
        channel: ChannelId,
    },
    Create {
        name: ChannelName,
        kind: ChannelKind,
        #[serde(default)]
        description: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        folder: Option<String>,
    },
    /// "New DM": reopens the one these people already have, if any.
    Direct {
        members: Vec<AgentId>,
    },
    Join {
        channel: ChannelId,
    },
    Leave {
        channel: ChannelId,
    },
    AddMember {
        channel: ChannelId,
        agent: AgentId,
    },
    RemoveMember {
        channel: ChannelId,
        agent: AgentId,
    },
    /// Rename, describe, move to a folder (`""` takes it out) or (un)archive.
    Update {
        channel: ChannelId,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        name: Option<ChannelName>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        description: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        folder: Option<String>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        archived: Option<bool>,
    },
    Delete {
        channel: ChannelId,
    },
    /// The sidebar's folders, in order (site ADMIN only).
    Folders {
        folders: Vec<String>,
    },
    Mute {
        channel: ChannelId,
        muted: bool,
    },
    /// Text starting with `/` is a slash command, answered in place.
    Send {
        channel: ChannelId,
        client_id: ClientMsgId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
    },
    Edit {
        channel: ChannelId,
        seq: Seq,
        text: String,
    },
    Remove {
        channel: ChannelId,
        seq: Seq,
    },
    React {
        channel: ChannelId,
        seq: Seq,
        emoji: Emoji,
        on: bool,
    },
    Typing {
        channel: ChannelId,
        typing: bool,
    },
    /// Everything up to `seq` was on screen.
    Read {
        channel: ChannelId,
        seq: Seq,
    },
    Ping,
}

/// Team socket → console.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum TeamFrame {
    /// Answer to `hello`: who is on the team, the folders, and every
    /// channel this agent may see.
    Directory {
        me: AgentRef,
        /// A site ADMIN manages folders and every channel.
        #[serde(default)]
        site_admin: bool,
        team: Vec<AgentRef>,
        folders: Vec<String>,
        channels: Vec<ChannelInfo>,
    },
    /// A channel appeared, changed, or its badge moved.
    Channel {
        channel: ChannelInfo,
    },
    /// A channel is gone for this agent (deleted, left, removed from it).
    Gone {
        channel: ChannelId,
    },
    Folders {
        folders: Vec<String>,
    },
    /// Answer to a channel socket's `hello` (and `open`): every message
    /// after its `last_seq`, in order.
    History {
        channel: ChannelId,
        messages: Vec<Message>,
    },
    Message {
        channel: ChannelId,
        message: Message,
    },
    Updated {
        channel: ChannelId,
        message: Message,
    },
    Ack {
        channel: ChannelId,
        client_id: ClientMsgId,
        seq: Seq,
    },
    Typing {
        channel: ChannelId,
        who: Participant,
        typing: bool,
    },
    /// A slash command's answer, shown to its sender only (`/help`,
    /// `/assign`, `/contact`); `/contact` lists conversations as `links`.
    Notice {
        channel: ChannelId,
        text: String,
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        links: Vec<super::lookup::NoticeLink>,
    },
    Pong,
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        channel: Option<ChannelId>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<ClientMsgId>,
        /// With `rate_limited`: when to try again (nothing was stored).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

impl TeamClientFrame {
    /// The channel whose own socket carries this frame (its log, its
    /// members' reads and typing), or `None` for the directory's socket
    /// (channel list, membership, folders, mutes).
    pub fn channel_socket(&self) -> Option<&ChannelId> {
        match self {
            TeamClientFrame::Open { channel, .. }
            | TeamClientFrame::Close { channel }
            | TeamClientFrame::Send { channel, .. }
            | TeamClientFrame::Edit { channel, .. }
            | TeamClientFrame::Remove { channel, .. }
            | TeamClientFrame::React { channel, .. }
            | TeamClientFrame::Typing { channel, .. }
            | TeamClientFrame::Read { channel, .. } => Some(channel),
            _ => None,
        }
    }
}

impl TeamFrame {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> TeamFrame {
        TeamFrame::Error { code, message: message.into(), channel: None, client_id: None, retry_after_ms: None }
    }
}

/// Why a frame that did not read was refused, when the reason is its
/// channel name: a `create` or `update` whose `name` is not a valid
/// [`ChannelName`] answers `invalid_name` with the check's message (so the
/// console shows it under the name field), not `bad_frame`.
pub fn name_refusal(text: &str) -> Option<super::TeamError> {
    let v: serde_json::Value = serde_json::from_str(text).ok()?;
    if !matches!(v.get("type")?.as_str()?, "create" | "update") {
        return None;
    }
    ChannelName::parse(v.get("name")?.as_str()?).err()
}

/// Longest folder name, in characters.
pub const MAX_FOLDER: usize = 40;
/// Most folders a site's sidebar holds.
pub const MAX_FOLDERS: usize = 20;

/// Checks a folder name: one line of visible text.
pub fn folder(raw: &str) -> Result<String, super::TeamError> {
    let name = raw.trim();
    let bad = |m: String| Err(super::TeamError::InvalidName(m));
    if name.is_empty() {
        return bad("A folder needs a name.".into());
    }
    if name.chars().count() > MAX_FOLDER {
        return bad(format!("Folder names can be at most {MAX_FOLDER} characters."));
    }
    if name.chars().any(char::is_control) {
        return bad("Folder names are one line of text.".into());
    }
    Ok(name.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn channel_ids_are_the_edges_shape_only() {
        assert!(ChannelId::parse("0123456789abcdef").is_some());
        for bad in ["", "0123456789ABCDEF", "0123456789abcde", "../../etc/passwd", "0123456789abcdeg"] {
            assert!(ChannelId::parse(bad).is_none(), "{bad}");
        }
    }

    #[test]
    fn frames_read_as_documented() {
        let f: TeamClientFrame =
            serde_json::from_str(r#"{"type":"send","channel":"0123456789abcdef","client_id":"c1","text":"hi","reply_to":3}"#).unwrap();
        assert_eq!(
            f,
            TeamClientFrame::Send {
                channel: ChannelId("0123456789abcdef".into()),
                client_id: ClientMsgId("c1".into()),
                text: "hi".into(),
                reply_to: Some(Seq(3))
            }
        );
        let bad = serde_json::from_str::<TeamClientFrame>(r#"{"type":"create","name":"Bad Name","kind":"public"}"#);
        assert!(bad.is_err(), "names are validated as they are read");
        let e = serde_json::to_string(&TeamFrame::error(ErrorCode::NotFound, "There is no such channel.")).unwrap();
        assert_eq!(e, r#"{"type":"error","code":"not_found","message":"There is no such channel."}"#);
    }

    #[test]
    fn log_frames_go_to_the_channels_socket_and_the_rest_to_the_directory() {
        let id = ChannelId("0123456789abcdef".into());
        let send = TeamClientFrame::Send { channel: id.clone(), client_id: ClientMsgId("c".into()), text: "hi".into(), reply_to: None };
        assert_eq!(send.channel_socket(), Some(&id));
        assert_eq!(TeamClientFrame::Read { channel: id.clone(), seq: Seq(2) }.channel_socket(), Some(&id));
        assert_eq!(TeamClientFrame::Typing { channel: id.clone(), typing: true }.channel_socket(), Some(&id));
        assert_eq!(TeamClientFrame::Mute { channel: id.clone(), muted: true }.channel_socket(), None);
        assert_eq!(TeamClientFrame::RemoveMember { channel: id, agent: AgentId("ben".into()) }.channel_socket(), None);
        let hello: TeamClientFrame = serde_json::from_str(r#"{"type":"hello","token":"t","last_seq":4}"#).unwrap();
        assert_eq!(hello, TeamClientFrame::Hello { token: "t".into(), last_seq: Some(Seq(4)) });
        let plain = serde_json::to_string(&TeamClientFrame::Hello { token: "t".into(), last_seq: None }).unwrap();
        assert_eq!(plain, r#"{"type":"hello","token":"t"}"#);
    }

    #[test]
    fn notices_carry_links_only_when_they_have_some() {
        let channel = ChannelId("0123456789abcdef".into());
        let help = TeamFrame::Notice { channel: channel.clone(), text: "/help — List these commands".into(), links: Vec::new() };
        assert_eq!(
            serde_json::to_value(&help).unwrap(),
            serde_json::json!({"type": "notice", "channel": "0123456789abcdef", "text": "/help — List these commands"})
        );
        let link = super::super::lookup::NoticeLink {
            session: crate::ids::SessionId("5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5".into()),
            label: "Jo <jo@example.com> · Active with Ava · 5f0c1d2e".into(),
        };
        let contact = TeamFrame::Notice { channel, text: "1 conversation for “jo”:".into(), links: vec![link] };
        let json = serde_json::json!({"type": "notice", "channel": "0123456789abcdef", "text": "1 conversation for “jo”:",
            "links": [{"session": "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "label": "Jo <jo@example.com> · Active with Ava · 5f0c1d2e"}]});
        assert_eq!(serde_json::to_value(&contact).unwrap(), json);
        assert_eq!(serde_json::from_value::<TeamFrame>(json).unwrap(), contact);
    }

    #[test]
    fn a_bad_name_is_refused_as_a_name() {
        let e = name_refusal(r#"{"type":"create","name":"Not Valid","kind":"public"}"#).expect("a name refusal");
        assert!(matches!(&e, super::super::TeamError::InvalidName(m) if m.contains("lowercase")), "{e:?}");
        assert!(name_refusal(r#"{"type":"update","channel":"0123456789abcdef","name":"-x"}"#).is_some());
        assert!(name_refusal(r#"{"type":"create","name":"fine-name","kind":"nope"}"#).is_none(), "the name is not the problem");
        assert!(name_refusal(r#"{"type":"send","name":"Bad"}"#).is_none());
        assert!(name_refusal("not json").is_none());
    }

    #[test]
    fn folders_are_short_single_lines() {
        assert_eq!(folder("  Management ").unwrap(), "Management");
        assert!(folder("").is_err());
        assert!(folder("a\nb").is_err());
        assert!(folder(&"x".repeat(MAX_FOLDER + 1)).is_err());
    }
}
