//! External participants (a courier) by a one-time link: an agent adds
//! them (`POST …/sessions/{id}/participants`), the link's first open trades
//! its token for a credential (`POST /api/v1/join`), and the credential
//! opens their socket (`GET …/sessions/{id}/participant`).
//!
//! The link token travels only in the join page's fragment and in this
//! route's body; neither is logged. Only hashes reach the session object.
//! Rules and bodies are `porchlight_protocol::participants`.

use crate::api::{self, ApiError};
use crate::crypto;
use crate::session::externals::{AddExternal, Exchange, Exchanged, RemoveExternal};
use crate::util;
use porchlight_protocol::limits;
use porchlight_protocol::participants::{self as rules, AddParticipant, CreatedInvite, External, Join, Joined, Listed};
use porchlight_protocol::site::{SiteConfig, Sites};
use porchlight_protocol::team::lookup::{self, ContactList, Lookup};
use porchlight_protocol::{ErrorCode, SessionId, SiteId};
use worker::{Env, Method, Request, Response};

type ApiResult<T> = std::result::Result<T, ApiError>;

/// The desk object that counts missed link exchanges (the route names no
/// site; site ids never start with `_`).
const JOIN_DESK: &str = "_join";

fn session_stub(env: &Env, site_id: &SiteId, id: &str) -> ApiResult<(SessionId, worker::Stub)> {
    let id = SessionId::parse(id).ok_or_else(|| ApiError::new(404, ErrorCode::NotFound, "Session not found."))?;
    let stub = env.durable_object("CHAT_SESSION")?.get_by_name(&api::session_object_name(site_id, &id))?;
    Ok((id, stub))
}

/// `…/sessions/{id}/participants[/{participant}]`: agents list, add and
/// remove external participants.
pub async fn route(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, id: &str, rest: &[&str]) -> ApiResult<Response> {
    let account = api::agent_bearer(&req, env, site_id, site).await?;
    let (session, stub) = session_stub(env, site_id, id)?;
    match (req.method(), rest) {
        (Method::Get, []) => Ok(stub.fetch_with_request(Request::new("https://internal/externals", Method::Get)?).await?),
        (Method::Post, []) => {
            let body: AddParticipant = api::read_json(&mut req, "").await?;
            let (name, role) = rules::check_add(&body).map_err(|e| ApiError::new(422, e.code, e.message))?;
            let who = External { id: format!("ext_{}", crypto::random_hex(8)?), name, role };
            let token = rules::new_link_token(site_id, &session, &crypto::random_hex(rules::SECRET_BYTES)?);
            let add = AddExternal { by: account.as_ref(), who, link_sha256: crypto::sha256_hex(&token) };
            let mut resp = stub.fetch_with_request(util::internal_post("/externals", &add)?).await?;
            if resp.status_code() != 201 {
                return Ok(resp);
            }
            let listed: Listed = resp.json().await?;
            let edge = req.url()?.origin().ascii_serialization();
            let created = CreatedInvite { participant: listed.who, link: rules::join_link(&edge, &token), expires_at: listed.expires_at };
            Ok(Response::from_json(&created)?.with_status(201))
        }
        (Method::Delete, [participant]) => {
            let remove = RemoveExternal { by: account.as_ref(), id: (*participant).to_owned() };
            Ok(stub.fetch_with_request(util::internal_post("/externals/remove", &remove)?).await?)
        }
        _ => Err(ApiError::new(404, ErrorCode::NotFound, "Route not found.")),
    }
}

/// `GET /api/v1/sites/{site}/contacts?q=…` (Bearer of an agent): the
/// site's visitors and verified customers whose name, email or user id
/// matches, one row each, for the "Add participant" picker.
pub async fn contacts(req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> ApiResult<Response> {
    api::agent_bearer(&req, env, site_id, site).await?;
    let url = req.url()?;
    let q = url.query_pairs().find(|(k, _)| k == "q").map(|(_, v)| v.trim().to_owned()).unwrap_or_default();
    if q.chars().count() > 100 {
        return Err(ApiError::new(422, ErrorCode::QueryTooLong, "Searches for people can be at most 100 characters."));
    }
    let contacts = if q.is_empty() {
        Vec::new()
    } else {
        let found = crate::internal::Queue::of(env, site_id)?.lookup(&Lookup::Contact { query: q }).await?;
        lookup::contacts(&found)
    };
    Ok(Response::from_json(&ContactList { contacts })?)
}

/// `POST /api/v1/join`: the link's token for a participant credential,
/// once. The body is never logged. An address whose exchanges keep
/// missing (guessed tokens) is held with 429s
/// ([`limits::JOIN_FAILURES`]), before the token is even read.
pub async fn join(req: Request, env: &Env, sites: &Sites) -> ApiResult<Response> {
    let rate = limits::JOIN_FAILURES;
    let refused = |ms: u64| crate::limiter::refused(ms, limits::too_many_joins_message(ms));
    let address = crate::limiter::address(&req);
    if let Some(ms) = crate::limiter::take_for_address(env, JOIN_DESK, "join", address.as_deref(), rate, true).await? {
        return Err(refused(ms));
    }
    let answer = exchange(req, env, sites).await;
    let status = match &answer {
        Ok(resp) => resp.status_code(),
        Err(e) => e.status,
    };
    if limits::join_missed(status) {
        if let Some(ms) = crate::limiter::take_for_address(env, JOIN_DESK, "join", address.as_deref(), rate, false).await? {
            return Err(refused(ms));
        }
    }
    answer
}

async fn exchange(mut req: Request, env: &Env, sites: &Sites) -> ApiResult<Response> {
    api::agent_origin(&req)?;
    let invalid = || ApiError::new(404, ErrorCode::NotFound, "This link does not open any conversation.");
    let Join { token } = api::read_json(&mut req, "").await?;
    let (site_id, session) = rules::link_session(token.trim()).ok_or_else(invalid)?;
    if sites.get(&site_id).is_none() {
        return Err(invalid());
    }
    let credential = rules::new_credential(&site_id, &session, &crypto::random_hex(rules::SECRET_BYTES)?);
    let exchange = Exchange { link_sha256: crypto::sha256_hex(token.trim()), credential_sha256: crypto::sha256_hex(&credential) };
    let (_, stub) = session_stub(env, &site_id, session.as_str())?;
    let mut resp = stub.fetch_with_request(util::internal_post("/externals/join", &exchange)?).await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let Exchanged { session_id, participant } = resp.json().await?;
    Ok(Response::from_json(&Joined { credential, site: site_id, session_id, participant })?)
}
