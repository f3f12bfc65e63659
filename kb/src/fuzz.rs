//! Fuzzing what the help center decodes from outside: article files (front
//! matter and Markdown, from site owners), visitors' questions (to the
//! ranking and the bot), and the index the widget downloads. Bounded, so it
//! runs in every `cargo test`; anything may be refused, nothing may panic.

use crate::testing::sample;
use crate::{bot, markdown, Article, Index, Searcher};
use proptest::prelude::*;
use std::sync::OnceLock;

fn searcher() -> &'static Searcher {
    static S: OnceLock<Searcher> = OnceLock::new();
    S.get_or_init(|| sample(&["demo-site/kb", "demo-site/kb-translations"]))
}

fn sample_sources() -> &'static [String] {
    static S: OnceLock<Vec<String>> = OnceLock::new();
    S.get_or_init(|| {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../demo-site/kb");
        let mut files: Vec<_> = std::fs::read_dir(dir).expect("demo-site/kb").flatten().map(|e| e.path()).collect();
        files.sort();
        files.iter().filter(|p| p.extension().is_some_and(|x| x == "md")).filter_map(|p| std::fs::read_to_string(p).ok()).take(12).collect()
    })
}

/// What a visitor's text can be made of: words of the help center, typos,
/// other scripts, punctuation and the odd control character.
fn visitor_text() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        Just("where".to_string()),
        Just("is".to_string()),
        Just("my".to_string()),
        Just("order".to_string()),
        Just("refund".to_string()),
        Just("paymnt".to_string()),
        Just("dónde está mi pedido".to_string()),
        Just("wo ist meine bestellung".to_string()),
        Just("???".to_string()),
        Just("'s".to_string()),
        Just("\u{202e}\u{200b}\0".to_string()),
        Just("أين طلبي".to_string()),
        Just("🫖".to_string()),
        "[a-z]{1,12}",
        ".{1,8}",
    ];
    proptest::collection::vec(piece, 0..40).prop_map(|p| p.join(" "))
}

fn mutate(src: &str, at: usize, cut: usize, insert: &str) -> String {
    let chars: Vec<char> = src.chars().collect();
    let at = at % (chars.len() + 1);
    let end = (at + cut).min(chars.len());
    chars[..at].iter().copied().chain(insert.chars()).chain(chars[end..].iter().copied()).collect()
}

proptest! {
    // Ranking in an unoptimised test build takes milliseconds per question.
    #![proptest_config(ProptestConfig { cases: 64, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_question_ranks_and_gets_an_answer(q in visitor_text(), typing in any::<bool>()) {
        let s = searcher();
        let hits = s.suggest(&q, typing);
        prop_assert!(hits.len() <= 3);
        let a = bot::answer(s, &q);
        prop_assert!(a.text.is_some() || a.handoff);
    }

    #[test]
    fn long_questions_are_cut_before_ranking(q in visitor_text(), repeat in 1usize..20) {
        // However long, the bot ranks at most its last MAX_MESSAGE_CHARS.
        let long = q.repeat(repeat);
        let _ = bot::answer(searcher(), &long);
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn damaged_article_files_are_refused_not_fatal(
        pick in any::<proptest::sample::Index>(),
        at in any::<usize>(),
        cut in 0usize..40,
        insert in prop_oneof![
            Just("---\n".to_string()),
            Just("\n".to_string()),
            Just("tags: [a, [b".to_string()),
            Just("id: \n".to_string()),
            Just("](javascript:x)".to_string()),
            Just("```".to_string()),
            ".{0,12}",
        ],
    ) {
        let src = mutate(pick.get::<String>(sample_sources()), at, cut, &insert);
        if let Ok(article) = Article::parse(&src) {
            let _ = markdown::parse(&article.body);
            let index = Index::build(std::slice::from_ref(&article));
            prop_assert!(index.check().is_ok(), "an index we built must pass our own check");
        }
        let _ = markdown::parse(&src);
        let _ = markdown::plain_text(&src);
    }

    #[test]
    fn random_markdown_never_panics(md in ".{0,200}") {
        for block in markdown::parse(&md) {
            let _ = format!("{block:?}");
        }
        let _ = markdown::inlines(&md);
        let _ = markdown::vet(&md);
    }

    #[test]
    fn a_damaged_index_is_refused_or_ranks_safely(
        which in 0usize..5,
        at in any::<proptest::sample::Index>(),
        value in any::<u32>(),
        q in visitor_text(),
    ) {
        let mut index = searcher().index().clone();
        match which {
            0 => { let i = at.index(index.postings.len()); if let Some(p) = index.postings[i].first_mut() { *p = value; } }
            1 => { index.lens.pop(); }
            2 => { let i = at.index(index.postings.len()); index.postings[i].push(value); }
            3 => { let j = at.index(index.terms.len()); index.terms.swap(0, j); }
            _ => { index.postings.pop(); }
        }
        if let Ok(s) = Searcher::try_new(index) {
            let _ = s.suggest(&q, true);
            let _ = bot::answer(&s, &q);
        }
    }
}

#[test]
fn the_sample_index_passes_its_own_check() {
    assert_eq!(searcher().index().check(), Ok(()));
    let json = serde_json::to_string(searcher().index()).expect("encodes");
    let back: Index = serde_json::from_str(&json).expect("decodes");
    assert!(Searcher::try_new(back).is_ok());
}
