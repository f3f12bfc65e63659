//! Team chat clients for the tests, as the console is one: a signed-in
//! directory socket, a socket per channel opened, each frame sent on the
//! socket it belongs to ([`TeamClientFrame::channel_socket`]), and the
//! frames of all of them waited for together.

use crate::{edge, unique, Ws, SITE};
use porchlight_protocol::team::{ChannelId, ChannelInfo, ChannelKind, ChannelName, TeamClientFrame, TeamFrame};
use porchlight_protocol::{ClientMsgId, ErrorCode, Message, Seq};
use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub fn team_path() -> String {
    team_path_at(SITE)
}

pub fn team_path_at(site: &str) -> String {
    format!("/api/v1/sites/{site}/team")
}

/// A channel's own socket.
pub fn channel_path_at(site: &str, id: &ChannelId) -> String {
    format!("/api/v1/sites/{site}/team/channels/{id}")
}

/// A console's team sockets, signed in: the directory it was given.
pub struct Team {
    /// The directory's socket.
    pub ws: Ws,
    pub directory: TeamFrame,
    site: String,
    token: String,
    /// The channels open, each on its own socket.
    pub channels: Vec<(ChannelId, Ws)>,
    /// Frames read while a channel socket was opening, not yet waited for.
    pending: VecDeque<TeamFrame>,
}

impl Team {
    pub fn sign_in(token: &str) -> Team {
        Team::sign_in_at(SITE, token)
    }

    /// [`Team::sign_in`] on another site's team socket.
    pub fn sign_in_at(site: &str, token: &str) -> Team {
        let mut ws = Ws::connect(&team_path_at(site), None).expect("team socket");
        ws.send(&TeamClientFrame::Hello { token: token.into(), last_seq: None });
        let directory: TeamFrame = ws.recv();
        assert!(matches!(directory, TeamFrame::Directory { .. }), "after hello: {directory:?}");
        // Polled in turn with the channel sockets (`next`).
        ws.set_poll(Duration::from_millis(10));
        Team { ws, directory, site: site.to_owned(), token: token.to_owned(), channels: Vec::new(), pending: VecDeque::new() }
    }

    /// Sends a frame on its socket: `open` connects the channel's (hello
    /// from `last_seq`), `close` drops it, a channel frame for a channel not
    /// open opens it first (from its start).
    pub fn send(&mut self, frame: &TeamClientFrame) {
        let Some(id) = frame.channel_socket().cloned() else { return self.ws.send(frame) };
        match frame {
            TeamClientFrame::Open { last_seq, .. } => self.connect_channel(&id, *last_seq),
            TeamClientFrame::Close { .. } => self.channels.retain(|(c, _)| *c != id),
            _ => {
                if !self.channels.iter().any(|(c, _)| *c == id) {
                    self.connect_channel(&id, Seq(0));
                }
                // Refused (the refusal waits in `pending`): nothing to send it on.
                if let Some((_, ws)) = self.channels.iter_mut().find(|(c, _)| *c == id) {
                    ws.send(frame);
                }
            }
        }
    }

    /// Connects a channel's socket and waits for its answer to `hello` (its
    /// `history`, or the refusal), kept for [`Team::until`].
    fn connect_channel(&mut self, id: &ChannelId, last_seq: Seq) {
        self.channels.retain(|(c, _)| c != id);
        let mut ws = Ws::connect(&channel_path_at(&self.site, id), None).expect("channel socket");
        ws.send(&TeamClientFrame::Hello { token: self.token.clone(), last_seq: Some(last_seq) });
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            let Some(frame) = ws.try_recv::<TeamFrame>(Duration::from_millis(200)) else { continue };
            let answered = matches!(frame, TeamFrame::History { .. });
            let refused = matches!(frame, TeamFrame::Error { .. });
            self.pending.push_back(frame);
            if answered {
                ws.set_poll(Duration::from_millis(10));
                self.channels.push((id.clone(), ws));
                return;
            }
            if refused {
                return;
            }
        }
        panic!("no answer to hello on channel {id} within 10 s");
    }

    /// Whether the channel's socket is still open: `false` once the edge
    /// closed it (frames read on the way wait for [`Team::until`]).
    pub fn channel_socket_open(&mut self, id: &ChannelId) -> bool {
        let Team { channels, pending, .. } = self;
        let Some((_, ws)) = channels.iter_mut().find(|(c, _)| c == id) else { return false };
        loop {
            match ws.poll_text(Duration::from_millis(500)) {
                Ok(Some(text)) => pending.extend(serde_json::from_str::<TeamFrame>(&text).ok()),
                Ok(None) => return true,
                Err(_) => return false,
            }
        }
    }

    /// The next frame from any of this console's sockets, within `wait`.
    fn next(&mut self, wait: Duration) -> Option<TeamFrame> {
        if let Some(f) = self.pending.pop_front() {
            return Some(f);
        }
        let deadline = Instant::now() + wait;
        loop {
            if let Some(f) = self.ws.try_recv::<TeamFrame>(Duration::from_millis(20)) {
                return Some(f);
            }
            for (_, ws) in &mut self.channels {
                if let Some(f) = ws.try_recv::<TeamFrame>(Duration::from_millis(20)) {
                    return Some(f);
                }
            }
            if Instant::now() >= deadline {
                return None;
            }
        }
    }

    pub fn until(&mut self, what: &str, pred: impl Fn(&TeamFrame) -> bool) -> TeamFrame {
        let mut skipped = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(f) = self.next(Duration::from_millis(200)) {
                if pred(&f) {
                    return f;
                }
                skipped.push(f);
            }
        }
        panic!("no {what} within 10 s; got {skipped:?}");
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
            if let Some(f) = self.next(Duration::from_millis(100)) {
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
