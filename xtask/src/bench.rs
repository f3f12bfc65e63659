//! `cargo xtask bench`: the bot's retrieval quality on the labeled sets
//! (tests/kb/queries.tsv and tests/kb/visitors.tsv over demo-site/kb, each
//! in its dev and test halves), beside plain BM25 on the same data in the
//! same run, and how long ranking one keystroke takes:
//! natively, and in headless Chromium's WASM engine with the built widget.

use crate::{root, step, Result};
use porchlight_kb::baseline::Bm25;
use porchlight_kb::eval::{evaluate, only, parse_tsv, Scores, Split, SETS};
use porchlight_kb::{Index, Searcher};

pub fn kb_quality() -> Result {
    step("bench: knowledge-base ranking quality (tests/kb/*.tsv over demo-site/kb), Porchlight beside plain BM25");
    let articles = crate::kb::read_dir(&root().join("demo-site/kb"))?;
    let index = Index::build(&articles);
    let index_json = serde_json::to_string(&index).map_err(|e| e.to_string())?;
    let searcher = Searcher::new(index);
    let baseline = Bm25::new(&articles);
    println!(
        "\n  {} articles; index {} bytes of JSON",
        articles.len(),
        index_json.len()
    );
    println!("  dev: the half weights and thresholds were chosen on; test: the half never tuned on (only scored).\n");
    println!(
        "  {:<13} {:<5} {:>4} | {:>6} {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6} {:>6}",
        "set", "split", "n", "hit@1", "hit@3", "MRR", "quiet", "hit@1", "hit@3", "MRR", "quiet"
    );
    println!(
        "  {:<13} {:<5} {:>4} | {:^27} | {:^27}",
        "", "", "", "Porchlight", "plain BM25"
    );
    let mut overall = Vec::new();
    for (file, about) in SETS {
        let set = parse_tsv(
            &std::fs::read_to_string(root().join("tests/kb").join(file))
                .map_err(|e| format!("tests/kb/{file}: {e}"))?,
        )?;
        for split in [Split::Dev, Split::Test] {
            let part = only(&set, split);
            let ours = evaluate(&part, |q, typing| {
                searcher
                    .suggest(q, typing)
                    .into_iter()
                    .map(|h| h.id)
                    .collect()
            });
            let plain = evaluate(&part, |q, _| {
                baseline
                    .rank(q)
                    .into_iter()
                    .take(3)
                    .map(|(id, _)| id)
                    .collect()
            });
            println!(
                "  {:<13} {:<5} {:>4} | {} | {}",
                file,
                split.name(),
                part.len(),
                row(&ours["all"]),
                row(&plain["all"])
            );
            overall.push((*file, split, ours["all"].clone(), plain["all"].clone()));
        }
        println!("  {:<13} ({about})", "");
    }
    println!("\n  hit@k: an expected article among the first k suggestions; MRR over the (at most 3) suggestions shown;");
    println!("  quiet: share of questions the help center cannot answer that got no suggestion (plain BM25 has no threshold).");
    for (file, split, o, b) in &overall {
        println!(
            "  {file} {}: hit@3 {:.3} vs BM25 {:.3} ({:+.3}), hit@1 {:.3} vs {:.3}, quiet {:.3} vs {:.3}",
            split.name(), o.hit3, b.hit3, o.hit3 - b.hit3, o.hit1, b.hit1, o.quiet, b.quiet
        );
    }

    step("bench: keystroke latency (release build of porchlight-kb)");
    crate::tools::run(
        crate::tools::cargo()
            .args([
                "run",
                "--quiet",
                "--release",
                "-p",
                "porchlight-kb",
                "--example",
                "keystroke",
            ])
            .current_dir(root()),
    )?;

    // The same ranking in the browser: the widget WASM as shipped, in headless Chromium.
    let tools = crate::tools::ensure(true)?;
    crate::build::all(&tools)?;
    step("bench: keystroke latency in headless Chromium (the built widget WASM)");
    crate::tools::run(
        crate::tools::cargo()
            .args([
                "run",
                "--quiet",
                "-p",
                "porchlight-tests",
                "--example",
                "wasm_keystroke",
            ])
            .current_dir(root())
            .env("PORCHLIGHT_CHROMIUM", crate::tools::CHROMIUM)
            .env("PORCHLIGHT_CHROMEDRIVER", crate::tools::CHROMEDRIVER),
    )?;
    Ok(())
}

fn row(s: &Scores) -> String {
    let f = |x: f32, n: usize| {
        if n == 0 {
            "     —".to_owned()
        } else {
            format!("{x:>6.3}")
        }
    };
    format!(
        "{} {} {} {}",
        f(s.hit1, s.answerable),
        f(s.hit3, s.answerable),
        f(s.mrr, s.answerable),
        f(s.quiet, s.unanswerable)
    )
}
