//! The directory socket's frames after `hello`: creating channels and
//! DMs, membership, renaming, archiving, deleting, folders and mutes. Each
//! asks `Channel::may` first; a refusal is an `error` frame naming the
//! channel, and changes nothing. A change to a channel's record is pushed
//! to the channel's object before it is committed here (`commit`).
//! Messages, reads and typing are the channel socket's (`team_channel/`).

use super::SiteTeam;
use crate::crypto;
use crate::util::{now_ms, send};
use porchlight_protocol::team::frames::{folder, MAX_FOLDERS};
use porchlight_protocol::team::pace;
use porchlight_protocol::team::summary::ChannelSetup;
use porchlight_protocol::team::{Channel, ChannelAction, ChannelId, ChannelRole, Staff, TeamClientFrame, TeamError, TeamFrame};
use porchlight_protocol::validate::Invalid;
use porchlight_protocol::{AgentId, ErrorCode, Seq, SiteId};
use worker::{Result, WebSocket};

/// A refusal on its way to the socket.
pub(crate) struct Refusal {
    pub(crate) code: ErrorCode,
    pub(crate) message: String,
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

pub(crate) type Outcome = std::result::Result<(), Refusal>;

pub(crate) fn refuse(code: ErrorCode, message: impl Into<String>) -> Outcome {
    Err(Refusal { code, message: message.into() })
}

impl SiteTeam {
    pub(super) async fn handle(&self, ws: &WebSocket, attachment: super::Attachment, frame: TeamClientFrame) -> Result<()> {
        let Some(staff) = attachment.staff() else { return Ok(()) };
        let site = attachment.site.clone();
        // The roster is memory only: after a wake-up, or when someone not
        // in it is named (an account made since), it is read again.
        let named: Vec<&AgentId> = match &frame {
            TeamClientFrame::Direct { members } => members.iter().collect(),
            TeamClientFrame::AddMember { agent, .. } => vec![agent],
            _ => Vec::new(),
        };
        if self.team.borrow().is_empty() || named.iter().any(|a| !self.on_team(a)) {
            self.load_team(&site).await?;
        }
        let channel = match &frame {
            TeamClientFrame::Join { channel }
            | TeamClientFrame::Leave { channel }
            | TeamClientFrame::AddMember { channel, .. }
            | TeamClientFrame::RemoveMember { channel, .. }
            | TeamClientFrame::Update { channel, .. }
            | TeamClientFrame::Delete { channel }
            | TeamClientFrame::Mute { channel, .. } => Some(channel.clone()),
            other => other.channel_socket().cloned(),
        };
        if let Some((pace, _, silent)) = pace::pace(&frame) {
            let admitted = self.guard.borrow_mut().admit(&self.env, self.store.sql(), &site, &staff.id, pace);
            if let Err(ms) = admitted {
                if !silent {
                    let message = pace::too_fast_message(ms);
                    send(
                        ws,
                        &TeamFrame::Error { code: ErrorCode::RateLimited, message, channel, client_id: None, retry_after_ms: Some(ms) },
                    );
                }
                return Ok(());
            }
        }
        self.lock().await;
        let outcome = self.act(ws, &site, &staff, frame).await;
        self.busy.set(false);
        if let Err(Refusal { code, message }) = outcome? {
            send(ws, &TeamFrame::Error { code, message, channel, client_id: None, retry_after_ms: None });
        }
        Ok(())
    }

    /// Waits for the directory change under way, if any, then holds the
    /// directory for this one (released by the caller, on every path).
    pub(super) async fn lock(&self) {
        while self.busy.replace(true) {
            worker::Delay::from(std::time::Duration::from_millis(5)).await;
        }
    }

    /// The channel as `staff` may see it, or `not_found` (a private
    /// channel's existence does not leak).
    pub(super) fn visible(&self, id: &ChannelId, staff: &Staff) -> Result<std::result::Result<(Channel, Seq), Refusal>> {
        Ok(match self.store.channel(id)? {
            Some((channel, seq)) if channel.may(staff, &ChannelAction::Read).is_ok() => Ok((channel, seq)),
            _ => Err(TeamError::NotFound.into()),
        })
    }

    pub(super) fn on_team(&self, agent: &AgentId) -> bool {
        self.team.borrow().iter().any(|a| a.id == *agent)
    }

    fn name_taken(&self, name: &porchlight_protocol::team::ChannelName, except: Option<&ChannelId>) -> Result<Option<Refusal>> {
        let taken = self.store.channels()?.iter().any(|(other, c, _)| Some(other) != except && c.name.as_ref() == Some(name));
        Ok(taken.then(|| Refusal { code: ErrorCode::NameTaken, message: format!("There is already a channel called {name}.") }))
    }

    /// A change to a channel's record: pushed to the channel's object at the
    /// next revision first (it decides who gets its frames from then on),
    /// then committed here and announced. If the push fails nothing is
    /// committed; a push repeated at the same revision changes nothing.
    async fn commit(&self, site: &SiteId, id: &ChannelId, before: Option<&Channel>, after: Option<(&Channel, Seq)>) -> Result<Outcome> {
        // The commit's time, and above the last one committed: a push that
        // was applied while its commit here failed is never outranked by a
        // later change re-using its number.
        let rev = (self.store.rev(id)? + 1).max(now_ms());
        let setup = ChannelSetup { site: site.clone(), id: id.clone(), rev, channel: after.map(|(c, _)| c.clone()) };
        if let Err(e) = crate::internal::TeamChannel::of(&self.env, site, id)?.setup(&setup).await {
            worker::console_error!("SiteTeam: telling a channel of its change failed: {e}");
            return Ok(refuse(ErrorCode::Internal, "The channel could not be changed. Please retry."));
        }
        match (before, after) {
            (None, Some((channel, _))) => self.store.insert_channel(id, channel, now_ms())?,
            (Some(_), Some((channel, _))) => self.store.save_channel(id, channel, rev)?,
            (_, None) => self.store.delete_channel(id)?,
        }
        self.announce(id, before, after)?;
        Ok(Ok(()))
    }

    async fn act(&self, ws: &WebSocket, site: &SiteId, staff: &Staff, frame: TeamClientFrame) -> Result<Outcome> {
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
        if frame.channel_socket().is_some() {
            return Ok(refuse(
                ErrorCode::BadFrame,
                "Messages, reads and typing go on the channel's own socket: GET /api/v1/sites/{site}/team/channels/{id}.",
            ));
        }
        match frame {
            TeamClientFrame::Create { name, kind, description, folder: wanted } => {
                let mut channel = match Channel::new(name.clone(), kind, &staff.id) {
                    Ok(c) => c,
                    Err(e) => return Ok(Err(e.into())),
                };
                if let Some(r) = self.name_taken(&name, None)? {
                    return Ok(Err(r));
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
                return self.commit(site, &id, None, Some((&channel, Seq(0)))).await;
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
                        return self.commit(site, &id, None, Some((&channel, Seq(0)))).await;
                    }
                }
            }
            TeamClientFrame::Join { channel: id } => {
                let (mut channel, seq) = visible!(&id);
                may!(channel, ChannelAction::Join);
                let before = channel.clone();
                channel.members.insert(staff.id.clone(), ChannelRole::Member);
                return self.commit(site, &id, Some(&before), Some((&channel, seq))).await;
            }
            TeamClientFrame::Leave { channel: id } => {
                let (mut channel, seq) = visible!(&id);
                may!(channel, ChannelAction::Leave);
                let before = channel.clone();
                channel.remove(&staff.id);
                return self.commit(site, &id, Some(&before), Some((&channel, seq))).await;
            }
            TeamClientFrame::AddMember { channel: id, agent } => {
                let (channel, seq) = visible!(&id);
                return self.add_member(site, &id, channel, seq, staff, &agent).await;
            }
            TeamClientFrame::RemoveMember { channel: id, agent } => {
                let (mut channel, seq) = visible!(&id);
                may!(channel, ChannelAction::RemoveMember(agent.clone()));
                let before = channel.clone();
                channel.remove(&agent);
                return self.commit(site, &id, Some(&before), Some((&channel, seq))).await;
            }
            TeamClientFrame::Update { channel: id, name, description, folder: moved, archived } => {
                let (mut channel, seq) = visible!(&id);
                let before = channel.clone();
                if let Some(name) = name {
                    may!(channel, ChannelAction::Rename);
                    if let Some(r) = self.name_taken(&name, Some(&id))? {
                        return Ok(Err(r));
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
                return self.commit(site, &id, Some(&before), Some((&channel, seq))).await;
            }
            TeamClientFrame::Delete { channel: id } => {
                let (channel, _) = visible!(&id);
                may!(channel, ChannelAction::Delete);
                return self.commit(site, &id, Some(&channel), None).await;
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
            _ => {}
        }
        Ok(Ok(()))
    }

    pub(super) async fn add_member(
        &self,
        site: &SiteId,
        id: &ChannelId,
        mut channel: Channel,
        seq: Seq,
        staff: &Staff,
        agent: &AgentId,
    ) -> Result<Outcome> {
        if !self.on_team(agent) {
            return Ok(refuse(ErrorCode::NotFound, format!("{agent} is not on this site's team.")));
        }
        if let Err(e) = channel.may(staff, &ChannelAction::AddMember(agent.clone())) {
            return Ok(Err(e.into()));
        }
        let before = channel.clone();
        channel.members.insert(agent.clone(), ChannelRole::Member);
        self.commit(site, id, Some(&before), Some((&channel, seq))).await
    }

    pub(super) fn set_muted(&self, id: &ChannelId, channel: Channel, seq: Seq, agent: &AgentId, muted: bool) -> Result<()> {
        self.store.save_muted(id, agent, muted)?;
        let info = self.info(id, channel, seq, agent)?;
        self.to_agent(agent, &TeamFrame::Channel { channel: info });
        Ok(())
    }
}
