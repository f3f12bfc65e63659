//! Visitors who write in another language than the help center.
//!
//! [`detect`] tells English, Spanish, French and German apart by their
//! function words (a message of a few words is enough: "dónde está mi
//! pedido"). A message in another language is ranked in English through a
//! bilingual lexicon of support vocabulary ([`to_english`]): the words
//! shops and visitors use about orders, delivery, payment, accounts,
//! returns, subscriptions and coffee. It is a dictionary, not a list of
//! test questions: each entry is a plain translation. Words it lacks pass
//! through unchanged, so shared names and cognates ("PayPal", "espresso")
//! still match.
//!
//! The bot's fixed replies exist in each language ([`Replies`]), so a
//! visitor is answered in the language they wrote in.

use crate::text::fold;

/// The widget's languages (`protocol::i18n`): the ranking detects and reads
/// English, Spanish, French and German; Arabic has no function words or
/// lexicon here (the bot answers it by script, see [`is_arabic`]).
pub use porchlight_protocol::i18n::Lang;

fn function_words(lang: Lang) -> &'static [&'static str] {
    match lang {
        Lang::En => EN_FUNCTION,
        Lang::Es => ES_FUNCTION,
        Lang::Fr => FR_FUNCTION,
        Lang::De => DE_FUNCTION,
        Lang::Ar => &[],
    }
}

fn lexicon(lang: Lang) -> &'static [(&'static str, &'static str)] {
    match lang {
        Lang::En | Lang::Ar => &[],
        Lang::Es => ES,
        Lang::Fr => FR,
        Lang::De => DE,
    }
}

// Function words that mark a language, accent-folded. Words shared by
// several of them ("de", "la", "a", "en") still count for each; the
// language with the most wins, English on a tie.
const EN_FUNCTION: &[&str] = &[
    "the", "is", "my", "i", "how", "what", "where", "when", "why", "do", "does", "did", "can", "you", "your", "it", "to", "and", "of",
    "for", "with", "not", "this", "have", "has", "was", "are", "im", "dont", "cant", "wont", "isnt", "wheres", "whats", "hi", "hey",
    "hello", "thanks", "please", "pls", "u", "ur", "order", "get", "got", "will", "an", "be", "if", "so", "but", "just", "any", "been",
    "there", "they", "we", "me", "would", "could", "should",
];
const ES_FUNCTION: &[&str] = &[
    "el", "la", "los", "las", "de", "del", "que", "y", "en", "un", "una", "es", "mi", "mis", "por", "para", "con", "no", "se", "como",
    "donde", "cuando", "cual", "puedo", "puede", "esta", "estan", "hola", "gracias", "tengo", "quiero", "necesito", "hay", "pero",
    "porque", "muy", "ya", "lo", "le", "al", "su", "sus", "mas", "todavia", "aun", "nada", "buenas", "buenos", "dias", "tardes", "favor",
    "hace", "son", "fue", "llego", "ustedes", "usted", "me", "te", "si", "tambien", "sin", "sobre", "cuanto", "cuantos", "cuanta", "que",
    "qué", "ha", "he", "han",
];
const FR_FUNCTION: &[&str] = &[
    "le", "la", "les", "de", "des", "du", "et", "est", "un", "une", "mon", "ma", "mes", "je", "pour", "avec", "pas", "ne", "comment", "ou",
    "quand", "pourquoi", "bonjour", "merci", "puis", "peux", "peut", "ce", "que", "qui", "vous", "votre", "vos", "jai", "suis", "sont",
    "dans", "sur", "au", "aux", "il", "elle", "on", "nous", "mais", "toujours", "encore", "rien", "salut", "svp", "cest", "quoi", "quel",
    "quelle", "combien", "avez", "ai", "ete", "deja", "aussi", "sans", "y", "me", "moi", "faire", "fait", "lai", "jamais", "ni", "si",
    "plus", "tres",
];
const DE_FUNCTION: &[&str] = &[
    "der", "die", "das", "und", "ist", "ich", "mein", "meine", "meinen", "meiner", "nicht", "wie", "wo", "wann", "warum", "kann", "konnen",
    "ein", "eine", "einen", "mit", "fur", "von", "zu", "hallo", "danke", "bitte", "habe", "hab", "mich", "mir", "sie", "ihr", "ihre",
    "ihren", "es", "auf", "den", "dem", "noch", "schon", "aber", "was", "wer", "welche", "wieviel", "viel", "kein", "keine", "immer",
    "nur", "auch", "sind", "wird", "wurde", "bei", "nach", "aus", "guten", "tag", "hat", "haben", "ob", "mal", "doch", "oder", "im", "am",
    "zum", "zur",
];

/// A word that carries no topic in `lang` (its function words; English's
/// stop list for English).
pub fn is_function_word(lang: Lang, word: &str) -> bool {
    match lang {
        Lang::En => crate::text::is_stop(word),
        other => crate::text::is_stop(word) || function_words(other).contains(&word),
    }
}

/// The language a message is written in; English when nothing says otherwise.
pub fn detect(text: &str) -> Lang {
    let words: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric() && c != '\'' && c != '’')
        .filter(|w| !w.is_empty())
        .map(|w| fold(&w.to_lowercase()).replace(['\'', '’'], ""))
        .collect();
    let own = |lang: Lang| words.iter().filter(|w| function_words(lang).contains(&w.as_str())).count() + marks(text, lang);
    let en = own(Lang::En) * 2;
    let mut best = (Lang::En, en);
    for lang in [Lang::Es, Lang::Fr, Lang::De] {
        let function = own(lang);
        // Function words decide; lexicon hits break ties ("mi pedido" vs
        // "my pedido"), counted only when the language has a function word
        // in the message and they can change the verdict (this runs on
        // every keystroke).
        let lexical = if function == 0 || function * 2 + words.len() <= best.1 {
            0
        } else {
            words.iter().filter(|w| lookup(lang, w).is_some()).count()
        };
        let c = function * 2 + lexical;
        if c > best.1 {
            best = (lang, c);
        }
    }
    // A foreign guess must beat English clearly and rest on at least two signals.
    if best.0 != Lang::En && (best.1 < 2 || best.1 <= en) {
        return Lang::En;
    }
    best.0
}

/// Letters and punctuation only one of the languages writes ("¿", "ñ",
/// "ç", "ß"), counted as one function word: a short message can have none
/// ("¿Hacen envíos a México?") and still say which language it is.
fn marks(text: &str, lang: Lang) -> usize {
    let own: &[char] = match lang {
        Lang::En | Lang::Ar => return 0,
        Lang::Es => &['¿', '¡', 'ñ', 'Ñ'],
        Lang::Fr => &['ç', 'Ç', 'œ', 'è', 'ê', 'à', 'ù', 'û', 'î', 'ô', 'â'],
        Lang::De => &['ß', 'ä', 'ö', 'ü', 'Ä', 'Ö', 'Ü'],
    };
    usize::from(text.contains(own))
}

/// The English words for one (lowercase, accent-folded) word of `lang`, or
/// `None` when the lexicon lacks it. Plural and inflected forms fall back
/// to their base ("pedidos" → "pedido", "bestellungen" → "bestellung").
pub fn lookup(lang: Lang, word: &str) -> Option<&'static str> {
    let table = lexicon(lang);
    if table.is_empty() {
        return None;
    }
    let find = |w: &str| table.binary_search_by(|(k, _)| k.cmp(&w)).ok().map(|i| table[i].1);
    if let Some(en) = find(word) {
        return Some(en);
    }
    // French elision, which `words` glued on: "l'adresse" → "ladresse".
    if lang == Lang::Fr {
        for elided in ["qu", "l", "d", "j", "n", "s", "m", "t", "c"] {
            if let Some(rest) = word.strip_prefix(elided) {
                if rest.len() >= 3 {
                    if let Some(en) = lookup(lang, rest) {
                        return Some(en);
                    }
                }
            }
        }
    }
    let endings: &[&str] = match lang {
        Lang::Es => &["es", "s", "a", "o"],
        Lang::Fr => &["es", "s", "x", "e"],
        Lang::De => &["en", "n", "e", "s", "es", "er"],
        Lang::En | Lang::Ar => &[],
    };
    for end in endings {
        if let Some(base) = word.strip_suffix(end) {
            if base.len() >= 3 {
                if let Some(en) = find(base) {
                    return Some(en);
                }
            }
        }
    }
    // A German verb as conjugated ("funktioniert", "heizt", "dauert") is
    // listed as its infinitive ("funktionieren", "heizen", "dauern").
    if lang == Lang::De {
        for end in ["et", "t", "st"] {
            if let Some(base) = word.strip_suffix(end).filter(|b| b.len() >= 3) {
                if let Some(en) = find(&format!("{base}en")).or_else(|| find(&format!("{base}n"))) {
                    return Some(en);
                }
            }
        }
    }
    None
}

/// A German compound the lexicon lacks as a whole, as its two parts'
/// English ("zahlungsmethoden" → "payment" + "methods",
/// "sendungsverfolgung" → "shipment" + "tracking"), with or without the
/// linking "s" or "n" between them. The longest known head wins.
pub fn split_compound(word: &str) -> Option<(&'static str, &'static str)> {
    let n = word.len();
    if n < 8 || !word.is_ascii() {
        return None;
    }
    (4..=n - 4).rev().find_map(|cut| {
        let (head, tail) = word.split_at(cut);
        let tail_en = lookup(Lang::De, tail).filter(|t| !t.is_empty())?;
        let head_en = [head, head.strip_suffix('s').unwrap_or(""), head.strip_suffix('n').unwrap_or("")]
            .into_iter()
            .filter(|h| h.len() >= 3)
            .find_map(|h| lookup(Lang::De, h).filter(|e| !e.is_empty()))?;
        Some((head_en, tail_en))
    })
}

/// The message as English words for ranking: foreign function words
/// dropped, known words translated, the rest kept as written (and marked
/// `false`: not translated).
pub fn to_english(lang: Lang, words: &[String]) -> Vec<(String, bool)> {
    if lang == Lang::En {
        return words.iter().map(|w| (w.clone(), true)).collect();
    }
    let mut out = Vec::with_capacity(words.len());
    for w in words {
        match lookup(lang, w) {
            Some("") => {}
            Some(en) => out.extend(en.split(' ').map(|e| (e.to_owned(), true))),
            None if function_words(lang).contains(&w.as_str()) => {}
            None => match (lang == Lang::De).then(|| split_compound(w)).flatten() {
                Some((head, tail)) => out.extend(head.split(' ').chain(tail.split(' ')).map(|e| (e.to_owned(), true))),
                None => out.push((w.clone(), false)),
            },
        }
    }
    out
}

/// The bot's fixed replies in one language: the widget's own strings
/// (`porchlight_protocol::i18n`), so the bot and the buttons it names agree.
pub struct Replies {
    pub offer: &'static str,
    pub greet: &'static str,
    pub to_person: &'static str,
    pub nothing_found: &'static str,
    /// Said before articles when the help center has none in the visitor's language.
    pub english_only: &'static str,
}

/// The replies in any language the widget speaks (Arabic too, which the
/// ranking does not detect).
pub fn replies(lang: Lang) -> Replies {
    let s = lang.strings();
    Replies {
        offer: s.bot_offer,
        greet: s.bot_greet,
        to_person: s.bot_to_person,
        nothing_found: s.bot_nothing_found,
        english_only: s.bot_english_only,
    }
}

/// Is `text` written in Arabic script (more Arabic letters than Latin ones)?
pub fn is_arabic(text: &str) -> bool {
    let arabic = text
        .chars()
        .filter(|c| matches!(c, '\u{0600}'..='\u{06ff}' | '\u{0750}'..='\u{077f}' | '\u{fb50}'..='\u{fdff}' | '\u{fe70}'..='\u{feff}'))
        .count();
    let latin = text.chars().filter(|c| c.is_ascii_alphabetic()).count();
    arabic > 0 && arabic >= latin
}

// Bilingual lexicons, keys accent-folded and sorted (a test checks), so
// lookup is a binary search. An empty translation drops the word (filler).
// Several English words are separated by spaces.
include!("lexicon.rs");

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lexicons_are_sorted_and_folded() {
        for lang in [Lang::Es, Lang::Fr, Lang::De] {
            let t = lexicon(lang);
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{lang:?}: {:?}", t.windows(2).find(|w| w[0].0 >= w[1].0));
            assert!(t.iter().all(|(k, _)| fold(k) == *k && k.to_lowercase() == *k), "{lang:?}");
        }
    }

    #[test]
    fn detects_the_language_of_short_messages() {
        for (m, want) in [
            ("where is my order", Lang::En),
            ("wheres my oder", Lang::En),
            ("refund", Lang::En),
            ("dónde está mi pedido", Lang::Es),
            ("hola, quiero cancelar mi suscripción", Lang::Es),
            ("où est ma commande ?", Lang::Fr),
            ("bonjour, je n'arrive pas à me connecter", Lang::Fr),
            ("wo ist meine Bestellung", Lang::De),
            ("Hallo, ich habe mein Passwort vergessen", Lang::De),
            ("espresso machine", Lang::En),
            // No function word, but Spanish punctuation.
            ("¿Hacen envíos a México?", Lang::Es),
            ("is the crème brûlée blend back", Lang::En),
        ] {
            assert_eq!(detect(m), want, "{m}");
        }
    }

    #[test]
    fn translates_support_vocabulary() {
        let en = |l: Lang, s: &str| to_english(l, &crate::text::words(s)).into_iter().map(|(w, _)| w).collect::<Vec<_>>();
        assert_eq!(en(Lang::Es, "dónde está mi pedido"), ["where", "is", "my", "order"]);
        assert_eq!(en(Lang::Fr, "remboursements"), ["refund"]);
        assert_eq!(en(Lang::De, "Bestellungen"), ["order"]);
        assert_eq!(en(Lang::Fr, "l'adresse"), ["address"]);
    }
}
