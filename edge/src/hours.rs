//! A site's business hours: `SITES`' (or around the clock), unless an
//! ADMIN set others over the API, which the site's `SiteDesk` keeps. The
//! schedule's meaning (open now, next change) is `porchlight_protocol::hours`.
//! And the answer to what visitors leave outside them: an agent's reply to
//! a ticket, stored on it and delivered into its conversation; and closing
//! a ticket, after which its conversation takes no more messages.

use crate::api::{admin_bearer, agent_bearer, desk_forward, read_json, ApiError};
use crate::util::now_ms;
use porchlight_protocol::hours::{Hours, HoursAnswer, HoursSource};
use porchlight_protocol::internal::TicketReplyDraft;
use porchlight_protocol::site::SiteConfig;
use porchlight_protocol::ticket::{ReplyToTicket, Ticket};
use porchlight_protocol::{validate, ErrorCode, SiteId};
use worker::{Env, Method, Request, Response};

/// The hours in force and where they come from. A desk that cannot be
/// reached leaves the configured hours in force (and says so in the log).
pub async fn in_force(env: &Env, site_id: &SiteId, site: &SiteConfig) -> (Option<Hours>, HoursSource) {
    match api_hours(env, site_id).await {
        Ok(Some(hours)) => (Some(hours), HoursSource::Api),
        Ok(None) => (site.hours.clone(), HoursSource::Config),
        Err(e) => {
            worker::console_error!("reading {site_id}'s hours from its desk failed: {e}");
            (site.hours.clone(), HoursSource::Config)
        }
    }
}

async fn api_hours(env: &Env, site_id: &SiteId) -> worker::Result<Option<Hours>> {
    #[derive(serde::Deserialize)]
    struct Stored {
        hours: Option<Hours>,
    }
    let stub = env.durable_object("SITE_DESK")?.get_by_name(site_id.as_str())?;
    let mut resp = stub.fetch_with_request(Request::new("https://internal/hours", Method::Get)?).await?;
    Ok(resp.json::<Stored>().await?.hours)
}

/// `GET` (any agent of the site), `PUT` and `DELETE` (ADMIN) `…/hours`.
pub async fn route(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig) -> Result<Response, ApiError> {
    match req.method() {
        Method::Get => {
            agent_bearer(&req, env, site_id, site).await?;
        }
        Method::Put => {
            admin_bearer(&req, env, site_id, site, "Setting business hours").await?;
            let hours: Hours = read_json(&mut req, "").await?;
            hours.validate().map_err(|e| ApiError::new(422, ErrorCode::InvalidHours, e.0))?;
            let mut init = worker::RequestInit::new();
            init.with_method(Method::Put).with_body(Some(serde_json::to_string(&hours).map_err(worker::Error::from)?.into()));
            desk_forward(env, site_id, Request::new_with_init("https://internal/hours", &init)?).await?;
        }
        Method::Delete => {
            admin_bearer(&req, env, site_id, site, "Setting business hours").await?;
            desk_forward(env, site_id, Request::new("https://internal/hours", Method::Delete)?).await?;
        }
        _ => return Err(ApiError::new(404, ErrorCode::NotFound, "Route not found.")),
    }
    let (hours, source) = in_force(env, site_id, site).await;
    Ok(Response::from_json(&HoursAnswer::at(hours.unwrap_or_default(), source, now_ms()))?)
}

/// `POST …/tickets/{number}/replies` (any agent of the site): the desk stores
/// the reply and sends `ticket.replied`; then the conversation gets it as
/// the agent's message, so the visitor's widget shows it on their next visit.
pub async fn reply_to_ticket(mut req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, number: &str) -> Result<Response, ApiError> {
    let agent = agent_bearer(&req, env, site_id, site).await?;
    let number: u64 = number.parse().map_err(|_| ApiError::new(404, ErrorCode::NotFound, "Ticket not found."))?;
    let ReplyToTicket { text } = read_json(&mut req, "").await?;
    let text = validate::message(&text).map_err(|e| ApiError::new(422, e.code, e.message))?;
    let draft = TicketReplyDraft { agent: agent.as_ref(), text };
    let mut resp = desk_forward(env, site_id, crate::util::internal_post(&format!("/tickets/{number}/replies"), &draft)?).await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let ticket: Ticket = resp.json().await?;
    // A team ticket has no conversation to post into.
    let Some(session_id) = &ticket.session else { return Ok(Response::from_json(&ticket)?) };
    let session = env.durable_object("CHAT_SESSION")?.get_by_name(&crate::api::session_object_name(site_id, session_id))?;
    let delivered = session.fetch_with_request(crate::util::internal_post("/ticket-reply", &draft)?).await?;
    if delivered.status_code() != 204 {
        // Stored on the ticket and sent as a webhook either way.
        worker::console_error!("ticket {number}: the reply did not reach its conversation ({})", delivered.status_code());
    }
    Ok(Response::from_json(&ticket)?)
}

/// `POST /api/v1/sites/{site}/tickets/{number}/close` (any agent of the
/// site): the ticket is closed at the desk, then its conversation learns
/// it and takes no more messages. Closing again answers the ticket as is.
pub async fn close_ticket(req: Request, env: &Env, site_id: &SiteId, site: &SiteConfig, number: &str) -> Result<Response, ApiError> {
    let agent = agent_bearer(&req, env, site_id, site).await?;
    let number: u64 = number.parse().map_err(|_| ApiError::new(404, ErrorCode::NotFound, "Ticket not found."))?;
    let mut resp = desk_forward(env, site_id, crate::util::internal_post(&format!("/tickets/{number}/close"), &())?).await?;
    if resp.status_code() != 200 {
        return Ok(resp);
    }
    let ticket: Ticket = resp.json().await?;
    let closed = porchlight_protocol::ticket::TicketClosed { ticket: ticket.as_ref(), by: agent.as_ref() };
    let Some(session_id) = &ticket.session else { return Ok(Response::from_json(&ticket)?) };
    let session = env.durable_object("CHAT_SESSION")?.get_by_name(&crate::api::session_object_name(site_id, session_id))?;
    let told = session.fetch_with_request(crate::util::internal_post("/ticket-closed", &closed)?).await?;
    if told.status_code() != 204 {
        // The desk holds it closed either way; the conversation's link says so on the next close call.
        worker::console_error!("ticket {number}: the conversation did not take the close ({})", told.status_code());
    }
    Ok(Response::from_json(&ticket)?)
}
