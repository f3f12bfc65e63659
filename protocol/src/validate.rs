//! Limits on everything a person can type, checked by the edge on every
//! frame and request (the widget and console check the same limits first so
//! people see the problem before sending, but the edge never trusts them).

use crate::frames::ErrorCode;

/// Longest visitor name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// Longest email address (RFC 5321 path limit).
pub const MAX_EMAIL_CHARS: usize = 254;
/// Longest chat message, in characters.
pub const MAX_MESSAGE_CHARS: usize = 4000;
/// Longest client message id.
pub const MAX_CLIENT_ID_CHARS: usize = 64;
/// Largest WebSocket frame or HTTP body the edge will parse, in bytes. A
/// message at the character limit, all 4-byte characters, JSON-escaped, fits.
pub const MAX_FRAME_BYTES: usize = 32 * 1024;

/// A rejected input: which rule, and a sentence a person can act on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid {
    pub code: ErrorCode,
    pub message: String,
}

impl Invalid {
    fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Invalid { code, message: message.into() }
    }
}

/// Trims and checks a visitor's display name.
pub fn name(raw: &str) -> Result<String, Invalid> {
    let name = raw.trim();
    if name.is_empty() {
        return Err(Invalid::new(ErrorCode::InvalidName, "Please enter your name."));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Invalid::new(
            ErrorCode::InvalidName,
            format!("Names can be at most {MAX_NAME_CHARS} characters."),
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(Invalid::new(ErrorCode::InvalidName, "Names cannot contain control characters."));
    }
    Ok(name.to_owned())
}

/// Trims and checks an optional email: empty means "not given".
///
/// Deliberately loose (one `@`, something on both sides, a dot in the
/// domain, no spaces): the address is shown to agents, never mailed blindly,
/// and a strict parser would refuse real addresses.
pub fn email(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(email) = raw.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let bad = || Invalid::new(ErrorCode::InvalidEmail, "That email address does not look right.");
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(Invalid::new(
            ErrorCode::InvalidEmail,
            format!("Email addresses can be at most {MAX_EMAIL_CHARS} characters."),
        ));
    }
    let (local, domain) = email.split_once('@').ok_or_else(bad)?;
    let shape_ok = !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if shape_ok {
        Ok(Some(email.to_owned()))
    } else {
        Err(bad())
    }
}

/// Checks a chat message. Surrounding whitespace is trimmed; inner line
/// breaks are kept (visitors paste addresses and order lists).
pub fn message(raw: &str) -> Result<String, Invalid> {
    let text = raw.trim();
    if text.is_empty() {
        return Err(Invalid::new(ErrorCode::MessageEmpty, "Messages cannot be empty."));
    }
    let chars = text.chars().count();
    if chars > MAX_MESSAGE_CHARS {
        return Err(Invalid::new(
            ErrorCode::MessageTooLong,
            format!("Messages can be at most {MAX_MESSAGE_CHARS} characters (this one has {chars})."),
        ));
    }
    if text.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(Invalid::new(ErrorCode::BadFrame, "Messages cannot contain control characters."));
    }
    Ok(text.to_owned())
}

/// Checks a client-chosen message id: 1–64 of `[A-Za-z0-9_-]`.
pub fn client_id(raw: &str) -> Result<(), Invalid> {
    let ok = !raw.is_empty()
        && raw.len() <= MAX_CLIENT_ID_CHARS
        && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(
            ErrorCode::BadFrame,
            format!("client_id must be 1–{MAX_CLIENT_ID_CHARS} letters, digits, '-' or '_'."),
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Jo  ").unwrap(), "Jo");
        assert_eq!(name("   ").unwrap_err().code, ErrorCode::InvalidName);
        assert_eq!(name(&"x".repeat(81)).unwrap_err().code, ErrorCode::InvalidName);
        assert!(name(&"é".repeat(80)).is_ok(), "limit counts characters, not bytes");
        assert!(name("a\u{0}b").is_err());
    }

    #[test]
    fn email_is_optional_but_checked_when_given() {
        assert_eq!(email(None).unwrap(), None);
        assert_eq!(email(Some("  ")).unwrap(), None);
        assert_eq!(email(Some(" jo@example.com ")).unwrap().as_deref(), Some("jo@example.com"));
        for bad in ["jo", "jo@", "@example.com", "jo@example", "jo@@example.com", "j o@example.com"] {
            assert_eq!(email(Some(bad)).unwrap_err().code, ErrorCode::InvalidEmail, "{bad}");
        }
    }

    #[test]
    fn messages_are_bounded_and_keep_line_breaks() {
        assert_eq!(message(" hi\nthere ").unwrap(), "hi\nthere");
        assert_eq!(message(" \n ").unwrap_err().code, ErrorCode::MessageEmpty);
        assert!(message(&"a".repeat(MAX_MESSAGE_CHARS)).is_ok());
        let err = message(&"a".repeat(MAX_MESSAGE_CHARS + 1)).unwrap_err();
        assert_eq!(err.code, ErrorCode::MessageTooLong);
        assert!(err.message.contains("4001"));
    }

    #[test]
    fn client_ids_are_short_tokens() {
        assert!(client_id("c-1_a").is_ok());
        assert!(client_id("").is_err());
        assert!(client_id("a b").is_err());
        assert!(client_id(&"a".repeat(65)).is_err());
    }
}
