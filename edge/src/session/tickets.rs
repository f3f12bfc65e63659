//! A session made into a helpdesk ticket at the site's `SiteDesk`.

use super::ChatSession;
use crate::config;
use crate::internal;
use crate::util::send;
use porchlight_protocol::internal::TicketDraft;
use porchlight_protocol::notice::Notice;
use porchlight_protocol::record::{Sender, SessionRecord};
use porchlight_protocol::session::{Actor, AgentRef};
use porchlight_protocol::ticket;
use porchlight_protocol::{validate, Author, ErrorCode, Message, Seq, SessionError, SessionFrame, Status};
use worker::{Result, WebSocket};

impl ChatSession {
    /// Turns the session into a helpdesk ticket at the site's desk, links
    /// it, tells everyone, and closes the session if asked (and allowed).
    pub(super) async fn on_create_ticket(&self, ws: &WebSocket, agent: AgentRef, close: bool) -> Result<()> {
        let record = self.record()?;
        if record.state.status == Status::Bot {
            let e = SessionError::StillWithBot;
            return Ok(send(ws, &SessionFrame::error(e.code(), e.message())));
        }
        if let Some(ticket) = record.ticket.clone() {
            send(ws, &SessionFrame::Ticket { ticket });
        } else {
            let draft = self.ticket_draft(&record, agent.clone(), ticket::TicketSource::Chat)?;
            let created = match internal::Desk::of(&self.env, &record.site)?.create_ticket(&draft).await {
                Ok(t) => t,
                Err(e) => {
                    worker::console_error!("ChatSession: creating a ticket failed: {e}");
                    return Ok(send(ws, &SessionFrame::error(ErrorCode::Internal, "The ticket could not be created. Please retry.")));
                }
            };
            // Re-read: frames may have been handled while the desk answered,
            // including a second click that already linked the same ticket.
            let mut record = self.record()?;
            let ticket = created.as_ref();
            if record.ticket.is_some() {
                send(ws, &SessionFrame::Ticket { ticket });
                return Ok(());
            }
            record.ticket = Some(ticket.clone());
            let notice = Notice::TicketCreated { number: ticket.number, subject: ticket.subject.clone() };
            let notice = self.append(&mut record, &Sender::System, Message::notice(notice))?;
            self.save(record, true)?;
            self.broadcast(&SessionFrame::Message { message: notice })?;
            self.broadcast(&SessionFrame::Ticket { ticket })?;
            self.schedule_sync();
        }
        if close {
            self.on_close(ws, &Actor::Agent(agent)).await?;
        }
        Ok(())
    }

    /// "Leave a message" (outside hours): the visitor's email, required
    /// now, and question go into the log, the session becomes a ticket at
    /// the desk (the existing ticket, transcript included), and the chat
    /// ends, so the queue never shows it as waiting for a person.
    pub(super) async fn on_leave_message(&self, ws: &WebSocket, email: &str, text: &str) -> Result<()> {
        let email = match validate::email(Some(email)) {
            Ok(Some(email)) => email,
            Ok(None) => return Ok(send(ws, &SessionFrame::error(ErrorCode::InvalidEmail, "Add your email address so we can reply."))),
            Err(e) => return Ok(send(ws, &SessionFrame::error(e.code, e.message))),
        };
        let text = match validate::message(text) {
            Ok(text) => text,
            Err(e) => return Ok(send(ws, &SessionFrame::error(e.code, e.message))),
        };
        let mut record = self.record()?;
        if let Some(ticket) = record.ticket.clone() {
            return Ok(send(ws, &SessionFrame::Ticket { ticket }));
        }
        if record.state.status == Status::Closed {
            let e = SessionError::Closed;
            return Ok(send(ws, &SessionFrame::error(e.code(), e.message())));
        }
        record.visitor.email = Some(email.clone());
        // The form starts from what they typed in the chat: that question
        // is in the log already and is not posted a second time.
        let said = self.store.messages_after(Seq(0), false)?;
        if ticket::already_said(&said, &text) {
            self.save(record, true)?;
        } else {
            let author = Author::Visitor { name: record.visitor.name.clone() };
            let question = self.append(&mut record, &Sender::Visitor, Message { author, text, ..Message::blank() })?;
            self.save(record, true)?;
            self.broadcast(&SessionFrame::Message { message: question })?;
        }
        self.schedule_sync();
        let record = self.record()?;

        let draft = self.ticket_draft(&record, ticket::visitor_creator(&record.visitor.name), ticket::TicketSource::OfflineMessage)?;
        let created = match internal::Desk::of(&self.env, &record.site)?.create_ticket(&draft).await {
            Ok(t) => t,
            Err(e) => {
                // The question is in the log either way; the visitor may send the form again.
                worker::console_error!("ChatSession: creating a ticket from a left message failed: {e}");
                return Ok(send(ws, &SessionFrame::error(ErrorCode::Internal, "Your message could not be passed on. Please retry.")));
            }
        };
        // Re-read: frames may have been handled while the desk answered.
        let mut record = self.record()?;
        if record.ticket.is_some() {
            return Ok(());
        }
        let ticket = created.as_ref();
        record.ticket = Some(ticket.clone());
        // One line says it all (not also "Jo ended the conversation"): the
        // message was left, where the reply goes, and the chat ends with it.
        let notice = Notice::MessageLeft { number: ticket.number, email };
        let linked = SessionFrame::Ticket { ticket };
        if let Ok(true) = record.state.close(&Actor::Visitor) {
            record.closed_at = Some(crate::util::now_ms());
            return self.commit_transition_with(record, notice, Some(linked)).await;
        }
        let notice = self.append(&mut record, &Sender::System, Message::notice(notice))?;
        self.save(record, true)?;
        self.broadcast(&SessionFrame::Message { message: notice })?;
        self.broadcast(&linked)?;
        self.schedule_sync();
        Ok(())
    }

    /// An agent's reply to this session's ticket (`POST /ticket-reply`):
    /// the agent's message in the log, even after the chat closed, so the
    /// visitor's widget shows it (unread) next time they come.
    pub(super) fn on_ticket_reply(&self, reply: porchlight_protocol::internal::TicketReplyDraft) -> Result<worker::Response> {
        let mut record = self.record()?;
        let author = Author::Agent { id: reply.agent.id.clone(), name: reply.agent.name.clone() };
        let message =
            self.append(&mut record, &Sender::Agent(reply.agent.id.clone()), Message { author, text: reply.text, ..Message::blank() })?;
        self.save(record, false)?;
        self.broadcast(&SessionFrame::Message { message })?;
        self.schedule_sync();
        Ok(worker::ResponseBuilder::new().with_status(204).empty())
    }

    /// A ticket of the whole conversation so far: its subject from the
    /// visitor's first question, the transcript as its description.
    fn ticket_draft(&self, record: &SessionRecord, created_by: AgentRef, source: ticket::TicketSource) -> Result<TicketDraft> {
        let messages = self.store.messages_after(Seq(0), true)?;
        let site_name = config::sites(&self.env)?.get(&record.site).map(|s| s.name.clone()).unwrap_or_default();
        Ok(TicketDraft {
            site: record.site.clone(),
            session: Some(record.id.clone()),
            subject: match source {
                // Out of hours the chat may hold only "can I talk to a human?": not a subject.
                ticket::TicketSource::OfflineMessage => {
                    ticket::left_message_subject(&record.visitor, &messages, |t| !porchlight_kb::intent::only_person(t))
                }
                _ => ticket::subject(&record.visitor, &messages),
            },
            requester: record.visitor.clone(),
            description: ticket::describe(&site_name, &record.visitor, &messages),
            created_by,
            source,
            rating: record.rating.clone(),
        })
    }

    /// The ticket was closed at the desk: the link says so, a notice says
    /// who, and from now on nobody writes here (`ticket::may_write`).
    pub(super) fn on_ticket_closed(&self, closed: ticket::TicketClosed) -> Result<worker::Response> {
        let mut record = self.record()?;
        if record.ticket.as_ref().is_some_and(|t| t.closed) {
            return Ok(worker::ResponseBuilder::new().with_status(204).empty());
        }
        let ticket = closed.ticket;
        record.ticket = Some(ticket.clone());
        let notice = Notice::TicketClosed { number: ticket.number, by: closed.by.name.clone() };
        let notice = self.append(&mut record, &Sender::System, Message::notice(notice))?;
        self.save(record, true)?;
        self.broadcast(&SessionFrame::Message { message: notice })?;
        self.broadcast(&SessionFrame::Ticket { ticket })?;
        self.schedule_sync();
        Ok(worker::ResponseBuilder::new().with_status(204).empty())
    }
}
