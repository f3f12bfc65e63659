//! `SiteDesk`: one per site, the site's back office. It holds what
//! outlives any one chat and is not the live queue:
//!
//! - **tickets** made from sessions, numbered 1, 2, 3… per site;
//! - **agent accounts** created by ADMINs over the API (token hashes only;
//!   revoking keeps the row, so an id is never reused by someone else);
//! - **hours** an ADMIN set over the API (they override `SITES`' until removed);
//! - **webhooks**: the site's endpoints, and an outbox of deliveries that
//!   a Durable Object alarm works through, retrying with backoff
//!   ([`porchlight_protocol::webhook::retry_delay_ms`]) until a 2xx.
//!
//! Sessions post events here from their own outboxes (`POST /events`, in
//! batches): the deliveries are written before the answer, so an event is
//! never lost to a receiver being down, and the alarm survives restarts.
//! Each event comes with an id fixed by the session (its seq), and
//! `(hook, event_id)` is unique, so a batch a session retries after a lost
//! answer is stored once.

use crate::crypto;
use crate::util::now_ms;
use porchlight_protocol::hours::Hours;
use porchlight_protocol::internal::{EventBatch, TicketDraft, TicketReplyDraft, TokenCheck};
use porchlight_protocol::site::{constant_time_eq, AgentAccount, Role};
use porchlight_protocol::ticket::{Ticket, TicketList, TicketReply, TicketSummary};
use porchlight_protocol::webhook::{self, Event, RegisterWebhook, Webhook, WebhookEvent};
use porchlight_protocol::{AgentId, ErrorBody, ErrorCode, SiteId};
use serde::Deserialize;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, ResponseBuilder, Result, SqlStorage, State};

/// How long one delivery may take before it counts as failed.
const DELIVERY_TIMEOUT_MS: u32 = 10_000;
/// Deliveries tried per alarm run; the rest wait for the next run.
const BATCH: usize = 50;

#[durable_object]
pub struct SiteDesk {
    state: State,
    sql: SqlStorage,
}

impl DurableObject for SiteDesk {
    fn new(state: State, _env: Env) -> Self {
        let sql = state.storage().sql();
        let schema = [
            "CREATE TABLE IF NOT EXISTS tickets (number INTEGER PRIMARY KEY AUTOINCREMENT, session TEXT NOT NULL UNIQUE,
                created_at INTEGER NOT NULL, json TEXT NOT NULL)",
            "CREATE TABLE IF NOT EXISTS webhooks (id TEXT PRIMARY KEY, url TEXT NOT NULL, secret TEXT NOT NULL,
                created_at INTEGER NOT NULL)",
            "CREATE TABLE IF NOT EXISTS deliveries (id INTEGER PRIMARY KEY AUTOINCREMENT, hook TEXT NOT NULL,
                event_id TEXT NOT NULL, kind TEXT NOT NULL, body TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0,
                next_at INTEGER NOT NULL, state TEXT NOT NULL DEFAULT 'pending', last_error TEXT)",
            "CREATE INDEX IF NOT EXISTS deliveries_due ON deliveries (state, next_at)",
            // A session's retried batch must not deliver an event twice.
            "CREATE UNIQUE INDEX IF NOT EXISTS deliveries_once ON deliveries (hook, event_id)",
            "CREATE TABLE IF NOT EXISTS agents (id TEXT PRIMARY KEY, name TEXT NOT NULL, role TEXT NOT NULL,
                token_sha256 TEXT NOT NULL UNIQUE, created_at INTEGER NOT NULL, revoked_at INTEGER)",
            // Site settings made over the API, one JSON value per key (`hours`).
            "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, json TEXT NOT NULL)",
        ];
        for statement in schema {
            if let Err(e) = sql.exec(statement, None) {
                worker::console_error!("SiteDesk: creating schema failed: {e}");
            }
        }
        SiteDesk { state, sql }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (req.method(), segments.as_slice()) {
            (Method::Post, ["tickets"]) => {
                let draft: TicketDraft = req.json().await?;
                let (ticket, new) = self.create_ticket(draft)?;
                if new {
                    let id = format!("evt_{}", crypto::random_hex(12)?);
                    self.emit(&ticket.site, vec![(id, Event::TicketCreated(ticket.clone()))]).await?;
                }
                Response::from_json(&ticket)
            }
            (Method::Get, ["tickets"]) => Response::from_json(&self.tickets()?),
            (Method::Post, ["tickets", number, "replies"]) => {
                let draft: TicketReplyDraft = req.json().await?;
                let Some(mut ticket) = number.parse::<u64>().ok().map(|n| self.ticket(n)).transpose()?.flatten() else {
                    return not_found("Ticket");
                };
                let reply = TicketReply { agent: draft.agent, text: draft.text, at: now_ms() };
                ticket.replies.push(reply.clone());
                self.sql.exec(
                    "UPDATE tickets SET json = ? WHERE number = ?",
                    vec![serde_json::to_string(&ticket)?.into(), (ticket.number as i64).into()],
                )?;
                let event = Event::TicketReplied {
                    ticket: ticket.number,
                    session: ticket.session.clone(),
                    requester: ticket.requester.clone(),
                    reply,
                };
                let id = format!("evt_{}", crypto::random_hex(12)?);
                self.emit(&ticket.site, vec![(id, event)]).await?;
                Response::from_json(&ticket)
            }
            (Method::Get, ["tickets", number]) => match number.parse::<u64>().ok().map(|n| self.ticket(n)).transpose()?.flatten() {
                Some(ticket) => Response::from_json(&ticket),
                None => not_found("Ticket"),
            },
            (Method::Post, ["events"]) => {
                let EventBatch { site, events } = req.json().await?;
                let hooks = self.emit(&site, events.into_iter().map(|e| (e.id, e.event)).collect()).await?;
                // Sessions of a site without endpoints may batch more lazily.
                let headers = worker::Headers::new();
                headers.set(crate::internal::HOOKS_HEADER, &hooks.to_string())?;
                Ok(ResponseBuilder::new().with_status(204).with_headers(headers).empty())
            }
            (Method::Post, ["agents", "auth"]) => {
                let TokenCheck { token_sha256 } = req.json().await?;
                match self.agents()?.into_iter().find(|a| constant_time_eq(a.token_sha256.as_bytes(), token_sha256.as_bytes())) {
                    Some(account) => Response::from_json(&account),
                    None => not_found("Agent"),
                }
            }
            (Method::Get, ["agents"]) => Response::from_json(&self.agents()?),
            (Method::Post, ["agents"]) => {
                let account: AgentAccount = req.json().await?;
                let taken: Vec<JsonRow> =
                    self.sql.exec("SELECT id AS json FROM agents WHERE id = ?", vec![account.id.0.clone().into()])?.to_array()?;
                if !taken.is_empty() {
                    let body =
                        ErrorBody::new(ErrorCode::BadFrame, format!("There is already an agent `{}` (ids are never reused).", account.id));
                    return Ok(Response::from_json(&body)?.with_status(409));
                }
                self.sql.exec(
                    "INSERT INTO agents (id, name, role, token_sha256, created_at) VALUES (?, ?, ?, ?, ?)",
                    vec![
                        account.id.0.clone().into(),
                        account.name.clone().into(),
                        serde_json::to_value(account.role)?.as_str().unwrap_or("AGENT").to_owned().into(),
                        account.token_sha256.clone().into(),
                        (now_ms() as i64).into(),
                    ],
                )?;
                Ok(Response::from_json(&account)?.with_status(201))
            }
            (Method::Delete, ["agents", id]) => {
                let revoked = self
                    .sql
                    .exec(
                        "UPDATE agents SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL",
                        vec![(now_ms() as i64).into(), id.to_string().into()],
                    )?
                    .rows_written();
                if revoked == 0 {
                    return not_found("Agent");
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            // The API's hours, if an ADMIN set some: `{"hours": {...} | null}`.
            (Method::Get, ["hours"]) => {
                let rows: Vec<JsonRow> = self.sql.exec("SELECT json FROM settings WHERE key = 'hours'", None)?.to_array()?;
                let hours: Option<Hours> = rows.first().map(|r| serde_json::from_str(&r.json)).transpose()?;
                Response::from_json(&serde_json::json!({ "hours": hours }))
            }
            (Method::Put, ["hours"]) => {
                let hours: Hours = req.json().await?;
                self.sql.exec(
                    "INSERT INTO settings (key, json) VALUES ('hours', ?) ON CONFLICT (key) DO UPDATE SET json = excluded.json",
                    vec![serde_json::to_string(&hours)?.into()],
                )?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            (Method::Delete, ["hours"]) => {
                self.sql.exec("DELETE FROM settings WHERE key = 'hours'", None)?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            (Method::Get, ["webhooks"]) => Response::from_json(&self.webhooks()?),
            (Method::Post, ["webhooks"]) => {
                let Ok(RegisterWebhook { url }) = req.json().await else {
                    return bad(ErrorCode::BadFrame, "The body must be {\"url\": \"https://…\"}.");
                };
                if let Err(why) = webhook::check_url(&url) {
                    return bad(ErrorCode::BadFrame, &why);
                }
                let hook = Webhook {
                    id: format!("wh_{}", crypto::random_hex(8)?),
                    url: url.trim().to_owned(),
                    created_at: now_ms(),
                    secret: Some(format!("whsec_{}", crypto::random_hex(24)?)),
                };
                self.sql.exec(
                    "INSERT INTO webhooks (id, url, secret, created_at) VALUES (?, ?, ?, ?)",
                    vec![
                        hook.id.clone().into(),
                        hook.url.clone().into(),
                        hook.secret.clone().unwrap_or_default().into(),
                        (hook.created_at as i64).into(),
                    ],
                )?;
                Ok(Response::from_json(&hook)?.with_status(201))
            }
            (Method::Delete, ["webhooks", id]) => {
                let gone = self.sql.exec("DELETE FROM webhooks WHERE id = ?", vec![id.to_string().into()])?.rows_written();
                self.sql.exec("DELETE FROM deliveries WHERE hook = ? AND state = 'pending'", vec![id.to_string().into()])?;
                if gone == 0 {
                    return not_found("Webhook");
                }
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            _ => not_found("Route"),
        }
    }

    async fn alarm(&self) -> Result<Response> {
        self.deliver_due().await?;
        self.schedule().await?;
        Ok(ResponseBuilder::new().with_status(204).empty())
    }
}

fn not_found(what: &str) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(ErrorCode::NotFound, format!("{what} not found.")))?.with_status(404))
}

fn bad(code: ErrorCode, message: &str) -> Result<Response> {
    Ok(Response::from_json(&ErrorBody::new(code, message))?.with_status(400))
}

#[derive(Deserialize)]
struct JsonRow {
    json: String,
}

impl SiteDesk {
    /// Stores the ticket for `draft.session`, or returns the one it already
    /// has (a retried request); the flag says whether it is new.
    fn create_ticket(&self, draft: TicketDraft) -> Result<(Ticket, bool)> {
        let existing: Vec<JsonRow> =
            self.sql.exec("SELECT json FROM tickets WHERE session = ?", vec![draft.session.0.clone().into()])?.to_array()?;
        if let Some(row) = existing.first() {
            return Ok((serde_json::from_str(&row.json)?, false));
        }
        let created_at = now_ms();
        #[derive(Deserialize)]
        struct Number {
            number: f64,
        }
        let Number { number } = self
            .sql
            .exec(
                "INSERT INTO tickets (session, created_at, json) VALUES (?, ?, '{}') RETURNING number",
                vec![draft.session.0.clone().into(), (created_at as i64).into()],
            )?
            .one()?;
        let ticket = Ticket {
            number: number as u64,
            site: draft.site,
            session: draft.session,
            subject: draft.subject,
            requester: draft.requester,
            description: draft.description,
            created_by: draft.created_by,
            created_at,
            source: draft.source,
            replies: Vec::new(),
        };
        self.sql.exec(
            "UPDATE tickets SET json = ? WHERE number = ?",
            vec![serde_json::to_string(&ticket)?.into(), (ticket.number as i64).into()],
        )?;
        Ok((ticket, true))
    }

    fn ticket(&self, number: u64) -> Result<Option<Ticket>> {
        let rows: Vec<JsonRow> = self.sql.exec("SELECT json FROM tickets WHERE number = ?", vec![(number as i64).into()])?.to_array()?;
        rows.first().map(|r| serde_json::from_str(&r.json).map_err(worker::Error::from)).transpose()
    }

    fn tickets(&self) -> Result<TicketList> {
        let rows: Vec<JsonRow> = self.sql.exec("SELECT json FROM tickets ORDER BY number DESC LIMIT 500", None)?.to_array()?;
        let tickets = rows
            .iter()
            .map(|r| {
                let t: Ticket = serde_json::from_str(&r.json)?;
                Ok(TicketSummary {
                    number: t.number,
                    session: t.session,
                    subject: t.subject,
                    requester: t.requester,
                    created_by: t.created_by,
                    created_at: t.created_at,
                    source: t.source,
                })
            })
            .collect::<Result<_>>()?;
        Ok(TicketList { tickets })
    }

    /// Current (not revoked) API-made accounts, oldest first.
    fn agents(&self) -> Result<Vec<AgentAccount>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            name: String,
            role: String,
            token_sha256: String,
        }
        let rows: Vec<Row> = self
            .sql
            .exec("SELECT id, name, role, token_sha256 FROM agents WHERE revoked_at IS NULL ORDER BY created_at", None)?
            .to_array()?;
        Ok(rows
            .into_iter()
            .map(|r| AgentAccount {
                id: AgentId(r.id),
                name: r.name,
                token_sha256: r.token_sha256,
                role: if r.role == "ADMIN" { Role::Admin } else { Role::Agent },
            })
            .collect())
    }

    fn webhooks(&self) -> Result<Vec<Webhook>> {
        #[derive(Deserialize)]
        struct Row {
            id: String,
            url: String,
            created_at: f64,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT id, url, created_at FROM webhooks ORDER BY created_at", None)?.to_array()?;
        Ok(rows.into_iter().map(|r| Webhook { id: r.id, url: r.url, created_at: r.created_at as u64, secret: None }).collect())
    }

    /// Queues one delivery of each event (with its id) per endpoint, once
    /// per id, then wakes the alarm.
    /// Answers how many endpoints the site has.
    async fn emit(&self, site: &SiteId, events: Vec<(String, Event)>) -> Result<usize> {
        let hooks = self.webhooks()?;
        if hooks.is_empty() || events.is_empty() {
            return Ok(hooks.len());
        }
        for (id, event) in events {
            let kind = event.kind();
            let body = WebhookEvent { id, site: site.clone(), at: now_ms(), event };
            let json = serde_json::to_string(&body)?;
            for hook in &hooks {
                self.sql.exec(
                    "INSERT INTO deliveries (hook, event_id, kind, body, next_at) VALUES (?, ?, ?, ?, ?)
                     ON CONFLICT (hook, event_id) DO NOTHING",
                    vec![hook.id.clone().into(), body.id.clone().into(), kind.into(), json.clone().into(), (now_ms() as i64).into()],
                )?;
            }
        }
        self.schedule().await?;
        Ok(hooks.len())
    }

    /// Sets the alarm for the earliest pending delivery (now, if one is due).
    async fn schedule(&self) -> Result<()> {
        #[derive(Deserialize)]
        struct Next {
            next: Option<f64>,
        }
        let Next { next } = self.sql.exec("SELECT MIN(next_at) AS next FROM deliveries WHERE state = 'pending'", None)?.one()?;
        if let Some(next) = next {
            let offset = (next as i64 - now_ms() as i64).max(0);
            self.state.storage().set_alarm(offset).await?;
        }
        Ok(())
    }

    async fn deliver_due(&self) -> Result<()> {
        #[derive(Deserialize)]
        struct Due {
            id: f64,
            url: String,
            secret: String,
            event_id: String,
            kind: String,
            body: String,
            attempts: f64,
        }
        let due: Vec<Due> = self
            .sql
            .exec(
                &format!(
                    "SELECT d.id, w.url, w.secret, d.event_id, d.kind, d.body, d.attempts
                     FROM deliveries d JOIN webhooks w ON w.id = d.hook
                     WHERE d.state = 'pending' AND d.next_at <= ? ORDER BY d.id LIMIT {BATCH}"
                ),
                vec![(now_ms() as i64).into()],
            )?
            .to_array()?;
        for d in due {
            let outcome = post(&d.url, &d.secret, &d.event_id, &d.kind, &d.body).await;
            let attempts = d.attempts as u32 + 1;
            match outcome {
                Ok(()) => {
                    self.sql.exec(
                        "UPDATE deliveries SET state = 'delivered', attempts = ?, last_error = NULL WHERE id = ?",
                        vec![i64::from(attempts).into(), (d.id as i64).into()],
                    )?;
                }
                Err(why) => {
                    let state = if attempts >= webhook::MAX_ATTEMPTS { "failed" } else { "pending" };
                    let next_at = now_ms() + webhook::retry_delay_ms(attempts);
                    worker::console_log!("webhook {} to {}: attempt {attempts} failed ({why})", d.event_id, d.url);
                    self.sql.exec(
                        "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
                        vec![state.into(), i64::from(attempts).into(), (next_at as i64).into(), why.into(), (d.id as i64).into()],
                    )?;
                }
            }
        }
        // Delivered rows are kept a day, for the record, then dropped.
        self.sql.exec("DELETE FROM deliveries WHERE state != 'pending' AND next_at < ?", vec![(now_ms() as i64 - 86_400_000).into()])?;
        Ok(())
    }
}

/// One signed POST; `Err` says why it does not count as delivered.
async fn post(url: &str, secret: &str, event_id: &str, kind: &str, body: &str) -> std::result::Result<(), String> {
    let attempt = async {
        let headers = worker::Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("user-agent", "Porchlight-Webhooks/1")?;
        headers.set("porchlight-event", kind)?;
        headers.set("porchlight-delivery", event_id)?;
        headers.set("porchlight-signature", &format!("sha256={}", crypto::hmac_sha256_hex(secret, body)))?;
        let mut init = worker::RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into()));
        let req = Request::new_with_init(url, &init)?;
        let signal = worker::AbortSignal::from(web_sys::AbortSignal::timeout_with_u32(DELIVERY_TIMEOUT_MS));
        let resp = worker::Fetch::Request(req).send_with_signal(&signal).await?;
        Ok::<u16, worker::Error>(resp.status_code())
    };
    match attempt.await {
        Ok(status) if (200..300).contains(&status) => Ok(()),
        Ok(status) => Err(format!("answered {status}")),
        Err(e) => Err(e.to_string()),
    }
}
