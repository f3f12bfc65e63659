//! A chat client that never gives up, as the widget and console are meant
//! to behave: it reconnects after any failure, resumes from the last
//! sequence number it holds and knows committed, resends its outbox (idempotent by client id),
//! and merges every frame with the product's own [`Transcript`]. It also
//! counts what it saw, for the delivery checks: acks, frames that arrived
//! twice, and any message that arrived after a later one.

use crate::Ws;
use porchlight_protocol::team::{TeamClientFrame, TeamFrame};
use porchlight_protocol::transcript::Transcript;
use porchlight_protocol::{AgentFrame, ClientMsgId, Seq, SessionFrame, VisitorFrame};
use std::collections::HashMap;
use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub enum Side {
    Visitor {
        token: String,
    },
    Agent {
        token: String,
    },
    /// A console's socket to one team channel (`…/team/channels/{id}`).
    Team {
        token: String,
        channel: porchlight_protocol::team::ChannelId,
    },
}

pub struct Resilient {
    base: String,
    path: String,
    origin: Option<String>,
    side: Side,
    ws: Option<Ws>,
    pub transcript: Transcript,
    /// Every ack received: client id → seq (must never change).
    pub acks: HashMap<ClientMsgId, Seq>,
    /// An ack for a client id that named a different seq than before.
    pub conflicting_acks: u64,
    pub reconnects: u64,
    /// Message frames for a seq this client already held (the merge drops them).
    pub repeated_frames: u64,
    /// Message frames for a seq lower than one already received (and not held).
    pub out_of_order: u64,
    highest: Seq,
    /// Messages this client wrote, in the order it wrote them.
    pub written: Vec<ClientMsgId>,
}

impl Resilient {
    /// `base` is where to connect (the edge, or a proxy in front of it).
    pub fn new(base: &str, path: String, origin: Option<String>, side: Side) -> Resilient {
        Resilient {
            base: base.to_owned(),
            path,
            origin,
            side,
            ws: None,
            transcript: Transcript::default(),
            acks: HashMap::new(),
            conflicting_acks: 0,
            reconnects: 0,
            repeated_frames: 0,
            out_of_order: 0,
            highest: Seq(0),
            written: Vec::new(),
        }
    }

    pub fn connected(&self) -> bool {
        self.ws.is_some()
    }

    /// Connects (if not connected), says hello from the last seq held, and
    /// resends the outbox once the welcome is in. Gives up after `patience`.
    pub fn ensure_connected(&mut self, patience: Duration) -> bool {
        if self.ws.is_some() {
            return true;
        }
        let deadline = Instant::now() + patience;
        while Instant::now() < deadline {
            if let Ok(Ok(mut ws)) = Ws::connect_to(&self.base, &self.path, self.origin.as_deref()) {
                let last_seq = self.transcript.resume_seq();
                let hello = match &self.side {
                    Side::Visitor { token } => serde_json::to_value(VisitorFrame::Hello { token: token.clone(), last_seq, identity: None }),
                    Side::Agent { token } => serde_json::to_value(AgentFrame::Hello { token: token.clone(), last_seq }),
                    // A channel's own socket: its history after `last_seq` is the welcome.
                    Side::Team { token, .. } => {
                        serde_json::to_value(TeamClientFrame::Hello { token: token.clone(), last_seq: Some(last_seq) })
                    }
                }
                .unwrap_or_default();
                if ws.try_send(&hello) {
                    self.ws = Some(ws);
                    if self.await_welcome() {
                        self.resend_outbox();
                        return true;
                    }
                }
                self.drop_connection();
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        false
    }

    fn await_welcome(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(5);
        while Instant::now() < deadline && self.ws.is_some() {
            if let Some(frame) = self.pump_one(Duration::from_millis(100)) {
                if matches!(frame, Welcome) {
                    return true;
                }
            }
        }
        false
    }

    fn resend_outbox(&mut self) {
        let pending: Vec<_> = self.transcript.unsent().cloned().collect();
        for p in pending {
            if !self.send_raw(&p.client_id, &p.text) {
                return;
            }
        }
    }

    fn send_raw(&mut self, id: &ClientMsgId, text: &str) -> bool {
        let frame = match &self.side {
            Side::Visitor { .. } => serde_json::to_value(VisitorFrame::send(id.clone(), text)),
            Side::Agent { .. } => serde_json::to_value(AgentFrame::send(id.clone(), text)),
            Side::Team { channel, .. } => serde_json::to_value(TeamClientFrame::Send {
                channel: channel.clone(),
                client_id: id.clone(),
                text: text.to_owned(),
                reply_to: None,
            }),
        }
        .unwrap_or_default();
        let sent = self.ws.as_mut().is_some_and(|ws| ws.try_send(&frame));
        if !sent {
            self.drop_connection();
        }
        sent
    }

    /// Writes a new message: into the outbox, and out now if connected.
    pub fn write(&mut self, id: ClientMsgId, text: String) {
        self.transcript.queue(id.clone(), text.clone(), None);
        self.written.push(id.clone());
        if self.ws.is_some() {
            self.send_raw(&id, &text);
        }
    }

    /// Messages written and not yet committed back to this client.
    pub fn in_flight(&self) -> usize {
        self.transcript.outbox.len()
    }

    fn drop_connection(&mut self) {
        if self.ws.take().is_some() {
            self.reconnects += 1;
        }
    }

    /// Reads and applies whatever arrives within `wait`.
    pub fn pump(&mut self, wait: Duration) {
        let deadline = Instant::now() + wait;
        while Instant::now() < deadline && self.ws.is_some() {
            if self.pump_one(Duration::from_millis(20)).is_none() {
                break;
            }
        }
    }

    fn pump_one(&mut self, wait: Duration) -> Option<Kind> {
        let polled = self.ws.as_mut()?.poll_text(wait);
        let text = match polled {
            Ok(Some(t)) => t,
            Ok(None) => return None,
            Err(_) => {
                self.drop_connection();
                return None;
            }
        };
        let frame: SessionFrame = match self.side {
            Side::Team { .. } => match serde_json::from_str(&text).ok()? {
                // A channel's history is its welcome: the messages after
                // `last_seq`, merged one by one (there is no session view).
                TeamFrame::History { messages, .. } => {
                    for message in messages {
                        self.observe(message.seq);
                        self.transcript.apply(SessionFrame::Message { message });
                    }
                    return Some(Welcome);
                }
                other => as_session_frame(other),
            },
            _ => serde_json::from_str(&text).ok()?,
        };
        let kind = match &frame {
            SessionFrame::Welcome { messages, .. } => {
                for m in messages {
                    self.observe(m.seq);
                }
                Welcome
            }
            SessionFrame::Message { message } => {
                self.observe(message.seq);
                Other
            }
            SessionFrame::Ack { client_id, seq } => {
                match self.acks.insert(client_id.clone(), *seq) {
                    Some(before) if before != *seq => self.conflicting_acks += 1,
                    _ => {}
                }
                Other
            }
            _ => Other,
        };
        self.transcript.apply(frame);
        Some(kind)
    }

    fn observe(&mut self, seq: Seq) {
        if self.transcript.get(seq).is_some() {
            self.repeated_frames += 1;
        } else if seq < self.highest {
            self.out_of_order += 1;
        }
        self.highest = self.highest.max(seq);
    }
}

/// A team frame as the session frame that means the same to a transcript:
/// one to one (`history` is handled where it arrives).
fn as_session_frame(frame: TeamFrame) -> SessionFrame {
    match frame {
        TeamFrame::Message { message, .. } => SessionFrame::Message { message },
        TeamFrame::Updated { message, .. } => SessionFrame::Updated { message },
        TeamFrame::Ack { client_id, seq, .. } => SessionFrame::Ack { client_id, seq },
        TeamFrame::Error { code, message, client_id, retry_after_ms, .. } => {
            SessionFrame::Error { code, message, client_id, retry_after_ms }
        }
        _ => SessionFrame::Pong,
    }
}

enum Kind {
    Welcome,
    Other,
}
use Kind::{Other, Welcome};
