//! The widget's state: credentials, connection and the transcript, changed
//! only through [`Action`]s (yew's `Reducible`).

use gloo::storage::{LocalStorage, Storage};
use porchlight_browser::Conn;
use porchlight_protocol::transcript::{Pending, Transcript};
use porchlight_protocol::{ClientMsgId, Seq, SessionFrame, SessionId, Status};
use serde::{Deserialize, Serialize};
use std::rc::Rc;
use yew::Reducible;

/// What the visitor needs to reopen their session after a reload.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Credentials {
    pub session_id: SessionId,
    pub token: String,
}

impl Credentials {
    fn key(site: &str) -> String {
        format!("porchlight:v1:{site}")
    }

    pub fn load(site: &str) -> Option<Credentials> {
        LocalStorage::get(Self::key(site)).ok()
    }

    pub fn save(&self, site: &str) {
        let _ = LocalStorage::set(Self::key(site), self);
    }
}

/// Messages typed but not yet committed, per session, in the host page's
/// localStorage: a reload (or a browser that was offline) loses none, and
/// resending is safe because sends are idempotent by `client_id`.
pub struct StoredOutbox;

impl StoredOutbox {
    fn key(site: &str, session: &SessionId) -> String {
        format!("porchlight:v1:{site}:outbox:{session}")
    }

    pub fn load(site: &str, session: &SessionId) -> Vec<Pending> {
        LocalStorage::get(Self::key(site, session)).unwrap_or_default()
    }

    /// Keeps what is still to be sent (refused messages are not resent).
    pub fn save(site: &str, session: &SessionId, outbox: &[Pending]) {
        let unsent: Vec<&Pending> = outbox.iter().filter(|p| p.error.is_none()).collect();
        if unsent.is_empty() {
            LocalStorage::delete(Self::key(site, session));
        } else {
            let _ = LocalStorage::set(Self::key(site, session), &unsent);
        }
    }
}

#[derive(Clone, PartialEq)]
pub struct Widget {
    pub credentials: Option<Credentials>,
    pub conn: Conn,
    pub transcript: Transcript,
    /// Counts `welcome` frames, so effects can run once per (re)connection.
    pub welcomes: u32,
}

impl Default for Widget {
    fn default() -> Self {
        Widget { credentials: None, conn: Conn::Connecting, transcript: Transcript::default(), welcomes: 0 }
    }
}

impl Widget {
    pub fn last_seq(&self) -> Seq {
        self.transcript.last_seq()
    }

    pub fn status(&self) -> Option<Status> {
        self.transcript.session.as_ref().map(|s| s.status)
    }
}

pub enum Action {
    Started(Credentials),
    Frame(SessionFrame),
    /// A message typed here (with the message it quotes), before the edge has it.
    Queue(ClientMsgId, String, Option<Seq>),
    Conn(Conn),
}

impl Reducible for Widget {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Started(creds) => {
                next.credentials = Some(creds);
                next.transcript = Transcript::default();
            }
            Action::Frame(frame) => {
                if matches!(frame, SessionFrame::Welcome { .. }) {
                    next.welcomes += 1;
                }
                next.transcript.apply(frame);
            }
            Action::Queue(id, text, reply_to) => next.transcript.queue(id, text, reply_to),
            Action::Conn(conn) => next.conn = conn,
        }
        Rc::new(next)
    }
}
