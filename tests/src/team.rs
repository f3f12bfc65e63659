//! Team chat clients for the tests: a signed-in team socket and the frames
//! it is waiting for.

use crate::{edge, unique, Ws, SITE};
use porchlight_protocol::team::{ChannelId, ChannelInfo, ChannelKind, ChannelName, TeamClientFrame, TeamFrame};
use porchlight_protocol::{ClientMsgId, ErrorCode, Message, Seq};
use std::time::Duration;

pub fn team_path() -> String {
    team_path_at(SITE)
}

pub fn team_path_at(site: &str) -> String {
    format!("/api/v1/sites/{site}/team")
}

/// A console's team socket, signed in: the directory it was given.
pub struct Team {
    pub ws: Ws,
    pub directory: TeamFrame,
}

impl Team {
    pub fn sign_in(token: &str) -> Team {
        Team::sign_in_at(SITE, token)
    }

    /// [`Team::sign_in`] on another site's team socket.
    pub fn sign_in_at(site: &str, token: &str) -> Team {
        let mut ws = Ws::connect(&team_path_at(site), None).expect("team socket");
        ws.send(&TeamClientFrame::Hello { token: token.into() });
        let directory: TeamFrame = ws.recv();
        assert!(matches!(directory, TeamFrame::Directory { .. }), "after hello: {directory:?}");
        Team { ws, directory }
    }

    pub fn send(&mut self, frame: &TeamClientFrame) {
        self.ws.send(frame);
    }

    pub fn until(&mut self, what: &str, pred: impl Fn(&TeamFrame) -> bool) -> TeamFrame {
        self.ws.recv_until::<TeamFrame>(what, pred).0
    }

    /// Creates a channel (name made unique) and waits for it.
    pub fn create(&mut self, prefix: &str, kind: ChannelKind) -> ChannelInfo {
        let name = ChannelName::parse(&unique(prefix)).expect("a valid channel name");
        self.send(&TeamClientFrame::Create { name: name.clone(), kind, description: String::new(), folder: None });
        self.channel_until(&format!("channel {name}"), |c| c.channel.name.as_ref() == Some(&name))
    }

    /// The next `channel` frame matching `pred`.
    pub fn channel_until(&mut self, what: &str, pred: impl Fn(&ChannelInfo) -> bool) -> ChannelInfo {
        match self.until(what, |f| matches!(f, TeamFrame::Channel { channel } if pred(channel))) {
            TeamFrame::Channel { channel } => channel,
            _ => unreachable!(),
        }
    }

    /// Opens a channel from `last_seq`; returns its history.
    pub fn open(&mut self, id: &ChannelId, last_seq: Seq) -> Vec<Message> {
        self.send(&TeamClientFrame::Open { channel: id.clone(), last_seq });
        match self.until("history", |f| matches!(f, TeamFrame::History { channel, .. } if channel == id)) {
            TeamFrame::History { messages, .. } => messages,
            _ => unreachable!(),
        }
    }

    /// Sends a message and waits for it to come back committed.
    pub fn post(&mut self, id: &ChannelId, client_id: &str, text: &str) -> Message {
        self.send(&TeamClientFrame::Send {
            channel: id.clone(),
            client_id: ClientMsgId(client_id.into()),
            text: text.into(),
            reply_to: None,
        });
        self.message(id, |m| m.client_id.as_ref().is_some_and(|c| c.as_str() == client_id))
    }

    pub fn message(&mut self, id: &ChannelId, pred: impl Fn(&Message) -> bool) -> Message {
        match self.until("message", |f| matches!(f, TeamFrame::Message { channel, message } if channel == id && pred(message))) {
            TeamFrame::Message { message, .. } => message,
            _ => unreachable!(),
        }
    }

    pub fn updated(&mut self, id: &ChannelId, seq: Seq) -> Message {
        match self.until("updated", |f| matches!(f, TeamFrame::Updated { channel, message } if channel == id && message.seq == seq)) {
            TeamFrame::Updated { message, .. } => message,
            _ => unreachable!(),
        }
    }

    /// The next error frame: its code and message.
    pub fn error(&mut self) -> (ErrorCode, String) {
        match self.until("error", |f| matches!(f, TeamFrame::Error { .. })) {
            TeamFrame::Error { code, message, .. } => (code, message),
            _ => unreachable!(),
        }
    }

    /// Every frame within `wait` (to check that something did not come).
    pub fn drain(&mut self, wait: Duration) -> Vec<TeamFrame> {
        let mut seen = Vec::new();
        let deadline = std::time::Instant::now() + wait;
        while std::time::Instant::now() < deadline {
            if let Some(f) = self.ws.try_recv::<TeamFrame>(Duration::from_millis(100)) {
                seen.push(f);
            }
        }
        seen
    }
}

/// `GET …/team/channels/{id}/messages` as `token`: status and the log.
pub fn channel_log(token: &str, id: &ChannelId) -> (u16, Vec<Message>) {
    channel_log_at(SITE, token, id)
}

pub fn channel_log_at(site: &str, token: &str, id: &ChannelId) -> (u16, Vec<Message>) {
    let answer = crate::call_to(&edge(), "GET", &format!("/api/v1/sites/{site}/team/channels/{id}/messages"), Some(token), None);
    let messages = answer.body.get("messages").cloned().map(|m| serde_json::from_value(m).expect("messages")).unwrap_or_default();
    (answer.status, messages)
}
