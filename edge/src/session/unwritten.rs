//! Messages forwarded and not yet written: the hot path's write, moved
//! out of the forward's turn and coalesced.
//!
//! A visitor's or agent's message is forwarded to the other sockets at
//! once and queued here; a timer in this object (the next task, so the
//! forwarded frames leave first) writes every queued message in one turn,
//! which is one SQLite commit, then acks and echoes each to its sender.
//! The output gate holds those acks until the commit is durable: ack still
//! means committed. Anything else that reads or writes the log (another
//! frame, a route, the outbox, the alarm) writes the queue first, so it
//! always sees the log whole, and a `welcome`'s `head` is the committed end;
//! so does a message from another socket (`on_send`), so each socket gets
//! the log in seq order.

use super::{ChatSession, Core};
use crate::util::send;
use porchlight_protocol::record::Sender;
use porchlight_protocol::{ClientMsgId, Message, SessionFrame};
use worker::{Result, WebSocket};

/// One message forwarded and not yet written.
pub struct Unwritten {
    pub sender: Sender,
    pub message: Message,
    /// The sender's socket: its ack and echo follow the write.
    pub from: WebSocket,
    /// The `message` frame, as forwarded (and echoed).
    pub frame: String,
    /// The sockets it was forwarded to (closed if the write fails).
    pub forwarded: Vec<WebSocket>,
}

impl Core {
    /// The seq the next message takes: after the log and the queue.
    pub(super) fn next_unwritten_seq(&self) -> Result<porchlight_protocol::Seq> {
        let cached = self.record.borrow();
        let record = cached.as_ref().ok_or_else(|| worker::Error::RustError("session has no record".into()))?;
        Ok(porchlight_protocol::Seq(record.hot.last_seq.0 + self.unwritten.borrow().len() as u64 + 1))
    }

    /// Whether `sender` already has `client_id` queued (a resend before its write).
    pub(super) fn is_unwritten(&self, sender: &Sender, client_id: &ClientMsgId) -> bool {
        self.unwritten.borrow().iter().any(|u| &u.sender == sender && u.message.client_id.as_ref() == Some(client_id))
    }

    /// Writes every queued message (one turn, one commit), then acks and
    /// echoes each. If a write fails, whoever saw the unwritten messages
    /// resyncs: receivers' welcome drops them, senders' reconnect resends.
    pub(super) fn write_unwritten(&self) -> Result<()> {
        let queued = std::mem::take(&mut *self.unwritten.borrow_mut());
        if queued.is_empty() {
            return Ok(());
        }
        let mut written = 0;
        let mut failure = None;
        for u in &queued {
            match self.append_in_place(&u.sender, &u.message) {
                Ok(true) => written += 1,
                Ok(false) => {
                    failure = Some(worker::Error::RustError(format!("message {} was not stored", u.message.seq)));
                    break;
                }
                Err(e) => {
                    failure = Some(e);
                    break;
                }
            }
        }
        let saved = if written > 0 { self.save_hot_in_place() } else { Ok(()) };
        let (done, lost) = match saved {
            Ok(()) => queued.split_at(written),
            Err(e) => {
                failure = Some(e);
                queued.split_at(0)
            }
        };
        for u in done {
            self.stored_text(&u.message.text);
            if let Some(client_id) = u.message.client_id.clone() {
                send(&u.from, &SessionFrame::Ack { client_id, seq: u.message.seq });
            }
            let _ = u.from.send_with_str(&u.frame);
        }
        for u in lost {
            for ws in u.forwarded.iter().chain(std::iter::once(&u.from)) {
                let _ = ws.close(Some(1011), Some("resync"));
            }
        }
        failure.map_or(Ok(()), Err)
    }
}

impl ChatSession {
    /// Queues a forwarded message for [`Core::write_unwritten`], arming
    /// its timer with the first.
    pub(super) fn defer_write(&self, unwritten: Unwritten) {
        let first = {
            let mut queue = self.unwritten.borrow_mut();
            queue.push(unwritten);
            queue.len() == 1
        };
        if first {
            let core = self.core.clone();
            self.state.wait_until(async move {
                // The next task: the forwarded frames are on their way first.
                worker::Delay::from(std::time::Duration::from_millis(0)).await;
                if let Err(e) = core.write_unwritten() {
                    worker::console_error!("ChatSession: writing queued messages failed: {e}");
                }
            });
        }
        self.schedule_sync();
    }

    /// [`Core::write_unwritten`], before anything that reads the log.
    pub(super) fn write_first(&self) -> Result<()> {
        self.core.write_unwritten()
    }
}
