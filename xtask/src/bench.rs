//! `cargo xtask bench`: the bot's retrieval quality on the labeled sets
//! (tests/kb/*.tsv over demo-site/kb, each in its dev and test halves),
//! beside plain BM25 and its own ungated ranking on the same data in the
//! same run, and how long ranking one keystroke takes:
//! natively, and in headless Chromium's WASM engine with the built widget.

use crate::{root, step, Result};
use porchlight_kb::baseline::Bm25;
use porchlight_kb::eval::{evaluate, only, parse_tsv, Scores, Split, SETS};
use porchlight_kb::{Index, Searcher};

/// `cargo xtask bench`: everything; `bench kb`, `bench open` or `bench relay [relay,flat,site]`: one part
/// (`--no-build` after `open` or `relay`: measure what `edge/` already holds).
pub fn main(args: &[String]) -> Result {
    match args.first().map(String::as_str) {
        None => kb_quality().and_then(|()| open(false)).and_then(|()| relay(None, false)),
        Some("kb") => kb_quality(),
        Some("open") => open(!args.iter().any(|a| a == "--no-build")),
        Some("relay") => {
            // `--no-build`: measure what edge/build already holds.
            let build = !args.iter().any(|a| a == "--no-build");
            relay(args[1..].iter().map(String::as_str).find(|a| !a.starts_with("--")), build)
        }
        Some(other) => Err(format!("unknown bench `{other}`: use `cargo xtask bench [kb | open | relay [relay,flat,site]]`")),
    }
}

/// The message hot path: Porchlight's visitor socket → agent socket on one
/// session beside the bare relay Durable Object in `bench/relay/` and its
/// storing twins (one INSERT per frame: before, after or a task after the forward), on `wrangler dev` started here on free ports (tests/examples/relay_bench.rs
/// measures; see its header for what).
pub fn relay(parts: Option<&str>, build: bool) -> Result {
    let tools = crate::tools::ensure(false)?;
    if build {
        crate::build::all(&tools)?;
    }
    step("bench: building the relay benchmark client (release)");
    crate::tools::run(
        crate::tools::cargo()
            .args(["build", "--quiet", "--release", "-p", "porchlight-tests", "--example", "relay_bench"])
            .current_dir(root()),
    )?;
    let origin = "http://bench.invalid";
    let sites = crate::run::test_sites(origin)?;
    let stage = root().join("target/porchlight/bench");
    let _ = std::fs::remove_dir_all(&stage);
    let (edge_port, relay_port) = (crate::run::free_port()?, crate::run::free_port()?);
    let mut edge = crate::run::Edge::start(&tools, edge_port, &stage.join("edge-state"), Some(&sites))?;
    let mut bare = match crate::run::Edge::start_in(&tools, &root().join("bench/relay"), relay_port, &stage.join("relay-state"), None) {
        Ok(e) => e,
        Err(e) => {
            edge.stop();
            return Err(e);
        }
    };
    step("bench: message relay (Porchlight vs a bare relay Durable Object and one that stores each frame, on wrangler dev)");
    let client = crate::build::target_dir().join("release/examples/relay_bench");
    let result = crate::tools::run(
        std::process::Command::new(client)
            .env("PORCHLIGHT_EDGE", format!("http://127.0.0.1:{edge_port}"))
            .env("PORCHLIGHT_DEMO", origin)
            .env("PORCHLIGHT_RELAY", format!("http://127.0.0.1:{relay_port}"))
            .env("PORCHLIGHT_BENCH", parts.unwrap_or("relay,flat,site")),
    );
    edge.stop();
    bare.stop();
    result.map_err(|e| format!("{e}\n  Edge log: {}", edge.log.display()))
}

/// A stranger's first click: click on the launcher → the panel wears the
/// site's name and accent, and → the pre-chat form takes typing, on a direct
/// click and after a 300 ms hover; and the loader's main-thread time on page
/// load; cold (cache disabled) at 40 ms RTT / 10 Mbit/s (DevTools network emulation),
/// in headless Chromium on the demo shop with the edge on `wrangler dev`
/// (tests/examples/open_bench.rs measures).
pub fn open(build: bool) -> Result {
    let tools = crate::tools::ensure(true)?;
    if build {
        crate::build::all(&tools)?;
    }
    let demo = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    let demo_origin = format!("http://{}", demo.local_addr().map_err(|e| e.to_string())?);
    let port = crate::run::free_port()?;
    let edge_url = format!("http://127.0.0.1:{port}");
    crate::run::serve_demo_site(demo, &edge_url);
    let sites = crate::run::test_sites(&demo_origin)?;
    let stage = root().join("target/porchlight/bench-open");
    let _ = std::fs::remove_dir_all(&stage);
    let mut edge = crate::run::Edge::start(&tools, port, &stage.join("edge-state"), Some(&sites))?;
    let result = crate::run::import_sample_kb(&edge_url).and_then(|()| {
        step("bench: opening the chat, cold, at 40 ms RTT / 10 Mbit/s (headless Chromium, DevTools emulation)");
        crate::tools::run(
            crate::tools::cargo()
                .args(["run", "--quiet", "-p", "porchlight-tests", "--example", "open_bench"])
                .current_dir(root())
                .env("PORCHLIGHT_EDGE", &edge_url)
                .env("PORCHLIGHT_DEMO", &demo_origin)
                .env("PORCHLIGHT_CHROMIUM", crate::tools::CHROMIUM)
                .env("PORCHLIGHT_CHROMEDRIVER", crate::tools::CHROMEDRIVER),
        )
    });
    edge.stop();
    result.map_err(|e| format!("{e}\n  Edge log: {}", edge.log.display()))
}

pub fn kb_quality() -> Result {
    step("bench: knowledge-base ranking quality (tests/kb/*.tsv over demo-site/kb), Porchlight beside plain BM25");
    let articles = crate::kb::read_dir(&root().join("demo-site/kb"))?;
    let index = Index::build(&articles);
    let index_json = serde_json::to_string(&index).map_err(|e| e.to_string())?;
    let searcher = Searcher::new(index);
    let baseline = Bm25::new(&articles);
    println!("\n  {} articles; index {} bytes of JSON", articles.len(), index_json.len());
    println!("  dev: the half weights and thresholds were chosen on; test: the half never tuned on (only scored).\n");
    println!(
        "  {:<13} {:<5} {:>4} | {:>6} {:>6} {:>6} {:>6} | {:>6} {:>6} {:>6} {:>6} | {:>6} {:>6}",
        "set", "split", "n", "hit@1", "hit@3", "MRR", "quiet", "hit@1", "hit@3", "MRR", "quiet", "hit@1", "hit@3"
    );
    println!("  {:<13} {:<5} {:>4} | {:^27} | {:^27} | {:^13}", "", "", "", "Porchlight", "plain BM25", "ungated");
    let mut overall = Vec::new();
    for (file, about) in SETS {
        let set = parse_tsv(&std::fs::read_to_string(root().join("tests/kb").join(file)).map_err(|e| format!("tests/kb/{file}: {e}"))?)?;
        for split in [Split::Dev, Split::Test] {
            let part = only(&set, split);
            let ours = evaluate(&part, |q, typing| searcher.suggest(q, typing).into_iter().map(|h| h.id).collect());
            let plain = evaluate(&part, |q, _| baseline.rank(q).into_iter().take(3).map(|(id, _)| id).collect());
            // The same ranking without the confidence gate: what the gate costs.
            let ungated = &evaluate(&part, |q, typing| searcher.rank(q, typing).into_iter().take(3).map(|h| h.id).collect())["all"];
            println!(
                "  {:<13} {:<5} {:>4} | {} | {} | {:>6.3} {:>6.3}",
                file,
                split.name(),
                part.len(),
                row(&ours["all"]),
                row(&plain["all"]),
                ungated.hit1,
                ungated.hit3
            );
            overall.push((*file, split, ours["all"].clone(), plain["all"].clone()));
        }
        println!("  {:<13} ({about})", "");
    }
    println!("\n  hit@k: an expected article among the first k suggestions; MRR over the (at most 3) suggestions shown;");
    println!("  quiet: share of questions the help center cannot answer that got no suggestion (plain BM25 has no threshold);");
    println!("  ungated: Porchlight's ranking without its confidence gate (the first three, whatever their score).");
    for (file, split, o, b) in &overall {
        println!(
            "  {file} {}: hit@3 {:.3} vs BM25 {:.3} ({:+.3}), hit@1 {:.3} vs {:.3}, quiet {:.3} vs {:.3}",
            split.name(),
            o.hit3,
            b.hit3,
            o.hit3 - b.hit3,
            o.hit1,
            b.hit1,
            o.quiet,
            b.quiet
        );
    }

    step("bench: keystroke latency (release build of porchlight-kb)");
    crate::tools::run(
        crate::tools::cargo().args(["run", "--quiet", "--release", "-p", "porchlight-kb", "--example", "keystroke"]).current_dir(root()),
    )?;

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
    format!("{} {} {} {}", f(s.hit1, s.answerable), f(s.hit3, s.answerable), f(s.mrr, s.answerable), f(s.quiet, s.unanswerable))
}
