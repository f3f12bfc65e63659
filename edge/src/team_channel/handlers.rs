//! A channel socket's frames after `hello`: messages and their changes,
//! typing, read marks, slash commands. Each asks `Channel::may` first,
//! against the members this object holds; a refusal is an `error` frame
//! naming the channel (and the `send`'s client id), and changes nothing.
//! Directory frames (create, join, members, folders, mute) belong on the
//! directory's socket and are refused here.

use super::{Attachment, Current, TeamChannel};
use crate::team::handlers::{refuse, Outcome, Refusal};
use crate::util::{now_ms, send};
use porchlight_protocol::change::{self, Change};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::message as team_message;
use porchlight_protocol::team::pace;
use porchlight_protocol::team::slash::{self, Command, COMMANDS};
use porchlight_protocol::team::summary::{InviteRequest, MuteRequest};
use porchlight_protocol::team::{mentions, ChannelAction, Staff, TeamClientFrame, TeamError, TeamFrame};
use porchlight_protocol::{Author, ClientMsgId, ErrorCode, Message, Participant, Seq, SiteId};
use worker::{Result, WebSocket};

impl TeamChannel {
    pub(super) async fn handle(&self, ws: &WebSocket, attachment: Attachment, frame: TeamClientFrame) -> Result<()> {
        let (Some(staff), Some(me)) = (attachment.staff(), attachment.agent.clone()) else { return Ok(()) };
        let site = attachment.site.clone();
        let channel = frame.channel_socket().cloned();
        let client_id = match &frame {
            TeamClientFrame::Send { client_id, .. } => Some(client_id.clone()),
            _ => None,
        };
        let fail = |Refusal { code, message }: Refusal| {
            send(ws, &TeamFrame::Error { code, message, channel: channel.clone(), client_id: client_id.clone(), retry_after_ms: None });
        };
        let Some(named) = channel.clone() else {
            fail(Refusal {
                code: ErrorCode::BadFrame,
                message: "This is a channel's socket: send directory frames on GET /api/v1/sites/{site}/team.".into(),
            });
            return Ok(());
        };
        // Checked at every frame, not only at `hello`: members change.
        let current = match self.current()? {
            Some(c) if c.id == named && c.channel.may(&staff, &ChannelAction::Read).is_ok() => c,
            _ => {
                fail(TeamError::NotFound.into());
                return Ok(());
            }
        };
        if let Some((pace, _, silent)) = pace::pace(&frame) {
            let admitted = self.guard.borrow_mut().admit(&self.env, self.store.sql(), &site, &staff.id, pace);
            if let Err(ms) = admitted {
                if !silent {
                    let message = pace::too_fast_message(ms);
                    send(ws, &TeamFrame::Error { code: ErrorCode::RateLimited, message, channel, client_id, retry_after_ms: Some(ms) });
                }
                return Ok(());
            }
        }
        if self.team.borrow().is_empty() {
            self.load_team(&site).await?;
        }
        let outcome = match frame {
            TeamClientFrame::Send { text, reply_to, client_id, .. } => match slash::parse(&text) {
                Some(Ok(command)) => self.command(ws, &site, current, &staff, &me, command, reply_to).await?,
                Some(Err(e @ slash::SlashError::Unknown { .. })) => refuse(ErrorCode::UnknownCommand, e.message()),
                Some(Err(e)) => refuse(ErrorCode::BadCommand, e.message()),
                None => match current.channel.may(&staff, &ChannelAction::Post) {
                    Err(e) => Err(e.into()),
                    Ok(()) => self.post(ws, current, &me, client_id, &text, reply_to)?,
                },
            },
            TeamClientFrame::Open { last_seq, .. } => {
                send(ws, &TeamFrame::History { messages: self.store.since(&current.id, last_seq)?, channel: current.id });
                Ok(())
            }
            TeamClientFrame::Close { .. } => {
                let _ = ws.close(Some(1000), Some("closed"));
                Ok(())
            }
            TeamClientFrame::Edit { seq, text, .. } => self.change(&site, current, &staff, &me, seq, Change::Edit(text))?,
            TeamClientFrame::Remove { seq, .. } => self.change(&site, current, &staff, &me, seq, Change::Delete)?,
            TeamClientFrame::React { seq, emoji, on, .. } => self.change(&site, current, &staff, &me, seq, Change::React(emoji, on))?,
            TeamClientFrame::Typing { typing, .. } => match current.channel.may(&staff, &ChannelAction::Post) {
                Err(e) => Err(e.into()),
                Ok(()) => {
                    let who = Participant::Agent { id: me.id.clone(), name: me.name.clone() };
                    let frame = TeamFrame::Typing { channel: current.id.clone(), who, typing };
                    for (other, a) in self.consoles() {
                        let reads = a.staff().is_some_and(|s| current.channel.may(&s, &ChannelAction::Read).is_ok());
                        if reads && a.agent.as_ref().is_some_and(|o| o.id != me.id) {
                            send(&other, &frame);
                        }
                    }
                    Ok(())
                }
            },
            TeamClientFrame::Read { seq, .. } => {
                let before = self.store.read_state(&current.id, &staff.id)?;
                if current.channel.is_member(&staff.id) && self.mark_read(&current.id, &staff.id, seq.min(current.last_seq))? != before {
                    self.changed()?;
                }
                Ok(())
            }
            _ => Ok(()),
        };
        if let Err(r) = outcome {
            fail(r);
        }
        Ok(())
    }

    fn post(
        &self,
        ws: &WebSocket,
        c: Current,
        me: &AgentRef,
        client_id: ClientMsgId,
        text: &str,
        reply_to: Option<Seq>,
    ) -> Result<Outcome> {
        if let Err(e) = porchlight_protocol::validate::client_id(client_id.as_str()) {
            return Ok(Err(e.into()));
        }
        let id = &c.id;
        // A resend of something committed: the same answer again, nothing stored.
        if let Some(done) = self.store.by_client_id(id, &me.id, &client_id)? {
            send(ws, &TeamFrame::Ack { channel: id.clone(), client_id, seq: done.seq });
            send(ws, &TeamFrame::Message { channel: id.clone(), message: done });
            return Ok(Ok(()));
        }
        let text = match team_message::text(text) {
            Ok(t) => t,
            Err(e) => return Ok(Err(e.into())),
        };
        let quote = match reply_to {
            Some(q) => match change::quote(q, self.store.message(id, q)?.as_ref()) {
                Ok(quote) => Some(quote),
                Err(e) => return Ok(Err(e.into())),
            },
            None => None,
        };
        let seq = c.last_seq.next();
        let mentioned = mentions(&text, &self.team.borrow().iter().map(|a| (a.id.clone(), a.name.clone())).collect::<Vec<_>>());
        let message = Message {
            seq,
            client_id: Some(client_id.clone()),
            author: Author::Agent { id: me.id.clone(), name: me.name.clone() },
            text,
            at: now_ms(),
            reply_to: quote,
            ..Message::blank()
        };
        self.store.append(id, &me.id, &message, &mentioned)?;
        self.stats.borrow_mut().messages += 1;
        self.mark_read(id, &me.id, seq)?;
        send(ws, &TeamFrame::Ack { channel: id.clone(), client_id, seq });
        self.fan_out(&c.channel, &TeamFrame::Message { channel: id.clone(), message });
        self.changed()?;
        Ok(Ok(()))
    }

    fn change(&self, site: &SiteId, c: Current, staff: &Staff, me: &AgentRef, seq: Seq, change: Change) -> Result<Outcome> {
        if let Err(e) = c.channel.may(staff, &ChannelAction::Post) {
            return Ok(Err(e.into()));
        }
        let Some(mut message) = self.store.message(&c.id, seq)? else {
            return Ok(refuse(ErrorCode::NotFound, format!("There is no message {seq}.")));
        };
        let own = matches!(&message.author, Author::Agent { id, .. } if *id == me.id);
        let who = Participant::Agent { id: me.id.clone(), name: me.name.clone() };
        let file = message.attachment.clone();
        match team_message::apply(&mut message, own, &who, change, now_ms()) {
            Ok(true) => {}
            Ok(false) => return Ok(Ok(())),
            Err(e) => return Ok(Err(e.into())),
        }
        message.changed = Some(c.last_seq.next());
        self.store.rewrite(&c.id, &message)?;
        if let (Some(file), true) = (&file, message.deleted) {
            self.forget_file(site, &c.id, file);
        }
        self.fan_out(&c.channel, &TeamFrame::Updated { channel: c.id.clone(), message });
        Ok(Ok(()))
    }

    #[allow(clippy::too_many_arguments)]
    async fn command(
        &self,
        ws: &WebSocket,
        site: &SiteId,
        c: Current,
        staff: &Staff,
        me: &AgentRef,
        command: Command,
        reply_to: Option<Seq>,
    ) -> Result<Outcome> {
        let id = c.id.clone();
        let notice = |text: String| send(ws, &TeamFrame::Notice { channel: id.clone(), text, links: Vec::new() });
        match command {
            Command::Help => {
                let lines: Vec<String> = COMMANDS
                    .iter()
                    .map(|c| {
                        let args = if c.args.is_empty() { String::new() } else { format!(" {}", c.args) };
                        format!("/{}{args} — {}", c.name, c.description)
                    })
                    .collect();
                notice(lines.join("\n"));
            }
            Command::Mute | Command::Unmute => {
                // Mutes are the directory's (they shape the sidebar's badge).
                let muted = command == Command::Mute;
                let request = MuteRequest { channel: id.clone(), agent: staff.id.clone(), muted };
                self.directory(site)?.mute(&request).await?;
                notice(
                    if muted { "Muted: this channel no longer counts toward your badge; mentions still do." } else { "Unmuted." }.into(),
                );
            }
            Command::Invite { agent } => {
                // Membership starts at the directory, which tells this object first.
                let request = InviteRequest {
                    site: site.clone(),
                    channel: id.clone(),
                    agent: agent.clone(),
                    by: staff.id.clone(),
                    by_admin: staff.site_admin,
                };
                if let Err(body) = self.directory(site)?.invite(&request).await? {
                    return Ok(Err(Refusal { code: body.error.code, message: body.error.message }));
                }
                notice(format!("Added @{agent} to the channel."));
            }
            Command::Ticket { subject } => return self.ticket(site, c, staff, me, &subject, reply_to).await,
            Command::Assign { session, agent } => return self.assign(ws, site, &c.id, staff, me, &session, &agent).await,
            Command::Contact { query } => return self.contact(ws, site, &c.id, &query).await,
        }
        Ok(Ok(()))
    }
}
