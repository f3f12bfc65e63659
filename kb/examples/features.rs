//! Tuning aid: the gate's features on the dev split (never test), one line per question.
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
        for q in only(&set, Split::Dev) {
            let typing = q.kind == "typing";
            let (ids, top, second, cov, n, mass, unknown, head) = s.features(&q.query, typing);
            let label = if q.expect.is_empty() {
                "none"
            } else if ids.iter().any(|i| q.expect.contains(i)) {
                "hit"
            } else {
                "wrong"
            };
            if std::env::var_os("TERMS").is_some() {
                let terms: Vec<String> = s
                    .term_report(&q.query, typing)
                    .into_iter()
                    .map(|(w, m, wt, known, cov)| format!("{w}:{m:.3}:{wt}:{}:{}", u8::from(known), u8::from(cov)))
                    .collect();
                println!("{label}\t{}", terms.join(" "));
                continue;
            }
            if std::env::var_os("UNKNOWN").is_some() {
                println!("{label}\t{}", s.unknown_words(&q.query, typing).join(" "));
                continue;
            }
            println!(
                "{label}\t{top:.3}\t{second:.3}\t{cov:.3}\t{n}\t{mass:.3}\t{unknown:.3}\t{head:.3}\t{}\t{}",
                q.kind,
                q.query.chars().take(60).collect::<String>()
            );
        }
    }
}
