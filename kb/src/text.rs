//! Text processing shared by indexing and querying: both sides must agree
//! on every rule, so they live in one place.

/// Lowercased, accent-folded words: runs of letters and digits.
/// Apostrophes inside a word are dropped ("don't" → "dont") so
/// contractions stay one token; accents are folded ("café" → "cafe") so a
/// visitor who types without them matches the articles that have them.
pub fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_alphanumeric() {
            for l in c.to_lowercase() {
                push_folded(&mut cur, l);
            }
        } else if (c == '\'' || c == '’') && !cur.is_empty() && chars.peek().is_some_and(|n| n.is_alphanumeric()) {
            // inside a word: skip it
        } else if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
    }
    if !cur.is_empty() {
        out.push(cur);
    }
    out
}

/// `text` with Latin diacritics removed ("dónde" → "donde", "ß" → "ss").
pub fn fold(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        push_folded(&mut out, c);
    }
    out
}

fn push_folded(out: &mut String, c: char) {
    if c.is_ascii() {
        out.push(c);
        return;
    }
    let plain = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'ā' | 'ą' => "a",
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "A",
        'ç' | 'ć' | 'č' => "c",
        'Ç' => "C",
        'è' | 'é' | 'ê' | 'ë' | 'ē' | 'ę' | 'ě' => "e",
        'È' | 'É' | 'Ê' | 'Ë' => "E",
        'ì' | 'í' | 'î' | 'ï' | 'ī' => "i",
        'Ì' | 'Í' | 'Î' | 'Ï' => "I",
        'ñ' | 'ń' | 'ň' => "n",
        'Ñ' => "N",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'ō' | 'ő' => "o",
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "O",
        'ù' | 'ú' | 'û' | 'ü' | 'ū' | 'ů' | 'ű' => "u",
        'Ù' | 'Ú' | 'Û' | 'Ü' => "U",
        'ý' | 'ÿ' => "y",
        'ß' => "ss",
        'œ' => "oe",
        'Œ' => "OE",
        'æ' => "ae",
        'Æ' => "AE",
        'š' => "s",
        'ž' | 'ź' | 'ż' => "z",
        'ł' => "l",
        'ř' => "r",
        _ => {
            out.push(c);
            return;
        }
    };
    out.push_str(plain);
}

/// Words that carry no topic: function words, light verbs ("how long does
/// it take", "put the new card on"), salutations, the chatter visitors wrap
/// their questions in ("hi, I was wondering if you could help me…"), and
/// asks for a person, which the bot must not answer with articles.
pub fn is_stop(word: &str) -> bool {
    STOP.binary_search(&word).is_ok()
}

// Sorted (checked by a test) so lookup is a binary search.
const STOP: &[&str] = &[
    "a",
    "about",
    "above",
    "actually",
    "after",
    "afternoon",
    "again",
    "agent",
    "all",
    "also",
    "am",
    "an",
    "and",
    "any",
    "anyone",
    "anything",
    "anyway",
    "are",
    "as",
    "at",
    "awesome",
    "be",
    "because",
    "been",
    "before",
    "being",
    "below",
    "between",
    "both",
    "but",
    "by",
    "bye",
    "can",
    "cannot",
    "chat",
    "cheers",
    "could",
    "dear",
    "did",
    "do",
    "does",
    "doing",
    "done",
    "down",
    "during",
    "each",
    "else",
    "etc",
    "evening",
    "ever",
    "few",
    "for",
    "from",
    "further",
    "get",
    "getting",
    "good",
    "got",
    "great",
    "guys",
    "had",
    "has",
    "have",
    "having",
    "he",
    "hello",
    "help",
    "her",
    "here",
    "hers",
    "hey",
    "hi",
    "him",
    "his",
    "hiya",
    "hope",
    "hoping",
    "how",
    "human",
    "i",
    "id",
    "if",
    "ill",
    "im",
    "in",
    "into",
    "is",
    "it",
    "its",
    "ive",
    "just",
    "kind",
    "know",
    "let",
    "like",
    "lol",
    "lot",
    "lots",
    "madam",
    "many",
    "maybe",
    "me",
    "more",
    "morning",
    "most",
    "much",
    "must",
    "my",
    "myself",
    "need",
    "needed",
    "now",
    "of",
    "off",
    "ok",
    "okay",
    "on",
    "once",
    "only",
    "operator",
    "or",
    "other",
    "our",
    "ours",
    "out",
    "over",
    "own",
    "person",
    "please",
    "pls",
    "plz",
    "possible",
    "put",
    "putting",
    "question",
    "quick",
    "real",
    "really",
    "regards",
    "representative",
    "rid",
    "same",
    "see",
    "she",
    "should",
    "sir",
    "so",
    "some",
    "somebody",
    "someone",
    "something",
    "sorry",
    "speak",
    "still",
    "such",
    "sure",
    "take",
    "takes",
    "taking",
    "talk",
    "tell",
    "than",
    "thank",
    "thanks",
    "thankyou",
    "thanx",
    "that",
    "the",
    "their",
    "theirs",
    "them",
    "then",
    "there",
    "these",
    "they",
    "thing",
    "things",
    "think",
    "this",
    "those",
    "through",
    "thx",
    "to",
    "today",
    "too",
    "trying",
    "under",
    "until",
    "up",
    "us",
    "very",
    "via",
    "want",
    "wanted",
    "was",
    "way",
    "we",
    "well",
    "were",
    "what",
    "whats",
    "when",
    "where",
    "whether",
    "which",
    "while",
    "who",
    "whom",
    "why",
    "will",
    "with",
    "wonder",
    "wondering",
    "would",
    "yeah",
    "yes",
    "yet",
    "you",
    "your",
    "youre",
    "yours",
    "yourself",
];

/// A light English stemmer: folds the inflections visitors and articles
/// use for the same idea (ship / ships / shipped / shipping / shipment →
/// "ship"). Rules are applied once each, in order. It only has to map both
/// sides the same way, not to produce real words.
pub fn stem(word: &str) -> String {
    if word.chars().count() <= 3 || !word.is_ascii() {
        return word.to_owned();
    }
    let mut s = word.to_owned();
    // Plurals.
    if s.ends_with("sses") {
        s.truncate(s.len() - 2);
    } else if s.ends_with("ies") && s.len() > 4 {
        s.truncate(s.len() - 3);
        s.push('y');
    } else if s.ends_with('s') && !s.ends_with("ss") && !s.ends_with("us") && !s.ends_with("is") {
        s.pop();
    }
    // -ing / -ed, undoubling the consonant they doubled (shipped → ship).
    for suffix in ["ing", "ed"] {
        if s.len() >= suffix.len() + 3 && s.ends_with(suffix) && has_vowel(&s[..s.len() - suffix.len()]) {
            s.truncate(s.len() - suffix.len());
            let b = s.as_bytes();
            let n = b.len();
            if n >= 2 && b[n - 1] == b[n - 2] && !is_vowel(b[n - 1]) && !matches!(b[n - 1], b's' | b'z') {
                s.pop();
            }
            break;
        }
    }
    // A final silent e, or a y after a consonant (charge/charged, delivery/deliver).
    let b = s.as_bytes();
    let n = b.len();
    if n >= 5 && (b[n - 1] == b'e' || (b[n - 1] == b'y' && !is_vowel(b[n - 2]) && b[n - 2] != b'l')) {
        s.pop();
    }
    // Derivations.
    for (suffix, keep) in [("ation", 3), ("ment", 3), ("able", 4), ("ible", 4), ("ness", 3), ("ly", 4), ("er", 4)] {
        if s.len() >= suffix.len() + keep && s.ends_with(suffix) {
            s.truncate(s.len() - suffix.len());
            let b = s.as_bytes();
            let n = b.len();
            if n >= 2 && b[n - 1] == b[n - 2] && b[n - 1] == b'l' {
                s.pop(); // cancellation → cancel
            }
            break;
        }
    }
    s
}

fn is_vowel(b: u8) -> bool {
    matches!(b, b'a' | b'e' | b'i' | b'o' | b'u' | b'y')
}

fn has_vowel(s: &str) -> bool {
    s.bytes().any(is_vowel)
}

/// The terms of a text as indexed: words, minus stop words, stemmed.
pub fn terms(text: &str) -> Vec<String> {
    words(text).into_iter().filter(|w| !is_stop(w)).map(|w| stem(&w)).collect()
}

/// Optimal-string-alignment distance (Levenshtein plus adjacent
/// transpositions: "recieve"), giving up early once it exceeds `max`.
pub fn edit_distance(a: &str, b: &str, max: usize) -> Option<usize> {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut prev2 = vec![0usize; w];
    let mut prev: Vec<usize> = (0..w).collect();
    let mut cur = vec![0usize; w];
    for i in 1..=a.len() {
        cur[0] = i;
        let mut row_min = cur[0];
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut d = (prev[j] + 1).min(cur[j - 1] + 1).min(prev[j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                d = d.min(prev2[j - 2] + 1);
            }
            cur[j] = d;
            row_min = row_min.min(d);
        }
        if row_min > max {
            return None;
        }
        std::mem::swap(&mut prev2, &mut prev);
        std::mem::swap(&mut prev, &mut cur);
    }
    let d = prev[b.len()];
    (d <= max).then_some(d)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_list_is_sorted_for_binary_search() {
        assert!(STOP.windows(2).all(|w| w[0] < w[1]), "{:?}", STOP.windows(2).find(|w| w[0] >= w[1]));
    }

    #[test]
    fn words_split_lowercase_and_keep_contractions() {
        assert_eq!(words("Hi! Don't ship to: Montréal, 3D-Secure"), ["hi", "dont", "ship", "to", "montreal", "3d", "secure"]);
        assert_eq!(words("  "), Vec::<String>::new());
    }

    #[test]
    fn inflections_fold_together() {
        for group in [
            &["ship", "ships", "shipped", "shipping", "shipment"][..],
            &["refund", "refunds", "refunded", "refunding"],
            &["charge", "charged", "charges", "charging"],
            &["cancel", "cancelled", "canceled", "cancelling", "cancellation"],
            &["deliver", "delivered", "delivery", "deliveries"],
            &["expire", "expired", "expiry", "expiration"],
            &["return", "returns", "returned", "returning"],
            &["grind", "grinder", "grinding"],
            &["damage", "damaged"],
        ] {
            let stems: Vec<String> = group.iter().map(|w| stem(w)).collect();
            assert!(stems.windows(2).all(|w| w[0] == w[1]), "{group:?} → {stems:?}");
        }
        assert_ne!(stem("order"), stem("ord"));
        assert_eq!(stem("tax"), "tax");
    }

    #[test]
    fn terms_drop_chatter() {
        assert_eq!(terms("Hi there, I was wondering if you could help me with my refund please"), ["refund"]);
        assert!(terms("can I talk to a human?").is_empty());
    }

    #[test]
    fn edit_distance_counts_typos_and_transpositions() {
        assert_eq!(edit_distance("recieve", "receive", 2), Some(1));
        assert_eq!(edit_distance("refnd", "refund", 1), Some(1));
        assert_eq!(edit_distance("subscripton", "subscription", 2), Some(1));
        assert_eq!(edit_distance("coffee", "toffee", 0), None);
        assert_eq!(edit_distance("abc", "abcdef", 2), None);
        assert_eq!(edit_distance("", "ab", 2), Some(2));
    }
}
