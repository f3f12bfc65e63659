//! The knowledge base, as pure Rust with no I/O: the same code ranks
//! articles natively (tests, `cargo xtask kb search`), in the edge's
//! Durable Object and in the visitor's browser.
//!
//! - [`article`]: Markdown articles with front matter, validated.
//! - [`text`]: tokenizing, stop words, a light English stemmer, edit distance.
//! - [`index`]: the compact per-site index the widget downloads once.
//! - [`intent`]: is a chat message a question, chatter, or a request for a person?
//! - [`search`]: the bot's ranking (BM25F + fuzzy + prefix) and its confidence threshold.
//! - [`bot`]: the bot's answer to a chat message (articles, a greeting, or a handoff).
//! - [`baseline`]: plain BM25, the yardstick `cargo xtask bench` compares against.
//! - [`eval`]: hit@1, hit@3 and MRR on a labeled query set.
//! - [`markdown`]: a small Markdown parser to a safe tree (text only, vetted links).

pub mod article;
pub mod baseline;
pub mod bot;
pub mod eval;
pub mod gate;
pub mod index;
pub mod intent;
pub mod lang;
pub mod markdown;
pub mod normalize;
pub mod search;
pub mod text;

pub use article::{Article, ArticleError};
pub use index::{DocMeta, Index, IndexError};
pub use intent::{classify, Intent};
pub use search::{Hit, Searcher};

#[cfg(test)]
mod fuzz;

/// Test fixtures: the sample help center, loaded once per call.
#[cfg(test)]
pub(crate) mod testing {
    use crate::{Article, Index, Searcher};

    /// A searcher over every article in these repository folders (e.g.
    /// `demo-site/kb`, `demo-site/kb-translations`), their READMEs aside.
    pub fn sample(dirs: &[&str]) -> Searcher {
        let mut articles = Vec::new();
        for dir in dirs {
            let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(dir);
            for e in std::fs::read_dir(dir).unwrap() {
                let path = e.unwrap().path();
                if path.extension().is_some_and(|x| x == "md") && path.file_name().is_some_and(|n| n != "README.md") {
                    articles.push(Article::parse(&std::fs::read_to_string(&path).unwrap()).unwrap());
                }
            }
        }
        Searcher::new(Index::build(&articles))
    }
}
