//! The knowledge base, as pure Rust with no I/O: the same code ranks
//! articles natively (tests, `cargo xtask kb search`), in the edge's
//! Durable Object and in the visitor's browser.
//!
//! - [`article`]: Markdown articles with front matter, validated.
//! - [`text`]: tokenizing, stop words, a light English stemmer, edit distance.
//! - [`index`]: the compact per-site index the widget downloads once.
//! - [`search`]: the bot's ranking (BM25F + fuzzy + prefix) and its confidence threshold.
//! - [`baseline`]: plain BM25, the yardstick `cargo xtask bench` compares against.
//! - [`eval`]: hit@1, hit@3 and MRR on a labeled query set.
//! - [`markdown`]: a small Markdown parser to a safe tree (text only, vetted links).

pub mod article;
pub mod baseline;
pub mod eval;
pub mod index;
pub mod markdown;
pub mod search;
pub mod text;

pub use article::{Article, ArticleError};
pub use index::{DocMeta, Index};
pub use search::{Hit, Searcher};
