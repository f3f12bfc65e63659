//! Porchlight's edge relay, a Cloudflare Worker.
//!
//! The Worker itself is stateless: it checks the request (route, origin,
//! size, credentials where it can) and forwards it to a Durable
//! Object, or to the static assets (loader, widget, console).
//!
//! - [`session::ChatSession`]: one per chat. Owns the message log (SQLite),
//!   assigns sequence numbers, runs the state machine, and holds the
//!   visitor's and agents' WebSockets (hibernating).
//! - [`queue::SiteQueue`]: one per site. Holds a summary row per session and
//!   pushes changes to every signed-in agent's console.
//! - [`desk::SiteDesk`]: one per site. Tickets, webhook endpoints, and the
//!   outbox of webhook deliveries, retried by alarm.
//! - [`team::SiteTeam`]: one per site. Team chat's directory: channels,
//!   DMs, folders, members for listing, each agent's mutes and badges.
//! - [`team_channel::TeamChannel`]: one per team channel or DM. Its log,
//!   members (the authority for who gets its frames), read marks, files,
//!   and the sockets of consoles that have it open.
//! - [`kb::KnowledgeBase`]: one per site. Stores help-center articles and
//!   the search index built from them; ranks messages for the bot.
//!
//! Errors are converted to HTTP responses once, here, via [`api::ApiError`].

mod accounts;
mod api;
mod attachments;
mod config;
mod crypto;
mod csat;
mod data;
mod desk;
mod desk_keys;
mod file_io;
mod hours;
mod identity;
mod internal;
mod kb;
mod limiter;
mod participants;
mod queue;
mod session;
mod staff;
mod team;
mod team_channel;
mod util;

use worker::{event, Context, Env, Request, Response, Result};

#[event(fetch)]
async fn fetch(req: Request, env: Env, _ctx: Context) -> Result<Response> {
    match api::route(req, &env).await {
        Ok(resp) => Ok(resp),
        Err(err) => err.into_response(),
    }
}
