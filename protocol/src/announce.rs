//! What a screen reader hears when a message arrives: "Ava: text", once.
//! The message log itself is not a live region (it would read the whole
//! bubble, its "Message actions" button and time included); clients feed
//! these lines to one polite live region instead.

use crate::frames::{Author, Message};
use crate::i18n::{self, Lang};
use crate::notice::{self, Reader};

/// The line to announce for a message the viewer did not write, or `None`
/// (the viewer's own messages, deleted ones, internal notes for visitors).
/// `bot_name` is what the client calls the bot ("Assistant"); `lang` the
/// visitor's language, in which notices and the article count are worded.
pub fn line(message: &Message, mine: bool, bot_name: &str, lang: Lang) -> Option<String> {
    if mine || message.deleted {
        return None;
    }
    // One line, however the text was broken up.
    let text = notice::line(message, lang, Reader::Visitor).split_whitespace().collect::<Vec<_>>().join(" ");
    let s = lang.strings();
    let articles = match message.articles.len() {
        0 => String::new(),
        n => i18n::count(n as u64, s.sr_articles_one, s.sr_articles_other),
    };
    Some(match &message.author {
        Author::Agent { name, .. } | Author::Visitor { name } => format!("{name}: {text}{articles}"),
        Author::External { .. } => format!("{}: {text}{articles}", message.author.external_label().unwrap_or_default()),
        Author::Bot => format!("{bot_name}: {text}{articles}"),
        // Notices ("Ava joined the conversation") speak for themselves.
        Author::System => text,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::frames::ArticleRef;
    use crate::ids::AgentId;

    fn from(author: Author, text: &str) -> Message {
        Message { author, text: text.into(), ..Message::blank() }
    }

    #[test]
    fn names_the_author_and_reads_the_text_only() {
        let ava = Author::Agent { id: AgentId("ava".into()), name: "Ava".into() };
        assert_eq!(
            line(&from(ava, "Your order\nshipped  today."), false, "Assistant", Lang::En).as_deref(),
            Some("Ava: Your order shipped today.")
        );
        assert_eq!(
            line(&from(Author::System, "Ava joined the conversation"), false, "Assistant", Lang::En).as_deref(),
            Some("Ava joined the conversation")
        );
        let mut bot = from(Author::Bot, "These might help:");
        bot.articles = vec![ArticleRef { id: "a".into(), title: "A".into() }, ArticleRef { id: "b".into(), title: "B".into() }];
        assert_eq!(line(&bot, false, "Assistant", Lang::En).as_deref(), Some("Assistant: These might help: (2 articles)"));
        bot.articles.pop();
        assert_eq!(line(&bot, false, "Asistente", Lang::Es).as_deref(), Some("Asistente: These might help: (1 artículo)"));
        let joined = Message::notice(crate::notice::Notice::Joined { name: "Ava".into() });
        assert_eq!(line(&joined, false, "Assistent", Lang::De).as_deref(), Some("Ava ist der Unterhaltung beigetreten"));
    }

    #[test]
    fn own_and_deleted_messages_are_not_announced() {
        let jo = from(Author::Visitor { name: "Jo".into() }, "hi");
        assert_eq!(line(&jo, true, "Assistant", Lang::En), None);
        assert_eq!(line(&jo, false, "Assistant", Lang::En).as_deref(), Some("Jo: hi"));
        let mut gone = from(Author::Bot, "x");
        gone.deleted = true;
        assert_eq!(line(&gone, false, "Assistant", Lang::En), None);
    }
}
