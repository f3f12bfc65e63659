//! `SiteDesk`: one per site, the site's back office. It holds what
//! outlives any one chat and is not the live queue:
//!
//! - **tickets** made from sessions, numbered 1, 2, 3… per site;
//! - **agent accounts** created by ADMINs over the API (token hashes only;
//!   revoking keeps the row, so an id is never reused by someone else);
//! - **abuse limits** per client address ([`crate::limiter`]);
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
use porchlight_protocol::internal::{EventBatch, IdentityLink, IdentityQuery, SessionRef, TicketDraft, TicketReplyDraft, TokenCheck};
use porchlight_protocol::site::{constant_time_eq, AgentAccount, Role};
use porchlight_protocol::ticket::{Ticket, TicketList, TicketReply, TicketSummary};
use porchlight_protocol::webhook::{self, Event, RegisterWebhook, Webhook, WebhookEvent};
use porchlight_protocol::{AgentId, ErrorBody, ErrorCode, SiteId};
use serde::Deserialize;
use std::cell::RefCell;
use std::collections::HashSet;
use std::rc::Rc;
use worker::{durable_object, DurableObject, Env, Method, Request, Response, ResponseBuilder, Result, SqlStorage, State};

/// How long one delivery may take before it counts as failed.
const DELIVERY_TIMEOUT_MS: u32 = 10_000;
/// Deliveries one endpoint's run reads at a time (it reads again until none is due).
const BATCH: usize = 20;
/// While deliveries run, the alarm comes back this often to start runs for
/// endpoints that have none (and to pick up what a lost run left).
const BACKSTOP_MS: i64 = 5_000;

#[durable_object]
pub struct SiteDesk {
    state: State,
    sql: SqlStorage,
    /// Endpoints with a delivery run going: one run per endpoint delivers
    /// its events in order, and runs of different endpoints go side by
    /// side, so a slow receiver delays only itself.
    running: Rc<RefCell<HashSet<String>>>,
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
            crate::limiter::SCHEMA,
            crate::desk_keys::SCHEMA,
            // Verified users' sessions: continuity, and export or erase by user id.
            "CREATE TABLE IF NOT EXISTS identities (user_id TEXT NOT NULL, session TEXT NOT NULL, created_at INTEGER NOT NULL,
                PRIMARY KEY (user_id, session))",
            "CREATE INDEX IF NOT EXISTS identities_by_session ON identities (session)",
            // Site settings made over the API, one JSON value per key (`hours`).
            "CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, json TEXT NOT NULL)",
        ];
        for statement in schema {
            if let Err(e) = sql.exec(statement, None) {
                worker::console_error!("SiteDesk: creating schema failed: {e}");
            }
        }
        // A rotated-out secret keeps signing until `old_until` (ms).
        for (column, decl) in [("old_secret", "TEXT"), ("old_until", "INTEGER")] {
            if let Err(e) = crate::util::add_column_if_missing(&sql, "webhooks", column, decl) {
                worker::console_error!("SiteDesk: adding webhooks.{column} failed: {e}");
            }
        }
        SiteDesk { state, sql, running: Rc::default() }
    }

    async fn fetch(&self, mut req: Request) -> Result<Response> {
        let path = req.path();
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        match (req.method(), segments.as_slice()) {
            (Method::Post, ["limit"]) => {
                let check: porchlight_protocol::limits::LimitCheck = req.json().await?;
                Response::from_json(&crate::limiter::apply(&self.sql, &check, now_ms())?)
            }
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
                if let Err(e) = porchlight_protocol::ticket::may_write(Some(&ticket.as_ref())) {
                    return Ok(Response::from_json(&ErrorBody::new(e.code, e.message))?.with_status(409));
                }
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
            (Method::Post, ["tickets", number, "close"]) => {
                let Some(mut ticket) = number.parse::<u64>().ok().map(|n| self.ticket(n)).transpose()?.flatten() else {
                    return not_found("Ticket");
                };
                if porchlight_protocol::ticket::close(&mut ticket, now_ms()) {
                    self.sql.exec(
                        "UPDATE tickets SET json = ? WHERE number = ?",
                        vec![serde_json::to_string(&ticket)?.into(), (ticket.number as i64).into()],
                    )?;
                }
                Response::from_json(&ticket)
            }
            (Method::Get, ["tickets", number]) => match number.parse::<u64>().ok().map(|n| self.ticket(n)).transpose()?.flatten() {
                Some(ticket) => Response::from_json(&ticket),
                None => not_found("Ticket"),
            },
            (Method::Post, ["events"]) => {
                let EventBatch { site, events } = req.json().await?;
                self.note_ratings(&events)?;
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
            (_, ["api-keys", rest @ ..]) => crate::desk_keys::route(&self.sql, req, rest).await,
            (Method::Post, ["identities"]) => {
                let IdentityLink { user_id, session } = req.json().await?;
                self.sql.exec(
                    "INSERT INTO identities (user_id, session, created_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
                    vec![user_id.into(), session.0.into(), (now_ms() as i64).into()],
                )?;
                Ok(ResponseBuilder::new().with_status(204).empty())
            }
            (Method::Post, ["identities", "list"]) => {
                let IdentityQuery { user_id, limit } = req.json().await?;
                #[derive(Deserialize)]
                struct Row {
                    session: String,
                }
                let rows: Vec<Row> = self
                    .sql
                    .exec(
                        "SELECT session FROM identities WHERE user_id = ? ORDER BY created_at DESC LIMIT ?",
                        vec![user_id.into(), i64::from(limit).into()],
                    )?
                    .to_array()?;
                Response::from_json(&rows.into_iter().map(|r| porchlight_protocol::SessionId(r.session)).collect::<Vec<_>>())
            }
            (Method::Post, ["export"]) => {
                let SessionRef { session } = req.json().await?;
                let rows: Vec<JsonRow> = self.sql.exec("SELECT json FROM tickets WHERE session = ?", vec![session.0.into()])?.to_array()?;
                let tickets = rows.iter().map(|r| serde_json::from_str(&r.json)).collect::<serde_json::Result<Vec<Ticket>>>()?;
                Response::from_json(&tickets)
            }
            (Method::Post, ["erase"]) => {
                let SessionRef { session } = req.json().await?;
                let id = session.0;
                self.sql.exec("DELETE FROM tickets WHERE session = ?", vec![id.clone().into()])?;
                self.sql.exec("DELETE FROM identities WHERE session = ?", vec![id.clone().into()])?;
                // Session events carry the summary (`data.id`); messages and tickets name it (`data.session`).
                self.sql.exec(
                    "DELETE FROM deliveries WHERE json_extract(body, '$.data.id') = ?1 OR json_extract(body, '$.data.session') = ?1",
                    vec![id.into()],
                )?;
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
                // The Worker checked it with the site's `dev` flag; this refuses
                // private and link-local addresses whatever the caller.
                if let Err(why) = webhook::check_url(&url, true) {
                    return bad(ErrorCode::BadFrame, &why);
                }
                if self.webhooks()?.len() >= webhook::MAX_ENDPOINTS {
                    let body = ErrorBody::new(
                        ErrorCode::LimitReached,
                        format!("A site can have at most {} webhook endpoints; remove one first.", webhook::MAX_ENDPOINTS),
                    );
                    return Ok(Response::from_json(&body)?.with_status(409));
                }
                let hook = Webhook {
                    id: format!("wh_{}", crypto::random_hex(8)?),
                    url: url.trim().to_owned(),
                    created_at: now_ms(),
                    secret: Some(format!("whsec_{}", crypto::random_hex(24)?)),
                    previous_valid_until: None,
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
            (Method::Post, ["webhooks", id, "rotate"]) => {
                let secret = format!("whsec_{}", crypto::random_hex(24)?);
                let until = now_ms() + webhook::ROTATION_OVERLAP_MS;
                let rotated = self
                    .sql
                    .exec(
                        "UPDATE webhooks SET old_secret = secret, old_until = ?, secret = ? WHERE id = ?",
                        vec![(until as i64).into(), secret.clone().into(), id.to_string().into()],
                    )?
                    .rows_written();
                match self.webhooks()?.into_iter().find(|h| h.id == *id).filter(|_| rotated > 0) {
                    Some(hook) => Response::from_json(&Webhook { secret: Some(secret), ..hook }),
                    None => not_found("Webhook"),
                }
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
        self.start_runs()?;
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
    /// Stores the ticket for `draft.session` (a team ticket: for its
    /// channel message, author and subject), or returns the one it already
    /// has (a retried request); the flag says whether it is new.
    fn create_ticket(&self, draft: TicketDraft) -> Result<(Ticket, bool)> {
        // The `session` column is the ticket's once-only key.
        let key = match (&draft.session, &draft.source) {
            (Some(s), _) => s.0.clone(),
            (None, porchlight_protocol::ticket::TicketSource::Team { channel, seq }) => {
                format!("team:{channel}:{seq}:{}:{}", draft.created_by.id, draft.subject)
            }
            (None, _) => return Err(worker::Error::RustError("a ticket needs a session or a team message".into())),
        };
        let existing: Vec<JsonRow> = self.sql.exec("SELECT json FROM tickets WHERE session = ?", vec![key.clone().into()])?.to_array()?;
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
                vec![key.into(), (created_at as i64).into()],
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
            rating: draft.rating,
            closed_at: None,
        };
        self.sql.exec(
            "UPDATE tickets SET json = ? WHERE number = ?",
            vec![serde_json::to_string(&ticket)?.into(), (ticket.number as i64).into()],
        )?;
        Ok((ticket, true))
    }

    /// A rated session's ticket shows the rating too (a retried batch sets the same).
    fn note_ratings(&self, events: &[porchlight_protocol::internal::KeyedEvent]) -> Result<()> {
        for e in events {
            if let Event::SessionRated(summary) = &e.event {
                if let Some(rating) = &summary.rating {
                    self.sql.exec(
                        "UPDATE tickets SET json = json_set(json, '$.rating', json(?)) WHERE session = ?",
                        vec![serde_json::to_string(rating)?.into(), summary.id.0.clone().into()],
                    )?;
                }
            }
        }
        Ok(())
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
                    rating: t.rating,
                    closed_at: t.closed_at,
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
            old_until: Option<f64>,
        }
        let rows: Vec<Row> = self.sql.exec("SELECT id, url, created_at, old_until FROM webhooks ORDER BY created_at", None)?.to_array()?;
        let now = now_ms();
        Ok(rows
            .into_iter()
            .map(|r| Webhook {
                id: r.id,
                url: r.url,
                created_at: r.created_at as u64,
                secret: None,
                previous_valid_until: r.old_until.map(|t| t as u64).filter(|&t| t > now),
            })
            .collect())
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
        self.start_runs()?;
        self.schedule().await?;
        Ok(hooks.len())
    }

    /// Sets the alarm for the earliest pending delivery.
    async fn schedule(&self) -> Result<()> {
        arm(&self.sql, &self.state.storage()).await
    }

    /// Starts a delivery run for every endpoint with due deliveries and no
    /// run going. Runs outlive the request or alarm that started them.
    fn start_runs(&self) -> Result<()> {
        #[derive(Deserialize)]
        struct Hook {
            hook: String,
        }
        let due: Vec<Hook> = self
            .sql
            .exec("SELECT DISTINCT hook FROM deliveries WHERE state = 'pending' AND next_at <= ?", vec![(now_ms() as i64).into()])?
            .to_array()?;
        for Hook { hook } in due {
            if !self.running.borrow_mut().insert(hook.clone()) {
                continue;
            }
            let (sql, running, storage) = (self.sql.clone(), self.running.clone(), self.state.storage());
            self.state.wait_until(async move {
                if let Err(e) = deliver_run(&sql, &hook).await {
                    worker::console_error!("SiteDesk: delivering to {hook} failed: {e}");
                }
                running.borrow_mut().remove(&hook);
                // Its failures' retries are due later: wake up for the earliest.
                if let Err(e) = arm(&sql, &storage).await {
                    worker::console_error!("SiteDesk: setting the alarm failed: {e}");
                }
            });
        }
        // Delivered rows are kept a day, for the record, then dropped.
        self.sql.exec("DELETE FROM deliveries WHERE state != 'pending' AND next_at < ?", vec![(now_ms() as i64 - 86_400_000).into()])?;
        Ok(())
    }
}

/// Sets the alarm for the earliest pending delivery; when some are due now
/// (their runs are going), for a backstop a little later instead of at once.
async fn arm(sql: &SqlStorage, storage: &worker::Storage) -> Result<()> {
    #[derive(Deserialize)]
    struct Next {
        next: Option<f64>,
    }
    let Next { next } = sql.exec("SELECT MIN(next_at) AS next FROM deliveries WHERE state = 'pending'", None)?.one()?;
    if let Some(next) = next {
        let offset = next as i64 - now_ms() as i64;
        storage.set_alarm(if offset <= 0 { BACKSTOP_MS } else { offset }).await?;
    }
    Ok(())
}

/// One endpoint's run: its due deliveries in order, one at a time, until
/// none is due (a failure waits for its retry time).
async fn deliver_run(sql: &SqlStorage, hook: &str) -> Result<()> {
    #[derive(Deserialize)]
    struct Due {
        id: f64,
        url: String,
        secret: String,
        old_secret: Option<String>,
        old_until: Option<f64>,
        event_id: String,
        kind: String,
        body: String,
        attempts: f64,
    }
    loop {
        let due: Vec<Due> = sql
            .exec(
                &format!(
                    "SELECT d.id, w.url, w.secret, w.old_secret, w.old_until, d.event_id, d.kind, d.body, d.attempts
                     FROM deliveries d JOIN webhooks w ON w.id = d.hook
                     WHERE d.hook = ? AND d.state = 'pending' AND d.next_at <= ? ORDER BY d.id LIMIT {BATCH}"
                ),
                vec![hook.to_owned().into(), (now_ms() as i64).into()],
            )?
            .to_array()?;
        if due.is_empty() {
            return Ok(());
        }
        for d in due {
            let mut secrets = vec![d.secret.as_str()];
            if let (Some(old), Some(until)) = (d.old_secret.as_deref(), d.old_until) {
                if until as u64 > now_ms() {
                    secrets.push(old);
                }
            }
            let signature = webhook::signature_header(&secrets, now_ms() / 1000, &d.body);
            let outcome = post(&d.url, &signature, &d.event_id, &d.kind, &d.body).await;
            let attempts = d.attempts as u32 + 1;
            match outcome {
                Ok(()) => {
                    sql.exec(
                        "UPDATE deliveries SET state = 'delivered', attempts = ?, last_error = NULL WHERE id = ?",
                        vec![i64::from(attempts).into(), (d.id as i64).into()],
                    )?;
                }
                Err(why) => {
                    let state = if attempts >= webhook::MAX_ATTEMPTS { "failed" } else { "pending" };
                    let next_at = now_ms() + webhook::retry_delay_ms(attempts);
                    worker::console_log!("webhook {} to {}: attempt {attempts} failed ({why})", d.event_id, d.url);
                    sql.exec(
                        "UPDATE deliveries SET state = ?, attempts = ?, next_at = ?, last_error = ? WHERE id = ?",
                        vec![state.into(), i64::from(attempts).into(), (next_at as i64).into(), why.into(), (d.id as i64).into()],
                    )?;
                }
            }
        }
    }
}

/// One signed POST; `Err` says why it does not count as delivered.
/// Redirects are not followed (a 3xx counts as a failure): a receiver
/// cannot bounce the edge to an address the URL rules refused.
async fn post(url: &str, signature: &str, event_id: &str, kind: &str, body: &str) -> std::result::Result<(), String> {
    let attempt = async {
        let headers = worker::Headers::new();
        headers.set("content-type", "application/json")?;
        headers.set("user-agent", "Porchlight-Webhooks/1")?;
        headers.set("porchlight-event", kind)?;
        headers.set("porchlight-delivery", event_id)?;
        headers.set("porchlight-signature", signature)?;
        let mut init = worker::RequestInit::new();
        init.with_method(Method::Post).with_headers(headers).with_body(Some(body.into())).with_redirect(worker::RequestRedirect::Manual);
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
