//! How fast one agent may use the team socket: which of the site's
//! [`crate::limits::Limits`] buckets a frame draws from, and whether a
//! refusal is said or silent.
//!
//! The same two buckets as a session's agent: `messages` for what goes
//! into a channel's log (and slash commands, which are typed as messages),
//! `chatter` for every other frame, so a runaway console is held to a pace
//! without a person ever meeting it. Each agent has one pair of buckets for
//! all their consoles: opening more tabs buys no more.

use super::TeamClientFrame;
use crate::ids::ClientMsgId;

/// Which bucket a team frame draws from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pace {
    /// `send` (messages and slash commands), `edit`, `remove`, `react`.
    Messages,
    /// Every other frame after `hello`.
    Chatter,
}

impl Pace {
    /// The bucket's name in the limiter's key.
    pub fn name(self) -> &'static str {
        match self {
            Pace::Messages => "messages",
            Pace::Chatter => "chatter",
        }
    }
}

/// What a frame costs: its bucket, the `client_id` a refusal names, and
/// whether a refusal is silent (typing and read marks: the next one says
/// it again, and a read mark only moves forward). `None`: free (`hello`,
/// `ping`, which keep a socket alive and signed in).
pub fn pace(frame: &TeamClientFrame) -> Option<(Pace, Option<ClientMsgId>, bool)> {
    use TeamClientFrame as F;
    match frame {
        F::Hello { .. } | F::Ping => None,
        F::Send { client_id, .. } => Some((Pace::Messages, Some(client_id.clone()), false)),
        F::Edit { .. } | F::Remove { .. } | F::React { .. } => Some((Pace::Messages, None, false)),
        F::Typing { .. } | F::Read { .. } => Some((Pace::Chatter, None, true)),
        _ => Some((Pace::Chatter, None, false)),
    }
}

/// The sentence a refused frame carries.
pub fn too_fast_message(retry_after_ms: u64) -> String {
    let wait = crate::limits::retry_after_s(retry_after_ms);
    format!("You are sending faster than team chat takes. Trying again in {wait} s.")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ids::Seq;
    use crate::team::ChannelId;

    fn room() -> ChannelId {
        ChannelId("0123456789abcdef".into())
    }

    #[test]
    fn log_writes_are_messages_the_rest_chatter_and_keepalives_free() {
        let send = F::Send { channel: room(), client_id: ClientMsgId("c1".into()), text: "/ticket x".into(), reply_to: None };
        assert_eq!(pace(&send), Some((Pace::Messages, Some(ClientMsgId("c1".into())), false)));
        assert_eq!(pace(&F::Remove { channel: room(), seq: Seq(1) }), Some((Pace::Messages, None, false)));
        assert_eq!(pace(&F::Open { channel: room(), last_seq: Seq(0) }), Some((Pace::Chatter, None, false)));
        assert_eq!(pace(&F::Typing { channel: room(), typing: true }), Some((Pace::Chatter, None, true)));
        assert_eq!(pace(&F::Read { channel: room(), seq: Seq(3) }), Some((Pace::Chatter, None, true)));
        assert_eq!(pace(&F::Ping), None);
        assert_eq!(pace(&F::Hello { token: "t".into(), last_seq: None }), None);
    }

    use TeamClientFrame as F;

    #[test]
    fn the_refusal_says_how_long() {
        assert_eq!(too_fast_message(1_500), "You are sending faster than team chat takes. Trying again in 2 s.");
        assert_eq!(Pace::Messages.name(), "messages");
    }
}
