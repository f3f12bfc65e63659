//! What a visitor's chat message asks of the bot, before any ranking.
//!
//! The bot must not answer "can I talk to a human?" with articles, nor a
//! bare "hi" with a handoff. Three kinds are enough: a request for a
//! person (hand off now), chatter with no topic (greet and wait), and a
//! question (rank the help center).

use crate::text::{is_stop, words};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Intent {
    /// "Can I talk to a human?", "agent please": go to the queue.
    Person,
    /// Greetings, thanks, filler: nothing to search for.
    Chatter,
    /// Anything with a topic: rank articles for it.
    Question,
}

/// Words that name a person to talk to.
const PERSON: &[&str] =
    &["agent", "human", "humans", "operator", "people", "person", "representative", "rep", "someone", "somebody", "staff"];

/// Verbs of reaching someone: with a [`PERSON`] word they make a request
/// even inside a longer message ("I want to speak to a person about my refund").
const REACH: &[&str] = &["call", "chat", "connect", "contact", "reach", "speak", "talk", "transfer"];

pub fn classify(message: &str) -> Intent {
    let words = words(message);
    let has = |set: &[&str]| words.iter().any(|w| set.contains(&w.as_str()));
    let topical = words.iter().any(|w| !is_stop(w) && !PERSON.contains(&w.as_str()) && !REACH.contains(&w.as_str()));
    if has(PERSON) && (has(REACH) || !topical) {
        Intent::Person
    } else if !topical {
        Intent::Chatter
    } else {
        Intent::Question
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn requests_for_a_person() {
        for m in [
            "can I talk to a human?",
            "Agent please",
            "real person",
            "I want to speak to someone about my refund",
            "connect me with a representative",
            "HUMAN",
        ] {
            assert_eq!(classify(m), Intent::Person, "{m}");
        }
    }

    #[test]
    fn chatter_has_no_topic() {
        for m in ["hi", "Hello there!", "thanks so much", "ok", "?", "", "good morning :)"] {
            assert_eq!(classify(m), Intent::Chatter, "{m}");
        }
    }

    #[test]
    fn questions_have_a_topic() {
        for m in ["where is my order", "hi, my grinder makes a weird noise", "refund", "how do I descale the kettle"] {
            assert_eq!(classify(m), Intent::Question, "{m}");
        }
    }
}
