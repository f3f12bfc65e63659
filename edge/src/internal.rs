//! Typed clients for the routes between Durable Objects, one per target
//! object. Bodies are [`porchlight_protocol::internal`]'s; paths and status
//! codes live here and nowhere else (`docs/PROTOCOL.md`, "Between Durable
//! Objects").

use crate::util;
use porchlight_kb::bot::BotAnswer;
use porchlight_protocol::internal::{
    BotTurn, EventBatch, IdentityLink, IdentityQuery, Position, PositionAnswer, QueueSync, Revoked, SessionRef, TicketDraft, TokenCheck,
};
use porchlight_protocol::site::AgentAccount;
use porchlight_protocol::ticket::Ticket;
use porchlight_protocol::{SessionId, SessionSummary, SiteId, TranscriptExport};
use serde::Serialize;
use worker::{Env, Method, Request, Response, Result, Stub};

fn get(path: &str) -> Result<Request> {
    Request::new(&format!("https://internal{path}"), Method::Get)
}

fn post<T: Serialize>(path: &str, body: &T) -> Result<Request> {
    util::internal_post(path, body)
}

fn expect(resp: &Response, want: u16, what: &str) -> Result<()> {
    match resp.status_code() {
        n if n == want => Ok(()),
        n => Err(worker::Error::RustError(format!("{what}: answered {n}"))),
    }
}

/// The site's `SiteQueue`.
pub struct Queue(Stub);

impl Queue {
    pub fn of(env: &Env, site: &SiteId) -> Result<Queue> {
        Ok(Queue(env.durable_object("SITE_QUEUE")?.get_by_name(site.as_str())?))
    }

    /// `POST /sync` → 204.
    pub async fn sync(&self, sync: &QueueSync) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/sync", sync)?).await?;
        expect(&resp, 204, "queue sync")
    }

    /// `GET /position/{id}` → the visitor's place in line, if waiting.
    pub async fn position(&self, id: &SessionId) -> Result<Option<u32>> {
        let mut resp = self.0.fetch_with_request(get(&format!("/position/{id}"))?).await?;
        expect(&resp, 200, "queue position")?;
        Ok(resp.json::<PositionAnswer>().await?.position)
    }

    /// `GET /agents-online` → how many agents have a console open, not away.
    pub async fn agents_online(&self) -> Result<u32> {
        let mut resp = self.0.fetch_with_request(get("/agents-online")?).await?;
        expect(&resp, 200, "agents online")?;
        Ok(resp.json::<porchlight_protocol::internal::AgentsOnline>().await?.online)
    }

    /// `POST /roster`: an agent was created; presence is recounted.
    pub async fn roster(&self) -> Result<Response> {
        self.0.fetch_with_request(post("/roster", &())?).await
    }

    /// `POST /erase` → 204: forget a session's summary and search texts.
    pub async fn erase(&self, session: &SessionId) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/erase", &SessionRef { session: session.clone() })?).await?;
        expect(&resp, 204, "queue erase")
    }

    /// `POST /lookup` → the sessions `/assign` or `/contact` names, newest first.
    pub async fn lookup(&self, lookup: &porchlight_protocol::team::lookup::Lookup) -> Result<Vec<SessionSummary>> {
        let mut resp = self.0.fetch_with_request(post("/lookup", lookup)?).await?;
        expect(&resp, 200, "queue lookup")?;
        Ok(resp.json::<porchlight_protocol::team::lookup::Found>().await?.sessions)
    }

    /// `POST /revoked` → the sessions not closed: close this agent's consoles.
    pub async fn revoked(&self, revoked: &Revoked) -> Result<Vec<SessionId>> {
        let mut resp = self.0.fetch_with_request(post("/revoked", revoked)?).await?;
        expect(&resp, 200, "queue revoked")?;
        resp.json().await
    }
}

/// On the desk's answer to `POST /events`: how many webhook endpoints the
/// site has (0 lets sessions send events less often; none is dropped).
pub const HOOKS_HEADER: &str = "x-porchlight-hooks";

/// The site's `SiteDesk`.
pub struct Desk(Stub);

impl Desk {
    pub fn of(env: &Env, site: &SiteId) -> Result<Desk> {
        Ok(Desk(env.durable_object("SITE_DESK")?.get_by_name(site.as_str())?))
    }

    /// `POST /events` → 204 once every delivery is in the desk's outbox;
    /// answers how many endpoints the site has.
    pub async fn events(&self, batch: &EventBatch) -> Result<usize> {
        let resp = self.0.fetch_with_request(post("/events", batch)?).await?;
        expect(&resp, 204, "desk events")?;
        Ok(resp.headers().get(HOOKS_HEADER)?.and_then(|n| n.parse().ok()).unwrap_or(1))
    }

    /// `POST /tickets` → the ticket (the existing one if the session has one).
    pub async fn create_ticket(&self, draft: &TicketDraft) -> Result<Ticket> {
        let mut resp = self.0.fetch_with_request(post("/tickets", draft)?).await?;
        expect(&resp, 200, "desk tickets")?;
        resp.json().await
    }

    /// `POST /agents/auth` → the API-made account with this token hash.
    pub async fn agent_by_hash(&self, token_sha256: String) -> Result<Option<AgentAccount>> {
        let mut resp = self.0.fetch_with_request(post("/agents/auth", &TokenCheck { token_sha256 })?).await?;
        match resp.status_code() {
            200 => Ok(Some(resp.json().await?)),
            _ => Ok(None),
        }
    }

    /// `POST /api-keys/auth` → the current API key with this hash, if any.
    pub async fn api_key_by_hash(&self, token_sha256: String) -> Result<Option<porchlight_protocol::staff::StoredApiKey>> {
        let mut resp = self.0.fetch_with_request(post("/api-keys/auth", &TokenCheck { token_sha256 })?).await?;
        match resp.status_code() {
            200 => Ok(Some(resp.json().await?)),
            _ => Ok(None),
        }
    }

    /// `POST /identities` → 204: the continuity index.
    pub async fn link_identity(&self, user_id: &str, session: &SessionId) -> Result<()> {
        let link = IdentityLink { user_id: user_id.to_owned(), session: session.clone() };
        let resp = self.0.fetch_with_request(post("/identities", &link)?).await?;
        expect(&resp, 204, "desk identities")
    }

    /// `POST /identities/list` → the user's sessions, newest first.
    pub async fn identity_sessions(&self, user_id: &str, limit: u32) -> Result<Vec<SessionId>> {
        let mut resp = self.0.fetch_with_request(post("/identities/list", &IdentityQuery { user_id: user_id.to_owned(), limit })?).await?;
        expect(&resp, 200, "desk identities list")?;
        resp.json().await
    }

    /// `POST /export` → the tickets made from a session.
    pub async fn export(&self, session: &SessionId) -> Result<Vec<Ticket>> {
        let mut resp = self.0.fetch_with_request(post("/export", &SessionRef { session: session.clone() })?).await?;
        expect(&resp, 200, "desk export")?;
        resp.json().await
    }

    /// `POST /erase` → 204: the session's tickets, identity link and webhook outbox bodies.
    pub async fn erase(&self, session: &SessionId) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/erase", &SessionRef { session: session.clone() })?).await?;
        expect(&resp, 204, "desk erase")
    }

    /// `GET /agents` → current API-made accounts.
    pub async fn agents(&self) -> Result<Vec<AgentAccount>> {
        let mut resp = self.0.fetch_with_request(get("/agents")?).await?;
        if resp.status_code() == 200 {
            resp.json().await
        } else {
            Ok(Vec::new())
        }
    }
}

/// The site's `KnowledgeBase`.
pub struct Kb(Stub);

impl Kb {
    pub fn of(env: &Env, site: &SiteId) -> Result<Kb> {
        Ok(Kb(env.durable_object("KNOWLEDGE_BASE")?.get_by_name(site.as_str())?))
    }

    /// `POST /bot` → what the bot answers.
    pub async fn bot(&self, message: &str, locale: Option<&str>) -> Result<BotAnswer> {
        let turn = BotTurn { message: message.to_owned(), locale: locale.map(str::to_owned) };
        let mut resp = self.0.fetch_with_request(post("/bot", &turn)?).await?;
        expect(&resp, 200, "the knowledge base")?;
        resp.json().await
    }

    /// `GET /articles/{id}` → the article, or `None`.
    pub async fn article(&self, id: &str) -> Result<Option<porchlight_kb::Article>> {
        let mut resp = self.0.fetch_with_request(get(&format!("/articles/{id}"))?).await?;
        match resp.status_code() {
            200 => Ok(Some(resp.json().await?)),
            _ => Ok(None),
        }
    }
}

/// One `ChatSession`.
pub struct Session(Stub);

impl Session {
    pub fn of(env: &Env, site: &SiteId, id: &SessionId) -> Result<Session> {
        Ok(Session(env.durable_object("CHAT_SESSION")?.get_by_name(&crate::api::session_object_name(site, id))?))
    }

    /// `POST /revoke` → 204: the agent's sockets here are signed out and closed.
    pub async fn revoke(&self, revoked: &Revoked) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/revoke", revoked)?).await?;
        expect(&resp, 204, "session revoke")
    }

    /// `POST /assign` → 200 `{"changed": …}`, or the refusal's status and
    /// error body (`session_closed`, `not_assigned`, `still_with_bot`, …).
    pub async fn assign(
        &self,
        request: &porchlight_protocol::internal::AssignRequest,
    ) -> Result<std::result::Result<bool, porchlight_protocol::ErrorBody>> {
        let mut resp = self.0.fetch_with_request(post("/assign", request)?).await?;
        match resp.status_code() {
            200 => Ok(Ok(resp.json::<porchlight_protocol::internal::AssignAnswer>().await?.changed)),
            _ => Ok(Err(resp.json().await?)),
        }
    }

    /// `GET /summary` → the session's summary, `None` if there is no such session.
    pub async fn summary(&self) -> Result<Option<SessionSummary>> {
        let mut resp = self.0.fetch_with_request(get("/summary")?).await?;
        match resp.status_code() {
            200 => Ok(Some(resp.json().await?)),
            _ => Ok(None),
        }
    }

    /// `GET /transcript` → the whole conversation, `None` if there is no such session.
    pub async fn transcript(&self) -> Result<Option<TranscriptExport>> {
        let mut resp = self.0.fetch_with_request(get("/transcript")?).await?;
        match resp.status_code() {
            200 => Ok(Some(resp.json().await?)),
            _ => Ok(None),
        }
    }

    /// `POST /erase` → 204: everything the session stores is deleted and its sockets closed.
    pub async fn erase(&self) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/erase", &())?).await?;
        expect(&resp, 204, "session erase")
    }

    /// `POST /position` → 204; relayed to the visitor as a `queue` frame.
    pub async fn position(&self, position: u32) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/position", &Position { position })?).await?;
        expect(&resp, 204, "session position")
    }
}

/// The site's `SiteTeam`, the team chat's directory.
pub struct Team(Stub);

impl Team {
    pub fn of(env: &Env, site: &SiteId) -> Result<Team> {
        Ok(Team(env.durable_object("SITE_TEAM")?.get_by_name(site.as_str())?))
    }

    /// `POST /summary` → 204 (a channel's outbox; an old revision is ignored).
    pub async fn summary(&self, summary: &porchlight_protocol::team::summary::ChannelSummary) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/summary", summary)?).await?;
        expect(&resp, 204, "team summary")
    }

    /// `POST /mute` → 204 (`/mute` typed in a channel).
    pub async fn mute(&self, request: &porchlight_protocol::team::summary::MuteRequest) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/mute", request)?).await?;
        expect(&resp, 204, "team mute")
    }

    /// `POST /invite` → 204 once the member is added (and the channel told
    /// first), or the refusal's error body (`not_found`, `forbidden`, …).
    pub async fn invite(
        &self,
        request: &porchlight_protocol::team::summary::InviteRequest,
    ) -> Result<std::result::Result<(), porchlight_protocol::ErrorBody>> {
        let mut resp = self.0.fetch_with_request(post("/invite", request)?).await?;
        match resp.status_code() {
            204 => Ok(Ok(())),
            _ => Ok(Err(resp.json().await?)),
        }
    }
}

/// One `TeamChannel`.
pub struct TeamChannel(Stub);

impl TeamChannel {
    pub fn of(env: &Env, site: &SiteId, id: &porchlight_protocol::team::ChannelId) -> Result<TeamChannel> {
        let name = porchlight_protocol::team::summary::object_name(site, id);
        Ok(TeamChannel(env.durable_object("TEAM_CHANNEL")?.get_by_name(&name)?))
    }

    pub fn stub(&self) -> &Stub {
        &self.0
    }

    /// `POST /setup` → 204 once the channel holds this revision of its record.
    pub async fn setup(&self, setup: &porchlight_protocol::team::summary::ChannelSetup) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/setup", setup)?).await?;
        expect(&resp, 204, "team channel setup")
    }

    /// `POST /revoked` → 204: the agent's sockets here are closed.
    pub async fn revoked(&self, revoked: &Revoked) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/revoked", revoked)?).await?;
        expect(&resp, 204, "team channel revoke")
    }
    /// `POST /import` → 204 once the channel holds this part of its
    /// pre-split log (`team/migrate.rs`).
    pub async fn import(&self, import: &porchlight_protocol::team::migrate::ChannelImport) -> Result<()> {
        let resp = self.0.fetch_with_request(post("/import", import)?).await?;
        expect(&resp, 204, "team channel import")
    }
}
