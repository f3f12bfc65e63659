//! The bot's turn: what it says to a visitor's message while the session
//! is still with it, decided from the message alone and the site's index.
//!
//! The edge's `KnowledgeBase` Durable Object runs this for the session and
//! the session commits the answer; keeping it pure means every branch is a
//! native unit test.

use crate::intent::{classify, Intent};
use crate::search::Searcher;
use serde::{Deserialize, Serialize};

/// An article the bot offers: id to open it, title to show.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Offered {
    pub id: String,
    pub title: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct BotAnswer {
    /// The bot's message, if it says anything.
    pub text: Option<String>,
    /// Up to three articles attached to that message.
    pub articles: Vec<Offered>,
    /// Hand the session to the site's queue after this message.
    pub handoff: bool,
}

pub const OFFER: &str = "Here's what I found in our help center. Did one of these answer your question?";
pub const GREET: &str =
    "Hi! Ask me anything and I'll look in our help center, or choose \u{201c}Talk to a person\u{201d} to reach the team.";
pub const TO_PERSON: &str = "Sure, I'm connecting you with a person.";
pub const NOTHING_FOUND: &str = "I couldn't find an article about that, so I'm passing you to the team.";

pub fn answer(searcher: &Searcher, message: &str) -> BotAnswer {
    let say = |text: &str, articles: Vec<Offered>, handoff: bool| BotAnswer { text: Some(text.to_owned()), articles, handoff };
    // A site without a help center has no bot worth talking to.
    if searcher.index().is_empty() {
        return BotAnswer { text: None, articles: Vec::new(), handoff: true };
    }
    match classify(message) {
        Intent::Person => say(TO_PERSON, Vec::new(), true),
        Intent::Chatter => say(GREET, Vec::new(), false),
        Intent::Question => {
            let articles: Vec<Offered> = searcher
                .suggest(message, false)
                .into_iter()
                .filter_map(|hit| searcher.index().doc(&hit.id).map(|d| Offered { id: hit.id, title: d.title.clone() }))
                .collect();
            if articles.is_empty() {
                say(NOTHING_FOUND, articles, true)
            } else {
                say(OFFER, articles, false)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Article, Index};

    fn searcher() -> Searcher {
        let source = |id: &str, title: &str, tags: &str, body: &str| {
            Article::parse(&format!(
                "---\nid: {id}\ntitle: {title}\ncategory: Help\ntags: [{tags}]\nupdated: 2026-01-01\n---\n{body}\n"
            ))
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
        assert_eq!(a, BotAnswer { text: None, articles: vec![], handoff: true });
    }
}
