//! Who an agent token belongs to.
//!
//! A site's agents come from two places: the `SITES` configuration (the
//! accounts a deployment starts with, changed by redeploying) and the
//! site's [`crate::desk::SiteDesk`], where ADMINs create and revoke
//! accounts over the API. Both keep only the SHA-256 of a token. Every
//! sign-in (REST bearer, console login, queue and session `hello`) asks
//! here, so a revoked token stops working everywhere at once.

use crate::{crypto, internal};
use porchlight_protocol::site::{AgentAccount, SiteConfig};
use porchlight_protocol::SiteId;
use worker::{Env, Result};

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
    internal::Desk::of(env, site_id)?.agent_by_hash(token_sha256).await
}

/// Whether an API-made account signed in with this token hash is still
/// current (not revoked).
pub async fn hash_is_current(env: &Env, site_id: &SiteId, token_sha256: &str) -> Result<bool> {
    Ok(by_hash(env, site_id, token_sha256.to_owned()).await?.is_some())
}

/// Every current agent of the site: configured ones, then API-made ones.
pub async fn all(env: &Env, site_id: &SiteId, site: &SiteConfig) -> Result<Vec<AgentAccount>> {
    let made = internal::Desk::of(env, site_id)?.agents().await?;
    Ok(site.agents.iter().cloned().chain(made.into_iter().filter(|a| !site.agents.iter().any(|c| c.id == a.id))).collect())
}
