//! Tuning aid: the `dev` questions (never `test`) whose expected article is
//! not in the ungated top 3, with what the ranking put there instead.
//! `cargo run -p porchlight-kb --example misses`
use porchlight_kb::eval::{only, Split, SETS};

mod sample;
fn main() {
    let s = sample::searcher();
    for (file, _) in SETS {
        let set = sample::set(file);
        for q in only(&set, Split::Dev).into_iter().filter(|q| !q.expect.is_empty()) {
            let got: Vec<String> = s.rank(&q.query, q.kind == "typing").into_iter().take(3).map(|h| h.id).collect();
            if !got.iter().any(|g| q.expect.contains(g)) {
                println!("{file} want {:?} got {got:?}\n    {}\n    unknown {:?}", q.expect, q.query, s.unknown_words(&q.query, false));
            }
        }
    }
}
