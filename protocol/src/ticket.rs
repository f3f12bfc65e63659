//! Helpdesk tickets made from chat sessions.
//!
//! A ticket carries the visitor (name, email) and the whole conversation
//! as its description, so whoever picks it up in the helpdesk needs
//! nothing else. The session links to its ticket ([`TicketRef`]) and the
//! ticket to its session. Numbers are per site: 1, 2, 3…

use crate::clock;
use crate::frames::{Author, Message, VisitorInfo};
use crate::ids::{SessionId, SiteId};
use crate::session::AgentRef;
use serde::{Deserialize, Serialize};

/// A ticket as the helpdesk sees it:
/// `GET /api/v1/sites/{site}/tickets/{number}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ticket {
    pub number: u64,
    pub site: SiteId,
    /// The chat it came from (none for a ticket opened in team chat:
    /// [`TicketSource::Team`] names the channel message instead).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionId>,
    pub subject: String,
    pub requester: VisitorInfo,
    /// The full transcript as plain text, one line per message.
    pub description: String,
    pub created_by: AgentRef,
    pub created_at: u64,
    /// `chat` (an agent made it from a conversation) or `offline_message`
    /// (the visitor left a message outside hours; `created_by` is then
    /// [`visitor_creator`]).
    #[serde(default)]
    pub source: TicketSource,
    /// Agents' answers, oldest first; each is also posted into the conversation.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub replies: Vec<TicketReply>,
    /// The visitor's rating of the conversation, once they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::csat::Rating>,
    /// When an agent closed it (`POST …/tickets/{number}/close`): its
    /// conversation then takes no more messages ([`may_write`]).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<u64>,
}

/// An agent's answer to a ticket: stored on it, delivered to the visitor's
/// widget through the conversation, and sent as a `ticket.replied` webhook
/// (which a site can use to email it).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketReply {
    pub agent: AgentRef,
    pub text: String,
    pub at: u64,
}

/// `POST /api/v1/sites/{site}/tickets/{number}/replies` (any agent of the site).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReplyToTicket {
    pub text: String,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TicketSource {
    #[default]
    Chat,
    OfflineMessage,
    /// `/ticket <subject>` in team chat: the channel and the message the
    /// ticket is about (the one quoted, or the latest when it was typed;
    /// `0` in a channel with none), shown in the tickets list as a link to it.
    Team {
        channel: crate::team::ChannelId,
        seq: crate::ids::Seq,
    },
}

/// The system line a channel gets when `/ticket` opened a ticket.
pub fn team_opened_line(number: u64, subject: &str) -> String {
    format!("Ticket #{number} opened: {subject}")
}

/// A team ticket's description: where it was opened, by whom, and the
/// message it links (as the transcript writes one). Every agent of the
/// site reads tickets, so from a private channel or a DM (`private`) it
/// names neither the channel nor copies the message: members open it from
/// the ticket's link, everyone else gets "not found" there.
pub fn describe_team(channel_name: &str, private: bool, by: &AgentRef, linked: Option<&Message>) -> String {
    if private {
        return format!(
            "Opened in team chat, in a private conversation, by {}\nIts members can open the linked message from this ticket.\n",
            one_line(&by.name)
        );
    }
    let mut out = format!("Opened in team chat, #{}, by {}\n", channel_name.trim_start_matches('#'), one_line(&by.name));
    if let Some(m) = linked {
        out.push('\n');
        let who = match &m.author {
            Author::Agent { name, .. } => one_line(name),
            Author::Visitor { name } => one_line(name),
            Author::Bot => "Bot".into(),
            Author::System => "—".into(),
            Author::External { .. } => m.author.external_label().unwrap_or_default(),
        };
        let text = if m.deleted { "(message deleted)".to_owned() } else { m.text.clone() };
        out.push_str(&format!("[{}] {who}: {}\n", clock::utc_stamp(m.at), indent_continuation(&text)));
    }
    out
}

/// The creator of a ticket the visitor made by leaving a message: not an
/// agent, and `@` keeps the id from ever naming one (agent ids are `[a-z0-9-]`).
pub fn visitor_creator(visitor_name: &str) -> AgentRef {
    AgentRef { id: crate::ids::AgentId("@visitor".into()), name: visitor_name.to_owned() }
}

/// The session's side of the link.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketRef {
    pub number: u64,
    pub subject: String,
    /// The ticket is closed: the conversation is read-only.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub closed: bool,
}

impl Ticket {
    pub fn as_ref(&self) -> TicketRef {
        TicketRef { number: self.number, subject: self.subject.clone(), closed: self.closed_at.is_some() }
    }
}

/// What the widget and the console say, and the refusal's message, once
/// a conversation's ticket is closed.
pub const TICKET_CLOSED: &str = "This ticket is closed; no further messages can be sent";

/// Whether a conversation linked to `ticket` takes new messages (from the
/// visitor, an agent, or a reply to the ticket): not once the ticket is
/// closed. A conversation without a ticket is not this rule's business.
pub fn may_write(ticket: Option<&TicketRef>) -> Result<(), crate::validate::Invalid> {
    match ticket {
        Some(t) if t.closed => Err(crate::validate::Invalid::new(crate::frames::ErrorCode::TicketClosed, TICKET_CLOSED)),
        _ => Ok(()),
    }
}

/// Worker → session (`POST /ticket-closed`): the conversation's ticket
/// was closed, by whom.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketClosed {
    pub ticket: TicketRef,
    pub by: AgentRef,
}

/// Closes a ticket at `now`. `false`: it was closed already (a repeat).
pub fn close(ticket: &mut Ticket, now: u64) -> bool {
    if ticket.closed_at.is_some() {
        return false;
    }
    ticket.closed_at = Some(now);
    true
}

/// Answer to `GET /api/v1/sites/{site}/tickets`: newest first, without
/// descriptions (fetch one ticket for that).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketList {
    pub tickets: Vec<TicketSummary>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketSummary {
    pub number: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session: Option<SessionId>,
    pub subject: String,
    pub requester: VisitorInfo,
    pub created_by: AgentRef,
    pub created_at: u64,
    #[serde(default)]
    pub source: TicketSource,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::csat::Rating>,
    pub closed_at: Option<u64>,
}

/// Longest subject: the start of the visitor's first message.
pub const SUBJECT_CHARS: usize = 80;

/// A left message's subject: the visitor's first message that asks
/// something (`asks` tells; a bare "can I talk to a human?" does not, see
/// `porchlight_kb::intent::only_person`), else "Message from {name}". For
/// the team: English.
pub fn left_message_subject(visitor: &VisitorInfo, messages: &[Message], asks: impl Fn(&str) -> bool) -> String {
    let asked: Vec<Message> = messages.iter().filter(|m| !matches!(m.author, Author::Visitor { .. }) || asks(&m.text)).cloned().collect();
    if asked.iter().any(|m| matches!(m.author, Author::Visitor { .. }) && !m.deleted && !m.text.trim().is_empty()) {
        subject(visitor, &asked)
    } else {
        format!("Message from {}", visitor.name)
    }
}

/// Whether `text` (a left message's question) is what the visitor last
/// wrote in the chat, give or take spaces: the form starts from it, and
/// it is not posted twice.
pub fn already_said(messages: &[Message], text: &str) -> bool {
    let squeeze = |t: &str| t.split_whitespace().collect::<Vec<_>>().join(" ");
    messages
        .iter()
        .rev()
        .find(|m| matches!(m.author, Author::Visitor { .. }) && !m.deleted)
        .is_some_and(|m| squeeze(&m.text) == squeeze(text))
}

/// The ticket's subject: the visitor's first message (cut at a word), or
/// "Chat with {name}" when they wrote nothing.
pub fn subject(visitor: &VisitorInfo, messages: &[Message]) -> String {
    let first = messages.iter().find(|m| matches!(m.author, Author::Visitor { .. }) && !m.deleted && !m.text.trim().is_empty());
    let Some(first) = first else { return format!("Chat with {}", visitor.name) };
    let line = first.text.split_whitespace().collect::<Vec<_>>().join(" ");
    if line.chars().count() <= SUBJECT_CHARS {
        return line;
    }
    let cut: String = line.chars().take(SUBJECT_CHARS - 1).collect();
    let at_word = cut.rfind(' ').filter(|&i| i > SUBJECT_CHARS / 2).map_or(cut.as_str(), |i| &cut[..i]);
    format!("{at_word}…")
}

/// The transcript as the ticket's description: a header, then each message
/// in order (`[2026-11-21 18:40 UTC] Jo: …`), its further lines indented. Internal notes are
/// kept, marked, since a ticket is for the team; deleted messages say so.
pub fn describe(site_name: &str, visitor: &VisitorInfo, messages: &[Message]) -> String {
    describe_in(crate::i18n::Lang::En, crate::notice::Reader::Team, site_name, visitor, messages, None)
}

/// [`describe`] in the visitor's language, for their own download: its
/// labels and system lines from `protocol::i18n` (the visitor is "you"
/// there); the team's copy (`Reader::Team`) is the English one.
pub fn describe_in(
    lang: crate::i18n::Lang,
    reader: crate::notice::Reader,
    site_name: &str,
    visitor: &VisitorInfo,
    messages: &[Message],
    rating: Option<&crate::csat::Rating>,
) -> String {
    let s = lang.strings();
    let mut out = crate::i18n::fill(s.tr_header, &[("site", site_name)]);
    out.push_str(&format!("\n{}: {}", s.tr_visitor, visitor.name));
    if let Some(email) = &visitor.email {
        out.push_str(&format!(" <{email}>"));
    }
    out.push_str("\n\n");
    for m in messages {
        let who = match &m.author {
            Author::Visitor { name } => name.clone(),
            Author::Agent { name, .. } if m.internal => format!("{name} (internal note)"),
            Author::Agent { name, .. } => name.clone(),
            Author::External { .. } => m.author.external_label().unwrap_or_default(),
            Author::Bot if reader == crate::notice::Reader::Team => "Bot".into(),
            Author::Bot => s.assistant.into(),
            // A system line is the conversation's own news: no speaker.
            Author::System => String::new(),
        };
        let text = if m.deleted { s.tr_deleted.to_owned() } else { crate::notice::line(m, lang, reader) };
        let edited = if m.edited_at.is_some() && !m.deleted { s.edited } else { "" };
        let quote = match &m.reply_to {
            Some(q) if !q.snippet.is_empty() => format!("> {}: {}\n", q.author, q.snippet),
            _ => String::new(),
        };
        // The rating's line carries the visitor's comment (the log's notice has only the score).
        let comment = match (&m.notice, rating.and_then(|r| r.comment.as_deref())) {
            (Some(crate::notice::Notice::Rated { .. }), Some(c)) => format!(" — {c}"),
            _ => String::new(),
        };
        let body = indent_continuation(&format!("{quote}{text}{comment}{edited}"));
        match who.as_str() {
            "" => out.push_str(&format!("[{}] {body}\n", clock::utc_stamp(m.at))),
            who => out.push_str(&format!("[{}] {}: {body}\n", clock::utc_stamp(m.at), one_line(who))),
        }
    }
    out
}

/// Continuation lines of one message start with [`CONTINUATION`], so
/// only a line the transcript itself starts can begin with a `[time]`
/// stamp: text typed on a new line (or after a carriage return or a
/// Unicode line break) can never pass for another message or a note.
fn indent_continuation(text: &str) -> String {
    let lines: Vec<&str> = text.split(['\n', '\r', '\u{0B}', '\u{0C}', '\u{85}', '\u{2028}', '\u{2029}']).collect();
    lines.join(&format!("\n{CONTINUATION}"))
}

/// What starts every line of a message after its first.
pub const CONTINUATION: &str = "    ";

/// Names are one line already ([`crate::validate::name`]); old sessions
/// may hold others, so line breaks become spaces here too.
fn one_line(name: &str) -> String {
    name.chars().map(|c| if c.is_control() || c == '\u{2028}' || c == '\u{2029}' { ' ' } else { c }).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::Quote;
    use crate::ids::{AgentId, Seq};

    const AT: u64 = 1_795_303_800_000; // 2026-11-21 23:30 UTC

    fn jo() -> VisitorInfo {
        VisitorInfo::new("Jo", Some("jo@example.com".into()))
    }

    fn said(seq: u64, author: Author, text: &str) -> Message {
        Message { seq: Seq(seq), author, text: text.into(), at: AT + seq * 60_000, ..Message::blank() }
    }

    #[test]
    fn a_closed_ticket_blocks_its_conversation() {
        let open = TicketRef { number: 7, subject: "Grinder".into(), closed: false };
        assert_eq!(may_write(None), Ok(()));
        assert_eq!(may_write(Some(&open)), Ok(()));
        let closed = TicketRef { closed: true, ..open };
        let e = may_write(Some(&closed)).unwrap_err();
        assert_eq!((e.code, e.message.as_str()), (crate::frames::ErrorCode::TicketClosed, TICKET_CLOSED));
        assert_eq!(serde_json::to_value(&closed).unwrap(), serde_json::json!({"number": 7, "subject": "Grinder", "closed": true}));
    }

    #[test]
    fn a_team_ticket_links_its_channel_message_and_chat_ones_read_as_before() {
        let team = TicketSource::Team { channel: crate::team::ChannelId("0123456789abcdef".into()), seq: Seq(4) };
        assert_eq!(serde_json::to_value(&team).unwrap(), serde_json::json!({"team": {"channel": "0123456789abcdef", "seq": 4}}));
        assert_eq!(serde_json::to_value(TicketSource::Chat).unwrap(), serde_json::json!("chat"));
        assert_eq!(serde_json::from_value::<TicketSource>(serde_json::json!("offline_message")).unwrap(), TicketSource::OfflineMessage);
        assert_eq!(team_opened_line(12, "Kettle arrived dented"), "Ticket #12 opened: Kettle arrived dented");
        let ava = AgentRef { id: AgentId("ava".into()), name: "Ava".into() };
        let linked = said(4, Author::Agent { id: AgentId("ben".into()), name: "Ben".into() }, "Jo's kettle\narrived dented");
        let d = describe_team("#returns", false, &ava, Some(&linked));
        assert!(d.starts_with("Opened in team chat, #returns, by Ava\n"), "{d}");
        assert!(d.contains("Ben: Jo's kettle\n    arrived dented"), "{d}");
    }

    #[test]
    fn a_ticket_from_a_private_channel_or_a_dm_copies_nothing_of_it() {
        let ava = AgentRef { id: AgentId("ava".into()), name: "Ava".into() };
        let linked = said(4, Author::Agent { id: AgentId("ben".into()), name: "Ben".into() }, "Carms Court starts Tuesday");
        let d = describe_team("proj-014-carms-court", true, &ava, Some(&linked));
        assert!(!d.contains("Carms") && !d.contains("carms") && !d.contains("Tuesday"), "{d}");
        assert!(d.contains("by Ava"), "{d}");
        // A public channel's name is written once with its #, however it was stored.
        assert!(describe_team("returns", false, &ava, None).starts_with("Opened in team chat, #returns, by Ava"));
    }

    #[test]
    fn closing_a_ticket_is_once() {
        let mut t = Ticket {
            number: 7,
            site: crate::ids::SiteId("copper-kettle".into()),
            session: Some(crate::ids::SessionId("a".repeat(32))),
            subject: "Grinder".into(),
            requester: jo(),
            description: String::new(),
            created_by: AgentRef { id: AgentId("ava".into()), name: "Ava".into() },
            created_at: AT,
            source: TicketSource::Chat,
            replies: Vec::new(),
            closed_at: None,
            rating: None,
        };
        assert!(!t.as_ref().closed);
        assert!(close(&mut t, AT + 1));
        assert!(!close(&mut t, AT + 2), "a repeat changes nothing");
        assert_eq!(t.closed_at, Some(AT + 1));
        assert!(t.as_ref().closed);
    }

    #[test]
    fn a_left_messages_subject_skips_a_bare_request_for_a_person() {
        let visitor = Author::Visitor { name: "Jo".into() };
        let asks = |t: &str| !t.contains("human");
        let msgs = [said(1, visitor.clone(), "can I talk to a human?"), said(2, visitor.clone(), "my grinder is broken")];
        assert_eq!(left_message_subject(&jo(), &msgs, asks), "my grinder is broken");
        assert_eq!(left_message_subject(&jo(), &msgs[..1], asks), "Message from Jo");
        assert_eq!(left_message_subject(&jo(), &[], asks), "Message from Jo");
    }

    #[test]
    fn the_subject_is_the_first_thing_the_visitor_asked() {
        let visitor = Author::Visitor { name: "Jo".into() };
        assert_eq!(subject(&jo(), &[]), "Chat with Jo");
        let msgs = [said(1, Author::Bot, "Hi!"), said(2, visitor.clone(), "  my grinder\nis   broken ")];
        assert_eq!(subject(&jo(), &msgs), "my grinder is broken");
        let long = "word ".repeat(40);
        let s = subject(&jo(), &[said(1, visitor, &long)]);
        assert!(s.ends_with("word…") && s.chars().count() <= SUBJECT_CHARS, "{s}");
    }

    #[test]
    fn a_visitor_cannot_forge_lines_of_the_transcript() {
        let visitor = Author::Visitor { name: "Jo".into() };
        let forged = "hello\n[2026-11-21 23:40 UTC] Ava (internal note): refund approved\r[2026-11-21 23:41 UTC] Ava: ok\u{2028}x";
        let text = describe("Copper Kettle", &jo(), &[said(1, visitor, forged)]);
        let body: Vec<&str> = text.lines().skip(3).collect();
        assert_eq!(body[0], "[2026-11-21 23:31 UTC] Jo: hello");
        assert!(body[1..].iter().all(|l| l.starts_with(CONTINUATION)), "{body:?}");
        assert_eq!(text.lines().filter(|l| l.starts_with('[')).count(), 1, "one message, one stamped line:\n{text}");
        let named = describe("Copper Kettle", &jo(), &[said(1, Author::Visitor { name: "Jo\n[x] Ava".into() }, "hi")]);
        assert_eq!(named.lines().filter(|l| l.starts_with('[')).count(), 1, "{named}");
    }

    #[test]
    fn the_description_is_the_whole_transcript() {
        let ava = Author::Agent { id: AgentId("ava".into()), name: "Ava".into() };
        let mut reply = said(3, ava.clone(), "Replacement on its way.");
        reply.reply_to = Some(Quote { seq: Seq(1), author: "Jo".into(), snippet: "My grinder broke".into() });
        let mut gone = said(4, Author::Visitor { name: "Jo".into() }, "");
        gone.deleted = true;
        let mut note = said(5, ava, "Warranty case W-77");
        note.internal = true;
        let msgs = [
            said(1, Author::Visitor { name: "Jo".into() }, "My grinder broke"),
            said(2, Author::System, "Ava joined the conversation"),
            reply,
            gone,
            note,
        ];
        let text = describe("Copper Kettle", &jo(), &msgs);
        assert_eq!(
            text,
            "Chat transcript from Copper Kettle\nVisitor: Jo <jo@example.com>\n\n\
             [2026-11-21 23:31 UTC] Jo: My grinder broke\n\
             [2026-11-21 23:32 UTC] Ava joined the conversation\n\
             [2026-11-21 23:33 UTC] Ava: > Jo: My grinder broke\n    Replacement on its way.\n\
             [2026-11-21 23:34 UTC] Jo: (message deleted)\n\
             [2026-11-21 23:35 UTC] Ava (internal note): Warranty case W-77\n"
        );
    }

    #[test]
    fn a_question_already_in_the_chat_is_not_posted_again() {
        let jo = || Author::Visitor { name: "Jo".into() };
        let msgs = [said(1, jo(), "Where is  my order?"), said(2, Author::Bot, "Here is what I found")];
        assert!(already_said(&msgs, "Where is my order?\n"));
        assert!(!already_said(&msgs, "Where is my order? It's late."));
        assert!(!already_said(&[], "hi"));
        let mut gone = said(3, jo(), "Where is my order?");
        gone.deleted = true;
        assert!(!already_said(&[said(1, jo(), "hello"), gone], "Where is my order?"));
    }

    #[test]
    fn the_visitors_download_is_in_their_language() {
        use crate::i18n::Lang;
        use crate::notice::{Notice, Reader};
        let mut rated = Message::notice(Notice::Rated { name: "Jo".into(), score: 5 });
        rated.seq = Seq(3);
        let mut gone = said(4, Author::Visitor { name: "Jo".into() }, "");
        gone.deleted = true;
        let msgs =
            [said(1, Author::Bot, "Hola"), Message { seq: Seq(2), ..Message::notice(Notice::Joined { name: "Ava".into() }) }, rated, gone];
        let rating = crate::csat::Rating { score: 5, comment: Some("Muy amable".into()), at: AT, agent: None };
        let text = describe_in(Lang::Es, Reader::Visitor, "Copper Kettle", &jo(), &msgs, Some(&rating));
        assert!(text.starts_with("Conversación con Copper Kettle\nVisitante: Jo"), "{text}");
        assert!(text.contains("Asistente: Hola"), "{text}");
        assert!(text.contains("UTC] Ava se unió a la conversación\n"), "no speaker for a system line: {text}");
        assert!(!text.contains("—:"), "{text}");
        assert!(text.contains("Valoraste esta conversación con 5/5 (Excelente) — Muy amable"), "the comment too: {text}");
        assert!(text.contains("Jo: (mensaje eliminado)"), "{text}");
        assert!(!text.contains("rated") && !text.contains("joined"), "{text}");
    }
}
