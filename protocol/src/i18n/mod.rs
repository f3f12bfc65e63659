//! The widget's words in every language it speaks: English, Spanish,
//! French, German and Arabic (right to left).
//!
//! One table per language (`en.rs`, `es.rs`, `fr.rs`, `de.rs`, `ar.rs`),
//! each a [`Strings`] value: a key missing from a table is a compile error,
//! and the tests below refuse an empty value or a placeholder that differs
//! from English. Parameters are named placeholders (`{name}`, `{n}`,
//! `{time}`, `{email}`, `{day}`) filled by [`fill`]; a count that changes the
//! sentence has a `_one` and an `_other` key. No format engine: the widget,
//! the loader (its keys are generated into `loader.js` by `cargo xtask
//! build`, see [`LOADER_KEYS`]) and the bot's fixed replies read these
//! tables and nothing else.
//!
//! Adding a key: add the field to the `strings!` list below (with a
//! comment saying where it shows), then a value to each table; the compiler
//! names every table that lacks it.

mod ar;
mod de;
mod en;
mod es;
mod fr;

/// A language the widget speaks.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum Lang {
    #[default]
    En,
    Es,
    Fr,
    De,
    Ar,
}

/// Writing direction, for the panel's `dir` attribute.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    Ltr,
    Rtl,
}

impl Dir {
    pub fn as_str(self) -> &'static str {
        match self {
            Dir::Ltr => "ltr",
            Dir::Rtl => "rtl",
        }
    }
}

impl Lang {
    pub const ALL: [Lang; 5] = [Lang::En, Lang::Es, Lang::Fr, Lang::De, Lang::Ar];

    /// The BCP 47 primary tag: `en`, `es`, `fr`, `de`, `ar`.
    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::Es => "es",
            Lang::Fr => "fr",
            Lang::De => "de",
            Lang::Ar => "ar",
        }
    }

    /// A BCP 47 tag such as `es`, `es-MX`, `fr_CA` or `AR-eg`
    /// (case-insensitive): its primary language, if the widget speaks it.
    pub fn from_code(tag: &str) -> Option<Lang> {
        let primary = tag.trim().split(['-', '_']).next()?.to_ascii_lowercase();
        Lang::ALL.into_iter().find(|l| l.code() == primary)
    }

    /// The first of the browser's languages (`navigator.languages`, in the
    /// visitor's order of preference) that the widget speaks; else English.
    pub fn pick<S: AsRef<str>>(preferred: &[S]) -> Lang {
        preferred.iter().find_map(|t| Lang::from_code(t.as_ref())).unwrap_or_default()
    }

    /// The visitor's language, most specific choice first: the page's
    /// `Porchlight('locale', …)`, the script tag's `data-locale`, the
    /// site's default, then the browser's languages. A choice the widget
    /// does not speak is skipped, not an error.
    pub fn choose<S: AsRef<str>>(page: Option<&str>, tag: Option<&str>, site: Option<&str>, browser: &[S]) -> Lang {
        [page, tag, site].into_iter().flatten().find_map(Lang::from_code).unwrap_or_else(|| Lang::pick(browser))
    }

    pub fn dir(self) -> Dir {
        match self {
            Lang::Ar => Dir::Rtl,
            _ => Dir::Ltr,
        }
    }

    /// The tables are `static`, not `const`: a const is copied into every
    /// crate that reads it, and the widget's WASM carried each table twice.
    pub fn strings(self) -> &'static Strings {
        match self {
            Lang::En => &en::EN,
            Lang::Es => &es::ES,
            Lang::Fr => &fr::FR,
            Lang::De => &de::DE,
            Lang::Ar => &ar::AR,
        }
    }
}

/// `template` with each `{key}` replaced by its value: "You're number {n}
/// in line." with `[("n", "3")]`.
pub fn fill(template: &str, values: &[(&str, &str)]) -> String {
    let mut out = template.to_owned();
    for (key, value) in values {
        out = out.replace(&format!("{{{key}}}"), value);
    }
    out
}

/// A count's sentence: `one` for 1, else `other` with `{n}` filled.
pub fn count(n: u64, one: &str, other: &str) -> String {
    if n == 1 {
        fill(one, &[("n", "1")])
    } else {
        fill(other, &[("n", &n.to_string())])
    }
}

macro_rules! strings {
    ($($(#[$doc:meta])* $key:ident,)*) => {
        /// Every string the widget shows, in one language.
        #[derive(Debug)]
        pub struct Strings {
            $($(#[$doc])* pub $key: &'static str,)*
        }

        impl Strings {
            /// Every key with its value, in declaration order.
            pub fn entries(&self) -> Vec<(&'static str, &'static str)> {
                vec![$((stringify!($key), self.$key),)*]
            }
        }
    };
}

strings! {
    // ── the loader (launcher, dialog, the stand-in before the WASM) ──
    /// The launcher's name while the panel is closed.
    open_chat,
    /// The launcher's and the header's Close button.
    close_chat,
    /// The panel's dialog name.
    chat,
    loading_chat,
    prechat_intro,
    name,
    email,
    /// After "Email" in the pre-chat form.
    optional,
    start_chat,
    load_failed,

    // ── the launcher's badge and the tab's title ──
    open_chat_unread_one,
    open_chat_unread_other,
    new_message_one,
    new_message_other,
    /// The preview bubble's dismiss button.
    dismiss,

    // ── the header ──
    your_conversations,
    away,
    /// `{time}` is a [`back_today`](Strings::back_today)-style phrase.
    away_back,
    back_today,
    back_tomorrow,
    /// `{day}` is the weekday's name (from `Intl`).
    back_on,
    replies_minute,
    replies_minutes,
    replies_hours,

    // ── the conversation ──
    status_refused,
    status_offline,
    status_reconnecting,
    status_connecting,
    status_bot,
    /// Instead of `status_bot` out of hours (or with nobody online where that means offline).
    status_bot_offline,
    status_waiting,
    status_chatting_with,
    status_agent,
    status_resolved,
    status_ended,
    /// The message log's name.
    messages,
    receipt,
    bot_articles,
    /// The bot's name in the conversation.
    assistant,
    /// The visitor, in the preview and the "Replying to" banner.
    you,
    sending,
    typing,
    yes_thanks,
    leave_message,
    talk_to_person,
    closed_until,
    closed_now,
    no_agents,
    /// Waiting in the queue while no agent is online (a site without `offline_when_no_agents`).
    no_agents_waiting,
    queue_position,
    queue_next,
    queue_number,
    ticket_reply,
    ticket_follow_up,
    ended_no_more,
    start_new,
    composer_placeholder,
    composer_disabled,
    message,
    send,
    suggested_articles,
    today,
    yesterday,
    seen,
    delivered,
    sent,
    edited,

    // ── the list of conversations and an ended one ──
    back_to_chat,
    back_to_list,
    with_assistant,
    waiting_for_agent,
    open,
    ended,
    this_chat,
    past_refused,
    loading,
    past_ended,
    /// `{status}` is one of the status names above.
    past_status,
    /// A conversation in the list without any message.
    no_messages_yet,

    // ── the reader ──
    article,
    article_failed,

    // ── the offline form ──
    leave_intro,
    your_email,
    your_question,
    send_message,
    cancel,
    email_needed,
    // Under the question, when it was sent empty.
    question_needed,

    // ── what the widget checks before sending ──
    invalid_name,
    invalid_email,
    message_empty,
    message_too_long,

    // ── the message's parts both apps draw (porchlight_browser::ui) ──
    /// The marker where a deleted message was.
    message_deleted,
    /// The reaction chips' group.
    reactions,
    /// The message's "⋯" button and its menu.
    message_actions,
    /// The menu's emoji group.
    react,
    reply,
    edit,
    delete,
    /// The delete confirmation's name.
    delete_title,
    delete_confirm,
    yes_delete,
    /// A reaction chip's name: `{n}` people, `{emoji}` (its English name), `{names}`.
    reacted,
    /// Someone who reacted, seen by an agent.
    visitor,
    /// Above the composer: `{name}` and the start of the quoted `{text}`.
    replying_to,
    replying,
    editing,
    /// The bot, in "Replying to …".
    the_assistant,

    // ── rating a closed conversation (widget/src/components/rating.rs) ──
    rate_question,
    rate_comment,
    rate_send,
    rate_pick_first,
    rate_thanks,
    /// `{label}` is one of the five names below (the widget draws the face beside it).
    rate_given,
    rate_1,
    rate_2,
    rate_3,
    rate_4,
    rate_5,

    // ── the transcript download (widget/src/components/transcript.rs) ──
    transcript,
    transcript_text,
    transcript_json,
    transcript_as_text,
    transcript_as_json,
    transcript_failed,

    // ── attachments (porchlight_browser::files) ──
    /// The 📎 button's name.
    attach,
    /// `{name}` is the file's name.
    file_too_large,
    uploading,
    file_loading,
    /// `{name}` is the file's name.
    file_not_loaded,
    /// A thumbnail's link: `{name}` and `{size}` ("1.2 MB").
    file_download_named,
    /// After a PDF's name and size.
    file_download,

    // ── an order card (porchlight_browser::ui) ──
    /// `{id}` is the shop's order id.
    card_order,
    card_items_one,
    card_items_other,
    card_view,

    // ── the edge's refusals, by `ErrorCode` (Strings::error) ──
    /// Under the composer once the conversation's ticket is closed, and its refusal.
    ticket_closed,
    err_rate_limited,
    err_session_full,
    err_session_closed,
    err_file_too_large,
    err_unsupported_file,
    err_not_rateable,
    err_already_rated,
    err_csat_off,
    err_invalid_rating,
    err_unreachable,
    /// Any other refusal.
    err_generic,

    // ── system lines (porchlight_protocol::notice): `{name}`, `{by}`, `{who}`, `{to}`, `{n}` ──
    n_handed_off,
    n_joined,
    /// The visitor ended it, as the team reads it.
    n_ended,
    /// The visitor ended it, as they read it.
    n_you_ended,
    n_closed,
    n_resolved,
    n_released,
    n_transferred,
    n_assigned,
    n_invited,
    n_added,
    n_removed,
    /// `{score}` of 5 and its face's `{label}`, as the team reads it.
    n_rated,
    n_you_rated,
    n_ticket_created,
    n_message_left,
    n_ticket_closed,

    // ── what a screen reader hears after a bot message with articles (announce::line) ──
    sr_articles_one,
    sr_articles_other,

    // ── the text transcript's labels (ticket::describe_in) ──
    /// `{site}`.
    tr_header,
    tr_visitor,
    tr_deleted,

    // ── the bot's fixed replies (kb::lang::replies) ──
    bot_offer,
    /// Names the [`talk_to_person`](Strings::talk_to_person) button.
    bot_greet,
    bot_to_person,
    bot_nothing_found,
    /// Instead of a handoff when nobody can take the chat (the form opens below).
    bot_leave_message,
    /// Said before articles when the help center has none in the visitor's language.
    bot_english_only,
}

impl Strings {
    /// What the widget says for a refusal from the edge, chosen by its
    /// code (never the edge's English `message`); a generic sentence for
    /// a code the visitor is not expected to meet.
    pub fn error(&self, code: crate::ErrorCode) -> &'static str {
        use crate::ErrorCode as E;
        match code {
            E::InvalidName => self.invalid_name,
            E::InvalidEmail => self.invalid_email,
            E::MessageEmpty => self.message_empty,
            E::MessageTooLong | E::FrameTooLarge => self.message_too_long,
            E::RateLimited => self.err_rate_limited,
            E::SessionFull => self.err_session_full,
            E::SessionClosed => self.err_session_closed,
            E::TicketClosed => self.ticket_closed,
            E::FileTooLarge => self.err_file_too_large,
            E::UnsupportedFile => self.err_unsupported_file,
            E::NotRateable => self.err_not_rateable,
            E::AlreadyRated => self.err_already_rated,
            E::CsatOff => self.err_csat_off,
            E::InvalidRating => self.err_invalid_rating,
            _ => self.err_generic,
        }
    }

    /// The name of a rating's face, 1 (worst) to 5 ("" out of range).
    pub fn rating(&self, score: u8) -> &'static str {
        match score {
            1 => self.rate_1,
            2 => self.rate_2,
            3 => self.rate_3,
            4 => self.rate_4,
            5 => self.rate_5,
            _ => "",
        }
    }
}

/// The keys `cargo xtask build` writes into `loader.js` (the launcher and
/// the stand-in are drawn before any WASM).
pub const LOADER_KEYS: &[&str] =
    &["open_chat", "close_chat", "chat", "loading_chat", "prechat_intro", "name", "email", "optional", "start_chat", "load_failed"];

/// The loader's table: `{"en":{"open_chat":"Open chat",…,"dir":"ltr"},"es":{…},…}`.
pub fn loader_table() -> serde_json::Value {
    let mut all = serde_json::Map::new();
    for lang in Lang::ALL {
        let entries = lang.strings().entries();
        let table: serde_json::Map<String, serde_json::Value> = LOADER_KEYS
            .iter()
            .filter_map(|k| entries.iter().find(|(key, _)| key == k).map(|(k, v)| ((*k).to_owned(), (*v).into())))
            .chain([("dir".to_owned(), lang.dir().as_str().into())])
            .collect();
        all.insert(lang.code().to_owned(), table.into());
    }
    all.into()
}

#[cfg(test)]
/// The placeholders a template uses, sorted: `["n"]` for "You're number {n} in line.".
fn placeholders(template: &str) -> Vec<&str> {
    let mut found: Vec<&str> = template.split('{').skip(1).filter_map(|rest| rest.split_once('}').map(|(k, _)| k)).collect();
    found.sort_unstable();
    found
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_is_complete_and_says_something() {
        let english = Lang::En.strings().entries();
        for lang in Lang::ALL {
            let entries = lang.strings().entries();
            assert_eq!(entries.len(), english.len(), "{lang:?}");
            for ((key, value), (en_key, en_value)) in entries.iter().zip(&english) {
                assert_eq!(key, en_key);
                assert!(!value.trim().is_empty(), "{lang:?}: `{key}` is empty");
                assert_eq!(placeholders(value), placeholders(en_value), "{lang:?}: `{key}` has other placeholders than English");
            }
        }
    }

    #[test]
    fn german_says_sie_never_du() {
        // One register: the widget addresses visitors formally throughout.
        const DU: &[&str] = &["du", "dein", "deine", "deinen", "deinem", "deiner", "dich", "dir", "hast", "bist", "kannst", "möchtest"];
        for (key, value) in Lang::De.strings().entries() {
            let informal = value.split(|c: char| !c.is_alphabetic()).find(|w| DU.contains(&w.to_lowercase().as_str()));
            assert_eq!(informal, None, "`{key}`: {value}");
        }
    }

    #[test]
    fn french_numbers_tickets_one_way() {
        for (key, value) in Lang::Fr.strings().entries() {
            assert!(!value.contains("ticket #"), "`{key}`: {value}");
        }
    }

    #[test]
    fn other_languages_are_translated() {
        // A table that copied English would still compile; most keys must differ.
        let english = Lang::En.strings().entries();
        for lang in [Lang::Es, Lang::Fr, Lang::De, Lang::Ar] {
            let same = lang.strings().entries().iter().zip(&english).filter(|(a, b)| a.1 == b.1).count();
            assert!(same <= 6, "{lang:?}: {same} strings are the English ones");
        }
    }

    #[test]
    fn the_greeting_names_the_button() {
        for lang in Lang::ALL {
            let s = lang.strings();
            assert!(s.bot_greet.contains(s.talk_to_person), "{lang:?}");
        }
    }

    #[test]
    fn tags_and_preferences() {
        assert_eq!(Lang::from_code("es-MX"), Some(Lang::Es));
        assert_eq!(Lang::from_code("fr_CA"), Some(Lang::Fr));
        assert_eq!(Lang::from_code("AR-eg"), Some(Lang::Ar));
        assert_eq!(Lang::from_code("de"), Some(Lang::De));
        assert_eq!(Lang::from_code("pt-BR"), None);
        assert_eq!(Lang::from_code(""), None);
        assert_eq!(Lang::pick(&["pt-BR", "de-AT", "en"]), Lang::De);
        assert_eq!(Lang::pick::<&str>(&[]), Lang::En);
        assert_eq!(Lang::choose(Some("ar"), Some("es"), None, &["fr"]), Lang::Ar);
        assert_eq!(Lang::choose(Some("pt"), Some("es"), None, &["fr"]), Lang::Es);
        assert_eq!(Lang::choose(None, None, Some("de"), &["fr"]), Lang::De);
        assert_eq!(Lang::choose(None, None, None, &["fr-FR"]), Lang::Fr);
        assert_eq!(Lang::Ar.dir(), Dir::Rtl);
        assert_eq!(Lang::Es.dir(), Dir::Ltr);
    }

    #[test]
    fn fill_and_count() {
        let s = Lang::En.strings();
        assert_eq!(fill(s.ticket_reply, &[("n", "7"), ("email", "a@b.co")]), "We opened ticket #7 for this. We'll reply to a@b.co.");
        assert_eq!(count(1, s.queue_next, s.queue_number), "You're next in line.");
        assert_eq!(count(3, s.queue_next, s.queue_number), "You're number 3 in line.");
        assert_eq!(placeholders("a {x} b {n}"), ["n", "x"]);
    }

    #[test]
    fn refusals_are_worded_by_code_in_every_language() {
        use crate::ErrorCode;
        for lang in Lang::ALL {
            let s = lang.strings();
            assert_eq!(s.error(ErrorCode::TicketClosed), s.ticket_closed);
            assert_eq!(s.error(ErrorCode::UnsupportedFile), s.err_unsupported_file);
            assert_eq!(s.error(ErrorCode::Internal), s.err_generic);
            assert_eq!(s.error(ErrorCode::InvalidEmail), s.invalid_email);
        }
        assert_eq!(Lang::Es.strings().error(ErrorCode::RateLimited), Lang::Es.strings().err_rate_limited);
        // English says what the edge says where a test or a visitor reads it.
        assert_eq!(Lang::En.strings().ticket_closed, crate::ticket::TICKET_CLOSED);
    }

    #[test]
    fn the_faces_are_named_in_every_language() {
        for lang in Lang::ALL {
            let s = lang.strings();
            assert!((1..=5).all(|n| !s.rating(n).is_empty()), "{lang:?}");
            assert_eq!(s.rating(0), "");
        }
        for (score, _, label) in crate::csat::SCALE {
            assert_eq!(Lang::En.strings().rating(score), label);
        }
    }

    #[test]
    fn the_loader_gets_its_keys_in_every_language() {
        let t = loader_table();
        for lang in Lang::ALL {
            for key in LOADER_KEYS {
                assert!(t[lang.code()][key].as_str().is_some_and(|v| !v.is_empty()), "{lang:?} {key}");
            }
        }
    }
}
