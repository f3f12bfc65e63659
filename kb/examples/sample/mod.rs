//! What the tuning aids share: the sample help center and its labeled sets.
// Each aid uses part of it.
#![allow(dead_code)]
use porchlight_kb::eval::{parse_tsv, Labeled};
use porchlight_kb::{Article, Index, Searcher};

pub const ROOT: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/..");

/// The articles of `demo-site/kb`.
pub fn articles() -> Vec<Article> {
    let mut articles = Vec::new();
    for entry in std::fs::read_dir(format!("{ROOT}/demo-site/kb")).expect("demo-site/kb") {
        articles.push(Article::parse(&std::fs::read_to_string(entry.expect("entry").path()).expect("read")).expect("article"));
    }
    articles
}

/// A searcher over `demo-site/kb`.
pub fn searcher() -> Searcher {
    Searcher::new(Index::build(&articles()))
}

/// One labeled set of `tests/kb/`.
pub fn set(file: &str) -> Vec<Labeled> {
    parse_tsv(&std::fs::read_to_string(format!("{ROOT}/tests/kb/{file}")).expect("set")).expect("tsv")
}
