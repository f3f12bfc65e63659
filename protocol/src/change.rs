//! Edits, deletions and reactions: who may make them, and what they do to
//! a message. Pure; the session stores the result (a change takes the next
//! place in the log, and the message is rewritten with `changed` there).

use crate::frames::{Author, Emoji, ErrorCode, Message, Participant, Quote, Reaction};
use crate::ids::Seq;
use crate::validate::{self, Invalid};

/// What a visitor or agent asks to change about a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Change {
    Edit(String),
    Delete,
    React(Emoji, bool),
}

impl Change {
    /// Reactions change neither the preview nor what search finds.
    pub fn is_reaction(&self) -> bool {
        matches!(self, Change::React(..))
    }
}

/// Longest quoted snippet kept with a reply.
pub const QUOTE_CHARS: usize = 140;

/// How a message's author is named in a quote.
pub fn author_name(author: &Author) -> String {
    match author {
        Author::Visitor { name } | Author::Agent { name, .. } => name.clone(),
        Author::External { name, .. } => name.clone(),
        Author::Bot => "Bot".into(),
        Author::System => "Porchlight".into(),
    }
}

/// The quote of message `quoted` (at `seq`) a reply carries, or why there is none.
pub fn quote(seq: Seq, quoted: Option<&Message>) -> Result<Quote, Invalid> {
    match quoted {
        Some(m) if !m.deleted && !m.internal => {
            Ok(Quote { seq, author: author_name(&m.author), snippet: m.text.chars().take(QUOTE_CHARS).collect() })
        }
        _ => Err(Invalid::new(ErrorCode::NotFound, format!("There is no message {seq} to reply to."))),
    }
}

/// Applies `change` by `who` to `message` at time `now`. `own` says whether
/// `who` wrote it. `Ok(true)`: the message changed; `Ok(false)`: a repeat,
/// nothing to store; `Err`: refused, nothing changes.
pub fn apply(message: &mut Message, own: bool, who: &Participant, change: Change, now: u64) -> Result<bool, Invalid> {
    if message.deleted {
        return Err(Invalid::new(ErrorCode::NotFound, "That message was deleted."));
    }
    match change {
        Change::Edit(_) | Change::Delete if !own => {
            Err(Invalid::new(ErrorCode::Forbidden, "You can only edit or delete your own messages."))
        }
        Change::Edit(_) if message.attachment.is_some() => {
            Err(Invalid::new(ErrorCode::Forbidden, "A file cannot be edited; delete it and send another."))
        }
        Change::Edit(text) => {
            let text = validate::message(&text)?;
            let changed = text != message.text;
            message.text = text;
            message.edited_at = Some(now);
            Ok(changed)
        }
        Change::Delete => {
            message.deleted = true;
            message.text.clear();
            message.reactions.clear();
            message.reply_to = None;
            // The message no longer names its file; the edge deletes the object.
            message.attachment = None;
            Ok(true)
        }
        Change::React(..) if message.author == Author::System => Err(Invalid::new(ErrorCode::Forbidden, "Notices cannot be reacted to.")),
        Change::React(emoji, on) => Ok(Reaction::toggle(&mut message.reactions, emoji, who, on)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn msg(text: &str) -> Message {
        Message { seq: Seq(3), author: Author::Visitor { name: "Jo".into() }, text: text.into(), ..Message::blank() }
    }

    #[test]
    fn only_the_author_edits_or_deletes() {
        let mut m = msg("hello");
        let err = apply(&mut m, false, &Participant::Visitor, Change::Edit("hi".into()), 5).unwrap_err();
        assert_eq!(err.code, ErrorCode::Forbidden);
        assert_eq!(apply(&mut m, false, &Participant::Visitor, Change::Delete, 5).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(m, msg("hello"), "a refusal changes nothing");
        assert_eq!(apply(&mut m, true, &Participant::Visitor, Change::Edit("hi".into()), 5), Ok(true));
        assert_eq!((m.text.as_str(), m.edited_at), ("hi", Some(5)));
        assert_eq!(apply(&mut m, true, &Participant::Visitor, Change::Edit("hi".into()), 6), Ok(false), "same text: no change");
        assert_eq!(apply(&mut m, true, &Participant::Visitor, Change::Edit("  ".into()), 6).unwrap_err().code, ErrorCode::MessageEmpty);
    }

    #[test]
    fn deleting_erases_and_is_final() {
        let mut m = msg("secret");
        let ava = Participant::Agent { id: crate::ids::AgentId("ava".into()), name: "Ava".into() };
        assert_eq!(apply(&mut m, false, &ava, Change::React(Emoji::Heart, true), 1), Ok(true));
        assert_eq!(apply(&mut m, false, &ava, Change::React(Emoji::Heart, true), 1), Ok(false), "a repeat");
        assert_eq!(apply(&mut m, true, &Participant::Visitor, Change::Delete, 2), Ok(true));
        assert!(m.deleted && m.text.is_empty() && m.reactions.is_empty() && m.reply_to.is_none());
        assert_eq!(apply(&mut m, false, &ava, Change::React(Emoji::Heart, true), 3).unwrap_err().code, ErrorCode::NotFound);
    }

    #[test]
    fn notices_take_no_reactions_and_quotes_skip_the_hidden() {
        let mut notice = Message { author: Author::System, text: "Ava joined".into(), ..Message::blank() };
        assert_eq!(
            apply(&mut notice, false, &Participant::Visitor, Change::React(Emoji::ThumbsUp, true), 1).unwrap_err().code,
            ErrorCode::Forbidden
        );
        let q = quote(Seq(3), Some(&msg(&"x".repeat(300)))).unwrap();
        assert_eq!((q.author.as_str(), q.snippet.len()), ("Jo", QUOTE_CHARS));
        let note = Message { internal: true, ..msg("note") };
        assert_eq!(quote(Seq(3), Some(&note)).unwrap_err().code, ErrorCode::NotFound);
        assert!(quote(Seq(3), None).is_err());
    }
}
