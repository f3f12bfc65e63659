//! Conversations the staff start: site API keys (ADMINs make, list and
//! revoke them) and `POST …/conversations`, which opens a conversation
//! about an order with a verified customer, the staff writing first.
//!
//! API keys are server-to-server credentials: a request carrying one and
//! an `Origin` header (a browser) is refused, so a key pasted into a page
//! is useless there. Rules and bodies are `porchlight_protocol::staff`.

use crate::api::{self, ApiError};
use crate::{accounts, crypto, identity, internal, util};
use porchlight_protocol::order_card::{self, SiteEvent};
use porchlight_protocol::session::AgentRef;
use porchlight_protocol::site::SiteConfig;
use porchlight_protocol::staff::{
    self, ApiKeyInfo, CreateApiKey, CreatedApiKey, Opening, StartConversation, StartedConversation, StoredApiKey,
};
use porchlight_protocol::{AgentId, ErrorCode, SessionId, SiteId, VisitorInfo};
use worker::{Env, Method, Request, Response};

type ApiResult<T> = std::result::Result<T, ApiError>;

/// `GET | POST /api/v1/sites/{site}/api-keys`, `DELETE …/api-keys/{id}`: ADMIN only.
pub async fn keys_admin(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, rest: &[&str]) -> ApiResult<Response> {
    api::admin_bearer(&req, env, site_id, site, "Managing API keys").await?;
    let forwarded = match (req.method(), rest) {
        (Method::Get, ["api-keys"]) => Request::new("https://internal/api-keys", Method::Get)?,
        (Method::Post, ["api-keys"]) => {
            let form: CreateApiKey = api::read_json(&mut req, "").await?;
            let name = staff::key_name(&form.name).map_err(|e| ApiError::new(422, e.code, e.message))?;
            if let Some(agent) = &form.agent_id {
                current_agent(env, site_id, site, agent).await?;
            }
            let key = staff::new_key(site_id, &crypto::random_hex(24)?);
            let info =
                ApiKeyInfo { id: format!("key_{}", crypto::random_hex(8)?), name, agent_id: form.agent_id, created_at: util::now_ms() };
            let stored = StoredApiKey { info: info.clone(), key_sha256: crypto::sha256_hex(&key) };
            let resp = api::desk_forward(env, site_id, util::internal_post("/api-keys", &stored)?).await?;
            if resp.status_code() != 201 {
                return Ok(resp);
            }
            return Ok(Response::from_json(&CreatedApiKey { api_key: info, key })?.with_status(201));
        }
        (Method::Delete, ["api-keys", id]) if id.len() <= 40 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            Request::new(&format!("https://internal/api-keys/{id}"), Method::Delete)?
        }
        _ => return Err(ApiError::new(404, ErrorCode::NotFound, "Route not found.")),
    };
    api::desk_forward(env, site_id, forwarded).await
}

/// Who is starting: an API key (and the agent it names, if any) or a
/// signed-in agent.
enum Starter {
    Key(StoredApiKey),
    Agent(AgentRef),
}

/// `POST /api/v1/sites/{site}/conversations`.
pub async fn start(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Response> {
    let starter = starter(&req, env, site_id, site).await?;
    let form: StartConversation = api::read_json(&mut req, "").await?;
    let start = staff::check_start(&form).map_err(|e| ApiError::new(422, e.code, e.message))?;
    let Some(key) = identity::secret(env, site_id, site) else {
        return Err(ApiError::new(
            409,
            ErrorCode::IdentityRequired,
            "This site has no identity secret, so no customer can be verified to receive the conversation.",
        ));
    };
    let named = match &form.agent_id {
        Some(id) => Some(current_agent(env, site_id, site, id).await?),
        None => None,
    };
    let owner = match (&starter, named) {
        (_, Some(agent)) => Some(agent),
        (Starter::Agent(agent), None) => Some(agent.clone()),
        (Starter::Key(k), None) => match &k.info.agent_id {
            Some(id) => Some(current_agent(env, site_id, site, id).await?),
            None => None,
        },
    };
    let author = owner.clone().unwrap_or_else(|| AgentRef { id: AgentId(staff::TEAM_AUTHOR_ID.into()), name: site.name.clone() });

    let id = SessionId(crypto::random_hex(16)?);
    let mut visitor = VisitorInfo::new(start.name, start.email);
    visitor.verified = true;
    visitor.user_id = Some(start.user_id.clone());
    // The site's backend vouches for what it sends, like a signed token.
    visitor.verified_fields =
        [form.name.as_ref().map(|_| "name"), visitor.email.as_ref().map(|_| "email")].into_iter().flatten().map(str::to_owned).collect();
    visitor.orders = start.context.order_ref.iter().cloned().collect();
    // Indexed first, as for a visitor's start: a link to a session that never started is skipped.
    internal::Desk::of(env, site_id)?.link_identity(&start.user_id, &id).await?;
    let token = porchlight_protocol::identity::continuity_token(&key, site_id.as_str(), id.as_str());
    let init = crate::session::Init {
        site: site_id.clone(),
        id: id.clone(),
        visitor,
        token_sha256: crypto::sha256_hex(&token),
        context: start.context,
        opening: Some(Opening { owner, author, message: start.message }),
    };
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&api::session_object_name(site_id, &id))?;
    let resp = stub.fetch_with_request(util::internal_post("/init", &init)?).await?;
    if resp.status_code() != 204 {
        return Err(worker::Error::RustError(format!("session init answered {}", resp.status_code())).into());
    }
    Ok(Response::from_json(&StartedConversation { session_id: id })?.with_status(201))
}

/// An API key (`Bearer plk_…`, never from a browser) or an agent's token
/// (from the console's own origin, or no browser at all).
async fn starter(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Starter> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let bearer = header.strip_prefix("Bearer ").map(str::trim).unwrap_or_default();
    if !bearer.starts_with("plk_") {
        let agent = api::agent_bearer(req, env, site_id, site).await?;
        return Ok(Starter::Agent(AgentRef { id: agent.id, name: agent.name }));
    }
    Ok(Starter::Key(api_key(req, env, site_id, site, bearer).await?))
}

/// The site's API key `key` sent by `req`: refused from a browser (an
/// `Origin` header), 401 unless current, and failures count against the
/// caller's address like failed sign-ins.
async fn api_key(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig, bearer: &str) -> ApiResult<StoredApiKey> {
    if req.headers().get("origin")?.is_some() {
        return Err(ApiError::new(
            403,
            ErrorCode::ForbiddenOrigin,
            "API keys are for your servers only: this request came from a browser (it has an Origin header). Never put an API key in a page.",
        ));
    }
    let check = async {
        let unauthorized = || ApiError::new(401, ErrorCode::Unauthorized, "That API key is not valid for this site.");
        if staff::key_site(bearer).as_ref() != Some(site_id) {
            return Err(unauthorized());
        }
        internal::Desk::of(env, site_id)?.api_key_by_hash(crypto::sha256_hex(bearer)).await?.ok_or_else(unauthorized)
    };
    api::guarded_sign_in(req, env, site_id.as_str(), site.limits.auth_failures, check).await
}

/// `POST /api/v1/sites/{site}/sessions/{id}/events` (API key): a system
/// line or an order card in the conversation.
pub async fn event(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, id: &str) -> ApiResult<Response> {
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let bearer = header.strip_prefix("Bearer ").map(str::trim).unwrap_or_default().to_owned();
    api_key(&req, env, site_id, site, &bearer).await?;
    let id = SessionId::parse(id).ok_or_else(|| ApiError::new(404, ErrorCode::NotFound, "Session not found."))?;
    let event: SiteEvent = api::read_json(&mut req, "").await?;
    let event = order_card::check(&event).map_err(|e| ApiError::new(422, e.code, e.message))?;
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&api::session_object_name(site_id, &id))?;
    Ok(stub.fetch_with_request(util::internal_post("/site-event", &event)?).await?)
}

/// A current agent of the site (configured or API-made), else 422.
async fn current_agent(env: &Env, site_id: &SiteId, site: &SiteConfig, id: &AgentId) -> ApiResult<AgentRef> {
    let all = accounts::all(env, site_id, site).await?;
    all.into_iter()
        .find(|a| &a.id == id)
        .map(|a| AgentRef { id: a.id, name: a.name })
        .ok_or_else(|| ApiError::new(422, ErrorCode::BadFrame, format!("`{id}` is not a current agent of this site.")))
}
