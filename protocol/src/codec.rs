//! Decoding untrusted text into frames and bodies: the one door every
//! WebSocket frame and HTTP body from a browser (or a forger) comes through.
//!
//! Size is checked before parsing, so a huge frame costs nothing to refuse;
//! any other failure is a value, never a panic (`tests/fuzz.rs` feeds these
//! functions random bytes, random JSON and mutations of every example in
//! `docs/PROTOCOL.md`).

use crate::validate::MAX_FRAME_BYTES;
use serde::de::DeserializeOwned;

/// What became of one untrusted frame.
#[derive(Debug, PartialEq, Eq)]
pub enum Incoming<T> {
    Frame(T),
    /// Longer than [`MAX_FRAME_BYTES`]; carries the length seen.
    TooLarge(usize),
    /// Not JSON, or not this frame's shape; carries serde's explanation.
    Malformed(String),
}

/// Parses a text frame, refusing oversize ones before parsing.
pub fn parse_frame<T: DeserializeOwned>(text: &str) -> Incoming<T> {
    parse_bytes(text.as_bytes())
}

/// Parses a request body already read (at most [`MAX_FRAME_BYTES`] of it).
pub fn parse_bytes<T: DeserializeOwned>(bytes: &[u8]) -> Incoming<T> {
    parse_within(bytes, MAX_FRAME_BYTES)
}

/// Like [`parse_bytes`] with another cap (team chat's longer messages).
pub fn parse_within<T: DeserializeOwned>(bytes: &[u8], max: usize) -> Incoming<T> {
    if bytes.len() > max {
        return Incoming::TooLarge(bytes.len());
    }
    match serde_json::from_slice(bytes) {
        Ok(frame) => Incoming::Frame(frame),
        Err(e) => Incoming::Malformed(e.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::VisitorFrame;

    #[test]
    fn a_frame_over_the_limit_is_refused_before_parsing() {
        let huge = format!("{{\"type\":\"send\",\"client_id\":\"c\",\"text\":\"{}\"}}", "a".repeat(MAX_FRAME_BYTES));
        assert_eq!(parse_frame::<VisitorFrame>(&huge), Incoming::TooLarge(huge.len()));
    }

    #[test]
    fn malformed_frames_say_why() {
        match parse_frame::<VisitorFrame>(r#"{"type":"send"}"#) {
            Incoming::Malformed(why) => assert!(why.contains("client_id") || why.contains("missing"), "{why}"),
            other => panic!("{other:?}"),
        }
        assert!(matches!(parse_frame::<VisitorFrame>("not json"), Incoming::Malformed(_)));
    }
}
