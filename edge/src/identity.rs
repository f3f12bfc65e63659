//! Verified identity on the edge: where a site's identity secret comes
//! from, checking a token on `POST sessions` and `hello`, and continuity
//! (a verified user's conversations on another browser).
//!
//! The rules themselves (JWT shape, `alg`, signature, `exp`, claims) are
//! pure, in `porchlight_protocol::identity`.

use crate::api::ApiError;
use crate::util::now_ms;
use porchlight_protocol::identity::{self, Claims};
use porchlight_protocol::site::{identity_secret_var, SiteConfig};
use porchlight_protocol::{ErrorCode, SiteId};
use worker::Env;

/// The site's identity secret: the Worker secret `IDENTITY_SECRET_<SITE>`
/// if set (production), else `identity_secret` in `SITES` (the demo).
pub fn secret(env: &Env, site_id: &SiteId, site: &SiteConfig) -> Option<Vec<u8>> {
    let name = identity_secret_var(site_id);
    let from_env = env.secret(&name).map(|s| s.to_string()).ok().or_else(|| env.var(&name).map(|v| v.to_string()).ok());
    from_env.or_else(|| site.identity_secret.clone()).filter(|s| !s.trim().is_empty()).map(String::into_bytes)
}

/// Checks the identity token a visitor sent, if any. `Ok(None)`: no token,
/// and the site does not require one.
pub fn check(env: &Env, site_id: &SiteId, site: &SiteConfig, token: Option<&str>) -> Result<Option<Claims>, ApiError> {
    let Some(token) = token.map(str::trim).filter(|t| !t.is_empty()) else {
        if site.identity_required {
            return Err(ApiError::new(
                401,
                ErrorCode::IdentityRequired,
                "This site chats only with signed-in users: send an identity token.",
            ));
        }
        return Ok(None);
    };
    let Some(key) = secret(env, site_id, site) else {
        return Err(ApiError::new(401, ErrorCode::InvalidIdentity, "This site has no identity secret configured, so no token can verify."));
    };
    identity::verify(token, &key, now_ms() / 1000).map(Some).map_err(|e| ApiError::new(401, e.code(), e.message()))
}

/// `POST /api/v1/sites/{site}/identity/conversations` with `{identity}`:
/// the verified user's conversations on this site with their visitor
/// tokens, so another browser or device can show and reopen them. Only a
/// valid token of that user gets them.
pub async fn conversations(mut req: worker::Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> Result<worker::Response, ApiError> {
    use porchlight_protocol::identity::{Conversations, ConversationsRequest, KnownConversation, MAX_CONVERSATIONS};
    let origin = crate::api::allowed_origin(&req, site)?;
    let cors = |e: ApiError| e.with_cors(Some(&origin));
    let body: ConversationsRequest = crate::api::read_json(&mut req, &origin).await?;
    let claims = check(env, site_id, site, Some(&body.identity))
        .map_err(cors)?
        .ok_or_else(|| cors(ApiError::new(401, ErrorCode::IdentityRequired, "Send the signed-in user's identity token.")))?;
    let key = secret(env, site_id, site).unwrap_or_default();
    let ids = crate::internal::Desk::of(env, site_id)?.identity_sessions(&claims.sub, MAX_CONVERSATIONS).await?;
    let mut conversations = Vec::with_capacity(ids.len());
    for id in ids {
        // A link whose session never started (or was erased) is skipped.
        let Some(summary) = crate::internal::Session::of(env, site_id, &id)?.summary().await? else { continue };
        conversations.push(KnownConversation {
            token: identity::continuity_token(&key, site_id.as_str(), id.as_str()),
            session_id: id,
            status: summary.status,
            preview: summary.last_message.unwrap_or_default(),
            at: summary.updated_at,
        });
    }
    let resp = worker::Response::from_json(&Conversations { user_id: claims.sub, conversations })?;
    Ok(crate::api::with_cors(resp, &origin)?)
}
