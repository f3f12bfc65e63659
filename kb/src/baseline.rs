//! Plain BM25 (k1 = 1.2, b = 0.75) over title, tags and body run together,
//! lowercased words, no stemming, stop words, fuzziness or threshold: the
//! textbook yardstick that `cargo xtask bench` measures the bot against.

use crate::text::words;
use crate::Article;
use std::collections::HashMap;

pub struct Bm25 {
    ids: Vec<String>,
    docs: Vec<HashMap<String, u32>>,
    lens: Vec<f32>,
    df: HashMap<String, u32>,
    avg: f32,
}

impl Bm25 {
    pub fn new(articles: &[Article]) -> Bm25 {
        let mut ids = Vec::new();
        let mut docs = Vec::new();
        let mut lens = Vec::new();
        let mut df: HashMap<String, u32> = HashMap::new();
        for a in articles {
            let text = format!("{} {} {}", a.title, a.tags.join(" "), crate::markdown::plain_text(&a.body));
            let ws = words(&text);
            let mut tf: HashMap<String, u32> = HashMap::new();
            for w in &ws {
                *tf.entry(w.clone()).or_default() += 1;
            }
            for w in tf.keys() {
                *df.entry(w.clone()).or_default() += 1;
            }
            ids.push(a.id.clone());
            lens.push(ws.len() as f32);
            docs.push(tf);
        }
        let avg = lens.iter().sum::<f32>() / lens.len().max(1) as f32;
        Bm25 { ids, docs, lens, df, avg }
    }

    /// Document ids with a positive score, best first.
    pub fn rank(&self, query: &str) -> Vec<(String, f32)> {
        let n = self.docs.len() as f32;
        let mut q = words(query);
        q.sort();
        q.dedup();
        let mut out: Vec<(String, f32)> = Vec::new();
        for (d, tf) in self.docs.iter().enumerate() {
            let mut s = 0.0;
            for w in &q {
                let (Some(&f), Some(&df)) = (tf.get(w), self.df.get(w)) else {
                    continue;
                };
                let idf = (1.0 + (n - df as f32 + 0.5) / (df as f32 + 0.5)).ln();
                let f = f as f32;
                s += idf * f * 2.2 / (f + 1.2 * (0.25 + 0.75 * self.lens[d] / self.avg));
            }
            if s > 0.0 {
                out.push((self.ids[d].clone(), s));
            }
        }
        out.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        out
    }
}
