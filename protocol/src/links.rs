//! Finding web links in a message's text, so clients can make them
//! clickable without ever treating the text as HTML: the text is split into
//! plain pieces and links, and each client builds elements from the pieces.
//!
//! Only `http://` and `https://` links are links (any other scheme, such as
//! `javascript:` or `data:`, stays text). A link ends at whitespace or a
//! character that cannot be part of one (`<`, `>`, `"`, …); punctuation that
//! ends a sentence (`.` `,` `!` `?` `:` `;` and quotes) and a closing bracket
//! with no opening one inside the link are left out of it, as people mean
//! "see https://example.com/a." or "(https://example.com/a)".

/// A piece of a message's text, in order; the pieces put back together are
/// the text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Piece<'a> {
    Text(&'a str),
    /// An `http`/`https` URL, exactly as written: use it as the link's
    /// target and its text.
    Link(&'a str),
}

/// Splits `text` into text and links (see the module docs for the rules).
pub fn split(text: &str) -> Vec<Piece<'_>> {
    let mut pieces = Vec::new();
    let mut plain_from = 0;
    let mut at = 0;
    while let Some(found) = next_scheme(text, at) {
        let end = link_end(text, found);
        if end == found {
            at = found + 1;
            continue;
        }
        if plain_from < found {
            pieces.push(Piece::Text(&text[plain_from..found]));
        }
        pieces.push(Piece::Link(&text[found..end]));
        plain_from = end;
        at = end;
    }
    if plain_from < text.len() {
        pieces.push(Piece::Text(&text[plain_from..]));
    }
    pieces
}

/// The byte offset of the next `http://` or `https://` (any case) at or
/// after `from` that starts a word (not inside "xhttp://").
fn next_scheme(text: &str, from: usize) -> Option<usize> {
    let bytes = text.as_bytes();
    let mut i = from;
    while i < bytes.len() {
        let rest = &bytes[i..];
        let starts = starts_with_ignore_case(rest, b"https://") || starts_with_ignore_case(rest, b"http://");
        let boundary = i == 0 || !text[..i].chars().next_back().is_some_and(|c| c.is_alphanumeric());
        if starts && boundary {
            return Some(i);
        }
        i += 1;
        while i < bytes.len() && !text.is_char_boundary(i) {
            i += 1;
        }
    }
    None
}

fn starts_with_ignore_case(hay: &[u8], needle: &[u8]) -> bool {
    hay.len() >= needle.len() && hay[..needle.len()].eq_ignore_ascii_case(needle)
}

/// Where the link starting at `start` ends (exclusive), or `start` if what
/// follows the scheme is no host.
fn link_end(text: &str, start: usize) -> usize {
    let after_scheme = start + text[start..].find("//").map_or(0, |i| i + 2);
    let mut end = after_scheme;
    for (i, c) in text[after_scheme..].char_indices() {
        if c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | '"' | '`' | '\\' | '{' | '}' | '|' | '^') {
            break;
        }
        end = after_scheme + i + c.len_utf8();
    }
    // Trailing punctuation belongs to the sentence, and a closing bracket
    // to the text around the link unless the link opened it.
    while let Some(last) = text[after_scheme..end].chars().next_back() {
        let drop = match last {
            '.' | ',' | '!' | '?' | ':' | ';' | '\'' | '*' | '_' | '~' | '…' | '،' | '。' | '、' => true,
            ')' | ']' => {
                let open = if last == ')' { '(' } else { '[' };
                let inner = &text[after_scheme..end];
                inner.matches(open).count() < inner.matches(last).count()
            }
            _ => false,
        };
        if !drop {
            break;
        }
        end -= last.len_utf8();
    }
    // A host: at least one character that is not a path, query or fragment.
    match text[after_scheme..end].chars().next() {
        Some(c) if c.is_alphanumeric() || c == '[' => end,
        _ => start,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use Piece::{Link, Text};

    #[test]
    fn plain_text_is_one_piece_and_empty_is_none() {
        assert_eq!(split("no links here"), [Text("no links here")]);
        assert_eq!(split(""), []);
    }

    #[test]
    fn links_in_a_sentence() {
        assert_eq!(
            split("Track it at https://shop.example/track?id=1042&x=1#top, or call."),
            [Text("Track it at "), Link("https://shop.example/track?id=1042&x=1#top"), Text(", or call.")]
        );
        assert_eq!(split("http://a.example"), [Link("http://a.example")]);
        assert_eq!(
            split("see HTTPS://Example.com/A. Then http://b.example/x"),
            [Text("see "), Link("HTTPS://Example.com/A"), Text(". Then "), Link("http://b.example/x")]
        );
    }

    #[test]
    fn brackets_and_quotes_around_a_link_stay_outside() {
        assert_eq!(split("(https://a.example/x)"), [Text("("), Link("https://a.example/x"), Text(")")]);
        assert_eq!(split("https://en.wikipedia.org/wiki/Mocha_(coffee)"), [Link("https://en.wikipedia.org/wiki/Mocha_(coffee)")]);
        assert_eq!(split("\"https://a.example\""), [Text("\""), Link("https://a.example"), Text("\"")]);
        assert_eq!(split("[https://a.example]!"), [Text("["), Link("https://a.example"), Text("]!")]);
        assert_eq!(split("<https://a.example/>"), [Text("<"), Link("https://a.example/"), Text(">")]);
    }

    #[test]
    fn other_schemes_and_non_links_stay_text() {
        for text in [
            "javascript:alert(1)",
            "data:text/html,<b>x</b>",
            "ftp://files.example/a",
            "mailto:jo@example.com",
            "https://",
            "https:// spaced.example",
            "http:///path-only",
            "xhttp://glued.example",
            "https:example.com",
            "www.example.com",
        ] {
            assert_eq!(split(text), [Text(text)], "{text}");
        }
        assert_eq!(split("javascript:https://x.example"), [Text("javascript:"), Link("https://x.example")]);
    }

    #[test]
    fn markup_in_a_link_ends_it_and_non_ascii_is_kept() {
        assert_eq!(split("https://a.example/<script>alert(1)</script>"), [Link("https://a.example/"), Text("<script>alert(1)</script>")]);
        assert_eq!(split("رابط https://مثال.example/صفحة، شكرا"), [Text("رابط "), Link("https://مثال.example/صفحة"), Text("، شكرا")]);
        assert_eq!(split("café https://a.example/é"), [Text("café "), Link("https://a.example/é")]);
        assert_eq!(
            split("2 links:https://a.example\nhttps://b.example"),
            [Text("2 links:"), Link("https://a.example"), Text("\n"), Link("https://b.example")]
        );
    }

    #[test]
    fn the_pieces_are_the_text() {
        for text in ["a https://x.example/(y)) b.", "ünïcödé http://é.example… end", "https://a.example.,;", "(((http://a)))"] {
            let joined: String = split(text)
                .iter()
                .map(|p| match p {
                    Text(t) | Link(t) => *t,
                })
                .collect();
            assert_eq!(joined, text);
        }
    }
}
