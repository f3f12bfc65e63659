//! What `/assign` and `/contact` find in the site's conversations: the
//! team object asks the site's queue (which holds every session's summary)
//! and words the answer here, so the rules and sentences are tested
//! without an edge.

use crate::frames::{ErrorCode, SessionSummary};
use crate::ids::SessionId;
use crate::session::AgentRef;
use serde::{Deserialize, Serialize};

/// Conversations one `/contact` lists at most (newest first).
pub const MAX_CONTACT_HITS: usize = 8;

/// `POST /lookup`, team → queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Lookup {
    /// Sessions whose id starts with `prefix` (lowercase hex).
    Session { prefix: String },
    /// Sessions whose visitor's name or email contains `query`, or whose
    /// verified `user_id` is `query` (case-insensitive).
    Contact { query: String },
}

/// The queue's answer to [`Lookup`]: newest first.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Found {
    pub sessions: Vec<SessionSummary>,
}

/// A conversation a notice links to: the console opens it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoticeLink {
    pub session: SessionId,
    /// "Jo Parcel · Active with Ava · 5f0c1d2e"
    pub label: String,
}

/// A refusal of a command, with the code the team socket sends.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LookupError {
    pub code: ErrorCode,
    pub message: String,
}

/// How a conversation is named in a notice: the first 8 hex digits the
/// console shows, enough for `/assign`.
pub fn short_id(id: &SessionId) -> &str {
    id.as_str().get(..8).unwrap_or(id.as_str())
}

/// The one session `/assign <prefix>` means: none or several are errors
/// that say what to type instead.
pub fn the_session<'a>(prefix: &str, found: &'a [SessionSummary]) -> Result<&'a SessionSummary, LookupError> {
    match found {
        [one] => Ok(one),
        [] => Err(LookupError { code: ErrorCode::NotFound, message: format!("No conversation's id starts with {prefix}.") }),
        many => {
            let listed: Vec<String> = many.iter().take(3).map(|s| format!("{} ({})", short_id(&s.id), s.visitor.name)).collect();
            Err(LookupError {
                code: ErrorCode::BadCommand,
                message: format!("{} conversations start with {prefix}: {}. Type more of the id.", many.len(), listed.join(", ")),
            })
        }
    }
}

/// What `/assign` says once the session has a new owner (or already had it).
pub fn assigned_notice(session: &SessionSummary, to: &AgentRef, changed: bool) -> String {
    let whose = format!("{}'s conversation ({})", session.visitor.name, short_id(&session.id));
    if changed {
        format!("Assigned {whose} to {}.", to.name)
    } else {
        format!("{whose} is already with {}.", to.name)
    }
}

fn describe(s: &SessionSummary) -> String {
    let mut who = s.visitor.name.clone();
    if let Some(email) = &s.visitor.email {
        who.push_str(&format!(" <{email}>"));
    }
    if s.visitor.verified {
        who.push_str(&format!(" ✓ {}", s.visitor.user_id.as_deref().unwrap_or("verified")));
    }
    let with = s.agent.as_ref().map(|a| format!(" with {}", a.name)).unwrap_or_default();
    format!("{who} · {}{with}{} · {}", s.status.label(), order_label(s), short_id(&s.id))
}

/// The order a notice names: the one the site's backend set (a verified
/// identity's orders, or a staff-started conversation's) wins; the page's
/// own `order_ref` (claimed by `setContext`, unverified) is shown only
/// when it says something else, and then marked as the page's.
fn order_label(s: &SessionSummary) -> String {
    let verified = s.visitor.orders.first().map(|o| format!(" · order {o}")).unwrap_or_default();
    let claimed = s
        .order_ref
        .as_ref()
        .filter(|o| !s.visitor.orders.iter().any(|v| v.eq_ignore_ascii_case(o)))
        .map(|o| format!(" · order {o} (from the page)"))
        .unwrap_or_default();
    format!("{verified}{claimed}")
}

/// `/contact`'s answer, for its sender only: a line, then each
/// conversation as a link the console opens.
pub fn contact_notice(query: &str, found: &[SessionSummary]) -> (String, Vec<NoticeLink>) {
    if found.is_empty() {
        return (format!("No visitor or customer matches “{query}”."), Vec::new());
    }
    let shown = &found[..found.len().min(MAX_CONTACT_HITS)];
    let more = if found.len() > shown.len() { format!(" (the newest {})", shown.len()) } else { String::new() };
    let n = shown.len();
    let text = format!("{n} conversation{} for “{query}”{more}:", if n == 1 { "" } else { "s" });
    (text, shown.iter().map(|s| NoticeLink { session: s.id.clone(), label: describe(s) }).collect())
}

/// A visitor or verified customer as the console's "Add participant"
/// picker lists them (`GET …/contacts?q=`): one row per person, however
/// many conversations they had.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Contact {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// Set only for a verified customer (the site's backend vouched for it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    pub verified: bool,
    pub conversations: u32,
    /// Their newest conversation.
    pub latest: SessionId,
}

/// `200` of `GET …/contacts?q=`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ContactList {
    pub contacts: Vec<Contact>,
}

/// One row per person in `found` (newest first): the same verified user
/// id, else the same email (any case), is the same person; anyone else is
/// a visitor of their own.
pub fn contacts(found: &[SessionSummary]) -> Vec<Contact> {
    let mut out: Vec<(String, Contact)> = Vec::new();
    for s in found {
        let v = &s.visitor;
        let user_id = v.user_id.clone().filter(|_| v.verified);
        let key = match (&user_id, &v.email) {
            (Some(u), _) => format!("u:{u}"),
            (None, Some(e)) => format!("e:{}", e.to_lowercase()),
            (None, None) => format!("s:{}", s.id),
        };
        match out.iter_mut().find(|(k, _)| *k == key) {
            Some((_, c)) => c.conversations += 1,
            None => out.push((
                key,
                Contact {
                    name: v.name.clone(),
                    email: v.email.clone(),
                    user_id,
                    verified: v.verified,
                    conversations: 1,
                    latest: s.id.clone(),
                },
            )),
        }
    }
    out.into_iter().map(|(_, c)| c).collect()
}

/// A `/contact` query as the queue matches it: trimmed, at most 100
/// characters, and `%`, `_` and `\` taken literally (SQL `LIKE … ESCAPE '\'`).
pub fn like_pattern(query: &str) -> String {
    let q: String = query.trim().chars().take(100).collect();
    let escaped: String = q.chars().flat_map(|c| if matches!(c, '%' | '_' | '\\') { vec!['\\', c] } else { vec![c] }).collect();
    format!("%{escaped}%")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::VisitorInfo;
    use crate::ids::AgentId;
    use crate::session::Status;

    fn summary(id: &str, name: &str, status: Status) -> SessionSummary {
        let mut s: SessionSummary = serde_json::from_value(serde_json::json!({
            "id": id, "status": status, "visitor": {"name": name}, "message_count": 1, "created_at": 1, "waiting_since": 1, "updated_at": 1, "rev": 1
        }))
        .unwrap();
        s.visitor = VisitorInfo::new(name, Some(format!("{}@example.com", name.to_lowercase())));
        s
    }

    #[test]
    fn assign_needs_exactly_one_session() {
        let a = summary("5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "Jo", Status::Waiting);
        let b = summary("5f0c1d2eaaaaaaaaaaaaaaaaaaaaaaaa", "Kim", Status::Active);
        assert_eq!(the_session("5f0c1d2e3a", std::slice::from_ref(&a)).map(|s| s.visitor.name.as_str()), Ok("Jo"));
        let none = the_session("abcdef", &[]).unwrap_err();
        assert_eq!((none.code, none.message.as_str()), (ErrorCode::NotFound, "No conversation's id starts with abcdef."));
        let many = the_session("5f0c1d", &[a.clone(), b]).unwrap_err();
        assert_eq!(many.code, ErrorCode::BadCommand);
        assert_eq!(many.message, "2 conversations start with 5f0c1d: 5f0c1d2e (Jo), 5f0c1d2e (Kim). Type more of the id.");
        let ben = AgentRef { id: AgentId("ben".into()), name: "Ben".into() };
        assert_eq!(assigned_notice(&a, &ben, true), "Assigned Jo's conversation (5f0c1d2e) to Ben.");
        assert_eq!(assigned_notice(&a, &ben, false), "Jo's conversation (5f0c1d2e) is already with Ben.");
    }

    #[test]
    fn the_picker_lists_each_person_once() {
        let mut a = summary(&format!("{:032x}", 1), "Jo", Status::Closed);
        let b = summary(&format!("{:032x}", 2), "Jo", Status::Active);
        a.visitor.email = Some("JO@example.com".into());
        let mut c = summary(&format!("{:032x}", 3), "Vera", Status::Waiting);
        c.visitor.verified = true;
        c.visitor.user_id = Some("user-42".into());
        let mut d = c.clone();
        d.id = SessionId(format!("{:032x}", 4));
        d.visitor.email = None;
        let listed = contacts(&[b.clone(), a, c.clone(), d]);
        assert_eq!(listed.len(), 2, "{listed:?}");
        assert_eq!((listed[0].name.as_str(), listed[0].conversations, &listed[0].latest), ("Jo", 2, &b.id));
        assert_eq!((listed[1].user_id.as_deref(), listed[1].conversations, listed[1].verified), (Some("user-42"), 2, true));
        let mut unverified = summary(&format!("{:032x}", 5), "Claims", Status::Waiting);
        unverified.visitor.user_id = Some("user-42".into());
        assert_eq!(contacts(&[unverified])[0].user_id, None, "only a vouched-for user id is shown as one");
    }

    #[test]
    fn contact_lists_conversations_as_links() {
        let mut a = summary("5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "Jo", Status::Active);
        a.agent = Some(AgentRef { id: AgentId("ava".into()), name: "Ava".into() });
        a.order_ref = Some("CK-1042".into());
        let (text, links) = contact_notice("jo", std::slice::from_ref(&a));
        assert_eq!(text, "1 conversation for “jo”:");
        assert_eq!(
            links,
            vec![NoticeLink {
                session: a.id.clone(),
                label: "Jo <jo@example.com> · Active with Ava · order CK-1042 (from the page) · 5f0c1d2e".into()
            }]
        );
        // The backend's order wins; a different one from the page is marked as the page's.
        a.visitor.orders = vec!["CK-7001".into()];
        assert_eq!(describe(&a), "Jo <jo@example.com> · Active with Ava · order CK-7001 · order CK-1042 (from the page) · 5f0c1d2e");
        a.order_ref = Some("ck-7001".into());
        assert_eq!(describe(&a), "Jo <jo@example.com> · Active with Ava · order CK-7001 · 5f0c1d2e");
        let (text, links) = contact_notice("nobody", &[]);
        assert_eq!((text.as_str(), links.len()), ("No visitor or customer matches “nobody”.", 0));
        let many: Vec<SessionSummary> = (0..10).map(|i| summary(&format!("{i:032x}"), "Jo", Status::Closed)).collect();
        let (text, links) = contact_notice("jo", &many);
        assert_eq!((text.as_str(), links.len()), ("8 conversations for “jo” (the newest 8):", MAX_CONTACT_HITS));
        assert_eq!(like_pattern(" 50%_off\\ "), "%50\\%\\_off\\\\%");
    }
}
