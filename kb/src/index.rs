//! The compact per-site search index. Built once when articles change,
//! stored by the edge, downloaded once by each widget (its URL carries
//! [`Index::version`], a hash of its content, so browsers cache it forever).

use crate::article::{is_english, Article};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Fields, in the order used by `lens` and postings.
pub const TITLE: usize = 0;
pub const TAGS: usize = 1;
pub const BODY: usize = 2;

/// What the widget shows for a suggestion without fetching the article.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocMeta {
    pub id: String,
    pub title: String,
    pub category: String,
    pub summary: String,
    /// The article's tags as written: phrases visitors type ("where is my order").
    pub tags: Vec<String>,
    /// The language of this version of the article; translations share `id`.
    #[serde(default = "english", skip_serializing_if = "is_english")]
    pub lang: String,
}

fn english() -> String {
    "en".to_owned()
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Index {
    /// Content hash (16 hex digits) of everything below.
    pub version: String,
    pub docs: Vec<DocMeta>,
    /// Term count per field per document: `[title, tags, body]`.
    pub lens: Vec<[u32; 3]>,
    /// Sorted, distinct stemmed terms.
    pub terms: Vec<String>,
    /// Per term, flattened `[doc, tf_title, tf_tags, tf_body, doc, …]`.
    pub postings: Vec<Vec<u32>>,
}

impl Index {
    pub fn build(articles: &[Article]) -> Index {
        let mut articles: Vec<&Article> = articles.iter().collect();
        articles.sort_by(|a, b| (a.id.as_str(), a.lang.as_str()).cmp(&(b.id.as_str(), b.lang.as_str())));
        let mut table: BTreeMap<String, BTreeMap<u32, [u32; 3]>> = BTreeMap::new();
        let mut lens = Vec::with_capacity(articles.len());
        for (doc, a) in articles.iter().enumerate() {
            let lang = crate::lang::Lang::from_code(&a.lang).unwrap_or(crate::lang::Lang::En);
            let terms = |text: &str| -> Vec<String> {
                crate::text::words(text)
                    .into_iter()
                    .filter(|w| !crate::lang::is_function_word(lang, w))
                    .map(|w| crate::text::stem(&w))
                    .collect()
            };
            let fields = [terms(&a.title), terms(&a.tags.join(" , ")), terms(&crate::markdown::plain_text(a.body_without_title()))];
            let mut len = [0u32; 3];
            for (f, ts) in fields.iter().enumerate() {
                len[f] = ts.len() as u32;
                for t in ts {
                    table.entry(t.clone()).or_default().entry(doc as u32).or_insert([0; 3])[f] += 1;
                }
            }
            lens.push(len);
        }
        let docs = articles
            .iter()
            .map(|a| DocMeta {
                id: a.id.clone(),
                title: a.title.clone(),
                category: a.category.clone(),
                summary: a.summary(160),
                tags: a.tags.clone(),
                lang: a.lang.clone(),
            })
            .collect();
        let mut terms_out = Vec::with_capacity(table.len());
        let mut postings = Vec::with_capacity(table.len());
        for (term, docs) in table {
            terms_out.push(term);
            postings.push(docs.into_iter().flat_map(|(d, tf)| [d, tf[0], tf[1], tf[2]]).collect());
        }
        let mut index = Index { version: String::new(), docs, lens, terms: terms_out, postings };
        index.version = format!("{:016x}", fnv1a(serde_json::to_string(&index).unwrap_or_default().as_bytes()));
        index
    }

    /// Checks what the ranking indexes by, so a damaged or forged index
    /// (the widget downloads it) is refused instead of panicking a page:
    /// one length triple per document, one postings list per sorted term,
    /// each a whole number of `[doc, tf, tf, tf]` groups naming real documents.
    pub fn check(&self) -> Result<(), IndexError> {
        let n = self.docs.len();
        if self.lens.len() != n {
            return Err(IndexError(format!("{} documents but {} length entries", n, self.lens.len())));
        }
        if self.postings.len() != self.terms.len() {
            return Err(IndexError(format!("{} terms but {} postings lists", self.terms.len(), self.postings.len())));
        }
        if let Some(w) = self.terms.windows(2).find(|w| w[0] >= w[1]) {
            return Err(IndexError(format!("terms out of order at {:?}", w[1])));
        }
        for (t, p) in self.terms.iter().zip(&self.postings) {
            if p.len() % 4 != 0 {
                return Err(IndexError(format!("postings of {t:?} are not groups of four")));
            }
            if let Some(d) = p.chunks_exact(4).map(|c| c[0] as usize).find(|&d| d >= n) {
                return Err(IndexError(format!("postings of {t:?} name document {d} of {n}")));
            }
        }
        Ok(())
    }

    pub fn is_empty(&self) -> bool {
        self.docs.is_empty()
    }

    /// The article's primary version (English when it has one).
    pub fn doc(&self, id: &str) -> Option<&DocMeta> {
        self.docs.iter().find(|d| d.id == id && d.lang == "en").or_else(|| self.docs.iter().find(|d| d.id == id))
    }

    /// The article in `lang`, or its primary version when it has no translation.
    pub fn doc_in(&self, id: &str, lang: &str) -> Option<&DocMeta> {
        self.docs.iter().find(|d| d.id == id && d.lang == lang).or_else(|| self.doc(id))
    }
}

/// Why a downloaded index was refused.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexError(pub String);

impl std::fmt::Display for IndexError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "the help-center index is damaged: {}", self.0)
    }
}

/// 64-bit FNV-1a: a stable content hash without a dependency.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn article(id: &str, title: &str, body: &str) -> Article {
        Article {
            id: id.into(),
            title: title.into(),
            category: "C".into(),
            tags: vec!["tag one".into()],
            updated: String::new(),
            body: body.into(),
            lang: "en".into(),
        }
    }

    #[test]
    fn builds_postings_per_field_and_a_stable_version() {
        let a = [article("b", "Shipping rates", "We ship shipped parcels."), article("a", "Refunds", "Refund times.")];
        let i = Index::build(&a);
        assert_eq!(i.docs[0].id, "a", "documents are ordered by id, so the version does not depend on input order");
        let ship = i.terms.binary_search(&"ship".to_owned()).unwrap();
        assert_eq!(i.postings[ship], vec![1, 1, 0, 2]);
        assert_eq!(i.lens[1], [2, 2, 3]);
        let again = Index::build(&[a[1].clone(), a[0].clone()]);
        assert_eq!(i.version, again.version);
        assert_eq!(i.version.len(), 16);
        let changed = Index::build(&[a[0].clone()]);
        assert_ne!(i.version, changed.version);
        let json = serde_json::to_string(&i).unwrap();
        assert_eq!(serde_json::from_str::<Index>(&json).unwrap(), i);
    }
}
