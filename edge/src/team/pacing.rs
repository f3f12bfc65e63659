//! How fast one agent may use team chat
//! ([`porchlight_protocol::team::pace`]): a token bucket per agent and
//! class, with the site's `limits.messages` and `limits.chatter`, exactly
//! as a session's agent is held (`session/guard.rs`). The directory and
//! each channel's object hold their own buckets (a channel's are what
//! stop a flood of messages into it).
//!
//! Buckets live in memory; a refusal writes its bucket to storage, and a
//! bucket is read back once per wake-up, so a refused agent stays refused
//! across an eviction. A refusal also holds the class until its wait ends:
//! a message sent after a refused one is refused too, even if a token came
//! back meanwhile, so nothing is stored out of the order it was typed (the
//! console resends its outbox, in order, after the wait).

use crate::config;
use crate::util::now_ms;
use porchlight_protocol::limits::{Bucket, Limits, Rate};
use porchlight_protocol::team::pace::Pace;
use porchlight_protocol::{AgentId, SiteId};
use serde::Deserialize;
use std::collections::HashMap;
use worker::{Env, Result, SqlStorage};

/// The table a refused bucket is kept in, in each object's own database.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS limits (key TEXT PRIMARY KEY, tokens REAL NOT NULL, at_ms INTEGER NOT NULL)";

fn load(sql: &SqlStorage, key: &str) -> Result<Option<Bucket>> {
    #[derive(Deserialize)]
    struct Row {
        tokens: f64,
        at_ms: f64,
    }
    let rows: Vec<Row> = sql.exec("SELECT tokens, at_ms FROM limits WHERE key = ?", vec![key.to_owned().into()])?.to_array()?;
    Ok(rows.first().map(|r| Bucket { tokens: r.tokens, at_ms: r.at_ms as u64 }))
}

fn save(sql: &SqlStorage, key: &str, b: &Bucket) -> Result<()> {
    sql.exec(
        "INSERT INTO limits (key, tokens, at_ms) VALUES (?, ?, ?)
         ON CONFLICT (key) DO UPDATE SET tokens = excluded.tokens, at_ms = excluded.at_ms",
        vec![key.to_owned().into(), b.tokens.into(), (b.at_ms as i64).into()],
    )?;
    Ok(())
}

#[derive(Default)]
pub struct Guard {
    /// The site's limits, read once per wake-up.
    limits: Option<Limits>,
    buckets: HashMap<String, Bucket>,
    /// Per bucket key, when a refusal's wait ends.
    held_until: HashMap<String, u64>,
}

impl Guard {
    fn limits(&mut self, env: &Env, site: &SiteId) -> Limits {
        if let Some(l) = &self.limits {
            return l.clone();
        }
        let limits = config::sites(env).ok().and_then(|sites| sites.get(site).map(|s| s.limits.clone())).unwrap_or_default();
        self.limits = Some(limits.clone());
        limits
    }

    /// Takes a token for `agent` from `pace`'s bucket: `Err(ms)` to wait.
    pub fn admit(&mut self, env: &Env, sql: &SqlStorage, site: &SiteId, agent: &AgentId, pace: Pace) -> std::result::Result<(), u64> {
        let limits = self.limits(env, site);
        let rate: Rate = match pace {
            Pace::Messages => limits.messages,
            Pace::Chatter => limits.chatter,
        };
        let key = format!("{agent}:{}", pace.name());
        let now = now_ms();
        if !self.buckets.contains_key(&key) {
            let stored = load(sql, &key).ok().flatten();
            self.buckets.insert(key.clone(), stored.unwrap_or(Bucket::full(&rate, now)));
        }
        if let Some(&until) = self.held_until.get(&key) {
            if now < until {
                return Err(until - now);
            }
            self.held_until.remove(&key);
        }
        let Some(bucket) = self.buckets.get_mut(&key) else { return Ok(()) };
        let outcome = bucket.take(&rate, now);
        if let Err(wait) = outcome {
            let b = *bucket;
            self.held_until.insert(key.clone(), now + wait);
            if let Err(e) = save(sql, &key, &b) {
                worker::console_error!("team chat: storing a rate limit failed: {e}");
            }
        }
        outcome
    }
}
