//! Tuning aid: `cargo run -p porchlight-kb --example ask -- "question"...`: ranking, evidence and confidence.
mod sample;
fn main() {
    let s = sample::searcher();
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
