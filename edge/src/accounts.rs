//! Who an agent token belongs to.
//!
//! A site's agents come from two places: the `SITES` configuration (the
//! accounts a deployment starts with, changed by redeploying) and the
//! site's [`crate::desk::SiteDesk`], where ADMINs create and revoke
//! accounts over the API. Both keep only the SHA-256 of a token. Every
//! sign-in (REST bearer, console login, queue and session `hello`) asks
//! here, so a revoked token stops working everywhere at once.

use crate::{crypto, util};
use porchlight_protocol::site::{AgentAccount, SiteConfig};
use porchlight_protocol::SiteId;
use serde::{Deserialize, Serialize};
use worker::{Env, Method, Request, Result};

/// `POST /agents/auth` to the desk.
#[derive(Serialize, Deserialize)]
pub struct TokenCheck {
    pub token_sha256: String,
}

/// The agent of `site` whose token this is, if any (and not revoked).
pub async fn by_token(env: &Env, site_id: &SiteId, site: &SiteConfig, token: &str) -> Result<Option<AgentAccount>> {
    let hash = crypto::sha256_hex(token);
    if let Some(account) = site.agent_by_token_hash(&hash) {
        return Ok(Some(account.clone()));
    }
    // Only API-made tokens live at the desk; skip the round trip for others.
    if porchlight_protocol::site::token_site(token).as_ref() != Some(site_id) {
        return Ok(None);
    }
    by_hash(env, site_id, hash).await
}

async fn by_hash(env: &Env, site_id: &SiteId, token_sha256: String) -> Result<Option<AgentAccount>> {
    let stub = env.durable_object("SITE_DESK")?.get_by_name(site_id.as_str())?;
    let mut resp = stub.fetch_with_request(util::internal_post("/agents/auth", &TokenCheck { token_sha256 })?).await?;
    match resp.status_code() {
        200 => Ok(Some(resp.json().await?)),
        _ => Ok(None),
    }
}

/// Whether an API-made account signed in with this token hash is still
/// current (not revoked).
pub async fn hash_is_current(env: &Env, site_id: &SiteId, token_sha256: &str) -> Result<bool> {
    Ok(by_hash(env, site_id, token_sha256.to_owned()).await?.is_some())
}

/// Every current agent of the site: configured ones, then API-made ones.
pub async fn all(env: &Env, site_id: &SiteId, site: &SiteConfig) -> Result<Vec<AgentAccount>> {
    let stub = env.durable_object("SITE_DESK")?.get_by_name(site_id.as_str())?;
    let mut resp = stub.fetch_with_request(Request::new("https://internal/agents", Method::Get)?).await?;
    let made: Vec<AgentAccount> = if resp.status_code() == 200 { resp.json().await? } else { Vec::new() };
    Ok(site.agents.iter().cloned().chain(made.into_iter().filter(|a| !site.agents.iter().any(|c| c.id == a.id))).collect())
}
