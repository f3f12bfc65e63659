//! `SiteQueue`: the Durable Object that holds one site's agent queue.
//!
//! Each [`crate::session::ChatSession`] syncs its summary and search texts
//! here from its outbox (`POST /sync`, at most once per session per
//! 250 ms, however many messages it holds); the queue stores the newest
//! revision of each and pushes it to every signed-in agent console. A
//! repeated or late sync changes nothing. Agents' sockets hibernate between
//! updates.
//!
//! It also keeps the line, from an index on `(status, waiting_since)`: only
//! a sync that changes a session's status or place in line touches it, and
//! then only the sessions whose position moved are told (`POST /position`
//! to the session, which relays it to the visitor; sent without waiting
//! for the answers). `GET /position/{id}` counts the sessions ahead of one
//! for a visitor who just connected. The site's bot figures
//! ([`SiteStats`]) are kept as counts, adjusted by each change, and pushed
//! when they move.

use crate::internal;
use crate::util::{self, now_ms, parse_frame, send, Incoming};
use crate::{accounts, config};
use porchlight_protocol::internal::{PositionAnswer, QueueSync, Revoked, SearchText};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::validate::MAX_FRAME_BYTES;
use porchlight_protocol::{AgentPresence, ErrorCode, Presence, QueueClientFrame, QueueFrame, SessionId, SessionSummary, SiteId, SiteStats};
use serde::{Deserialize, Serialize};
use std::cell::RefCell;
use std::collections::HashMap;
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, SqlStorage, State, WebSocket, WebSocketIncomingMessage,
    WebSocketPair,
};

/// How many sessions a console's snapshot carries, newest first.
const SNAPSHOT_LIMIT: usize = 500;
/// How many sessions a search returns.
const SEARCH_LIMIT: usize = 200;
/// Longest search query accepted, in characters.
const MAX_QUERY_CHARS: usize = 200;

#[derive(Serialize, Deserialize)]
struct Attachment {
    site: SiteId,
    agent: Option<AgentRef>,
    /// The client's address (`CF-Connecting-IP` at the upgrade): failed
    /// sign-ins from it count against the site's budget.
    #[serde(default)]
    address: Option<String>,
    /// The agent said they stepped away.
    #[serde(default)]
    away: bool,
}

#[durable_object]
pub struct SiteQueue {
    state: State,
    env: Env,
    sql: SqlStorage,
    /// Each waiting session's position as last announced to it (`None`
    /// after a wake-up: announce to all on the next change of the line).
    line: RefCell<Option<HashMap<SessionId, u32>>>,
    /// The bot figures now (counted once per wake-up, then adjusted), and
    /// as last pushed to consoles.
    counts: RefCell<Option<SiteStats>>,
    stats: RefCell<Option<SiteStats>>,
    /// Signed-in consoles, read from the attachments once and kept until a
    /// console signs in, leaves or is revoked (`None`: read again).
    consoles: RefCell<Option<Vec<WebSocket>>>,
}

/// What of a stored summary the line and the figures depend on.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Facets {
    waiting: bool,
    waiting_since: u64,
    with_bot: bool,
    resolved_by_bot: bool,
    handed_off: bool,
}

impl Facets {
    fn of(s: &SessionSummary) -> Facets {
        Facets {
            waiting: s.status == porchlight_protocol::Status::Waiting,
            waiting_since: s.waiting_since,
            with_bot: s.status == porchlight_protocol::Status::Bot,
            resolved_by_bot: s.closed_by == Some(porchlight_protocol::ClosedBy::Bot),
            handed_off: s.handed_off,
        }
    }

    fn adjust(self, stats: &mut SiteStats, sign: i64) {
        let add = |n: &mut u64, on: bool| {
            if on {
                *n = (*n as i64 + sign).max(0) as u64;
            }
        };
        add(&mut stats.with_bot, self.with_bot);
        add(&mut stats.resolved_by_bot, self.resolved_by_bot);
        add(&mut stats.handed_off, self.handed_off);
    }
}

impl DurableObject for SiteQueue {
    fn new(state: State, env: Env) -> Self {
        let sql = state.storage().sql();
        if let Err(e) = sql.exec(
            "CREATE TABLE IF NOT EXISTS sessions (
                id TEXT PRIMARY KEY, rev INTEGER NOT NULL, updated_at INTEGER NOT NULL, json TEXT NOT NULL)",
            None,
        ) {
            worker::console_error!("SiteQueue: creating schema failed: {e}");
        }
        // The line and the figures read columns, not the JSON.
        let columns = util::add_column_if_missing(&sql, "sessions", "status", "TEXT")
            .and_then(|()| util::add_column_if_missing(&sql, "sessions", "waiting_since", "INTEGER"))
            .and_then(|()| util::add_column_if_missing(&sql, "sessions", "closed_by", "TEXT"))
            .and_then(|()| util::add_column_if_missing(&sql, "sessions", "handed_off", "INTEGER"))
            .and_then(|()| {
                sql.exec(
                    "UPDATE sessions SET status = json_extract(json, '$.status'), waiting_since = json_extract(json, '$.waiting_since'),
                            closed_by = json_extract(json, '$.closed_by'), handed_off = COALESCE(json_extract(json, '$.handed_off'), 0)
                     WHERE status IS NULL",
                    None,
                )
            })
            .and_then(|_| sql.exec("CREATE INDEX IF NOT EXISTS sessions_line ON sessions (status, waiting_since, id)", None))
            .and_then(|_| sql.exec("CREATE INDEX IF NOT EXISTS sessions_recent ON sessions (updated_at)", None));
        if let Err(e) = columns {
            worker::console_error!("SiteQueue: creating schema failed: {e}");
        }
        // Every visitor and agent message, for search by message text.
        // `seq` came later; rows stored before it have none (and are never edited).
        let texts = sql
            .exec("CREATE TABLE IF NOT EXISTS texts (id TEXT NOT NULL, text TEXT NOT NULL)", None)
            .and_then(|_| util::add_column_if_missing(&sql, "texts", "seq", "INTEGER"))
            .and_then(|()| sql.exec("CREATE UNIQUE INDEX IF NOT EXISTS texts_by_message ON texts (id, seq)", None));
        if let Err(e) = texts {
            worker::console_error!("SiteQueue: creating schema failed: {e}");
        }
        util::answer_pings(&state);
        SiteQueue {
            state,
            env,
            sql,
            line: RefCell::new(None),
            counts: RefCell::new(None),
            stats: RefCell::new(None),
            consoles: RefCell::new(None),
        }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/sync" => {
                let QueueSync { site, session, summary, texts } = req.json().await?;
                // Texts first: a console that sees the upsert can find them.
                // One statement per batch, however many messages it holds.
                if !texts.is_empty() {
                    let batch = serde_json::to_string(&texts)?;
                    self.sql.exec(
                        "INSERT INTO texts (id, seq, text)
                         SELECT ?1, json_extract(value, '$.seq'), json_extract(value, '$.text') FROM json_each(?2)
                         WHERE json_extract(value, '$.text') IS NOT NULL
                         ON CONFLICT (id, seq) DO UPDATE SET text = excluded.text",
                        vec![session.0.clone().into(), batch.clone().into()],
                    )?;
                    if texts.iter().any(|t: &SearchText| t.text.is_none()) {
                        self.sql.exec(
                            "DELETE FROM texts WHERE id = ?1 AND seq IN
                               (SELECT json_extract(value, '$.seq') FROM json_each(?2) WHERE json_extract(value, '$.text') IS NULL)",
                            vec![session.0.clone().into(), batch.into()],
                        )?;
                    }
                }
                if let Some(summary) = summary {
                    let rated = summary.rating.is_some();
                    if let Some((before, after)) = self.upsert(summary)? {
                        if rated {
                            self.to_agents(&QueueFrame::Csat { figures: crate::csat::figures(&self.sql, now_ms())? })?;
                        }
                        self.count(before, after)?;
                        self.push_stats()?;
                        let b = before.unwrap_or_default();
                        if b.waiting != after.waiting || (after.waiting && b.waiting_since != after.waiting_since) {
                            self.announce_line(&site)?;
                        }
                    }
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/agents-online" => {
                let consoles: Vec<Attachment> =
                    self.state.get_websockets().iter().filter_map(|ws| ws.deserialize_attachment::<Attachment>().ok().flatten()).collect();
                let mut online: Vec<&AgentRef> = consoles.iter().filter(|c| !c.away).filter_map(|c| c.agent.as_ref()).collect();
                online.sort_by(|a, b| a.id.as_str().cmp(b.id.as_str()));
                online.dedup_by(|a, b| a.id == b.id);
                Response::from_json(&porchlight_protocol::internal::AgentsOnline { online: online.len() as u32 })
            }
            path if path.starts_with("/position/") => {
                let id = SessionId::parse(&path["/position/".len()..]);
                let position = match id {
                    Some(id) => self.position_of(&id)?,
                    None => None,
                };
                Response::from_json(&PositionAnswer { position })
            }
            "/erase" => {
                let porchlight_protocol::internal::SessionRef { session } = req.json().await?;
                self.sql.exec("DELETE FROM texts WHERE id = ?", vec![session.0.clone().into()])?;
                self.sql.exec("DELETE FROM sessions WHERE id = ?", vec![session.0.clone().into()])?;
                // The waiting line, counts and figures are recomputed from what is left.
                *self.line.borrow_mut() = None;
                *self.counts.borrow_mut() = None;
                *self.stats.borrow_mut() = None;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/lookup" => {
                let lookup: porchlight_protocol::team::lookup::Lookup = req.json().await?;
                Response::from_json(&porchlight_protocol::team::lookup::Found { sessions: self.lookup(&lookup)? })
            }
            "/roster" => {
                if let Some(site) = self.any_site() {
                    self.push_presence(&site).await?;
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/revoked" => {
                let Revoked { agent } = req.json().await?;
                for ws in self.state.get_websockets() {
                    if let Ok(Some(a)) = ws.deserialize_attachment::<Attachment>() {
                        if a.agent.as_ref().is_some_and(|me| me.id == agent) {
                            send(&ws, &error(ErrorCode::Unauthorized, "Your agent account was revoked.".into()));
                            let _ = ws.close(Some(1008), Some("revoked"));
                            ws.serialize_attachment(Attachment { agent: None, ..a })?;
                            *self.consoles.borrow_mut() = None;
                        }
                    }
                }
                if let Some(site) = self.any_site() {
                    self.push_presence(&site).await?;
                }
                // The Worker tells these sessions too: the agent may have
                // any of them open.
                #[derive(serde::Deserialize)]
                struct Id {
                    id: SessionId,
                }
                let open: Vec<Id> = self.sql.exec("SELECT id FROM sessions WHERE status IS NOT 'CLOSED'", None)?.to_array()?;
                Response::from_json(&open.into_iter().map(|r| r.id).collect::<Vec<_>>())
            }
            "/agent" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                let pair = WebSocketPair::new()?;
                self.state.accept_web_socket(&pair.server);
                let address = crate::limiter::address(&req);
                pair.server.serialize_attachment(Attachment { site, agent: None, away: false, address })?;
                // A console that never signs in is closed (1008) after 10 s.
                let ws = pair.server.clone();
                self.state.wait_until(async move {
                    worker::Delay::from(std::time::Duration::from_millis(10_000)).await;
                    let signed_in = matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { agent: Some(_), .. })));
                    if ws.as_ref().ready_state() == web_sys::WebSocket::OPEN && !signed_in {
                        send(&ws, &error(ErrorCode::Unauthorized, "No hello within 10 s.".into()));
                        let _ = ws.close(Some(1008), Some("no hello"));
                    }
                });
                Ok(ResponseBuilder::new().with_status(101).with_websocket(pair.client).empty())
            }
            _ => Response::error("not found", 404),
        }
    }

    async fn websocket_message(&self, ws: WebSocket, message: WebSocketIncomingMessage) -> Result<()> {
        let Some(mut attachment) = ws.deserialize_attachment::<Attachment>()? else {
            let _ = ws.close(Some(1011), Some("socket state lost; reconnect"));
            return Ok(());
        };
        let text = match message {
            WebSocketIncomingMessage::String(text) => text,
            WebSocketIncomingMessage::Binary(_) => String::new(),
        };
        let frame = match parse_frame::<QueueClientFrame>(&text) {
            Incoming::Frame(frame) => frame,
            Incoming::TooLarge(n) => {
                send(&ws, &error(ErrorCode::FrameTooLarge, format!("Frames can be at most {MAX_FRAME_BYTES} bytes (got {n}).")));
                return Ok(());
            }
            Incoming::Malformed(why) => {
                send(&ws, &error(ErrorCode::BadFrame, format!("Unreadable frame: {why}.")));
                return Ok(());
            }
        };
        match frame {
            QueueClientFrame::Ping => send(&ws, &QueueFrame::Pong),
            QueueClientFrame::Hello { .. } if attachment.agent.is_some() => {
                send(&ws, &error(ErrorCode::BadFrame, "Already signed in.".into()));
            }
            QueueClientFrame::Hello { token } => {
                let sites = config::sites(&self.env)?;
                let rate = sites
                    .get(&attachment.site)
                    .map_or(porchlight_protocol::limits::Limits::default().auth_failures, |c| c.limits.auth_failures);
                let address = attachment.address.as_deref();
                if let Some(ms) = crate::limiter::sign_in_refused(&self.env, &attachment.site, address, rate).await? {
                    send(&ws, &error(ErrorCode::RateLimited, crate::limiter::sign_in_wait_message(ms)));
                    let _ = ws.close(Some(1008), Some("rate limited"));
                    return Ok(());
                }
                let account = match sites.get(&attachment.site) {
                    Some(config) => accounts::by_token(&self.env, &attachment.site, config, &token).await?,
                    None => None,
                };
                let Some(agent) = account else {
                    crate::limiter::sign_in_failed(&self.env, &attachment.site, address, rate).await;
                    send(&ws, &error(ErrorCode::Unauthorized, "That agent token is not valid for this site.".into()));
                    let _ = ws.close(Some(1008), Some("unauthorized"));
                    return Ok(());
                };
                attachment.agent = Some(agent.as_ref());
                ws.serialize_attachment(&attachment)?;
                *self.consoles.borrow_mut() = None;
                send(&ws, &QueueFrame::Snapshot { agent: agent.as_ref(), sessions: self.snapshot()? });
                let counted = *self.counts.borrow();
                let stats = match counted {
                    Some(c) => c,
                    None => self.count_stats()?,
                };
                send(&ws, &QueueFrame::Stats { stats });
                send(&ws, &QueueFrame::Csat { figures: crate::csat::figures(&self.sql, now_ms())? });
                self.push_presence(&attachment.site).await?;
            }
            _ if attachment.agent.is_none() => {
                send(&ws, &error(ErrorCode::Unauthorized, "Send hello with your agent token first.".into()));
            }
            QueueClientFrame::Presence { status } => {
                attachment.away = status == Presence::Away;
                ws.serialize_attachment(&attachment)?;
                self.push_presence(&attachment.site).await?;
            }
            QueueClientFrame::Search { query } => {
                if query.chars().count() > MAX_QUERY_CHARS {
                    send(&ws, &error(ErrorCode::MessageTooLong, format!("Searches can be at most {MAX_QUERY_CHARS} characters.")));
                } else {
                    send(&ws, &QueueFrame::Found { ids: self.search(&query)?, query });
                }
            }
        }
        Ok(())
    }

    async fn websocket_close(&self, ws: WebSocket, code: usize, _reason: String, _was_clean: bool) -> Result<()> {
        util::complete_close(&ws, code);
        // This agent's console is gone: recount presence without it.
        if let Ok(Some(mut attachment)) = ws.deserialize_attachment::<Attachment>() {
            if attachment.agent.take().is_some() {
                ws.serialize_attachment(&attachment)?;
                *self.consoles.borrow_mut() = None;
                self.push_presence(&attachment.site).await?;
            }
        }
        Ok(())
    }

    async fn websocket_error(&self, _ws: WebSocket, _error: worker::Error) -> Result<()> {
        Ok(())
    }
}

fn error(code: ErrorCode, message: String) -> QueueFrame {
    QueueFrame::Error { code, message }
}

impl SiteQueue {
    /// Stores `summary` unless the same or a newer revision is already
    /// stored, and pushes it to signed-in agents if it was news. Returns
    /// what the line and the figures saw before and after, if it was.
    fn upsert(&self, summary: SessionSummary) -> Result<Option<(Option<Facets>, Facets)>> {
        #[derive(Deserialize)]
        struct Old {
            rev: f64,
            status: Option<String>,
            waiting_since: Option<f64>,
            closed_by: Option<String>,
            handed_off: Option<f64>,
        }
        let old: Vec<Old> = self
            .sql
            .exec("SELECT rev, status, waiting_since, closed_by, handed_off FROM sessions WHERE id = ?", vec![summary.id.0.clone().into()])?
            .to_array()?;
        let before = match old.first() {
            Some(o) if o.rev as u64 >= summary.rev => return Ok(None),
            Some(o) => Some(Facets {
                waiting: o.status.as_deref() == Some("WAITING"),
                waiting_since: o.waiting_since.unwrap_or(0.0) as u64,
                with_bot: o.status.as_deref() == Some("BOT"),
                resolved_by_bot: o.closed_by.as_deref() == Some("bot"),
                handed_off: o.handed_off.unwrap_or(0.0) != 0.0,
            }),
            None => None,
        };
        let after = Facets::of(&summary);
        fn json(v: &impl Serialize) -> Option<String> {
            serde_json::to_value(v).ok().and_then(|v| v.as_str().map(str::to_owned))
        }
        self.sql.exec(
            "INSERT INTO sessions (id, rev, updated_at, json, status, waiting_since, closed_by, handed_off) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, updated_at = excluded.updated_at, json = excluded.json,
                status = excluded.status, waiting_since = excluded.waiting_since, closed_by = excluded.closed_by, handed_off = excluded.handed_off",
            vec![
                summary.id.0.clone().into(),
                (summary.rev as i64).into(),
                (summary.updated_at as i64).into(),
                serde_json::to_string(&summary)?.into(),
                json(&summary.status).unwrap_or_default().into(),
                (summary.waiting_since as i64).into(),
                summary.closed_by.as_ref().and_then(json).map_or(worker::SqlStorageValue::Null, Into::into),
                i64::from(summary.handed_off).into(),
            ],
        )?;
        self.to_agents(&QueueFrame::Upsert { session: summary })?;
        Ok(Some((before, after)))
    }

    /// Moves the bot figures from `before` to `after` for one session.
    fn count(&self, before: Option<Facets>, after: Facets) -> Result<()> {
        let current = *self.counts.borrow();
        let mut counts = match current {
            Some(c) => c,
            // Counted once per wake-up (this session already stored as `after`).
            None => {
                let c = self.count_stats()?;
                *self.counts.borrow_mut() = Some(c);
                return Ok(());
            }
        };
        if let Some(b) = before {
            b.adjust(&mut counts, -1);
        }
        after.adjust(&mut counts, 1);
        *self.counts.borrow_mut() = Some(counts);
        Ok(())
    }

    fn to_agents(&self, frame: &QueueFrame) -> Result<()> {
        let frame = serde_json::to_string(frame)?;
        let mut consoles = self.consoles.borrow_mut();
        let consoles = consoles.get_or_insert_with(|| {
            self.state
                .get_websockets()
                .into_iter()
                .filter(|ws| matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { agent: Some(_), .. }))))
                .collect()
        });
        for ws in consoles.iter() {
            let _ = ws.send_with_str(&frame);
        }
        Ok(())
    }

    /// WAITING sessions, longest waiting first (read from the line's index).
    fn line(&self) -> Result<Vec<SessionId>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let rows: Vec<Row> =
            self.sql.exec("SELECT id FROM sessions WHERE status = 'WAITING' ORDER BY waiting_since, id", None)?.to_array()?;
        Ok(rows.into_iter().map(|r| SessionId(r.id)).collect())
    }

    /// One session's place in line: the waiting sessions ahead of it, counted on the index.
    fn position_of(&self, id: &SessionId) -> Result<Option<u32>> {
        #[derive(Deserialize)]
        struct Row {
            ahead: Option<f64>,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT (SELECT COUNT(*) FROM sessions o WHERE o.status = 'WAITING'
                           AND (o.waiting_since < s.waiting_since OR (o.waiting_since = s.waiting_since AND o.id < s.id))) AS ahead
                 FROM sessions s WHERE s.id = ? AND s.status = 'WAITING'",
                vec![id.0.clone().into()],
            )?
            .to_array()?;
        Ok(rows.first().and_then(|r| r.ahead).map(|n| n as u32 + 1))
    }

    /// The line changed: tells each waiting session whose place moved its
    /// new one (after a wake-up, all of them once), without waiting for
    /// the answers. A session joining the back of the line is one message.
    fn announce_line(&self, site: &SiteId) -> Result<()> {
        let line = self.line()?;
        let mut told = self.line.borrow_mut();
        let before = told.take();
        let mut moved = Vec::new();
        let mut now = HashMap::with_capacity(line.len());
        for (i, id) in line.into_iter().enumerate() {
            let position = i as u32 + 1;
            if before.as_ref().and_then(|b| b.get(&id)) != Some(&position) {
                moved.push((internal::Session::of(&self.env, site, &id)?, id.clone(), position));
            }
            now.insert(id, position);
        }
        *told = Some(now);
        if moved.is_empty() {
            return Ok(());
        }
        self.state.wait_until(async move {
            let sends = moved.iter().map(|(session, id, position)| async move {
                if let Err(e) = session.position(*position).await {
                    worker::console_error!("SiteQueue: telling {id} its position failed: {e}");
                }
            });
            futures_util::future::join_all(sends).await;
        });
        Ok(())
    }

    /// Every agent of the site, with the best status among their open
    /// consoles (online over away), or offline without one.
    async fn push_presence(&self, site: &SiteId) -> Result<()> {
        let sites = config::sites(&self.env)?;
        let Some(config) = sites.get(site) else { return Ok(()) };
        let roster = accounts::all(&self.env, site, config).await?;
        let consoles: Vec<Attachment> =
            self.state.get_websockets().iter().filter_map(|ws| ws.deserialize_attachment::<Attachment>().ok().flatten()).collect();
        let agents = roster
            .iter()
            .map(|account| {
                let mine = consoles.iter().filter(|c| c.agent.as_ref().is_some_and(|a| a.id == account.id));
                let status = mine.fold(Presence::Offline, |best, c| match (best, c.away) {
                    (Presence::Online, _) | (_, false) => Presence::Online,
                    _ => Presence::Away,
                });
                AgentPresence { agent: account.as_ref(), status }
            })
            .collect();
        self.to_agents(&QueueFrame::Presence { agents })
    }

    /// The site this queue serves, from any of its consoles (the object is
    /// named by site, but only sockets carry it as data).
    fn any_site(&self) -> Option<SiteId> {
        self.state.get_websockets().iter().find_map(|ws| ws.deserialize_attachment::<Attachment>().ok().flatten().map(|a| a.site))
    }

    /// Sessions whose visitor name, email or order reference, or any
    /// message, contains `query`, newest first.
    fn search(&self, query: &str) -> Result<Vec<SessionId>> {
        let query = query.trim();
        if query.is_empty() {
            return Ok(Vec::new());
        }
        let escaped: String = query.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
        let pattern = format!("%{escaped}%");
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT id FROM sessions
                 WHERE json_extract(json, '$.visitor.name') LIKE ?1 ESCAPE '\\'
                    OR json_extract(json, '$.visitor.email') LIKE ?1 ESCAPE '\\'
                    OR json_extract(json, '$.order_ref') LIKE ?1 ESCAPE '\\'
                    OR json_extract(json, '$.visitor.orders') LIKE ?1 ESCAPE '\\'
                    OR id IN (SELECT id FROM texts WHERE text LIKE ?1 ESCAPE '\\')
                 ORDER BY updated_at DESC LIMIT ?2",
                vec![pattern.into(), (SEARCH_LIMIT as i64).into()],
            )?
            .to_array()?;
        Ok(rows.into_iter().map(|r| SessionId(r.id)).collect())
    }

    /// The summaries `/assign` (by id prefix) or `/contact` (by the
    /// visitor's name, email or user id) means, newest first.
    fn lookup(&self, lookup: &porchlight_protocol::team::lookup::Lookup) -> Result<Vec<SessionSummary>> {
        use porchlight_protocol::team::lookup::{like_pattern, Lookup, MAX_CONTACT_HITS};
        #[derive(Deserialize)]
        struct Row {
            json: String,
        }
        let rows: Vec<Row> = match lookup {
            Lookup::Session { prefix } => {
                // Hex only (the parse checked): nothing to escape.
                let hex: String = prefix.chars().filter(char::is_ascii_hexdigit).collect::<String>().to_ascii_lowercase();
                self.sql
                    .exec("SELECT json FROM sessions WHERE id LIKE ?1 ORDER BY updated_at DESC LIMIT 10", vec![format!("{hex}%").into()])?
                    .to_array()?
            }
            Lookup::Contact { query } => self
                .sql
                .exec(
                    "SELECT json FROM sessions
                     WHERE json_extract(json, '$.visitor.name') LIKE ?1 ESCAPE '\\'
                        OR json_extract(json, '$.visitor.email') LIKE ?1 ESCAPE '\\'
                        OR lower(json_extract(json, '$.visitor.user_id')) = lower(?2)
                     ORDER BY updated_at DESC LIMIT ?3",
                    vec![like_pattern(query).into(), query.trim().to_owned().into(), ((MAX_CONTACT_HITS + 1) as i64).into()],
                )?
                .to_array()?,
        };
        rows.iter().map(|r| serde_json::from_str(&r.json).map_err(worker::Error::from)).collect()
    }

    fn count_stats(&self) -> Result<SiteStats> {
        #[derive(Deserialize)]
        struct Row {
            with_bot: Option<f64>,
            resolved: Option<f64>,
            handed: Option<f64>,
        }
        let row: Row = self
            .sql
            .exec(
                "SELECT SUM(status = 'BOT') AS with_bot, SUM(closed_by = 'bot') AS resolved, SUM(handed_off = 1) AS handed
                 FROM sessions",
                None,
            )?
            .one()?;
        let n = |v: Option<f64>| v.unwrap_or(0.0) as u64;
        Ok(SiteStats { with_bot: n(row.with_bot), resolved_by_bot: n(row.resolved), handed_off: n(row.handed) })
    }

    fn push_stats(&self) -> Result<()> {
        let counted = *self.counts.borrow();
        let Some(stats) = counted else { return Ok(()) };
        if *self.stats.borrow() != Some(stats) {
            *self.stats.borrow_mut() = Some(stats);
            self.to_agents(&QueueFrame::Stats { stats })?;
        }
        Ok(())
    }

    fn snapshot(&self) -> Result<Vec<SessionSummary>> {
        #[derive(Deserialize)]
        struct Row {
            json: String,
        }
        let rows: Vec<Row> = self
            .sql
            .exec("SELECT json FROM sessions ORDER BY updated_at DESC LIMIT ?", vec![(SNAPSHOT_LIMIT as i64).into()])?
            .to_array()?;
        rows.iter().map(|r| serde_json::from_str(&r.json).map_err(worker::Error::from)).collect()
    }
}
