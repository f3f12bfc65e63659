//! A channel's part of moving team chat written before channels had their
//! own objects (`porchlight_protocol::team::migrate`): the directory posts
//! the old rows here, and this object stores them as if they had been
//! written here, at their original seqs.

use super::TeamChannel;
use porchlight_protocol::team::migrate::{merge_read, ChannelImport};
use worker::Result;

impl TeamChannel {
    /// Applies the record (the `/setup` revision rule), then the messages
    /// by seq (one held already is kept), the log's end and the read
    /// marks (never moved back), then tells the directory, whose badges
    /// come from this object's summaries from now on. Every step is safe
    /// to repeat, so a re-sent import changes nothing.
    pub(super) fn import(&self, import: ChannelImport) -> Result<()> {
        let id = import.setup.id.clone();
        self.apply_setup(import.setup)?;
        if self.current()?.is_none() {
            // Deleted since: nothing to keep.
            return Ok(());
        }
        for row in &import.messages {
            self.store.import(&id, row)?;
        }
        self.store.extend_to(&id, import.last_seq)?;
        for (agent, last_read) in &import.reads {
            let mut state = self.store.read_state(&id, agent)?;
            state.last_read = merge_read(state.last_read, *last_read);
            self.store.save_read_state(&id, agent, state)?;
        }
        self.changed()
    }
}
