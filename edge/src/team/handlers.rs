//! The team socket's frames after `hello`: channel actions, messages and
//! their changes, reads and mutes, slash commands. Each asks
//! `Channel::may` first; a refusal is an `error` frame naming the channel
//! (and the `send`'s client id), and changes nothing.

use super::{Attachment, SiteTeam};
use crate::crypto;
use crate::util::{now_ms, send};
use porchlight_protocol::change::{self, Change};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::team::frames::{folder, MAX_FOLDERS};
use porchlight_protocol::team::message as team_message;
use porchlight_protocol::team::pace;
use porchlight_protocol::team::slash::{self, Command, COMMANDS};
use porchlight_protocol::team::{mentions, Channel, ChannelAction, ChannelId, Staff, TeamClientFrame, TeamError, TeamFrame};
use porchlight_protocol::validate::Invalid;
use porchlight_protocol::{AgentId, Author, ClientMsgId, ErrorCode, Message, Participant, Seq, SiteId};
use worker::{Result, WebSocket};

/// A refusal on its way to the socket.
pub(super) struct Refusal {
    pub(super) code: ErrorCode,
    pub(super) message: String,
}

impl From<TeamError> for Refusal {
    fn from(e: TeamError) -> Refusal {
        let code = match e {
            TeamError::InvalidName(_) | TeamError::InvalidMembers(_) => ErrorCode::InvalidName,
            TeamError::Forbidden(_) => ErrorCode::Forbidden,
            TeamError::NotFound => ErrorCode::NotFound,
            TeamError::Archived => ErrorCode::ChannelArchived,
        };
        Refusal { code, message: e.message() }
    }
}

impl From<Invalid> for Refusal {
    fn from(e: Invalid) -> Refusal {
        Refusal { code: e.code, message: e.message }
    }
}

pub(super) type Outcome = std::result::Result<(), Refusal>;

pub(super) fn refuse(code: ErrorCode, message: impl Into<String>) -> Outcome {
    Err(Refusal { code, message: message.into() })
}

impl SiteTeam {
    pub(super) async fn handle(&self, ws: &WebSocket, attachment: Attachment, frame: TeamClientFrame) -> Result<()> {
        let Some(staff) = attachment.staff() else { return Ok(()) };
        // The roster is memory only: after a wake-up, or when someone not
        // in it is named (an account made since), it is read again.
        let named: Vec<&AgentId> = match &frame {
            TeamClientFrame::Direct { members } => members.iter().collect(),
            TeamClientFrame::AddMember { agent, .. } => vec![agent],
            _ => Vec::new(),
        };
        if self.team.borrow().is_empty() || named.iter().any(|a| !self.on_team(a)) {
            self.load_team(&attachment.site).await?;
        }
        let (channel, client_id) = match &frame {
            TeamClientFrame::Send { channel, client_id, .. } => (Some(channel.clone()), Some(client_id.clone())),
            TeamClientFrame::Open { channel, .. }
            | TeamClientFrame::Close { channel }
            | TeamClientFrame::Join { channel }
            | TeamClientFrame::Leave { channel }
            | TeamClientFrame::AddMember { channel, .. }
            | TeamClientFrame::RemoveMember { channel, .. }
            | TeamClientFrame::Update { channel, .. }
            | TeamClientFrame::Delete { channel }
            | TeamClientFrame::Mute { channel, .. }
            | TeamClientFrame::Edit { channel, .. }
            | TeamClientFrame::Remove { channel, .. }
            | TeamClientFrame::React { channel, .. }
            | TeamClientFrame::Typing { channel, .. }
            | TeamClientFrame::Read { channel, .. } => (Some(channel.clone()), None),
            _ => (None, None),
        };
        if let Some((pace, _, silent)) = pace::pace(&frame) {
            if let Err(ms) = self.admit(&attachment.site, &staff.id, pace) {
                if !silent {
                    let message = pace::too_fast_message(ms);
                    send(ws, &TeamFrame::Error { code: ErrorCode::RateLimited, message, channel, client_id, retry_after_ms: Some(ms) });
                }
                return Ok(());
            }
        }
        // `/ticket` waits for the desk, so it is carried out here, not in `act`.
        if let TeamClientFrame::Send { channel: id, text, reply_to, .. } = &frame {
            if let Some(Ok(Command::Ticket { subject })) = slash::parse(text) {
                let me = attachment.agent.clone().expect("signed in");
                if let Err(Refusal { code, message }) = self.ticket(&attachment.site, id, &staff, &me, &subject, *reply_to).await? {
                    send(ws, &TeamFrame::Error { code, message, channel, client_id, retry_after_ms: None });
                }
                return Ok(());
            }
            // `/assign` and `/contact` wait for the queue (and the session).
            let me = attachment.agent.clone().expect("signed in");
            let answered = match slash::parse(text) {
                Some(Ok(Command::Assign { session, agent })) => {
                    Some(self.assign(ws, &attachment.site, id, &staff, &me, &session, &agent).await?)
                }
                Some(Ok(Command::Contact { query })) => Some(self.contact(ws, &attachment.site, id, &staff, &query).await?),
                _ => None,
            };
            if let Some(outcome) = answered {
                if let Err(Refusal { code, message }) = outcome {
                    send(ws, &TeamFrame::Error { code, message, channel, client_id, retry_after_ms: None });
                }
                return Ok(());
            }
        }
        if let Err(Refusal { code, message }) = self.act(ws, attachment, &staff, frame)? {
            send(ws, &TeamFrame::Error { code, message, channel, client_id, retry_after_ms: None });
        }
        Ok(())
    }

    /// The channel as `staff` may see it, or `not_found` (a private
    /// channel's existence does not leak).
    pub(super) fn visible(&self, id: &ChannelId, staff: &Staff) -> Result<std::result::Result<(Channel, Seq), Refusal>> {
        Ok(match self.store.channel(id)? {
            Some((channel, seq)) if channel.may(staff, &ChannelAction::Read).is_ok() => Ok((channel, seq)),
            _ => Err(TeamError::NotFound.into()),
        })
    }

    fn on_team(&self, agent: &AgentId) -> bool {
        self.team.borrow().iter().any(|a| a.id == *agent)
    }

    fn act(&self, ws: &WebSocket, mut attachment: Attachment, staff: &Staff, frame: TeamClientFrame) -> Result<Outcome> {
        let me = attachment.agent.clone().expect("signed in");
        macro_rules! visible {
            ($id:expr) => {
                match self.visible($id, staff)? {
                    Ok(found) => found,
                    Err(r) => return Ok(Err(r)),
                }
            };
        }
        macro_rules! may {
            ($channel:expr, $action:expr) => {
                if let Err(e) = $channel.may(staff, &$action) {
                    return Ok(Err(e.into()));
                }
            };
        }
        match frame {
            TeamClientFrame::Hello { .. } | TeamClientFrame::Ping => {}
            TeamClientFrame::Open { channel: id, last_seq } => {
                visible!(&id);
                if !attachment.open.contains(&id) {
                    attachment.open.push(id.clone());
                    ws.serialize_attachment(&attachment)?;
                }
                send(ws, &TeamFrame::History { messages: self.store.since(&id, last_seq)?, channel: id });
            }
            TeamClientFrame::Close { channel: id } => {
                attachment.open.retain(|c| *c != id);
                ws.serialize_attachment(&attachment)?;
            }
            TeamClientFrame::Create { name, kind, description, folder: wanted } => {
                let mut channel = match Channel::new(name.clone(), kind, &staff.id) {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e.into())),
                };
                if self.store.channels()?.iter().any(|(_, c, _)| c.name.as_ref() == Some(&name)) {
                    return Ok(refuse(ErrorCode::InvalidName, format!("There is already a channel called {name}.")));
                }
                if let Err(e) = channel.describe(&description) {
                    return Ok(Err(e.into()));
                }
                if let Some(f) = wanted.filter(|f| !f.trim().is_empty()) {
                    may!(channel, ChannelAction::MoveToFolder);
                    channel.folder = Some(match folder(&f) {
                        Ok(f) => f,
                        Err(e) => return Ok(Err(e.into())),
                    });
                }
                let id = ChannelId(crypto::random_hex(8)?);
                self.store.insert_channel(&id, &channel, now_ms())?;
                self.announce(&id, None, Some((&channel, Seq(0))))?;
            }
            TeamClientFrame::Direct { members } => {
                if let Some(stranger) = members.iter().find(|m| !self.on_team(m)) {
                    return Ok(refuse(ErrorCode::InvalidName, format!("{stranger} is not on this site's team.")));
                }
                let channel = match Channel::direct(&staff.id, &members) {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e.into())),
                };
                let key = channel.direct_key().unwrap_or_default();
                match self.store.direct(&key)? {
                    // Already there: the starter is told about it again, to open it.
                    Some(id) => {
                        let (channel, seq) = visible!(&id);
                        send(ws, &TeamFrame::Channel { channel: self.info(&id, channel, seq, &staff.id)? });
                    }
                    None => {
                        let id = ChannelId(crypto::random_hex(8)?);
                        self.store.insert_channel(&id, &channel, now_ms())?;
                        self.announce(&id, None, Some((&channel, Seq(0))))?;
                    }
                }
            }
            TeamClientFrame::Join { channel: id } => {
                let (mut channel, seq) = visible!(&id);
                may!(channel, ChannelAction::Join);
                let before = channel.clone();
                channel.members.insert(staff.id.clone(), porchlight_protocol::team::ChannelRole::Member);
                self.store.save_channel(&id, &channel)?;
                self.mark_read(&id, &staff.id, seq)?;
                self.announce(&id, Some(&before), Some((&channel, seq)))?;
            }
            TeamClientFrame::Leave { channel: id } => {
                let (mut channel, seq) = visible!(&id);
                may!(channel, ChannelAction::Leave);
                let before = channel.clone();
                channel.remove(&staff.id);
                self.store.save_channel(&id, &channel)?;
                self.announce(&id, Some(&before), Some((&channel, seq)))?;
            }
            TeamClientFrame::AddMember { channel: id, agent } => {
                let (channel, seq) = visible!(&id);
                return self.add_member(&id, channel, seq, staff, &agent);
            }
            TeamClientFrame::RemoveMember { channel: id, agent } => {
                let (mut channel, seq) = visible!(&id);
                may!(channel, ChannelAction::RemoveMember(agent.clone()));
                let before = channel.clone();
                channel.remove(&agent);
                self.store.save_channel(&id, &channel)?;
                self.announce(&id, Some(&before), Some((&channel, seq)))?;
            }
            TeamClientFrame::Update { channel: id, name, description, folder: moved, archived } => {
                let (mut channel, seq) = visible!(&id);
                let before = channel.clone();
                if let Some(name) = name {
                    may!(channel, ChannelAction::Rename);
                    let taken = self.store.channels()?.iter().any(|(other, c, _)| *other != id && c.name.as_ref() == Some(&name));
                    if taken {
                        return Ok(refuse(ErrorCode::InvalidName, format!("There is already a channel called {name}.")));
                    }
                    channel.name = Some(name);
                }
                if let Some(text) = description {
                    may!(channel, ChannelAction::Describe);
                    if let Err(e) = channel.describe(&text) {
                        return Ok(Err(e.into()));
                    }
                }
                if let Some(f) = moved {
                    may!(channel, ChannelAction::MoveToFolder);
                    channel.folder = match f.trim() {
                        "" => None,
                        f => match folder(f) {
                            Ok(f) => Some(f),
                            Err(e) => return Ok(Err(e.into())),
                        },
                    };
                }
                if let Some(archived) = archived {
                    may!(before, ChannelAction::Archive);
                    channel.archived = archived;
                }
                self.store.save_channel(&id, &channel)?;
                self.announce(&id, Some(&before), Some((&channel, seq)))?;
            }
            TeamClientFrame::Delete { channel: id } => {
                let (channel, _) = visible!(&id);
                may!(channel, ChannelAction::Delete);
                self.store.delete_channel(&id)?;
                self.forget_channel_files(&attachment.site, &id);
                self.announce(&id, Some(&channel), None)?;
            }
            TeamClientFrame::Folders { folders } => {
                if !staff.site_admin {
                    return Ok(refuse(ErrorCode::Forbidden, "Only a site admin arranges folders."));
                }
                if folders.len() > MAX_FOLDERS {
                    return Ok(refuse(ErrorCode::InvalidName, format!("A sidebar holds at most {MAX_FOLDERS} folders.")));
                }
                let mut clean: Vec<String> = Vec::new();
                for f in folders {
                    match folder(&f) {
                        Ok(f) if !clean.contains(&f) => clean.push(f),
                        Ok(_) => {}
                        Err(e) => return Ok(Err(e.into())),
                    }
                }
                self.store.save_folders(&clean)?;
                for (ws, _) in self.consoles() {
                    send(&ws, &TeamFrame::Folders { folders: clean.clone() });
                }
            }
            TeamClientFrame::Mute { channel: id, muted } => {
                let (channel, seq) = visible!(&id);
                self.set_muted(&id, channel, seq, &staff.id, muted)?;
            }
            TeamClientFrame::Read { channel: id, seq } => {
                let (channel, last) = visible!(&id);
                let before = self.store.read_state(&id, &staff.id)?;
                if self.mark_read(&id, &staff.id, seq.min(last))? != before {
                    let info = self.info(&id, channel, last, &staff.id)?;
                    self.to_agent(&staff.id, &TeamFrame::Channel { channel: info });
                }
            }
            TeamClientFrame::Typing { channel: id, typing } => {
                let (channel, _) = visible!(&id);
                may!(channel, ChannelAction::Post);
                let who = Participant::Agent { id: me.id.clone(), name: me.name.clone() };
                let frame = TeamFrame::Typing { channel: id.clone(), who, typing };
                for (other, a) in self.consoles() {
                    let reads = a.staff().is_some_and(|s| channel.may(&s, &ChannelAction::Read).is_ok());
                    if reads && a.open.contains(&id) && a.agent.as_ref().is_some_and(|o| o.id != me.id) {
                        send(&other, &frame);
                    }
                }
            }
            TeamClientFrame::Send { channel: id, client_id, text, reply_to } => {
                let (channel, seq) = visible!(&id);
                if let Some(command) = slash::parse(&text) {
                    return match command {
                        Ok(command) => self.command(ws, &id, channel, seq, staff, command),
                        Err(e @ slash::SlashError::Unknown { .. }) => Ok(refuse(ErrorCode::UnknownCommand, e.message())),
                        Err(e) => Ok(refuse(ErrorCode::BadCommand, e.message())),
                    };
                }
                may!(channel, ChannelAction::Post);
                return self.post(ws, &id, channel, seq, &me, client_id, &text, reply_to);
            }
            TeamClientFrame::Edit { channel: id, seq, text } => {
                return self.change(&attachment.site, &id, staff, &me, seq, Change::Edit(text))
            }
            TeamClientFrame::Remove { channel: id, seq } => return self.change(&attachment.site, &id, staff, &me, seq, Change::Delete),
            TeamClientFrame::React { channel: id, seq, emoji, on } => {
                return self.change(&attachment.site, &id, staff, &me, seq, Change::React(emoji, on))
            }
        }
        Ok(Ok(()))
    }

    fn add_member(&self, id: &ChannelId, mut channel: Channel, seq: Seq, staff: &Staff, agent: &AgentId) -> Result<Outcome> {
        if !self.on_team(agent) {
            return Ok(refuse(ErrorCode::NotFound, format!("{agent} is not on this site's team.")));
        }
        if let Err(e) = channel.may(staff, &ChannelAction::AddMember(agent.clone())) {
            return Ok(Err(e.into()));
        }
        let before = channel.clone();
        channel.members.insert(agent.clone(), porchlight_protocol::team::ChannelRole::Member);
        self.store.save_channel(id, &channel)?;
        // They start with nothing unread: what came before they joined is history.
        self.mark_read(id, agent, seq)?;
        self.announce(id, Some(&before), Some((&channel, seq)))?;
        Ok(Ok(()))
    }

    fn set_muted(&self, id: &ChannelId, channel: Channel, seq: Seq, agent: &AgentId, muted: bool) -> Result<()> {
        let mut state = self.store.read_state(id, agent)?;
        state.muted = muted;
        self.store.save_read_state(id, agent, state)?;
        let info = self.info(id, channel, seq, agent)?;
        self.to_agent(agent, &TeamFrame::Channel { channel: info });
        Ok(())
    }

    pub(super) fn mark_read(&self, id: &ChannelId, agent: &AgentId, seq: Seq) -> Result<porchlight_protocol::team::ReadState> {
        let mut state = self.store.read_state(id, agent)?;
        state.read_to(seq);
        self.store.save_read_state(id, agent, state)?;
        Ok(state)
    }

    #[allow(clippy::too_many_arguments)]
    fn post(
        &self,
        ws: &WebSocket,
        id: &ChannelId,
        channel: Channel,
        last: Seq,
        me: &AgentRef,
        client_id: ClientMsgId,
        text: &str,
        reply_to: Option<Seq>,
    ) -> Result<Outcome> {
        if let Err(e) = porchlight_protocol::validate::client_id(client_id.as_str()) {
            return Ok(Err(e.into()));
        }
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
        let seq = last.next();
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
        self.mark_read(id, &me.id, seq)?;
        send(ws, &TeamFrame::Ack { channel: id.clone(), client_id, seq });
        self.fan_out(id, &channel, seq, &TeamFrame::Message { channel: id.clone(), message }, true)?;
        Ok(Ok(()))
    }

    fn change(&self, site: &SiteId, id: &ChannelId, staff: &Staff, me: &AgentRef, seq: Seq, change: Change) -> Result<Outcome> {
        let (channel, last) = match self.visible(id, staff)? {
            Ok(found) => found,
            Err(r) => return Ok(Err(r)),
        };
        if let Err(e) = channel.may(staff, &ChannelAction::Post) {
            return Ok(Err(e.into()));
        }
        let Some(mut message) = self.store.message(id, seq)? else {
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
        let at = last.next();
        message.changed = Some(at);
        self.store.rewrite(id, &message)?;
        if let (Some(file), true) = (&file, message.deleted) {
            self.forget_file(site, id, file);
        }
        self.fan_out(id, &channel, at, &TeamFrame::Updated { channel: id.clone(), message }, false)?;
        Ok(Ok(()))
    }

    fn command(&self, ws: &WebSocket, id: &ChannelId, channel: Channel, seq: Seq, staff: &Staff, command: Command) -> Result<Outcome> {
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
                let muted = command == Command::Mute;
                self.set_muted(id, channel, seq, &staff.id, muted)?;
                notice(
                    if muted { "Muted: this channel no longer counts toward your badge; mentions still do." } else { "Unmuted." }.into(),
                );
            }
            Command::Invite { agent } => {
                if let Err(r) = self.add_member(id, channel, seq, staff, &agent)? {
                    return Ok(Err(r));
                }
                notice(format!("Added @{agent} to the channel."));
            }
            // Carried out in `handle` (they wait for the desk or the queue).
            Command::Ticket { .. } | Command::Assign { .. } | Command::Contact { .. } => {}
        }
        Ok(Ok(()))
    }
}
