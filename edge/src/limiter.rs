//! Per-address abuse limits ([`porchlight_protocol::limits`]): the Worker
//! asks the site's `SiteDesk` to take a token from a bucket, and the desk
//! keeps every bucket in its SQLite storage, so neither an eviction nor a
//! restart hands an abuser a fresh burst. Only rare requests come here
//! (new sessions, public searches, failed sign-ins); messages never do.

use porchlight_protocol::limits::{self, Bucket, LimitAnswer, LimitCheck, Rate};
use porchlight_protocol::{ErrorCode, SiteId};
use serde::Deserialize;
use worker::{Env, Request, Result, SqlStorage};

/// The desk object that counts failed sign-ins on the site-less login
/// route (site ids never start with `_`).
pub const LOGIN_DESK: &str = "_login";

/// The caller's address as Cloudflare saw it (`wrangler dev` passes a
/// client-supplied `CF-Connecting-IP` through; tests use that).
pub fn address(req: &Request) -> Option<String> {
    req.headers().get("cf-connecting-ip").ok().flatten()
}

/// Takes a token for `kind` from the caller's bucket at desk `desk`:
/// `Ok(None)` when allowed, `Ok(Some(ms))` to wait.
pub async fn take(env: &Env, desk: &str, kind: &str, req: &Request, rate: Rate, peek: bool) -> Result<Option<u64>> {
    take_for_address(env, desk, kind, address(req).as_deref(), rate, peek).await
}

/// [`take`] for an address seen earlier (a socket's, kept from its upgrade).
pub async fn take_for_address(env: &Env, desk: &str, kind: &str, address: Option<&str>, rate: Rate, peek: bool) -> Result<Option<u64>> {
    let check = LimitCheck { key: limits::address_key(kind, address), rate, peek };
    let stub = env.durable_object("SITE_DESK")?.get_by_name(desk)?;
    let mut resp = stub.fetch_with_request(crate::util::internal_post("/limit", &check)?).await?;
    if resp.status_code() != 200 {
        return Err(worker::Error::RustError(format!("desk limit: answered {}", resp.status_code())));
    }
    Ok(resp.json::<LimitAnswer>().await?.retry_after_ms)
}

/// [`take`] at the site's own desk.
pub async fn take_for_site(env: &Env, site: &SiteId, kind: &str, req: &Request, rate: Rate) -> Result<Option<u64>> {
    take(env, site.as_str(), kind, req, rate, false).await
}

/// The 429 for a refusal, with `Retry-After` in seconds.
pub fn refused(ms: u64, message: String) -> crate::api::ApiError {
    let mut e = crate::api::ApiError::new(429, ErrorCode::RateLimited, message);
    e.retry_after_s = Some(limits::retry_after_s(ms));
    e
}

// ───────────── the desk's side ─────────────

pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL)";

/// Buckets untouched this long are full again for any sane rate; dropped.
const FORGET_MS: u64 = 24 * 3600 * 1000;

#[derive(Deserialize)]
struct Row {
    tokens: f64,
    at_ms: f64,
}

/// The desk's `POST /limit`: one read and (when taken) one write.
pub fn apply(sql: &SqlStorage, check: &LimitCheck, now: u64) -> Result<LimitAnswer> {
    let rows: Vec<Row> = sql.exec("SELECT tokens, at_ms FROM limits WHERE key = ?", vec![check.key.clone().into()])?.to_array()?;
    let mut bucket = rows.first().map_or(Bucket::full(&check.rate, now), |r| Bucket { tokens: r.tokens, at_ms: r.at_ms as u64 });
    let outcome = if check.peek { bucket.peek(&check.rate, now) } else { bucket.take(&check.rate, now) };
    if outcome.is_ok() && !check.peek {
        sql.exec(
            "INSERT INTO limits (key, tokens, at_ms) VALUES (?, ?, ?)
             ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at_ms = excluded.at_ms",
            vec![check.key.clone().into(), bucket.tokens.into(), (bucket.at_ms as i64).into()],
        )?;
        // Now and then, forget addresses long gone (keeps the table small).
        if js_sys::Math::random() < 0.01 {
            sql.exec("DELETE FROM limits WHERE at_ms < ?", vec![(now.saturating_sub(FORGET_MS) as i64).into()])?;
        }
    }
    Ok(LimitAnswer { retry_after_ms: outcome.err() })
}

/// A sign-in over a socket (`hello` with an agent token), held to the same
/// failed sign-in budget as the REST routes: `Some(ms)` when the address
/// has failed too often lately, before the token is even looked at.
pub async fn sign_in_refused(env: &Env, site: &SiteId, address: Option<&str>, rate: Rate) -> Result<Option<u64>> {
    take_for_address(env, site.as_str(), "auth", address, rate, true).await
}

/// Counts one failed socket sign-in against the address.
pub async fn sign_in_failed(env: &Env, site: &SiteId, address: Option<&str>, rate: Rate) {
    if let Err(e) = take_for_address(env, site.as_str(), "auth", address, rate, false).await {
        worker::console_error!("counting a failed sign-in: {e}");
    }
}

/// What a socket is told when its address has failed too often.
pub fn sign_in_wait_message(ms: u64) -> String {
    format!("Too many failed sign-ins from your network. Try again in {} s.", limits::retry_after_s(ms))
}
