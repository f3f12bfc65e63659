//! The bot's turn: what it says to a visitor's message while the session
//! is still with it, decided from the message alone and the site's index.
//!
//! The edge's `KnowledgeBase` Durable Object runs this for the session and
//! the session commits the answer; keeping it pure means every branch is a
//! native unit test.

use crate::intent::{classify, Intent};
use crate::lang::{detect, replies, Lang};
use crate::search::{Hit, Searcher};
use serde::{Deserialize, Serialize};

/// An article the bot offers: id to open it, title to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offered {
    pub id: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotAnswer {
    /// The language the text is in (`en`, `es`, `fr`, `de`, `ar`): see [`reply_lang`].
    #[serde(default = "english")]
    pub lang: String,
    /// The bot's message, if it says anything.
    pub text: Option<String>,
    /// Up to three articles attached to that message.
    pub articles: Vec<Offered>,
    /// Hand the session to the site's queue after this message.
    pub handoff: bool,
}

fn english() -> String {
    "en".into()
}

/// The English replies, as the tests and the widget know them.
pub const OFFER: &str = "Here's what I found in our help center. Did one of these answer your question?";
pub const GREET: &str =
    "Hi! Ask me anything and I'll look in our help center, or choose \u{201c}Talk to a person\u{201d} to reach the team.";
pub const TO_PERSON: &str = "Sure, I'm connecting you with a person.";
pub const NOTHING_FOUND: &str = "I couldn't find an article about that, so I'm passing you to the team.";

/// The longest message the bot ranks: a longer one is cut to its last
/// `MAX_MESSAGE_CHARS` characters (where the question usually is), so the
/// ranking's work per message is bounded.
pub const MAX_MESSAGE_CHARS: usize = 500;

pub fn answer(searcher: &Searcher, message: &str) -> BotAnswer {
    answer_for(searcher, message, None)
}

/// The language of the bot's fixed replies: Arabic script, or a language
/// the message clearly is (Spanish, French, German: [`detect`] needs two
/// signals), else the widget's locale (`locale`, a BCP 47 tag), else
/// English. A message detected as English is not proof of English (it is
/// also what a message of names and numbers gets), so the visitor's chosen
/// language wins over it, unless the message is [`clearly_english`]: an
/// English question is answered in English, never with "our articles are
/// in English".
pub fn reply_lang(message: &str, detected: Lang, locale: Option<&str>) -> Lang {
    if crate::lang::is_arabic(message) {
        return Lang::Ar;
    }
    if detected != Lang::En {
        return detected;
    }
    if clearly_english(message) {
        return Lang::En;
    }
    locale.and_then(Lang::from_code).unwrap_or(Lang::En)
}

/// Detected as English and holding at least two English function words
/// ("how do I cancel my subscription?"). A bare "Hi!", a name or an order
/// number says nothing about a language, so the widget's locale still
/// picks the bot's words for those.
fn clearly_english(message: &str) -> bool {
    if crate::lang::is_arabic(message) || detect(message) != Lang::En {
        return false;
    }
    let words = message.split(|c: char| !c.is_alphanumeric() && c != '\'').map(str::to_lowercase);
    words.filter(|w| crate::lang::is_function_word(Lang::En, w)).count() >= 2
}

/// [`answer`], replying in the visitor's widget language when the message
/// does not clearly say another (see [`reply_lang`]).
pub fn answer_for(searcher: &Searcher, message: &str, locale: Option<&str>) -> BotAnswer {
    let skip = message.chars().count().saturating_sub(MAX_MESSAGE_CHARS);
    let message: String = message.chars().skip(skip).collect();
    let lang = detect(&message);
    let speak = reply_lang(&message, lang, locale);
    let r = replies(speak);
    let say = |text: String, articles: Vec<Offered>, handoff: bool| BotAnswer {
        lang: speak.code().to_owned(),
        text: Some(text),
        articles,
        handoff,
    };
    // A site without a help center has no bot worth talking to.
    if searcher.index().is_empty() {
        return BotAnswer { lang: speak.code().to_owned(), text: None, articles: Vec::new(), handoff: true };
    }
    match classify(&message) {
        Intent::Person => say(r.to_person.to_owned(), Vec::new(), true),
        Intent::Chatter => say(r.greet.to_owned(), Vec::new(), false),
        Intent::Question => {
            let hits = suggestions(searcher, &message);
            let translated = hits.iter().all(|h| h.lang == speak.code());
            let articles: Vec<Offered> = hits
                .into_iter()
                .filter_map(|h| searcher.index().doc_in(&h.id, &h.lang).map(|d| Offered { id: h.id, title: d.title.clone() }))
                .collect();
            if articles.is_empty() {
                say(r.nothing_found.to_owned(), articles, true)
            } else if speak == Lang::En || translated {
                say(r.offer.to_owned(), articles, false)
            } else {
                // The help center is in English: say so, in the visitor's language.
                say(format!("{}{}", r.english_only, r.offer), articles, false)
            }
        }
    }
}

/// What the bot offers for a sent message: the ranking of the finished
/// question, or else exactly what the widget showed while the same text
/// was the draft (ranked as typed, same ranking, same threshold). A
/// message whose draft showed suggestions therefore never gets "couldn't
/// find": the bot cannot contradict the widget.
pub fn suggestions(searcher: &Searcher, message: &str) -> Vec<Hit> {
    let finished = searcher.suggest(message, false);
    if finished.is_empty() {
        searcher.suggest(message, true)
    } else {
        finished
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, Index};

    fn searcher() -> Searcher {
        let source = |id: &str, title: &str, tags: &str, body: &str| {
            Article::parse(&format!("---\nid: {id}\ntitle: {title}\ncategory: Help\ntags: [{tags}]\nupdated: 2026-01-01\n---\n{body}\n"))
                .unwrap()
        };
        Searcher::new(Index::build(&[
            source("track-your-order", "Track your order", "tracking, where is my order", "Use the tracking link in your shipping email."),
            source("refunds", "Refunds", "refund, money back", "Refunds reach your card within five days."),
        ]))
    }

    #[test]
    fn a_question_gets_articles_and_stays_with_the_bot() {
        let a = answer(&searcher(), "hi, where is my order?");
        assert_eq!(a.text.as_deref(), Some(OFFER));
        assert_eq!(a.articles.first().map(|o| (o.id.as_str(), o.title.as_str())), Some(("track-your-order", "Track your order")));
        assert!(!a.handoff);
    }

    #[test]
    fn a_request_for_a_person_hands_off_without_articles() {
        let a = answer(&searcher(), "can I talk to a human about my refund?");
        assert_eq!((a.text.as_deref(), a.articles.len(), a.handoff), (Some(TO_PERSON), 0, true));
    }

    #[test]
    fn a_greeting_gets_a_greeting() {
        let a = answer(&searcher(), "Hello!");
        assert_eq!((a.text.as_deref(), a.handoff), (Some(GREET), false));
    }

    #[test]
    fn nothing_found_is_said_honestly_and_hands_off() {
        let a = answer(&searcher(), "do you sell bicycles");
        assert_eq!((a.text.as_deref(), a.articles.len(), a.handoff), (Some(NOTHING_FOUND), 0, true));
    }

    #[test]
    fn without_a_help_center_the_bot_steps_aside() {
        let a = answer(&Searcher::new(Index::build(&[])), "where is my order");
        assert_eq!(a, BotAnswer { lang: "en".into(), text: None, articles: vec![], handoff: true });
    }

    #[test]
    fn answers_in_the_visitors_language() {
        let a = answer(&searcher(), "hola, ¿dónde está mi pedido?");
        assert_eq!(a.lang, "es");
        assert_eq!(a.articles.first().map(|o| o.id.as_str()), Some("track-your-order"));
        assert!(a.text.as_deref().is_some_and(|t| t.contains("inglés")), "{a:?}");
        let b = answer(&searcher(), "Können Sie mir sagen, ob Sie Fahrräder verkaufen?");
        assert_eq!((b.lang.as_str(), b.handoff), ("de", true));
        assert_eq!(b.text.as_deref(), Some(replies(Lang::De).nothing_found));
    }

    #[test]
    fn the_english_constants_are_the_tables() {
        let r = replies(Lang::En);
        assert_eq!([OFFER, GREET, TO_PERSON, NOTHING_FOUND], [r.offer, r.greet, r.to_person, r.nothing_found]);
    }

    #[test]
    fn fixed_replies_follow_the_widget_locale_unless_the_message_says_otherwise() {
        let s = searcher();
        // Names and numbers say nothing: the widget's language decides.
        let a = answer_for(&s, "Hello!", Some("es-MX"));
        assert_eq!((a.lang.as_str(), a.text.as_deref()), ("es", Some(replies(Lang::Es).greet)));
        // A clearly German message is answered in German whatever the locale.
        let b = answer_for(&s, "Können Sie mir sagen, ob Sie Fahrräder verkaufen?", Some("fr"));
        assert_eq!(b.lang, "de");
        // Arabic script, or an Arabic widget: Arabic, with the English articles said to be English.
        // (The ranking has no Arabic lexicon: an Arabic question finds nothing and goes to a person.)
        let c = answer_for(&s, "أين طلبي؟", None);
        assert_eq!((c.lang.as_str(), c.text.as_deref(), c.handoff), ("ar", Some(replies(Lang::Ar).nothing_found), true));
        let d = answer_for(&s, "Hello!", Some("ar"));
        assert_eq!((d.lang.as_str(), d.text.as_deref()), ("ar", Some(replies(Lang::Ar).greet)));
        // A question clearly in English, the help center's language, is answered in English
        // whatever the widget's: never "our articles are in English" to an English question.
        let e = answer_for(&s, "where is my order?", Some("ar"));
        assert_eq!(e.lang, "en", "{e:?}");
        assert!(!e.text.as_deref().is_some_and(|t| t.starts_with(replies(Lang::Ar).english_only)), "{e:?}");
        assert_eq!(answer_for(&s, "how do I cancel my subscription?", Some("es")).lang, "en");
        // An unknown locale is English.
        assert_eq!(answer_for(&s, "Hello!", Some("pt-BR")).text.as_deref(), Some(GREET));
    }

    /// The sample help center with its translations (demo-site/kb-translations).
    fn sample_with_translations() -> Searcher {
        crate::testing::sample(&["demo-site/kb", "demo-site/kb-translations"])
    }

    #[test]
    fn ranks_among_translations_when_the_help_center_has_them() {
        let s = sample_with_translations();
        let a = answer(&s, "hola, ¿dónde está mi pedido?");
        assert_eq!(a.articles.first().map(|o| (o.id.as_str(), o.title.as_str())), Some(("track-your-order", "Seguir tu pedido")), "{a:?}");
        assert_eq!(a.text.as_deref(), Some(replies(Lang::Es).offer), "no 'our articles are in English' when they are not");
        // No Spanish version of the subscription article: the English one, said so in Spanish.
        let b = answer(&s, "quiero cancelar mi suscripción");
        assert_eq!(b.articles.first().map(|o| o.id.as_str()), Some("cancel-a-subscription"), "{b:?}");
        assert!(b.text.as_deref().is_some_and(|t| t.starts_with(replies(Lang::Es).english_only)), "{b:?}");
        // English visitors never see the translation.
        let c = answer(&s, "where is my order");
        assert_eq!(c.articles.first().map(|o| o.title.as_str()), Some("Track your order"));
        // French and German have their own versions too.
        assert_eq!(answer(&s, "où est ma commande ?").articles.first().map(|o| o.title.as_str()), Some("Suivre votre commande"));
        assert_eq!(answer(&s, "Wo ist meine Bestellung?").articles.first().map(|o| o.title.as_str()), Some("Ihre Bestellung verfolgen"));
    }

    #[test]
    fn a_long_message_is_ranked_by_its_end() {
        let chatter = "I love your shop and tell everyone about it. ".repeat(40);
        let a = answer(&searcher(), &format!("{chatter} where is my order?"));
        assert_eq!(a.articles.first().map(|o| o.id.as_str()), Some("track-your-order"));
    }

    /// The widget ranks every draft as typed; the bot must never answer a
    /// sent draft that showed suggestions with "couldn't find" (journey
    /// issue): every prefix of every labeled question, in both sets.
    #[test]
    fn a_draft_that_showed_suggestions_never_gets_nothing_found() {
        let s = crate::testing::sample(&["demo-site/kb"]);
        let mut checked = 0;
        for src in [include_str!("../../tests/kb/queries.tsv"), include_str!("../../tests/kb/visitors.tsv")] {
            for q in crate::eval::parse_tsv(src).unwrap() {
                // Drafts at every word's end and every seventh character (all of
                // them take minutes in a debug build, for the same verdict).
                let cuts = q
                    .query
                    .char_indices()
                    .enumerate()
                    .filter(|&(n, (i, c))| i > 0 && (n % 7 == 0 || (c == ' ' && !q.query[..i].ends_with(' '))));
                for draft in cuts.map(|(_, (i, _))| &q.query[..i]).chain([q.query.as_str()]) {
                    if s.suggest(draft, true).is_empty() {
                        continue;
                    }
                    checked += 1;
                    let a = answer(&s, draft);
                    let nothing = replies(detect(draft)).nothing_found;
                    assert_ne!(a.text.as_deref(), Some(nothing), "draft {draft:?} showed suggestions");
                    if classify(draft) == Intent::Question {
                        assert!(!a.articles.is_empty(), "draft {draft:?} showed suggestions, the bot offered none");
                    }
                }
            }
        }
        assert!(checked > 1000, "only {checked} drafts showed suggestions");
    }
}
