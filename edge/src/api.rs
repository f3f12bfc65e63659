//! HTTP routing and request checks for the Worker.
//!
//! Every refusal is an [`ApiError`], turned into `{"error": {code, message}}`
//! with a status in one place ([`ApiError::into_response`]). Origin checks
//! for visitor routes happen here, before any Durable Object is touched.

use crate::{accounts, config, crypto, util};
use porchlight_protocol::site::{AccountSource, AgentAccount, AgentList, CreateAgent, CreatedAgent, Role, SiteConfig, Sites};
use porchlight_protocol::validate::{self, MAX_FRAME_BYTES};
use porchlight_protocol::{AgentLogin, CreateSession, ErrorBody, ErrorCode, SessionCreated, SessionId, SiteId, WidgetConfig};
use worker::{Env, Headers, Method, Request, Response, Result};

pub struct ApiError {
    pub status: u16,
    pub code: ErrorCode,
    pub message: String,
    /// Set when the caller's origin is allowed, so the browser lets the page
    /// read the error instead of reporting an opaque CORS failure.
    pub cors_origin: Option<String>,
}

impl ApiError {
    pub fn new(status: u16, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), cors_origin: None }
    }

    fn not_found(what: &str) -> Self {
        ApiError::new(404, ErrorCode::NotFound, format!("{what} not found."))
    }

    fn with_cors(mut self, origin: Option<&str>) -> Self {
        self.cors_origin = origin.map(str::to_owned);
        self
    }

    pub fn into_response(self) -> Result<Response> {
        let resp = Response::from_json(&ErrorBody::new(self.code, self.message))?.with_status(self.status);
        match self.cors_origin {
            Some(origin) => with_cors(resp, &origin),
            None => Ok(resp),
        }
    }
}

impl From<worker::Error> for ApiError {
    fn from(err: worker::Error) -> Self {
        worker::console_error!("internal error: {err}");
        ApiError::new(500, ErrorCode::Internal, "Something went wrong on our side. Please retry in a moment.")
    }
}

type ApiResult<T> = std::result::Result<T, ApiError>;

pub async fn route(req: Request, env: &Env) -> ApiResult<Response> {
    let path = req.path();
    let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
    match (req.method(), segments.as_slice()) {
        (Method::Get, ["healthz"]) => Ok(Response::ok("ok")?),
        (Method::Post, ["api", "v1", "agent", "login"]) => agent_login(&req, env).await,
        (method, ["api", "v1", "sites", site, rest @ ..]) => {
            let sites = config::sites(env)?;
            let site_id = SiteId::parse(site).ok_or_else(|| ApiError::not_found("Site"))?;
            let site = sites.get(&site_id).ok_or_else(|| ApiError::not_found("Site"))?;
            match (method, rest) {
                (Method::Options, ["sessions"] | ["widget"]) => preflight(&req, site),
                (Method::Get, ["widget"]) => widget_config(&req, env, &site_id, site).await,
                (Method::Post, ["sessions"]) => create_session(req, env, &site_id, site).await,
                (Method::Get, ["sessions", id, "ws"]) => {
                    let origin = allowed_origin(&req, site)?;
                    let id = session_id(id, &origin)?;
                    forward_upgrade(req, env, "CHAT_SESSION", &session_object_name(&site_id, &id), "/visitor").await
                }
                (Method::Get, ["sessions", id, "agent"]) => {
                    agent_origin(&req)?;
                    let id = session_id(id, "")?;
                    forward_upgrade(req, env, "CHAT_SESSION", &session_object_name(&site_id, &id), "/agent").await
                }
                (Method::Get, ["sessions", id, "transcript"]) => {
                    agent_bearer(&req, env, &site_id, site).await?;
                    let id = session_id(id, "")?;
                    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&session_object_name(&site_id, &id))?;
                    let resp = stub.fetch_with_request(Request::new("https://internal/transcript", Method::Get)?).await?;
                    if resp.status_code() != 200 {
                        return Ok(resp);
                    }
                    let headers = Headers::new();
                    headers.set("content-type", "application/json")?;
                    headers.set("content-disposition", &format!("attachment; filename=\"porchlight-{id}.json\""))?;
                    Ok(resp.with_headers(headers))
                }
                (Method::Get, ["tickets"]) => {
                    agent_bearer(&req, env, &site_id, site).await?;
                    desk_forward(env, &site_id, Request::new("https://internal/tickets", Method::Get)?).await
                }
                (Method::Get, ["tickets", number]) => {
                    agent_bearer(&req, env, &site_id, site).await?;
                    let number: u64 = number.parse().map_err(|_| ApiError::not_found("Ticket"))?;
                    desk_forward(env, &site_id, Request::new(&format!("https://internal/tickets/{number}"), Method::Get)?).await
                }
                (_, rest @ ["agents", ..]) => agents_admin(req, env, &site_id, site, rest).await,
                (Method::Post, ["tickets", number, "replies"]) => crate::hours::reply_to_ticket(req, env, &site_id, site, number).await,
                (_, rest @ ["webhooks", ..]) => webhooks_admin(req, env, &site_id, site, rest).await,
                (_, ["hours"]) => crate::hours::route(req, env, &site_id, site).await,
                (Method::Options, ["kb", ..]) => preflight(&req, site),
                (Method::Get, ["kb", "index"]) => kb_index(req, env, &site_id, site).await,
                (Method::Get, ["kb", "search"]) => {
                    let origin = public_read_origin(&req, site)?;
                    let url = req.url()?;
                    let q = url.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned()).unwrap_or_default();
                    if q.len() > validate::MAX_MESSAGE_CHARS * 4 {
                        return Err(ApiError::new(413, ErrorCode::MessageTooLong, "The question is too long to search."));
                    }
                    let path = format!("/suggest?q={}&typing=0", js_sys::encode_uri_component(&q));
                    kb_forward(env, &site_id, Request::new(&format!("https://internal{path}"), Method::Get)?, origin).await
                }
                (Method::Get, ["kb", "articles", id]) if !id.is_empty() => {
                    let origin = public_read_origin(&req, site)?;
                    if !porchlight_kb::article::valid_id(id) {
                        return Err(ApiError::not_found("Article"));
                    }
                    let path = format!("/articles/{id}{}", lang_query(&req)?);
                    kb_forward(env, &site_id, Request::new(&format!("https://internal{path}"), Method::Get)?, origin).await
                }
                (_, ["kb", rest @ ..]) => kb_admin(req, env, &site_id, &sites, rest).await,
                (Method::Get, ["queue"]) => {
                    agent_origin(&req)?;
                    forward_upgrade(req, env, "SITE_QUEUE", site_id.as_str(), "/agent").await
                }
                _ => Err(ApiError::not_found("Route")),
            }
        }
        (_, ["api", ..]) => Err(ApiError::not_found("Route")),
        // Everything else is a static asset (loader, widget, console).
        _ => Ok(env.assets("ASSETS")?.fetch_request(req).await?),
    }
}

/// Help-center content is public: pages on the site's allowed origins may
/// read it (with CORS), and so may non-browser clients (no `Origin`), such
/// as `cargo xtask kb search --site`. Other browser origins get 403.
fn public_read_origin(req: &Request, site: &SiteConfig) -> ApiResult<Option<String>> {
    match req.headers().get("origin")? {
        None => Ok(None),
        Some(_) => allowed_origin(req, site).map(Some),
    }
}

async fn kb_forward(env: &Env, site_id: &SiteId, req: Request, origin: Option<String>) -> ApiResult<Response> {
    let stub = env.durable_object("KNOWLEDGE_BASE")?.get_by_name(site_id.as_str())?;
    let resp = stub.fetch_with_request(req).await?;
    Ok(match origin {
        Some(o) => with_cors(resp, &o)?,
        None => resp,
    })
}

/// The site's search index. `?v=<version>` (from the widget config) makes the
/// response immutable: a new version is a new URL.
async fn kb_index(req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Response> {
    let origin = public_read_origin(&req, site)?;
    let wanted = req.url()?.query_pairs().find(|(k, _)| k == "v").map(|(_, v)| v.into_owned());
    let mut resp = kb_forward(env, site_id, Request::new("https://internal/index", Method::Get)?, None).await?;
    let text = resp.text().await?;
    #[derive(serde::Deserialize)]
    struct Version {
        version: String,
    }
    let version = serde_json::from_str::<Version>(&text).map(|v| v.version).unwrap_or_default();
    let headers = Headers::new();
    headers.set("content-type", "application/json")?;
    let cache = if wanted.as_deref() == Some(version.as_str()) { "public, max-age=31536000, immutable" } else { "no-cache" };
    headers.set("cache-control", cache)?;
    headers.set("etag", &format!("\"{version}\""))?;
    let out = Response::ok(text)?.with_headers(headers);
    Ok(match origin {
        Some(o) => with_cors(out, &o)?,
        None => out,
    })
}

/// Site administration of the knowledge base: ADMIN agents of this site only.
async fn kb_admin(mut req: Request, env: &Env, site_id: &SiteId, sites: &Sites, rest: &[&str]) -> ApiResult<Response> {
    let site = sites.get(site_id).ok_or_else(|| ApiError::not_found("Site"))?;
    admin_bearer(&req, env, site_id, site, "Managing the knowledge base").await?;
    const MAX_IMPORT_BYTES: usize = 8 * 1024 * 1024;
    let declared: usize = req.headers().get("content-length")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if declared > MAX_IMPORT_BYTES {
        return Err(ApiError::new(413, ErrorCode::FrameTooLarge, "Imports can be at most 8 MiB."));
    }
    let method = req.method();
    let (path, body) = match (&method, rest) {
        (Method::Post, ["import"]) => ("/import".to_owned(), Some(req.bytes().await?)),
        (Method::Get, ["articles"]) => ("/articles".to_owned(), None),
        (Method::Put | Method::Delete, ["articles", id]) if porchlight_kb::article::valid_id(id) => {
            let body = if method == Method::Put { Some(req.bytes().await?) } else { None };
            (format!("/articles/{id}{}", lang_query(&req)?), body)
        }
        _ => return Err(ApiError::not_found("Route")),
    };
    if body.as_ref().is_some_and(|b| b.len() > MAX_IMPORT_BYTES) {
        return Err(ApiError::new(413, ErrorCode::FrameTooLarge, "Imports can be at most 8 MiB."));
    }
    if path == "/import" {
        if let Some(b) = &body {
            if serde_json::from_slice::<crate::kb::ImportCheck>(b).is_err() {
                return Err(ApiError::new(400, ErrorCode::BadFrame, "The body must be {\"articles\": [\"<markdown>\", …]}."));
            }
        }
    }
    let mut init = worker::RequestInit::new();
    init.with_method(method);
    if let Some(b) = body {
        init.with_body(Some(js_sys::Uint8Array::from(b.as_slice()).into()));
    }
    let forwarded = Request::new_with_init(&format!("https://internal{path}"), &init)?;
    kb_forward(env, site_id, forwarded, None).await
}

pub(crate) async fn desk_forward(env: &Env, site_id: &SiteId, req: Request) -> ApiResult<Response> {
    let stub = env.durable_object("SITE_DESK")?.get_by_name(site_id.as_str())?;
    Ok(stub.fetch_with_request(req).await?)
}

/// Webhook endpoints: ADMIN agents of the site list, register and remove them.
async fn webhooks_admin(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, rest: &[&str]) -> ApiResult<Response> {
    admin_bearer(&req, env, site_id, site, "Managing webhooks").await?;
    let forwarded = match (req.method(), rest) {
        (Method::Get, ["webhooks"]) => Request::new("https://internal/webhooks", Method::Get)?,
        (Method::Post, ["webhooks"]) => {
            let body = req.bytes().await?;
            if body.len() > MAX_FRAME_BYTES {
                return Err(too_large());
            }
            let mut init = worker::RequestInit::new();
            init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
            Request::new_with_init("https://internal/webhooks", &init)?
        }
        (Method::Delete, ["webhooks", id]) if id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            Request::new(&format!("https://internal/webhooks/{id}"), Method::Delete)?
        }
        _ => return Err(ApiError::not_found("Route")),
    };
    desk_forward(env, site_id, forwarded).await
}

/// Like [`agent_bearer`], and the agent must be an ADMIN.
pub(crate) async fn admin_bearer(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig, what: &str) -> ApiResult<AgentAccount> {
    let account = agent_bearer(req, env, site_id, site).await?;
    if account.role != Role::Admin {
        return Err(ApiError::new(403, ErrorCode::Forbidden, format!("{what} needs an ADMIN agent.")));
    }
    Ok(account)
}

/// The agent named by `Authorization: Bearer <token>`, if it is one of this site's.
pub(crate) async fn agent_bearer(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<AgentAccount> {
    let unauthorized =
        || ApiError::new(401, ErrorCode::Unauthorized, "Send an agent token of this site as `Authorization: Bearer <token>`.");
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let token = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or_else(unauthorized)?;
    accounts::by_token(env, site_id, site, token).await?.ok_or_else(unauthorized)
}

/// Durable Object name of a session: site and id together, so one site can
/// never reach another site's session by guessing its id.
pub fn session_object_name(site: &SiteId, id: &SessionId) -> String {
    format!("{site}/{id}")
}

fn session_id(raw: &str, cors_origin: &str) -> ApiResult<SessionId> {
    SessionId::parse(raw).ok_or_else(|| ApiError::not_found("Session").with_cors(Some(cors_origin).filter(|o| !o.is_empty())))
}

/// The request's `Origin`, if the site allows it; 403 otherwise.
fn allowed_origin(req: &Request, site: &SiteConfig) -> ApiResult<String> {
    let origin = req.headers().get("origin")?.unwrap_or_default();
    if site.allows_origin(&origin) {
        Ok(origin)
    } else {
        let shown = if origin.is_empty() { "(none)" } else { origin.as_str() };
        Err(ApiError::new(
            403,
            ErrorCode::ForbiddenOrigin,
            format!("Origin {shown} is not on this site's allowlist. Add it to the site's allowed_origins."),
        ))
    }
}

/// Agent sockets authenticate with a token in their first frame, so a
/// foreign page gains nothing by opening one; still, a browser page on
/// another origin has no business here. Non-browser clients send no Origin.
fn agent_origin(req: &Request) -> ApiResult<()> {
    let Some(origin) = req.headers().get("origin")? else { return Ok(()) };
    let url = req.url()?;
    let own = url.origin().ascii_serialization();
    if origin.eq_ignore_ascii_case(&own) {
        Ok(())
    } else {
        Err(ApiError::new(403, ErrorCode::ForbiddenOrigin, "Agent routes are only open to the console's own origin."))
    }
}

fn with_cors(resp: Response, origin: &str) -> Result<Response> {
    let headers = Headers::new();
    for (k, v) in resp.headers().entries() {
        headers.set(&k, &v)?;
    }
    headers.set("access-control-allow-origin", origin)?;
    headers.set("vary", "Origin")?;
    Ok(resp.with_headers(headers))
}

/// `?lang=xx` for an internal article route when the request names a valid
/// language (a translation), else nothing (the primary version).
fn lang_query(req: &Request) -> ApiResult<String> {
    let url = req.url()?;
    Ok(url
        .query_pairs()
        .find(|(k, _)| k == "lang")
        .map(|(_, v)| v.to_ascii_lowercase())
        .filter(|l| porchlight_kb::article::valid_lang(l) && l != "en")
        .map(|l| format!("?lang={l}"))
        .unwrap_or_default())
}

fn preflight(req: &Request, site: &SiteConfig) -> ApiResult<Response> {
    let origin = allowed_origin(req, site)?;
    let resp = Response::empty()?.with_status(204);
    let resp = with_cors(resp, &origin)?;
    let headers = resp.headers().clone();
    headers.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
    headers.set("access-control-allow-headers", "content-type")?;
    headers.set("access-control-max-age", "86400")?;
    Ok(resp.with_headers(headers))
}

/// The current index version, or `None` when the site has no articles (or
/// the knowledge base is unreachable: the widget then just shows no suggestions).
async fn kb_version(env: &Env, site_id: &SiteId) -> Option<String> {
    let stub = env.durable_object("KNOWLEDGE_BASE").ok()?.get_by_name(site_id.as_str()).ok()?;
    let mut resp = stub.fetch_with_request(Request::new("https://internal/version", Method::Get).ok()?).await.ok()?;
    let v: serde_json::Value = resp.json().await.ok()?;
    (v["articles"].as_u64().unwrap_or(0) > 0).then(|| v["version"].as_str().map(str::to_owned)).flatten()
}

async fn widget_config(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Response> {
    let origin = allowed_origin(req, site)?;
    let body = WidgetConfig {
        site: site_id.clone(),
        name: site.name.clone(),
        accent_color: site.accent_color.clone(),
        greeting: site.greeting.clone(),
        kb_version: kb_version(env, site_id).await,
        sound: site.sound,
        launcher: site.launcher.resolved(),
        title: header_line(site.header_title.as_deref()),
        subtitle: header_line(site.header_subtitle.as_deref()),
        color_scheme: site.color_scheme,
        hours: crate::hours::in_force(env, &site_id, site).await.0.filter(|h| h.weekly.is_some() || h.replies_in_minutes.is_some()),
    };
    Ok(with_cors(Response::from_json(&body)?, &origin)?)
}

fn header_line(text: Option<&str>) -> Option<String> {
    use porchlight_protocol::appearance::{one_line, MAX_HEADER_CHARS};
    text.map(|t| one_line(t, MAX_HEADER_CHARS)).filter(|t| !t.is_empty())
}

pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(req: &mut Request, origin: &str) -> ApiResult<T> {
    let cors = |e: ApiError| e.with_cors(Some(origin).filter(|o| !o.is_empty()));
    let declared: usize = req.headers().get("content-length")?.and_then(|v| v.parse().ok()).unwrap_or(0);
    if declared > MAX_FRAME_BYTES {
        return Err(cors(too_large()));
    }
    let body = req.bytes().await?;
    if body.len() > MAX_FRAME_BYTES {
        return Err(cors(too_large()));
    }
    serde_json::from_slice(&body).map_err(|e| cors(ApiError::new(400, ErrorCode::BadFrame, format!("The request body is not valid: {e}."))))
}

fn too_large() -> ApiError {
    ApiError::new(413, ErrorCode::FrameTooLarge, format!("Request bodies can be at most {MAX_FRAME_BYTES} bytes."))
}

async fn create_session(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Response> {
    let origin = allowed_origin(&req, site)?;
    let form: CreateSession = read_json(&mut req, &origin).await?;
    let invalid = |e: validate::Invalid| ApiError::new(422, e.code, e.message).with_cors(Some(&origin));
    let name = validate::name(&form.name).map_err(invalid)?;
    let email = validate::email(form.email.as_deref()).map_err(invalid)?;
    let context = validate::context(&form.context).map_err(invalid)?;

    let id = SessionId(crypto::random_hex(16)?);
    let token = crypto::random_hex(32)?;
    let init = crate::session::Init {
        site: site_id.clone(),
        id: id.clone(),
        visitor: porchlight_protocol::VisitorInfo { name, email },
        token_sha256: crypto::sha256_hex(&token),
        context,
    };
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&session_object_name(site_id, &id))?;
    let resp = stub.fetch_with_request(util::internal_post("/init", &init)?).await?;
    if resp.status_code() != 204 {
        return Err(worker::Error::RustError(format!("session init answered {}", resp.status_code())).into());
    }
    let created = Response::from_json(&SessionCreated { session_id: id, token })?.with_status(201);
    Ok(with_cors(created, &origin)?)
}

async fn agent_login(req: &Request, env: &Env) -> ApiResult<Response> {
    let unauthorized = || ApiError::new(401, ErrorCode::Unauthorized, "That agent token is not valid.");
    let header = req.headers().get("authorization")?.unwrap_or_default();
    let token = header.strip_prefix("Bearer ").map(str::trim).filter(|t| !t.is_empty()).ok_or_else(unauthorized)?;
    let sites: Sites = config::sites(env)?;
    let (site, config, agent) = match sites.agent_by_token_hash(&crypto::sha256_hex(token)) {
        Some((site, config, agent)) => (site.clone(), config, agent.clone()),
        None => {
            // An API-made token names its site.
            let site = porchlight_protocol::site::token_site(token).ok_or_else(unauthorized)?;
            let config = sites.get(&site).ok_or_else(unauthorized)?;
            let agent = accounts::by_token(env, &site, config, token).await?.ok_or_else(unauthorized)?;
            (site, config, agent)
        }
    };
    Ok(Response::from_json(&AgentLogin { site, site_name: config.name.clone(), agent: agent.as_ref() })?)
}

/// Agent accounts: ADMINs list every agent, create one (its token is in
/// the answer, once) and revoke API-made ones.
async fn agents_admin(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, rest: &[&str]) -> ApiResult<Response> {
    admin_bearer(&req, env, site_id, site, "Managing agents").await?;
    let desk = env.durable_object("SITE_DESK")?.get_by_name(site_id.as_str())?;
    match (req.method(), rest) {
        (Method::Get, ["agents"]) => {
            let agents = accounts::all(env, site_id, site)
                .await?
                .iter()
                .map(|a| a.info(if site.agents.iter().any(|c| c.id == a.id) { AccountSource::Config } else { AccountSource::Api }))
                .collect();
            Ok(Response::from_json(&AgentList { agents })?)
        }
        (Method::Post, ["agents"]) => {
            let form: CreateAgent = read_json(&mut req, "").await?;
            if !porchlight_protocol::site::valid_agent_id(&form.id) {
                return Err(ApiError::new(422, ErrorCode::BadFrame, "Agent ids are 1–32 lowercase letters, digits or `-`."));
            }
            let name = validate::name(&form.name).map_err(|e| ApiError::new(422, e.code, e.message))?;
            if site.agents.iter().any(|a| a.id.as_str() == form.id) {
                return Err(ApiError::new(409, ErrorCode::BadFrame, format!("`{}` is configured in SITES already.", form.id)));
            }
            let token = format!("plat_{site_id}_{}", crypto::random_hex(24)?);
            let account =
                AgentAccount { id: porchlight_protocol::AgentId(form.id), name, token_sha256: crypto::sha256_hex(&token), role: form.role };
            let resp = desk.fetch_with_request(util::internal_post("/agents", &account)?).await?;
            if resp.status_code() != 201 {
                return Ok(resp);
            }
            let created = CreatedAgent { agent: account.info(AccountSource::Api), token };
            notify_queue_roster(env, site_id).await;
            Ok(Response::from_json(&created)?.with_status(201))
        }
        (Method::Delete, ["agents", id]) => {
            if site.agents.iter().any(|a| a.id.as_str() == *id) {
                return Err(ApiError::new(409, ErrorCode::Forbidden, format!("`{id}` is configured in SITES; remove it there.")));
            }
            if !porchlight_protocol::site::valid_agent_id(id) {
                return Err(ApiError::not_found("Agent"));
            }
            let resp = desk.fetch_with_request(Request::new(&format!("https://internal/agents/{id}"), Method::Delete)?).await?;
            if resp.status_code() == 204 {
                let revoked = porchlight_protocol::internal::Revoked { agent: porchlight_protocol::AgentId(id.to_string()) };
                crate::internal::Queue::of(env, site_id)?.revoked(&revoked).await?;
            }
            Ok(resp)
        }
        _ => Err(ApiError::not_found("Route")),
    }
}

/// The queue recounts presence when the roster changes.
async fn notify_queue_roster(env: &Env, site_id: &SiteId) {
    let result = async { crate::internal::Queue::of(env, site_id)?.roster().await }.await;
    if let Err(e) = result {
        worker::console_error!("telling the queue about a new agent failed: {e}");
    }
}

/// Hands a WebSocket upgrade to a Durable Object, which accepts it with the
/// hibernation API. The object learns its role from `path`.
async fn forward_upgrade(req: Request, env: &Env, binding: &str, object: &str, path: &str) -> ApiResult<Response> {
    if !req.headers().get("upgrade")?.is_some_and(|v| v.eq_ignore_ascii_case("websocket")) {
        return Err(ApiError::new(426, ErrorCode::BadFrame, "This route expects a WebSocket upgrade."));
    }
    let stub = env.durable_object(binding)?.get_by_name(object)?;
    let headers = Headers::new();
    for (k, v) in req.headers().entries() {
        headers.set(&k, &v)?;
    }
    // Durable Objects are named by site; tell the object which one it is.
    headers.set("x-porchlight-site", object.split('/').next().unwrap_or(object))?;
    let mut init = worker::RequestInit::new();
    init.with_headers(headers);
    let forwarded = Request::new_with_init(&format!("https://internal{path}"), &init)?;
    Ok(stub.fetch_with_request(forwarded).await?)
}
