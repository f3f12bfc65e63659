//! Chat English to help-center English, before ranking.
//!
//! Visitors write "wheres my oder", "pls", "ur", "workin", "sooo"; the
//! articles write "where", "please", "your", "working", "so". And they name
//! things in everyday words the articles do not use: "the guy bringing my
//! order" is the courier, money that "came out" is a charge. Two tables,
//! both general English rather than questions from a test set:
//!
//! - `CHAT`: contractions without apostrophes and chat abbreviations,
//!   *replaced* by what they stand for (often stop words, then dropped);
//! - `EVERYDAY`: everyday words and two-word phrases with the support
//!   vocabulary they may stand for, *added* as weaker alternatives (the
//!   word itself still counts), kept only when the site's index has them.

/// One word of the message as the ranking sees it.
#[derive(Clone, Debug, PartialEq)]
pub struct QueryWord {
    pub text: String,
    /// Help-center words it may also stand for.
    pub also: Vec<&'static str>,
    /// How much the word counts: more inside the question of a long message.
    pub weight: f32,
    /// A word of another language that the lexicon could not translate:
    /// if the index lacks it too, it says little about the topic.
    pub untranslated: bool,
}

/// Normalizes chat English; `words` are already lowercased and folded.
/// `unfinished` says the last word is still being typed: it is kept as
/// typed (a "w" on its way to "where" is not "with").
pub fn normalize(words: &[String], unfinished: bool) -> Vec<QueryWord> {
    let mut flat: Vec<String> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        if unfinished && i + 1 == words.len() {
            flat.push(w.clone());
            continue;
        }
        let w = squeeze(w);
        match find(CHAT, &w) {
            Some(rep) => flat.extend(rep.split(' ').filter(|r| !r.is_empty()).map(str::to_owned)),
            None => flat.push(w),
        }
    }
    let mut out: Vec<QueryWord> =
        flat.iter().map(|w| QueryWord { text: w.clone(), also: Vec::new(), weight: 1.0, untranslated: false }).collect();
    for i in 0..flat.len() {
        if let Some(next) = flat.get(i + 1) {
            let pair = format!("{} {}", flat[i], next);
            if let Some(syns) = find(EVERYDAY, &pair) {
                out[i].also.extend(syns.split(' '));
                out[i + 1].also.extend(syns.split(' '));
            }
        }
        if let Some(syns) = find(EVERYDAY, &flat[i]) {
            out[i].also.extend(syns.split(' '));
        }
    }
    out
}

/// Runs of three or more of one letter shortened to two ("sooo" → "soo",
/// "pleeease" → "pleease"): a typo tolerant match then finds the word.
fn squeeze(w: &str) -> String {
    let mut out = String::with_capacity(w.len());
    let mut run = 0;
    let mut prev = None;
    for c in w.chars() {
        if Some(c) == prev {
            run += 1;
        } else {
            run = 1;
            prev = Some(c);
        }
        if run <= 2 {
            out.push(c);
        }
    }
    out
}

fn find(table: &'static [(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    table.binary_search_by(|(k, _)| k.cmp(&key)).ok().map(|i| table[i].1)
}

include!("everyday.rs");

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::words;

    fn texts(q: &str) -> Vec<String> {
        normalize(&words(q), false).into_iter().map(|w| w.text).collect()
    }

    #[test]
    fn tables_are_sorted() {
        for t in [CHAT, EVERYDAY] {
            assert!(t.windows(2).all(|w| w[0].0 < w[1].0), "{:?}", t.windows(2).find(|w| w[0].0 >= w[1].0));
        }
    }

    #[test]
    fn contractions_and_chat_abbreviations() {
        assert_eq!(texts("wheres my oder"), ["where", "is", "my", "oder"]);
        assert_eq!(texts("pls can u check ur system"), ["please", "can", "you", "check", "your", "system"]);
        assert_eq!(texts("coupon isnt workin"), ["coupon", "is", "not", "workin"]);
        assert_eq!(texts("sooo slowww"), ["soo", "sloww"]);
    }

    #[test]
    fn everyday_words_gain_support_vocabulary() {
        let q = normalize(&words("the money came out twice"), false);
        assert!(q.iter().any(|w| w.text == "came" && w.also.contains(&"charged")), "{q:?}");
    }
}
