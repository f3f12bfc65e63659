//! Retrieval quality on a labeled query set: hit@1, hit@3 and MRR (over
//! the three suggestions a visitor sees) for answerable questions, and for
//! questions the help center cannot answer, how often the ranker stays
//! quiet. Used by `cargo xtask bench` and by a regression test.

use std::collections::BTreeMap;

/// Which half of the labeled data a question belongs to. Weights and
/// thresholds are chosen on `Dev` only; `Test` is only ever scored, never
/// read for misses, so its figure says how the bot does on questions
/// nobody tuned for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Split {
    Dev,
    Test,
}

impl Split {
    /// A stable half by content hash of the question, so adding a line
    /// never moves another one between halves.
    pub fn of(query: &str) -> Split {
        if crate::index::fnv1a(query.trim().as_bytes()).is_multiple_of(2) {
            Split::Dev
        } else {
            Split::Test
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Split::Dev => "dev",
            Split::Test => "test",
        }
    }
}

/// The labeled sets in `tests/kb/`: file name and what it is.
pub const SETS: &[(&str, &str)] = &[
    ("queries.tsv", "written by the ranking's authors, terse questions (tuned on in earlier rounds)"),
    ("visitors.tsv", "written independently from the articles only: chatty, slang, typos, synonyms, es/fr/de"),
    ("visitors2.tsv", "a second independent set by personas (retiree, teen, non-native, angry, phone, vague, es/fr/de), 50 unanswerable"),
    ("strangers.tsv", "a third, written this round by someone who read only the articles (typos, everyday words, chatty, multi, angry, es/fr/de), 20 unanswerable"),
    ("visitors3.tsv", "a fourth, round 9, written before tuning: dictated, slang, formal letters, barista jargon, run-together words, wrong names, several questions, es/fr/de, 44 unanswerable"),
];

#[derive(Clone, Debug)]
pub struct Labeled {
    pub kind: String,
    /// Empty: the right answer is no suggestion at all.
    pub expect: Vec<String>,
    pub query: String,
}

/// Parses `kind<TAB>ids<TAB>query` lines; `#` starts a comment.
pub fn parse_tsv(src: &str) -> Result<Vec<Labeled>, String> {
    let mut out = Vec::new();
    for (n, line) in src.lines().enumerate() {
        if line.trim().is_empty() || line.starts_with('#') {
            continue;
        }
        let mut parts = line.splitn(3, '\t');
        let (Some(kind), Some(ids), Some(query)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(format!("line {}: expected kind<TAB>ids<TAB>query", n + 1));
        };
        let expect = if ids == "none" { Vec::new() } else { ids.split(',').map(|s| s.trim().to_owned()).collect() };
        out.push(Labeled { kind: kind.to_owned(), expect, query: query.to_owned() });
        if query.trim().is_empty() || kind.trim().is_empty() {
            return Err(format!("line {}: empty kind or query", n + 1));
        }
    }
    Ok(out)
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct Scores {
    pub answerable: usize,
    pub hit1: f32,
    pub hit3: f32,
    pub mrr: f32,
    pub unanswerable: usize,
    /// Share of unanswerable questions that got no suggestion.
    pub quiet: f32,
}

/// Scores a ranker (query, typing → ids best first) per kind and overall ("all").
pub fn evaluate(set: &[Labeled], mut rank: impl FnMut(&str, bool) -> Vec<String>) -> BTreeMap<String, Scores> {
    let mut acc: BTreeMap<String, Scores> = BTreeMap::new();
    for q in set {
        let got = rank(&q.query, q.kind == "typing");
        for key in [q.kind.as_str(), "all"] {
            let s = acc.entry(key.to_owned()).or_default();
            if q.expect.is_empty() {
                s.unanswerable += 1;
                s.quiet += f32::from(u8::from(got.is_empty()));
            } else {
                s.answerable += 1;
                let pos = got.iter().take(3).position(|id| q.expect.contains(id));
                s.hit1 += f32::from(u8::from(pos == Some(0)));
                s.hit3 += f32::from(u8::from(pos.is_some()));
                s.mrr += pos.map_or(0.0, |p| 1.0 / (p as f32 + 1.0));
            }
        }
    }
    for s in acc.values_mut() {
        let a = s.answerable.max(1) as f32;
        s.hit1 /= a;
        s.hit3 /= a;
        s.mrr /= a;
        s.quiet /= s.unanswerable.max(1) as f32;
    }
    acc
}

/// The misses, for tuning: (query, expected, got).
pub fn misses(set: &[Labeled], mut rank: impl FnMut(&str, bool) -> Vec<String>) -> Vec<(String, Vec<String>, Vec<String>)> {
    set.iter()
        .filter_map(|q| {
            let got = rank(&q.query, q.kind == "typing");
            let ok = if q.expect.is_empty() { got.is_empty() } else { got.iter().take(3).any(|id| q.expect.contains(id)) };
            (!ok).then(|| (q.query.clone(), q.expect.clone(), got))
        })
        .collect()
}

/// Only the questions of one split.
pub fn only(set: &[Labeled], split: Split) -> Vec<Labeled> {
    set.iter().filter(|q| Split::of(&q.query) == split).cloned().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn splits_are_stable_and_roughly_even() {
        let set = parse_tsv(include_str!("../../tests/kb/visitors.tsv")).unwrap();
        let dev = only(&set, Split::Dev).len();
        assert!(dev * 3 > set.len() && dev * 3 < set.len() * 2, "{dev} of {}", set.len());
        assert_eq!(Split::of("where is my order"), Split::of(" where is my order "));
    }
}
