//! `ChatSession`: the Durable Object that owns one chat.
//!
//! It is the single writer of the session's log, so it is where order is
//! decided: each committed message gets the next sequence number (1, 2, …)
//! in SQLite storage, and only then is it acknowledged to its sender and
//! broadcast. Output gates hold those frames until the write is durable.
//!
//! Sockets are accepted with the hibernation API and tagged by role. Each
//! carries an [`Attachment`] that survives hibernation and records whether
//! the socket has authenticated (`hello`) and, for agents, who they are.
//! Nothing but `hello` is accepted before that.
//!
//! A session starts with the bot (see [`porchlight_protocol::session`]):
//! after each visitor message in BOT the object asks the site's
//! `KnowledgeBase` for the bot's answer ([`porchlight_kb::bot`]), commits it
//! as a bot message, and hands off to the queue when the answer says so or
//! the visitor asks. While WAITING, the `SiteQueue` pushes the visitor's
//! place in line here (`POST /position`), and it is relayed to the widget.

use crate::util::{self, now_ms, parse_frame, send, Incoming};
use crate::{accounts, config, crypto};
use porchlight_kb::bot::BotAnswer;
use porchlight_protocol::session::{Actor, AgentRef};
use porchlight_protocol::site::constant_time_eq;
use porchlight_protocol::ticket::{self, TicketRef};
use porchlight_protocol::webhook::Event;
use porchlight_protocol::validate;
use porchlight_protocol::{
    AgentFrame, AgentId, ArticleRef, ArticleTrail, Author, ClientMsgId, Emoji, ErrorBody, ErrorCode, Marks, Message,
    Quote, Reaction, Receipts,
    Seq, SessionFrame,
    SessionId, SessionState, SessionSummary, SessionView, SiteId, Status, Participant, VisitorFrame, VisitorInfo,
};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, SqlStorage, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

/// Sent by the Worker to create the session (`POST /init`).
#[derive(Serialize, Deserialize)]
pub struct Init {
    pub site: SiteId,
    pub id: SessionId,
    pub visitor: VisitorInfo,
    pub token_sha256: String,
    #[serde(default)]
    pub context: porchlight_protocol::VisitorContext,
}

/// The session's own row, stored as JSON in `meta`.
#[derive(Clone, Serialize, Deserialize)]
struct Record {
    site: SiteId,
    id: SessionId,
    visitor: VisitorInfo,
    token_sha256: String,
    state: SessionState,
    /// What the bot suggested and the visitor opened.
    #[serde(default)]
    articles: ArticleTrail,
    /// What the host page says about the visitor (validated).
    #[serde(default)]
    context: porchlight_protocol::VisitorContext,
    created_at: u64,
    /// Creation, then the moment of handoff (or release): the queue's order.
    waiting_since: u64,
    #[serde(default)]
    closed_at: Option<u64>,
    /// Read receipts: the visitor's, and each agent's.
    #[serde(default)]
    visitor_marks: Marks,
    #[serde(default)]
    agent_marks: std::collections::BTreeMap<AgentId, Marks>,
    /// The helpdesk ticket made from this session.
    #[serde(default)]
    ticket: Option<TicketRef>,
    updated_at: u64,
    rev: u64,
}

#[derive(Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
enum Role {
    Visitor,
    Agent,
}

/// Per-socket state that survives hibernation.
#[derive(Serialize, Deserialize)]
struct Attachment {
    role: Role,
    /// Set by a successful `hello`; for agents, who signed in.
    authed: bool,
    agent: Option<AgentRef>,
    /// For agents whose account an ADMIN can revoke (made over the API):
    /// the token's hash and when it was last found valid. Re-checked at
    /// most every [`RECHECK_MS`], so a revoked agent is cut off mid-chat.
    #[serde(default)]
    revocable: Option<(String, u64)>,
}

/// How stale an API-made agent's sign-in may get before it is re-checked.
const RECHECK_MS: u64 = 30_000;

/// The columns a [`MessageRow`] reads.
const MESSAGE_COLUMNS: &str = "seq, client_id, author, text, at, articles, internal, reply_to, edited_at, deleted, reactions, changed";

#[derive(Deserialize)]
struct MessageRow {
    seq: f64,
    client_id: Option<String>,
    author: String,
    text: String,
    at: f64,
    articles: Option<String>,
    internal: Option<f64>,
    reply_to: Option<String>,
    edited_at: Option<f64>,
    deleted: Option<f64>,
    reactions: Option<String>,
    changed: Option<f64>,
    #[serde(default)]
    sender: Option<String>,
}

impl MessageRow {
    fn into_message(self) -> Result<Message> {
        fn json<T: serde::de::DeserializeOwned>(s: Option<String>) -> Result<Option<T>> {
            Ok(s.map(|s| serde_json::from_str(&s)).transpose()?)
        }
        Ok(Message {
            seq: Seq(self.seq as u64),
            client_id: self.client_id.map(ClientMsgId),
            author: serde_json::from_str(&self.author)?,
            text: self.text,
            at: self.at as u64,
            articles: json(self.articles)?.unwrap_or_default(),
            internal: self.internal.unwrap_or(0.0) != 0.0,
            reply_to: json(self.reply_to)?,
            edited_at: self.edited_at.map(|t| t as u64),
            deleted: self.deleted.unwrap_or(0.0) != 0.0,
            reactions: json(self.reactions)?.unwrap_or_default(),
            changed: self.changed.map(|c| Seq(c as u64)),
        })
    }
}

/// What a visitor or agent asks to change about a message.
enum Change {
    Edit(String),
    Delete,
    React(Emoji, bool),
}

/// Longest quoted snippet kept with a reply.
const QUOTE_CHARS: usize = 140;

fn author_name(author: &Author) -> String {
    match author {
        Author::Visitor { name } | Author::Agent { name, .. } => name.clone(),
        Author::Bot => "Bot".into(),
        Author::System => "Porchlight".into(),
    }
}

/// `POST /position` from the site's queue.
#[derive(Serialize, Deserialize)]
pub struct Position {
    pub position: u32,
}

/// The answer to the queue's `GET /position/{id}`.
#[derive(Serialize, Deserialize)]
pub struct PositionAnswer {
    pub position: Option<u32>,
}

/// What a session tells its site's queue (`POST /upsert`).
#[derive(Serialize, Deserialize)]
pub struct QueueUpdate {
    pub site: SiteId,
    pub summary: SessionSummary,
    /// A message's searchable text changed: committed, edited, or deleted.
    #[serde(default)]
    pub text: Option<SearchText>,
}

/// The text the queue's search holds for message `seq` of a session;
/// `None` forgets it (a deleted message must not be findable).
#[derive(Serialize, Deserialize)]
pub struct SearchText {
    pub seq: Seq,
    pub text: Option<String>,
}

/// Longest "last message" preview kept in the queue.
const PREVIEW_CHARS: usize = 140;

#[durable_object]
pub struct ChatSession {
    state: State,
    env: Env,
    sql: SqlStorage,
    /// Loaded once per wake-up; `None` until `/init` for a new object.
    record: RefCell<Option<Record>>,
}

impl DurableObject for ChatSession {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        let record = init_schema(&sql).and_then(|()| load_record(&sql)).unwrap_or_else(|e| {
            worker::console_error!("ChatSession: loading state failed: {e}");
            None
        });
        util::answer_pings(&state);
        ChatSession { state, env, sql, record: RefCell::new(record) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/init" => {
                let init: Init = req.json().await?;
                self.init(init).await
            }
            "/transcript" => {
                let Some(record) = self.record.borrow().clone() else {
                    return Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, "Session not found."))?.with_status(404));
                };
                Response::from_json(&porchlight_protocol::TranscriptExport {
                    site: record.site.clone(),
                    session: view(&record),
                    messages: self.messages_after(Seq(0), true)?,
                    exported_at: now_ms(),
                })
            }
            "/visitor" => self.upgrade(Role::Visitor),
            "/agent" => self.upgrade(Role::Agent),
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
            send(&ws, &SessionFrame::error(ErrorCode::BadFrame, "Frames must be JSON text, not binary."));
            return Ok(());
        };
        let Some(mut attachment) = ws.deserialize_attachment::<Attachment>()? else {
            let _ = ws.close(Some(1011), Some("socket state lost; reconnect"));
            return Ok(());
        };
        match attachment.role {
            Role::Visitor => match parse_frame::<VisitorFrame>(&text) {
                Incoming::Frame(frame) => self.on_visitor(&ws, &mut attachment, frame).await,
                other => reject_unparsed(&ws, other),
            },
            Role::Agent => match parse_frame::<AgentFrame>(&text) {
                Incoming::Frame(frame) => self.on_agent(&ws, &mut attachment, frame).await,
                other => reject_unparsed(&ws, other),
            },
        }
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        util::complete_close(&ws, code);
        // Whoever left is not typing any more.
        if let Ok(Some(Attachment { authed: true, role, agent, .. })) = ws.deserialize_attachment::<Attachment>() {
            let who = match (role, agent) {
                (Role::Agent, Some(a)) => Participant::Agent { id: a.id, name: a.name },
                _ => Participant::Visitor,
            };
            self.broadcast(&SessionFrame::Typing { who, typing: false })?;
            if role == Role::Visitor && !self.visitor_online(Some(&ws)) {
                self.to_agents(&SessionFrame::VisitorPresence { online: false })?;
            }
        }
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}

fn reject_unparsed<T>(ws: &WebSocket, incoming: Incoming<T>) -> Result<()> {
    let frame = match incoming {
        Incoming::TooLarge(n) => SessionFrame::error(
            ErrorCode::FrameTooLarge,
            format!("Frames can be at most {} bytes (this one has {n}).", validate::MAX_FRAME_BYTES),
        ),
        Incoming::Malformed(why) => SessionFrame::error(ErrorCode::BadFrame, format!("Unreadable frame: {why}.")),
        Incoming::Frame(_) => return Ok(()),
    };
    send(ws, &frame);
    Ok(())
}

fn init_schema(sql: &SqlStorage) -> Result<()> {
    sql.exec("CREATE TABLE IF NOT EXISTS meta (id INTEGER PRIMARY KEY CHECK (id = 1), json TEXT NOT NULL)", None)?;
    sql.exec(
        "CREATE TABLE IF NOT EXISTS messages (
            seq INTEGER PRIMARY KEY,
            sender TEXT NOT NULL,
            client_id TEXT,
            author TEXT NOT NULL,
            text TEXT NOT NULL,
            at INTEGER NOT NULL)",
        None,
    )?;
    // A resent message (same sender, same client id) must map to the row
    // already stored: this index makes a duplicate impossible, not just unlikely.
    // Columns added after the first release; stores created before lack them.
    util::add_column_if_missing(sql, "messages", "articles", "TEXT")?; // the bot's attached articles, JSON
    util::add_column_if_missing(sql, "messages", "internal", "INTEGER")?; // 1 for agents-only notes
    util::add_column_if_missing(sql, "messages", "reply_to", "TEXT")?; // the quoted message, JSON
    util::add_column_if_missing(sql, "messages", "edited_at", "INTEGER")?;
    util::add_column_if_missing(sql, "messages", "deleted", "INTEGER")?;
    util::add_column_if_missing(sql, "messages", "reactions", "TEXT")?; // JSON
    util::add_column_if_missing(sql, "messages", "changed", "INTEGER")?; // seq of the latest change row
    util::add_column_if_missing(sql, "messages", "target", "INTEGER")?; // on change rows: the message changed
    sql.exec(
        "CREATE UNIQUE INDEX IF NOT EXISTS messages_by_client ON messages (sender, client_id) WHERE client_id IS NOT NULL",
        None,
    )?;
    Ok(())
}

fn load_record(sql: &SqlStorage) -> Result<Option<Record>> {
    #[derive(Deserialize)]
    struct Row {
        json: String,
    }
    let rows: Vec<Row> = sql.exec("SELECT json FROM meta WHERE id = 1", None)?.to_array()?;
    rows.first().map(|row| serde_json::from_str(&row.json).map_err(worker::Error::from)).transpose()
}

impl ChatSession {
    async fn init(&self, init: Init) -> Result<Response> {
        if self.record.borrow().is_some() {
            return Response::error("session exists", 409);
        }
        let now = now_ms();
        let record = Record {
            site: init.site,
            id: init.id,
            visitor: init.visitor,
            token_sha256: init.token_sha256,
            state: SessionState::default(),
            articles: ArticleTrail::default(),
            context: init.context,
            closed_at: None,
            visitor_marks: Marks::default(),
            agent_marks: Default::default(),
            ticket: None,
            created_at: now,
            waiting_since: now,
            updated_at: now,
            rev: 1,
        };
        self.save(record)?;
        self.notify_queue().await;
        Ok(ResponseBuilder::new().with_status(204).empty())
    }

    fn upgrade(&self, role: Role) -> Result<Response> {
        if self.record.borrow().is_none() {
            let body = ErrorBody::new(ErrorCode::NotFound, "Session not found. Start a new chat.");
            return Ok(Response::from_json(&body)?.with_status(404));
        }
        let pair = WebSocketPair::new()?;
        let tag = match role {
            Role::Visitor => "visitor",
            Role::Agent => "agent",
        };
        self.state.accept_websocket_with_tags(&pair.server, &[tag]);
        pair.server.serialize_attachment(Attachment { role, authed: false, agent: None, revocable: None })?;
        Ok(ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty())
    }

    fn record(&self) -> Result<Record> {
        self.record.borrow().clone().ok_or_else(|| worker::Error::RustError("session has no record".into()))
    }

    /// Persists the record (bumping its revision) and caches it.
    fn save(&self, mut record: Record) -> Result<Record> {
        record.updated_at = now_ms();
        record.rev += 1;
        self.sql.exec(
            "INSERT INTO meta (id, json) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET json = excluded.json",
            vec![serde_json::to_string(&record)?.into()],
        )?;
        *self.record.borrow_mut() = Some(record.clone());
        Ok(record)
    }

    async fn on_visitor(&self, ws: &WebSocket, attachment: &mut Attachment, frame: VisitorFrame) -> Result<()> {
        let record = self.record()?;
        match (attachment.authed, frame) {
            (false, VisitorFrame::Hello { token, last_seq }) => {
                if !constant_time_eq(crypto::sha256_hex(&token).as_bytes(), record.token_sha256.as_bytes()) {
                    return refuse_hello(ws, "That visitor token does not open this session.");
                }
                attachment.authed = true;
                ws.serialize_attachment(&*attachment)?;
                self.welcome(ws, &record, last_seq, true).await
            }
            (_, VisitorFrame::Ping) => Ok(send(ws, &SessionFrame::Pong)),
            (false, _) => refuse_hello(ws, "Send hello with your token first."),
            (true, VisitorFrame::Hello { .. }) => Ok(send(ws, &SessionFrame::error(ErrorCode::BadFrame, "Already signed in."))),
            (true, VisitorFrame::Send { client_id, text, reply_to }) => {
                let author = Author::Visitor { name: record.visitor.name.clone() };
                let committed = self.on_send(ws, &Actor::Visitor, "visitor", author, client_id, &text, reply_to).await?;
                match committed {
                    Some(text) if record.state.status == Status::Bot => self.bot_turn(&text).await,
                    _ => Ok(()),
                }
            }
            (true, VisitorFrame::Edit { seq, text }) => self.on_change(ws, None, seq, Change::Edit(text)).await,
            (true, VisitorFrame::Delete { seq }) => self.on_change(ws, None, seq, Change::Delete).await,
            (true, VisitorFrame::React { seq, emoji, on }) => self.on_change(ws, None, seq, Change::React(emoji, on)).await,
            (true, VisitorFrame::Handoff) => self.handoff().await,
            (true, VisitorFrame::Resolve) => self.on_resolve(ws).await,
            (true, VisitorFrame::ArticleOpened { article_id }) => self.on_article_opened(ws, &article_id).await,
            (true, VisitorFrame::Receipt { marks }) => self.on_receipt(None, marks).await,
            (true, VisitorFrame::Context { context }) => {
                let context = match validate::context(&context) {
                    Ok(c) => c,
                    Err(e) => return Ok(send(ws, &SessionFrame::error(e.code, e.message))),
                };
                let mut record = self.record()?;
                if record.context == context || record.state.status == Status::Closed {
                    return Ok(());
                }
                record.context = context;
                let record = self.save(record)?;
                self.to_agents(&SessionFrame::Context { context: record.context })?;
                self.notify_queue().await;
                Ok(())
            }
            (true, VisitorFrame::Typing { typing }) => {
                if record.state.authorize_send(&Actor::Visitor).is_ok() {
                    self.to_agents(&SessionFrame::Typing { who: Participant::Visitor, typing })?;
                }
                Ok(())
            }
            (true, VisitorFrame::Close) => self.on_close(ws, &Actor::Visitor).await,
        }
    }

    async fn on_agent(&self, ws: &WebSocket, attachment: &mut Attachment, frame: AgentFrame) -> Result<()> {
        let record = self.record()?;
        let (agent, frame) = match (&attachment.agent, frame) {
            (None, AgentFrame::Hello { token, last_seq }) => {
                let sites = config::sites(&self.env)?;
                let account = match sites.get(&record.site) {
                    Some(config) => accounts::by_token(&self.env, &record.site, config, &token).await?,
                    None => None,
                };
                let Some(account) = account else {
                    return refuse_hello(ws, "That agent token is not valid for this site.");
                };
                attachment.authed = true;
                attachment.agent = Some(account.as_ref());
                if porchlight_protocol::site::token_site(&token).is_some() {
                    attachment.revocable = Some((account.token_sha256.clone(), now_ms()));
                }
                ws.serialize_attachment(&*attachment)?;
                return self.welcome(ws, &record, last_seq, false).await;
            }
            (_, AgentFrame::Ping) => return Ok(send(ws, &SessionFrame::Pong)),
            (None, _) => return refuse_hello(ws, "Send hello with your agent token first."),
            (Some(agent), frame) => (agent.clone(), frame),
        };
        if let Some((hash, checked_at)) = attachment.revocable.clone() {
            if now_ms().saturating_sub(checked_at) > RECHECK_MS {
                if !accounts::hash_is_current(&self.env, &record.site, &hash).await? {
                    send(ws, &SessionFrame::error(ErrorCode::Unauthorized, "Your agent account was revoked."));
                    let _ = ws.close(Some(1008), Some("revoked"));
                    return Ok(());
                }
                attachment.revocable = Some((hash, now_ms()));
                ws.serialize_attachment(&*attachment)?;
            }
        }
        match frame {
            AgentFrame::Hello { .. } => Ok(send(ws, &SessionFrame::error(ErrorCode::BadFrame, "Already signed in."))),
            AgentFrame::Ping => Ok(send(ws, &SessionFrame::Pong)),
            AgentFrame::Accept => self.on_accept(ws, agent).await,
            AgentFrame::Send { client_id, text, reply_to } => {
                let sender = format!("agent:{}", agent.id);
                let author = Author::Agent { id: agent.id.clone(), name: agent.name.clone() };
                self.on_send(ws, &Actor::Agent(agent), &sender, author, client_id, &text, reply_to).await.map(drop)
            }
            AgentFrame::Edit { seq, text } => self.on_change(ws, Some(agent), seq, Change::Edit(text)).await,
            AgentFrame::Delete { seq } => self.on_change(ws, Some(agent), seq, Change::Delete).await,
            AgentFrame::React { seq, emoji, on } => self.on_change(ws, Some(agent), seq, Change::React(emoji, on)).await,
            AgentFrame::Note { client_id, text } => self.on_note(ws, agent, client_id, &text).await,
            AgentFrame::Release => self.on_release(ws, agent).await,
            AgentFrame::Receipt { marks } => self.on_receipt(Some(agent.id), marks).await,
            AgentFrame::Transfer { to } => self.on_transfer(ws, agent, &to).await,
            AgentFrame::Invite { agent: who } => self.on_invite(ws, agent, &who).await,
            AgentFrame::Typing { typing } => {
                // Only the agent who may write is shown typing to the visitor.
                if record.state.authorize_send(&Actor::Agent(agent.clone())).is_ok() {
                    let frame = SessionFrame::Typing { who: Participant::Agent { id: agent.id.clone(), name: agent.name.clone() }, typing };
                    self.to_visitors(&frame)?;
                    self.to_agents_except(&agent, &frame)?;
                }
                Ok(())
            }
            AgentFrame::CreateTicket { close } => self.on_create_ticket(ws, agent, close).await,
            AgentFrame::Close => self.on_close(ws, &Actor::Agent(agent)).await,
        }
    }

    /// Moves a participant's watermarks forward (never back, never past
    /// the log) and tells everyone; an agent's "seen" also changes their
    /// unread count in the queue.
    async fn on_receipt(&self, agent: Option<AgentId>, marks: Marks) -> Result<()> {
        let mut record = self.record()?;
        let last = self.last_seq()?;
        let seen = marks.seen.min(last);
        let marks = Marks { delivered: marks.delivered.min(last).max(seen), seen };
        let slot = match &agent {
            None => &mut record.visitor_marks,
            Some(id) => record.agent_marks.entry(id.clone()).or_default(),
        };
        let merged = slot.max(marks);
        if merged == *slot {
            return Ok(());
        }
        let seen_moved = merged.seen != slot.seen;
        *slot = merged;
        let record = self.save(record)?;
        self.broadcast(&SessionFrame::Receipts { receipts: receipts(&record) })?;
        if agent.is_some() && seen_moved {
            self.notify_queue().await;
        }
        Ok(())
    }

    fn last_seq(&self) -> Result<Seq> {
        #[derive(Deserialize)]
        struct Last {
            last: f64,
        }
        let row: Last = self.sql.exec("SELECT COALESCE(MAX(seq), 0) AS last FROM messages", None)?.one()?;
        Ok(Seq(row.last as u64))
    }

    async fn on_release(&self, ws: &WebSocket, agent: AgentRef) -> Result<()> {
        let change = |r: &mut Record| {
            let changed = r.state.release(&agent)?;
            if changed {
                r.waiting_since = now_ms();
            }
            Ok(changed)
        };
        let notice = format!("{} released the conversation to the queue", agent.name);
        self.transition(ws, change, |_| notice).await
    }

    async fn on_transfer(&self, ws: &WebSocket, agent: AgentRef, to: &AgentId) -> Result<()> {
        let Some(target) = self.site_agent(ws, to).await? else { return Ok(()) };
        let notice = format!("{} transferred the conversation to {}", agent.name, target.name);
        self.transition(ws, |r| r.state.transfer(&agent, &target), |_| notice).await
    }

    async fn on_invite(&self, ws: &WebSocket, agent: AgentRef, who: &AgentId) -> Result<()> {
        let Some(invited) = self.site_agent(ws, who).await? else { return Ok(()) };
        let notice = format!("{} invited {} to the conversation", agent.name, invited.name);
        self.transition(ws, |r| r.state.invite(&agent, &invited), |_| notice).await
    }

    /// Agent `id` of this site, or `None` after telling `ws` there is none.
    async fn site_agent(&self, ws: &WebSocket, id: &AgentId) -> Result<Option<AgentRef>> {
        let site = self.record()?.site;
        let sites = config::sites(&self.env)?;
        let roster = match sites.get(&site) {
            Some(config) => accounts::all(&self.env, &site, config).await?,
            None => Vec::new(),
        };
        let found = roster.iter().find(|a| &a.id == id).map(|a| a.as_ref());
        if found.is_none() {
            send(ws, &SessionFrame::error(ErrorCode::NotFound, format!("There is no agent `{id}` on this site.")));
        }
        Ok(found)
    }

    /// Saves a changed state with its system notice, tells everyone, and
    /// updates the queue.
    async fn commit_transition(&self, record: Record, notice: String) -> Result<()> {
        let before = self.record()?.state;
        let notice = self.append("system", Message { text: notice, ..Message::blank() })?;
        let record = self.save(record)?;
        self.broadcast(&SessionFrame::Message { message: notice })?;
        self.broadcast(&status_frame(&record))?;
        self.notify_queue().await;
        // Webhooks hear of status and owner changes, not of invitations.
        if before.status == record.state.status && before.agent == record.state.agent {
            return Ok(());
        }
        let summary = self.summary(&record)?;
        match record.state.status {
            Status::Bot => {}
            Status::Waiting => self.emit(Event::SessionWaiting(summary)).await,
            Status::Active => self.emit(Event::SessionAccepted(summary)).await,
            Status::Closed => self.emit(Event::SessionClosed(summary)).await,
        }
        Ok(())
    }

    /// Hands an event to the site's desk for its webhooks. The desk writes
    /// it to its outbox before answering; a failure here is logged, never
    /// shown to the participant whose action caused it.
    async fn emit(&self, event: Event) {
        let result = async {
            let site = self.record()?.site;
            let stub = self.env.durable_object("SITE_DESK")?.get_by_name(site.as_str())?;
            let resp = stub.fetch_with_request(util::internal_post("/events", &crate::desk::Emit { site, event })?).await?;
            match resp.status_code() {
                204 => Ok(()),
                n => Err(worker::Error::RustError(format!("the desk answered {n}"))),
            }
        }
        .await;
        if let Err(e) = result {
            worker::console_error!("ChatSession: webhook event lost: {e}");
        }
    }

    /// Turns the session into a helpdesk ticket at the site's desk, links
    /// it, tells everyone, and closes the session if asked (and allowed).
    async fn on_create_ticket(&self, ws: &WebSocket, agent: AgentRef, close: bool) -> Result<()> {
        let record = self.record()?;
        if record.state.status == Status::Bot {
            let e = porchlight_protocol::SessionError::StillWithBot;
            return Ok(send(ws, &SessionFrame::error(e.code(), e.message())));
        }
        if let Some(ticket) = record.ticket.clone() {
            send(ws, &SessionFrame::Ticket { ticket });
        } else {
            let messages = self.messages_after(Seq(0), true)?;
            let site_name = config::sites(&self.env)?.get(&record.site).map(|s| s.name.clone()).unwrap_or_default();
            let draft = crate::desk::TicketDraft {
                site: record.site.clone(),
                session: record.id.clone(),
                subject: ticket::subject(&record.visitor, &messages),
                requester: record.visitor.clone(),
                description: ticket::describe(&site_name, &record.visitor, &messages),
                created_by: agent.clone(),
            };
            let stub = self.env.durable_object("SITE_DESK")?.get_by_name(record.site.as_str())?;
            let mut resp = stub.fetch_with_request(util::internal_post("/tickets", &draft)?).await?;
            if resp.status_code() != 200 {
                return Ok(send(ws, &SessionFrame::error(ErrorCode::Internal, "The ticket could not be created. Please retry.")));
            }
            let created: porchlight_protocol::ticket::Ticket = resp.json().await?;
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
            let notice = self.append("system", Message { text, ..Message::blank() })?;
            self.save(record)?;
            self.broadcast(&SessionFrame::Message { message: notice })?;
            self.broadcast(&SessionFrame::Ticket { ticket })?;
            self.notify_queue().await;
        }
        if close {
            self.on_close(ws, &Actor::Agent(agent)).await?;
        }
        Ok(())
    }

    async fn welcome(&self, ws: &WebSocket, record: &Record, after: Seq, visitor: bool) -> Result<()> {
        let messages = self.messages_after(after, !visitor)?;
        send(ws, &SessionFrame::Welcome { session: view(record), messages });
        // Agents see whether the visitor is here right now.
        if visitor {
            self.to_agents(&SessionFrame::VisitorPresence { online: true })?;
        } else {
            send(ws, &SessionFrame::VisitorPresence { online: self.visitor_online(None) });
        }
        if visitor && record.state.status == Status::Waiting {
            if let Some(position) = self.queue_position(record).await {
                send(ws, &SessionFrame::Queue { position });
            }
        }
        Ok(())
    }

    #[allow(clippy::too_many_arguments)]
    async fn on_send(
        &self,
        ws: &WebSocket,
        actor: &Actor,
        sender: &str,
        author: Author,
        client_id: ClientMsgId,
        text: &str,
        reply_to: Option<Seq>,
    ) -> Result<Option<String>> {
        let refuse = |code: ErrorCode, message: String| {
            send(ws, &SessionFrame::Error { code, message, client_id: Some(client_id.clone()) });
            Ok(None)
        };
        if let Err(e) = validate::client_id(client_id.as_str()) {
            return refuse(e.code, e.message);
        }
        // A resend of something already committed gets its original ack,
        // whatever the state now: the sender must learn it was stored.
        if let Some(seq) = self.seq_of(sender, &client_id)? {
            send(ws, &SessionFrame::Ack { client_id, seq });
            return Ok(None);
        }
        let record = self.record()?;
        if let Err(e) = record.state.authorize_send(actor) {
            return refuse(e.code(), e.message());
        }
        let text = match validate::message(text) {
            Ok(text) => text,
            Err(e) => return refuse(e.code, e.message),
        };
        let reply_to = match reply_to {
            None => None,
            Some(seq) => match self.stored(seq)? {
                Some((_, quoted)) if !quoted.deleted && !quoted.internal => Some(Quote {
                    seq,
                    author: author_name(&quoted.author),
                    snippet: quoted.text.chars().take(QUOTE_CHARS).collect(),
                }),
                _ => return refuse(ErrorCode::NotFound, format!("There is no message {seq} to reply to.")),
            },
        };
        let template = Message { client_id: Some(client_id.clone()), author, text, reply_to, ..Message::blank() };
        let message = self.append(sender, template)?;
        self.save(record)?;
        send(ws, &SessionFrame::Ack { client_id, seq: message.seq });
        let text = message.text.clone();
        self.broadcast(&SessionFrame::Message { message: message.clone() })?;
        self.notify_queue_with(Some(SearchText { seq: message.seq, text: Some(text.clone()) })).await;
        self.emit(Event::MessageCreated { session: self.record()?.id, message }).await;
        Ok(Some(text))
    }

    /// An internal note: committed like a message, acknowledged to its
    /// writer, shown to agents only.
    async fn on_note(&self, ws: &WebSocket, agent: AgentRef, client_id: ClientMsgId, text: &str) -> Result<()> {
        let refuse = |code: ErrorCode, message: String| {
            send(ws, &SessionFrame::Error { code, message, client_id: Some(client_id.clone()) });
            Ok(())
        };
        if let Err(e) = validate::client_id(client_id.as_str()) {
            return refuse(e.code, e.message);
        }
        let sender = format!("agent:{}", agent.id);
        if let Some(seq) = self.seq_of(&sender, &client_id)? {
            send(ws, &SessionFrame::Ack { client_id, seq });
            return Ok(());
        }
        let record = self.record()?;
        if record.state.status == Status::Closed {
            let e = porchlight_protocol::SessionError::Closed;
            return refuse(e.code(), e.message());
        }
        let text = match validate::message(text) {
            Ok(text) => text,
            Err(e) => return refuse(e.code, e.message),
        };
        let author = Author::Agent { id: agent.id.clone(), name: agent.name.clone() };
        let note = Message { client_id: Some(client_id.clone()), author, text, internal: true, ..Message::blank() };
        let message = self.append(&sender, note)?;
        self.save(record)?;
        send(ws, &SessionFrame::Ack { client_id, seq: message.seq });
        let search = SearchText { seq: message.seq, text: Some(message.text.clone()) };
        self.to_agents(&SessionFrame::Message { message })?;
        self.notify_queue_with(Some(search)).await;
        Ok(())
    }

    /// Edits, deletes or reacts to message `seq` for the visitor (`agent`
    /// = None) or an agent. The change takes the next place in the log (a
    /// `change` row), the message row is rewritten to its new state with
    /// `changed` pointing there, and everyone who can see the message gets
    /// it whole as `updated`. Repeats are no-ops.
    async fn on_change(&self, ws: &WebSocket, agent: Option<AgentRef>, seq: Seq, change: Change) -> Result<()> {
        let refuse = |code: ErrorCode, message: String| Ok(send(ws, &SessionFrame::error(code, message)));
        let record = self.record()?;
        if record.state.status == Status::Closed {
            let e = porchlight_protocol::SessionError::Closed;
            return refuse(e.code(), e.message());
        }
        let (own_sender, who) = match &agent {
            None => ("visitor".to_owned(), Participant::Visitor),
            Some(a) => (format!("agent:{}", a.id), Participant::Agent { id: a.id.clone(), name: a.name.clone() }),
        };
        let Some((sender, mut message)) = self.stored(seq)?.filter(|(_, m)| agent.is_some() || !m.internal) else {
            return refuse(ErrorCode::NotFound, format!("There is no message {seq}."));
        };
        if message.deleted {
            return refuse(ErrorCode::NotFound, "That message was deleted.".into());
        }
        let now = now_ms();
        let is_reaction = matches!(change, Change::React(..));
        let changed = match change {
            Change::Edit(_) | Change::Delete if sender != own_sender => {
                return refuse(ErrorCode::Forbidden, "You can only edit or delete your own messages.".into());
            }
            Change::Edit(text) => {
                let text = match validate::message(&text) {
                    Ok(t) => t,
                    Err(e) => return refuse(e.code, e.message),
                };
                let changed = text != message.text;
                message.text = text;
                message.edited_at = Some(now);
                changed
            }
            Change::Delete => {
                message.deleted = true;
                message.text.clear();
                message.reactions.clear();
                message.reply_to = None;
                true
            }
            Change::React(_, _) if message.author == Author::System => {
                return refuse(ErrorCode::Forbidden, "Notices cannot be reacted to.".into());
            }
            Change::React(emoji, on) => Reaction::toggle(&mut message.reactions, emoji, &who, on),
        };
        if !changed {
            return Ok(());
        }
        let author = match &agent {
            None => Author::Visitor { name: record.visitor.name.clone() },
            Some(a) => Author::Agent { id: a.id.clone(), name: a.name.clone() },
        };
        let marker = self.append("change", Message { author, internal: message.internal, ..Message::blank() })?;
        self.sql.exec("UPDATE messages SET target = ? WHERE seq = ?", vec![(seq.0 as i64).into(), (marker.seq.0 as i64).into()])?;
        message.changed = Some(marker.seq);
        let reactions = match message.reactions.is_empty() {
            true => worker::SqlStorageValue::Null,
            false => serde_json::to_string(&message.reactions)?.into(),
        };
        self.sql.exec(
            "UPDATE messages SET text = ?, edited_at = ?, deleted = ?, reactions = ?, changed = ?,
                                 reply_to = CASE WHEN ? THEN NULL ELSE reply_to END
             WHERE seq = ?",
            vec![
                message.text.clone().into(),
                message.edited_at.map_or(worker::SqlStorageValue::Null, |t| (t as i64).into()),
                i64::from(message.deleted).into(),
                reactions,
                (marker.seq.0 as i64).into(),
                i64::from(message.deleted).into(),
                (seq.0 as i64).into(),
            ],
        )?;
        if message.deleted {
            // A deleted message leaves no trace in the replies that quoted it.
            self.sql.exec(
                "UPDATE messages SET reply_to = json_set(reply_to, '$.snippet', '')
                 WHERE reply_to IS NOT NULL AND json_extract(reply_to, '$.seq') = ?",
                vec![(seq.0 as i64).into()],
            )?;
        }
        self.save(record)?;
        let search = SearchText { seq, text: (!message.deleted).then(|| message.text.clone()) };
        let frame = SessionFrame::Updated { message };
        if marker.internal {
            self.to_agents(&frame)?;
        } else {
            self.broadcast(&frame)?;
        }
        if !is_reaction {
            // The queue's preview may have been this message, and its
            // search must find the new text (or, once deleted, nothing).
            self.notify_queue_with(Some(search)).await;
        }
        Ok(())
    }

    /// Message `seq` as stored, with its sender key (`visitor`, `agent:<id>`,
    /// `system`, `bot`); `None` for change rows and unknown numbers.
    fn stored(&self, seq: Seq) -> Result<Option<(String, Message)>> {
        let rows: Vec<MessageRow> = self
            .sql
            .exec(
                &format!("SELECT {MESSAGE_COLUMNS}, sender FROM messages WHERE seq = ? AND sender != 'change'"),
                vec![(seq.0 as i64).into()],
            )?
            .to_array()?;
        rows.into_iter().next().map(|r| Ok((r.sender.clone().unwrap_or_default(), r.into_message()?))).transpose()
    }

    /// The bot answers a visitor message committed while in BOT.
    async fn bot_turn(&self, text: &str) -> Result<()> {
        let site = self.record()?.site;
        let answer = match self.ask_bot(&site, text).await {
            Ok(answer) => answer,
            Err(e) => {
                // Never strand a visitor: without the bot, go to a person.
                worker::console_error!("ChatSession: the bot failed ({e}); handing off");
                BotAnswer { lang: "en".into(), text: None, articles: Vec::new(), handoff: true }
            }
        };
        // The visitor may have handed off or left while the bot thought.
        let mut record = self.record()?;
        if record.state.status != Status::Bot {
            return Ok(());
        }
        if let Some(text) = answer.text {
            let articles: Vec<ArticleRef> =
                answer.articles.into_iter().map(|a| ArticleRef { id: a.id, title: a.title }).collect();
            let mut trail_changed = false;
            for a in &articles {
                trail_changed |= ArticleTrail::add(&mut record.articles.suggested, a.clone());
            }
            let message = self.append("bot", Message { author: Author::Bot, text, articles, ..Message::blank() })?;
            record = self.save(record)?;
            self.broadcast(&SessionFrame::Message { message: message.clone() })?;
            self.emit(Event::MessageCreated { session: record.id.clone(), message }).await;
            if trail_changed {
                self.to_agents(&SessionFrame::Articles { articles: record.articles.clone() })?;
            }
        }
        if answer.handoff {
            self.handoff().await?;
        }
        Ok(())
    }

    async fn ask_bot(&self, site: &SiteId, message: &str) -> Result<BotAnswer> {
        let stub = self.env.durable_object("KNOWLEDGE_BASE")?.get_by_name(site.as_str())?;
        let turn = crate::kb::BotTurn { message: message.to_owned() };
        let mut resp = stub.fetch_with_request(util::internal_post("/bot", &turn)?).await?;
        if resp.status_code() != 200 {
            return Err(worker::Error::RustError(format!("the knowledge base answered {}", resp.status_code())));
        }
        resp.json().await
    }

    /// BOT → WAITING, with a notice for everyone; the queue then pushes
    /// the visitor's position.
    async fn handoff(&self) -> Result<()> {
        let mut record = self.record()?;
        match record.state.handoff() {
            Ok(true) => {}
            Ok(false) => return self.to_visitors(&status_frame(&record)),
            Err(e) => return self.to_visitors(&SessionFrame::error(e.code(), e.message())),
        }
        record.waiting_since = now_ms();
        self.commit_transition(record, "Handed off to the team. An agent will join shortly.".into()).await
    }

    async fn on_resolve(&self, ws: &WebSocket) -> Result<()> {
        let change = |r: &mut Record| {
            let changed = r.state.resolve_by_bot()?;
            if changed {
                r.closed_at = Some(now_ms());
            }
            Ok(changed)
        };
        let notice = |r: &Record| format!("{} found the answer in the help center. Glad we could help!", r.visitor.name);
        self.transition(ws, change, notice).await
    }

    /// Records an article the visitor opened, so agents see it. The title
    /// comes from the knowledge base, never from the widget.
    async fn on_article_opened(&self, ws: &WebSocket, article_id: &str) -> Result<()> {
        let record = self.record()?;
        if record.state.status == Status::Closed || record.articles.opened.iter().any(|a| a.id == article_id) {
            return Ok(());
        }
        if !porchlight_kb::article::valid_id(article_id) {
            return Ok(send(ws, &SessionFrame::error(ErrorCode::NotFound, "There is no article with that id.")));
        }
        let stub = self.env.durable_object("KNOWLEDGE_BASE")?.get_by_name(record.site.as_str())?;
        let mut resp = stub
            .fetch_with_request(worker::Request::new(&format!("https://internal/articles/{article_id}"), worker::Method::Get)?)
            .await?;
        if resp.status_code() != 200 {
            return Ok(send(ws, &SessionFrame::error(ErrorCode::NotFound, "There is no article with that id.")));
        }
        let article: porchlight_kb::Article = resp.json().await?;
        // Re-read: other frames may have been handled during the fetch.
        let mut record = self.record()?;
        if ArticleTrail::add(&mut record.articles.opened, ArticleRef { id: article.id, title: article.title }) {
            record = self.save(record)?;
            self.to_agents(&SessionFrame::Articles { articles: record.articles })?;
        }
        Ok(())
    }

    async fn queue_position(&self, record: &Record) -> Option<u32> {
        let result = async {
            let stub = self.env.durable_object("SITE_QUEUE")?.get_by_name(record.site.as_str())?;
            let url = format!("https://internal/position/{}", record.id);
            let mut resp = stub.fetch_with_request(worker::Request::new(&url, worker::Method::Get)?).await?;
            resp.json::<PositionAnswer>().await
        }
        .await;
        match result {
            Ok(answer) => answer.position,
            Err(e) => {
                worker::console_error!("ChatSession: queue position lookup failed: {e}");
                None
            }
        }
    }

    async fn on_accept(&self, ws: &WebSocket, agent: AgentRef) -> Result<()> {
        let notice = format!("{} joined the conversation", agent.name);
        self.transition(ws, |r| r.state.accept(&agent), |_| notice).await
    }

    async fn on_close(&self, ws: &WebSocket, actor: &Actor) -> Result<()> {
        let change = |r: &mut Record| {
            let changed = r.state.close(actor)?;
            if changed {
                r.closed_at = Some(now_ms());
            }
            Ok(changed)
        };
        let notice = |r: &Record| match actor {
            Actor::Visitor => format!("{} ended the conversation", r.visitor.name),
            Actor::Agent(agent) => format!("{} closed the conversation", agent.name),
        };
        self.transition(ws, change, notice).await
    }

    /// A state change asked for on `ws`: a refusal is answered there, a
    /// no-op re-sends the current status, a change is committed with its
    /// notice for everyone.
    async fn transition(
        &self,
        ws: &WebSocket,
        change: impl FnOnce(&mut Record) -> std::result::Result<bool, porchlight_protocol::SessionError>,
        notice: impl FnOnce(&Record) -> String,
    ) -> Result<()> {
        let mut record = self.record()?;
        match change(&mut record) {
            Err(e) => Ok(send(ws, &SessionFrame::error(e.code(), e.message()))),
            Ok(false) => Ok(send(ws, &status_frame(&record))),
            Ok(true) => {
                let text = notice(&record);
                self.commit_transition(record, text).await
            }
        }
    }

    /// Commits one message with the next sequence number and the current
    /// time (the template's `seq` and `at` are ignored).
    fn append(&self, sender: &str, template: Message) -> Result<Message> {
        let message = Message { seq: self.next_seq()?, at: now_ms(), ..template };
        let articles = match message.articles.is_empty() {
            true => worker::SqlStorageValue::Null,
            false => serde_json::to_string(&message.articles)?.into(),
        };
        let reply_to = match &message.reply_to {
            None => worker::SqlStorageValue::Null,
            Some(q) => serde_json::to_string(q)?.into(),
        };
        self.sql.exec(
            "INSERT INTO messages (seq, sender, client_id, author, text, at, articles, internal, reply_to)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            vec![
                (message.seq.0 as i64).into(),
                sender.to_owned().into(),
                message.client_id.as_ref().map(|c| c.0.clone()).map_or(worker::SqlStorageValue::Null, Into::into),
                serde_json::to_string(&message.author)?.into(),
                message.text.clone().into(),
                (message.at as i64).into(),
                articles,
                i64::from(message.internal).into(),
                reply_to,
            ],
        )?;
        Ok(message)
    }

    /// The next place in the log. Messages and changes share it, so one
    /// cursor (`last_seq`) resumes both.
    fn next_seq(&self) -> Result<Seq> {
        #[derive(Deserialize)]
        struct Next {
            next: f64,
        }
        let next: Next = self.sql.exec("SELECT COALESCE(MAX(seq), 0) + 1 AS next FROM messages", None)?.one()?;
        Ok(Seq(next.next as u64))
    }

    fn seq_of(&self, sender: &str, client_id: &ClientMsgId) -> Result<Option<Seq>> {
        #[derive(Deserialize)]
        struct Row {
            seq: f64,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT seq FROM messages WHERE sender = ? AND client_id = ?",
                vec![sender.to_owned().into(), client_id.0.clone().into()],
            )?
            .to_array()?;
        Ok(rows.first().map(|r| Seq(r.seq as u64)))
    }

    /// The log after `after`: messages committed since, and older ones
    /// changed since (edited, deleted, reacted to), in seq order; internal
    /// notes only for agents.
    fn messages_after(&self, after: Seq, with_notes: bool) -> Result<Vec<Message>> {
        let rows: Vec<MessageRow> = self
            .sql
            .exec(
                &format!(
                    "SELECT {MESSAGE_COLUMNS} FROM messages
                     WHERE sender != 'change' AND (seq > ? OR COALESCE(changed, 0) > ?)
                       AND (? OR COALESCE(internal, 0) = 0)
                     ORDER BY seq"
                ),
                vec![(after.0 as i64).into(), (after.0 as i64).into(), i64::from(with_notes).into()],
            )?
            .to_array()?;
        rows.into_iter().map(MessageRow::into_message).collect()
    }

    /// Sends a frame to every authenticated participant.
    fn broadcast(&self, frame: &SessionFrame) -> Result<()> {
        self.send_tagged(None, frame)
    }

    fn to_visitors(&self, frame: &SessionFrame) -> Result<()> {
        self.send_tagged(Some("visitor"), frame)
    }

    fn to_agents(&self, frame: &SessionFrame) -> Result<()> {
        self.send_tagged(Some("agent"), frame)
    }

    fn to_agents_except(&self, agent: &AgentRef, frame: &SessionFrame) -> Result<()> {
        let json = serde_json::to_string(frame)?;
        for ws in self.state.get_websockets_with_tag("agent") {
            if let Ok(Some(Attachment { authed: true, agent: Some(a), .. })) = ws.deserialize_attachment::<Attachment>() {
                if a.id != agent.id {
                    let _ = ws.send_with_str(&json);
                }
            }
        }
        Ok(())
    }

    /// Whether a signed-in visitor socket is open, besides `leaving`.
    fn visitor_online(&self, leaving: Option<&WebSocket>) -> bool {
        self.state.get_websockets_with_tag("visitor").iter().any(|ws| {
            Some(ws) != leaving
                && ws.as_ref().ready_state() == web_sys::WebSocket::OPEN
                && matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { authed: true, .. })))
        })
    }

    fn send_tagged(&self, tag: Option<&str>, frame: &SessionFrame) -> Result<()> {
        let json = serde_json::to_string(frame)?;
        let sockets = match tag {
            Some(tag) => self.state.get_websockets_with_tag(tag),
            None => self.state.get_websockets(),
        };
        for ws in sockets {
            if matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { authed: true, .. }))) {
                let _ = ws.send_with_str(&json);
            }
        }
        Ok(())
    }

    fn summary(&self, record: &Record) -> Result<SessionSummary> {
        #[derive(Deserialize)]
        struct Stats {
            count: f64,
            last: Option<String>,
        }
        let stats: Stats = self
            .sql
            .exec(
                "SELECT COUNT(*) AS count,
                        (SELECT text FROM messages WHERE sender NOT IN ('system', 'bot', 'change')
                           AND COALESCE(internal, 0) = 0 AND COALESCE(deleted, 0) = 0
                         ORDER BY seq DESC LIMIT 1) AS last
                 FROM messages WHERE sender NOT IN ('system', 'bot', 'change')
                   AND COALESCE(internal, 0) = 0 AND COALESCE(deleted, 0) = 0",
                None,
            )?
            .one()?;
        Ok(SessionSummary {
            id: record.id.clone(),
            status: record.state.status,
            visitor: record.visitor.clone(),
            agent: record.state.agent.clone(),
            message_count: stats.count as u64,
            last_message: stats.last.map(|t| t.chars().take(PREVIEW_CHARS).collect()),
            visitor_messages: self.visitor_messages_after(Seq(0))?,
            order_ref: record.context.order_ref.clone(),
            unread: record
                .agent_marks
                .iter()
                .map(|(id, m)| Ok((id.clone(), self.visitor_messages_after(m.seen)?)))
                .collect::<Result<_>>()?,
            created_at: record.created_at,
            waiting_since: record.waiting_since,
            updated_at: record.updated_at,
            handed_off: record.state.handed_off,
            closed_by: record.state.closed_by,
            closer: record.state.closer.clone(),
            closed_at: record.closed_at,
            ticket: record.ticket.clone(),
            participants: record.state.participants.clone(),
            rev: record.rev,
        })
    }

    fn visitor_messages_after(&self, after: Seq) -> Result<u64> {
        #[derive(Deserialize)]
        struct Count {
            n: f64,
        }
        let row: Count = self
            .sql
            .exec(
                "SELECT COUNT(*) AS n FROM messages WHERE sender = 'visitor' AND seq > ? AND COALESCE(deleted, 0) = 0",
                vec![(after.0 as i64).into()],
            )?
            .one()?;
        Ok(row.n as u64)
    }

    /// Tells the site's queue about the session's current state. The queue
    /// keeps the highest revision, so the order these arrive in is harmless.
    async fn notify_queue(&self) {
        self.notify_queue_with(None).await
    }

    async fn notify_queue_with(&self, text: Option<SearchText>) {
        let result = async {
            let record = self.record()?;
            let summary = self.summary(&record)?;
            let stub = self.env.durable_object("SITE_QUEUE")?.get_by_name(record.site.as_str())?;
            let update = QueueUpdate { site: record.site.clone(), summary, text };
            stub.fetch_with_request(util::internal_post("/upsert", &update)?).await?;
            Ok::<(), worker::Error>(())
        }
        .await;
        if let Err(e) = result {
            worker::console_error!("ChatSession: queue update failed: {e}");
        }
    }
}

fn view(record: &Record) -> SessionView {
    SessionView {
        id: record.id.clone(),
        status: record.state.status,
        agent: record.state.agent.clone(),
        visitor: record.visitor.clone(),
        created_at: record.created_at,
        closed_by: record.state.closed_by,
        articles: record.articles.clone(),
        receipts: receipts(record),
        context: record.context.clone(),
        ticket: record.ticket.clone(),
        participants: record.state.participants.clone(),
    }
}

fn receipts(record: &Record) -> Receipts {
    Receipts {
        visitor: record.visitor_marks,
        agents: record.agent_marks.values().fold(Marks::default(), |a, b| a.max(*b)),
    }
}

fn status_frame(record: &Record) -> SessionFrame {
    SessionFrame::Status {
        status: record.state.status,
        agent: record.state.agent.clone(),
        closed_by: record.state.closed_by,
        participants: record.state.participants.clone(),
    }
}

fn refuse_hello(ws: &WebSocket, message: &str) -> Result<()> {
    send(ws, &SessionFrame::error(ErrorCode::Unauthorized, message));
    let _ = ws.close(Some(1008), Some("unauthorized"));
    Ok(())
}

