//! Tuning aid: `cargo run -p porchlight-kb --example ask -- "question"...`: ranking, evidence and confidence.
use porchlight_kb::{Article, Index, Searcher};
fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut articles = Vec::new();
    for entry in std::fs::read_dir(format!("{root}/demo-site/kb")).expect("kb") {
        articles.push(Article::parse(&std::fs::read_to_string(entry.expect("e").path()).expect("r")).expect("a"));
    }
    let s = Searcher::new(Index::build(&articles));
    for q in std::env::args().skip(1) {
        println!("  terms {:?}", s.term_report(&q, false));
        println!(
            "{q}\n  suggest {:?}\n  best {:?}\n  evidence {:?}\n  explain {:?}",
            s.suggest(&q, false).iter().map(|h| &h.id).collect::<Vec<_>>(),
            s.best(&q, false).map(|b| b.1),
            s.gate_evidence(&q, false),
            s.explain(&q, false)
        );
    }
}
