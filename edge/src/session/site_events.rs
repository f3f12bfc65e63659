//! Events from the site's backend (`POST …/sessions/{id}/events`): a
//! system line, or an order card, which a later event about the same
//! order updates in place as a change in the log (like an edit), so a
//! resume brings back the card's newest state and nothing else moves.

use super::ChatSession;
use crate::util::now_ms;
use porchlight_protocol::order_card::{self, EventAdded, SiteEvent};
use porchlight_protocol::record::Sender;
use porchlight_protocol::{ErrorBody, ErrorCode, Message, SessionError, SessionFrame, Status};
use worker::{Response, Result};

fn refuse(status: u16, code: ErrorCode, message: String) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(code, message))?.with_status(status))
}

impl ChatSession {
    /// Adds a checked [`SiteEvent`]; answers [`EventAdded`] (201 new, 200
    /// updated in place) or a typed refusal.
    pub(super) fn on_site_event(&self, event: SiteEvent) -> Result<Response> {
        let mut record = self.record()?;
        if record.state.status == Status::Closed {
            let e = SessionError::Closed;
            return refuse(409, e.code(), e.message());
        }
        if record.hot.last_seq.0 >= self.limits().max_log {
            return refuse(409, ErrorCode::SessionFull, "This conversation is full.".into());
        }
        let (text, card) = match event {
            SiteEvent::System { text } => (text, None),
            SiteEvent::Order { order } => (order_card::summary(&order), Some(order)),
        };
        let existing = match &card {
            Some(c) => self.store.card_seq(&c.order_id)?.map(|seq| self.store.stored(seq)).transpose()?.flatten(),
            None => None,
        };
        // The message was found by its card, so it has one.
        if let (Some((_, mut message)), Some(newer)) = (existing, card.clone()) {
            let mut current = message.card.clone().unwrap_or_else(|| newer.clone());
            if !order_card::update(&mut current, newer) {
                return Ok(Response::from_json(&EventAdded { seq: message.seq, updated: false })?);
            }
            message.text = text;
            message.card = Some(current);
            message.edited_at = Some(now_ms());
            let marker = self.append(&mut record, &Sender::Change, Message::blank())?;
            message.changed = Some(marker.seq);
            self.store.rewrite(marker.seq, &message)?;
            record.hot.counters.edited(message.seq, &message.text);
            self.save(record, false)?;
            let seq = message.seq;
            self.broadcast(&SessionFrame::Updated { message })?;
            self.schedule_sync();
            return Ok(Response::from_json(&EventAdded { seq, updated: true })?);
        }
        let message = self.append(&mut record, &Sender::System, Message { text, card, ..Message::blank() })?;
        self.save(record, false)?;
        let seq = message.seq;
        self.broadcast(&SessionFrame::Message { message })?;
        self.schedule_sync();
        Ok(Response::from_json(&EventAdded { seq, updated: false })?.with_status(201))
    }
}
