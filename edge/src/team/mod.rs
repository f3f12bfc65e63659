//! `SiteTeam`: one per site, the staff-only team chat: the channel
//! directory (public, private, direct), the sidebar's folders, every
//! channel's log, and each agent's read mark and mute.
//!
//! One object holds all of a site's team chat, so the one place that says
//! who is in a channel is also the one that fans its messages out: a
//! member removed is off every later frame in the same turn, with nothing
//! to keep in step between objects. A channel's log is kept exactly as a
//! session's (`seq` from one counter for messages and changes, idempotent
//! by client id, resumed from `last_seq`), and the rules are
//! `porchlight_protocol::team`'s; this object only stores and sends.
//!
//! One socket per console (`GET /api/v1/sites/{site}/team`): `hello` with
//! the agent token, then `open` the channels on screen. Sockets hibernate.

mod commands;
mod files;
mod guard;
mod handlers;
mod store;

use crate::util::{self, send};
use crate::{accounts, config};
use porchlight_protocol::codec::{parse_within, Incoming};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::site::Role;
use porchlight_protocol::team::message::MAX_TEAM_FRAME_BYTES;
use porchlight_protocol::team::{Channel, ChannelAction, ChannelId, ChannelInfo, Staff, TeamClientFrame, TeamFrame};
use porchlight_protocol::{AgentId, ErrorCode, Message, SiteId};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use store::Store;
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};

/// What a socket remembers across hibernation.
#[derive(Clone, Serialize, Deserialize)]
struct Attachment {
    site: SiteId,
    #[serde(default)]
    agent: Option<AgentRef>,
    #[serde(default)]
    site_admin: bool,
    /// Channels whose messages this console receives.
    #[serde(default)]
    open: Vec<ChannelId>,
    #[serde(default)]
    address: Option<String>,
}

impl Attachment {
    fn staff(&self) -> Option<Staff> {
        self.agent.as_ref().map(|a| Staff { id: a.id.clone(), site_admin: self.site_admin })
    }
}

#[durable_object]
pub struct SiteTeam {
    state: State,
    env: Env,
    store: Store,
    /// The site's staff (id, name), read at each sign-in: mentions and
    /// "who may be added" check against it.
    team: RefCell<Vec<AgentRef>>,
    /// Each agent's rate-limit buckets (`guard.rs`).
    guard: RefCell<guard::Guard>,
}

impl DurableObject for SiteTeam {
    fn new(state: State, env: Env) -> Self {
        let store = Store::new(state.storage().sql());
        util::answer_pings(&state);
        SiteTeam { state, env, store, team: RefCell::new(Vec::new()), guard: RefCell::new(guard::Guard::default()) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match path.as_str() {
            "/agent" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                let pair = WebSocketPair::new()?;
                self.state.accept_web_socket(&pair.server);
                let address = crate::limiter::address(&req);
                pair.server.serialize_attachment(Attachment { site, agent: None, site_admin: false, open: Vec::new(), address })?;
                // A console that never signs in is closed (1008) after 10 s.
                let ws = pair.server.clone();
                self.state.wait_until(async move {
                    worker::Delay::from(std::time::Duration::from_millis(10_000)).await;
                    let signed_in = matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { agent: Some(_), .. })));
                    if ws.as_ref().ready_state() == web_sys::WebSocket::OPEN && !signed_in {
                        send(&ws, &TeamFrame::error(ErrorCode::Unauthorized, "No hello within 10 s."));
                        let _ = ws.close(Some(1008), Some("no hello"));
                    }
                });
                Ok(ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty())
            }
            // `GET /log/{channel}` with `x-porchlight-agent` (checked by the
            // Worker): the channel's whole log, if this agent may read it.
            p if p.starts_with("/log/") => {
                let agent = req.headers().get("x-porchlight-agent")?.map(AgentId);
                let admin = req.headers().get("x-porchlight-admin")?.as_deref() == Some("1");
                let id = ChannelId::parse(&p["/log/".len()..]);
                let (Some(agent), Some(id)) = (agent, id) else { return Response::error("not found", 404) };
                let staff = Staff { id: agent, site_admin: admin };
                match self.store.channel(&id)? {
                    Some((channel, _)) if channel.may(&staff, &ChannelAction::Read).is_ok() => {
                        #[derive(Serialize)]
                        struct Log {
                            messages: Vec<Message>,
                        }
                        Response::from_json(&Log { messages: self.store.since(&id, Default::default())? })
                    }
                    _ => Response::error("not found", 404),
                }
            }
            // `POST /files/{channel}` and `GET /files/{channel}/{attachment}`,
            // agent named by the Worker (`files.rs`).
            p if p.starts_with("/files/") => {
                let rest = p["/files/".len()..].to_owned();
                match (req.method(), rest.split_once('/')) {
                    (worker::Method::Post, None) => self.upload(req, &rest).await,
                    (worker::Method::Get, Some((channel, file))) => self.download(req, channel, file).await,
                    _ => Response::error("not found", 404),
                }
            }
            "/revoked" => {
                let porchlight_protocol::internal::Revoked { agent } = req.json().await?;
                for ws in self.state.get_websockets() {
                    if let Ok(Some(a)) = ws.deserialize_attachment::<Attachment>() {
                        if a.agent.as_ref().is_some_and(|me| me.id == agent) {
                            send(&ws, &TeamFrame::error(ErrorCode::Unauthorized, "Your agent account was revoked."));
                            ws.serialize_attachment(Attachment { agent: None, open: Vec::new(), ..a })?;
                            let _ = ws.close(Some(1008), Some("revoked"));
                        }
                    }
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(attachment) = ws.deserialize_attachment::<Attachment>()? else {
            let _ = ws.close(Some(1011), Some("socket state lost; reconnect"));
            return Ok(());
        };
        let text = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => String::new(),
        };
        let frame = match parse_within::<TeamClientFrame>(text.as_bytes(), MAX_TEAM_FRAME_BYTES) {
            Incoming::Frame(frame) => frame,
            Incoming::TooLarge(n) => {
                let message = format!("Frames can be at most {MAX_TEAM_FRAME_BYTES} bytes (got {n}).");
                send(&ws, &TeamFrame::error(ErrorCode::FrameTooLarge, message));
                return Ok(());
            }
            Incoming::Malformed(why) => {
                send(&ws, &TeamFrame::error(ErrorCode::BadFrame, format!("Unreadable frame: {why}.")));
                return Ok(());
            }
        };
        match frame {
            TeamClientFrame::Ping => send(&ws, &TeamFrame::Pong),
            TeamClientFrame::Hello { .. } if attachment.agent.is_some() => {
                send(&ws, &TeamFrame::error(ErrorCode::BadFrame, "Already signed in."));
            }
            TeamClientFrame::Hello { token } => self.hello(&ws, attachment, &token).await?,
            _ if attachment.agent.is_none() => {
                send(&ws, &TeamFrame::error(ErrorCode::Unauthorized, "Send hello with your agent token first."));
            }
            frame => self.handle(&ws, attachment, frame).await?,
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
        let sites = config::sites(&self.env)?;
        let Some(site) = sites.get(&attachment.site) else {
            send(ws, &TeamFrame::error(ErrorCode::NotFound, "No such site."));
            let _ = ws.close(Some(1008), Some("no site"));
            return Ok(());
        };
        let rate = site.limits.auth_failures;
        let address = attachment.address.clone();
        if let Some(ms) = crate::limiter::sign_in_refused(&self.env, &attachment.site, address.as_deref(), rate).await? {
            send(ws, &TeamFrame::error(ErrorCode::RateLimited, crate::limiter::sign_in_wait_message(ms)));
            let _ = ws.close(Some(1008), Some("rate limited"));
            return Ok(());
        }
        // Only an agent token opens team chat: a visitor's session token
        // (or anything else) is refused like a wrong one.
        let Some(account) = accounts::by_token(&self.env, &attachment.site, site, token).await? else {
            crate::limiter::sign_in_failed(&self.env, &attachment.site, address.as_deref(), rate).await;
            send(ws, &TeamFrame::error(ErrorCode::Unauthorized, "That agent token is not valid for this site."));
            let _ = ws.close(Some(1008), Some("unauthorized"));
            return Ok(());
        };
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
        let read = self.store.read_state(id, agent)?;
        let badge = if channel.is_member(agent) { self.store.badge(id, agent, read)? } else { Default::default() };
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
    /// (their open view of it is closed at once).
    fn announce(&self, id: &ChannelId, before: Option<&Channel>, after: Option<(&Channel, porchlight_protocol::Seq)>) -> Result<()> {
        for (ws, mut a) in self.consoles() {
            let Some(staff) = a.staff() else { continue };
            let saw = before.is_some_and(|c| c.may(&staff, &ChannelAction::Read).is_ok());
            match after {
                Some((channel, last_seq)) if channel.may(&staff, &ChannelAction::Read).is_ok() => {
                    send(&ws, &TeamFrame::Channel { channel: self.info(id, channel.clone(), last_seq, &staff.id)? });
                }
                _ if saw || a.open.contains(id) => {
                    a.open.retain(|c| c != id);
                    ws.serialize_attachment(&a)?;
                    send(&ws, &TeamFrame::Gone { channel: id.clone() });
                }
                _ => {}
            }
        }
        Ok(())
    }

    /// A committed message or change, to every console that has the
    /// channel open and may read it (checked now, against the members now);
    /// members who do not have it open get their new badge.
    fn fan_out(
        &self,
        id: &ChannelId,
        channel: &Channel,
        last_seq: porchlight_protocol::Seq,
        frame: &TeamFrame,
        badges: bool,
    ) -> Result<()> {
        for (ws, a) in self.consoles() {
            let Some(staff) = a.staff() else { continue };
            if channel.may(&staff, &ChannelAction::Read).is_err() {
                continue;
            }
            if a.open.contains(id) {
                send(&ws, frame);
            } else if badges && channel.is_member(&staff.id) {
                send(&ws, &TeamFrame::Channel { channel: self.info(id, channel.clone(), last_seq, &staff.id)? });
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
