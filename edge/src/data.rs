//! A visitor's data, for ADMINs: export as JSON and erase, by session id
//! (`/data/sessions/{id}`) or verified user id (`/data/users/{user_id}`).
//!
//! Erasing reaches every copy: the session's own storage (messages,
//! events, marks: the whole object), the queue's summary and search rows,
//! the desk's tickets made from it, its identity link and the webhook
//! outbox bodies that name it. Retention (`retention_days`) erases the same
//! way from the session's alarm.

use crate::api::{admin_bearer, ApiError};
use crate::internal::{Desk, Queue, Session};
use crate::util::now_ms;
use porchlight_protocol::data::{DataExport, Erased, MAX_USER_SESSIONS};
use porchlight_protocol::site::SiteConfig;
use porchlight_protocol::{SessionId, SiteId};
use worker::{Env, Method, Request, Response};

pub async fn admin(req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, rest: &[&str]) -> Result<Response, ApiError> {
    admin_bearer(&req, env, site_id, site, "Exporting or erasing visitor data").await?;
    let (user_id, sessions) = match rest {
        ["data", "sessions", id] => {
            let id =
                SessionId::parse(id).ok_or_else(|| ApiError::new(404, porchlight_protocol::ErrorCode::NotFound, "Session not found."))?;
            (None, vec![id])
        }
        ["data", "users", user] => {
            let user = js_sys::decode_uri_component(user).ok().and_then(|u| u.as_string()).unwrap_or_default();
            if user.is_empty() || user.chars().count() > porchlight_protocol::identity::MAX_USER_ID_CHARS {
                return Err(ApiError::new(404, porchlight_protocol::ErrorCode::NotFound, "User not found."));
            }
            let ids = Desk::of(env, site_id)?.identity_sessions(&user, MAX_USER_SESSIONS).await?;
            (Some(user), ids)
        }
        _ => return Err(ApiError::new(404, porchlight_protocol::ErrorCode::NotFound, "Route not found.")),
    };
    match req.method() {
        Method::Get => {
            let desk = Desk::of(env, site_id)?;
            let mut export =
                DataExport { site: site_id.clone(), user_id, sessions: Vec::new(), tickets: Vec::new(), exported_at: now_ms() };
            for id in &sessions {
                if let Some(transcript) = Session::of(env, site_id, id)?.transcript().await? {
                    export.sessions.push(transcript);
                }
                export.tickets.extend(desk.export(id).await?);
            }
            if export.sessions.is_empty() && export.tickets.is_empty() {
                return Err(ApiError::new(404, porchlight_protocol::ErrorCode::NotFound, "No data is kept for that visitor."));
            }
            let headers = worker::Headers::new();
            headers.set("content-type", "application/json")?;
            headers.set("content-disposition", "attachment; filename=\"porchlight-visitor-data.json\"")?;
            Ok(Response::from_json(&export)?.with_headers(headers))
        }
        Method::Delete => {
            for id in &sessions {
                erase_session(env, site_id, id).await?;
            }
            Ok(Response::from_json(&Erased { erased: sessions })?)
        }
        _ => Err(ApiError::new(404, porchlight_protocol::ErrorCode::NotFound, "Route not found.")),
    }
}

/// Erases one session everywhere. The session goes first, so no later
/// sync from it can put a copy back in the queue or the desk.
pub async fn erase_session(env: &Env, site_id: &SiteId, id: &SessionId) -> worker::Result<()> {
    Session::of(env, site_id, id)?.erase().await?;
    erase_copies(env, site_id, id).await
}

/// The queue's and the desk's copies of a session.
pub async fn erase_copies(env: &Env, site_id: &SiteId, id: &SessionId) -> worker::Result<()> {
    Queue::of(env, site_id)?.erase(id).await?;
    Desk::of(env, site_id)?.erase(id).await
}
