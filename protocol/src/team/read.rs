//! What each member has read, what they muted, and the sidebar's badge:
//! unread messages count unless the channel is muted; a mention of the
//! member counts even then (an @mention is meant to reach them).

use crate::ids::{AgentId, Seq};
use serde::{Deserialize, Serialize};

/// One member's place in one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReadState {
    /// The last message they have seen (only grows).
    pub last_read: Seq,
    #[serde(default)]
    pub muted: bool,
}

impl ReadState {
    /// Marks messages up to `seq` read; an older mark never moves it back.
    pub fn read_to(&mut self, seq: Seq) {
        self.last_read = self.last_read.max(seq);
    }
}

/// The sidebar's figures for one channel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Badge {
    pub unread: u32,
    pub mentions: u32,
    /// Whether the channel adds to the console's total badge.
    pub counts: bool,
}

impl Badge {
    /// `log` is every message's (seq, author, mentioned agents) after the
    /// member's `last_read`, or the whole log (older ones are skipped).
    /// Their own messages never count.
    pub fn of<'a>(me: &AgentId, state: ReadState, log: impl IntoIterator<Item = (Seq, &'a AgentId, &'a [AgentId])>) -> Badge {
        let mut b = Badge::default();
        for (seq, author, mentioned) in log {
            if seq <= state.last_read || author == me {
                continue;
            }
            b.unread += 1;
            if mentioned.contains(me) {
                b.mentions += 1;
            }
        }
        b.counts = b.mentions > 0 || (!state.muted && b.unread > 0);
        b
    }

    /// What this channel adds to the total: everything unless muted, then
    /// only mentions.
    pub fn total_share(&self, muted: bool) -> u32 {
        if muted {
            self.mentions
        } else {
            self.unread
        }
    }

    /// What the sidebar's badge says (to a screen reader too): "3 unread",
    /// or on a muted channel, which counts only mentions, "1 mention".
    pub fn spoken(&self, muted: bool) -> String {
        let n = self.total_share(muted);
        match (muted, n) {
            (true, 1) => "1 mention".into(),
            (true, n) => format!("{n} mentions"),
            (false, n) => format!("{n} unread"),
        }
    }
}

/// The team members a message mentions: `@id` or `@Name` (a display name
/// without spaces, any case), at a word start, each at most once, in order.
/// `team` is every (id, display name) of the site's staff.
pub fn mentions(text: &str, team: &[(AgentId, String)]) -> Vec<AgentId> {
    let mut out: Vec<AgentId> = Vec::new();
    let mut prev = ' ';
    for (i, c) in text.char_indices() {
        if c == '@' && !prev.is_alphanumeric() {
            let rest = &text[i + 1..];
            let word: String = rest.chars().take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.')).collect();
            let word = word.trim_end_matches('.');
            if let Some((id, _)) =
                team.iter().find(|(id, name)| id.as_str().eq_ignore_ascii_case(word) || name.replace(' ', "").eq_ignore_ascii_case(word))
            {
                if !word.is_empty() && !out.contains(id) {
                    out.push(id.clone());
                }
            }
        }
        prev = c;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(s: &str) -> AgentId {
        AgentId(s.into())
    }

    #[test]
    fn unread_counts_others_messages_after_the_mark() {
        let (me, ben) = (id("ava"), id("ben"));
        let none: &[AgentId] = &[];
        let mention: &[AgentId] = &[id("ava")];
        let log = [(Seq(1), &ben, none), (Seq(2), &me, none), (Seq(3), &ben, mention), (Seq(4), &ben, none)];
        let b = Badge::of(&me, ReadState { last_read: Seq(1), muted: false }, log);
        assert_eq!((b.unread, b.mentions, b.counts), (2, 1, true));
        assert_eq!(b.total_share(false), 2);
        // Muted: only the mention reaches the total.
        let m = Badge::of(&me, ReadState { last_read: Seq(1), muted: true }, log);
        assert_eq!((m.unread, m.counts, m.total_share(true)), (2, true, 1));
        assert_eq!((b.spoken(false), m.spoken(true)), ("2 unread".to_owned(), "1 mention".to_owned()));
        let quiet = Badge::of(&me, ReadState { last_read: Seq(3), muted: true }, log);
        assert_eq!((quiet.unread, quiet.counts), (1, false));
    }

    #[test]
    fn read_marks_only_grow() {
        let mut s = ReadState::default();
        s.read_to(Seq(5));
        s.read_to(Seq(3));
        assert_eq!(s.last_read, Seq(5));
    }

    #[test]
    fn mentions_match_ids_and_names_once_each() {
        let team = [(id("ava"), "Ava Stone".to_string()), (id("ben"), "Ben".to_string())];
        assert_eq!(mentions("@ben can you and @AvaStone look? thanks @ben.", &team), vec![id("ben"), id("ava")]);
        assert_eq!(mentions("mail ava@example.com", &team), Vec::<AgentId>::new());
        assert_eq!(mentions("@nobody @", &team), Vec::<AgentId>::new());
        assert_eq!(mentions("(@Ava)", &team), vec![id("ava")]);
    }
}
