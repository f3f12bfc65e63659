//! HTTP routing and request checks for the Worker.
//!
//! Every refusal is an [`ApiError`], turned into `{"error": {code, message}}`
//! with a status in one place ([`ApiError::into_response`]). Origin checks
//! for visitor routes happen here, before any Durable Object is touched.

use crate::{accounts, config, crypto, identity, limiter, util};
use porchlight_protocol::limits;
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
    /// A 429's `Retry-After`, in seconds.
    pub retry_after_s: Option<u64>,
}

impl ApiError {
    pub fn new(status: u16, code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError { status, code, message: message.into(), cors_origin: None, retry_after_s: None }
    }

    pub(crate) fn not_found(what: &str) -> Self {
        ApiError::new(404, ErrorCode::NotFound, format!("{what} not found."))
    }

    pub fn with_cors(mut self, origin: Option<&str>) -> Self {
        self.cors_origin = origin.map(str::to_owned);
        self
    }

    pub fn into_response(self) -> Result<Response> {
        let mut resp = Response::from_json(&ErrorBody::new(self.code, self.message))?.with_status(self.status);
        if let Some(s) = self.retry_after_s {
            let headers = resp.headers().clone();
            headers.set("retry-after", &s.to_string())?;
            resp = resp.with_headers(headers);
        }
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
        (_, ["api", ..]) if !porchlight_protocol::site::is_local_host(&req.url()?.host_str().unwrap_or_default()) => {
            let found = config::sites(env)?.demo_credentials();
            if found.is_empty() {
                route_api(req, env, &segments).await
            } else {
                Err(demo_credentials_refusal(&found))
            }
        }
        _ => route_api(req, env, &segments).await,
    }
}

/// The deploy guard: the demo's tokens and identity secret are published
/// in this repository, so an edge that still has them serves its API only
/// to this machine (`wrangler dev`). Anywhere else every API route answers
/// 503 until real ones are set (README "Deploy").
fn demo_credentials_refusal(found: &[String]) -> ApiError {
    worker::console_error!("refusing to serve: demo credentials configured ({})", found.join("; "));
    ApiError::new(
        503,
        ErrorCode::DemoCredentials,
        format!(
            "This Porchlight edge still has the demo's public credentials ({}). Replace SITES with your own \
             (agent token hashes, no demo identity_secret) and set secrets with `wrangler secret put`; see README \"Deploy\".",
            found.join("; ")
        ),
    )
}

async fn route_api(mut req: Request, env: &Env, segments: &[&str]) -> ApiResult<Response> {
    match (req.method(), segments) {
        (Method::Get, ["healthz"]) => Ok(Response::ok("ok")?),
        (Method::Post, ["api", "v1", "agent", "login"]) => agent_login(&req, env).await,
        (Method::Post, ["api", "v1", "join"]) => crate::participants::join(req, env, &config::sites(env)?).await,
        (method, ["api", "v1", "sites", site, rest @ ..]) => {
            let sites = config::sites(env)?;
            let site_id = SiteId::parse(site).ok_or_else(|| ApiError::not_found("Site"))?;
            let site = sites.get(&site_id).ok_or_else(|| ApiError::not_found("Site"))?;
            match (method, rest) {
                (Method::Options, ["sessions"] | ["widget"] | ["identity", "conversations"]) => preflight(&req, site),
                (Method::Options, ["sessions", _, "visitor", "transcript"] | ["sessions", _, "attachments", ..]) => {
                    crate::attachments::preflight(&req, site)
                }
                (_, ["sessions", id, "attachments"]) => crate::attachments::route(req, env, &site_id, site, id, None).await,
                (_, ["sessions", id, "attachments", file]) => crate::attachments::route(req, env, &site_id, site, id, Some(file)).await,
                (Method::Get, ["sessions", id, "visitor", "transcript"]) => visitor_transcript(&req, env, &site_id, site, id).await,
                (Method::Post, ["identity", "conversations"]) => identity::conversations(req, env, &site_id, site).await,
                (_, rest @ ["data", ..]) => crate::data::admin(req, env, &site_id, site, rest).await,
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
                (Method::Get, ["contacts"]) => crate::participants::contacts(req, env, &site_id, site).await,
                (_, ["sessions", id, "participants", rest @ ..]) => crate::participants::route(req, env, &site_id, site, id, rest).await,
                (Method::Get, ["sessions", id, "participant"]) => {
                    agent_origin(&req)?;
                    let id = session_id(id, "")?;
                    forward_upgrade(req, env, "CHAT_SESSION", &session_object_name(&site_id, &id), "/external").await
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
                (_, rest @ ["api-keys", ..]) => crate::staff::keys_admin(req, env, &site_id, site, rest).await,
                (Method::Post, ["conversations"]) => crate::staff::start(req, env, &site_id, site).await,
                (Method::Post, ["sessions", id, "events"]) => crate::staff::event(req, env, &site_id, site, id).await,
                (Method::Post, ["tickets", number, "replies"]) => crate::hours::reply_to_ticket(req, env, &site_id, site, number).await,
                (Method::Post, ["tickets", number, "close"]) => crate::hours::close_ticket(req, env, &site_id, site, number).await,
                (_, rest @ ["webhooks", ..]) => webhooks_admin(req, env, &site_id, site, rest).await,
                (_, ["hours"]) => crate::hours::route(req, env, &site_id, site).await,
                (Method::Options, ["kb", ..]) => preflight(&req, site),
                (Method::Get, ["kb", "index"]) => kb_index(req, env, &site_id, site).await,
                (Method::Get, ["kb", "search"]) => {
                    let origin = public_read_origin(&req, site)?;
                    let url = req.url()?;
                    let q = url.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.into_owned()).unwrap_or_default();
                    if q.chars().count() > limits::MAX_SEARCH_CHARS {
                        let max = limits::MAX_SEARCH_CHARS;
                        let e = ApiError::new(422, ErrorCode::QueryTooLong, format!("Search queries can be at most {max} characters."));
                        return Err(e.with_cors(origin.as_deref()));
                    }
                    if let Some(ms) = limiter::take_for_site(env, &site_id, "kb_search", &req, site.limits.kb_search).await? {
                        let wait = limits::retry_after_s(ms);
                        return Err(limiter::refused(ms, format!("Too many searches from your network. Try again in {wait} s."))
                            .with_cors(origin.as_deref()));
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
                (Method::Get, ["team"]) => {
                    agent_origin(&req)?;
                    forward_upgrade(req, env, "SITE_TEAM", site_id.as_str(), "/agent").await
                }
                (_, ["team", "channels", id, "attachments"]) => crate::attachments::team_route(req, env, &site_id, site, id, None).await,
                (_, ["team", "channels", id, "attachments", file]) => {
                    crate::attachments::team_route(req, env, &site_id, site, id, Some(file)).await
                }
                // A channel's own socket: its log, resumed from `last_seq`, and its live frames.
                (Method::Get, ["team", "channels", id]) => {
                    agent_origin(&req)?;
                    let id = porchlight_protocol::team::ChannelId::parse(id).ok_or_else(|| ApiError::not_found("Channel"))?;
                    let name = porchlight_protocol::team::summary::object_name(&site_id, &id);
                    forward_upgrade(req, env, "TEAM_CHANNEL", &name, "/agent").await
                }
                // What team chat's objects did since they woke up, for the
                // test that a message costs its channel only (dev sites only).
                (Method::Get, ["team", "stats"]) if site.dev => {
                    agent_bearer(&req, env, &site_id, site).await?;
                    let stub = env.durable_object("SITE_TEAM")?.get_by_name(site_id.as_str())?;
                    Ok(stub.fetch_with_request(Request::new("https://internal/stats", Method::Get)?).await?)
                }
                // Rows in the pre-split format, for the upgrade's test (dev sites only).
                (Method::Post, ["team", "legacy"]) if site.dev => {
                    agent_bearer(&req, env, &site_id, site).await?;
                    let seed: porchlight_protocol::team::migrate::LegacySeed =
                        req.json().await.map_err(|_| ApiError::new(400, ErrorCode::BadFrame, "The body is not old-format team rows."))?;
                    let mut forward = crate::util::internal_post("/legacy", &seed)?;
                    forward.headers_mut()?.set("x-porchlight-site", site_id.as_str())?;
                    let stub = env.durable_object("SITE_TEAM")?.get_by_name(site_id.as_str())?;
                    Ok(stub.fetch_with_request(forward).await?)
                }
                (Method::Get, ["team", "channels", id, "stats"]) if site.dev => {
                    agent_bearer(&req, env, &site_id, site).await?;
                    let id = porchlight_protocol::team::ChannelId::parse(id).ok_or_else(|| ApiError::not_found("Channel"))?;
                    let stub = crate::internal::TeamChannel::of(env, &site_id, &id)?;
                    Ok(stub.stub().fetch_with_request(Request::new("https://internal/stats", Method::Get)?).await?)
                }
                (Method::Get, ["team", "channels", id, "messages"]) => {
                    let agent = agent_bearer(&req, env, &site_id, site).await?;
                    let id = porchlight_protocol::team::ChannelId::parse(id).ok_or_else(|| ApiError::not_found("Channel"))?;
                    let headers = Headers::new();
                    headers.set("x-porchlight-agent", agent.id.as_str())?;
                    headers.set("x-porchlight-admin", if agent.role == Role::Admin { "1" } else { "0" })?;
                    let mut init = worker::RequestInit::new();
                    init.with_headers(headers);
                    let forwarded = Request::new_with_init("https://internal/log", &init)?;
                    let resp = crate::internal::TeamChannel::of(env, &site_id, &id)?.stub().fetch_with_request(forwarded).await?;
                    if resp.status_code() == 404 {
                        return Err(ApiError::not_found("Channel"));
                    }
                    Ok(resp)
                }
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
    let too_big = || ApiError::new(413, ErrorCode::FrameTooLarge, "Imports can be at most 8 MiB.");
    let method = req.method();
    let (path, body) = match (&method, rest) {
        (Method::Post, ["import"]) => ("/import".to_owned(), Some(read_capped(&mut req, MAX_IMPORT_BYTES).await?.ok_or_else(too_big)?)),
        (Method::Get, ["articles"]) => ("/articles".to_owned(), None),
        (Method::Put | Method::Delete, ["articles", id]) if porchlight_kb::article::valid_id(id) => {
            let body = if method == Method::Put { Some(read_capped(&mut req, MAX_IMPORT_BYTES).await?.ok_or_else(too_big)?) } else { None };
            (format!("/articles/{id}{}", lang_query(&req)?), body)
        }
        _ => return Err(ApiError::not_found("Route")),
    };
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
            let body = read_capped(&mut req, MAX_FRAME_BYTES).await?.ok_or_else(too_large)?;
            let form: porchlight_protocol::webhook::RegisterWebhook = serde_json::from_slice(&body)
                .map_err(|_| ApiError::new(400, ErrorCode::BadFrame, "The body must be {\"url\": \"https://…\"}."))?;
            // Here, where the site's `dev` flag is known.
            porchlight_protocol::webhook::check_url(&form.url, site.dev).map_err(|why| ApiError::new(400, ErrorCode::BadFrame, why))?;
            let mut init = worker::RequestInit::new();
            init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
            Request::new_with_init("https://internal/webhooks", &init)?
        }
        (Method::Post, ["webhooks", id, "rotate"]) if id.len() <= 64 && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_') => {
            Request::new_with_init(&format!("https://internal/webhooks/{id}/rotate"), worker::RequestInit::new().with_method(Method::Post))?
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
/// The agent a console request (`Authorization: Bearer <agent token>`)
/// comes from. A browser page on another origin is refused first
/// ([`agent_origin`]), so a token copied into a foreign page opens nothing.
pub(crate) async fn agent_bearer(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<AgentAccount> {
    agent_origin(req)?;
    guarded_sign_in(req, env, site_id.as_str(), site.limits.auth_failures, agent_bearer_unguarded(req, env, site_id, site)).await
}

async fn agent_bearer_unguarded(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<AgentAccount> {
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
pub(crate) fn allowed_origin(req: &Request, site: &SiteConfig) -> ApiResult<String> {
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

/// Everything agents use (their sockets, the console's Bearer routes, the
/// join page's exchange) is served to the console on this edge's own
/// origin; a browser page anywhere else, a site's pages included, has no
/// business here and gets 403 `forbidden_origin`. Non-browser clients
/// (the site's backend, `cargo xtask`) send no `Origin` and pass.
pub(crate) fn agent_origin(req: &Request) -> ApiResult<()> {
    let Some(origin) = req.headers().get("origin")? else { return Ok(()) };
    let url = req.url()?;
    let own = url.origin().ascii_serialization();
    if origin.eq_ignore_ascii_case(&own) {
        Ok(())
    } else {
        Err(ApiError::new(403, ErrorCode::ForbiddenOrigin, "Agent routes are only open to the console's own origin."))
    }
}

pub(crate) fn with_cors(resp: Response, origin: &str) -> Result<Response> {
    let headers = Headers::new();
    for (k, v) in resp.headers().entries() {
        headers.set(&k, &v)?;
    }
    headers.set("access-control-allow-origin", origin)?;
    // The widget reads a 429's wait (it says it in words too).
    headers.set("access-control-expose-headers", "Retry-After")?;
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

/// The visitor's own transcript (their token in `Authorization`): no internal notes.
async fn visitor_transcript(req: &Request, env: &Env, site_id: &SiteId, site: &SiteConfig, id: &str) -> ApiResult<Response> {
    let origin = allowed_origin(req, site)?;
    let id = session_id(id, &origin)?;
    let headers = Headers::new();
    if let Some(auth) = req.headers().get("authorization")? {
        headers.set("authorization", &auth)?;
    }
    let mut init = worker::RequestInit::new();
    init.with_method(Method::Get).with_headers(headers);
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&session_object_name(site_id, &id))?;
    let resp = stub.fetch_with_request(Request::new_with_init("https://internal/transcript?as=visitor", &init)?).await?;
    Ok(with_cors(resp, &origin)?)
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
        full_page_urls: site.full_page_urls,
        launcher: site.launcher.resolved(),
        title: header_line(site.header_title.as_deref()),
        subtitle: header_line(site.header_subtitle.as_deref()),
        color_scheme: site.color_scheme,
        csat: site.csat,
        hours: crate::hours::in_force(env, &site_id, site).await.0.filter(|h| h.weekly.is_some() || h.replies_in_minutes.is_some()),
        consent_required: site.consent_required,
        agents_online: Some(agents_online(env, site_id).await),
        offline_when_no_agents: site.offline_when_no_agents,
    };
    Ok(with_cors(Response::from_json(&body)?, &origin)?)
}

/// Whether an agent is online (the widget's `agents_online`); when the queue
/// cannot say, yes (the visitor can still ask for a person and wait).
async fn agents_online(env: &Env, site_id: &SiteId) -> bool {
    let asked = async { crate::internal::Queue::of(env, site_id)?.agents_online().await }.await;
    asked.map(|n| n > 0).unwrap_or_else(|e| {
        worker::console_error!("widget config: agents online unknown ({e})");
        true
    })
}

fn header_line(text: Option<&str>) -> Option<String> {
    use porchlight_protocol::appearance::{one_line, MAX_HEADER_CHARS};
    text.map(|t| one_line(t, MAX_HEADER_CHARS)).filter(|t| !t.is_empty())
}

pub(crate) async fn read_json<T: serde::de::DeserializeOwned>(req: &mut Request, origin: &str) -> ApiResult<T> {
    let cors = |e: ApiError| e.with_cors(Some(origin).filter(|o| !o.is_empty()));
    let body = read_capped(req, MAX_FRAME_BYTES).await?.ok_or_else(|| cors(too_large()))?;
    serde_json::from_slice(&body).map_err(|e| cors(ApiError::new(400, ErrorCode::BadFrame, format!("The request body is not valid: {e}."))))
}

/// The request body, or `None` once it passes `max` bytes: a declared
/// `Content-Length` over it is refused unread, and a body without one (or
/// lying about it) is read chunk by chunk and dropped at the cap, so no
/// client makes the Worker hold more than `max` (plus one chunk).
pub async fn read_capped(req: &mut Request, max: usize) -> ApiResult<Option<Vec<u8>>> {
    use futures_util::StreamExt;
    let declared: Option<usize> = req.headers().get("content-length")?.and_then(|v| v.trim().parse().ok());
    if declared.is_some_and(|n| n > max) {
        return Ok(None);
    }
    let Ok(mut stream) = req.stream() else { return Ok(Some(Vec::new())) };
    let mut body = Vec::new();
    while let Some(chunk) = stream.next().await {
        let chunk = chunk?;
        if body.len() + chunk.len() > max {
            return Ok(None);
        }
        body.extend_from_slice(&chunk);
    }
    Ok(Some(body))
}

fn too_large() -> ApiError {
    ApiError::new(413, ErrorCode::FrameTooLarge, format!("Request bodies can be at most {MAX_FRAME_BYTES} bytes."))
}

async fn create_session(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Response> {
    let origin = allowed_origin(&req, site)?;
    let form: CreateSession = read_json(&mut req, &origin).await?;
    let reserved = reserved_names(env, site_id, site).await;
    let invalid = |e: validate::Invalid| ApiError::new(422, e.code, e.message).with_cors(Some(&origin));
    let name = validate::visitor_name(&form.name, &reserved).map_err(invalid)?;
    let email = validate::email(form.email.as_deref()).map_err(invalid)?;
    let mut context = validate::context(&form.context).map_err(invalid)?;
    context.page_url = context.page_url.map(|u| validate::page_url(&u, site.full_page_urls));
    let claims = identity::check(env, site_id, site, form.identity.as_deref()).map_err(|e| e.with_cors(Some(&origin)))?;
    // A signed name is the site's user's own choice of display name: it
    // meets the same rule as a typed one (never the system's, the site's or
    // an agent's), else the pre-chat name stands and the rest still binds.
    let claims = claims.map(|mut c| {
        c.name = c.name.and_then(|n| validate::visitor_name(&n, &reserved).ok());
        c
    });
    // Counted only for a valid form (and identity), so a typo in the name costs nothing.
    if let Some(ms) = limiter::take_for_site(env, site_id, "sessions", &req, site.limits.sessions).await? {
        return Err(limiter::refused(ms, limits::too_many_chats_message(ms)).with_cors(Some(&origin)));
    }

    let id = SessionId(crypto::random_hex(16)?);
    let mut visitor = porchlight_protocol::VisitorInfo::new(name, email);
    // Only a language the widget speaks, as its primary tag; anything else is no preference.
    visitor.locale = form.locale.as_deref().and_then(porchlight_protocol::i18n::Lang::from_code).map(|l| l.code().to_owned());
    let token = match (claims, identity::secret(env, site_id, site)) {
        (Some(claims), Some(key)) => {
            visitor = visitor.verified_by(claims);
            // What the token vouches for wins over what the page said.
            context.attributes.retain(|k, _| !visitor.attributes.contains_key(k));
            let user_id = visitor.user_id.clone().unwrap_or_default();
            // Indexed first: a link to a session that failed to start is skipped later; a lost link is not.
            crate::internal::Desk::of(env, site_id)?.link_identity(&user_id, &id).await?;
            porchlight_protocol::identity::continuity_token(&key, site_id.as_str(), id.as_str())
        }
        _ => crypto::random_hex(32)?,
    };
    let init = crate::session::Init {
        site: site_id.clone(),
        id: id.clone(),
        visitor,
        token_sha256: crypto::sha256_hex(&token),
        context,
        opening: None,
    };
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&session_object_name(site_id, &id))?;
    let resp = stub.fetch_with_request(util::internal_post("/init", &init)?).await?;
    if resp.status_code() != 204 {
        return Err(worker::Error::RustError(format!("session init answered {}", resp.status_code())).into());
    }
    let created = Response::from_json(&SessionCreated { session_id: id, token })?.with_status(201);
    Ok(with_cors(created, &origin)?)
}

/// Names a visitor may not take: the site's and its agents'.
pub(crate) async fn reserved_names(env: &Env, site_id: &SiteId, site: &SiteConfig) -> Vec<String> {
    let agents = accounts::all(env, site_id, site).await.unwrap_or_else(|_| site.agents.clone());
    std::iter::once(site.name.clone()).chain(agents.into_iter().map(|a| a.name)).collect()
}

async fn agent_login(req: &Request, env: &Env) -> ApiResult<Response> {
    agent_origin(req)?;
    // The login route names no site: one count for the edge, at the defaults.
    let rate = limits::Limits::default().auth_failures;
    guarded_sign_in(req, env, limiter::LOGIN_DESK, rate, agent_login_unguarded(req, env)).await
}

/// Runs a token check unless the caller's address has failed too often
/// lately (429); a 401 from it costs the address a token of `rate`.
pub(crate) async fn guarded_sign_in<T>(
    req: &Request,
    env: &Env,
    desk: &str,
    rate: limits::Rate,
    check: impl std::future::Future<Output = ApiResult<T>>,
) -> ApiResult<T> {
    let refused = |ms: u64| {
        limiter::refused(ms, format!("Too many failed sign-ins from your network. Try again in {} s.", limits::retry_after_s(ms)))
    };
    if let Some(ms) = limiter::take(env, desk, "auth", req, rate, true).await? {
        return Err(refused(ms));
    }
    match check.await {
        Err(e) if e.status == 401 => match limiter::take(env, desk, "auth", req, rate, false).await? {
            Some(ms) => Err(refused(ms)),
            None => Err(e),
        },
        other => other,
    }
}

async fn agent_login_unguarded(req: &Request, env: &Env) -> ApiResult<Response> {
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
                let open = crate::internal::Queue::of(env, site_id)?.revoked(&revoked).await?;
                let team = env.durable_object("SITE_TEAM")?.get_by_name(site_id.as_str())?;
                let mut told_team = util::internal_post("/revoked", &revoked)?;
                // The directory closes the agent's channel sockets too, by the site's channel names.
                told_team.headers_mut()?.set("x-porchlight-site", site_id.as_str())?;
                team.fetch_with_request(told_team).await?;
                // Every open session drops the agent's sockets before this
                // answers, so nothing more reaches them anywhere.
                let told = open.iter().map(|session| {
                    let revoked = &revoked;
                    async move { crate::internal::Session::of(env, site_id, session)?.revoke(revoked).await }
                });
                for result in futures_util::future::join_all(told).await {
                    result?;
                }
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
pub(crate) async fn forward_upgrade(req: Request, env: &Env, binding: &str, object: &str, path: &str) -> ApiResult<Response> {
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
