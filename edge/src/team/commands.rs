//! The slash commands that reach beyond the channel: `/ticket` opens a
//! helpdesk ticket at the site's desk that links the channel message it
//! is about, and the channel gets a system line saying so.

use super::handlers::{refuse, Outcome, Refusal};
use super::SiteTeam;
use crate::internal;
use crate::util::now_ms;
use porchlight_protocol::internal::TicketDraft;
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::{ChannelAction, ChannelId, Staff, TeamFrame};
use porchlight_protocol::ticket::{self, TicketSource};
use porchlight_protocol::{AgentId, Author, ErrorCode, Message, Seq, SiteId, VisitorInfo};
use worker::Result;

/// Who a channel's system lines are stored under (no agent id has `@`).
const SYSTEM: &str = "@system";

impl SiteTeam {
    /// `/ticket <subject>`, typed by `me` in channel `id`, quoting
    /// `reply_to` (or about the channel's latest message).
    pub(super) async fn ticket(
        &self,
        site: &SiteId,
        id: &ChannelId,
        staff: &Staff,
        me: &AgentRef,
        subject: &str,
        reply_to: Option<Seq>,
    ) -> Result<Outcome> {
        let (channel, _) = match self.visible(id, staff)? {
            Ok(found) => found,
            Err(r) => return Ok(Err(r)),
        };
        if let Err(e) = channel.may(staff, &ChannelAction::Post) {
            return Ok(Err(e.into()));
        }
        let linked = match reply_to {
            Some(seq) => match self.store.message(id, seq)? {
                Some(m) => Some(m),
                None => return Ok(refuse(ErrorCode::NotFound, format!("There is no message {seq}."))),
            },
            None => self.store.latest(id)?,
        };
        let where_ = channel.name.as_ref().map_or_else(|| "a direct message".to_owned(), |n| format!("#{n}"));
        let draft = TicketDraft {
            site: site.clone(),
            session: None,
            subject: subject.to_owned(),
            requester: VisitorInfo::new(me.name.clone(), None),
            description: ticket::describe_team(&where_, me, linked.as_ref()),
            created_by: me.clone(),
            source: TicketSource::Team { channel: id.clone(), seq: linked.as_ref().map_or(Seq(0), |m| m.seq) },
        };
        let created = match internal::Desk::of(&self.env, site)?.create_ticket(&draft).await {
            Ok(t) => t,
            Err(e) => {
                worker::console_error!("SiteTeam: creating a ticket failed: {e}");
                return Ok(Err(Refusal { code: ErrorCode::Internal, message: "The ticket could not be created. Please retry.".into() }));
            }
        };
        // Read again: other frames may have been handled while the desk answered.
        let (channel, last) = match self.visible(id, staff)? {
            Ok(found) => found,
            Err(r) => return Ok(Err(r)),
        };
        let line = Message {
            seq: last.next(),
            author: Author::System,
            text: ticket::team_opened_line(created.number, &created.subject),
            at: now_ms(),
            ..Message::blank()
        };
        self.store.append(id, &AgentId(SYSTEM.into()), &line, &[])?;
        self.fan_out(id, &channel, line.seq, &TeamFrame::Message { channel: id.clone(), message: line }, true)?;
        Ok(Ok(()))
    }
}
