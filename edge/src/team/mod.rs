//! `SiteTeam`: one per site, the team chat's directory: the channel list
//! (names unique per site, description, folder, private or direct,
//! archived), a copy of each channel's members for listing, the sidebar's
//! folders, and each agent's mutes and badges. Every console keeps one
//! socket here (`GET /api/v1/sites/{site}/team`) for the sidebar and the
//! badge; a channel's messages are its own `TeamChannel`'s
//! (`team_channel/`), on a socket per channel on screen.
//!
//! Membership changes start here, because names and DMs are unique per
//! site: the directory checks the change, pushes the channel's new record
//! to its object (which from then on decides who gets its frames) and
//! commits only after that object applied it, at a revision that makes a
//! retry harmless (`porchlight_protocol::team::summary`). Messages never
//! come through here: each channel's outbox posts a summary (the log's end,
//! every member's read mark and counts) after the fact, and the badges
//! move from it.

pub(crate) mod handlers;
pub(crate) mod migrate;
pub(crate) mod pacing;
pub(crate) mod signin;
pub(crate) mod store;

use crate::team::signin::{Attachment, Turn};
use crate::util::{self, send};
use crate::{accounts, config};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::site::Role;
use porchlight_protocol::team::summary::{ChannelSummary, InviteRequest, MuteRequest};
use porchlight_protocol::team::{Channel, ChannelAction, ChannelId, ChannelInfo, Staff, TeamFrame};
use porchlight_protocol::{AgentId, ErrorCode, SiteId};
use serde::Serialize;
use std::cell::RefCell;
use store::Store;
use worker::{durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage};

#[durable_object]
pub struct SiteTeam {
    state: State,
    env: Env,
    store: Store,
    /// The site's staff (id, name), read at each sign-in: mentions and
    /// "who may be added" check against it.
    team: RefCell<Vec<AgentRef>>,
    /// Each agent's rate-limit buckets (`pacing.rs`).
    guard: RefCell<pacing::Guard>,
    /// A directory change is under way (checked, pushed to its channel,
    /// not yet committed): the next one waits, so two changes never start
    /// from the same record or both take a free name (`handlers.rs`).
    busy: std::cell::Cell<bool>,
    /// Requests this object served since it woke up, by kind (`GET /stats`,
    /// dev sites only): what a team message costs the directory.
    served: RefCell<Served>,
    /// Whether the pre-split channels were moved since it woke (`migrate.rs`).
    migration: std::cell::Cell<migrate::Migration>,
}

#[derive(Clone, Copy, Default, Serialize)]
struct Served {
    /// Channel summaries received (`POST /summary`), applied or not.
    summaries: u64,
    /// Every other request from another object or the Worker.
    other: u64,
}

impl DurableObject for SiteTeam {
    fn new(state: State, env: Env) -> Self {
        let store = Store::new(state.storage().sql());
        util::answer_pings(&state);
        SiteTeam {
            state,
            env,
            store,
            team: RefCell::new(Vec::new()),
            guard: RefCell::new(pacing::Guard::default()),
            busy: std::cell::Cell::new(false),
            served: RefCell::default(),
            migration: std::cell::Cell::default(),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        {
            let mut served = self.served.borrow_mut();
            match path.as_str() {
                "/summary" => served.summaries += 1,
                "/stats" | "/agent" | "/legacy" => {}
                _ => served.other += 1,
            }
        }
        match path.as_str() {
            "/stats" => Response::from_json(&*self.served.borrow()),
            "/agent" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                self.migrate(&site).await;
                let address = crate::limiter::address(&req);
                crate::team::signin::accept(&self.state, &Attachment::new(site, address))
            }
            // Old-format rows, for the upgrade's test (the Worker lets only dev sites here).
            "/legacy" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                let seed: porchlight_protocol::team::migrate::LegacySeed = req.json().await?;
                self.seed_legacy(&site, seed).await?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            // A channel's outbox: its log's end and members' marks.
            "/summary" => {
                let summary: ChannelSummary = req.json().await?;
                self.summary(summary)?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            // `/mute` typed in a channel.
            "/mute" => {
                let MuteRequest { channel, agent, muted } = req.json().await?;
                if let Some((c, seq)) = self.store.channel(&channel)? {
                    self.set_muted(&channel, c, seq, &agent, muted)?;
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            // `/invite @agent` typed in a channel.
            "/invite" => {
                let InviteRequest { site, channel, agent, by, by_admin } = req.json().await?;
                let staff = Staff { id: by, site_admin: by_admin };
                if self.team.borrow().is_empty() || !self.on_team(&agent) {
                    self.load_team(&site).await?;
                }
                self.lock().await;
                let outcome = match self.visible(&channel, &staff) {
                    Ok(Ok((c, seq))) => self.add_member(&site, &channel, c, seq, &staff, &agent).await,
                    Ok(Err(r)) => Ok(Err(r)),
                    Err(e) => Err(e),
                };
                self.busy.set(false);
                let outcome = outcome?;
                match outcome {
                    Ok(()) => Ok(ResponseBuilder::new().with_status(204).empty()),
                    Err(r) => {
                        let status = if r.code == ErrorCode::Forbidden { 403 } else { 404 };
                        let body =
                            porchlight_protocol::ErrorBody { error: porchlight_protocol::ErrorDetail { code: r.code, message: r.message } };
                        Ok(Response::from_json(&body)?.with_status(status))
                    }
                }
            }
            "/revoked" => {
                let porchlight_protocol::internal::Revoked { agent } = req.json().await?;
                for ws in self.state.get_websockets() {
                    if let Ok(Some(a)) = ws.deserialize_attachment::<Attachment>() {
                        if a.agent.as_ref().is_some_and(|me| me.id == agent) {
                            send(&ws, &TeamFrame::error(ErrorCode::Unauthorized, "Your agent account was revoked."));
                            ws.serialize_attachment(Attachment { agent: None, ..a })?;
                            let _ = ws.close(Some(1008), Some("revoked"));
                        }
                    }
                }
                // Its channel sockets too: every channel it could read
                // (public ones without being a member), after the answer.
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                if let Some(site) = site {
                    let ids: Vec<ChannelId> = self.store.channels()?.into_iter().map(|(id, _, _)| id).collect();
                    let env = self.env.clone();
                    let revoked = porchlight_protocol::internal::Revoked { agent };
                    self.state.wait_until(async move {
                        for id in ids {
                            let told = match crate::internal::TeamChannel::of(&env, &site, &id) {
                                Ok(channel) => channel.revoked(&revoked).await,
                                Err(e) => Err(e),
                            };
                            if let Err(e) = told {
                                worker::console_error!("SiteTeam: closing a revoked agent's channel sockets failed: {e}");
                            }
                        }
                    });
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        match crate::team::signin::turn(&ws, message)? {
            Some(Turn::Hello { attachment, token, .. }) => self.hello(&ws, attachment, &token).await?,
            Some(Turn::Frame { attachment, frame }) => self.handle(&ws, attachment, frame).await?,
            None => {}
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        util::complete_close(&ws, code);
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}

impl SiteTeam {
    async fn hello(&self, ws: &WebSocket, mut attachment: Attachment, token: &str) -> Result<()> {
        let address = attachment.address.clone();
        let Some(account) = crate::team::signin::agent(&self.env, ws, &attachment.site, address.as_deref(), token).await? else {
            return Ok(());
        };
        self.migrate(&attachment.site).await;
        let team = self.load_team(&attachment.site).await?;
        attachment.agent = Some(account.as_ref());
        attachment.site_admin = account.role == Role::Admin;
        ws.serialize_attachment(&attachment)?;
        let staff = attachment.staff().expect("signed in just now");
        let mut channels = Vec::new();
        for (id, channel, last_seq) in self.store.channels()? {
            if channel.may(&staff, &ChannelAction::Read).is_ok() {
                channels.push(self.info(&id, channel, last_seq, &staff.id)?);
            }
        }
        send(
            ws,
            &TeamFrame::Directory { me: account.as_ref(), site_admin: staff.site_admin, team, folders: self.store.folders()?, channels },
        );
        Ok(())
    }

    /// Reads the site's staff (configured and API-made) into memory.
    async fn load_team(&self, site_id: &SiteId) -> Result<Vec<AgentRef>> {
        let sites = config::sites(&self.env)?;
        let team: Vec<AgentRef> = match sites.get(site_id) {
            Some(site) => accounts::all(&self.env, site_id, site).await?.iter().map(|a| a.as_ref()).collect(),
            None => Vec::new(),
        };
        *self.team.borrow_mut() = team.clone();
        Ok(team)
    }

    /// A channel as `agent` sees it, with their badge.
    fn info(&self, id: &ChannelId, channel: Channel, last_seq: porchlight_protocol::Seq, agent: &AgentId) -> Result<ChannelInfo> {
        let mut read = self.store.read_state(id, agent)?;
        let badge = if channel.is_member(agent) { self.store.mark(id, agent)?.badge(read.muted) } else { Default::default() };
        if !channel.is_member(agent) {
            read.last_read = Default::default();
        }
        Ok(ChannelInfo { id: id.clone(), channel, last_seq, read, badge })
    }

    /// Every signed-in console, with its attachment.
    fn consoles(&self) -> Vec<(WebSocket, Attachment)> {
        self.state
            .get_websockets()
            .into_iter()
            .filter_map(|ws| match ws.deserialize_attachment::<Attachment>() {
                Ok(Some(a)) if a.agent.is_some() => Some((ws, a)),
                _ => None,
            })
            .collect()
    }

    /// Tells every console what changed about a channel: its new state to
    /// those who may see it, `gone` to those who saw it and no longer may
    /// (the channel's own object has closed their view of it already).
    fn announce(&self, id: &ChannelId, before: Option<&Channel>, after: Option<(&Channel, porchlight_protocol::Seq)>) -> Result<()> {
        for (ws, a) in self.consoles() {
            let Some(staff) = a.staff() else { continue };
            let saw = before.is_some_and(|c| c.may(&staff, &ChannelAction::Read).is_ok());
            match after {
                Some((channel, last_seq)) if channel.may(&staff, &ChannelAction::Read).is_ok() => {
                    send(&ws, &TeamFrame::Channel { channel: self.info(id, channel.clone(), last_seq, &staff.id)? });
                }
                _ if saw => send(&ws, &TeamFrame::Gone { channel: id.clone() }),
                _ => {}
            }
        }
        Ok(())
    }

    /// A channel's summary: applied if new, then each member whose mark
    /// moved gets the channel's new badge on every console.
    fn summary(&self, summary: ChannelSummary) -> Result<()> {
        let Some((channel, _)) = self.store.channel(&summary.channel)? else { return Ok(()) };
        let before: Vec<_> = summary.members.iter().map(|(a, _)| (a.clone(), self.store.mark(&summary.channel, a))).collect();
        if !self.store.apply_summary(&summary)? {
            return Ok(());
        }
        let last_seq = self.store.channel(&summary.channel)?.map_or(summary.last_seq, |(_, s)| s);
        for ((agent, mark), (_, old)) in summary.members.iter().zip(before) {
            if old.ok().as_ref() != Some(mark) && channel.is_member(agent) {
                let info = self.info(&summary.channel, channel.clone(), last_seq, agent)?;
                self.to_agent(agent, &TeamFrame::Channel { channel: info });
            }
        }
        Ok(())
    }

    /// This agent's consoles (all of them: a badge cleared on one clears everywhere).
    fn to_agent(&self, agent: &AgentId, frame: &TeamFrame) {
        for (ws, a) in self.consoles() {
            if a.agent.as_ref().is_some_and(|me| me.id == *agent) {
                send(&ws, frame);
            }
        }
    }
}
