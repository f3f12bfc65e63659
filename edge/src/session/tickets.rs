//! A session made into a helpdesk ticket at the site's `SiteDesk`.

use super::ChatSession;
use crate::config;
use crate::internal;
use crate::util::send;
use porchlight_protocol::internal::TicketDraft;
use porchlight_protocol::record::Sender;
use porchlight_protocol::session::{Actor, AgentRef};
use porchlight_protocol::ticket;
use porchlight_protocol::{ErrorCode, Message, Seq, SessionError, SessionFrame, Status};
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
            let messages = self.store.messages_after(Seq(0), true)?;
            let site_name = config::sites(&self.env)?.get(&record.site).map(|s| s.name.clone()).unwrap_or_default();
            let draft = TicketDraft {
                site: record.site.clone(),
                session: record.id.clone(),
                subject: ticket::subject(&record.visitor, &messages),
                requester: record.visitor.clone(),
                description: ticket::describe(&site_name, &record.visitor, &messages),
                created_by: agent.clone(),
            };
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
            let text = format!("Ticket #{} created: {}", ticket.number, ticket.subject);
            let notice = self.append(&mut record, &Sender::System, Message { text, ..Message::blank() })?;
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
}
