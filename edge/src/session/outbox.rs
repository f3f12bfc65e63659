//! The outbox: what the site's queue and desk must learn from this
//! session, sent off the hot path.
//!
//! Nothing here runs while a frame is handled. A change only schedules a
//! sync (`ChatSession::schedule_sync`: a timer, and a backstop alarm);
//! the sync reads what each target has not heard from the log, after its
//! cursor (`queue_seq`, `desk_seq` in the `hot` row):
//!
//! - the queue gets one `POST /sync`: the current summary (if its revision
//!   is new) and the search texts of the messages written, edited or
//!   deleted since, in batches;
//! - the desk gets `POST /events`: `message.created` for each message since
//!   and the transition events committed with their notices (`events`
//!   table), in log order, each with an id fixed by its seq.
//!
//! A cursor moves only after its target answered 204 (and is stored with
//! the next change's `hot` row, so a sync itself writes nothing), so a
//! target that is down loses nothing: the alarm retries with doubling delays (1 s … 60 s),
//! and a retried batch is harmless (the queue keeps the highest revision
//! and keys texts by message; the desk stores each event id once). Syncs
//! are at most one per `SYNC_WINDOW_MS`: changes in between are coalesced
//! into the next.

use super::Core;
use crate::internal;
use crate::util::now_ms;
use porchlight_protocol::internal::{EventBatch, QueueSync};
use worker::Result;

/// Log rows read per batch.
const BATCH: usize = 200;
/// Longest wait between retries of a failed sync.
const MAX_RETRY_MS: u64 = 60_000;

impl Core {
    /// One sync (or, if one is running, another right after it).
    pub(super) async fn drain_outbox(&self) {
        if let Err(e) = self.write_unwritten() {
            worker::console_error!("ChatSession: writing queued messages failed: {e}");
        }
        {
            let mut sync = self.sync.borrow_mut();
            // Changes from now on schedule the next sync, a window after this one.
            sync.armed = false;
            if sync.draining {
                sync.again = true;
                return;
            }
            sync.draining = true;
        }
        loop {
            self.sync.borrow_mut().last_sync = now_ms();
            let queue = self.sync_queue().await;
            let desk = self.sync_desk().await;
            let failed = queue.is_err() || desk.is_err();
            for e in [queue.err(), desk.err()].into_iter().flatten() {
                worker::console_error!("ChatSession: outbox sync failed, the alarm will retry: {e}");
            }
            let retry = {
                let mut sync = self.sync.borrow_mut();
                if failed {
                    sync.failures += 1;
                    sync.backstop = true;
                    Some((1000u64 << sync.failures.min(7).saturating_sub(1)).min(MAX_RETRY_MS))
                } else {
                    sync.failures = 0;
                    None
                }
            };
            if let Some(delay) = retry {
                if let Err(e) = self.storage.set_alarm(delay as i64).await {
                    worker::console_error!("ChatSession: setting the retry alarm failed: {e}");
                    self.sync.borrow_mut().backstop = false;
                }
            }
            let mut sync = self.sync.borrow_mut();
            if !sync.again || failed {
                sync.again = false;
                sync.draining = false;
                return;
            }
            sync.again = false;
        }
    }

    /// The summary and search texts the queue has not had.
    async fn sync_queue(&self) -> Result<()> {
        let queue = {
            let record = self.record.borrow();
            let Some(record) = record.as_ref() else { return Ok(()) };
            internal::Queue::of(&self.env, &record.site)?
        };
        loop {
            let record = self.record()?;
            let (after, sent_rev) = {
                let sync = self.sync.borrow();
                (sync.cursors.queue_seq, sync.queue_rev)
            };
            let (texts, upto, more) = self.store.search_texts_after(after, BATCH)?;
            let summary = (record.hot.rev > sent_rev).then(|| record.summary());
            if summary.is_none() && texts.is_empty() && upto == after {
                return Ok(());
            }
            let rev = record.hot.rev;
            queue.sync(&QueueSync { site: record.site.clone(), session: record.id.clone(), summary, texts }).await?;
            let mut sync = self.sync.borrow_mut();
            sync.cursors.queue_seq = sync.cursors.queue_seq.max(upto);
            sync.queue_rev = sync.queue_rev.max(rev);
            if !more {
                return Ok(());
            }
        }
    }

    /// The webhook events the desk has not had. While the desk says the
    /// site has no endpoints, at most every `IDLE_DESK_MS` (the backstop
    /// alarm sends what waits when the session falls quiet).
    async fn sync_desk(&self) -> Result<()> {
        let (idle, last) = {
            let sync = self.sync.borrow();
            (sync.desk_idle, sync.last_desk)
        };
        if idle && now_ms().saturating_sub(last) < super::IDLE_DESK_MS {
            let set = {
                let mut sync = self.sync.borrow_mut();
                !std::mem::replace(&mut sync.backstop, true)
            };
            if set {
                self.storage.set_alarm(super::IDLE_DESK_MS as i64).await?;
            }
            return Ok(());
        }
        self.sync.borrow_mut().last_desk = now_ms();
        loop {
            let record = self.record()?;
            let after = self.sync.borrow().cursors.desk_seq;
            let (events, upto, more) = self.store.events_after(&record.id, after, BATCH)?;
            if upto == after {
                return Ok(());
            }
            if !events.is_empty() {
                let transitions = events.iter().any(|e| !matches!(e.event, porchlight_protocol::webhook::Event::MessageCreated { .. }));
                let hooks = internal::Desk::of(&self.env, &record.site)?.events(&EventBatch { site: record.site.clone(), events }).await?;
                self.sync.borrow_mut().desk_idle = hooks == 0;
                if transitions {
                    self.store.forget_events(upto)?;
                }
            }
            self.sync.borrow_mut().cursors.desk_seq = upto;
            if !more {
                return Ok(());
            }
        }
    }
}
