//! `SiteQueue`: the Durable Object that holds one site's agent queue.
//!
//! Each [`crate::session::ChatSession`] pushes its summary here after every
//! change (`POST /upsert`); the queue stores the newest revision of each and
//! pushes it to every signed-in agent console. Agents' sockets hibernate
//! between updates.

use crate::util::{self, parse_frame, send, Incoming};
use crate::{config, crypto};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::validate::MAX_FRAME_BYTES;
use porchlight_protocol::{ErrorCode, QueueClientFrame, QueueFrame, SessionSummary, SiteId};
use serde::{Deserialize, Serialize};
use worker::{
    durable_object, DurableObject, Env, Request, Response, ResponseBuilder, Result, SqlStorage, State, WebSocket,
    WebSocketIncomingMessage, WebSocketPair,
};

/// How many sessions a console's snapshot carries, newest first.
const SNAPSHOT_LIMIT: usize = 500;

#[derive(Serialize, Deserialize)]
struct Attachment {
    site: SiteId,
    agent: Option<AgentRef>,
}

#[durable_object]
pub struct SiteQueue {
    state: State,
    env: Env,
    sql: SqlStorage,
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
        SiteQueue { state, env, sql }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        match req.path().as_str() {
            "/upsert" => {
                let summary: SessionSummary = req.json().await?;
                self.upsert(summary)?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            "/agent" => {
                let site = req.headers().get("x-porchlight-site")?.and_then(|s| SiteId::parse(&s));
                let Some(site) = site else { return Response::error("missing site", 400) };
                let pair = WebSocketPair::new()?;
                self.state.accept_web_socket(&pair.server);
                pair.server.serialize_attachment(Attachment { site, agent: None })?;
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
            QueueClientFrame::Hello { .. } if attachment.agent.is_some() => {
                send(&ws, &error(ErrorCode::BadFrame, "Already signed in.".into()));
            }
            QueueClientFrame::Hello { token } => {
                let sites = config::sites(&self.env)?;
                let hash = crypto::sha256_hex(&token);
                let Some(agent) = sites.get(&attachment.site).and_then(|s| s.agent_by_token_hash(&hash)) else {
                    send(&ws, &error(ErrorCode::Unauthorized, "That agent token is not valid for this site.".into()));
                    let _ = ws.close(Some(1008), Some("unauthorized"));
                    return Ok(());
                };
                attachment.agent = Some(agent.as_ref());
                ws.serialize_attachment(&attachment)?;
                send(&ws, &QueueFrame::Snapshot { agent: agent.as_ref(), sessions: self.snapshot()? });
            }
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

fn error(code: ErrorCode, message: String) -> QueueFrame {
    QueueFrame::Error { code, message }
}

impl SiteQueue {
    /// Stores `summary` unless a newer revision is already stored, and pushes
    /// it to signed-in agents if it was news.
    fn upsert(&self, summary: SessionSummary) -> Result<()> {
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
            return Ok(());
        }
        let frame = serde_json::to_string(&QueueFrame::Upsert { session: summary })?;
        for ws in self.state.get_websockets() {
            if matches!(ws.deserialize_attachment::<Attachment>(), Ok(Some(Attachment { agent: Some(_), .. }))) {
                let _ = ws.send_with_str(&frame);
            }
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
