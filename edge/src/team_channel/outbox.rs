//! The outbox: what the site's `SiteTeam` directory must learn from this
//! channel (the log's end, each member's read mark and counts, for the
//! sidebar's badges), sent off the message path, as a session's outbox
//! tells the queue (`session/outbox.rs`).
//!
//! A change only bumps `summary_rev` (one SQL write) and starts a drain
//! with `wait_until`; the frame is answered without waiting for it. The
//! drain reads the current state and posts one [`ChannelSummary`]; changes
//! made while it is on its way are coalesced into the next one. The
//! directory keeps the highest revision it has seen, so a repeated or late
//! summary changes nothing. A failed post is retried by alarm with
//! doubling delays (1 s … 60 s); nothing is lost, since every summary is
//! the whole current state.

use super::store::Store;
use super::TeamChannel;
use porchlight_protocol::team::summary::ChannelSummary;
use std::cell::RefCell;
use std::rc::Rc;
use worker::{Env, Result, Storage};

/// Longest wait between retries of a failed summary.
const MAX_RETRY_MS: u64 = 60_000;

#[derive(Default)]
pub struct Outbox {
    draining: bool,
    /// A change came while a summary was on its way: send another after it.
    again: bool,
    failures: u32,
}

impl TeamChannel {
    /// One more change for the directory; the drain starts at once, unawaited.
    pub(super) fn changed(&self) -> Result<()> {
        self.store.bump_summary()?;
        self.drain();
        Ok(())
    }

    pub(super) fn drain(&self) {
        {
            let mut o = self.outbox.borrow_mut();
            if o.draining {
                o.again = true;
                return;
            }
            o.draining = true;
        }
        let (store, outbox, env, storage) = (self.store.clone(), self.outbox.clone(), self.env.clone(), self.state.storage());
        let stats = self.stats.clone();
        self.state.wait_until(async move { drain(store, outbox, env, storage, stats).await });
    }
}

async fn drain(store: Rc<Store>, outbox: Rc<RefCell<Outbox>>, env: Env, storage: Storage, stats: Rc<RefCell<super::Stats>>) {
    loop {
        let sent = post_summary(&store, &env).await;
        if sent.is_ok() {
            stats.borrow_mut().summaries += 1;
        }
        let retry = {
            let mut o = outbox.borrow_mut();
            match &sent {
                Ok(()) => {
                    o.failures = 0;
                    if o.again {
                        o.again = false;
                        continue;
                    }
                    None
                }
                Err(e) => {
                    worker::console_error!("TeamChannel: summary to the directory failed, the alarm will retry: {e}");
                    o.failures += 1;
                    o.again = false;
                    Some((1000u64 << o.failures.min(7).saturating_sub(1)).min(MAX_RETRY_MS))
                }
            }
        };
        outbox.borrow_mut().draining = false;
        if let Some(delay) = retry {
            if let Err(e) = storage.set_alarm(delay as i64).await {
                worker::console_error!("TeamChannel: setting the retry alarm failed: {e}");
            }
        }
        return;
    }
}

/// The channel's current summary, to the directory.
async fn post_summary(store: &Store, env: &Env) -> Result<()> {
    let Some(setup) = store.setup()? else { return Ok(()) };
    let Some(channel) = setup.channel else { return Ok(()) };
    let mut members = Vec::new();
    for agent in channel.members.keys() {
        members.push((agent.clone(), store.mark(&setup.id, agent)?));
    }
    let summary = ChannelSummary { channel: setup.id, rev: setup.summary_rev, last_seq: setup.last_seq, members };
    crate::internal::Team::of(env, &setup.site)?.summary(&summary).await
}
