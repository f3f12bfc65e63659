//! The widget's state: credentials, connection and the transcript, changed
//! only through [`Action`]s (yew's `Reducible`); and what the host page's
//! localStorage keeps: the current conversation, its outbox, and the list
//! of the visitor's conversations ([`History`]).

use gloo::storage::{LocalStorage, Storage};
use porchlight_browser::Conn;
use porchlight_protocol::transcript::{Pending, Transcript};
use porchlight_protocol::{Author, ClientMsgId, Message, Seq, SessionFrame, SessionId, Status};
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

    /// Keeps these as the current conversation. `closed` tells the loader
    /// not to load the widget at page load for it (nothing can arrive).
    pub fn save(&self, site: &str, closed: bool) {
        #[derive(Serialize)]
        struct Stored<'a> {
            #[serde(flatten)]
            creds: &'a Credentials,
            closed: bool,
        }
        let _ = LocalStorage::set(Self::key(site), Stored { creds: self, closed });
    }
}

/// How many conversations the widget remembers (their tokens with them:
/// an older one can no longer be read here).
pub const HISTORY_CAP: usize = 10;

/// One of the visitor's conversations, as the list shows it. Ended ones
/// keep their token only to read the history again (read-only).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PastChat {
    pub session_id: SessionId,
    pub token: String,
    pub status: Status,
    /// The last message, "You: …" or "Ava: …", cut short.
    #[serde(default)]
    pub preview: String,
    /// Last activity (ms since the epoch): the list's order, newest first.
    pub at: u64,
}

impl PastChat {
    const PREVIEW_CHARS: usize = 90;

    /// The entry for a conversation the widget holds.
    pub fn of(creds: &Credentials, transcript: &Transcript) -> Option<PastChat> {
        let session = transcript.session.as_ref()?;
        let last = transcript.messages().filter(|m| !m.deleted && !m.internal).last();
        let shown = transcript.messages().filter(|m| !m.deleted && !m.internal && m.author != Author::System).last();
        let preview = shown.map(|m| {
            let who = match &m.author {
                Author::Visitor { .. } => crate::i18n::t().you.to_owned(),
                Author::Agent { name, .. } | Author::External { name, .. } => name.clone(),
                Author::Bot => bot_name().to_owned(),
                Author::System => String::new(),
            };
            let text: String = m.text.split_whitespace().collect::<Vec<_>>().join(" ");
            let cut: String = text.chars().take(Self::PREVIEW_CHARS).collect();
            let ellipsis = if cut.len() < text.len() { "…" } else { "" };
            format!("{who}: {cut}{ellipsis}")
        });
        Some(PastChat {
            session_id: creds.session_id.clone(),
            token: creds.token.clone(),
            status: session.status,
            preview: preview.unwrap_or_default(),
            at: last.map(|m| m.at).unwrap_or(session.created_at).max(session.created_at),
        })
    }
}

/// The visitor's conversations on this site, newest first, at most
/// [`HISTORY_CAP`], the current one among them.
pub struct History;

impl History {
    fn key(site: &str) -> String {
        format!("porchlight:v1:{site}:conversations")
    }

    pub fn load(site: &str) -> Vec<PastChat> {
        LocalStorage::get(Self::key(site)).unwrap_or_default()
    }

    /// Adds or refreshes one entry; returns the list as stored.
    pub fn upsert(site: &str, entry: PastChat) -> Vec<PastChat> {
        let mut list = Self::load(site);
        list.retain(|e| e.session_id != entry.session_id);
        list.push(entry);
        list.sort_by_key(|e| std::cmp::Reverse(e.at));
        list.truncate(HISTORY_CAP);
        let _ = LocalStorage::set(Self::key(site), &list);
        list
    }
}

impl History {
    /// Adds a verified user's conversations from other browsers (continuity);
    /// an entry this browser already has keeps its own preview.
    pub fn merge(site: &str, found: Vec<porchlight_protocol::identity::KnownConversation>) -> Vec<PastChat> {
        let mut list = Self::load(site);
        for c in found {
            if list.iter().any(|e| e.session_id == c.session_id) {
                continue;
            }
            list.push(PastChat { session_id: c.session_id, token: c.token, status: c.status, preview: c.preview, at: c.at });
        }
        list.sort_by_key(|e| std::cmp::Reverse(e.at));
        list.truncate(HISTORY_CAP);
        let _ = LocalStorage::set(Self::key(site), &list);
        list
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
    /// The newest message this widget showed the visitor (its `seen` mark).
    pub seen: Seq,
    /// Counts messages from the team that arrived live (not in a `welcome`):
    /// each may deserve a sound.
    pub arrivals: u32,
    /// What the screen reader hears for the newest message that arrived
    /// live from someone else ("Ava: text"): the panel's one live region.
    pub announcement: String,
}

impl Default for Widget {
    fn default() -> Self {
        Widget {
            credentials: None,
            conn: Conn::Connecting,
            transcript: Transcript::default(),
            welcomes: 0,
            seen: Seq(0),
            arrivals: 0,
            announcement: String::new(),
        }
    }
}

impl Widget {
    pub fn last_seq(&self) -> Seq {
        self.transcript.last_seq()
    }

    pub fn status(&self) -> Option<Status> {
        self.transcript.session.as_ref().map(|s| s.status)
    }

    /// Messages from the team (agents, the bot) the visitor has not seen,
    /// here or on an earlier page (the session's receipts remember).
    pub fn unread(&self) -> Vec<&Message> {
        let seen = self.transcript.session.as_ref().map_or(Seq(0), |s| s.receipts.visitor.seen).max(self.seen);
        self.transcript.messages().filter(|m| m.seq > seen && !m.deleted && from_team(m)).collect()
    }
}

/// What the widget calls the help-center bot, in the visitor's language.
pub fn bot_name() -> &'static str {
    crate::i18n::t().assistant
}
impl Widget {
    /// A message the visitor left outside hours (they ended the chat with a
    /// ticket) that the team has not answered, or whose answer is unread:
    /// the loader keeps loading the widget at page load for it, so the
    /// reply is noticed on the next visit like any other.
    pub fn awaits_reply(&self) -> bool {
        let Some(s) = &self.transcript.session else { return false };
        let left = s.closed_by == Some(porchlight_protocol::ClosedBy::Visitor) && s.ticket.is_some();
        let answered = self.transcript.messages().any(|m| matches!(m.author, Author::Agent { .. }));
        left && (!answered || !self.unread().is_empty())
    }
}

fn from_team(m: &Message) -> bool {
    matches!(m.author, Author::Agent { .. } | Author::Bot)
}

pub enum Action {
    Started(Credentials),
    Frame(SessionFrame),
    /// A message typed here (with the message it quotes), before the edge has it.
    Queue(ClientMsgId, String, Option<Seq>),
    Conn(Conn),
    /// Everything up to here was on screen.
    Seen(Seq),
    /// `Porchlight('reset')`: no conversation any more (storage is already cleared).
    Reset,
}

impl Reducible for Widget {
    type Action = Action;

    fn reduce(self: Rc<Self>, action: Action) -> Rc<Self> {
        let mut next = (*self).clone();
        match action {
            Action::Started(creds) => {
                next.credentials = Some(creds);
                next.transcript = Transcript::default();
                next.seen = Seq(0);
                // The last chat's "Ava closed the conversation" is not this one's news.
                next.announcement.clear();
            }
            Action::Frame(frame) => {
                match &frame {
                    SessionFrame::Welcome { .. } => next.welcomes += 1,
                    SessionFrame::Message { message } if self.transcript.get(message.seq).is_none() => {
                        if from_team(message) {
                            next.arrivals += 1;
                        }
                        let mine = matches!(message.author, Author::Visitor { .. });
                        if let Some(line) = porchlight_protocol::announce::line(message, mine, bot_name(), crate::i18n::lang()) {
                            next.announcement = line;
                        }
                    }
                    _ => {}
                }
                next.transcript.apply(frame);
            }
            Action::Queue(id, text, reply_to) => next.transcript.queue(id, text, reply_to),
            Action::Conn(conn) => next.conn = conn,
            Action::Seen(seq) => next.seen = next.seen.max(seq),
            Action::Reset => next = Widget::default(),
        }
        Rc::new(next)
    }
}
