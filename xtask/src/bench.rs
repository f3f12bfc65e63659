//! `cargo xtask bench`: the bot's retrieval quality on the labeled query
//! set (tests/kb/queries.tsv over demo-site/kb), beside plain BM25 on the
//! same data in the same run, and how long ranking one keystroke takes:
//! natively, and in headless Chromium's WASM engine with the built widget.

use crate::{root, step, Result};
use porchlight_kb::baseline::Bm25;
use porchlight_kb::eval::{evaluate, parse_tsv, Scores};
use porchlight_kb::{Index, Searcher};

pub fn kb_quality() -> Result {
    step("bench: knowledge-base ranking quality (tests/kb/queries.tsv over demo-site/kb)");
    let articles = crate::kb::read_dir(&root().join("demo-site/kb"))?;
    let set = parse_tsv(&std::fs::read_to_string(root().join("tests/kb/queries.tsv")).map_err(|e| e.to_string())?)?;
    let index = Index::build(&articles);
    let index_json = serde_json::to_string(&index).map_err(|e| e.to_string())?;
    let searcher = Searcher::new(index);
    let baseline = Bm25::new(&articles);

    let ours = evaluate(&set, |q, typing| searcher.suggest(q, typing).into_iter().map(|h| h.id).collect());
    let plain = evaluate(&set, |q, _| baseline.rank(q).into_iter().take(3).map(|(id, _)| id).collect());
    println!("\n  {} articles, {} labeled questions; index {} bytes of JSON\n", articles.len(), set.len(), index_json.len());
    println!("  {:<12} {:>4} | {:>6} {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6} {:>6}", "kind", "n", "hit@1", "hit@3", "MRR", "quiet", "hit@1", "hit@3", "MRR", "quiet");
    println!("  {:<12} {:>4} | {:^27} | {:^27}", "", "", "Porchlight", "plain BM25");
    for (kind, s) in &ours {
        let b = &plain[kind];
        println!("  {:<12} {:>4} | {} | {}", kind, s.answerable + s.unanswerable, row(s), row(b));
    }
    println!("\n  hit@k: an expected article among the first k suggestions; MRR over the (at most 3) suggestions shown;");
    println!("  quiet: share of questions the help center cannot answer that got no suggestion (plain BM25 has no threshold).");

    step("bench: keystroke latency (release build of porchlight-kb)");
    crate::tools::run(crate::tools::cargo().args(["run", "--quiet", "--release", "-p", "porchlight-kb", "--example", "keystroke"]).current_dir(root()))?;

    // The same ranking in the browser: the widget WASM as shipped, in headless Chromium.
    let tools = crate::tools::ensure(true)?;
    crate::build::all(&tools)?;
    step("bench: keystroke latency in headless Chromium (the built widget WASM)");
    crate::tools::run(
        crate::tools::cargo()
            .args(["run", "--quiet", "-p", "porchlight-tests", "--example", "wasm_keystroke"])
            .current_dir(root())
            .env("PORCHLIGHT_CHROMIUM", crate::tools::CHROMIUM)
            .env("PORCHLIGHT_CHROMEDRIVER", crate::tools::CHROMEDRIVER),
    )?;
    let all = &ours["all"];
    println!("  overall: hit@1 {:.3}, hit@3 {:.3}, MRR {:.3} (plain BM25: {:.3}, {:.3}, {:.3})\n", all.hit1, all.hit3, all.mrr, plain["all"].hit1, plain["all"].hit3, plain["all"].mrr);
    Ok(())
}

fn row(s: &Scores) -> String {
    let f = |x: f32, n: usize| if n == 0 { "     —".to_owned() } else { format!("{x:>6.3}") };
    format!("{} {} {} {}", f(s.hit1, s.answerable), f(s.hit3, s.answerable), f(s.mrr, s.answerable), f(s.quiet, s.unanswerable))
}
