//! Tuning aid: the gate's evidence on the `dev` halves (never `test`), one
//! line per question: label (`hit`: an article answers it and one of the
//! suggestions is right; `wrong`: answerable but the suggestions miss;
//! `none`: no article answers it), set, then [`Evidence::features`].
//! `kb/examples/fit_gate.py` fits the gate's weights on this.
//! `cargo run -p porchlight-kb --example features > /tmp/dev-features.tsv`
use porchlight_kb::eval::{only, Split, SETS};

mod sample;
fn main() {
    let s = sample::searcher();
    for (file, _) in SETS {
        let set = sample::set(file);
        for q in only(&set, Split::Dev) {
            let typing = q.kind == "typing";
            let Some(evidence) = s.gate_evidence(&q.query, typing) else {
                continue;
            };
            let ids: Vec<String> = s.best(&q.query, typing).map(|(hits, _)| hits.into_iter().map(|h| h.id).collect()).unwrap_or_default();
            let label = if q.expect.is_empty() {
                "none"
            } else if ids.iter().any(|i| q.expect.contains(i)) {
                "hit"
            } else {
                "wrong"
            };
            let features: Vec<String> = evidence.features().iter().map(|x| format!("{x:.4}")).collect();
            println!("{label}\t{file}\t{}\t{}", features.join("\t"), q.query.chars().take(70).collect::<String>());
        }
    }
}
