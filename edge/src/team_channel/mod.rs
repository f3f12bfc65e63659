//! `TeamChannel`: one per team channel or DM, named `{site}/{channel}`,
//! exactly as a `ChatSession` is one per conversation. It holds the
//! channel's ordered log (`seq` from one counter for messages and changes,
//! idempotent by client id, resumed from `last_seq`), its members' read
//! marks, typing, its files, and the sockets of the consoles that have it
//! open. Nothing per-site is on its message path: the site's `SiteTeam`
//! directory hears of new messages and read marks from this object's
//! outbox (`outbox.rs`), after the frame is answered.
//!
//! Who receives its frames is decided here, against the members this
//! object holds. The directory pushes every change of the channel's record
//! here first (`POST /setup`, [`ChannelSetup`]) and commits it only once
//! this object has applied it, so a member removed is off every later frame
//! in the same turn: their sockets get `gone` and are closed, and the log
//! and files answer `not_found` to them from then on.
//!
//! A console's socket (`GET /api/v1/sites/{site}/team/channels/{id}`):
//! `hello` with the agent token and `last_seq`, answered by `history`.
//! Sockets hibernate.

mod commands;
mod files;
mod handlers;
mod migrate;
mod outbox;
mod store;

use crate::team::pacing::Guard;
use crate::team::signin::{Attachment, Turn};
use crate::util::{self, send};
use crate::{accounts, config};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::site::Role;
use porchlight_protocol::team::migrate::ChannelImport;
use porchlight_protocol::team::summary::{applies, ChannelSetup};
use porchlight_protocol::team::{Channel, ChannelAction, ChannelId, Staff, TeamFrame};
use porchlight_protocol::{AgentId, ErrorCode, Message, Seq, SiteId};
use serde::Serialize;
use std::cell::RefCell;
use std::rc::Rc;
use store::Store;
use worker::{durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage};

#[durable_object]
pub struct TeamChannel {
    state: State,
    env: Env,
    /// Shared with the outbox's drain, which outlives the frame that started it.
    store: Rc<Store>,
    outbox: Rc<RefCell<outbox::Outbox>>,
    /// The site's staff (id, name), read at each sign-in: mentions and
    /// `/assign` check against it.
    team: RefCell<Vec<AgentRef>>,
    /// Each agent's rate-limit buckets (`team/pacing.rs`).
    guard: RefCell<Guard>,
    /// What this object did since it woke up (`GET /stats`, dev sites only).
    stats: Rc<RefCell<Stats>>,
}

/// Counts for the test that a team message costs this object only: messages
/// committed, calls to the directory awaited while a frame was handled
/// (`/mute` and `/invite` only), and summaries the outbox posted after.
#[derive(Clone, Copy, Default, Serialize)]
pub(crate) struct Stats {
    pub messages: u64,
    pub directory_calls: u64,
    pub summaries: u64,
}

/// The channel as it stands: its id, record and log's end, if it exists.
pub(crate) struct Current {
    pub site: SiteId,
    pub id: ChannelId,
    pub channel: Channel,
    pub last_seq: Seq,
}

impl DurableObject for TeamChannel {
    fn new(state: State, env: Env) -> Self {
        let store = Rc::new(Store::new(state.storage().sql()));
        util::answer_pings(&state);
        TeamChannel {
            state,
            env,
            store,
            outbox: Rc::default(),
            team: RefCell::new(Vec::new()),
            guard: RefCell::new(Guard::default()),
            stats: Rc::default(),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        match path.as_str() {
            "/agent" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                let address = crate::limiter::address(&req);
                crate::team::signin::accept(&self.state, &Attachment::new(site, address))
            }
            "/setup" => {
                let setup: ChannelSetup = req.json().await?;
                self.apply_setup(setup)?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            // The pre-split directory's rows of this channel (`migrate.rs`).
            "/import" => {
                let import: ChannelImport = req.json().await?;
                self.import(import)?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            // `GET /log` with `x-porchlight-agent` (checked by the Worker):
            // the channel's whole log, if this agent may read it now.
            "/log" => {
                let agent = req.headers().get("x-porchlight-agent")?.map(AgentId);
                let admin = req.headers().get("x-porchlight-admin")?.as_deref() == Some("1");
                let Some(agent) = agent else { return Response::error("not found", 404) };
                let staff = Staff { id: agent, site_admin: admin };
                match self.current()? {
                    Some(c) if c.channel.may(&staff, &ChannelAction::Read).is_ok() => {
                        #[derive(Serialize)]
                        struct Log {
                            messages: Vec<Message>,
                        }
                        Response::from_json(&Log { messages: self.store.since(&c.id, Seq(0))? })
                    }
                    _ => Response::error("not found", 404),
                }
            }
            // `POST /files` and `GET /files/{attachment}`, agent named by the Worker (`files.rs`).
            "/files" if req.method() == worker::Method::Post => self.upload(req).await,
            p if p.starts_with("/files/") && req.method() == worker::Method::Get => {
                let file = p["/files/".len()..].to_owned();
                self.download(req, &file).await
            }
            "/stats" => Response::from_json(&*self.stats.borrow()),
            "/revoked" => {
                let porchlight_protocol::internal::Revoked { agent } = req.json().await?;
                for (ws, a) in self.consoles() {
                    if a.agent.as_ref().is_some_and(|me| me.id == agent) {
                        send(&ws, &TeamFrame::error(ErrorCode::Unauthorized, "Your agent account was revoked."));
                        ws.serialize_attachment(Attachment { agent: None, ..a })?;
                        let _ = ws.close(Some(1008), Some("revoked"));
                    }
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        match crate::team::signin::turn(&ws, message)? {
            Some(Turn::Hello { attachment, token, last_seq }) => self.hello(&ws, attachment, &token, last_seq.unwrap_or_default()).await?,
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

    /// The outbox's retry (set only after a failed summary).
    async fn alarm(&self) -> Result<Response> {
        self.drain();
        Response::ok("drained")
    }
}

impl TeamChannel {
    async fn hello(&self, ws: &WebSocket, mut attachment: Attachment, token: &str, last_seq: Seq) -> Result<()> {
        let address = attachment.address.clone();
        let Some(account) = crate::team::signin::agent(&self.env, ws, &attachment.site, address.as_deref(), token).await? else {
            return Ok(());
        };
        self.load_team(&attachment.site).await?;
        let staff = Staff { id: account.id.clone(), site_admin: account.role == Role::Admin };
        // Read after the awaits: a removal may have been applied meanwhile.
        let current = self.current()?.filter(|c| c.site == attachment.site && c.channel.may(&staff, &ChannelAction::Read).is_ok());
        let Some(current) = current else {
            // The same answer for "deleted", "never existed" and "not yours":
            // a private channel's existence does not leak.
            send(ws, &TeamFrame::error(ErrorCode::NotFound, "There is no such channel."));
            let _ = ws.close(Some(1008), Some("not found"));
            return Ok(());
        };
        attachment.agent = Some(account.as_ref());
        attachment.site_admin = staff.site_admin;
        ws.serialize_attachment(&attachment)?;
        send(ws, &TeamFrame::History { messages: self.store.since(&current.id, last_seq)?, channel: current.id });
        Ok(())
    }

    /// Reads the site's staff (configured and API-made) into memory.
    async fn load_team(&self, site_id: &SiteId) -> Result<()> {
        let sites = config::sites(&self.env)?;
        let team: Vec<AgentRef> = match sites.get(site_id) {
            Some(site) => accounts::all(&self.env, site_id, site).await?.iter().map(|a| a.as_ref()).collect(),
            None => Vec::new(),
        };
        *self.team.borrow_mut() = team;
        Ok(())
    }

    /// The channel, unless it was never set up or was deleted.
    pub(crate) fn current(&self) -> Result<Option<Current>> {
        Ok(self.store.setup()?.and_then(|s| {
            let channel = s.channel?;
            Some(Current { site: s.site, id: s.id, channel, last_seq: s.last_seq })
        }))
    }

    /// The directory's record at a new revision: stored, then every socket
    /// whose agent may no longer read the channel is told `gone` and
    /// closed, before anything else is sent. New members start with
    /// nothing unread (what came before they joined is history).
    fn apply_setup(&self, setup: ChannelSetup) -> Result<()> {
        let before = self.store.setup()?;
        if before.as_ref().is_some_and(|b| !applies(b.rev, setup.rev)) {
            return Ok(());
        }
        let last_seq = before.as_ref().map_or(Seq(0), |b| b.last_seq);
        let old_members: Vec<AgentId> =
            before.as_ref().and_then(|b| b.channel.as_ref()).map(|c| c.members.keys().cloned().collect()).unwrap_or_default();
        self.store.save_setup(&setup.site, &setup.id, setup.rev, setup.channel.as_ref())?;
        if let Some(channel) = &setup.channel {
            for member in channel.members.keys().filter(|m| !old_members.contains(m)) {
                self.mark_read(&setup.id, member, last_seq)?;
            }
        }
        for (ws, mut a) in self.consoles() {
            let reads = a.staff().is_some_and(|s| setup.channel.as_ref().is_some_and(|c| c.may(&s, &ChannelAction::Read).is_ok()));
            if !reads {
                send(&ws, &TeamFrame::Gone { channel: setup.id.clone() });
                a.agent = None;
                ws.serialize_attachment(&a)?;
                let _ = ws.close(Some(1008), Some("gone"));
            }
        }
        if setup.channel.is_none() {
            self.store.erase_log()?;
            self.forget_channel_files(&setup.site, &setup.id);
        } else {
            self.changed()?;
        }
        Ok(())
    }

    /// The directory, for a call awaited while a frame is handled (counted).
    fn directory(&self, site: &SiteId) -> Result<crate::internal::Team> {
        self.stats.borrow_mut().directory_calls += 1;
        crate::internal::Team::of(&self.env, site)
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

    /// A committed message or change, to every console here whose agent
    /// may read the channel (checked now, against the members now).
    fn fan_out(&self, channel: &Channel, frame: &TeamFrame) {
        for (ws, a) in self.consoles() {
            if a.staff().is_some_and(|s| channel.may(&s, &ChannelAction::Read).is_ok()) {
                send(&ws, frame);
            }
        }
    }

    pub(crate) fn mark_read(&self, id: &ChannelId, agent: &AgentId, seq: Seq) -> Result<porchlight_protocol::team::ReadState> {
        let mut state = self.store.read_state(id, agent)?;
        state.read_to(seq);
        self.store.save_read_state(id, agent, state)?;
        Ok(state)
    }
}
