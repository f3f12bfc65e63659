//! The slash commands that reach beyond the channel: `/ticket` opens a
//! helpdesk ticket at the site's desk that links the channel message it
//! is about, and the channel gets a system line saying so; `/assign`
//! gives a visitor's conversation to an agent and `/contact` lists a
//! visitor's conversations, each answered to the sender only (a notice).

use super::{Current, TeamChannel};
use crate::internal;
use crate::team::handlers::{refuse, Outcome, Refusal};
use crate::util::{now_ms, send};
use porchlight_protocol::internal::AssignRequest;
use porchlight_protocol::internal::TicketDraft;
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::lookup::{self, Lookup};
use porchlight_protocol::team::{ChannelAction, ChannelId, Staff, TeamError, TeamFrame};
use porchlight_protocol::ticket::{self, TicketSource};
use porchlight_protocol::{AgentId, Author, ErrorCode, Message, Seq, SiteId, VisitorInfo};
use worker::Result;

/// Who a channel's system lines are stored under (no agent id has `@`).
const SYSTEM: &str = "@system";

impl TeamChannel {
    /// `/ticket <subject>`, typed by `me` in channel `id`, quoting
    /// `reply_to` (or about the channel's latest message).
    pub(super) async fn ticket(
        &self,
        site: &SiteId,
        c: Current,
        staff: &Staff,
        me: &AgentRef,
        subject: &str,
        reply_to: Option<Seq>,
    ) -> Result<Outcome> {
        let (id, channel) = (&c.id, c.channel);
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
        let where_ = channel.name.as_ref().map(|n| n.as_str().to_owned()).unwrap_or_default();
        let private = channel.kind != porchlight_protocol::team::ChannelKind::Public;
        let draft = TicketDraft {
            site: site.clone(),
            session: None,
            subject: subject.to_owned(),
            requester: VisitorInfo::new(me.name.clone(), None),
            description: ticket::describe_team(&where_, private, me, linked.as_ref()),
            created_by: me.clone(),
            source: TicketSource::Team { channel: id.clone(), seq: linked.as_ref().map_or(Seq(0), |m| m.seq) },
            rating: None,
        };
        let created = match internal::Desk::of(&self.env, site)?.create_ticket(&draft).await {
            Ok(t) => t,
            Err(e) => {
                worker::console_error!("TeamChannel: creating a ticket failed: {e}");
                return Ok(Err(Refusal { code: ErrorCode::Internal, message: "The ticket could not be created. Please retry.".into() }));
            }
        };
        // Read again: other frames may have been handled while the desk answered.
        let Some(now) = self.current()?.filter(|c| c.channel.may(staff, &ChannelAction::Read).is_ok()) else {
            return Ok(Err(TeamError::NotFound.into()));
        };
        let (channel, last) = (now.channel, now.last_seq);
        let line = Message {
            seq: last.next(),
            author: Author::System,
            text: ticket::team_opened_line(created.number, &created.subject),
            at: now_ms(),
            ..Message::blank()
        };
        self.store.append(id, &AgentId(SYSTEM.into()), &line, &[])?;
        self.fan_out(&channel, &TeamFrame::Message { channel: id.clone(), message: line });
        self.changed()?;
        Ok(Ok(()))
    }

    /// `/assign <session> <agent>`: the session is found by its id's first
    /// digits at the queue, then given to the agent by the session itself.
    #[allow(clippy::too_many_arguments)]
    pub(super) async fn assign(
        &self,
        ws: &worker::WebSocket,
        site: &SiteId,
        id: &ChannelId,
        staff: &Staff,
        me: &AgentRef,
        prefix: &str,
        agent: &AgentId,
    ) -> Result<Outcome> {
        let Some(to) = self.team.borrow().iter().find(|a| a.id == *agent).cloned() else {
            return Ok(refuse(ErrorCode::NotFound, format!("There is no agent @{agent} on this site.")));
        };
        let found = internal::Queue::of(&self.env, site)?.lookup(&Lookup::Session { prefix: prefix.to_owned() }).await?;
        let session = match lookup::the_session(prefix, &found) {
            Ok(s) => s,
            Err(e) => return Ok(Err(Refusal { code: e.code, message: e.message })),
        };
        let request = AssignRequest { by: me.clone(), by_admin: staff.site_admin, to: to.clone() };
        match internal::Session::of(&self.env, site, &session.id)?.assign(&request).await? {
            Ok(changed) => {
                let text = lookup::assigned_notice(session, &to, changed);
                send(ws, &TeamFrame::Notice { channel: id.clone(), text, links: Vec::new() });
                Ok(Ok(()))
            }
            Err(body) => Ok(Err(Refusal { code: body.error.code, message: body.error.message })),
        }
    }

    /// `/contact <name or email>`: the site's conversations with that
    /// visitor, as links, to the sender only.
    pub(super) async fn contact(&self, ws: &worker::WebSocket, site: &SiteId, id: &ChannelId, query: &str) -> Result<Outcome> {
        let found = internal::Queue::of(&self.env, site)?.lookup(&Lookup::Contact { query: query.to_owned() }).await?;
        let (text, links) = lookup::contact_notice(query, &found);
        send(ws, &TeamFrame::Notice { channel: id.clone(), text, links });
        Ok(Ok(()))
    }
}
