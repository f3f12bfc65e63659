//! `SiteQueue`: the Durable Object that holds one site's agent queue.
//!
//! Each [`crate::session::ChatSession`] pushes its summary here after every
//! change (`POST /upsert`); the queue stores the newest revision of each and
//! pushes it to every signed-in agent console. Agents' sockets hibernate
//! between updates.
//!
//! It also keeps the line: when the order of WAITING sessions changes it
//! tells each of them its position (`POST /position` to the session, which
//! relays it to the visitor), and it answers `GET /position/{id}` for a
//! visitor who just connected. After every change it recounts the site's
//! bot figures ([`SiteStats`]) and pushes them if they moved.

use crate::session::{Position, PositionAnswer, QueueUpdate, SearchText};
use crate::util::{self, parse_frame, send, Incoming};
use crate::{accounts, config};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::validate::MAX_FRAME_BYTES;
use porchlight_protocol::{
    AgentPresence, ErrorCode, Presence, QueueClientFrame, QueueFrame, SessionId, SessionSummary, SiteId, SiteStats,
};
use std::cell::RefCell;
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, SqlStorage, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

/// How many sessions a console's snapshot carries, newest first.
const SNAPSHOT_LIMIT: usize = 500;
/// How many sessions a search returns.
const SEARCH_LIMIT: usize = 200;
/// Longest search query accepted, in characters.
const MAX_QUERY_CHARS: usize = 200;

/// `POST /revoked`: an ADMIN revoked this agent; close their consoles.
#[derive(Serialize, Deserialize)]
pub struct Revoked {
    pub agent: porchlight_protocol::AgentId,
}

#[derive(Serialize, Deserialize)]
struct Attachment {
    site: SiteId,
    agent: Option<AgentRef>,
    /// The agent said they stepped away.
    #[serde(default)]
    away: bool,
}

#[durable_object]
pub struct SiteQueue {
    state: State,
    env: Env,
    sql: SqlStorage,
    /// The WAITING line as last announced to the sessions in it (`None`
    /// after a wake-up: announce again on the next change).
    line: RefCell<Option<Vec<SessionId>>>,
    stats: RefCell<Option<SiteStats>>,
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
        SiteQueue { state, env, sql, line: RefCell::new(None), stats: RefCell::new(None) }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/upsert" => {
                let QueueUpdate { site, summary, text } = req.json().await?;
                match text {
                    Some(SearchText { seq, text: Some(text) }) => {
                        self.sql.exec(
                            "INSERT INTO texts (id, seq, text) VALUES (?, ?, ?) ON CONFLICT (id, seq) DO UPDATE SET text = excluded.text",
                            vec![summary.id.0.clone().into(), (seq.0 as i64).into(), text.into()],
                        )?;
                    }
                    Some(SearchText { seq, text: None }) => {
                        self.sql.exec(
                            "DELETE FROM texts WHERE id = ? AND seq = ?",
                            vec![summary.id.0.clone().into(), (seq.0 as i64).into()],
                        )?;
                    }
                    None => {}
                }
                if self.upsert(summary)? {
                    self.push_stats()?;
                    self.announce_line(&site).await?;
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            path if path.starts_with("/position/") => {
                let id = SessionId::parse(&path["/position/".len()..]);
                let position = match id {
                    Some(id) => self.line()?.iter().position(|s| *s == id).map(|i| i as u32 + 1),
                    None => None,
                };
                Response::from_json(&PositionAnswer { position })
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
                        }
                    }
                }
                if let Some(site) = self.any_site() {
                    self.push_presence(&site).await?;
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/agent" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                let pair = WebSocketPair::new()?;
                self.state.accept_web_socket(&pair.server);
                pair.server.serialize_attachment(Attachment { site, agent: None, away: false })?;
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
                let account = match sites.get(&attachment.site) {
                    Some(config) => accounts::by_token(&self.env, &attachment.site, config, &token).await?,
                    None => None,
                };
                let Some(agent) = account else {
                    send(&ws, &error(ErrorCode::Unauthorized, "That agent token is not valid for this site.".into()));
                    let _ = ws.close(Some(1008), Some("unauthorized"));
                    return Ok(());
                };
                attachment.agent = Some(agent.as_ref());
                ws.serialize_attachment(&attachment)?;
                send(&ws, &QueueFrame::Snapshot { agent: agent.as_ref(), sessions: self.snapshot()? });
                send(&ws, &QueueFrame::Stats { stats: self.count_stats()? });
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
    /// Stores `summary` unless a newer revision is already stored, and pushes
    /// it to signed-in agents if it was news. Returns whether it was.
    fn upsert(&self, summary: SessionSummary) -> Result<bool> {
        let cursor = self.sql.exec(
            "INSERT INTO sessions (id, rev, updated_at, json) VALUES (?, ?, ?, ?)
             ON CONFLICT (id) DO UPDATE SET rev = excluded.rev, updated_at = excluded.updated_at, json = excluded.json
             WHERE excluded.rev > sessions.rev",
            vec![
                summary.id.0.clone().into(),
                (summary.rev as i64).into(),
                (summary.updated_at as i64).into(),
                serde_json::to_string(&summary)?.into(),
            ],
        )?;
        // Drain the cursor so the write counters are final.
        let _ = cursor.to_array::<serde_json::Value>();
        if cursor.rows_written() == 0 {
            return Ok(false);
        }
        self.to_agents(&QueueFrame::Upsert { session: summary })?;
        Ok(true)
    }

    fn to_agents(&self, frame: &QueueFrame) -> Result<()> {
        let frame = serde_json::to_string(frame)?;
        for ws in self.state.get_websockets() {
            if matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { agent: Some(_), .. }))) {
                let _ = ws.send_with_str(&frame);
            }
        }
        Ok(())
    }

    /// WAITING sessions, longest waiting first.
    fn line(&self) -> Result<Vec<SessionId>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
        }
        let rows: Vec<Row> = self
            .sql
            .exec(
                "SELECT id FROM sessions WHERE json_extract(json, '$.status') = 'WAITING'
                 ORDER BY json_extract(json, '$.waiting_since'), id",
                None,
            )?
            .to_array()?;
        Ok(rows.into_iter().map(|r| SessionId(r.id)).collect())
    }

    /// Tells every session in the line its place, if the line changed.
    async fn announce_line(&self, site: &SiteId) -> Result<()> {
        let line = self.line()?;
        if self.line.borrow().as_ref() == Some(&line) {
            return Ok(());
        }
        *self.line.borrow_mut() = Some(line.clone());
        let sessions = self.env.durable_object("CHAT_SESSION")?;
        for (i, id) in line.iter().enumerate() {
            let stub = sessions.get_by_name(&crate::api::session_object_name(site, id))?;
            let position = Position { position: i as u32 + 1 };
            if let Err(e) = stub.fetch_with_request(util::internal_post("/position", &position)?).await {
                worker::console_error!("SiteQueue: telling {id} its position failed: {e}");
            }
        }
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
                    OR id IN (SELECT id FROM texts WHERE text LIKE ?1 ESCAPE '\\')
                 ORDER BY updated_at DESC LIMIT ?2",
                vec![pattern.into(), (SEARCH_LIMIT as i64).into()],
            )?
            .to_array()?;
        Ok(rows.into_iter().map(|r| SessionId(r.id)).collect())
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
                "SELECT SUM(json_extract(json, '$.status') = 'BOT') AS with_bot,
                        SUM(json_extract(json, '$.closed_by') = 'bot') AS resolved,
                        SUM(json_extract(json, '$.handed_off') = 1) AS handed
                 FROM sessions",
                None,
            )?
            .one()?;
        let n = |v: Option<f64>| v.unwrap_or(0.0) as u64;
        Ok(SiteStats { with_bot: n(row.with_bot), resolved_by_bot: n(row.resolved), handed_off: n(row.handed) })
    }

    fn push_stats(&self) -> Result<()> {
        let stats = self.count_stats()?;
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
