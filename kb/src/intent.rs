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

/// Words that name a person to talk to, in the widget's five languages
/// (as [`words`] gives them: lower case, Latin accents folded, an
/// apostrophe inside a word dropped: "quelqu'un" is `quelquun`).
const PERSON: &[&str] = &[
    // en
    "agent",
    "human",
    "humans",
    "operator",
    "people",
    "person",
    "representative",
    "rep",
    "someone",
    "somebody",
    "staff",
    // es
    "persona",
    "humano",
    "agente",
    "alguien",
    "operador",
    "asesor",
    // fr
    "humain",
    "personne",
    "quelquun",
    "conseiller",
    "conseillere",
    "operateur",
    // de
    "mensch",
    "menschen",
    "mitarbeiter",
    "mitarbeiterin",
    "jemand",
    "jemandem",
    "berater",
    // ar
    "شخص",
    "إنسان",
    "انسان",
    "موظف",
    "بشري",
    "أحد",
    "احد",
];

/// Verbs of reaching someone: with a [`PERSON`] word they make a request
/// even inside a longer message ("I want to speak to a person about my refund").
const REACH: &[&str] = &[
    // en
    "call",
    "chat",
    "connect",
    "contact",
    "reach",
    "speak",
    "talk",
    "transfer",
    // es
    "hablar",
    "contactar",
    "chatear",
    "comunicarme",
    "llamar",
    "pasame",
    "hable",
    // fr
    "parler",
    "contacter",
    "joindre",
    "discuter",
    "passer",
    // de
    "sprechen",
    "reden",
    "kontaktieren",
    "chatten",
    "verbinden",
    // ar
    "التحدث",
    "أتحدث",
    "اتحدث",
    "التواصل",
    "الحديث",
    "تحدث",
    "التكلم",
    "أتكلم",
];

/// The message is a request for a person and nothing else ("can I talk
/// to a human?"): no question to keep. Out of hours it is neither the left
/// message's question nor its ticket's subject.
pub fn only_person(message: &str) -> bool {
    let words = words(message);
    let asking = |w: &str| is_stop(w) || PERSON.contains(&w) || REACH.contains(&w) || ASKING.contains(&w);
    words.iter().any(|w| PERSON.contains(&w.as_str())) && words.iter().all(|w| asking(w))
}

/// The rest of a bare request for a person beyond English stop words
/// ("¿puedo hablar con una persona?", "je veux parler à quelqu'un"), folded like [`words`].
const ASKING: &[&str] = &[
    // es
    "puedo",
    "quiero",
    "quisiera",
    "necesito",
    "con",
    "un",
    "una",
    "el",
    "la",
    "por",
    "favor",
    "me",
    "real",
    "de",
    "verdad",
    // fr
    "je",
    "j",
    "veux",
    "voudrais",
    "peux",
    "puis",
    "avec",
    "une",
    "a",
    "moi",
    "svp",
    "besoin",
    "vrai",
    "vraie",
    // de
    "ich",
    "mochte",
    "möchte",
    "kann",
    "will",
    "mit",
    "einem",
    "einer",
    "einen",
    "bitte",
    "echten",
    "gern",
    "gerne",
    // ar
    "أريد",
    "اريد",
    "مع",
    "هل",
    "يمكنني",
    "ممكن",
    "من",
    "فضلك",
];

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
    fn requests_for_a_person_in_every_language() {
        for m in [
            "quiero hablar con una persona",
            "¿Puedo hablar con un agente sobre mi pedido?",
            "je veux parler à quelqu'un",
            "Puis-je parler à un conseiller ?",
            "ich möchte mit einem Menschen sprechen",
            "Kann ich mit einem Mitarbeiter reden?",
            "أريد التحدث مع شخص",
        ] {
            assert_eq!(classify(m), Intent::Person, "{m}");
        }
        for m in ["¿dónde está mi pedido?", "ma bouilloire fuit", "Wo ist meine Bestellung?"] {
            assert_ne!(classify(m), Intent::Person, "{m}");
        }
    }

    #[test]
    fn only_a_request_for_a_person_carries_no_question() {
        for m in ["can I talk to a human?", "¿puedo hablar con una persona?", "Agent please", "je veux parler à quelqu'un", "HUMAN"] {
            assert!(only_person(m), "{m}");
        }
        for m in
            ["I want to speak to someone about my refund", "¿Puedo hablar con un agente sobre mi pedido?", "where is my order", "hi", ""]
        {
            assert!(!only_person(m), "{m}");
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
