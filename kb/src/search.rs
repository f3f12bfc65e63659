//! The bot's ranking: BM25F over title, tags and body, with the query
//! terms widened to what visitors actually type, and a confidence
//! threshold so that greetings, asks for a person and off-topic chatter
//! get nothing rather than a bad guess.
//!
//! Each query word becomes a [`QueryTerm`] with weighted *expansions*
//! (index terms it may stand for): its stem (1.0); for the word still
//! being typed, index terms it is a prefix of (0.9); for a word the index
//! lacks, terms within one edit (0.7), or two for long words (0.5). A
//! document scores the best expansion of each query term, so a fuzzy
//! match never counts twice.
//!
//! Confidence: each query term has a *mass* (its best idf, or the idf of
//! an unseen word when nothing matches). The top document must cover at
//! least [`MIN_COVERAGE`] of the query's mass and reach [`MIN_SCORE`];
//! further suggestions must stay within [`RELATIVE_CUT`] of the top.

use crate::index::{Index, BODY, TAGS, TITLE};
use crate::text::{edit_distance, is_stop, stem, words};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;

pub const MAX_SUGGESTIONS: usize = 3;
pub const MIN_COVERAGE: f32 = 0.45;
pub const MIN_SCORE: f32 = 0.75;
pub const RELATIVE_CUT: f32 = 0.55;

const K1: f32 = 3.0;
/// Support vocabulary that visitors and articles word differently; the
/// right-hand side is added to the query term's expansions at [`SYNONYM_WEIGHT`].
const SYNONYMS: &[(&str, &[&str])] = &[
    ("long", &["time"]),
    ("money", &["refund"]),
    ("parcel", &["package"]),
    ("package", &["parcel"]),
    ("broken", &["damaged"]),
    ("cost", &["price", "rate"]),
    ("price", &["cost"]),
    ("login", &["sign"]),
    ("log", &["sign"]),
    ("stop", &["cancel"]),
];
const SYNONYM_WEIGHT: f32 = 0.6;
/// Score per word of a tag phrase found in the query.
const PHRASE_WEIGHT: f32 = 1.5;
const FIELD_WEIGHT: [f32; 3] = [6.0, 4.0, 1.0];
const FIELD_B: [f32; 3] = [0.4, 0.4, 0.75];

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Hit {
    pub id: String,
    pub score: f32,
}

/// An index prepared for querying: idf and average lengths computed once.
pub struct Searcher {
    index: Index,
    idf: Vec<f32>,
    /// idf counting only titles and tags: a word that names few articles is
    /// informative there even when many bodies mention it ("refund").
    head_idf: Vec<f32>,
    avg_len: [f32; 3],
    /// Term ids by first character, for fuzzy lookups.
    by_initial: HashMap<char, Vec<u32>>,
    /// Multi-word tags as stemmed words (stop words kept), with their document.
    phrases: Vec<(Vec<String>, usize)>,
}

struct QueryTerm {
    /// Position of the word in the query.
    pos: usize,
    /// (term id, weight)
    expansions: Vec<(u32, f32)>,
    mass: f32,
}

impl Searcher {
    pub fn new(index: Index) -> Searcher {
        let n = index.docs.len() as f32;
        let idfs: Vec<f32> = index.postings.iter().map(|p| idf(n, (p.len() / 4) as f32)).collect();
        let head_idf = index
            .postings
            .iter()
            .map(|p| idf(n, p.chunks_exact(4).filter(|post| post[1 + TITLE] + post[1 + TAGS] > 0).count() as f32))
            .collect();
        let mut avg_len = [0f32; 3];
        for len in &index.lens {
            for f in 0..3 {
                avg_len[f] += len[f] as f32;
            }
        }
        for a in &mut avg_len {
            *a = (*a / n.max(1.0)).max(1.0);
        }
        let mut by_initial: HashMap<char, Vec<u32>> = HashMap::new();
        for (i, t) in index.terms.iter().enumerate() {
            if let Some(c) = t.chars().next() {
                by_initial.entry(c).or_default().push(i as u32);
            }
        }
        let mut phrases = Vec::new();
        for (d, doc) in index.docs.iter().enumerate() {
            for tag in &doc.tags {
                let ws: Vec<String> = words(tag).iter().map(|w| stem(w)).collect();
                if ws.len() >= 2 {
                    phrases.push((ws, d));
                }
            }
        }
        Searcher { index, idf: idfs, head_idf, avg_len, by_initial, phrases }
    }

    pub fn index(&self) -> &Index {
        &self.index
    }

    /// What the bot would suggest for `query`, best first; empty when it is
    /// not confident. `typing` says the last word may be unfinished.
    pub fn suggest(&self, query: &str, typing: bool) -> Vec<Hit> {
        let (scored, mass) = self.score(query, typing);
        let Some(&(_, top_score, top_cov)) = scored.first() else { return Vec::new() };
        if top_score < MIN_SCORE || top_cov < MIN_COVERAGE * mass {
            return Vec::new();
        }
        scored
            .into_iter()
            .take(MAX_SUGGESTIONS)
            .filter(|&(_, s, cov)| s >= top_score * RELATIVE_CUT && cov >= MIN_COVERAGE * mass)
            .map(|(d, score, _)| Hit { id: self.index.docs[d].id.clone(), score })
            .collect()
    }

    /// Every document with a positive score, best first, without a threshold.
    pub fn rank(&self, query: &str, typing: bool) -> Vec<Hit> {
        self.score(query, typing).0.into_iter().map(|(d, score, _)| Hit { id: self.index.docs[d].id.clone(), score }).collect()
    }

    /// For tuning: the top documents with score and covered share of the query's mass.
    pub fn explain(&self, query: &str, typing: bool) -> Vec<(String, f32, f32)> {
        let (scored, mass) = self.score(query, typing);
        scored.into_iter().take(3).map(|(d, s, c)| (self.index.docs[d].id.clone(), s, c / mass)).collect()
    }

    /// (doc, score, covered mass) sorted by score, and the query's total mass.
    fn score(&self, query: &str, typing: bool) -> (Vec<(usize, f32, f32)>, f32) {
        let terms = self.query_terms(query, typing);
        let n_docs = self.index.docs.len();
        let mut score = vec![0f32; n_docs];
        let mut covered = vec![0f32; n_docs];
        // Tag phrases said in the query: a bonus, and their words count as covered.
        let qwords: Vec<String> = words(query);
        let qstems: Vec<String> = qwords.iter().map(|w| stem(w)).collect();
        let unfinished = typing && query.ends_with(|c: char| c.is_alphanumeric());
        let mut span_of: Vec<Vec<(usize, usize)>> = vec![Vec::new(); n_docs];
        let mut phrase_bonus = vec![0f32; n_docs];
        for (phrase, d) in &self.phrases {
            if let Some(span) = find_phrase(phrase, &qwords, &qstems, unfinished) {
                let bonus = PHRASE_WEIGHT * phrase.len() as f32;
                if bonus > phrase_bonus[*d] {
                    phrase_bonus[*d] = bonus;
                }
                span_of[*d].push(span);
            }
        }
        let mut best = vec![0f32; n_docs];
        let mut total_mass = 0.0;
        for q in &terms {
            total_mass += q.mass;
            best.iter_mut().for_each(|b| *b = 0.0);
            for &(term, weight) in &q.expansions {
                let p = &self.index.postings[term as usize];
                for post in p.chunks_exact(4) {
                    let doc = post[0] as usize;
                    let len = &self.index.lens[doc];
                    let mut tf = 0.0;
                    for f in [TITLE, TAGS, BODY] {
                        let norm = 1.0 - FIELD_B[f] + FIELD_B[f] * len[f] as f32 / self.avg_len[f];
                        tf += FIELD_WEIGHT[f] * post[1 + f] as f32 / norm;
                    }
                    let idf = self.idf[term as usize];
                    let idf = if post[1 + TITLE] + post[1 + TAGS] > 0 { idf.max(self.head_idf[term as usize]) } else { idf };
                    let s = weight * idf * tf / (K1 + tf);
                    if s > best[doc] {
                        best[doc] = s;
                    }
                }
            }
            for d in 0..n_docs {
                let in_phrase = span_of[d].iter().any(|&(a, b)| (a..=b).contains(&q.pos));
                if best[d] > 0.0 || in_phrase {
                    score[d] += best[d];
                    covered[d] += q.mass;
                }
            }
        }
        for d in 0..n_docs {
            score[d] += phrase_bonus[d];
        }
        let mut out: Vec<(usize, f32, f32)> = (0..n_docs).filter(|&d| score[d] > 0.0).map(|d| (d, score[d], covered[d])).collect();
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        (out, total_mass)
    }

    fn query_terms(&self, query: &str, typing: bool) -> Vec<QueryTerm> {
        let ws = words(query);
        let unfinished = typing && query.ends_with(|c: char| c.is_alphanumeric());
        let last = ws.len().saturating_sub(1);
        let unseen = idf(self.index.docs.len() as f32, 0.0);
        let mut out: Vec<QueryTerm> = Vec::new();
        let mut seen_stems: Vec<String> = Vec::new();
        for (i, w) in ws.iter().enumerate() {
            let is_prefix = unfinished && i == last;
            if (is_stop(w) && !is_prefix) || w.chars().count() < 2 {
                continue;
            }
            let s = stem(w);
            if seen_stems.contains(&s) {
                continue;
            }
            seen_stems.push(s.clone());
            let mut expansions = Vec::new();
            if let Some(t) = self.find(&s) {
                expansions.push((t, 1.0));
            } else if let Some(t) = self.find(w) {
                expansions.push((t, 1.0));
            }
            if is_prefix && w.chars().count() >= 3 {
                for p in [w.as_str(), s.as_str()] {
                    self.prefixed(p, |t| {
                        if !expansions.iter().any(|&(e, _)| e == t) {
                            expansions.push((t, 0.9));
                        }
                    });
                }
            }
            if expansions.is_empty() && s.chars().count() >= 4 {
                self.fuzzy(&s, &mut expansions);
            }
            if let Some((_, syns)) = SYNONYMS.iter().find(|(from, _)| *from == w.as_str()) {
                for syn in syns.iter() {
                    if let Some(t) = self.find(&stem(syn)) {
                        if !expansions.iter().any(|&(e, _)| e == t) {
                            expansions.push((t, SYNONYM_WEIGHT));
                        }
                    }
                }
            }
            if is_prefix && expansions.is_empty() {
                continue; // a word still being typed that matches nothing yet must not count against coverage
            }
            let mass = expansions.iter().map(|&(t, wt)| wt * self.idf[t as usize]).fold(0.0, f32::max);
            out.push(QueryTerm { pos: i, mass: if expansions.is_empty() { unseen } else { mass }, expansions });
        }
        out
    }

    fn find(&self, term: &str) -> Option<u32> {
        self.index.terms.binary_search_by(|t| t.as_str().cmp(term)).ok().map(|i| i as u32)
    }

    /// Index terms that start with `prefix` (at most 24, the sorted run after it).
    fn prefixed(&self, prefix: &str, mut each: impl FnMut(u32)) {
        let start = self.index.terms.partition_point(|t| t.as_str() < prefix);
        for (i, t) in self.index.terms[start..].iter().enumerate().take(24) {
            if !t.starts_with(prefix) {
                break;
            }
            each((start + i) as u32);
        }
    }

    /// Index terms within one edit (two for words of 8+ letters), among
    /// terms sharing the first letter or, for a swapped first pair, the second.
    fn fuzzy(&self, s: &str, out: &mut Vec<(u32, f32)>) {
        let len = s.chars().count();
        let max = if len >= 8 { 2 } else { 1 };
        let mut chars = s.chars();
        let (first, second) = (chars.next(), chars.next());
        let mut candidates: Vec<u32> = Vec::new();
        for c in [first, second].into_iter().flatten() {
            if let Some(ids) = self.by_initial.get(&c) {
                candidates.extend(ids);
            }
        }
        for t in candidates {
            let term = &self.index.terms[t as usize];
            if let Some(d) = edit_distance(s, term, max) {
                let weight = if d <= 1 { 0.7 } else { 0.5 };
                if !out.iter().any(|&(e, _)| e == t) {
                    out.push((t, weight));
                }
            }
        }
    }
}

/// Where `phrase` occurs in the query, in order, with at most one extra
/// word between its words; the word still being typed may be a prefix,
/// and a longer word may carry one typo ("where is my ordr").
fn find_phrase(phrase: &[String], words: &[String], stems: &[String], unfinished: bool) -> Option<(usize, usize)> {
    let last = words.len().checked_sub(1)?;
    let typo = |w: &str, p: &str| w.len() >= 4 && p.len() >= 4 && edit_distance(w, p, 1).is_some();
    let matches = |i: usize, p: &String| {
        stems[i] == *p
            || (unfinished && i == last && words[i].len() >= 2 && p.starts_with(words[i].as_str()))
            || typo(&stems[i], p)
            || typo(&words[i], p)
    };
    for start in 0..words.len() {
        if !matches(start, &phrase[0]) {
            continue;
        }
        let mut at = start;
        let mut ok = true;
        for p in &phrase[1..] {
            match (at + 1..=(at + 2).min(last)).find(|&i| matches(i, p)) {
                Some(i) => at = i,
                None => {
                    ok = false;
                    break;
                }
            }
        }
        if ok {
            return Some((start, at));
        }
    }
    None
}

fn idf(n: f32, df: f32) -> f32 {
    (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Article;

    fn sample() -> Searcher {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo-site/kb");
        let articles: Vec<Article> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| Article::parse(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap())
            .collect();
        Searcher::new(Index::build(&articles))
    }

    fn top(s: &Searcher, q: &str) -> Option<String> {
        s.suggest(q, false).first().map(|h| h.id.clone())
    }

    #[test]
    fn answers_plain_questions() {
        let s = sample();
        assert_eq!(top(&s, "how do I reset my password").as_deref(), Some("reset-your-password"));
        assert_eq!(top(&s, "where is my order").as_deref(), Some("track-your-order"));
    }

    #[test]
    fn survives_typos_and_inflections() {
        let s = sample();
        assert_eq!(top(&s, "how long do refnds take").as_deref(), Some("refund-processing-times"));
        assert_eq!(top(&s, "I was charged twice").as_deref(), Some("unrecognized-or-duplicate-charges"));
        // A typo inside a tag phrase ("where is my order") still says the phrase.
        assert_eq!(top(&s, "where is my ordr").as_deref(), Some("track-your-order"));
    }

    #[test]
    fn completes_the_word_being_typed() {
        let s = sample();
        let hits = s.suggest("descal", true);
        assert_eq!(hits.first().map(|h| h.id.as_str()), Some("descale-your-espresso-machine"));
    }

    #[test]
    fn stays_quiet_when_unsure() {
        let s = sample();
        for q in ["hi", "hello there!", "can I talk to a human please", "thanks!", "what's the weather in Paris", "asdf qwerty", ""] {
            assert!(s.suggest(q, false).is_empty(), "{q:?} → {:?}", s.suggest(q, false));
        }
    }

    #[test]
    fn at_most_three_best_first() {
        let s = sample();
        let hits = s.suggest("subscription", false);
        assert!(!hits.is_empty() && hits.len() <= MAX_SUGGESTIONS);
        assert!(hits.windows(2).all(|w| w[0].score >= w[1].score));
    }
}

#[cfg(test)]
mod quality {
    //! Guards the figures `cargo xtask bench` reports against regressions.
    use super::*;
    use crate::eval::{evaluate, misses, parse_tsv};
    use crate::Article;

    #[test]
    fn labeled_set_hit_at_3_is_at_least_0_9() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo-site/kb");
        let articles: Vec<Article> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| Article::parse(&std::fs::read_to_string(e.unwrap().path()).unwrap()).unwrap())
            .collect();
        let s = Searcher::new(Index::build(&articles));
        let set = parse_tsv(include_str!("../../tests/kb/queries.tsv")).unwrap();
        let ours = |q: &str, typing: bool| s.suggest(q, typing).into_iter().map(|h| h.id).collect::<Vec<_>>();
        for (q, want, got) in misses(&set, ours) {
            eprintln!("miss: {q:?} want {want:?} got {got:?}");
        }
        if std::env::var("EXPLAIN").is_ok() {
            for q in &set {
                eprintln!("{:<12} {:<40} {:?}", q.kind, q.query.chars().take(40).collect::<String>(), s.explain(&q.query, q.kind == "typing"));
            }
        }
        let scores = evaluate(&set, ours);
        eprintln!("{scores:#?}");
        let all = &scores["all"];
        assert!(all.hit3 >= 0.9, "hit@3 = {}", all.hit3);
        assert!(all.quiet >= 0.9, "quiet on unanswerable = {}", all.quiet);
    }
}
