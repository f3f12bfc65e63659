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
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        Invalid { code, message: message.into() }
    }
}

/// Trims and checks a display name. Control, zero-width and BiDi control
/// characters are removed (they could hide or reorder what agents read)
/// and any run of whitespace, line breaks included, becomes one space, so
/// a name is always one plain line.
pub fn name(raw: &str) -> Result<String, Invalid> {
    let kept: String = raw.chars().map(|c| if c.is_whitespace() { ' ' } else { c }).filter(|&c| !invisible(c)).collect();
    let name = kept.split(' ').filter(|w| !w.is_empty()).collect::<Vec<_>>().join(" ");
    if name.is_empty() {
        return Err(Invalid::new(ErrorCode::InvalidName, "Please enter your name."));
    }
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Invalid::new(ErrorCode::InvalidName, format!("Names can be at most {MAX_NAME_CHARS} characters.")));
    }
    if !name.chars().any(char::is_alphanumeric) {
        return Err(Invalid::new(ErrorCode::InvalidName, "Names need at least one letter or digit."));
    }
    Ok(name)
}

/// Labels the transcript, tickets and the console use for the system, the
/// bot and the product itself: no visitor may be called that.
pub const SYSTEM_LABELS: [&str; 7] = ["porchlight", "system", "bot", "admin", "administrator", "support", "moderator"];

/// A visitor's name: [`name`], and not one that reads as someone else.
/// Refused (compared on letters and digits only, ignoring case): the
/// [`SYSTEM_LABELS`], the site's name and its agents' names (`taken`),
/// and anything saying "internal note", which only agents' notes carry.
pub fn visitor_name(raw: &str, taken: &[impl AsRef<str>]) -> Result<String, Invalid> {
    let name = name(raw)?;
    let fold = |s: &str| s.chars().filter(|c| c.is_alphanumeric()).flat_map(char::to_lowercase).collect::<String>();
    let folded = fold(&name);
    let reserved =
        SYSTEM_LABELS.iter().copied().chain(taken.iter().map(AsRef::as_ref)).any(|label| !fold(label).is_empty() && fold(label) == folded);
    if reserved || folded.contains("internalnote") {
        return Err(Invalid::new(ErrorCode::InvalidName, "That name is reserved. Please use your own name."));
    }
    Ok(name)
}

/// Characters removed from names: controls (C0, C1, DEL), zero-width
/// ones, BiDi embeddings, overrides and isolates, and the byte-order mark.
pub fn invisible(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2064}' | '\u{2066}'..='\u{2069}')
        || matches!(c, '\u{FEFF}' | '\u{00AD}' | '\u{061C}' | '\u{180E}')
}

/// The page URL as kept by default: scheme, host and path, without the
/// query string and fragment (reset tokens and OAuth codes live there).
/// With `full` (the site's `full_page_urls`), unchanged.
pub fn page_url(url: &str, full: bool) -> String {
    if full {
        return url.to_owned();
    }
    // After the scheme: credentials in the authority (`user:pass@`) go,
    // and the path ends at its query, fragment or first `;` parameter
    // (`;jsessionid=…` carries a session as surely as a query does).
    let start = url.find("://").map_or(0, |i| i + 3);
    let end = url[start..].find(['?', '#', ';']).map_or(url.len(), |i| start + i);
    let authority_end = url[start..end].find('/').map_or(end, |i| start + i);
    let host_from = url[start..authority_end].rfind('@').map_or(start, |i| start + i + 1);
    format!("{}{}", &url[..start], &url[host_from..end])
}

/// Trims and checks an optional email: empty means "not given".
///
/// Deliberately loose (one `@`, something on both sides, a dot in the
/// domain, no spaces): the address is shown to agents, never mailed blindly,
/// and a strict parser would refuse real addresses.
pub const MAX_URL_CHARS: usize = 2000;
pub const MAX_ORDER_REF_CHARS: usize = 100;
pub const MAX_ATTRIBUTES: usize = 20;
pub const MAX_ATTRIBUTE_KEY_CHARS: usize = 40;
pub const MAX_ATTRIBUTE_VALUE_CHARS: usize = 200;

/// Host-page context: an http(s) page URL, a short order reference, and at
/// most [`MAX_ATTRIBUTES`] short attributes. Blank parts are dropped.
pub fn context(raw: &crate::frames::VisitorContext) -> Result<crate::frames::VisitorContext, Invalid> {
    let bad = |m: String| Invalid::new(ErrorCode::InvalidContext, m);
    let clean = |s: &Option<String>| s.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(str::to_owned);
    let page_url = clean(&raw.page_url);
    if let Some(url) = &page_url {
        if url.chars().count() > MAX_URL_CHARS {
            return Err(bad(format!("The page URL can be at most {MAX_URL_CHARS} characters.")));
        }
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("https://") || lower.starts_with("http://")) || url.chars().any(char::is_control) {
            return Err(bad("The page URL must be an http:// or https:// address.".into()));
        }
    }
    let order_ref = clean(&raw.order_ref);
    if order_ref.as_ref().is_some_and(|o| o.chars().count() > MAX_ORDER_REF_CHARS || o.chars().any(char::is_control)) {
        return Err(bad(format!("The order reference can be at most {MAX_ORDER_REF_CHARS} characters, on one line.")));
    }
    if raw.attributes.len() > MAX_ATTRIBUTES {
        return Err(bad(format!("At most {MAX_ATTRIBUTES} attributes can be attached (got {}).", raw.attributes.len())));
    }
    let mut attributes = std::collections::BTreeMap::new();
    for (k, v) in &raw.attributes {
        let (k, v) = (k.trim(), v.trim());
        if k.is_empty() || k.chars().count() > MAX_ATTRIBUTE_KEY_CHARS || k.chars().any(char::is_control) {
            return Err(bad(format!("Attribute names must be 1–{MAX_ATTRIBUTE_KEY_CHARS} characters on one line.")));
        }
        if v.chars().count() > MAX_ATTRIBUTE_VALUE_CHARS || v.chars().any(char::is_control) {
            return Err(bad(format!("The value of `{k}` can be at most {MAX_ATTRIBUTE_VALUE_CHARS} characters, on one line.")));
        }
        if !v.is_empty() {
            attributes.insert(k.to_owned(), v.to_owned());
        }
    }
    Ok(crate::frames::VisitorContext { page_url, order_ref, attributes })
}

/// What a widget sends of whatever the host page attached: cut to the
/// limits [`context`] enforces, so a page's mistake never stops a visitor
/// from starting a chat. A page URL that is not http(s) is left out, and
/// loses its query and fragment unless `full_urls` ([`page_url`]).
pub fn clamp_context(raw: &crate::frames::VisitorContext, full_urls: bool) -> crate::frames::VisitorContext {
    let cut = |s: &str, max: usize| -> String {
        s.trim().chars().map(|c| if c.is_control() { ' ' } else { c }).take(max).collect::<String>().trim().to_owned()
    };
    let page_url = raw
        .page_url
        .as_deref()
        .filter(|u| u.chars().count() <= MAX_URL_CHARS && !u.chars().any(char::is_control))
        .filter(|u| u.to_ascii_lowercase().starts_with("http://") || u.to_ascii_lowercase().starts_with("https://"))
        .map(|u| page_url(u, full_urls));
    let order_ref = raw.order_ref.as_deref().map(|o| cut(o, MAX_ORDER_REF_CHARS)).filter(|o| !o.is_empty());
    let attributes = raw
        .attributes
        .iter()
        .map(|(k, v)| (cut(k, MAX_ATTRIBUTE_KEY_CHARS), cut(v, MAX_ATTRIBUTE_VALUE_CHARS)))
        .filter(|(k, v)| !k.is_empty() && !v.is_empty())
        .take(MAX_ATTRIBUTES)
        .collect();
    crate::frames::VisitorContext { page_url, order_ref, attributes }
}

pub fn email(raw: Option<&str>) -> Result<Option<String>, Invalid> {
    let Some(email) = raw.map(str::trim).filter(|e| !e.is_empty()) else {
        return Ok(None);
    };
    let bad = || Invalid::new(ErrorCode::InvalidEmail, "That email address does not look right.");
    if email.chars().count() > MAX_EMAIL_CHARS {
        return Err(Invalid::new(ErrorCode::InvalidEmail, format!("Email addresses can be at most {MAX_EMAIL_CHARS} characters.")));
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
    let ok =
        !raw.is_empty() && raw.len() <= MAX_CLIENT_ID_CHARS && raw.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    if ok {
        Ok(())
    } else {
        Err(Invalid::new(ErrorCode::BadFrame, format!("client_id must be 1–{MAX_CLIENT_ID_CHARS} letters, digits, '-' or '_'.")))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn clamped_context_always_validates() {
        use crate::frames::VisitorContext;
        let wild = VisitorContext {
            page_url: Some("javascript:alert(1)".into()),
            order_ref: Some(format!("CK\n{}", "9".repeat(300))),
            attributes: (0..50).map(|i| (format!("key {i}\t{}", "k".repeat(60)), "v".repeat(500))).collect(),
        };
        let clamped = clamp_context(&wild, false);
        assert_eq!(clamped.page_url, None);
        assert_eq!(clamped.attributes.len(), MAX_ATTRIBUTES);
        assert_eq!(context(&clamped), Ok(clamped.clone()));
    }

    #[test]
    fn context_is_bounded_and_only_http() {
        use crate::frames::VisitorContext;
        let ok = VisitorContext {
            page_url: Some(" https://shop.example/orders/1042 ".into()),
            order_ref: Some("CK-1042".into()),
            attributes: [("Loyalty points".to_owned(), "120".to_owned()), ("empty".to_owned(), " ".to_owned())].into(),
        };
        let clean = context(&ok).unwrap();
        assert_eq!(clean.page_url.as_deref(), Some("https://shop.example/orders/1042"));
        assert_eq!(clean.attributes.len(), 1, "blank values are dropped");
        for bad in [
            VisitorContext { page_url: Some("javascript:alert(1)".into()), ..Default::default() },
            VisitorContext { order_ref: Some("x".repeat(101)), ..Default::default() },
            VisitorContext { attributes: (0..21).map(|i| (format!("k{i}"), "v".into())).collect(), ..Default::default() },
            VisitorContext { attributes: [("a\nb".to_owned(), "v".to_owned())].into(), ..Default::default() },
        ] {
            assert_eq!(context(&bad).unwrap_err().code, ErrorCode::InvalidContext, "{bad:?}");
        }
    }

    #[test]
    fn names_are_trimmed_and_bounded() {
        assert_eq!(name("  Jo  ").unwrap(), "Jo");
        assert_eq!(name("   ").unwrap_err().code, ErrorCode::InvalidName);
        assert_eq!(name(&"x".repeat(81)).unwrap_err().code, ErrorCode::InvalidName);
        assert!(name(&"é".repeat(80)).is_ok(), "limit counts characters, not bytes");
        assert_eq!(name("a\u{0}b").unwrap(), "ab");
    }

    #[test]
    fn names_lose_invisible_and_reordering_characters() {
        assert_eq!(name("Jo\u{200B}\u{202E}nhoJ\u{202C}").unwrap(), "JonhoJ");
        assert_eq!(name("\u{2066}Ava\u{2069}\u{FEFF}").unwrap(), "Ava");
        assert_eq!(name("Jo\n\n[2026-11-21 23:31 UTC] Ava").unwrap(), "Jo [2026-11-21 23:31 UTC] Ava", "one line");
        assert_eq!(name("Jo\t  Smith\u{7f}").unwrap(), "Jo Smith");
        assert_eq!(name("\u{200B}\u{200D}").unwrap_err().code, ErrorCode::InvalidName);
        assert_eq!(name("—").unwrap_err().code, ErrorCode::InvalidName, "the system's dash is not a name");
        assert_eq!(name("Zoë ☕").unwrap(), "Zoë ☕", "letters and emoji stay");
    }

    #[test]
    fn visitors_cannot_take_system_or_agent_names() {
        let taken = ["Copper Kettle Coffee Co.", "Ava", "Ben"];
        for bad in [
            "Porchlight",
            "SYSTEM",
            " bot ",
            "Sys\u{200B}tem",
            "A.v.a",
            "ava",
            "Copper Kettle Coffee Co",
            "Ava (internal note)",
            "x Internal-Note",
        ] {
            assert_eq!(visitor_name(bad, &taken).unwrap_err().code, ErrorCode::InvalidName, "{bad}");
        }
        for ok in ["Avalon", "Ben Jones", "Bob", "Jo"] {
            assert!(visitor_name(ok, &taken).is_ok(), "{ok}");
        }
    }

    #[test]
    fn page_urls_drop_query_and_fragment_unless_the_site_opts_in() {
        let url = "https://shop.example/reset?token=s3cret#code=abc";
        assert_eq!(page_url(url, false), "https://shop.example/reset");
        assert_eq!(page_url("https://shop.example/a#b?c", false), "https://shop.example/a");
        assert_eq!(page_url("https://shop.example/", false), "https://shop.example/");
        assert_eq!(page_url("HTTP://127.0.0.1:8080/x;jsessionid=SESS?y", false), "HTTP://127.0.0.1:8080/x");
        assert_eq!(page_url("https://jo:secret@shop.example/a", false), "https://shop.example/a");
        assert_eq!(page_url("https://shop.example", false), "https://shop.example");
        assert_eq!(page_url(url, true), url);
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
