//! The visitor's rating of an ended conversation (CSAT). The rules (once,
//! only after a closed chat with a person, score and comment bounds) are
//! `porchlight_protocol::csat`; this commits what they allow.

use super::ChatSession;
use crate::config;
use crate::util::{now_ms, send};
use porchlight_protocol::csat;
use porchlight_protocol::notice::Notice;
use porchlight_protocol::record::Sender;
use porchlight_protocol::webhook::Event;
use porchlight_protocol::{Message, SessionFrame};
use worker::{Result, WebSocket};

impl ChatSession {
    /// Stores the rating with a system notice (its place in the log) and the
    /// `session.rated` event in the same commit; tells everyone.
    pub(super) async fn on_rate(&self, ws: &WebSocket, score: u8, comment: Option<&str>) -> Result<()> {
        let mut record = self.record()?;
        let enabled = config::sites(&self.env)?.get(&record.site).is_none_or(|s| s.csat);
        // A chat whose ticket the team closed has ended too, though still "active".
        let ticket_closed = record.ticket.as_ref().is_some_and(|t| t.closed);
        let state = porchlight_protocol::session::SessionState {
            status: csat::rating_status(record.state.status, ticket_closed),
            ..record.state.clone()
        };
        let rating = match csat::rate(&state, record.rating.as_ref(), enabled, score, comment, now_ms()) {
            Ok(r) => r,
            Err(e) => return Ok(send(ws, &SessionFrame::error(e.code(), e.message()))),
        };
        let notice = Notice::Rated { name: record.visitor.name.clone(), score: rating.score };
        record.rating = Some(rating.clone());
        let notice = self.append(&mut record, &Sender::System, Message::notice(notice))?;
        let record = self.save(record, true)?;
        self.store.add_event(notice.seq, &Event::SessionRated(record.summary()))?;
        self.broadcast(&SessionFrame::Message { message: notice })?;
        self.broadcast(&SessionFrame::Rated { rating })?;
        self.schedule_sync();
        Ok(())
    }
}
