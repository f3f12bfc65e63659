//! What a channel's `TeamChannel` and the site's `SiteTeam` directory tell
//! each other, off the message path.
//!
//! - Directory → channel, [`ChannelSetup`]: the channel's record (name,
//!   kind, members and roles, archived) at a revision, or `None` once it is
//!   deleted. Sent (and awaited) before the directory commits a change, so
//!   the channel, which decides who receives its frames, never lags behind
//!   what the sidebar shows. A setup at a revision the channel has already
//!   applied changes nothing ([`applies`]), so a retry is harmless.
//! - Channel → directory, [`ChannelSummary`]: the log's end and each
//!   member's read mark and counts, from the channel's outbox, coalesced:
//!   the directory keeps the highest `rev` and drops older ones.

use super::channel::Channel;
use super::frames::ChannelId;
use super::read::Badge;
use crate::ids::{AgentId, Seq, SiteId};
use serde::{Deserialize, Serialize};

/// The directory's record of a channel, pushed to the channel's object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSetup {
    pub site: SiteId,
    pub id: ChannelId,
    /// Grows with every change the directory makes to the channel.
    pub rev: u64,
    /// `None`: the channel was deleted (its log and files go with it).
    pub channel: Option<Channel>,
}

/// One member's place in a channel, as the channel counts it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct MemberMark {
    pub last_read: Seq,
    /// Others' messages after `last_read`.
    pub unread: u32,
    /// Of those, the ones that mention this member.
    pub mentions: u32,
}

impl MemberMark {
    /// The sidebar's badge, with the directory's mute: a muted channel
    /// counts only its mentions ([`Badge::total_share`]).
    pub fn badge(&self, muted: bool) -> Badge {
        Badge { unread: self.unread, mentions: self.mentions, counts: self.mentions > 0 || (!muted && self.unread > 0) }
    }
}

/// A channel's state for the directory: its log's end and every member's mark.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelSummary {
    pub channel: ChannelId,
    /// Grows with every change the channel makes (message, edit, read mark).
    pub rev: u64,
    pub last_seq: Seq,
    pub members: Vec<(AgentId, MemberMark)>,
}

/// A channel asks the directory to (un)mute it for one agent (`/mute`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MuteRequest {
    pub channel: ChannelId,
    pub agent: AgentId,
    pub muted: bool,
}

/// A channel asks the directory to add a member (`/invite @agent`): the
/// directory checks, then pushes the new [`ChannelSetup`] back first.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InviteRequest {
    pub site: SiteId,
    pub channel: ChannelId,
    pub agent: AgentId,
    pub by: AgentId,
    pub by_admin: bool,
}

/// Whether something at `incoming` is news to a holder at `held` (a
/// revision is applied once; a late or repeated one changes nothing).
pub fn applies(held: u64, incoming: u64) -> bool {
    incoming > held
}

/// The name a channel's Durable Object is addressed by.
pub fn object_name(site: &SiteId, id: &ChannelId) -> String {
    format!("{}/{}", site.as_str(), id.as_str())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_muted_channel_counts_only_mentions() {
        let mark = MemberMark { last_read: Seq(3), unread: 4, mentions: 1 };
        let b = mark.badge(true);
        assert_eq!((b.unread, b.mentions, b.counts, b.total_share(true)), (4, 1, true, 1));
        assert_eq!(mark.badge(false).total_share(false), 4);
        let quiet = MemberMark { last_read: Seq(3), unread: 2, mentions: 0 };
        assert!(!quiet.badge(true).counts);
        assert!(quiet.badge(false).counts);
        assert!(!MemberMark::default().badge(false).counts);
    }

    #[test]
    fn revisions_apply_once_and_in_order() {
        assert!(applies(0, 1));
        assert!(!applies(5, 5), "a retry changes nothing");
        assert!(!applies(5, 4), "a late one changes nothing");
    }

    #[test]
    fn summaries_read_as_documented() {
        let s = ChannelSummary {
            channel: ChannelId("0123456789abcdef".into()),
            rev: 7,
            last_seq: Seq(12),
            members: vec![(AgentId("ava".into()), MemberMark { last_read: Seq(12), unread: 0, mentions: 0 })],
        };
        let json = serde_json::json!({"channel": "0123456789abcdef", "rev": 7, "last_seq": 12,
            "members": [["ava", {"last_read": 12, "unread": 0, "mentions": 0}]]});
        assert_eq!(serde_json::to_value(&s).unwrap(), json);
        assert_eq!(serde_json::from_value::<ChannelSummary>(json).unwrap(), s);
        let site = SiteId::parse("copper-kettle").unwrap();
        assert_eq!(object_name(&site, &s.channel), "copper-kettle/0123456789abcdef");
    }
}
