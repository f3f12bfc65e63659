//! A team message's text and changes: the session's rules
//! ([`crate::change`]), with team chat's longer limit.

use super::MAX_TEAM_MESSAGE_CHARS;
use crate::change::{self, Change};
use crate::frames::{ErrorCode, Message, Participant};
use crate::validate::Invalid;

/// Largest team socket frame: a 10,000-character message of 4-byte
/// characters, with room for the frame around it.
pub const MAX_TEAM_FRAME_BYTES: usize = 4 * MAX_TEAM_MESSAGE_CHARS + 4 * 1024;

/// Checks what someone typed: trimmed, not empty, at most
/// [`MAX_TEAM_MESSAGE_CHARS`], no control characters but newline and tab.
pub fn text(raw: &str) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new(ErrorCode::MessageEmpty, "Messages cannot be empty."));
    }
    let chars = text.chars().count();
    if chars > MAX_TEAM_MESSAGE_CHARS {
        return Err(Invalid::new(
            ErrorCode::MessageTooLong,
            format!("Messages can be at most {MAX_TEAM_MESSAGE_CHARS} characters (this one has {chars})."),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::new(ErrorCode::BadFrame, "Messages cannot contain control characters."));
    }
    Ok(text.to_owned())
}

/// Applies an edit, deletion or reaction exactly as a session does; only an
/// edit's text is checked against the team limit first.
pub fn apply(message: &mut Message, own: bool, who: &Participant, change: Change, now: u64) -> Result<bool, Invalid> {
    match change {
        // A file's message is not edited (the session's rule refuses it).
        Change::Edit(raw) if own && !message.deleted && message.attachment.is_none() => {
            let text = text(&raw)?;
            let changed = text != message.text;
            message.text = text;
            message.edited_at = Some(now);
            Ok(changed)
        }
        other => change::apply(message, own, who, other, now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::{Author, Emoji};
    use crate::ids::AgentId;

    fn ava() -> Participant {
        Participant::Agent { id: AgentId("ava".into()), name: "Ava".into() }
    }

    #[test]
    fn team_messages_may_be_long_but_not_empty() {
        assert!(text(&"a".repeat(MAX_TEAM_MESSAGE_CHARS)).is_ok());
        assert_eq!(text(&"a".repeat(MAX_TEAM_MESSAGE_CHARS + 1)).unwrap_err().code, ErrorCode::MessageTooLong);
        assert_eq!(text("  ").unwrap_err().code, ErrorCode::MessageEmpty);
        assert_eq!(text("a\u{7}b").unwrap_err().code, ErrorCode::BadFrame);
        const { assert!(MAX_TEAM_FRAME_BYTES > 4 * MAX_TEAM_MESSAGE_CHARS) };
    }

    #[test]
    fn changes_follow_the_session_rules() {
        let mut m =
            Message { author: Author::Agent { id: AgentId("ava".into()), name: "Ava".into() }, text: "hi".into(), ..Message::blank() };
        let long = "b".repeat(6000);
        assert_eq!(apply(&mut m, true, &ava(), Change::Edit(long.clone()), 7), Ok(true));
        assert_eq!((m.text.len(), m.edited_at), (6000, Some(7)));
        assert_eq!(apply(&mut m, false, &ava(), Change::Edit("x".into()), 8).unwrap_err().code, ErrorCode::Forbidden);
        assert_eq!(apply(&mut m, false, &ava(), Change::React(Emoji::Fire, true), 8), Ok(true));
        assert_eq!(apply(&mut m, true, &ava(), Change::Delete, 9), Ok(true));
        assert_eq!(apply(&mut m, true, &ava(), Change::Edit("again".into()), 9).unwrap_err().code, ErrorCode::NotFound);
    }
}
