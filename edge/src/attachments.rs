//! Attachment routes in the Worker: origins and the body's cap here, the
//! token and everything else in the session's `ChatSession`
//! (`session/files.rs`). Credentials only in `Authorization`, never in a URL.

use crate::api::{self, read_capped, session_object_name, with_cors, ApiError};
use porchlight_protocol::attachment::MAX_BYTES;
use porchlight_protocol::site::SiteConfig;
use porchlight_protocol::{ErrorCode, SessionId, SiteId};
use worker::{Env, Headers, Method, Request, RequestInit, Response};

type ApiResult<T> = std::result::Result<T, ApiError>;

/// The host page's origin when the site allows it (answers get CORS for
/// it), else the console's own origin (or none, a non-browser client).
fn caller_origin(req: &Request, site: &SiteConfig) -> ApiResult<Option<String>> {
    let origin = req.headers().get("origin")?.unwrap_or_default();
    if !origin.is_empty() && site.allows_origin(&origin) {
        return Ok(Some(origin));
    }
    api::agent_origin(req)?;
    Ok(None)
}

fn cors(resp: worker::Response, origin: &Option<String>) -> ApiResult<Response> {
    let resp = match origin {
        Some(o) => with_cors(resp, o)?,
        None => resp,
    };
    Ok(resp)
}

/// Preflight for the widget's upload and download (they carry `Authorization`).
pub fn preflight(req: &Request, site: &SiteConfig) -> ApiResult<Response> {
    let origin = api::allowed_origin(req, site)?;
    let resp = with_cors(Response::empty()?.with_status(204), &origin)?;
    let headers = resp.headers().clone();
    headers.set("access-control-allow-methods", "GET, POST, OPTIONS")?;
    headers.set("access-control-allow-headers", "authorization, content-type")?;
    headers.set("access-control-max-age", "86400")?;
    Ok(resp.with_headers(headers))
}

/// `POST …/sessions/{id}/attachments?name=…&client_id=…` (the bytes as the
/// body) and `GET …/sessions/{id}/attachments/{attachment}`.
pub async fn route(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, id: &str, file: Option<&str>) -> ApiResult<Response> {
    let origin = caller_origin(&req, site)?;
    let with_origin = |e: ApiError| e.with_cors(origin.as_deref());
    let id = SessionId::parse(id).ok_or_else(|| with_origin(ApiError::new(404, ErrorCode::NotFound, "Session not found.")))?;
    let headers = Headers::new();
    if let Some(auth) = req.headers().get("authorization")? {
        headers.set("authorization", &auth)?;
    }
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&session_object_name(site_id, &id))?;
    let inner = match (req.method(), file) {
        (Method::Post, None) => {
            let query = req.url()?.query().map(|q| format!("?{q}")).unwrap_or_default();
            let too_large = || {
                with_origin(ApiError::new(413, ErrorCode::FileTooLarge, format!("Files can be at most {} MB.", MAX_BYTES / (1024 * 1024))))
            };
            let body = read_capped(&mut req, MAX_BYTES).await?.ok_or_else(too_large)?;
            let mut init = RequestInit::new();
            init.with_method(Method::Post).with_headers(headers).with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
            Request::new_with_init(&format!("https://internal/attachments{query}"), &init)?
        }
        (Method::Get, Some(file)) => {
            let mut init = RequestInit::new();
            init.with_method(Method::Get).with_headers(headers);
            Request::new_with_init(&format!("https://internal/attachments/{}", urlencoding(file)), &init)?
        }
        _ => return Err(with_origin(ApiError::new(404, ErrorCode::NotFound, "Route not found."))),
    };
    let resp = stub.fetch_with_request(inner).await?;
    cors(resp, &origin)
}

/// Ids are `[A-Za-z0-9_]`; anything else is sent on as is only after escaping.
fn urlencoding(s: &str) -> String {
    s.bytes().map(|b| if b.is_ascii_alphanumeric() || b == b'_' { (b as char).to_string() } else { format!("%{b:02X}") }).collect()
}

/// `POST …/team/channels/{id}/attachments?name=…&client_id=…` and `GET
/// …/team/channels/{id}/attachments/{attachment}`: the console's own
/// origin only, an agent token of the site (a visitor's or a participant's
/// is refused like a wrong one); membership is the channel's `TeamChannel`'s to check.
pub async fn team_route(
    mut req: Request,
    env: &Env,
    site_id: &SiteId,
    site: &SiteConfig,
    channel: &str,
    file: Option<&str>,
) -> ApiResult<Response> {
    let agent = api::agent_bearer(&req, env, site_id, site).await?;
    let channel = porchlight_protocol::team::ChannelId::parse(channel).ok_or_else(|| ApiError::not_found("Channel"))?;
    let headers = Headers::new();
    headers.set("x-porchlight-site", site_id.as_str())?;
    headers.set("x-porchlight-agent", agent.id.as_str())?;
    headers.set("x-porchlight-agent-name", &String::from(js_sys::encode_uri_component(&agent.name)))?;
    headers.set("x-porchlight-admin", if agent.role == porchlight_protocol::site::Role::Admin { "1" } else { "0" })?;
    let mut init = RequestInit::new();
    let url = match (req.method(), file) {
        (Method::Post, None) => {
            let query = req.url()?.query().map(|q| format!("?{q}")).unwrap_or_default();
            let too_large =
                || ApiError::new(413, ErrorCode::FileTooLarge, format!("Files can be at most {} MB.", MAX_BYTES / (1024 * 1024)));
            let body = read_capped(&mut req, MAX_BYTES).await?.ok_or_else(too_large)?;
            init.with_method(Method::Post).with_body(Some(js_sys::Uint8Array::from(body.as_slice()).into()));
            format!("https://internal/files{query}")
        }
        (Method::Get, Some(file)) => {
            init.with_method(Method::Get);
            format!("https://internal/files/{}", urlencoding(file))
        }
        _ => return Err(ApiError::not_found("Route")),
    };
    init.with_headers(headers);
    let stub = crate::internal::TeamChannel::of(env, site_id, &channel)?;
    Ok(stub.stub().fetch_with_request(Request::new_with_init(&url, &init)?).await?)
}
