//! System lines as data: what happened (a [`Notice`]'s kind) and who, so
//! each reader words it in its own language and person. The widget says
//! "Ava s'est jointe à la conversation" or "You rated this conversation
//! 5/5"; the console and webhooks read the English `text` stored beside it.
//!
//! Versions: a system message written before notices existed has only its
//! English `text` (no `notice` field); every reader falls back to that
//! text, so old stored logs still render (in English, as they were).

use crate::i18n::{fill, Lang};
use serde::{Deserialize, Serialize};

/// One system line's meaning. Names are as they were at the time (an
/// agent renamed later keeps their old name here, like in `text`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Notice {
    /// BOT → WAITING.
    HandedOff,
    /// An agent accepted.
    Joined {
        name: String,
    },
    /// The visitor ended the chat (`name` is theirs).
    Ended {
        name: String,
    },
    /// An agent closed the chat.
    Closed {
        name: String,
    },
    /// "Yes, thanks": the help center answered.
    Resolved,
    Released {
        name: String,
    },
    Transferred {
        by: String,
        to: String,
    },
    /// Someone else gave the chat to an agent (`/assign` in team chat).
    Assigned {
        by: String,
        to: String,
    },
    Invited {
        by: String,
        who: String,
    },
    /// An outside participant added by an agent.
    Added {
        by: String,
        who: String,
    },
    Removed {
        by: String,
        who: String,
    },
    /// The visitor's rating (`name` is theirs).
    Rated {
        name: String,
        score: u8,
    },
    /// An agent made the chat a ticket.
    TicketCreated {
        number: u64,
        subject: String,
    },
    /// The visitor left a message outside hours: the ticket, and the chat ends.
    MessageLeft {
        number: u64,
        email: String,
    },
    TicketClosed {
        number: u64,
        by: String,
    },
}

/// Who reads the line: the visitor is "you" where it is about them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reader {
    Visitor,
    Team,
}

impl Notice {
    /// The English line for the team (console, webhooks, the ticket's
    /// transcript): also what is stored as the message's `text`.
    pub fn english(&self) -> String {
        self.words(Lang::En, Reader::Team)
    }

    /// The line in `lang`, for `reader`.
    pub fn words(&self, lang: Lang, reader: Reader) -> String {
        let s = lang.strings();
        let you = reader == Reader::Visitor;
        match self {
            Notice::HandedOff => s.n_handed_off.to_owned(),
            Notice::Joined { name } => fill(s.n_joined, &[("name", name)]),
            Notice::Ended { .. } if you => s.n_you_ended.to_owned(),
            Notice::Ended { name } => fill(s.n_ended, &[("name", name)]),
            Notice::Closed { name } => fill(s.n_closed, &[("name", name)]),
            Notice::Resolved => s.n_resolved.to_owned(),
            Notice::Released { name } => fill(s.n_released, &[("name", name)]),
            Notice::Transferred { by, to } => fill(s.n_transferred, &[("by", by), ("to", to)]),
            Notice::Assigned { by, to } => fill(s.n_assigned, &[("by", by), ("to", to)]),
            Notice::Invited { by, who } => fill(s.n_invited, &[("by", by), ("who", who)]),
            Notice::Added { by, who } => fill(s.n_added, &[("by", by), ("who", who)]),
            Notice::Removed { by, who } => fill(s.n_removed, &[("by", by), ("who", who)]),
            Notice::Rated { score, .. } if you => fill(s.n_you_rated, &[("score", &score.to_string()), ("label", s.rating(*score))]),
            Notice::Rated { name, score } => fill(s.n_rated, &[("name", name), ("score", &score.to_string()), ("label", s.rating(*score))]),
            Notice::TicketCreated { number, subject } => fill(s.n_ticket_created, &[("n", &number.to_string()), ("subject", subject)]),
            Notice::MessageLeft { number, email } => fill(s.n_message_left, &[("n", &number.to_string()), ("email", email)]),
            Notice::TicketClosed { number, by } => fill(s.n_ticket_closed, &[("n", &number.to_string()), ("name", by)]),
        }
    }
}

/// A message's line for `reader` in `lang`: its notice worded, or (an old
/// system line, or any other message) its stored text.
pub fn line(message: &crate::Message, lang: Lang, reader: Reader) -> String {
    match &message.notice {
        Some(n) => n.words(lang, reader),
        None => message.text.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all() -> Vec<Notice> {
        let n = |s: &str| s.to_owned();
        vec![
            Notice::HandedOff,
            Notice::Joined { name: n("Ava") },
            Notice::Ended { name: n("Jo") },
            Notice::Closed { name: n("Ava") },
            Notice::Resolved,
            Notice::Released { name: n("Ava") },
            Notice::Transferred { by: n("Ava"), to: n("Ben") },
            Notice::Assigned { by: n("Ava"), to: n("Ben") },
            Notice::Invited { by: n("Ava"), who: n("Ben") },
            Notice::Added { by: n("Ava"), who: n("Sam (DHL)") },
            Notice::Removed { by: n("Ava"), who: n("Sam (DHL)") },
            Notice::Rated { name: n("Jo"), score: 5 },
            Notice::TicketCreated { number: 7, subject: n("Broken mug") },
            Notice::MessageLeft { number: 7, email: n("jo@example.com") },
            Notice::TicketClosed { number: 7, by: n("Ava") },
        ]
    }

    #[test]
    fn english_is_what_the_team_always_read() {
        // The console, webhooks and tests read these very words in `text`.
        let n = |s: &str| s.to_owned();
        assert_eq!(Notice::HandedOff.english(), "Handed off to the team. An agent will join shortly.");
        assert_eq!(Notice::Joined { name: n("Ava") }.english(), "Ava joined the conversation");
        assert_eq!(Notice::Ended { name: n("Jo") }.english(), "Jo ended the conversation");
        assert_eq!(Notice::Closed { name: n("Ava") }.english(), "Ava closed the conversation");
        assert_eq!(Notice::Rated { name: n("Jo"), score: 4 }.english(), "Jo rated the conversation Good (4/5)");
        assert_eq!(Notice::Resolved.english(), "Answered by the help center. Glad we could help!");
        assert_eq!(Notice::TicketCreated { number: 3, subject: n("Mug") }.english(), "Ticket #3 created: Mug");
        assert_eq!(Notice::TicketClosed { number: 3, by: n("Ava") }.english(), "Ticket #3 was closed by Ava.");
    }

    #[test]
    fn the_visitor_is_you() {
        let rated = Notice::Rated { name: "Jo".into(), score: 5 };
        assert_eq!(rated.words(Lang::En, Reader::Visitor), "You rated this conversation 5/5 (Great)");
        assert_eq!(Notice::Ended { name: "Jo".into() }.words(Lang::En, Reader::Visitor), "You ended the conversation");
        assert!(!rated.words(Lang::Es, Reader::Visitor).contains("Jo"));
    }

    #[test]
    fn every_notice_is_worded_in_every_language_without_english_left() {
        for notice in all() {
            let english = notice.words(Lang::En, Reader::Visitor);
            for lang in [Lang::Es, Lang::Fr, Lang::De, Lang::Ar] {
                for reader in [Reader::Visitor, Reader::Team] {
                    let words = notice.words(lang, reader);
                    assert!(!words.contains('{'), "{lang:?} {notice:?}: {words}");
                    assert_ne!(words, english, "{lang:?} {notice:?}");
                }
            }
        }
    }

    #[test]
    fn wire_form_is_kind_and_parameters_and_old_lines_keep_their_text() {
        let joined = Notice::Joined { name: "Ava".into() };
        assert_eq!(serde_json::to_value(&joined).unwrap(), serde_json::json!({"kind": "joined", "name": "Ava"}));
        assert_eq!(serde_json::to_value(Notice::HandedOff).unwrap(), serde_json::json!({"kind": "handed_off"}));
        let old: crate::Message = serde_json::from_value(serde_json::json!({
            "seq": 2, "author": {"kind": "system"}, "text": "Ava joined the conversation", "at": 5
        }))
        .unwrap();
        assert_eq!(old.notice, None);
        assert_eq!(line(&old, Lang::Es, Reader::Visitor), "Ava joined the conversation");
        let new = crate::Message { text: joined.english(), notice: Some(joined), ..crate::Message::blank() };
        assert_eq!(line(&new, Lang::Es, Reader::Visitor), "Ava se unió a la conversación");
    }
}
