//! Help-center articles: Markdown with a small YAML front matter
//! (`id`, `title`, `category`, `tags: [a, b]`, `updated`), validated so
//! the edge stores only what the widget can show.

use serde::{Deserialize, Serialize};
use std::fmt;

pub const MAX_ARTICLE_BYTES: usize = 64 * 1024;
pub const MAX_TITLE: usize = 200;
pub const MAX_ID: usize = 80;
pub const MAX_ARTICLES: usize = 2000;

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Article {
    pub id: String,
    pub title: String,
    pub category: String,
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`, as written.
    pub updated: String,
    /// The Markdown body after the front matter.
    pub body: String,
    /// The language it is written in (`lang:`, a lowercase ISO 639-1 code;
    /// `en` when absent). Translations of one article share its `id`.
    #[serde(default = "english", skip_serializing_if = "is_english")]
    pub lang: String,
}

fn english() -> String {
    "en".to_owned()
}

pub fn is_english(lang: &str) -> bool {
    lang == "en"
}

/// A language code as front matter may give it: two or three lowercase letters.
pub fn valid_lang(lang: &str) -> bool {
    (2..=3).contains(&lang.len()) && lang.bytes().all(|b| b.is_ascii_lowercase())
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ArticleError {
    TooLarge,
    NoFrontMatter,
    Missing(&'static str),
    BadId(String),
    TitleTooLong,
    BadLine(String),
    BadLang(String),
}

impl fmt::Display for ArticleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ArticleError::TooLarge => write!(f, "the article is larger than {} KiB", MAX_ARTICLE_BYTES / 1024),
            ArticleError::NoFrontMatter => write!(f, "the article must start with front matter between two `---` lines"),
            ArticleError::Missing(field) => write!(f, "the front matter has no `{field}`"),
            ArticleError::BadId(id) => {
                write!(f, "`{id}` is not a valid article id: use 1–{MAX_ID} lowercase letters, digits and dashes")
            }
            ArticleError::TitleTooLong => {
                write!(f, "the title is longer than {MAX_TITLE} characters")
            }
            ArticleError::BadLang(lang) => {
                write!(f, "`{lang}` is not a language code: use two or three lowercase letters such as `es`")
            }
            ArticleError::BadLine(line) => write!(f, "cannot read front-matter line `{line}` (expected `key: value`)"),
        }
    }
}

pub fn valid_id(id: &str) -> bool {
    !id.is_empty()
        && id.len() <= MAX_ID
        && id.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !id.starts_with('-')
}

impl Article {
    /// Parses one article file.
    pub fn parse(source: &str) -> Result<Article, ArticleError> {
        if source.len() > MAX_ARTICLE_BYTES {
            return Err(ArticleError::TooLarge);
        }
        let source = source.strip_prefix('\u{feff}').unwrap_or(source);
        let rest = source.strip_prefix("---\n").or_else(|| source.strip_prefix("---\r\n")).ok_or(ArticleError::NoFrontMatter)?;
        let (front, body) = match rest.find("\n---") {
            Some(i) => {
                let after = &rest[i + 4..];
                (&rest[..i], after.strip_prefix("\r\n").or_else(|| after.strip_prefix('\n')).unwrap_or(after))
            }
            None => return Err(ArticleError::NoFrontMatter),
        };
        let (mut id, mut title, mut category, mut tags, mut updated) = (None, None, None, Vec::new(), None);
        let mut lang = english();
        for line in front.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (key, value) = line.split_once(':').ok_or_else(|| ArticleError::BadLine(line.chars().take(80).collect()))?;
            let value = unquote(value.trim());
            match key.trim() {
                "id" => id = Some(value.to_owned()),
                "title" => title = Some(value.to_owned()),
                "category" => category = Some(value.to_owned()),
                "updated" => updated = Some(value.to_owned()),
                "lang" => lang = value.trim().to_ascii_lowercase(),
                "tags" => {
                    let inner = value.trim().trim_start_matches('[').trim_end_matches(']');
                    tags = inner.split(',').map(|t| unquote(t.trim()).to_owned()).filter(|t| !t.is_empty()).collect();
                }
                _ => {} // unknown keys are allowed and ignored
            }
        }
        let id = id.ok_or(ArticleError::Missing("id"))?;
        if !valid_id(&id) {
            return Err(ArticleError::BadId(id.chars().take(100).collect()));
        }
        let title = title.filter(|t| !t.is_empty()).ok_or(ArticleError::Missing("title"))?;
        if title.chars().count() > MAX_TITLE {
            return Err(ArticleError::TitleTooLong);
        }
        if !valid_lang(&lang) {
            return Err(ArticleError::BadLang(lang.chars().take(20).collect()));
        }
        Ok(Article {
            id,
            title,
            category: category.unwrap_or_default(),
            tags,
            updated: updated.unwrap_or_default(),
            body: body.to_owned(),
            lang,
        })
    }

    /// Where the article is stored: its id, with `:lang` for a translation.
    pub fn key(&self) -> String {
        if is_english(&self.lang) {
            self.id.clone()
        } else {
            format!("{}:{}", self.id, self.lang)
        }
    }

    /// The body without its leading `# Title` line (the widget shows the title itself).
    pub fn body_without_title(&self) -> &str {
        let b = self.body.trim_start();
        match b.strip_prefix("# ") {
            Some(rest) => rest.split_once('\n').map(|(_, r)| r).unwrap_or(""),
            None => b,
        }
    }

    /// The first paragraph of prose, flattened and cut to about `max` characters.
    pub fn summary(&self, max: usize) -> String {
        let para = self
            .body_without_title()
            .split("\n\n")
            .map(str::trim)
            .find(|p| !p.is_empty() && !p.starts_with('#') && !p.starts_with('|') && !p.starts_with("- "))
            .unwrap_or("");
        let flat = crate::markdown::plain_text(para);
        if flat.chars().count() <= max {
            return flat;
        }
        let cut: String = flat.chars().take(max).collect();
        let cut = cut.rsplit_once(' ').map(|(a, _)| a).unwrap_or(&cut);
        format!("{}…", cut.trim_end_matches([',', ';', ':', '.']))
    }
}

fn unquote(s: &str) -> &str {
    s.strip_prefix('"').and_then(|s| s.strip_suffix('"')).or_else(|| s.strip_prefix('\'').and_then(|s| s.strip_suffix('\''))).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "---\nid: track-your-order\ntitle: Track your order\ncategory: Orders\ntags: [tracking, \"order status\", where is my order]\nupdated: 2026-03-01\n---\n# Track your order\n\nEvery order gets a **tracking number** by email.\n\n## Steps\n\n1. Open the email.\n";

    #[test]
    fn parses_front_matter_and_body() {
        let a = Article::parse(SAMPLE).unwrap();
        assert_eq!(a.id, "track-your-order");
        assert_eq!(a.title, "Track your order");
        assert_eq!(a.category, "Orders");
        assert_eq!(a.tags, ["tracking", "order status", "where is my order"]);
        assert_eq!(a.updated, "2026-03-01");
        assert!(a.body.starts_with("# Track your order"));
        assert!(a.body_without_title().trim_start().starts_with("Every order"));
        assert_eq!(a.summary(200), "Every order gets a tracking number by email.");
        assert_eq!(a.summary(20), "Every order gets a…");
    }

    #[test]
    fn rejects_what_it_cannot_show() {
        assert_eq!(Article::parse("# no front matter"), Err(ArticleError::NoFrontMatter));
        assert_eq!(Article::parse("---\ntitle: x\n---\n"), Err(ArticleError::Missing("id")));
        assert!(matches!(Article::parse("---\nid: ../etc\ntitle: x\n---\n"), Err(ArticleError::BadId(_))));
        assert_eq!(Article::parse("---\nid: a\n---\n"), Err(ArticleError::Missing("title")));
        assert!(matches!(Article::parse("---\nid: a\nnonsense\n---\n"), Err(ArticleError::BadLine(_))));
        assert_eq!(Article::parse(&"x".repeat(MAX_ARTICLE_BYTES + 1)), Err(ArticleError::TooLarge));
        assert!(matches!(Article::parse("---\nid: a\ntitle: x\nlang: Spanish!\n---\n"), Err(ArticleError::BadLang(_))));
    }

    #[test]
    fn a_translation_shares_the_id_and_has_its_own_key() {
        let en = Article::parse("---\nid: refunds\ntitle: Refunds\n---\nBody").unwrap();
        let es = Article::parse("---\nid: refunds\ntitle: Reembolsos\nlang: ES\n---\nCuerpo").unwrap();
        assert_eq!((en.lang.as_str(), en.key()), ("en", "refunds".to_owned()));
        assert_eq!((es.lang.as_str(), es.key()), ("es", "refunds:es".to_owned()));
        // English stays implicit on the wire.
        assert!(!serde_json::to_string(&en).unwrap().contains("lang"));
        assert!(serde_json::to_string(&es).unwrap().contains(r#""lang":"es""#));
    }

    #[test]
    fn every_sample_article_parses() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/../demo-site/kb");
        let mut n = 0;
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let a = Article::parse(&std::fs::read_to_string(&path).unwrap()).unwrap_or_else(|e| panic!("{path:?}: {e}"));
            assert_eq!(Some(a.id.as_str()), path.file_stem().and_then(|s| s.to_str()));
            assert!(!a.tags.is_empty() && !a.summary(160).is_empty(), "{}", a.id);
            n += 1;
        }
        assert_eq!(n, 60);
    }
}
