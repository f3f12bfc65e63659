//! Tuning aid: figures on both splits of both labeled sets, beside plain
//! BM25, and the misses of the `dev` split only (never of `test`).
//! `cargo run -p porchlight-kb --example tune [-- --explain]`
use porchlight_kb::baseline::Bm25;
use porchlight_kb::eval::{evaluate, misses, only, Split, SETS};
use porchlight_kb::{Index, Searcher};

mod sample;

fn main() {
    let articles = sample::articles();
    let s = Searcher::new(Index::build(&articles));
    let bm = Bm25::new(&articles);
    let explain = std::env::args().any(|a| a == "--explain");
    let show_misses = std::env::args().any(|a| a == "--misses");
    if std::env::args().any(|a| a == "--gate") {
        // The gate's trade-off on dev: answered answerable (and right in
        // the top 3) vs quiet on unanswerable, per threshold.
        let mut rows = Vec::new();
        for (file, _) in SETS {
            let set = sample::set(file);
            for q in only(&set, Split::Dev) {
                let (hits, sure) = s.best(&q.query, q.kind == "typing").unwrap_or((Vec::new(), f32::NEG_INFINITY));
                let right = hits.iter().any(|h| q.expect.contains(&h.id));
                rows.push((q.expect.is_empty(), right, sure));
            }
        }
        let none = rows.iter().filter(|r| r.0).count();
        let answerable = rows.len() - none;
        for g in (-16..=4).map(|i| i as f32 * 0.1) {
            let right = rows.iter().filter(|r| !r.0 && r.1 && r.2 >= g).count();
            let quiet = rows.iter().filter(|r| r.0 && r.2 < g).count();
            println!("gate {g:>5.2}: right in top 3 {right}/{answerable}, quiet {quiet}/{none} ({:.3})", quiet as f32 / none as f32);
        }
        return;
    }
    for (file, _) in SETS {
        let set = sample::set(file);
        for split in [Split::Dev, Split::Test] {
            let part = only(&set, split);
            let ours = evaluate(&part, |q, t| s.suggest(q, t).into_iter().map(|h| h.id).collect());
            let base = evaluate(&part, |q, _| bm.rank(q).into_iter().take(3).map(|(id, _)| id).collect());
            let ungated = evaluate(&part, |q, t| s.rank(q, t).into_iter().take(3).map(|h| h.id).collect());
            let u = &ungated["all"];
            println!("   ungated ranking: hit1 {:.3} hit3 {:.3}", u.hit1, u.hit3);
            let (o, b) = (&ours["all"], &base["all"]);
            println!(
                "{file:<13} {:<4} n={:<3} ours hit1 {:.3} hit3 {:.3} mrr {:.3} quiet {:.3} ({}) | bm25 hit1 {:.3} hit3 {:.3} quiet {:.3}",
                split.name(),
                part.len(),
                o.hit1,
                o.hit3,
                o.mrr,
                o.quiet,
                o.unanswerable,
                b.hit1,
                b.hit3,
                b.quiet
            );
            if split == Split::Dev && std::env::args().any(|a| a == "--kinds") {
                for (k, v) in &ours {
                    println!("    {k:<12} hit1 {:.3} hit3 {:.3} quiet {:.3} n={}", v.hit1, v.hit3, v.quiet, v.answerable + v.unanswerable);
                }
            }
            if split == Split::Dev && std::env::args().any(|a| a == "--second") {
                for q in &part {
                    let got: Vec<String> = s.suggest(&q.query, false).into_iter().map(|h| h.id).collect();
                    if !q.expect.is_empty() && got.iter().skip(1).any(|g| q.expect.contains(g)) && !q.expect.contains(&got[0]) {
                        println!("   2nd {:?} got {got:?}\n        {}\n        {:?}", q.expect, q.query, s.explain(&q.query, false));
                    }
                }
            }
            if split == Split::Dev && show_misses {
                for (q, want, got) in misses(&part, |q, t| s.suggest(q, t).into_iter().map(|h| h.id).collect()) {
                    println!("   miss {want:?} got {got:?}\n        {q}");
                    if explain {
                        println!("        {:?}", s.explain(&q, false));
                    }
                }
            }
        }
    }
}
