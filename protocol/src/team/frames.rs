//! The team socket's frames: `GET /api/v1/sites/{site}/team`, one socket
//! per signed-in console. It carries the directory (channels the agent may
//! see, with their unread badges), every channel action, and the messages
//! of the channels the console has open (`open`, resumed from `last_seq`
//! like a session's `hello`).

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
    /// First frame: the agent token (a visitor's token is refused).
    Hello {
        token: String,
    },
    /// Start receiving a channel's messages: everything after `last_seq`
    /// comes as `history`, then each new one live.
    Open {
        channel: ChannelId,
        #[serde(default)]
        last_seq: Seq,
    },
    /// Stop receiving a channel's messages (badges keep coming).
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
    /// Answer to `open`: every message after its `last_seq`, in order.
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

impl TeamFrame {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> TeamFrame {
        TeamFrame::Error { code, message: message.into(), channel: None, client_id: None, retry_after_ms: None }
    }
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
    fn folders_are_short_single_lines() {
        assert_eq!(folder("  Management ").unwrap(), "Management");
        assert!(folder("").is_err());
        assert!(folder("a\nb").is_err());
        assert!(folder(&"x".repeat(MAX_FOLDER + 1)).is_err());
    }
}
