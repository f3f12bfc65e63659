//! Tuning aid: the `dev` questions (never `test`) whose expected article is
//! not in the ungated top 3, with what the ranking put there instead.
//! `cargo run -p porchlight-kb --example misses`
use porchlight_kb::eval::{only, parse_tsv, Split, SETS};
use porchlight_kb::{Article, Index, Searcher};
fn main() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let mut articles = Vec::new();
    for entry in std::fs::read_dir(format!("{root}/demo-site/kb")).expect("kb") {
        articles.push(Article::parse(&std::fs::read_to_string(entry.expect("e").path()).expect("r")).expect("a"));
    }
    let s = Searcher::new(Index::build(&articles));
    for (file, _) in SETS {
        let set = parse_tsv(&std::fs::read_to_string(format!("{root}/tests/kb/{file}")).expect("set")).expect("tsv");
        for q in only(&set, Split::Dev).into_iter().filter(|q| !q.expect.is_empty()) {
            let got: Vec<String> = s.rank(&q.query, q.kind == "typing").into_iter().take(3).map(|h| h.id).collect();
            if !got.iter().any(|g| q.expect.contains(g)) {
                println!("{file} want {:?} got {got:?}\n    {}\n    unknown {:?}", q.expect, q.query, s.unknown_words(&q.query, false));
            }
        }
    }
}
