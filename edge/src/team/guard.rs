//! How fast one agent may use the team socket
//! ([`porchlight_protocol::team::pace`]): a token bucket per agent and
//! class, with the site's `limits.messages` and `limits.chatter`, exactly
//! as a session's agent is held (`session/guard.rs`).
//!
//! Buckets live in memory; a refusal writes its bucket to storage, and a
//! bucket is read back once per wake-up, so a refused agent stays refused
//! across an eviction. A refusal also holds the class until its wait ends:
//! a message sent after a refused one is refused too, even if a token came
//! back meanwhile, so nothing is stored out of the order it was typed (the
//! console resends its outbox, in order, after the wait).

use super::SiteTeam;
use crate::config;
use crate::util::now_ms;
use porchlight_protocol::limits::{Bucket, Limits, Rate};
use porchlight_protocol::team::pace::Pace;
use porchlight_protocol::{AgentId, SiteId};
use std::collections::HashMap;

#[derive(Default)]
pub struct Guard {
    /// The site's limits, read once per wake-up.
    limits: Option<Limits>,
    buckets: HashMap<String, Bucket>,
    /// Per bucket key, when a refusal's wait ends.
    held_until: HashMap<String, u64>,
}

impl SiteTeam {
    fn limits(&self, site: &SiteId) -> Limits {
        if let Some(l) = &self.guard.borrow().limits {
            return l.clone();
        }
        let limits = config::sites(&self.env).ok().and_then(|sites| sites.get(site).map(|s| s.limits.clone())).unwrap_or_default();
        self.guard.borrow_mut().limits = Some(limits.clone());
        limits
    }

    /// Takes a token for `agent` from `pace`'s bucket: `Err(ms)` to wait.
    pub(super) fn admit(&self, site: &SiteId, agent: &AgentId, pace: Pace) -> std::result::Result<(), u64> {
        let limits = self.limits(site);
        let rate: Rate = match pace {
            Pace::Messages => limits.messages,
            Pace::Chatter => limits.chatter,
        };
        let key = format!("{agent}:{}", pace.name());
        let now = now_ms();
        let mut guard = self.guard.borrow_mut();
        if !guard.buckets.contains_key(&key) {
            let stored = self.store.bucket(&key).ok().flatten();
            guard.buckets.insert(key.clone(), stored.unwrap_or(Bucket::full(&rate, now)));
        }
        if let Some(&until) = guard.held_until.get(&key) {
            if now < until {
                return Err(until - now);
            }
            guard.held_until.remove(&key);
        }
        let Some(bucket) = guard.buckets.get_mut(&key) else { return Ok(()) };
        let outcome = bucket.take(&rate, now);
        if let Err(wait) = outcome {
            let b = *bucket;
            guard.held_until.insert(key.clone(), now + wait);
            drop(guard);
            if let Err(e) = self.store.save_bucket(&key, &b) {
                worker::console_error!("SiteTeam: storing a rate limit failed: {e}");
            }
        }
        outcome
    }
}
