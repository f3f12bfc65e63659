//! `ChatSession`: the Durable Object that owns one chat.
//!
//! It is the single writer of the session's log, so it is where order is
//! decided: each message gets the next sequence number (1, 2, …) in SQLite
//! storage. A visitor's or agent's message is forwarded to the other
//! sockets at once and written in the next task with whatever else came
//! meanwhile ([`unwritten`]), so neither the output gate nor the commit
//! delays it (it is tentative: clients confirm it by what follows and drop
//! it on `welcome` if a reset lost it; see `porchlight_protocol::transcript`);
//! its ack, and every other frame, is sent after the write, and the output
//! gate holds those until durable.
//!
//! A message costs this object a constant amount of work and nothing
//! else: one row in the log, one update of the `hot` row (the counters
//! behind the summary, the revision, the log's end), the ack and the
//! broadcast. What other objects must learn (the queue's summary and
//! search text, webhook events) is read from the log by the outbox
//! ([`outbox`]), an alarm that syncs in batches, at most once per
//! [`SYNC_WINDOW_MS`] per target, and retries until each target has it.
//!
//! - [`store`]: every SQL statement.
//! - [`sockets`]: sockets, their attachments, and sending to them.
//! - [`handlers`]: the visitor's and agents' frames.
//! - [`bot`]: the bot's turn, handoff, "Yes, thanks", articles opened.
//! - [`tickets`]: a ticket at the site's desk.
//! - [`files`]: attachments (R2): upload as a message, download, delete.
//! - [`rating`]: the visitor's rating of an ended conversation.
//! - [`outbox`]: telling the queue and the desk, off the hot path.
//! - [`unwritten`]: messages forwarded and not yet written.
//! - [`externals`]: external participants (a courier) by a one-time link.
//! - [`site_events`]: system lines and order cards from the site's backend.
//!
//! Rules (who may do what, what a change does, what the summary says) are
//! pure and live in `porchlight_protocol` (`session`, `change`, `record`).

mod assign;
mod bot;
pub(crate) mod externals;
mod files;
mod guard;
mod handlers;
mod outbox;
mod rating;
mod site_events;
mod sockets;
mod store;
mod tickets;
mod unwritten;

use crate::util::{self, now_ms, parse_frame, Incoming};
use porchlight_protocol::internal::{Position, SYNC_WINDOW_MS};
use porchlight_protocol::record::{Sender, SessionRecord};
use porchlight_protocol::{
    AgentFrame, Author, ErrorBody, ErrorCode, Message, SessionFrame, SessionId, SessionState, SiteId, Status, VisitorFrame, VisitorInfo,
};
use serde::{Deserialize, Serialize};
use sockets::{reject_unparsed, Attachment, Role};
use std::cell::RefCell;
use std::rc::Rc;
use store::{Cursors, Store};
use worker::{durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, State, WebSocket, WebSocketIncomingMessage};

/// Sent by the Worker to create the session (`POST /init`).
#[derive(Serialize, Deserialize)]
pub struct Init {
    pub site: SiteId,
    pub id: SessionId,
    pub visitor: VisitorInfo,
    pub token_sha256: String,
    #[serde(default)]
    pub context: porchlight_protocol::VisitorContext,
    /// Set when the staff start the conversation (`POST …/conversations`):
    /// it begins past the bot, with their first message.
    #[serde(default)]
    pub opening: Option<porchlight_protocol::staff::Opening>,
}

/// The outbox's bookkeeping (in memory; the cursors are also stored).
#[derive(Default)]
struct Sync {
    cursors: Cursors,
    /// The revision the queue last accepted from this object (0 after a
    /// wake-up: the next sync sends the summary again, which is harmless).
    queue_rev: u64,
    /// A sync is scheduled (a timer in this object).
    armed: bool,
    /// The backstop alarm is set (it drains whatever a lost timer left:
    /// an eviction, a restart, a failed sync).
    backstop: bool,
    /// A sync is running; `again`: another was asked for meanwhile.
    draining: bool,
    again: bool,
    /// When the last sync started: the next waits out the window.
    last_sync: u64,
    /// Failed syncs in a row (for the retry delay).
    failures: u32,
    /// The desk last said the site has no webhook endpoints: events wait
    /// up to [`IDLE_DESK_MS`] between batches instead of a window.
    desk_idle: bool,
    last_desk: u64,
}

/// How often a session sends events to a desk without endpoints (they
/// still go, in case one was added: nothing is dropped).
const IDLE_DESK_MS: u64 = 5_000;

/// How long after a change the backstop alarm drains the outbox if the
/// timer's sync did not happen.
const BACKSTOP_MS: u64 = 10_000;

#[durable_object]
pub struct ChatSession {
    state: State,
    /// Shared with the outbox's timer, which outlives the frame that set it.
    core: Rc<Core>,
}

/// What handlers and the outbox share: the store, the cached record, the
/// outbox's bookkeeping.
pub struct Core {
    env: Env,
    storage: worker::Storage,
    store: Store,
    /// Loaded once per wake-up; `None` until `/init` for a new object.
    record: RefCell<Option<SessionRecord>>,
    sync: RefCell<Sync>,
    guard: RefCell<guard::Guard>,
    /// Messages forwarded and not yet written ([`unwritten`]).
    unwritten: RefCell<Vec<unwritten::Unwritten>>,
}

impl std::ops::Deref for ChatSession {
    type Target = Core;
    fn deref(&self) -> &Core {
        &self.core
    }
}

impl DurableObject for ChatSession {
    fn new(state: State, env: Env) -> Self {
        let store = Store::new(state.storage().sql());
        let (record, cursors) = match store.load() {
            Ok(Some((record, cursors))) => (Some(record), cursors),
            Ok(None) => (None, Cursors::default()),
            Err(e) => {
                worker::console_error!("ChatSession: loading state failed: {e}");
                (None, Cursors::default())
            }
        };
        util::answer_pings(&state);
        let sync = Sync { cursors, ..Sync::default() };
        let storage = state.storage();
        if let Err(e) = storage.sql().exec(guard::SCHEMA, None) {
            worker::console_error!("ChatSession: creating the limits table failed: {e}");
        }
        if let Err(e) = storage.sql().exec(externals::SCHEMA, None) {
            worker::console_error!("ChatSession: creating the externals table failed: {e}");
        }
        let guard = RefCell::new(guard::Guard::default());
        let unwritten = RefCell::new(Vec::new());
        let core = Rc::new(Core { env, storage, store, record: RefCell::new(record), sync: RefCell::new(sync), guard, unwritten });
        ChatSession { state, core }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        self.write_first()?;
        match req.path().as_str() {
            "/init" => {
                let init: Init = req.json().await?;
                self.init(init).await
            }
            "/transcript" => {
                let Some(record) = self.record.borrow().clone() else {
                    return Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "Session not found."))?.with_status(404));
                };
                // The visitor's own copy (their token): never internal notes.
                let visitor = req.url()?.query() == Some("as=visitor");
                if visitor && !self.is_visitor_token(&req, &record)? {
                    let e = ErrorBody::new(
                        ErrorCode::Unauthorized,
                        "Send this conversation's visitor token as `Authorization: Bearer <token>`.",
                    );
                    return Ok(Response::from_json(&e)?.with_status(401));
                }
                Response::from_json(&porchlight_protocol::TranscriptExport {
                    site: record.site.clone(),
                    session: record.view(),
                    messages: self.store.messages_after(porchlight_protocol::Seq(0), !visitor)?,
                    exported_at: now_ms(),
                })
            }
            "/summary" => match self.record.borrow().as_ref() {
                Some(record) => Response::from_json(&record.summary()),
                None => Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "Session not found."))?.with_status(404)),
            },
            "/erase" => {
                self.erase_here().await?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/ticket-reply" => {
                let reply: porchlight_protocol::internal::TicketReplyDraft = req.json().await?;
                self.on_ticket_reply(reply)
            }
            "/attachments" if req.method() == worker::Method::Post => self.upload(req).await,
            path if path.starts_with("/attachments/") => {
                let id = path["/attachments/".len()..].to_owned();
                self.download(req, &id).await
            }
            "/ticket-closed" => {
                let closed: porchlight_protocol::ticket::TicketClosed = req.json().await?;
                if self.record.borrow().is_none() {
                    return Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "Session not found."))?.with_status(404));
                }
                self.on_ticket_closed(closed)
            }
            "/site-event" => {
                let event: porchlight_protocol::order_card::SiteEvent = req.json().await?;
                if self.record.borrow().is_none() {
                    return Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "Session not found."))?.with_status(404));
                }
                self.on_site_event(event)
            }
            "/visitor" => self.upgrade(Role::Visitor, crate::limiter::address(&req)),
            "/agent" => self.upgrade(Role::Agent, crate::limiter::address(&req)),
            "/external" => self.upgrade(Role::External, crate::limiter::address(&req)),
            "/externals" if req.method() == worker::Method::Get => self.list_externals(),
            "/externals" => self.add_external(req.json().await?).await,
            "/externals/remove" => self.remove_external(req.json().await?).await,
            "/externals/join" => self.exchange_link(req.json().await?),
            "/assign" => self.assign(req.json().await?).await,
            "/revoke" => {
                let porchlight_protocol::internal::Revoked { agent } = req.json().await?;
                self.revoke(&agent)?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/position" => {
                let Position { position } = req.json().await?;
                if self.record.borrow().as_ref().is_some_and(|r| r.state.status == Status::Waiting) {
                    self.to_visitors(&SessionFrame::Queue { position })?;
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let WebSocketIncomingMessage::String(text) = message else {
            util::send(&ws, &SessionFrame::error(ErrorCode::BadFrame, "Frames must be JSON text, not binary."));
            return Ok(());
        };
        let Some(mut attachment) = ws.deserialize_attachment::<Attachment>()? else {
            let _ = ws.close(Some(1011), Some("socket state lost; reconnect"));
            return Ok(());
        };
        // Too fast for a person: refused before any work (guard.rs).
        let too_fast = |who: &str, class: Option<(guard::Class, Option<porchlight_protocol::ClientMsgId>, bool)>| match class {
            Some((class, client_id, silent)) => match self.admit(who, class, client_id.as_ref().map(|c| c.as_str())) {
                Ok(()) => false,
                Err(ms) => {
                    if !silent {
                        guard::too_fast(&ws, ms, client_id);
                    }
                    true
                }
            },
            None => false,
        };
        match attachment.role {
            Role::Visitor => match parse_frame::<VisitorFrame>(&text) {
                Incoming::Frame(frame) if attachment.authed && too_fast("visitor", guard::visitor_class(&frame)) => Ok(()),
                Incoming::Frame(frame) => self.on_visitor(&ws, &mut attachment, frame).await,
                other => reject_unparsed(&ws, other),
            },
            Role::Agent => match parse_frame::<AgentFrame>(&text) {
                Incoming::Frame(frame)
                    if attachment.agent.as_ref().is_some_and(|a| too_fast(&format!("agent/{}", a.id), guard::agent_class(&frame))) =>
                {
                    Ok(())
                }
                Incoming::Frame(frame) => self.on_agent(&ws, &mut attachment, frame).await,
                other => reject_unparsed(&ws, other),
            },
            Role::External => match parse_frame::<porchlight_protocol::participants::ExternalFrame>(&text) {
                Incoming::Frame(frame)
                    if attachment
                        .external
                        .as_ref()
                        .is_some_and(|e| too_fast(&format!("external/{}", e.id), guard::external_class(&frame))) =>
                {
                    Ok(())
                }
                Incoming::Frame(frame) => self.on_external(&ws, &mut attachment, frame).await,
                other => reject_unparsed(&ws, other),
            },
        }
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        self.on_socket_close(&ws, code)
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }

    /// The outbox's backstop and retries: tell the queue and the desk what
    /// they have not heard.
    async fn alarm(&self) -> Result<Response> {
        self.write_first()?;
        self.sync.borrow_mut().backstop = false;
        self.drain_outbox().await;
        if let Err(e) = self.apply_retention().await {
            worker::console_error!("ChatSession: retention failed, retrying in a minute: {e}");
            self.storage.set_alarm(60_000).await?;
        }
        Ok(ResponseBuilder::new().with_status(204).empty())
    }
}

impl ChatSession {
    /// Retention: a closed conversation of a site with `retention_days` is
    /// erased everywhere once that long has passed; until then the alarm is
    /// kept no later than that moment (an earlier outbox alarm stays).
    async fn apply_retention(&self) -> Result<()> {
        let Some(record) = self.record.borrow().clone() else { return Ok(()) };
        let sites = crate::config::sites(&self.env)?;
        let retention = sites.get(&record.site).and_then(|s| s.retention_ms());
        let Some(at) = porchlight_protocol::data::erase_at(record.closed_at, retention) else { return Ok(()) };
        let now = now_ms();
        if now < at {
            let set = self.storage.get_alarm().await?;
            if set.is_none_or(|t| t as u64 > at) {
                self.storage.set_alarm((at - now) as i64).await?;
            }
            return Ok(());
        }
        // The copies first: if they fail, this session still knows its id and retries.
        crate::data::erase_copies(&self.env, &record.site, &record.id).await?;
        self.erase_here().await
    }

    /// Deletes everything this object stores and closes its sockets: the
    /// session is gone (its routes answer 404, its token opens nothing).
    async fn erase_here(&self) -> Result<()> {
        for ws in self.state.get_websockets() {
            util::send(&ws, &SessionFrame::error(ErrorCode::NotFound, "This conversation was erased."));
            let _ = ws.close(Some(1000), Some("erased"));
        }
        let record = self.record.borrow_mut().take();
        // The files first: once the record is gone, nothing knows their prefix.
        if let Some(record) = &record {
            if record.attachment_bytes > 0 {
                self.forget_all_files(record).await?;
            }
        }
        self.storage.delete_alarm().await?;
        self.storage.delete_all().await?;
        Ok(())
    }
}

impl Core {
    fn record(&self) -> Result<SessionRecord> {
        self.record.borrow().clone().ok_or_else(|| worker::Error::RustError("session has no record".into()))
    }

    /// Stores `message` at its seq (the next) and counts it in `record`;
    /// false (nothing stored) when the sender already committed its client id.
    fn store_numbered(&self, record: &mut SessionRecord, sender: &Sender, message: &Message) -> Result<bool> {
        if message.seq != record.next_seq() || !self.store.append(sender, message)? {
            return Ok(false);
        }
        record.hot.last_seq = message.seq;
        record.hot.counters.appended(sender, message.internal, message.seq, &message.text);
        Ok(true)
    }

    /// [`Core::store_numbered`] on the cached record itself: the hot path
    /// copies no record (it is the bulk of a message's own work besides
    /// SQLite's). The caller then calls [`Core::save_hot_in_place`].
    fn append_in_place(&self, sender: &Sender, message: &Message) -> Result<bool> {
        let mut cached = self.record.borrow_mut();
        let record = cached.as_mut().ok_or_else(|| worker::Error::RustError("session has no record".into()))?;
        self.store_numbered(record, sender, message)
    }

    /// A new revision of the cached record's `hot` row, stored.
    fn save_hot_in_place(&self) -> Result<()> {
        let mut cached = self.record.borrow_mut();
        let record = cached.as_mut().ok_or_else(|| worker::Error::RustError("session has no record".into()))?;
        record.touch(now_ms());
        let cursors = self.sync.borrow().cursors;
        self.store.save_hot(&record.hot, cursors)
    }
}

impl ChatSession {
    async fn init(&self, init: Init) -> Result<Response> {
        if self.record.borrow().is_some() {
            return Response::error("session exists", 409);
        }
        let now = now_ms();
        let state = match &init.opening {
            Some(opening) => porchlight_protocol::staff::opening_state(opening.owner.as_ref()),
            None => SessionState::default(),
        };
        let mut record = SessionRecord {
            site: init.site,
            id: init.id,
            visitor: init.visitor,
            token_sha256: init.token_sha256,
            state,
            articles: Default::default(),
            context: init.context,
            closed_at: None,
            ticket: None,
            rating: None,
            externals: Vec::new(),
            attachment_bytes: 0,
            created_at: now,
            waiting_since: now,
            hot: Default::default(),
        };
        record.touch(now);
        self.store.create(&record)?;
        *self.record.borrow_mut() = Some(record.clone());
        if let Some(opening) = init.opening {
            let author = Author::Agent { id: opening.author.id.clone(), name: opening.author.name.clone() };
            let first = Message { author, text: opening.message, ..Message::blank() };
            self.append(&mut record, &Sender::Agent(opening.author.id), first)?;
            self.save(record, false)?;
        }
        self.schedule_sync();
        Ok(ResponseBuilder::new().with_status(204).empty())
    }

    /// Commits one message with the next sequence number and the current
    /// time (the template's `seq` and `at` are ignored), updating the
    /// record's counters; the caller then calls [`ChatSession::save`].
    fn append(&self, record: &mut SessionRecord, sender: &Sender, template: Message) -> Result<Message> {
        match self.append_new(record, sender, template)? {
            Some(message) => Ok(message),
            None => Err(worker::Error::RustError("a message without a new client id was not stored".into())),
        }
    }

    /// [`ChatSession::append`], or `None` (nothing stored) when the sender
    /// already committed this client id.
    fn append_new(&self, record: &mut SessionRecord, sender: &Sender, template: Message) -> Result<Option<Message>> {
        let message = Message { seq: record.next_seq(), at: now_ms(), ..template };
        Ok(self.store_numbered(record, sender, &message)?.then_some(message))
    }

    /// Stores what changed in `record` (a new revision) and caches it.
    /// `cold`: the JSON part changed too (state, trail, context, ticket);
    /// a plain message leaves it alone.
    fn save(&self, mut record: SessionRecord, cold: bool) -> Result<SessionRecord> {
        record.touch(now_ms());
        if cold {
            self.store.save_cold(&record)?;
        }
        let cursors = self.sync.borrow().cursors;
        self.store.save_hot(&record.hot, cursors)?;
        *self.record.borrow_mut() = Some(record.clone());
        Ok(record)
    }

    /// Schedules the outbox's next sync unless one is scheduled: at once
    /// if the last was at least a window ago, else when the window ends.
    /// Every change calls this and nothing waits for it: a timer in this
    /// object runs the sync. The first change after a
    /// quiet spell also sets the backstop alarm, so a sync lost to an
    /// eviction still happens: one alarm write per [`BACKSTOP_MS`] at most,
    /// never one per message.
    fn schedule_sync(&self) {
        let (delay, backstop) = {
            let mut sync = self.sync.borrow_mut();
            if sync.armed {
                return;
            }
            sync.armed = true;
            let backstop = !sync.backstop;
            sync.backstop = true;
            ((sync.last_sync + SYNC_WINDOW_MS).saturating_sub(now_ms()), backstop)
        };
        let core = self.core.clone();
        self.state.wait_until(async move {
            if backstop {
                if let Err(e) = core.storage.set_alarm(BACKSTOP_MS as i64).await {
                    worker::console_error!("ChatSession: setting the outbox alarm failed: {e}");
                    core.sync.borrow_mut().backstop = false;
                }
            }
            if delay > 0 {
                worker::Delay::from(std::time::Duration::from_millis(delay)).await;
            }
            core.drain_outbox().await;
        });
    }
}
