//! Every WebSocket frame and HTTP body, one enum per direction.
//!
//! Frames are JSON objects tagged by `"type"` (snake_case). Directions:
//!
//! | enum | from → to | socket |
//! |---|---|---|
//! | [`VisitorFrame`] | widget → session | `/api/v1/sites/{site}/sessions/{id}/ws` |
//! | [`AgentFrame`] | console → session | `/api/v1/sites/{site}/sessions/{id}/agent` |
//! | [`SessionFrame`] | session → widget and console | both of the above |
//! | [`QueueClientFrame`] | console → site queue | `/api/v1/sites/{site}/queue` |
//! | [`QueueFrame`] | site queue → console | the same |
//!
//! Credentials travel in the first frame (`hello`), never in a URL.
//! `docs/PROTOCOL.md` shows each with an example; the golden tests below keep
//! the two in step.

use crate::ids::{ClientMsgId, Seq, SessionId, SiteId};
use crate::session::{AgentRef, ClosedBy, Status};
use serde::{Deserialize, Serialize};

// ───────────────────────────── HTTP bodies ─────────────────────────────

/// `POST /api/v1/sites/{site}/sessions`: the pre-chat form.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateSession {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The site backend's signed identity token (HS256 JWT), when the page has one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    /// What the host page says about the visitor (see [`VisitorContext`]).
    #[serde(default, skip_serializing_if = "VisitorContext::is_empty")]
    pub context: VisitorContext,
    /// The widget's language (a BCP 47 tag such as `es-MX`): the bot's fixed
    /// replies follow it when a message does not clearly say another
    /// language. One the widget does not speak is ignored.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

/// Context from the host page: where the visitor is, and what the site
/// chose to attach through the loader's `Porchlight.setContext` (an order
/// reference, custom attributes such as loyalty points). Agents see it in
/// the visitor panel; the order reference is searchable in the queue.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub page_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
}

impl VisitorContext {
    pub fn is_empty(&self) -> bool {
        self.page_url.is_none() && self.order_ref.is_none() && self.attributes.is_empty()
    }
}

/// Answer to [`CreateSession`]. The token is the visitor's only credential
/// for this session; the widget keeps it in the host page's localStorage.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionCreated {
    pub session_id: SessionId,
    pub token: String,
}

/// Answer to `POST /api/v1/agent/login` (token in `Authorization: Bearer`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLogin {
    pub site: SiteId,
    pub site_name: String,
    pub agent: AgentRef,
}

/// Public look of a site's widget: `GET /api/v1/sites/{site}/widget`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct WidgetConfig {
    pub site: SiteId,
    pub name: String,
    pub accent_color: String,
    pub greeting: String,
    /// Version of the site's help-center index, when it has articles: fetch
    /// `kb/index?v=<it>` once (immutable) to rank suggestions in the browser.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kb_version: Option<String>,
    /// A short sound for an unseen agent message (the site's `sound`).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sound: bool,
    /// The site keeps page URLs whole (its `full_page_urls`); otherwise
    /// the widget sends them without query string and fragment.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub full_page_urls: bool,
    /// The launcher's side, offsets and label (absent: bottom right, 20 px, icon only).
    #[serde(default, skip_serializing_if = "crate::appearance::Launcher::is_default")]
    pub launcher: crate::appearance::Launcher,
    /// The header's lines when the site sets them (else `name` and `greeting`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    /// `light` or `dark` when the site forces one (absent: the visitor's preference).
    #[serde(default, skip_serializing_if = "crate::appearance::ColorScheme::is_auto")]
    pub color_scheme: crate::appearance::ColorScheme,
    /// The site's business hours (absent: open around the clock). The widget
    /// evaluates them itself ([`crate::hours::Hours::is_open`]), every minute.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub hours: Option<crate::hours::Hours>,
    /// The site's `consent_required`: the loader touches no storage and
    /// loads no conversation before the visitor opens the chat.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub consent_required: bool,
    /// Whether an agent's console is online (not away) now. The widget
    /// asks again every 30 s while the panel is open; a visitor waiting
    /// while nobody is online is told so and offered "Leave a message".
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agents_online: Option<bool>,
    /// The site's `offline_when_no_agents`: with nobody online, "Talk to a
    /// person" becomes "Leave a message" (only `true` is written).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub offline_when_no_agents: bool,
    /// Whether the widget offers a rating once a conversation ends (the
    /// site's `csat`; only `false` is written).
    #[serde(default = "crate::csat::on", skip_serializing_if = "crate::csat::is_on")]
    pub csat: bool,
}

/// `GET /api/v1/sites/{site}/sessions/{id}/transcript` (agents): the whole
/// conversation, internal notes included, for the record or a helpdesk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct TranscriptExport {
    pub site: SiteId,
    pub session: SessionView,
    pub messages: Vec<Message>,
    pub exported_at: u64,
}

/// Every HTTP error: `{"error": {"code": "...", "message": "..."}}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorDetail {
    pub code: ErrorCode,
    pub message: String,
}

/// Machine-readable reason for a refusal, shared by HTTP errors and error frames.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// Not JSON, unknown `type`, missing field, or a field of the wrong shape.
    BadFrame,
    /// Frame or body larger than [`crate::validate::MAX_FRAME_BYTES`].
    FrameTooLarge,
    /// Missing or wrong token, or a frame sent before `hello`.
    Unauthorized,
    /// The request's `Origin` is not on the site's allowlist.
    ForbiddenOrigin,
    /// No such site, session or route.
    NotFound,
    InvalidName,
    InvalidEmail,
    MessageEmpty,
    MessageTooLong,
    /// The session is closed; nothing more can be added.
    SessionClosed,
    /// Another agent accepted the session first.
    AlreadyAccepted,
    /// The agent does not own this session (accept it first).
    NotAssigned,
    /// An uploaded help-center article is not valid (the message says why).
    InvalidArticle,
    /// The agent's role does not allow this (site administration needs ADMIN).
    Forbidden,
    /// Host-page context out of bounds (the message says which part).
    InvalidContext,
    /// An agent tried to accept or write while the bot still has the visitor.
    StillWithBot,
    /// "Yes, thanks" after the conversation already went to the team.
    AlreadyHandedOff,
    /// Too many requests or frames from this address or socket: wait
    /// `Retry-After` seconds (HTTP) or `retry_after_ms` (frames).
    RateLimited,
    /// A `kb/search` query over [`crate::limits::MAX_SEARCH_CHARS`] characters.
    QueryTooLong,
    /// The session holds as much as one session may (messages or text);
    /// start a new chat.
    SessionFull,
    /// An identity token that does not verify (signature, `alg`, shape or claims).
    InvalidIdentity,
    /// An identity token whose `exp` has passed.
    IdentityExpired,
    /// The site accepts only verified visitors and no identity token was sent.
    IdentityRequired,
    /// A per-site limit is reached (e.g. 10 webhook endpoints).
    LimitReached,
    /// This edge still runs with the demo's credentials on a public host.
    DemoCredentials,
    /// A business-hours schedule that is not valid (the message says why).
    InvalidHours,
    /// The site does not collect ratings (its `csat: false`).
    CsatOff,
    /// The conversation cannot be rated: still open, or no person took part.
    NotRateable,
    /// The conversation already has its rating (one per session).
    AlreadyRated,
    /// A score outside 1–5, or a comment over [`crate::csat::MAX_COMMENT_CHARS`].
    InvalidRating,
    /// A file over [`crate::attachment::MAX_BYTES`], or more than a session holds.
    FileTooLarge,
    /// A file that is not an accepted image or PDF (by its bytes), or is damaged.
    UnsupportedFile,
    /// The conversation's ticket is closed: no more messages.
    TicketClosed,
    /// Team chat: the channel is archived; it can be read, not written.
    ChannelArchived,
    /// Another channel of the site already has this name (the name field's error).
    NameTaken,
    /// Team chat: a `/command` that does not exist (the message suggests one).
    UnknownCommand,
    /// Team chat: a known `/command` typed wrong (the message shows its usage).
    BadCommand,
    /// A participant link that was already opened (HTTP 409): links are single use.
    LinkUsed,
    /// A participant link past its 24 hours, or withdrawn (HTTP 410).
    LinkExpired,
    /// Something failed on the edge; retry, and report it if it persists.
    Internal,
}

// ───────────────────────────── messages ─────────────────────────────

/// Who wrote a message.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    Visitor {
        name: String,
    },
    Agent {
        id: crate::ids::AgentId,
        name: String,
    },
    /// Someone outside the team an agent added by a one-time link (a
    /// courier): shown everywhere as "Sam (courier) · external".
    External {
        id: String,
        name: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        role: Option<String>,
    },
    /// The site's help-center bot (suggestions before a person joins).
    Bot,
    /// Notices from Porchlight itself ("Ava joined the conversation").
    System,
}

impl Author {
    /// An external participant's author, labelled as such.
    pub fn external(who: &crate::participants::External) -> Self {
        Author::External { id: who.id.clone(), name: who.name.clone(), role: who.role.clone() }
    }

    /// The label of an external author ("Sam (courier) · external").
    pub fn external_label(&self) -> Option<String> {
        match self {
            Author::External { id, name, role } => {
                Some(crate::participants::External { id: id.clone(), name: name.clone(), role: role.clone() }.label())
            }
            _ => None,
        }
    }
}

/// A help-center article as a message or the console names it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ArticleRef {
    pub id: String,
    pub title: String,
}

/// What the bot showed the visitor and what the visitor read, so the agent
/// who takes over does not suggest the same articles again.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleTrail {
    pub suggested: Vec<ArticleRef>,
    pub opened: Vec<ArticleRef>,
}

impl ArticleTrail {
    /// Adds `article` to `list` once; returns whether it was new.
    pub fn add(list: &mut Vec<ArticleRef>, article: ArticleRef) -> bool {
        if list.iter().any(|a| a.id == article.id) {
            return false;
        }
        list.push(article);
        true
    }
}

/// A committed message. `seq` orders the session; `at` is the commit time in
/// milliseconds since the Unix epoch, for display only.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub seq: Seq,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<ClientMsgId>,
    pub author: Author,
    pub text: String,
    pub at: u64,
    /// Help-center articles attached by the bot, shown as links to open.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub articles: Vec<ArticleRef>,
    /// An internal note: agents see it, the visitor never does (so a
    /// visitor's sequence numbers skip where notes are).
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub internal: bool,
    /// The earlier message this one answers (quote-reply).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reply_to: Option<Quote>,
    /// When its author last edited it (the "(edited)" marker).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub edited_at: Option<u64>,
    /// Deleted by its author: `text` is empty and stays so.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub deleted: bool,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub reactions: Vec<Reaction>,
    /// Log position of the last edit, deletion or reaction. Changes take
    /// sequence numbers from the same counter as messages, so a client's
    /// `last_seq` covers both and a resume brings back every change it missed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub changed: Option<Seq>,
    /// A file sent with the message (its metadata; the bytes are `GET …/attachments/{id}`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attachment: Option<crate::attachment::Attachment>,
    /// An order card from the site's backend (`text` then says the same in
    /// words); updated in place, like an edit, when the order changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub card: Option<crate::order_card::OrderCard>,
    /// A system line's meaning (`{"kind":"joined","name":"Ava"}`), which
    /// each reader words in its language; `text` holds the English. Absent
    /// on lines stored before notices existed: readers show their `text`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<crate::notice::Notice>,
}

impl Message {
    /// A message with no text, author `System` and no extras: the base of
    /// `Message { seq, text, ..Message::blank() }` in code and tests.
    pub fn blank() -> Message {
        Message {
            seq: Seq(0),
            client_id: None,
            author: Author::System,
            text: String::new(),
            at: 0,
            articles: Vec::new(),
            internal: false,
            reply_to: None,
            edited_at: None,
            deleted: false,
            reactions: Vec::new(),
            changed: None,
            attachment: None,
            card: None,
            notice: None,
        }
    }

    /// A system line: its notice, and the English words as `text`.
    pub fn notice(notice: crate::notice::Notice) -> Message {
        Message { text: notice.english(), notice: Some(notice), ..Message::blank() }
    }

    /// How far this message moves a reader's cursor: its own seq, or its
    /// latest change.
    pub fn log_pos(&self) -> Seq {
        self.changed.map_or(self.seq, |c| c.max(self.seq))
    }
}

/// A quoted earlier message, as the reply shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Quote {
    pub seq: Seq,
    /// Who wrote the quoted message ("Jo", "Ava", "Bot").
    pub author: String,
    /// Its first characters, at the time of quoting (empty once deleted).
    pub snippet: String,
}

/// The fixed set of reactions.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Emoji {
    ThumbsUp,
    Heart,
    Laughing,
    Surprised,
    Sad,
    Fire,
}

impl Emoji {
    pub const ALL: [Emoji; 6] = [Emoji::ThumbsUp, Emoji::Heart, Emoji::Laughing, Emoji::Surprised, Emoji::Sad, Emoji::Fire];

    pub fn glyph(self) -> &'static str {
        match self {
            Emoji::ThumbsUp => "👍",
            Emoji::Heart => "❤️",
            Emoji::Laughing => "😂",
            Emoji::Surprised => "😮",
            Emoji::Sad => "😢",
            Emoji::Fire => "🔥",
        }
    }

    /// Accessible name, for buttons' `aria-label`.
    pub fn name(self) -> &'static str {
        match self {
            Emoji::ThumbsUp => "thumbs up",
            Emoji::Heart => "heart",
            Emoji::Laughing => "laughing",
            Emoji::Surprised => "surprised",
            Emoji::Sad => "sad",
            Emoji::Fire => "fire",
        }
    }
}

/// One emoji on a message and everyone who chose it, in order.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reaction {
    pub emoji: Emoji,
    pub by: Vec<Participant>,
}

impl Reaction {
    /// Adds (`on`) or removes `who`'s `emoji` in `reactions`, keeping the
    /// set's order (emoji by first use) and dropping emptied entries.
    /// Returns whether anything changed, so a repeat is a no-op.
    pub fn toggle(reactions: &mut Vec<Reaction>, emoji: Emoji, who: &Participant, on: bool) -> bool {
        let pos = reactions.iter().position(|r| r.emoji == emoji);
        match (pos, on) {
            (Some(i), true) if reactions[i].by.contains(who) => false,
            (Some(i), true) => {
                reactions[i].by.push(who.clone());
                true
            }
            (None, true) => {
                reactions.push(Reaction { emoji, by: vec![who.clone()] });
                true
            }
            (Some(i), false) => {
                let before = reactions[i].by.len();
                reactions[i].by.retain(|p| p != who);
                let changed = reactions[i].by.len() != before;
                if reactions[i].by.is_empty() {
                    reactions.remove(i);
                }
                changed
            }
            (None, false) => false,
        }
    }
}

/// What a participant sees of the session itself.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionView {
    pub id: SessionId,
    pub status: Status,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentRef>,
    pub visitor: VisitorInfo,
    pub created_at: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<ClosedBy>,
    /// The bot's suggestions and the articles the visitor opened.
    #[serde(default)]
    pub articles: ArticleTrail,
    /// How far each side has received and seen the log.
    #[serde(default)]
    pub receipts: Receipts,
    #[serde(default, skip_serializing_if = "VisitorContext::is_empty")]
    pub context: VisitorContext,
    /// The helpdesk ticket made from it, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<crate::ticket::TicketRef>,
    /// Agents invited in besides the owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<AgentRef>,
    /// The visitor's rating, once the conversation ended and they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::csat::Rating>,
}

impl SessionView {
    /// What an external participant (a courier by link) is shown: the
    /// conversation, not the customer's file. They see every message, so
    /// the name the customer chats under, the order references and the
    /// ticket stay; email, user id, attributes, the page they were on, the
    /// articles they read, read receipts and their rating do not.
    pub fn for_external(&self) -> SessionView {
        let visitor = VisitorInfo {
            name: self.visitor.name.clone(),
            verified: self.visitor.verified,
            orders: self.visitor.orders.clone(),
            ..VisitorInfo::default()
        };
        let context = VisitorContext { order_ref: self.context.order_ref.clone(), ..VisitorContext::default() };
        SessionView { visitor, context, articles: ArticleTrail::default(), receipts: Receipts::default(), rating: None, ..self.clone() }
    }

    /// A session with nothing but its id, status and visitor (no articles,
    /// receipts, context, ticket or participants yet).
    pub fn new(id: SessionId, status: Status, visitor: VisitorInfo, created_at: u64) -> SessionView {
        SessionView {
            id,
            status,
            agent: None,
            visitor,
            created_at,
            closed_by: None,
            articles: ArticleTrail::default(),
            receipts: Receipts::default(),
            context: VisitorContext::default(),
            ticket: None,
            participants: Vec::new(),
            rating: None,
        }
    }
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorInfo {
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
    /// The site's backend vouched for this visitor with a signed identity
    /// token (see `identity`); everything else is claimed by the visitor.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub verified: bool,
    /// The site's user id (the token's `sub`), only when verified.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user_id: Option<String>,
    /// Which of `name` and `email` the token vouched for (`"name"`, `"email"`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub verified_fields: Vec<String>,
    /// Order references from the token (verified), besides the page's `order_ref`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub orders: Vec<String>,
    /// Attributes from the token (verified); they win over the page's of the same key.
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub attributes: std::collections::BTreeMap<String, String>,
    /// The widget's language (`en`, `es`, `fr`, `de`, `ar`) when it said one:
    /// the bot's fixed replies follow it; agents see it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub locale: Option<String>,
}

impl VisitorInfo {
    pub fn new(name: impl Into<String>, email: Option<String>) -> VisitorInfo {
        VisitorInfo { name: name.into(), email, ..VisitorInfo::default() }
    }

    /// The visitor as the pre-chat form named them, overridden by what a
    /// verified identity token says.
    pub fn verified_by(mut self, claims: crate::identity::Claims) -> VisitorInfo {
        self.verified = true;
        self.user_id = Some(claims.sub);
        self.verified_fields.clear();
        if let Some(name) = claims.name {
            self.name = name;
            self.verified_fields.push("name".into());
        }
        if let Some(email) = claims.email {
            self.email = Some(email);
            self.verified_fields.push("email".into());
        }
        self.orders = claims.orders;
        self.attributes = claims.attributes;
        self
    }

    pub fn is_verified(&self, field: &str) -> bool {
        self.verified && self.verified_fields.iter().any(|f| f == field)
    }
}

/// One row of a site's queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionSummary {
    pub id: SessionId,
    pub status: Status,
    pub visitor: VisitorInfo,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub agent: Option<AgentRef>,
    pub message_count: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_message: Option<String>,
    pub created_at: u64,
    /// When the session entered WAITING; the console shows "waiting 3m" from it.
    pub waiting_since: u64,
    pub updated_at: u64,
    /// Whether the bot handed the session to the queue.
    #[serde(default)]
    pub handed_off: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_by: Option<ClosedBy>,
    /// The agent who closed it, when an agent did.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closer: Option<AgentRef>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub closed_at: Option<u64>,
    /// Messages the visitor has written.
    #[serde(default)]
    pub visitor_messages: u64,
    /// The host page's order reference, if any: find a conversation from its order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub order_ref: Option<String>,
    /// Per agent who has opened the session: visitor messages they have not
    /// seen. An agent not listed has seen none (`visitor_messages`).
    #[serde(default, skip_serializing_if = "std::collections::BTreeMap::is_empty")]
    pub unread: std::collections::BTreeMap<crate::ids::AgentId, u64>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ticket: Option<crate::ticket::TicketRef>,
    /// Agents invited in besides the owner.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub participants: Vec<AgentRef>,
    /// External participants (a courier added by link) still in it.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub externals: Vec<crate::participants::External>,
    /// The visitor's rating, if they gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<crate::csat::Rating>,
    /// Revision of the session, +1 on every change. The queue keeps the
    /// highest it has seen, so a late, stale update never overwrites a newer one.
    pub rev: u64,
}

// ───────────────────────────── session sockets ─────────────────────────────

/// Widget → session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum VisitorFrame {
    /// First frame on every connection. `last_seq` is the highest sequence
    /// number the widget already shows (0 for none); the answer carries
    /// everything after it.
    Hello {
        token: String,
        #[serde(default)]
        last_seq: Seq,
        /// The page's identity token, if any: when the session is a verified
        /// user's, it must be that user's (a shared computer's next user
        /// cannot resume the last one's chat).
        #[serde(default, skip_serializing_if = "Option::is_none")]
        identity: Option<String>,
    },
    /// A new message. Resending the same `client_id` is answered with the
    /// original `ack` and stores nothing twice. `reply_to` quotes an earlier one.
    Send {
        client_id: ClientMsgId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
    },
    /// Replace the text of one's own message (answered by `updated`).
    Edit { seq: Seq, text: String },
    /// Delete one's own message: everyone sees it disappear.
    Delete { seq: Seq },
    /// Add (`on: true`) or take back an emoji reaction on any message.
    React { seq: Seq, emoji: Emoji, on: bool },
    /// "Talk to a person": leave the bot for the site's queue.
    Handoff,
    /// "Yes, thanks": the bot's suggestions answered the question.
    Resolve,
    /// The visitor opened a help-center article in the widget; agents see it.
    ArticleOpened { article_id: String },
    /// The visitor started (`true`) or stopped typing. Relayed, never stored.
    Typing { typing: bool },
    /// How far this client has received and shown the log (see [`Marks`]).
    Receipt { marks: Marks },
    /// The host page's context changed (it replaces the stored one).
    Context { context: VisitorContext },
    /// The visitor ends the chat.
    Close,
    /// "Leave a message" (outside hours): the visitor's email (required)
    /// and question become a ticket at the site's desk, with the
    /// transcript, and the chat ends.
    LeaveMessage { email: String, text: String },
    /// Rate the ended conversation (1–5, an optional comment), once.
    /// Answered by `rated` to everyone, or an error frame.
    Rate {
        score: u8,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// Heartbeat: answered with `pong` (by the runtime, without waking a
    /// hibernating session). Send exactly [`PING`].
    Ping,
}

/// The heartbeat frame, byte for byte: the edge's automatic answer matches
/// the exact text.
pub const PING: &str = r#"{"type":"ping"}"#;
/// The answer to [`PING`].
pub const PONG: &str = r#"{"type":"pong"}"#;

/// Console → session.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum AgentFrame {
    Hello {
        token: String,
        #[serde(default)]
        last_seq: Seq,
    },
    /// Take a WAITING session. Exactly one agent wins.
    Accept,
    Send {
        client_id: ClientMsgId,
        text: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        reply_to: Option<Seq>,
    },
    Edit {
        seq: Seq,
        text: String,
    },
    Delete {
        seq: Seq,
    },
    React {
        seq: Seq,
        emoji: Emoji,
        on: bool,
    },
    /// An internal note: stored and shown to agents only. Any agent of the
    /// site may add one until the session is closed.
    Note {
        client_id: ClientMsgId,
        text: String,
    },
    /// Give an ACTIVE session back to the queue (owner only).
    Release,
    /// Hand an ACTIVE session to another agent of the site (owner only).
    Transfer {
        to: crate::ids::AgentId,
    },
    /// Bring another agent of the site into an ACTIVE session (owner or a
    /// participant): they see everything and may write too.
    Invite {
        agent: crate::ids::AgentId,
    },
    Typing {
        typing: bool,
    },
    Receipt {
        marks: Marks,
    },
    /// Turn the session into a helpdesk ticket (visitor, email, whole
    /// transcript); `close` also closes it (owner, or a waiting session).
    /// A session makes at most one ticket: asking again re-sends `ticket`.
    CreateTicket {
        #[serde(default)]
        close: bool,
    },
    Close,
    /// Heartbeat (see [`PING`]).
    Ping,
}

/// Read receipts as watermarks: every message up to `delivered` reached
/// the participant's device; every one up to `seen` was on screen. Both
/// only grow.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Marks {
    pub delivered: Seq,
    pub seen: Seq,
}

impl Marks {
    /// What the writer of message `seq` is told about it: "Seen",
    /// "Delivered" or (committed but neither yet) "Sent".
    pub fn label(self, seq: Seq) -> &'static str {
        if self.seen >= seq {
            "Seen"
        } else if self.delivered >= seq {
            "Delivered"
        } else {
            "Sent"
        }
    }

    /// The later of two: watermarks never go back.
    pub fn max(self, other: Marks) -> Marks {
        Marks { delivered: self.delivered.max(other.delivered), seen: self.seen.max(other.seen) }
    }
}

/// Each side's receipts: the visitor's, and the furthest any agent got.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Receipts {
    pub visitor: Marks,
    pub agents: Marks,
}

/// Whose typing a [`SessionFrame::Typing`] reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Participant {
    Visitor,
    Agent { id: crate::ids::AgentId, name: String },
}

/// Session → widget and console.
// `Welcome` (with the session's whole view) is far larger than the rest,
// but there is one per connection and frames are built to be sent at
// once: boxing it would cost every match in three apps and save nothing.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SessionFrame {
    /// Answer to `hello`: the session and every message after
    /// `min(last_seq, head)`. `head` is the log's committed end: a client
    /// drops what it holds beyond its resume point (a `message` forwarded
    /// before its commit may never have been stored) and takes these
    /// instead (see [`crate::transcript`] and docs/RELIABILITY.md).
    Welcome {
        session: SessionView,
        messages: Vec<Message>,
        /// Absent from an edge older than this field: nothing is dropped.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        head: Option<Seq>,
    },
    /// A message from anyone, including the receiver (whose own message
    /// arrives as `ack` first, then as `message` like everyone's). Another
    /// participant's message is forwarded before its write: it is
    /// tentative until an `ack`, an `updated` or a `welcome`'s `head` at or
    /// beyond its `seq` confirms it (see [`crate::transcript`]).
    Message { message: Message },
    /// A message was edited, deleted or reacted to: the whole message as it
    /// is now (its `changed` is the change's place in the log).
    Updated { message: Message },
    /// Your `send` with this `client_id` is committed as `seq`.
    Ack { client_id: ClientMsgId, seq: Seq },
    /// Status, assignment or participants changed.
    Status {
        status: Status,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        agent: Option<AgentRef>,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        closed_by: Option<ClosedBy>,
        /// Agents invited in besides the owner.
        #[serde(default, skip_serializing_if = "Vec::is_empty")]
        participants: Vec<AgentRef>,
    },
    /// To the visitor while WAITING: their place in the site's queue
    /// (1 = next), pushed whenever it changes.
    Queue { position: u32 },
    /// To agents: the bot's suggestions or the visitor's reading changed.
    Articles { articles: ArticleTrail },
    /// Someone started or stopped typing; sent to everyone else. Ephemeral.
    Typing { who: Participant, typing: bool },
    /// Receipts moved: show "delivered" / "seen" on one's own messages.
    Receipts { receipts: Receipts },
    /// To agents: the host page's context changed.
    Context { context: VisitorContext },
    /// The session became a helpdesk ticket.
    Ticket { ticket: crate::ticket::TicketRef },
    /// To agents: whether the visitor has the chat open right now (an
    /// authenticated visitor socket). Sent after an agent's `welcome` and
    /// whenever it changes. Ephemeral, like typing.
    VisitorPresence { online: bool },
    /// The visitor rated the conversation (see [`crate::csat`]).
    Rated { rating: crate::csat::Rating },
    /// To the visitor, instead of a handoff: nobody can take the chat now
    /// (out of hours, or no agent online where that means offline), so the
    /// widget opens "Leave a message". The session stays with the bot.
    Unavailable { reason: crate::hours::Unavailable },
    /// Answer to `ping`.
    Pong,
    /// A refused frame. `client_id` names the refused `send`, if it was one.
    Error {
        code: ErrorCode,
        message: String,
        #[serde(default, skip_serializing_if = "Option::is_none")]
        client_id: Option<ClientMsgId>,
        /// With `rate_limited`: resend the refused frame after this long.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        retry_after_ms: Option<u64>,
    },
}

// ───────────────────────────── queue socket ─────────────────────────────

/// Console → site queue.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueClientFrame {
    Hello {
        token: String,
    },
    /// The agent is at the desk (`online`) or stepped away (`away`).
    Presence {
        status: Presence,
    },
    /// Sessions whose visitor name, email or any message contains `query`
    /// (case-insensitive); answered with `found`.
    Search {
        query: String,
    },
    /// Heartbeat (see [`PING`]).
    Ping,
}

/// An agent's availability, as the queue shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Presence {
    Online,
    Away,
    /// No console open.
    Offline,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentPresence {
    pub agent: AgentRef,
    pub status: Presence,
}

/// Site queue → console.
// A frame lives only between decoding and handling; boxing the summary
// would cost an allocation per upsert to save stack space nobody keeps.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum QueueFrame {
    /// Answer to `hello`: every session of the site, newest first.
    Snapshot {
        agent: AgentRef,
        sessions: Vec<SessionSummary>,
    },
    /// A session was created or changed.
    Upsert {
        session: SessionSummary,
    },
    /// The site's bot figures, after the snapshot and whenever they change.
    Stats {
        stats: SiteStats,
    },
    /// The site's and each agent's ratings over the last 7 and 30 days,
    /// after the snapshot and whenever a session is rated.
    Csat {
        figures: crate::csat::Figures,
    },
    /// Every agent of the site and whether they are online, away or offline;
    /// after the snapshot and whenever anyone's changes.
    Presence {
        agents: Vec<AgentPresence>,
    },
    /// Answer to `search`: matching sessions, newest first (at most 200).
    Found {
        query: String,
        ids: Vec<SessionId>,
    },
    /// Answer to `ping`.
    Pong,
    Error {
        code: ErrorCode,
        message: String,
    },
}

/// Per-site counts of what the bot did, over every stored session.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SiteStats {
    /// Sessions the bot has right now.
    pub with_bot: u64,
    /// Closed with "Yes, thanks": answered by the help center alone.
    pub resolved_by_bot: u64,
    /// Sent from the bot to the queue, for a person.
    pub handed_off: u64,
}

impl VisitorFrame {
    /// A plain `send` (no quote).
    pub fn send(client_id: ClientMsgId, text: impl Into<String>) -> Self {
        VisitorFrame::Send { client_id, text: text.into(), reply_to: None }
    }
}

impl AgentFrame {
    /// A plain `send` (no quote).
    pub fn send(client_id: ClientMsgId, text: impl Into<String>) -> Self {
        AgentFrame::Send { client_id, text: text.into(), reply_to: None }
    }
}

impl SessionFrame {
    pub fn error(code: ErrorCode, message: impl Into<String>) -> Self {
        SessionFrame::Error { code, message: message.into(), client_id: None, retry_after_ms: None }
    }
}

impl ErrorBody {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ErrorBody { error: ErrorDetail { code, message: message.into() } }
    }
}

#[cfg(test)]
mod golden {
    //! The exact JSON of every frame. If one of these changes, the wire
    //! protocol changed: update `docs/PROTOCOL.md` in the same commit.
    use super::*;
    use crate::ids::AgentId;
    use serde::de::DeserializeOwned;
    use serde_json::{json, Value};

    fn golden<T: Serialize + DeserializeOwned + PartialEq + std::fmt::Debug>(value: T, expected: Value) {
        assert_eq!(serde_json::to_value(&value).unwrap(), expected, "serialize");
        assert_eq!(serde_json::from_value::<T>(expected).unwrap(), value, "deserialize");
    }

    fn sid() -> SessionId {
        SessionId("5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5".into())
    }
    fn ava() -> AgentRef {
        AgentRef { id: AgentId("ava".into()), name: "Ava".into() }
    }
    fn visitor() -> VisitorInfo {
        VisitorInfo::new("Jo", Some("jo@example.com".into()))
    }
    fn msg() -> Message {
        Message {
            seq: Seq(3),
            client_id: Some(ClientMsgId("c-1".into())),
            author: Author::Visitor { name: "Jo".into() },
            text: "Where is my order?".into(),
            at: 1_700_000_000_000,
            articles: vec![],
            internal: false,
            ..Message::blank()
        }
    }
    fn track() -> ArticleRef {
        ArticleRef { id: "track-your-order".into(), title: "Track your order".into() }
    }

    #[test]
    fn http_bodies() {
        golden(
            CreateSession {
                name: "Jo".into(),
                email: Some("jo@example.com".into()),
                identity: None,
                context: Default::default(),
                locale: None,
            },
            json!({"name": "Jo", "email": "jo@example.com"}),
        );
        golden(
            CreateSession { name: "Jo".into(), email: None, identity: None, context: Default::default(), locale: None },
            json!({"name": "Jo"}),
        );
        golden(
            CreateSession {
                name: "Jo".into(),
                email: None,
                identity: None,
                context: VisitorContext {
                    page_url: Some("https://shop.example/orders/1042".into()),
                    order_ref: Some("CK-1042".into()),
                    attributes: [("Loyalty points".to_owned(), "120".to_owned())].into(),
                },
                locale: Some("es-MX".into()),
            },
            json!({"name": "Jo", "context": {"page_url": "https://shop.example/orders/1042", "order_ref": "CK-1042",
                   "attributes": {"Loyalty points": "120"}}, "locale": "es-MX"}),
        );
        golden(
            SessionCreated { session_id: sid(), token: "t0k".into() },
            json!({"session_id": "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "token": "t0k"}),
        );
        golden(
            AgentLogin { site: SiteId("copper-kettle".into()), site_name: "Copper Kettle".into(), agent: ava() },
            json!({"site": "copper-kettle", "site_name": "Copper Kettle", "agent": {"id": "ava", "name": "Ava"}}),
        );
        golden(
            WidgetConfig {
                site: SiteId("copper-kettle".into()),
                name: "Copper Kettle".into(),
                accent_color: "#b4532a".into(),
                greeting: "Hi!".into(),
                kb_version: Some("9c1f0e2d3b4a5968".into()),
                sound: false,
                full_page_urls: false,
                launcher: Default::default(),
                title: None,
                subtitle: None,
                color_scheme: Default::default(),
                hours: None,
                consent_required: false,
                agents_online: None,
                offline_when_no_agents: false,
                csat: true,
            },
            json!({"site": "copper-kettle", "name": "Copper Kettle", "accent_color": "#b4532a", "greeting": "Hi!", "kb_version": "9c1f0e2d3b4a5968"}),
        );
        golden(
            WidgetConfig {
                site: SiteId("copper-kettle".into()),
                name: "Copper Kettle".into(),
                accent_color: "#b4532a".into(),
                greeting: "Hi!".into(),
                kb_version: None,
                sound: true,
                full_page_urls: false,
                launcher: Default::default(),
                title: None,
                subtitle: None,
                color_scheme: Default::default(),
                hours: None,
                consent_required: false,
                agents_online: None,
                offline_when_no_agents: false,
                csat: true,
            },
            json!({"site": "copper-kettle", "name": "Copper Kettle", "accent_color": "#b4532a", "greeting": "Hi!", "sound": true}),
        );
        golden(
            WidgetConfig {
                site: SiteId("tea-house".into()),
                name: "Tea House".into(),
                accent_color: "#ffd400".into(),
                greeting: "Hi!".into(),
                kb_version: None,
                sound: false,
                launcher: crate::appearance::Launcher {
                    position: crate::appearance::Side::Left,
                    offset_x: 24,
                    offset_y: 32,
                    label: Some("Chat with us".into()),
                    icon: crate::appearance::LauncherIcon::Help,
                },
                title: Some("Tea House support".into()),
                subtitle: Some("We reply within the hour".into()),
                color_scheme: crate::appearance::ColorScheme::Dark,
                hours: None,
                csat: true,
                full_page_urls: false,
                consent_required: false,
                agents_online: None,
                offline_when_no_agents: false,
            },
            json!({"site": "tea-house", "name": "Tea House", "accent_color": "#ffd400", "greeting": "Hi!",
                "launcher": {"position": "left", "offset_x": 24, "offset_y": 32, "label": "Chat with us", "icon": "help"},
                "title": "Tea House support", "subtitle": "We reply within the hour", "color_scheme": "dark"}),
        );
        golden(ErrorBody::new(ErrorCode::ForbiddenOrigin, "nope"), json!({"error": {"code": "forbidden_origin", "message": "nope"}}));
    }

    #[test]
    fn visitor_frames() {
        golden(
            VisitorFrame::Hello { token: "t0k".into(), last_seq: Seq(2), identity: None },
            json!({"type": "hello", "token": "t0k", "last_seq": 2}),
        );
        assert_eq!(
            serde_json::from_value::<VisitorFrame>(json!({"type": "hello", "token": "t"})).unwrap(),
            VisitorFrame::Hello { token: "t".into(), last_seq: Seq(0), identity: None },
            "last_seq defaults to 0"
        );
        golden(
            VisitorFrame::Send { client_id: ClientMsgId("c-1".into()), text: "Hi".into(), reply_to: None },
            json!({"type": "send", "client_id": "c-1", "text": "Hi"}),
        );
        golden(VisitorFrame::Handoff, json!({"type": "handoff"}));
        golden(VisitorFrame::Resolve, json!({"type": "resolve"}));
        golden(
            VisitorFrame::ArticleOpened { article_id: "track-your-order".into() },
            json!({"type": "article_opened", "article_id": "track-your-order"}),
        );
        golden(VisitorFrame::Typing { typing: true }, json!({"type": "typing", "typing": true}));
        let marks = Marks { delivered: Seq(7), seen: Seq(6) };
        assert_eq!([marks.label(Seq(6)), marks.label(Seq(7)), marks.label(Seq(8))], ["Seen", "Delivered", "Sent"]);
        golden(
            VisitorFrame::Receipt { marks: Marks { delivered: Seq(7), seen: Seq(6) } },
            json!({"type": "receipt", "marks": {"delivered": 7, "seen": 6}}),
        );
        golden(VisitorFrame::Close, json!({"type": "close"}));
    }

    #[test]
    fn agent_frames() {
        golden(AgentFrame::Hello { token: "a9".into(), last_seq: Seq(0) }, json!({"type": "hello", "token": "a9", "last_seq": 0}));
        golden(AgentFrame::Accept, json!({"type": "accept"}));
        golden(
            AgentFrame::Send { client_id: ClientMsgId("a-1".into()), text: "On it".into(), reply_to: None },
            json!({"type": "send", "client_id": "a-1", "text": "On it"}),
        );
        golden(
            AgentFrame::Note { client_id: ClientMsgId("n-1".into()), text: "VIP, refund approved".into() },
            json!({"type": "note", "client_id": "n-1", "text": "VIP, refund approved"}),
        );
        golden(AgentFrame::Release, json!({"type": "release"}));
        golden(AgentFrame::Transfer { to: AgentId("ben".into()) }, json!({"type": "transfer", "to": "ben"}));
        golden(AgentFrame::Typing { typing: false }, json!({"type": "typing", "typing": false}));
        golden(AgentFrame::Invite { agent: AgentId("ben".into()) }, json!({"type": "invite", "agent": "ben"}));
        golden(AgentFrame::CreateTicket { close: true }, json!({"type": "create_ticket", "close": true}));
        golden(
            VisitorFrame::LeaveMessage { email: "you@example.com".into(), text: "Do you ship to Canada?".into() },
            json!({"type": "leave_message", "email": "you@example.com", "text": "Do you ship to Canada?"}),
        );
        assert_eq!(
            serde_json::from_value::<AgentFrame>(json!({"type": "create_ticket"})).unwrap(),
            AgentFrame::CreateTicket { close: false },
            "close defaults to false"
        );
        golden(AgentFrame::Close, json!({"type": "close"}));
    }

    #[test]
    fn rating_frames() {
        golden(
            VisitorFrame::Rate { score: 4, comment: Some("Quick and kind".into()) },
            json!({"type": "rate", "score": 4, "comment": "Quick and kind"}),
        );
        golden(VisitorFrame::Rate { score: 5, comment: None }, json!({"type": "rate", "score": 5}));
        golden(
            SessionFrame::Rated {
                rating: crate::csat::Rating { score: 4, comment: Some("Quick and kind".into()), at: 1_700_000_900_000, agent: Some(ava()) },
            },
            json!({"type": "rated", "rating": {"score": 4, "comment": "Quick and kind", "at": 1_700_000_900_000u64,
                                               "agent": {"id": "ava", "name": "Ava"}}}),
        );
        golden(SessionFrame::Unavailable { reason: crate::hours::Unavailable::Closed }, json!({"type": "unavailable", "reason": "closed"}));
        golden(
            SessionFrame::Message {
                message: Message { seq: Seq(6), at: 7, ..Message::notice(crate::notice::Notice::Joined { name: "Ava".into() }) },
            },
            json!({"type": "message", "message": {"seq": 6, "author": {"kind": "system"},
                   "text": "Ava joined the conversation", "at": 7, "notice": {"kind": "joined", "name": "Ava"}}}),
        );
        let off: WidgetConfig =
            serde_json::from_value(json!({"site": "s", "name": "S", "accent_color": "#000000", "greeting": "Hi", "csat": false})).unwrap();
        assert!(!off.csat);
        assert_eq!(serde_json::to_value(&off).unwrap()["csat"], json!(false));
        let on: WidgetConfig =
            serde_json::from_value(json!({"site": "s", "name": "S", "accent_color": "#000000", "greeting": "Hi"})).unwrap();
        assert!(on.csat);
    }

    #[test]
    fn session_frames() {
        golden(
            SessionFrame::Welcome {
                session: SessionView {
                    id: sid(),
                    status: Status::Active,
                    agent: Some(ava()),
                    visitor: visitor(),
                    created_at: 1_700_000_000_000,
                    closed_by: None,
                    articles: ArticleTrail { suggested: vec![track()], opened: vec![] },
                    receipts: Receipts::default(),
                    context: Default::default(),
                    ticket: None,
                    participants: vec![],
                    rating: None,
                },
                messages: vec![msg()],
                head: Some(Seq(3)),
            },
            json!({"type": "welcome", "head": 3,
                   "session": {"id": "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "status": "ACTIVE",
                               "agent": {"id": "ava", "name": "Ava"},
                               "visitor": {"name": "Jo", "email": "jo@example.com"},
                               "created_at": 1_700_000_000_000u64,
                               "articles": {"suggested": [{"id": "track-your-order", "title": "Track your order"}],
                                            "opened": []},
                               "receipts": {"visitor": {"delivered": 0, "seen": 0}, "agents": {"delivered": 0, "seen": 0}}},
                   "messages": [{"seq": 3, "client_id": "c-1", "author": {"kind": "visitor", "name": "Jo"},
                                 "text": "Where is my order?", "at": 1_700_000_000_000u64}]}),
        );
        golden(
            SessionFrame::Message {
                message: Message {
                    seq: Seq(4),
                    client_id: None,
                    author: Author::System,
                    text: "Ava joined the conversation".into(),
                    at: 5,
                    articles: vec![],
                    internal: false,
                    ..Message::blank()
                },
            },
            json!({"type": "message", "message": {"seq": 4, "author": {"kind": "system"},
                   "text": "Ava joined the conversation", "at": 5}}),
        );
        golden(
            SessionFrame::Message {
                message: Message {
                    seq: Seq(5),
                    client_id: Some(ClientMsgId("a-1".into())),
                    author: Author::Agent { id: AgentId("ava".into()), name: "Ava".into() },
                    text: "On it".into(),
                    at: 6,
                    articles: vec![],
                    internal: false,
                    ..Message::blank()
                },
            },
            json!({"type": "message", "message": {"seq": 5, "client_id": "a-1",
                   "author": {"kind": "agent", "id": "ava", "name": "Ava"}, "text": "On it", "at": 6}}),
        );
        golden(
            SessionFrame::Message {
                message: Message {
                    seq: Seq(6),
                    client_id: Some(ClientMsgId("n-1".into())),
                    author: Author::Agent { id: AgentId("ben".into()), name: "Ben".into() },
                    text: "VIP, refund approved".into(),
                    at: 7,
                    articles: vec![],
                    internal: true,
                    ..Message::blank()
                },
            },
            json!({"type": "message", "message": {"seq": 6, "client_id": "n-1",
                   "author": {"kind": "agent", "id": "ben", "name": "Ben"}, "text": "VIP, refund approved", "at": 7,
                   "internal": true}}),
        );
        golden(
            SessionFrame::Message {
                message: Message {
                    seq: Seq(2),
                    client_id: None,
                    author: Author::Bot,
                    text: "These articles might help:".into(),
                    at: 4,
                    articles: vec![track()],
                    internal: false,
                    ..Message::blank()
                },
            },
            json!({"type": "message", "message": {"seq": 2, "author": {"kind": "bot"},
                   "text": "These articles might help:", "at": 4,
                   "articles": [{"id": "track-your-order", "title": "Track your order"}]}}),
        );
        golden(SessionFrame::Queue { position: 2 }, json!({"type": "queue", "position": 2}));
        golden(SessionFrame::VisitorPresence { online: true }, json!({"type": "visitor_presence", "online": true}));
        golden(
            SessionFrame::Ticket { ticket: crate::ticket::TicketRef { number: 7, subject: "Grinder noise".into(), closed: false } },
            json!({"type": "ticket", "ticket": {"number": 7, "subject": "Grinder noise"}}),
        );
        golden(
            SessionFrame::Status {
                status: Status::Active,
                agent: Some(ava()),
                closed_by: None,
                participants: vec![AgentRef { id: AgentId("ben".into()), name: "Ben".into() }],
            },
            json!({"type": "status", "status": "ACTIVE", "agent": {"id": "ava", "name": "Ava"},
                   "participants": [{"id": "ben", "name": "Ben"}]}),
        );
        golden(
            SessionFrame::Typing { who: Participant::Agent { id: AgentId("ava".into()), name: "Ava".into() }, typing: true },
            json!({"type": "typing", "who": {"kind": "agent", "id": "ava", "name": "Ava"}, "typing": true}),
        );
        golden(
            SessionFrame::Typing { who: Participant::Visitor, typing: false },
            json!({"type": "typing", "who": {"kind": "visitor"}, "typing": false}),
        );
        golden(
            SessionFrame::Receipts {
                receipts: Receipts {
                    visitor: Marks { delivered: Seq(5), seen: Seq(5) },
                    agents: Marks { delivered: Seq(4), seen: Seq(3) },
                },
            },
            json!({"type": "receipts", "receipts": {"visitor": {"delivered": 5, "seen": 5}, "agents": {"delivered": 4, "seen": 3}}}),
        );
        golden(
            SessionFrame::Articles { articles: ArticleTrail { suggested: vec![track()], opened: vec![track()] } },
            json!({"type": "articles", "articles": {
                "suggested": [{"id": "track-your-order", "title": "Track your order"}],
                "opened": [{"id": "track-your-order", "title": "Track your order"}]}}),
        );
        golden(
            SessionFrame::Status { status: Status::Closed, agent: None, closed_by: Some(ClosedBy::Bot), participants: vec![] },
            json!({"type": "status", "status": "CLOSED", "closed_by": "bot"}),
        );
        golden(
            SessionFrame::Ack { client_id: ClientMsgId("c-1".into()), seq: Seq(3) },
            json!({"type": "ack", "client_id": "c-1", "seq": 3}),
        );
        golden(
            SessionFrame::Status { status: Status::Closed, agent: Some(ava()), closed_by: Some(ClosedBy::Agent), participants: vec![] },
            json!({"type": "status", "status": "CLOSED", "agent": {"id": "ava", "name": "Ava"}, "closed_by": "agent"}),
        );
        golden(
            SessionFrame::Error {
                code: ErrorCode::MessageTooLong,
                message: "too long".into(),
                client_id: Some(ClientMsgId("c-2".into())),
                retry_after_ms: None,
            },
            json!({"type": "error", "code": "message_too_long", "message": "too long", "client_id": "c-2"}),
        );
    }

    #[test]
    fn queue_frames() {
        golden(QueueClientFrame::Hello { token: "a9".into() }, json!({"type": "hello", "token": "a9"}));
        golden(QueueClientFrame::Presence { status: Presence::Away }, json!({"type": "presence", "status": "away"}));
        golden(QueueClientFrame::Search { query: "1042".into() }, json!({"type": "search", "query": "1042"}));
        golden(
            QueueFrame::Presence { agents: vec![AgentPresence { agent: ava(), status: Presence::Online }] },
            json!({"type": "presence", "agents": [{"agent": {"id": "ava", "name": "Ava"}, "status": "online"}]}),
        );
        golden(
            QueueFrame::Found { query: "1042".into(), ids: vec![sid()] },
            json!({"type": "found", "query": "1042", "ids": ["5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5"]}),
        );
        let summary = SessionSummary {
            id: sid(),
            status: Status::Waiting,
            visitor: visitor(),
            agent: None,
            message_count: 1,
            last_message: Some("Where is my order?".into()),
            created_at: 10,
            waiting_since: 10,
            updated_at: 11,
            handed_off: true,
            closed_by: None,
            closer: None,
            closed_at: None,
            visitor_messages: 1,
            order_ref: None,
            unread: [(AgentId("ben".into()), 1)].into(),
            ticket: None,
            participants: vec![],
            externals: vec![],
            rating: None,
            rev: 2,
        };
        let summary_json = json!({"id": "5f0c1d2e3a4b5c6d7e8f90a1b2c3d4e5", "status": "WAITING",
            "visitor": {"name": "Jo", "email": "jo@example.com"}, "message_count": 1,
            "last_message": "Where is my order?", "created_at": 10, "waiting_since": 10, "updated_at": 11, "handed_off": true,
            "visitor_messages": 1, "unread": {"ben": 1}, "rev": 2});
        golden(
            QueueFrame::Snapshot { agent: ava(), sessions: vec![summary.clone()] },
            json!({"type": "snapshot", "agent": {"id": "ava", "name": "Ava"}, "sessions": [summary_json.clone()]}),
        );
        golden(QueueFrame::Upsert { session: summary }, json!({"type": "upsert", "session": summary_json}));
        golden(
            QueueFrame::Stats { stats: SiteStats { with_bot: 1, resolved_by_bot: 4, handed_off: 3 } },
            json!({"type": "stats", "stats": {"with_bot": 1, "resolved_by_bot": 4, "handed_off": 3}}),
        );
        golden(
            QueueFrame::Csat {
                figures: crate::csat::Figures {
                    site: crate::csat::Windows {
                        last_7_days: crate::csat::Tally { count: 2, total: 9 },
                        last_30_days: crate::csat::Tally { count: 3, total: 12 },
                    },
                    agents: vec![crate::csat::AgentFigures {
                        agent: ava(),
                        windows: crate::csat::Windows {
                            last_7_days: crate::csat::Tally { count: 2, total: 9 },
                            last_30_days: crate::csat::Tally { count: 3, total: 12 },
                        },
                    }],
                },
            },
            json!({"type": "csat", "figures": {
                "site": {"last_7_days": {"count": 2, "total": 9}, "last_30_days": {"count": 3, "total": 12}},
                "agents": [{"agent": {"id": "ava", "name": "Ava"},
                            "last_7_days": {"count": 2, "total": 9}, "last_30_days": {"count": 3, "total": 12}}]}}),
        );
        golden(
            QueueFrame::Error { code: ErrorCode::Unauthorized, message: "bad token".into() },
            json!({"type": "error", "code": "unauthorized", "message": "bad token"}),
        );
    }

    #[test]
    fn reactions_toggle_once_per_participant() {
        let ava = Participant::Agent { id: AgentId("ava".into()), name: "Ava".into() };
        let mut r = Vec::new();
        assert!(Reaction::toggle(&mut r, Emoji::Heart, &Participant::Visitor, true));
        assert!(!Reaction::toggle(&mut r, Emoji::Heart, &Participant::Visitor, true), "a repeat is a no-op");
        assert!(Reaction::toggle(&mut r, Emoji::Heart, &ava, true));
        assert!(Reaction::toggle(&mut r, Emoji::Fire, &ava, true));
        assert_eq!(r.iter().map(|x| (x.emoji, x.by.len())).collect::<Vec<_>>(), [(Emoji::Heart, 2), (Emoji::Fire, 1)]);
        assert!(Reaction::toggle(&mut r, Emoji::Fire, &ava, false));
        assert!(!Reaction::toggle(&mut r, Emoji::Fire, &ava, false));
        assert_eq!(r.len(), 1, "an emptied reaction disappears");
        golden(r[0].clone(), json!({"emoji": "heart", "by": [{"kind": "visitor"}, {"kind": "agent", "id": "ava", "name": "Ava"}]}));
    }

    #[test]
    fn message_changes() {
        golden(
            VisitorFrame::Send { client_id: ClientMsgId("c-2".into()), text: "Still?".into(), reply_to: Some(Seq(3)) },
            json!({"type": "send", "client_id": "c-2", "text": "Still?", "reply_to": 3}),
        );
        golden(
            VisitorFrame::Edit { seq: Seq(3), text: "Where is order CK-1042?".into() },
            json!({"type": "edit", "seq": 3, "text": "Where is order CK-1042?"}),
        );
        golden(AgentFrame::Delete { seq: Seq(5) }, json!({"type": "delete", "seq": 5}));
        golden(
            AgentFrame::React { seq: Seq(3), emoji: Emoji::ThumbsUp, on: true },
            json!({"type": "react", "seq": 3, "emoji": "thumbs_up", "on": true}),
        );
        assert!(serde_json::from_value::<AgentFrame>(json!({"type": "react", "seq": 3, "emoji": "poop", "on": true})).is_err());
        golden(
            SessionFrame::Updated {
                message: Message {
                    seq: Seq(6),
                    client_id: Some(ClientMsgId("c-2".into())),
                    author: Author::Visitor { name: "Jo".into() },
                    text: "Still?!".into(),
                    at: 8,
                    reply_to: Some(Quote { seq: Seq(3), author: "Jo".into(), snippet: "Where is my order?".into() }),
                    edited_at: Some(9),
                    reactions: vec![Reaction { emoji: Emoji::ThumbsUp, by: vec![Participant::Visitor] }],
                    changed: Some(Seq(8)),
                    ..Message::blank()
                },
            },
            json!({"type": "updated", "message": {"seq": 6, "client_id": "c-2", "author": {"kind": "visitor", "name": "Jo"},
                   "text": "Still?!", "at": 8,
                   "reply_to": {"seq": 3, "author": "Jo", "snippet": "Where is my order?"},
                   "edited_at": 9, "reactions": [{"emoji": "thumbs_up", "by": [{"kind": "visitor"}]}], "changed": 8}}),
        );
        golden(
            SessionFrame::Updated {
                message: Message {
                    seq: Seq(7),
                    author: Author::Visitor { name: "Jo".into() },
                    at: 9,
                    deleted: true,
                    changed: Some(Seq(9)),
                    ..Message::blank()
                },
            },
            json!({"type": "updated", "message": {"seq": 7, "author": {"kind": "visitor", "name": "Jo"}, "text": "",
                   "at": 9, "deleted": true, "changed": 9}}),
        );
    }

    #[test]
    fn heartbeat_frames_are_byte_exact() {
        // The edge answers pings without running any code, by matching text.
        assert_eq!(serde_json::to_string(&VisitorFrame::Ping).unwrap(), PING);
        assert_eq!(serde_json::to_string(&AgentFrame::Ping).unwrap(), PING);
        assert_eq!(serde_json::to_string(&QueueClientFrame::Ping).unwrap(), PING);
        assert_eq!(serde_json::to_string(&SessionFrame::Pong).unwrap(), PONG);
        assert_eq!(serde_json::to_string(&QueueFrame::Pong).unwrap(), PONG);
    }

    #[test]
    fn unknown_frames_are_errors_not_panics() {
        assert!(serde_json::from_str::<VisitorFrame>(r#"{"type":"accept"}"#).is_err());
        assert!(serde_json::from_str::<AgentFrame>(r#"{"type":"send"}"#).is_err());
        assert!(serde_json::from_str::<VisitorFrame>("not json").is_err());
    }
}

#[cfg(test)]
mod external_view {
    use super::*;

    #[test]
    fn an_external_participant_sees_the_conversation_not_the_customers_file() {
        let mut visitor = VisitorInfo::new("Jo", Some("jo@example.com".into()));
        visitor.verified = true;
        visitor.user_id = Some("u-42".into());
        visitor.orders = vec!["A-1001".into()];
        visitor.attributes.insert("plan".into(), "gold".into());
        let mut view = SessionView::new(SessionId("s1".into()), Status::Active, visitor, 1);
        view.context.page_url = Some("https://shop.example/account".into());
        view.context.order_ref = Some("A-1001".into());
        view.context.attributes.insert("cart".into(), "42".into());
        let shown = view.for_external();
        assert_eq!(shown.visitor.name, "Jo");
        assert_eq!(shown.visitor.orders, vec!["A-1001".to_owned()]);
        assert_eq!(shown.context.order_ref.as_deref(), Some("A-1001"));
        assert_eq!((shown.visitor.email, shown.visitor.user_id), (None, None));
        assert!(shown.visitor.attributes.is_empty() && shown.context.attributes.is_empty());
        assert_eq!(shown.context.page_url, None);
        assert_eq!((shown.id, shown.status), (view.id, view.status));
    }
}
