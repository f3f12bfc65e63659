//! Keystroke latency of the bot's ranking, built like the shipped code
//! (release profile): every prefix of every labeled question is ranked as
//! the visitor types it. Run by `cargo xtask bench`.

use porchlight_kb::eval::parse_tsv;
use porchlight_kb::{Article, Index, Searcher};
use std::time::Instant;

fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut articles = Vec::new();
    for entry in std::fs::read_dir(format!("{root}/demo-site/kb")).expect("demo-site/kb") {
        let src = std::fs::read_to_string(entry.expect("entry").path()).expect("article");
        articles.push(Article::parse(&src).expect("valid article"));
    }
    let set = parse_tsv(&std::fs::read_to_string(format!("{root}/tests/kb/queries.tsv")).expect("queries")).expect("tsv");
    let build = Instant::now();
    let index = Index::build(&articles);
    let json = serde_json::to_string(&index).expect("json");
    let built = build.elapsed();
    let load = Instant::now();
    let searcher = Searcher::new(serde_json::from_str(&json).expect("index"));
    let loaded = load.elapsed();
    let prefixes: Vec<&str> = set.iter().flat_map(|q| q.query.char_indices().map(|(i, _)| &q.query[..i]).skip(1)).collect();
    let rounds = 20;
    let mut worst = 0f64;
    let mut shown = 0usize;
    let start = Instant::now();
    for _ in 0..rounds {
        for p in &prefixes {
            let t = Instant::now();
            shown += searcher.suggest(p, true).len();
            worst = worst.max(t.elapsed().as_secs_f64());
        }
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / (rounds * prefixes.len()) as f64;
    println!("  index build {:.1} ms, load {:.1} ms ({} bytes JSON)", built.as_secs_f64() * 1e3, loaded.as_secs_f64() * 1e3, json.len());
    println!(
        "  keystroke ranking (native, release): mean {per:.1} µs, worst {:.1} µs over {} keystrokes ({shown} suggestions)",
        worst * 1e6,
        rounds * prefixes.len()
    );
}
